//! API discovery (`/api`, `/apis`, `/api/v1`, `/apis/apps`, `/apis/apps/v1`) as
//! plain-JSON legacy discovery, which every kubectl from 1.27 to 1.33 accepts. autoscaling is
//! served as v2 (preferred) and v1, metrics.k8s.io as v1beta1.

use crate::model::{KINDS, KindInfo};
use serde_json::{Value, json};
use std::net::SocketAddr;

const VERBS: [&str; 8] = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
const READ_VERBS: [&str; 3] = ["get", "list", "watch"];

/// The versions a named group is served in, preferred first; empty for a group skiff lacks.
pub fn versions(group: &str) -> &'static [&'static str] {
    match group {
        "autoscaling" => &["v2", "v1"],
        super::resource_metrics::GROUP => &[super::resource_metrics::VERSION],
        _ if KINDS.iter().any(|k| k.group == group) => &["v1"],
        _ => &[],
    }
}

fn resources(group: &str) -> Vec<Value> {
    if group == super::resource_metrics::GROUP {
        return super::resource_metrics::resources();
    }
    let mut out = Vec::new();
    for k in KINDS.iter().filter(|k| k.group == group) {
        out.push(resource(k));
        let sub = |name: &str, verbs: &[&str]| json!({"name": format!("{}/{name}", k.plural), "singularName": "", "namespaced": k.namespaced, "kind": k.name, "verbs": verbs});
        if k.has_status {
            let verbs: &[&str] = if k.read_only { &["get"] } else { &["get", "patch", "update"] };
            out.push(sub("status", verbs));
        }
        if k.scalable {
            out.push(json!({"name": format!("{}/scale", k.plural), "singularName": "", "namespaced": true, "group": "autoscaling", "version": "v1", "kind": "Scale", "verbs": ["get", "patch", "update"]}));
        }
        if k.plural == "pods" {
            out.push(sub("log", &["get"]));
        }
    }
    out
}

fn resource(k: &KindInfo) -> Value {
    let verbs: &[&str] = if k.read_only { &READ_VERBS } else { &VERBS };
    let mut r = json!({
        "name": k.plural,
        "singularName": k.singular,
        "namespaced": k.namespaced,
        "kind": k.name,
        "verbs": verbs,
        "shortNames": k.short_names,
    });
    if !k.categories.is_empty() {
        r["categories"] = json!(k.categories);
    }
    r
}

/// The named groups skiff serves a kind of, in a stable order.
fn groups() -> Vec<&'static str> {
    let mut groups: Vec<&str> = KINDS.iter().map(|k| k.group).filter(|g| !g.is_empty()).collect();
    groups.dedup();
    groups.push(super::resource_metrics::GROUP);
    groups
}

fn group(name: &str) -> Value {
    let versions: Vec<Value> =
        versions(name).iter().map(|v| json!({"groupVersion": format!("{name}/{v}"), "version": v})).collect();
    json!({"name": name, "versions": versions, "preferredVersion": versions.first()})
}

/// The discovery document for a path (`api`, `apis`, `api/v1`, `apis/<group>`, `apis/<group>/v1`).
pub fn document(path: &str, server: SocketAddr) -> Value {
    let list = |group_version: &str, group: &str| json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": resources(group)});
    match path.split('/').collect::<Vec<_>>()[..] {
        ["api"] => json!({
            "kind": "APIVersions",
            "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server.to_string()}],
        }),
        ["apis"] => json!({
            "kind": "APIGroupList",
            "apiVersion": "v1",
            "groups": groups().into_iter().map(group).collect::<Vec<_>>(),
        }),
        ["apis", name] => {
            let mut g = group(name);
            g["kind"] = json!("APIGroup");
            g["apiVersion"] = json!("v1");
            g
        }
        ["apis", name, version] => list(&format!("{name}/{version}"), name),
        _ => list("v1", ""),
    }
}
