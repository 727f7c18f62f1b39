//! `set image`, `scale` and `annotate`: the patches kubectl sends for them.

use super::client::{CliError, Client, Result, item_path};
use super::resource::{self, qualified};
use crate::model::meta::CHANGE_CAUSE;
use clap::{Args, Subcommand};
use serde_json::{Map, Value, json};

#[derive(Subcommand, Debug)]
pub enum SetCommand {
    /// `set image deployment/NAME CONTAINER=IMAGE...` (`*` for every container).
    Image(SetImageArgs),
}

#[derive(Args, Debug)]
pub struct SetImageArgs {
    /// TYPE/NAME
    pub target: String,
    /// CONTAINER=IMAGE pairs.
    #[arg(required = true)]
    pub images: Vec<String>,
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

#[derive(Args, Debug)]
pub struct AnnotateArgs {
    /// TYPE/NAME
    pub target: String,
    /// KEY=VALUE to set, KEY- to remove.
    #[arg(required = true)]
    pub annotations: Vec<String>,
    #[arg(long)]
    pub overwrite: bool,
}

fn command_line() -> String {
    let args: Vec<String> = std::env::args().collect();
    let mut line = vec!["skiff".to_string()];
    line.extend(args.into_iter().skip(1).filter(|a| a != "--record"));
    line.join(" ")
}

pub async fn run_set(client: &Client, ns: &str, cmd: SetCommand) -> Result<()> {
    let SetCommand::Image(args) = cmd;
    let (kind, name) = resource::one(std::slice::from_ref(&args.target))?;
    let path = item_path(kind, ns, &name);
    let live = client.get(&path).await?;
    let containers: Vec<String> = live["spec"]["template"]["spec"]["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["name"].as_str().map(String::from))
        .collect();
    let mut changed = Vec::new();
    for pair in &args.images {
        let (container, image) =
            pair.split_once('=').ok_or_else(|| CliError::msg(format!("expected CONTAINER=IMAGE, got {pair:?}")))?;
        let names: Vec<&String> = if container == "*" {
            containers.iter().collect()
        } else {
            containers.iter().filter(|c| *c == container).collect()
        };
        if names.is_empty() {
            return Err(CliError::msg(format!("unable to find container named {container:?}")));
        }
        changed.extend(names.into_iter().map(|n| json!({"image": image, "name": n})));
    }
    let order: Vec<Value> = containers.iter().map(|n| json!({"name": n})).collect();
    let mut patch =
        json!({"spec": {"template": {"spec": {"$setElementOrder/containers": order, "containers": changed}}}});
    if args.record {
        patch["metadata"] = json!({"annotations": {CHANGE_CAUSE: command_line()}});
    }
    client.patch(&path, "application/strategic-merge-patch+json", &patch).await?;
    println!("{}/{name} image updated", qualified(kind));
    Ok(())
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

pub async fn run_annotate(client: &Client, ns: &str, args: AnnotateArgs) -> Result<()> {
    let (kind, name) = resource::one(std::slice::from_ref(&args.target))?;
    let path = item_path(kind, ns, &name);
    let live = client.get(&path).await?;
    let mut changes = Map::new();
    for a in &args.annotations {
        if let Some(key) = a.strip_suffix('-').filter(|_| !a.contains('=')) {
            changes.insert(key.to_string(), Value::Null);
            continue;
        }
        let (key, value) = a
            .split_once('=')
            .ok_or_else(|| CliError::msg(format!("invalid annotation: {a:?}; expected KEY=VALUE or KEY-")))?;
        let current = live["metadata"]["annotations"][key].as_str();
        if !args.overwrite && current.is_some_and(|c| c != value) {
            return Err(CliError::msg(format!(
                "--overwrite is false but found the following declared annotation(s): '{key}' already has a value ({})",
                current.unwrap_or_default()
            )));
        }
        changes.insert(key.to_string(), Value::String(value.to_string()));
    }
    client.patch(&path, "application/merge-patch+json", &json!({"metadata": {"annotations": changes}})).await?;
    println!("{}/{name} annotated", qualified(kind));
    Ok(())
}
