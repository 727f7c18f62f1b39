//! `expose deployment NAME` (or `deployment/NAME`): a Service selecting the Deployment's pods, like kubectl's.

use super::client::{CliError, Client, Result, collection_path, item_path};
use super::resource;
use crate::model::Kind;
use clap::Args;
use serde_json::{Value, json};

#[derive(Args, Debug)]
pub struct ExposeArgs {
    /// deployment NAME or deployment/NAME
    #[arg(required = true)]
    pub target: Vec<String>,
    /// The Service's port (default: the first container port).
    #[arg(long)]
    pub port: Option<i32>,
    /// The pods' port, by number or name (default: --port).
    #[arg(long)]
    pub target_port: Option<String>,
    #[arg(long, default_value = "ClusterIP", value_parser = ["ClusterIP", "NodePort", "LoadBalancer"])]
    pub r#type: String,
    /// The Service's name (default: the Deployment's).
    #[arg(long)]
    pub name: Option<String>,
    #[arg(long, default_value = "TCP")]
    pub protocol: String,
}

pub async fn run(client: &Client, ns: &str, args: ExposeArgs) -> Result<()> {
    let (kind, name) = resource::one(&args.target)?;
    if kind != Kind::Deployment {
        return Err(CliError::msg(format!("cannot expose a {}", kind.info().singular)));
    }
    let d = client.get(&item_path(kind, ns, &name)).await?;
    let selector = d["spec"]["selector"]["matchLabels"].clone();
    if d["spec"]["selector"]["matchExpressions"].as_array().is_some_and(|e| !e.is_empty()) || !selector.is_object() {
        return Err(CliError::msg(format!(
            "couldn't retrieve selectors via --selector flag or introspection: the deployment {name:?} uses matchExpressions"
        )));
    }
    let first_port = d["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"]
        .as_i64()
        .and_then(|p| i32::try_from(p).ok());
    let port =
        args.port.or(first_port).ok_or_else(|| CliError::msg("couldn't find port via --port flag or introspection"))?;
    let target: Value = match &args.target_port {
        Some(t) => t.parse::<i64>().map(Value::from).unwrap_or_else(|_| Value::String(t.clone())),
        None => Value::from(port),
    };
    let service_name = args.name.clone().unwrap_or_else(|| name.clone());
    let svc = json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": service_name, "labels": d["metadata"]["labels"]},
        "spec": {"type": args.r#type, "selector": selector, "ports": [{"port": port, "protocol": args.protocol, "targetPort": target}]},
    });
    client.post(&collection_path(Kind::Service, Some(ns)), &svc).await?;
    println!("service/{service_name} exposed");
    Ok(())
}
