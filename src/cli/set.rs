//! `set image` and `scale`: the patches kubectl sends for them.

use super::client::{CliError, Client, Result, item_path};
use super::resource::{self, qualified};
use super::select::{self, Picked, Selection};
use crate::model::meta::CHANGE_CAUSE;
use clap::{Args, Subcommand};
use serde_json::{Value, json};

#[derive(Subcommand, Debug)]
pub enum SetCommand {
    /// `set image TYPE/NAME|TYPE NAME CONTAINER=IMAGE...` (`*` for every container).
    Image(SetImageArgs),
}

#[derive(Args, Debug)]
pub struct SetImageArgs {
    /// TYPE NAME or TYPE/NAME (or TYPE with -l/--all), then CONTAINER=IMAGE pairs.
    #[arg(required = true)]
    pub args: Vec<String>,
    #[command(flatten)]
    pub selection: Selection,
    /// Record the command in the kubernetes.io/change-cause annotation.
    #[arg(long)]
    pub record: bool,
}

#[derive(Args, Debug)]
pub struct ScaleArgs {
    /// TYPE/NAME or TYPE NAME
    #[arg(required = true)]
    pub target: Vec<String>,
    #[arg(long)]
    pub replicas: i32,
}

fn command_line() -> String {
    let args: Vec<String> = std::env::args().collect();
    let mut line = vec!["skiff".to_string()];
    line.extend(args.into_iter().skip(1).filter(|a| a != "--record"));
    line.join(" ")
}

pub async fn run_set(client: &Client, ns: &str, cmd: SetCommand) -> Result<()> {
    let SetCommand::Image(args) = cmd;
    let (resources, pairs) = resource::resources_and_pairs(&args.args, "image")?;
    if pairs.is_empty() {
        return Err(CliError::msg("at least one image update is required"));
    }
    for Picked { kind, name, object } in select::pick(client, ns, &resources, &args.selection).await? {
        let Some(mut patch) = image_patch(&object, &pairs)? else {
            continue; // Nothing to change: kubectl prints nothing either.
        };
        if args.record {
            patch["metadata"] = json!({"annotations": {CHANGE_CAUSE: command_line()}});
        }
        client.patch(&item_path(kind, ns, &name), "application/strategic-merge-patch+json", &patch).await?;
        println!("{}/{name} image updated", qualified(kind));
    }
    Ok(())
}

/// The strategic merge patch setting `CONTAINER=IMAGE` pairs on `object`'s pod template, or
/// `None` when every named container runs its image already.
fn image_patch(object: &Value, pairs: &[String]) -> Result<Option<Value>> {
    let current: Vec<(String, String)> = object["spec"]["template"]["spec"]["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| Some((c["name"].as_str()?.to_string(), c["image"].as_str().unwrap_or_default().to_string())))
        .collect();
    let containers: Vec<String> = current.iter().map(|(n, _)| n.clone()).collect();
    let mut changed = Vec::new();
    for pair in pairs {
        let (container, image) = pair
            .split_once('=')
            .ok_or_else(|| CliError::msg(format!("invalid image update: {pair:?}; expected CONTAINER=IMAGE")))?;
        let names: Vec<&String> = containers.iter().filter(|c| container == "*" || *c == container).collect();
        if names.is_empty() {
            return Err(CliError::msg(format!("unable to find container named {container:?}")));
        }
        changed.extend(
            names
                .into_iter()
                .filter(|n| !current.contains(&((*n).clone(), image.to_string())))
                .map(|n| json!({"image": image, "name": n})),
        );
    }
    if changed.is_empty() {
        return Ok(None);
    }
    let order: Vec<Value> = containers.iter().map(|n| json!({"name": n})).collect();
    Ok(Some(json!({"spec": {"template": {"spec": {"$setElementOrder/containers": order, "containers": changed}}}})))
}

pub async fn run_scale(client: &Client, ns: &str, args: ScaleArgs) -> Result<()> {
    let (kind, name) = resource::one(&args.target)?;
    if !kind.info().scalable {
        return Err(CliError::msg(format!("cannot scale a {}", kind.info().singular)));
    }
    let path = format!("{}/scale", item_path(kind, ns, &name));
    client.patch(&path, "application/merge-patch+json", &json!({"spec": {"replicas": args.replicas}})).await?;
    println!("{}/{name} scaled", qualified(kind));
    Ok(())
}
