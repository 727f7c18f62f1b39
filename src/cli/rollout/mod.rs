//! `rollout status|history|undo|pause|resume|restart`, with kubectl's client-side semantics
//! and messages.

mod history;
mod pause;
mod plan;
mod status;
mod undo;

pub use status::parse_duration;

use super::client::{CliError, Client, Result, item_path, list_path};
use super::resource;
use crate::model::{Kind, labels, meta};
use clap::{Args, Subcommand};
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use serde_json::Value;

#[derive(Subcommand, Debug)]
pub enum RolloutCommand {
    /// Wait for the rollout to finish, printing its progress.
    Status(status::StatusArgs),
    /// List revisions, or show one with --revision.
    History(history::HistoryArgs),
    /// Go back to the previous revision (or --to-revision).
    Undo(undo::UndoArgs),
    /// The waves a change would roll out in, before anything changes (skiff only).
    Plan(plan::PlanArgs),
    /// Stop rolling out template changes.
    Pause(Target),
    /// Resume a paused rollout.
    Resume(Target),
    /// Restart every pod through a rollout.
    Restart(Target),
}

#[derive(Args, Debug)]
pub struct Target {
    /// deployment/NAME or deployment NAME
    #[arg(required = true)]
    pub target: Vec<String>,
}

pub async fn run(client: &Client, ns: &str, cmd: RolloutCommand) -> Result<()> {
    match cmd {
        RolloutCommand::Status(a) => status::run(client, ns, a).await,
        RolloutCommand::History(a) => history::run(client, ns, a).await,
        RolloutCommand::Undo(a) => undo::run(client, ns, a).await,
        RolloutCommand::Plan(a) => plan::run(client, ns, a).await,
        RolloutCommand::Pause(t) => pause::pause(client, ns, &t, true).await,
        RolloutCommand::Resume(t) => pause::pause(client, ns, &t, false).await,
        RolloutCommand::Restart(t) => pause::restart(client, ns, &t).await,
    }
}

/// The Deployment named by `target` (rollouts only apply to Deployments here).
fn deployment_name(target: &[String]) -> Result<String> {
    let (kind, name) = resource::one(target)?;
    if kind != Kind::Deployment {
        return Err(CliError::msg(format!(
            "no rollout support for a {}; only deployments roll out",
            kind.info().singular
        )));
    }
    Ok(name)
}

fn typed<T: serde::de::DeserializeOwned>(v: Value) -> Result<T> {
    serde_json::from_value(v).map_err(|e| CliError::msg(format!("unexpected object from the server: {e}")))
}

/// The Deployment and the ReplicaSets it controls (kubectl's GetAllReplicaSets).
async fn with_replica_sets(client: &Client, ns: &str, name: &str) -> Result<(Value, Deployment, Vec<ReplicaSet>)> {
    let json = client.get(&item_path(Kind::Deployment, ns, name)).await?;
    let d: Deployment = typed(json.clone())?;
    let selector = d.spec.as_ref().map(|s| labels::selector_string(&s.selector)).unwrap_or_default();
    let list = client.get(&list_path(Kind::ReplicaSet, Some(ns), Some(&selector))).await?;
    let uid = meta::uid(&d.metadata).to_string();
    let rss = list["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| serde_json::from_value::<ReplicaSet>(i.clone()).ok())
        .filter(|rs| meta::is_controlled_by(&rs.metadata, &uid))
        .collect();
    Ok((json, d, rss))
}
