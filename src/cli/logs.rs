//! `logs`: a container's output, followed with -f; `logs deployment/web` picks one of its pods.

use super::client::{CliError, Client, Result, item_path, list_path};
use super::resource;
use crate::model::{Kind, labels};
use clap::Args;
use futures_util::StreamExt;
use k8s_openapi::api::apps::v1::Deployment;
use std::io::Write;

#[derive(Args, Debug)]
pub struct LogsArgs {
    /// POD, pod/NAME or deployment/NAME.
    pub target: String,
    #[arg(short = 'c', long)]
    pub container: Option<String>,
    #[arg(short = 'f', long)]
    pub follow: bool,
    /// Lines from the end to show.
    #[arg(long)]
    pub tail: Option<i64>,
    /// The previous (crashed) instance of the container.
    #[arg(short = 'p', long)]
    pub previous: bool,
    #[arg(long)]
    pub timestamps: bool,
}

/// The pod to read: named directly, or the first running pod of a Deployment.
async fn pod(client: &Client, ns: &str, target: &str) -> Result<String> {
    let Some((t, name)) = target.split_once('/') else {
        return Ok(target.to_string());
    };
    let kind = resource::kind(t)?;
    if kind == Kind::Pod {
        return Ok(name.to_string());
    }
    if kind != Kind::Deployment {
        return Err(CliError::msg(format!("cannot get the logs of a {}", kind.info().singular)));
    }
    let d: Deployment = serde_json::from_value(client.get(&item_path(kind, ns, name)).await?)
        .map_err(|e| CliError::msg(e.to_string()))?;
    let selector = d.spec.map(|s| labels::selector_string(&s.selector)).unwrap_or_default();
    let pods = client.get(&list_path(Kind::Pod, Some(ns), Some(&selector))).await?;
    let items = pods["items"].as_array().cloned().unwrap_or_default();
    let running = items.iter().find(|p| p["status"]["phase"] == "Running").or(items.first());
    let chosen = running
        .and_then(|p| p["metadata"]["name"].as_str())
        .ok_or_else(|| CliError::msg(format!("no pods of deployment/{name} found")))?;
    if items.len() > 1 {
        eprintln!("Found {} pods, using pod/{chosen}", items.len());
    }
    Ok(chosen.to_string())
}

pub async fn run(client: &Client, ns: &str, args: LogsArgs) -> Result<()> {
    let pod = pod(client, ns, &args.target).await?;
    let mut q = Vec::new();
    if let Some(c) = &args.container {
        q.push(format!("container={c}"));
    }
    for (flag, name) in [(args.follow, "follow"), (args.previous, "previous"), (args.timestamps, "timestamps")] {
        if flag {
            q.push(format!("{name}=true"));
        }
    }
    if let Some(t) = args.tail.filter(|t| *t >= 0) {
        q.push(format!("tailLines={t}"));
    }
    let path = format!("{}/log?{}", item_path(Kind::Pod, ns, &pod), q.join("&"));
    let mut stream = Box::pin(client.stream(&path, "application/json, */*").await?);
    let mut out = std::io::stdout();
    while let Some(chunk) = stream.next().await {
        out.write_all(&chunk?).and_then(|()| out.flush()).map_err(|e| CliError::msg(e.to_string()))?;
    }
    Ok(())
}
