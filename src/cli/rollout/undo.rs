//! `rollout undo [--to-revision N]`, client-side as kubectl does it: the chosen ReplicaSet's
//! template and annotations are written back with a JSON patch; the controller then finds that
//! ReplicaSet as the new one and gives it the next revision.

use super::history::revisions;
use super::{CliError, Client, Result, Target, deployment_name, with_replica_sets};
use crate::cli::client::item_path;
use crate::controller::deployment::rollback;
use crate::model::Kind;
use crate::model::meta::{self, LAST_APPLIED};
use clap::Args;
use serde_json::json;

#[derive(Args, Debug)]
pub struct UndoArgs {
    #[command(flatten)]
    pub target: Target,
    /// The revision to go back to; 0 means the previous one.
    #[arg(long, default_value_t = 0)]
    pub to_revision: i64,
}

pub async fn run(client: &Client, ns: &str, args: UndoArgs) -> Result<()> {
    let name = deployment_name(&args.target.target)?;
    if args.to_revision < 0 {
        return Err(CliError::msg(format!("unable to find specified revision {} in history", args.to_revision)));
    }
    let (_, d, rss) = with_replica_sets(client, ns, &name).await?;
    let all = revisions(&rss);
    let target = if args.to_revision == 0 {
        let mut numbers: Vec<i64> = all.keys().copied().collect();
        numbers.sort_unstable();
        if numbers.len() < 2 {
            return Err(CliError::msg(format!("no rollout history found for deployment {name:?}")));
        }
        numbers[numbers.len() - 2]
    } else {
        args.to_revision
    };
    let rs = rss
        .iter()
        .find(|rs| meta::revision(&rs.metadata) == target)
        .ok_or_else(|| CliError::msg(format!("unable to find specified revision {target} in history")))?;
    if d.spec.as_ref().and_then(|s| s.paused) == Some(true) {
        return Err(CliError::msg(
            "you cannot rollback a paused deployment; resume it first with 'skiff rollout resume' and try again",
        ));
    }
    let Some(rollback) = rollback::to_replica_set(&d, rs) else {
        println!(
            "deployment.apps/{name} skipped rollback (current template already matches revision {})",
            args.to_revision
        );
        return Ok(());
    };
    if meta::annotation(&d.metadata, LAST_APPLIED).is_some() {
        eprintln!(
            "Warning: resource deployments/{name} was previously managed with 'kubectl apply'. Rolling back will not update the kubectl.kubernetes.io/last-applied-configuration annotation, which may cause unexpected behavior on future 'kubectl apply' operations. Consider using 'kubectl apply' with your previous configuration file instead."
        );
    }
    let patch = json!([
        {"op": "replace", "path": "/spec/template", "value": rollback.template},
        {"op": "replace", "path": "/metadata/annotations", "value": rollback.annotations},
    ]);
    client.patch(&item_path(Kind::Deployment, ns, &name), "application/json-patch+json", &patch).await?;
    println!("deployment.apps/{name} rolled back");
    Ok(())
}
