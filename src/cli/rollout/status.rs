//! `rollout status`: kubectl's messages, in kubectl's order, re-evaluated on every change the
//! watch delivers; exit 1 on an exceeded progress deadline or --timeout. A Deployment that opted
//! into skiff's automatic rollback also gets a line naming the revision it went back to.

use super::{CliError, Client, Kind, Result, Target, deployment_name, typed};
use crate::cli::client::collection_path;
use crate::model::meta;
use clap::Args;
use futures_util::StreamExt;
use k8s_openapi::api::apps::v1::Deployment;
use serde_json::Value;
use std::time::Duration;

#[derive(Args, Debug)]
pub struct StatusArgs {
    #[command(flatten)]
    pub target: Target,
    /// Give up after this long (e.g. 90s, 5m); 0 waits forever.
    #[arg(long, default_value = "0s", value_parser = parse_duration)]
    pub timeout: Duration,
    /// Keep watching until the rollout finishes.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    pub watch: bool,
    /// Fail unless this is the current revision.
    #[arg(long)]
    pub revision: Option<i64>,
}

/// Go-style durations: `90s`, `5m`, `1h30m`, `250ms`, or plain seconds.
pub fn parse_duration(s: &str) -> std::result::Result<Duration, String> {
    if let Ok(secs) = s.parse::<u64>() {
        return Ok(Duration::from_secs(secs));
    }
    let mut total = Duration::ZERO;
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .ok_or_else(|| format!("missing unit in duration {s:?}"))?;
        let (number, tail) = rest.split_at(digits);
        let unit_len = tail.find(|c: char| c.is_ascii_digit()).unwrap_or(tail.len());
        let (unit, next) = tail.split_at(unit_len);
        let n: f64 = number.parse().map_err(|_| format!("invalid duration {s:?}"))?;
        let secs = match unit {
            "ms" => n / 1000.0,
            "s" => n,
            "m" => n * 60.0,
            "h" => n * 3600.0,
            _ => return Err(format!("unknown unit {unit:?} in duration {s:?}")),
        };
        total += Duration::from_secs_f64(secs);
        rest = next;
    }
    Ok(total)
}

/// Where a rollout stands, in kubectl's words.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Waiting(String),
    Done(String),
    Failed(String),
}

/// kubectl's DeploymentStatusViewer.
pub fn evaluate(d: &Deployment, revision: Option<i64>) -> Verdict {
    let name = meta::name(&d.metadata);
    if let Some(want) = revision.filter(|r| *r > 0) {
        let have = meta::revision(&d.metadata);
        if have != want {
            return Verdict::Failed(format!(
                "desired revision ({want}) is different from the running revision ({have})"
            ));
        }
    }
    let status = d.status.clone().unwrap_or_default();
    if d.metadata.generation > status.observed_generation {
        return Verdict::Waiting("Waiting for deployment spec update to be observed...".into());
    }
    let progressing = status.conditions.iter().flatten().find(|c| c.type_ == "Progressing");
    if progressing.is_some_and(|c| c.reason.as_deref() == Some("ProgressDeadlineExceeded")) {
        return Verdict::Failed(format!("deployment {name:?} exceeded its progress deadline"));
    }
    let (updated, replicas, available) =
        (status.updated_replicas.unwrap_or(0), status.replicas.unwrap_or(0), status.available_replicas.unwrap_or(0));
    let prefix = format!("Waiting for deployment {name:?} rollout to finish");
    if let Some(want) = d.spec.as_ref().and_then(|s| s.replicas)
        && updated < want
    {
        return Verdict::Waiting(format!("{prefix}: {updated} out of {want} new replicas have been updated..."));
    }
    if replicas > updated {
        return Verdict::Waiting(format!("{prefix}: {} old replicas are pending termination...", replicas - updated));
    }
    if available < updated {
        return Verdict::Waiting(format!("{prefix}: {available} of {updated} updated replicas are available..."));
    }
    Verdict::Done(format!("deployment {name:?} successfully rolled out"))
}

/// Prints `verdict` unless it repeats the last line; `Some(result)` once it is final.
fn report(verdict: Verdict, last: &mut String) -> Option<Result<()>> {
    match verdict {
        Verdict::Waiting(m) => {
            if *last != m {
                println!("{m}");
                *last = m;
            }
            None
        }
        Verdict::Done(m) => {
            println!("{m}");
            Some(Ok(()))
        }
        Verdict::Failed(m) => Some(Err(CliError::msg(m))),
    }
}

pub async fn run(client: &Client, ns: &str, args: StatusArgs) -> Result<()> {
    let name = deployment_name(&args.target.target)?;
    let watch = follow(client, ns, &name, args.revision, args.watch);
    let result = if args.timeout.is_zero() {
        watch.await
    } else {
        tokio::time::timeout(args.timeout, watch)
            .await
            .unwrap_or_else(|_| Err(CliError::msg("timed out waiting for the condition")))
    };
    match result {
        Err(CliError::Message(m)) if m.ends_with("exceeded its progress deadline") => {
            Err(CliError::msg(match rolled_back(client, ns, &name).await {
                Some(line) => format!("{m}\n{line}"),
                None => m,
            }))
        }
        other => other,
    }
}

/// How long the automatic rollback may take to follow the deadline it reacts to.
const ROLLBACK_GRACE: Duration = Duration::from_secs(10);

