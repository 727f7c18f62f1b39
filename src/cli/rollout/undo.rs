//! `rollout undo [--to-revision N]`, client-side as kubectl does it: the chosen ReplicaSet's
//! template and annotations are written back with a JSON patch (`rollback::undo`); the
//! controller then finds that ReplicaSet as the new one and gives it the next revision.

use super::{CliError, Client, Result, Target, deployment_name, with_replica_sets};
use crate::cli::client::item_path;
use crate::controller::deployment::rollback::{self, Undo};
use crate::model::Kind;
use crate::model::meta::{self, LAST_APPLIED};
use clap::Args;

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
    let (_, d, rss) = with_replica_sets(client, ns, &name).await?;
    let patch = match rollback::undo(&d, &rss, args.to_revision).map_err(|e| CliError::msg(e.to_string()))? {
        Undo::Skipped => {
            println!(
                "deployment.apps/{name} skipped rollback (current template already matches revision {})",
                args.to_revision
            );
            return Ok(());
        }
        Undo::Patch(patch) => patch,
    };
    if meta::annotation(&d.metadata, LAST_APPLIED).is_some() {
        eprintln!(
            "Warning: resource deployments/{name} was previously managed with 'kubectl apply'. Rolling back will not update the kubectl.kubernetes.io/last-applied-configuration annotation, which may cause unexpected behavior on future 'kubectl apply' operations. Consider using 'kubectl apply' with your previous configuration file instead."
        );
    }
    client.patch(&item_path(Kind::Deployment, ns, &name), "application/json-patch+json", &patch).await?;
    println!("deployment.apps/{name} rolled back");
    Ok(())
}
