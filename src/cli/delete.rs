//! `delete`: by name, by label selector, or every object in some files; then wait until they
//! are gone, as kubectl does by default.

use super::Files;
use super::client::{CliError, Client, Result, item_path};
use super::manifest;
use super::resource::{self, qualified};
use super::select::{self, Selection};
use crate::model::{Kind, decode};
use clap::Args;
use serde_json::{Value, json};
use std::time::Duration;

/// How long `--wait` waits at most.
const WAIT_LIMIT: Duration = Duration::from_secs(300);

#[derive(Args, Debug)]
pub struct DeleteArgs {
    /// TYPE NAME..., TYPE/NAME..., or TYPE with -l / --all.
    pub resources: Vec<String>,
    #[command(flatten)]
    pub files: Files,
    #[command(flatten)]
    pub selection: Selection,
    /// Seconds a pod gets to stop; 0 removes it at once.
    #[arg(long)]
    pub grace_period: Option<i64>,
    #[arg(long, default_value = "background", value_parser = ["background", "foreground", "orphan"])]
    pub cascade: String,
    /// Wait until the objects are gone.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    pub wait: bool,
}

async fn targets(client: &Client, ns: &str, args: &DeleteArgs) -> Result<Vec<(Kind, String, String)>> {
    if !args.files.files.is_empty() {
        return manifest::read(&args.files.files)?
            .into_iter()
            .map(|doc| {
                let kind = decode::kind_of(&doc.value).map_err(|e| CliError::msg(e.to_string()))?;
                let ns = manifest::namespace_of(kind, &doc.value, ns);
                Ok((kind, ns, doc.value["metadata"]["name"].as_str().unwrap_or_default().to_string()))
            })
            .collect();
    }
    let mut out = Vec::new();
    for r in resource::parse(&args.resources)? {
        match r.name {
            Some(name) => out.push((r.kind, ns.to_string(), name)),
            None if args.selection.lists() => {
                for picked in select::list(client, ns, r.kind, &args.selection).await? {
                    out.push((r.kind, ns.to_string(), picked.name));
                }
            }
            None => {
                return Err(CliError::msg("resource(s) were provided, but no name was specified"));
            }
        }
    }
    Ok(out)
}

pub async fn run(client: &Client, ns: &str, args: DeleteArgs) -> Result<()> {
    let targets = targets(client, ns, &args).await?;
    let policy = match args.cascade.as_str() {
        "foreground" => "Foreground",
        "orphan" => "Orphan",
        _ => "Background",
    };
    let mut body = json!({"propagationPolicy": policy});
    if let Some(g) = args.grace_period {
        body["gracePeriodSeconds"] = Value::from(g);
    }
    let mut failed = false;
    let mut deleted = Vec::new();
    for (kind, ns, name) in targets {
        let path = item_path(kind, &ns, &name);
        match client.delete(&path, &body).await {
            Ok(_) => {
                println!("{} {name:?} deleted", qualified(kind));
                deleted.push(path);
            }
            Err(e) => {
                eprintln!("{e}");
                failed = true;
            }
        }
    }
    if args.wait {
        let deadline = tokio::time::Instant::now() + WAIT_LIMIT;
        for path in deleted {
            while client.get_optional(&path).await?.is_some() {
                if tokio::time::Instant::now() > deadline {
                    return Err(CliError::msg("timed out waiting for the condition"));
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
    if failed { Err(CliError::Silent) } else { Ok(()) }
}