/// For a Deployment with `skiff.io/rollback-on-failure`, the line saying where its automatic
/// rollback went, once the controller has written it.
async fn rolled_back(client: &Client, ns: &str, name: &str) -> Option<String> {
    let path = crate::cli::client::item_path(Kind::Deployment, ns, name);
    let deadline = tokio::time::Instant::now() + ROLLBACK_GRACE;
    loop {
        let d: Deployment = typed(client.get(&path).await.ok()?).ok()?;
        if meta::annotation(&d.metadata, meta::ROLLBACK_ON_FAILURE) != Some("true") {
            return None;
        }
        let cause = meta::annotation(&d.metadata, meta::CHANGE_CAUSE).unwrap_or_default();
        let observed = d.status.as_ref().and_then(|s| s.observed_generation) >= d.metadata.generation;
        if cause.starts_with("auto-rollback:") && observed {
            let revision = meta::revision(&d.metadata);
            return Some(format!(
                "deployment {name:?} was rolled back to revision {revision} by skiff.io/rollback-on-failure ({cause})"
            ));
        }
        if tokio::time::Instant::now() > deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// List, then watch from the list's resourceVersion; list again when the watch ends or the
/// resourceVersion has expired (as client-go's watch tools do).
async fn follow(client: &Client, ns: &str, name: &str, revision: Option<i64>, watch: bool) -> Result<()> {
    let collection = collection_path(Kind::Deployment, Some(ns));
    let field = format!("fieldSelector=metadata.name%3D{name}");
    let mut last = String::new();
    loop {
        let list = client.get(&format!("{collection}?{field}")).await?;
        let Some(item) = list["items"].as_array().and_then(|i| i.first()).cloned() else {
            return Err(CliError::Status(serde_json::json!({
                "kind": "Status", "reason": "NotFound", "message": format!("deployments.apps {name:?} not found")
            })));
        };
        if let Some(done) = report(evaluate(&typed(item)?, revision), &mut last) {
            return done;
        }
        if !watch {
            return Ok(());
        }
        let rv = list["metadata"]["resourceVersion"].as_str().unwrap_or_default().to_string();
        let url = format!("{collection}?watch=true&{field}&resourceVersion={rv}&timeoutSeconds=300");
        if let Some(done) = watch_until_done(client, &url, revision, &mut last).await? {
            return done;
        }
    }
}

/// Follows one watch stream; `Some` once the rollout is decided, `None` to list again.
async fn watch_until_done(
    client: &Client,
    url: &str,
    revision: Option<i64>,
    last: &mut String,
) -> Result<Option<Result<()>>> {
    let mut stream = Box::pin(client.stream(url, "application/json").await?);
    let mut buf = Vec::new();
    while let Some(chunk) = stream.next().await {
        buf.extend_from_slice(&chunk?);
        while let Some(end) = buf.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = buf.drain(..=end).collect();
            let Ok(event) = serde_json::from_slice::<Value>(&line) else { continue };
            match event["type"].as_str() {
                Some("DELETED") => return Ok(Some(Err(CliError::msg("object has been deleted")))),
                Some("ERROR") if event["object"]["code"] == 410 => return Ok(None),
                Some("ERROR") => return Err(CliError::Status(event["object"].clone())),
                _ => {}
            }
            if let Some(done) = report(evaluate(&typed(event["object"].clone())?, revision), last) {
                return Ok(Some(done));
            }
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::apps::v1::{DeploymentCondition, DeploymentSpec, DeploymentStatus};
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

    fn d(generation: i64, observed: i64, spec: i32, replicas: i32, updated: i32, available: i32) -> Deployment {
        Deployment {
            metadata: ObjectMeta { name: Some("web".into()), generation: Some(generation), ..Default::default() },
            spec: Some(DeploymentSpec { replicas: Some(spec), ..Default::default() }),
            status: Some(DeploymentStatus {
                observed_generation: Some(observed),
                replicas: Some(replicas),
                updated_replicas: Some(updated),
                available_replicas: Some(available),
                ..Default::default()
            }),
        }
    }

    #[test]
    fn messages_in_kubectl_order() {
        let w = |s: &str| Verdict::Waiting(format!("Waiting for deployment \"web\" rollout to finish: {s}"));
        assert_eq!(
            evaluate(&d(2, 1, 3, 3, 3, 3), None),
            Verdict::Waiting("Waiting for deployment spec update to be observed...".into())
        );
        assert_eq!(evaluate(&d(2, 2, 3, 4, 1, 3), None), w("1 out of 3 new replicas have been updated..."));
        assert_eq!(evaluate(&d(2, 2, 3, 4, 3, 3), None), w("1 old replicas are pending termination..."));
        assert_eq!(evaluate(&d(2, 2, 3, 3, 3, 2), None), w("2 of 3 updated replicas are available..."));
        assert_eq!(
            evaluate(&d(2, 2, 3, 3, 3, 3), None),
            Verdict::Done("deployment \"web\" successfully rolled out".into())
        );
        let mut stuck = d(2, 2, 3, 4, 1, 3);
        stuck.status.as_mut().unwrap().conditions = Some(vec![DeploymentCondition {
            type_: "Progressing".into(),
            status: "False".into(),
            reason: Some("ProgressDeadlineExceeded".into()),
            ..Default::default()
        }]);
        assert_eq!(evaluate(&stuck, None), Verdict::Failed("deployment \"web\" exceeded its progress deadline".into()));
        assert_eq!(
            evaluate(&d(2, 2, 3, 3, 3, 3), Some(4)),
            Verdict::Failed("desired revision (4) is different from the running revision (0)".into())
        );
    }

    #[test]
    fn durations_like_go() {
        assert_eq!(parse_duration("90s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("1m30s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_duration("12").unwrap(), Duration::from_secs(12));
        assert!(parse_duration("5x").is_err());
    }
}
