//! `rollout pause`, `resume` and `restart`: the strategic merge patches kubectl sends.

use super::{CliError, Client, Result, Target, deployment_name, typed};
use crate::cli::client::item_path;
use crate::model::Kind;
use crate::model::meta::RESTARTED_AT;
use k8s_openapi::api::apps::v1::Deployment;
use serde_json::json;

const SMP: &str = "application/strategic-merge-patch+json";

pub async fn pause(client: &Client, ns: &str, t: &Target, pause: bool) -> Result<()> {
    let name = deployment_name(&t.target)?;
    let path = item_path(Kind::Deployment, ns, &name);
    let d: Deployment = typed(client.get(&path).await?)?;
    let paused = d.spec.as_ref().and_then(|s| s.paused) == Some(true);
    match (pause, paused) {
        (true, true) => {
            return Err(CliError::msg(format!("deployments.apps {name:?} is already paused")));
        }
        (false, false) => {
            return Err(CliError::msg(format!("deployments.apps {name:?} is not paused")));
        }
        _ => {}
    }
    let patch = if pause { json!({"spec": {"paused": true}}) } else { json!({"spec": {"paused": null}}) };
    client.patch(&path, SMP, &patch).await?;
    println!("deployment.apps/{name} {}", if pause { "paused" } else { "resumed" });
    Ok(())
}

pub async fn restart(client: &Client, ns: &str, t: &Target) -> Result<()> {
    let name = deployment_name(&t.target)?;
    let path = item_path(Kind::Deployment, ns, &name);
    let d: Deployment = typed(client.get(&path).await?)?;
    if d.spec.as_ref().and_then(|s| s.paused) == Some(true) {
        return Err(CliError::msg("can't restart paused deployment (run rollout resume first)"));
    }
    let now = jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    let before = d
        .spec
        .as_ref()
        .and_then(|s| s.template.metadata.as_ref())
        .and_then(|m| m.annotations.as_ref())
        .and_then(|a| a.get(RESTARTED_AT))
        .cloned();
    if before.as_deref() == Some(now.as_str()) {
        return Err(CliError::msg(format!(
            "failed to create patch for deployment.apps/{name}: if restart has already been triggered within the past second, please wait before attempting to trigger another"
        )));
    }
    let patch = json!({"spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: now}}}}});
    client.patch(&path, SMP, &patch).await?;
    println!("deployment.apps/{name} restarted");
    Ok(())
}
