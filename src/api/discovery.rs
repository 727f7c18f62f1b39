//! API discovery (`/api`, `/apis`, `/api/v1`, `/apis/apps`, `/apis/apps/v1`) as
//! plain-JSON legacy discovery, which every kubectl from 1.27 to 1.33 accepts.

use crate::model::{KINDS, KindInfo};
use serde_json::{Value, json};
use std::net::SocketAddr;

const VERBS: [&str; 8] = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

fn resources(group: &str) -> Vec<Value> {
    let mut out = Vec::new();
    for k in KINDS.iter().filter(|k| k.group == group) {
        out.push(resource(k));
        if k.has_status {
            out.push(json!({"name": format!("{}/status", k.plural), "singularName": "", "namespaced": true, "kind": k.name, "verbs": ["get", "patch", "update"]}));
        }
        if k.scalable {
            out.push(json!({"name": format!("{}/scale", k.plural), "singularName": "", "namespaced": true, "group": "autoscaling", "version": "v1", "kind": "Scale", "verbs": ["get", "patch", "update"]}));
        }
        if k.plural == "pods" {
            out.push(
                json!({"name": "pods/log", "singularName": "", "namespaced": true, "kind": "Pod", "verbs": ["get"]}),
            );
        }
    }
    if group.is_empty() {
        out.push(json!({"name": "namespaces", "singularName": "namespace", "namespaced": false, "kind": "Namespace", "verbs": ["get", "list"], "shortNames": ["ns"]}));
    }
    out
}

fn resource(k: &KindInfo) -> Value {
    let mut r = json!({
        "name": k.plural,
        "singularName": k.singular,
        "namespaced": true,
        "kind": k.name,
        "verbs": VERBS,
        "shortNames": k.short_names,
    });
    if !k.categories.is_empty() {
        r["categories"] = json!(k.categories);
    }
    r
}

/// The discovery document for a path (`api`, `apis`, `api/v1`, `apis/apps`, `apis/apps/v1`).
pub fn document(path: &str, server: SocketAddr) -> Value {
    let apps = json!({"groupVersion": "apps/v1", "version": "v1"});
    match path {
        "api" => json!({
            "kind": "APIVersions",
            "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server.to_string()}],
        }),
        "apis" => json!({
            "kind": "APIGroupList",
            "apiVersion": "v1",
            "groups": [{"name": "apps", "versions": [apps.clone()], "preferredVersion": apps}],
        }),
        "apis/apps" => {
            json!({"kind": "APIGroup", "apiVersion": "v1", "name": "apps", "versions": [apps.clone()], "preferredVersion": apps})
        }
        "api/v1" => {
            json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "v1", "resources": resources("")})
        }
        _ => {
            json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "apps/v1", "resources": resources("apps")})
        }
    }
}
