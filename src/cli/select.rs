//! Choosing objects as kubectl's resource builder does: `TYPE NAME…` and `TYPE/NAME…` name
//! them; a bare `TYPE` with `-l`, `--field-selector` or `--all` lists them from the server.

use super::client::{CliError, Client, Result, collection_path, item_path};
use super::resource::{self, Ref};
use crate::model::Kind;
use clap::Args;
use serde_json::Value;

/// `-l`, `--field-selector` and `--all`.
#[derive(Args, Debug, Clone, Default)]
pub struct Selection {
    /// Label selector (e.g. app=web,tier!=db).
    #[arg(short = 'l', long)]
    pub selector: Option<String>,
    /// Field selector, evaluated by the server (e.g. status.phase=Running).
    #[arg(long)]
    pub field_selector: Option<String>,
    /// Every object of the type.
    #[arg(long)]
    pub all: bool,
}

fn encode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

impl Selection {
    /// `labelSelector=…` and `fieldSelector=…` query parameters, encoded.
    pub fn params(&self) -> Vec<String> {
        let mut q = Vec::new();
        if let Some(s) = &self.selector {
            q.push(format!("labelSelector={}", encode(s)));
        }
        if let Some(s) = &self.field_selector {
            q.push(format!("fieldSelector={}", encode(s)));
        }
        q
    }

    /// The list query (`?labelSelector=…&fieldSelector=…`), empty when there is none.
    pub fn query(&self) -> String {
        let q = self.params();
        if q.is_empty() { String::new() } else { format!("?{}", q.join("&")) }
    }

    /// Whether a bare type stands for objects listed from the server.
    pub fn lists(&self) -> bool {
        self.all || self.selector.is_some() || self.field_selector.is_some()
    }
}

/// One chosen object as the server has it.
#[derive(Debug, Clone)]
pub struct Picked {
    pub kind: Kind,
    pub name: String,
    pub object: Value,
}

/// The objects of `kind` in `ns` that `selection` matches, in the server's order.
pub async fn list(client: &Client, ns: &str, kind: Kind, selection: &Selection) -> Result<Vec<Picked>> {
    let list = client.get(&format!("{}{}", collection_path(kind, Some(ns)), selection.query())).await?;
    Ok(list["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|item| Picked {
            kind,
            name: item["metadata"]["name"].as_str().unwrap_or_default().to_string(),
            object: item.clone(),
        })
        .collect())
}

/// The objects `resources` name, or list with `selection`; fails like kubectl when a type has
/// neither names nor a selection, or when nothing is named at all.
pub async fn pick(client: &Client, ns: &str, resources: &[String], selection: &Selection) -> Result<Vec<Picked>> {
    if resources.is_empty() {
        return Err(CliError::msg("one or more resources must be specified as <resource> <name> or <resource>/<name>"));
    }
    let mut out = Vec::new();
    for Ref { kind, name } in resource::parse(resources)? {
        match name {
            Some(name) => {
                let object = client.get(&item_path(kind, ns, &name)).await?;
                out.push(Picked { kind, name, object });
            }
            None if selection.lists() => out.extend(list(client, ns, kind, selection).await?),
            None => return Err(CliError::msg("resource(s) were provided, but no name was specified")),
        }
    }
    Ok(out)
}
