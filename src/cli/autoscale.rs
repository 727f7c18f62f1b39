//! `autoscale deployment NAME --min --max --cpu-percent`: an autoscaling/v2
//! HorizontalPodAutoscaler for a Deployment (or ReplicaSet), like kubectl's.

use super::client::{CliError, Client, Result, collection_path};
use super::resource;
use crate::model::Kind;
use crate::model::hpa::cpu_utilization;
use clap::Args;
use serde_json::json;

#[derive(Args, Debug)]
pub struct AutoscaleArgs {
    /// deployment NAME or deployment/NAME
    #[arg(required = true)]
    pub target: Vec<String>,
    /// The lower limit of replicas (default 1).
    #[arg(long)]
    pub min: Option<i32>,
    /// The upper limit of replicas.
    #[arg(long)]
    pub max: Option<i32>,
    /// The target average CPU utilization over the pods, in percent of their requests (default:
    /// the server's, 80%).
    #[arg(long)]
    pub cpu_percent: Option<i32>,
    /// The HPA's name (default: the target's).
    #[arg(long)]
    pub name: Option<String>,
}

pub async fn run(client: &Client, ns: &str, args: AutoscaleArgs) -> Result<()> {
    let (kind, name) = resource::one(&args.target)?;
    if !matches!(kind, Kind::Deployment | Kind::ReplicaSet) {
        return Err(CliError::msg(format!("cannot autoscale a {}: not scalable", kind.info().name)));
    }
    let max = args.max.unwrap_or(-1);
    if max < 1 {
        return Err(CliError::msg(format!("--max=MAXPODS is required and must be at least 1, max: {max}")));
    }
    if let Some(min) = args.min.filter(|m| *m > max) {
        return Err(CliError::msg(format!(
            "--max=MAXPODS must be larger or equal to --min=MINPODS, max: {max}, min: {min}"
        )));
    }
    let hpa_name = args.name.unwrap_or_else(|| name.clone());
    let mut spec = json!({
        "scaleTargetRef": {"apiVersion": kind.api_version(), "kind": kind.info().name, "name": name},
        "maxReplicas": max,
    });
    if let Some(min) = args.min {
        spec["minReplicas"] = min.into();
    }
    if let Some(percent) = args.cpu_percent {
        spec["metrics"] = json!([cpu_utilization(percent)]);
    }
    let hpa = json!({
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": hpa_name},
        "spec": spec,
    });
    client.post(&collection_path(Kind::HorizontalPodAutoscaler, Some(ns)), &hpa).await?;
    println!("horizontalpodautoscaler.autoscaling/{hpa_name} autoscaled");
    Ok(())
}
