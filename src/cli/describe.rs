//! `describe`: objects named, or every object of a type (narrowed with `-l`), each with its
//! related objects and events, in kubectl's layout.

use super::client::{CliError, Client, Result, collection_path, item_path, list_path};
use super::resource::{self, Ref};
use crate::model::{Kind, labels};
use crate::printers::describe;
use clap::Args;
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::{Event, Node, Pod, Service};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use serde::de::DeserializeOwned;
use serde_json::Value;

#[derive(Args, Debug)]
pub struct DescribeArgs {
    /// TYPE [NAME...] or TYPE/NAME
    #[arg(required = true)]
    pub resources: Vec<String>,
    /// Label selector (e.g. app=web,tier!=db): describe every matching object.
    #[arg(short = 'l', long)]
    pub selector: Option<String>,
}

fn typed<T: DeserializeOwned>(v: Value) -> Result<T> {
    serde_json::from_value(v).map_err(|e| CliError::msg(format!("unexpected object from the server: {e}")))
}

fn items<T: DeserializeOwned>(list: Value) -> Vec<T> {
    list["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter_map(|i| serde_json::from_value(i).ok())
        .collect()
}

async fn events(client: &Client, ns: &str, obj: &Value) -> Result<Vec<Event>> {
    let m = &obj["metadata"];
    let selector = format!(
        "involvedObject.name={},involvedObject.namespace={ns},involvedObject.uid={}",
        m["name"].as_str().unwrap_or_default(),
        m["uid"].as_str().unwrap_or_default()
    );
    let path = format!(
        "{}?fieldSelector={}",
        collection_path(Kind::Event, Some(ns)),
        form_urlencoded::byte_serialize(selector.as_bytes()).collect::<String>()
    );
    Ok(items(client.get(&path).await?))
}

/// Objects of `kind` in `ns` whose labels match the selector string.
async fn selected<T: DeserializeOwned>(client: &Client, kind: Kind, ns: &str, selector: &str) -> Result<Vec<T>> {
    Ok(items(client.get(&list_path(kind, Some(ns), Some(selector))).await?))
}

async fn one(client: &Client, ns: &str, kind: Kind, obj: Value) -> Result<String> {
    let now = jiff::Timestamp::now();
    let tz = jiff::tz::TimeZone::system();
    let events = events(client, ns, &obj).await?;
    Ok(match kind {
        Kind::Deployment => {
            let d: Deployment = typed(obj)?;
            let selector = d.spec.as_ref().map(|s| labels::selector_string(&s.selector)).unwrap_or_default();
            let rss: Vec<ReplicaSet> = selected(client, Kind::ReplicaSet, ns, &selector).await?;
            describe::describe_deployment(&d, &rss, &events, now, &tz)
        }
        Kind::ReplicaSet => {
            let rs: ReplicaSet = typed(obj)?;
            let selector = rs.spec.as_ref().map(|s| labels::selector_string(&s.selector)).unwrap_or_default();
            let pods: Vec<Pod> = selected(client, Kind::Pod, ns, &selector).await?;
            describe::describe_replica_set(&rs, &pods, &events, now)
        }
        Kind::Pod => describe::describe_pod(&typed(obj)?, &events, now, &tz),
        Kind::Service => {
            let svc: Service = typed(obj)?;
            let selector = format!("kubernetes.io/service-name={}", svc.metadata.name.as_deref().unwrap_or_default());
            let slices: Vec<EndpointSlice> = selected(client, Kind::EndpointSlice, ns, &selector).await?;
            describe::describe_service(&svc, &slices, &events, now)
        }
        Kind::Node => {
            let node: Node = typed(obj)?;
            let name = node.metadata.name.clone().unwrap_or_default();
            let path = format!("{}?fieldSelector=spec.nodeName%3D{name}", collection_path(Kind::Pod, None));
            let pods: Vec<Pod> = items::<Pod>(client.get(&path).await?)
                .into_iter()
                .filter(|p| !matches!(p.status.as_ref().and_then(|s| s.phase.as_deref()), Some("Succeeded" | "Failed")))
                .collect();
            describe::describe_node(&node, &pods, &events, now, &tz)
        }
        Kind::ConfigMap => describe::describe_config_map(&typed(obj)?, &events, now),
        Kind::Secret => describe::describe_secret(&typed(obj)?),
        Kind::Namespace => describe::describe_namespace(&typed(obj)?),
        Kind::HorizontalPodAutoscaler => describe::describe_hpa(&typed(obj)?, &events, now, &tz),
        Kind::Event | Kind::Endpoints | Kind::EndpointSlice => {
            return Err(CliError::msg(format!("describe does not support {}", kind.info().plural)));
        }
    })
}

pub async fn run(client: &Client, ns: &str, args: DescribeArgs) -> Result<()> {
    let refs = resource::parse(&args.resources)?;
    if args.selector.is_some() && refs.iter().any(|r| r.name.is_some()) {
        return Err(CliError::msg("name cannot be provided when a selector is specified"));
    }
    let mut out = Vec::new();
    for Ref { kind, name } in refs {
        let objects = match name {
            Some(name) => vec![client.get(&item_path(kind, ns, &name)).await?],
            None => {
                let list = client.get(&list_path(kind, Some(ns), args.selector.as_deref())).await?;
                list["items"].as_array().cloned().unwrap_or_default()
            }
        };
        for obj in objects {
            out.push(one(client, ns, kind, obj).await?);
        }
    }
    if out.is_empty() {
        eprintln!("No resources found in {ns} namespace.");
    }
    print!("{}", out.join("\n\n"));
    Ok(())
}
