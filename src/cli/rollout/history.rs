//! `rollout history [--revision N]`: the revisions the ReplicaSets record.

use super::{CliError, Client, Result, Target, deployment_name, with_replica_sets};
use crate::model::meta::{self, CHANGE_CAUSE, REVISION};
use crate::printers::history;
use clap::Args;
use k8s_openapi::api::apps::v1::ReplicaSet;
use k8s_openapi::api::core::v1::PodTemplateSpec;
use std::collections::BTreeMap;

#[derive(Args, Debug)]
pub struct HistoryArgs {
    #[command(flatten)]
    pub target: Target,
    /// Show this revision's pod template.
    #[arg(long, default_value_t = 0)]
    pub revision: i64,
}

/// revision → (template with the ReplicaSet's change-cause, change-cause); unparseable
/// revisions are skipped, as kubectl does.
pub fn revisions(rss: &[ReplicaSet]) -> BTreeMap<i64, (PodTemplateSpec, Option<String>)> {
    rss.iter()
        .filter_map(|rs| {
            let revision: i64 = meta::annotation(&rs.metadata, REVISION)?.parse().ok()?;
            let cause = meta::annotation(&rs.metadata, CHANGE_CAUSE).map(String::from);
            let mut template = rs.spec.as_ref()?.template.clone().unwrap_or_default();
            if let Some(c) = &cause {
                meta::set_annotation(template.metadata.get_or_insert_with(Default::default), CHANGE_CAUSE, c.clone());
            }
            Some((revision, (template, cause)))
        })
        .collect()
}

pub async fn run(client: &Client, ns: &str, args: HistoryArgs) -> Result<()> {
    let name = deployment_name(&args.target.target)?;
    let (_, _, rss) = with_replica_sets(client, ns, &name).await?;
    let revisions = revisions(&rss);
    let label = format!("deployment.apps/{name}");
    if args.revision > 0 {
        let (template, _) =
            revisions.get(&args.revision).ok_or_else(|| CliError::msg("unable to find the specified revision"))?;
        print!("{}", history::history_revision(&label, args.revision, template));
        return Ok(());
    }
    let rows: Vec<(i64, Option<String>)> = revisions.into_iter().map(|(r, (_, cause))| (r, cause)).collect();
    print!("{}", history::history_table(&label, &rows));
    Ok(())
}
