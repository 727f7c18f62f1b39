//! `rollout plan deployment/NAME [--image C=IMG] [-f FILE] [--replicas N]`: the waves a change
//! would roll out in, before anything changes. The server defaults and validates the changed
//! Deployment in a dry run; the controller's own decisions, run locally against the Deployment's
//! ReplicaSets (`controller::deployment::plan`), give the steps.

use super::{CliError, Client, Result, Target, deployment_name, typed, with_replica_sets};
use crate::cli::client::item_path;
use crate::cli::manifest;
use crate::controller::deployment::plan::{self, RolloutPlan, Wave};
use crate::model::Kind;
use crate::printers::text_table::TabWriter;
use clap::Args;
use http::Method;
use k8s_openapi::api::apps::v1::Deployment;
use serde_json::Value;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct PlanArgs {
    #[command(flatten)]
    pub target: Target,
    /// CONTAINER=IMAGE to roll out (repeatable; `*` for every container).
    #[arg(long = "image")]
    pub images: Vec<String>,
    /// A manifest holding the Deployment's new version.
    #[arg(short = 'f', long = "filename")]
    pub file: Option<PathBuf>,
    /// The replica count to plan for.
    #[arg(long)]
    pub replicas: Option<i32>,
    /// `json` for scripts.
    #[arg(short = 'o', long)]
    pub output: Option<String>,
}

pub async fn run(client: &Client, ns: &str, args: PlanArgs) -> Result<()> {
    let name = deployment_name(&args.target.target)?;
    let (live, _, rss) = with_replica_sets(client, ns, &name).await?;
    let changed = changed(&live, &name, &args)?;
    let path = format!("{}?dryRun=All", item_path(Kind::Deployment, ns, &name));
    let body = serde_json::to_vec(&changed).map_err(|e| CliError::msg(e.to_string()))?;
    let would_be: Deployment =
        typed(client.send(Method::PUT, &path, "application/json", Some(("application/json", body))).await?)?;
    let planned = plan::plan(&would_be, &rss, jiff::Timestamp::now());
    match args.output.as_deref() {
        Some("json") => {
            let text = serde_json::to_string_pretty(&planned).map_err(|e| CliError::msg(e.to_string()))?;
            println!("{text}");
        }
        None => print!("{}", render(&name, &planned)),
        Some(other) => {
            return Err(CliError::msg(format!("unable to match a printer suitable for the output format {other:?}")));
        }
    }
    Ok(())
}

/// The live Deployment with the change applied: the file's version (keeping the live
/// resourceVersion), then images, then replicas.
fn changed(live: &Value, name: &str, args: &PlanArgs) -> Result<Value> {
    let mut object = match &args.file {
        Some(path) => {
            let docs = manifest::read(std::slice::from_ref(path))?;
            let doc = docs
                .into_iter()
                .map(|d| d.value)
                .find(|v| v["kind"] == "Deployment" && v["metadata"]["name"] == name)
                .ok_or_else(|| CliError::msg(format!("{} holds no Deployment named {name:?}", path.display())))?;
            let mut doc = doc;
            doc["metadata"]["resourceVersion"] = live["metadata"]["resourceVersion"].clone();
            doc["metadata"]["namespace"] = live["metadata"]["namespace"].clone();
            doc
        }
        None => live.clone(),
    };
    for pair in &args.images {
        let (container, image) = pair
            .split_once('=')
            .ok_or_else(|| CliError::msg(format!("invalid image update: {pair:?}; expected CONTAINER=IMAGE")))?;
        let containers = object["spec"]["template"]["spec"]["containers"].as_array_mut();
        let mut found = false;
        for c in containers.into_iter().flatten().filter(|c| container == "*" || c["name"] == container) {
            c["image"] = Value::from(image);
            found = true;
        }
        if !found {
            return Err(CliError::msg(format!("unable to find container named {container:?}")));
        }
    }
    if let Some(n) = args.replicas {
        object["spec"]["replicas"] = Value::from(n);
    }
    Ok(object)
}

fn wait(w: &Wave, min_ready: i32) -> String {
    match (w.waited_for_ready, w.waited_seconds) {
        (0, 0) => String::new(),
        (n, 0) => format!("{n} new ready"),
        (0, _) => format!("minReadySeconds ({min_ready}s)"),
        (n, _) => format!("{n} new ready, then minReadySeconds ({min_ready}s)"),
    }
}

/// The plan as a student reads it: the budget, then one row per step.
fn render(name: &str, p: &RolloutPlan) -> String {
    let mut out = format!(
        "deployment.apps/{name}: {} replicas; maxSurge {} → at most {} pods; maxUnavailable {} → at least {} available",
        p.replicas, p.max_surge, p.max_total, p.max_unavailable, p.min_available
    );
    if p.min_ready_seconds > 0 {
        out += &format!("; minReadySeconds {}", p.min_ready_seconds);
    }
    out += "\n\n";
    if p.waves.is_empty() {
        out += "nothing to roll out: the Deployment already runs this template\n";
        return out;
    }
    let mut rows = vec![["STEP", "OLD", "NEW", "TOTAL", "AVAILABLE", "AFTER WAITING FOR"].map(String::from).to_vec()];
    for (i, w) in p.waves.iter().enumerate() {
        rows.push(vec![
            (i + 1).to_string(),
            w.old.to_string(),
            w.new.to_string(),
            format!("{}/{}", w.total, p.max_total),
            format!("{}/{}", w.available, p.min_available),
            wait(w, p.min_ready_seconds),
        ]);
    }
    let mut table = TabWriter::kubectl_get();
    for row in rows {
        table.write(&format!("{}\n", row.join("\t")));
    }
    out += &table.flush();
    out += if p.completes {
        "\nthen every replica is updated and available\n"
    } else {
        "\nthen the rollout cannot go on within this budget\n"
    };
    out
}
