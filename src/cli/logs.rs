//! `logs`: a container's output, followed with -f. `logs deployment/web` picks one of its
//! pods; `logs -l app=web` prints every matching pod's (the last 10 lines of each unless
//! `--tail` says otherwise, as kubectl does).

use super::client::{CliError, Client, Result, item_path, list_path};
use super::resource;
use super::select::{self, Selection};
use crate::model::{Kind, labels};
use clap::Args;
use futures_util::{StreamExt, stream};
use k8s_openapi::api::apps::v1::Deployment;
use std::io::Write;

/// kubectl's default `--tail` when pods are chosen by a selector.
const SELECTOR_TAIL: i64 = 10;

#[derive(Args, Debug)]
pub struct LogsArgs {
    /// POD, pod/NAME or deployment/NAME (or nothing with -l).
    pub target: Option<String>,
    /// The container (same as -c).
    pub container_name: Option<String>,
    #[arg(short = 'c', long)]
    pub container: Option<String>,
    /// Pods by label (e.g. app=web).
    #[arg(short = 'l', long)]
    pub selector: Option<String>,
    #[arg(short = 'f', long)]
    pub follow: bool,
    /// Lines from the end to show (-1: all; 10 with -l).
    #[arg(long, default_value_t = -1, allow_negative_numbers = true)]
    pub tail: i64,
    /// The previous (crashed) instance of the container.
    #[arg(short = 'p', long)]
    pub previous: bool,
    #[arg(long)]
    pub timestamps: bool,
    /// At most this many pods followed at once.
    #[arg(long, default_value_t = 5)]
    pub max_log_requests: usize,
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

/// The pods to read: by selector, or the one `target` names.
async fn pods(client: &Client, ns: &str, args: &LogsArgs) -> Result<Vec<String>> {
    match (&args.target, &args.selector) {
        (Some(_), Some(_)) => Err(CliError::msg("only one of a selector or a TYPE/NAME can be given")),
        (None, None) => Err(CliError::msg("expected POD, TYPE/NAME, or -l selector")),
        (Some(target), None) => Ok(vec![pod(client, ns, target).await?]),
        (None, Some(selector)) => {
            let selection = Selection { selector: Some(selector.clone()), ..Selection::default() };
            let names: Vec<String> =
                select::list(client, ns, Kind::Pod, &selection).await?.into_iter().map(|p| p.name).collect();
            if names.is_empty() {
                eprintln!("No resources found in {ns} namespace.");
            }
            Ok(names)
        }
    }
}

fn query(args: &LogsArgs, container: Option<&str>) -> String {
    let mut q = Vec::new();
    if let Some(c) = container {
        q.push(format!("container={c}"));
    }
    for (flag, name) in [(args.follow, "follow"), (args.previous, "previous"), (args.timestamps, "timestamps")] {
        if flag {
            q.push(format!("{name}=true"));
        }
    }
    let tail = if args.tail < 0 && args.selector.is_some() { SELECTOR_TAIL } else { args.tail };
    if tail >= 0 {
        q.push(format!("tailLines={tail}"));
    }
    q.join("&")
}

pub async fn run(client: &Client, ns: &str, args: LogsArgs) -> Result<()> {
    let pods = pods(client, ns, &args).await?;
    if args.follow && pods.len() > args.max_log_requests {
        return Err(CliError::msg(format!(
            "you are attempting to follow {} log streams, but maximum allowed concurrency is {}, use --max-log-requests to increase the limit",
            pods.len(),
            args.max_log_requests
        )));
    }
    let container = args.container.clone().or_else(|| args.container_name.clone());
    let mut streams = Vec::new();
    for pod in &pods {
        let path = format!("{}/log?{}", item_path(Kind::Pod, ns, pod), query(&args, container.as_deref()));
        streams.push(Box::pin(client.stream(&path, "application/json, */*").await?));
        if !args.follow {
            copy(std::mem::take(&mut streams)).await?;
        }
    }
    copy(streams).await
}

/// Writes every chunk of `streams` to stdout as it arrives (followed pods interleave).
async fn copy<S>(streams: Vec<S>) -> Result<()>
where
    S: futures_util::Stream<Item = Result<bytes::Bytes>> + Unpin,
{
    let mut merged = stream::select_all(streams);
    let mut out = std::io::stdout();
    while let Some(chunk) = merged.next().await {
        out.write_all(&chunk?).and_then(|()| out.flush()).map_err(|e| CliError::msg(e.to_string()))?;
    }
    Ok(())
}
