//! `rollout undo [--to-revision N]`, client-side as kubectl does it: the chosen ReplicaSet's
//! template and annotations are written back with a JSON patch; the controller then finds that
//! ReplicaSet as the new one and gives it the next revision.

use super::history::revisions;
use super::{CliError, Client, Result, Target, deployment_name, with_replica_sets};
use crate::cli::client::item_path;
use crate::controller::deployment::util::equal_ignore_hash;
use crate::model::meta::{self, ANNOTATIONS_NOT_COPIED, LAST_APPLIED, POD_TEMPLATE_HASH};
use crate::model::{Kind, KubeObject};
use clap::Args;
use serde_json::{Map, Value, json};

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
    let mut template = rs.spec.as_ref().and_then(|s| s.template.clone()).unwrap_or_default();
    let current = d.spec.as_ref().map(|s| s.template.clone()).unwrap_or_default();
    if equal_ignore_hash(&template, &current) {
        println!(
            "deployment.apps/{name} skipped rollback (current template already matches revision {})",
            args.to_revision
        );
        return Ok(());
    }
    if let Some(labels) = template.metadata.as_mut().and_then(|m| m.labels.as_mut()) {
        labels.remove(POD_TEMPLATE_HASH);
    }
    if meta::annotation(&d.metadata, LAST_APPLIED).is_some() {
        eprintln!(
            "Warning: resource deployments/{name} was previously managed with 'kubectl apply'. Rolling back will not update the kubectl.kubernetes.io/last-applied-configuration annotation, which may cause unexpected behavior on future 'kubectl apply' operations. Consider using 'kubectl apply' with your previous configuration file instead."
        );
    }
    let patch = json!([
        {"op": "replace", "path": "/spec/template", "value": template},
        {"op": "replace", "path": "/metadata/annotations", "value": annotations(&d, rs)},
    ]);
    client.patch(&item_path(Kind::Deployment, ns, &name), "application/json-patch+json", &patch).await?;
    println!("deployment.apps/{name} rolled back");
    Ok(())
}

/// The Deployment's own values for the keys never copied to ReplicaSets; every other
/// annotation from the ReplicaSet (so its change-cause comes back).
fn annotations(d: &k8s_openapi::api::apps::v1::Deployment, rs: &k8s_openapi::api::apps::v1::ReplicaSet) -> Value {
    let mut out = Map::new();
    for (k, v) in d.metadata().annotations.iter().flatten() {
        if ANNOTATIONS_NOT_COPIED.contains(&k.as_str()) {
            out.insert(k.clone(), Value::String(v.clone()));
        }
    }
    for (k, v) in rs.metadata.annotations.iter().flatten() {
        if !ANNOTATIONS_NOT_COPIED.contains(&k.as_str()) {
            out.insert(k.clone(), Value::String(v.clone()));
        }
    }
    Value::Object(out)
}
