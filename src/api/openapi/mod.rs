//! `/openapi/v2` and `/openapi/v3`: for each served kind, its item path with a `get` operation
//! (how `kubectl explain` finds the kind) and, for kinds kubectl may change, a `patch` operation
//! that takes `fieldValidation` (so kubectl leaves validation to the server) and strategic merge
//! patches; and the kinds' schemas with field docs and patch extensions (`schemas`). v3 is JSON
//! (kubectl 1.29+ validate with it; every version explains and computes apply patches with it);
//! v2 is JSON or the gnostic protobuf that kubectl 1.27 and 1.28 fetch. Every document is built
//! once, hashed, and answered with an ETag; v3 URLs carry the hash, as kubectl caches by URL.

mod gnostic;
pub mod schemas;

use super::request::Query;
use crate::model::{KINDS, Kind};
use crate::registry::ApiError;
use axum::body::Body;
use axum::response::Response;
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use schemas::Schemas;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::sync::LazyLock;

const PROTOBUF_V2: &str = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";

const PATCH_TYPES: [&str; 4] = [
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
    "application/apply-patch+yaml",
];

/// A kind as the documents describe it.
struct Described {
    of: Kind,
    group: &'static str,
    version: &'static str,
    kind: &'static str,
    plural: &'static str,
    namespaced: bool,
    /// kubectl may create or patch it (not events, which the system writes, nor read-only kinds).
    patchable: bool,
}

impl Described {
    fn all() -> Vec<Described> {
        KINDS
            .iter()
            .map(|k| Described {
                of: k.kind,
                group: k.group,
                version: k.version,
                kind: k.name,
                plural: k.plural,
                namespaced: k.namespaced,
                patchable: !k.read_only && k.kind != Kind::Event,
            })
            .collect()
    }

    /// `v1`, `apps/v1`.
    fn api_version(&self) -> String {
        self.of.api_version()
    }

    /// The document a kind belongs to: `api/v1`, `apis/apps/v1` (its API prefix).
    fn group_version(&self) -> String {
        self.of.api_prefix().trim_start_matches('/').to_string()
    }

    fn item_path(&self) -> String {
        let scope = if self.namespaced { "namespaces/{namespace}/" } else { "" };
        format!("/{}/{scope}{}/{{name}}", self.group_version(), self.plural)
    }

    fn gvk(&self) -> Value {
        json!({"group": self.group, "kind": self.kind, "version": self.version})
    }
}

/// The two dialects' differences in the few places the operations touch them.
#[derive(Clone, Copy, PartialEq)]
enum Dialect {
    Swagger2,
    OpenApi3,
}

impl Dialect {
    fn reference(self, schema: &str) -> Value {
        match self {
            Dialect::Swagger2 => json!({"$ref": format!("#/definitions/{schema}")}),
            Dialect::OpenApi3 => json!({"$ref": format!("{}{schema}", schemas::V3_REF)}),
        }
    }

    /// `200 OK` with the kind as body.
    fn ok(self, schema: Option<&str>) -> Value {
        let Some(schema) = schema else { return json!({"200": {"description": "OK"}}) };
        match self {
            Dialect::Swagger2 => json!({"200": {"description": "OK", "schema": self.reference(schema)}}),
            Dialect::OpenApi3 => {
                json!({"200": {"description": "OK", "content": {"application/json": {"schema": self.reference(schema)}}}})
            }
        }
    }

    fn field_validation(self) -> Value {
        match self {
            Dialect::Swagger2 => {
                json!({"name": "fieldValidation", "in": "query", "type": "string", "uniqueItems": true})
            }
            Dialect::OpenApi3 => {
                json!({"name": "fieldValidation", "in": "query", "schema": {"type": "string", "uniqueItems": true}})
            }
        }
    }
}

/// The path item of one kind: `get`, and `patch` when kubectl may change the kind.
fn path_item(d: &Described, schema: Option<&str>, dialect: Dialect) -> Value {
    let operation = |verb: &str, id: &str| {
        json!({
            "operationId": format!("{id}{}", d.kind),
            "x-kubernetes-action": verb,
            "x-kubernetes-group-version-kind": d.gvk(),
            "responses": dialect.ok(schema),
        })
    };
    let mut item = json!({"get": operation("get", "read")});
    if d.patchable {
        let mut patch = operation("patch", "patch");
        patch["parameters"] = json!([dialect.field_validation()]);
        // v2 declares no `consumes`: kubectl then never computes apply patches from v2 (it uses v3,
        // and falls back to its built-in types rather than to v2).
        if dialect == Dialect::OpenApi3 {
            let content: Map<String, Value> =
                PATCH_TYPES.iter().map(|m| (m.to_string(), json!({"schema": {"type": "object"}}))).collect();
            patch["requestBody"] = json!({"content": content, "required": true});
        }
        item["patch"] = patch;
    }
    item
}

/// The paths and schemas of `kinds`, in one dialect.
fn paths_and_schemas(
    kinds: &[&Described],
    all: &Schemas,
    dialect: Dialect,
) -> (Map<String, Value>, Map<String, Value>) {
    let mut paths = Map::new();
    let mut roots = Vec::new();
    for d in kinds {
        let schema = all.kind_schema(&d.api_version(), d.kind);
        if schema.is_none() {
            tracing::warn!(kind = d.kind, "no OpenAPI schema for this kind: regenerate src/api/openapi/schemas.json");
        }
        roots.extend(schema);
        paths.insert(d.item_path(), path_item(d, schema, dialect));
    }
    let mut closure = all.closure(roots);
    for schema in closure.values_mut() {
        match dialect {
            Dialect::Swagger2 => schemas::v2_shape(schema),
            Dialect::OpenApi3 => schemas::v3_shape(schema),
        }
    }
    (paths, closure.into_iter().collect())
}

fn info() -> Value {
    json!({"title": "Kubernetes", "version": crate::version::kubernetes()})
}

/// A document as served: its bytes and their hash (the ETag, and the v3 URL's `hash`).
struct Rendered {
    body: Bytes,
    hash: String,
}

impl Rendered {
    fn new(body: Vec<u8>) -> Rendered {
        Rendered { hash: format!("{:08X}", crc32fast::hash(&body)), body: body.into() }
    }

    fn json(value: &Value) -> Rendered {
        Rendered::new(serde_json::to_vec(value).unwrap_or_default())
    }

    /// `304 Not Modified` when the client holds this version, else the document. `immutable`
    /// only when the URL names this very version.
    fn response(&self, content_type: &'static str, immutable: bool, headers: &HeaderMap) -> Response {
        let etag = format!("\"{}\"", self.hash);
        let held = headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok());
        let fresh = held.is_some_and(|h| h.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
        let mut resp = Response::new(if fresh { Body::empty() } else { Body::from(self.body.clone()) });
        if fresh {
            *resp.status_mut() = StatusCode::NOT_MODIFIED;
        }
        let cache = if immutable { "public, immutable" } else { "no-cache, private" };
        let h = resp.headers_mut();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
        if let Ok(v) = HeaderValue::from_str(&etag) {
            h.insert(header::ETAG, v);
        }
        resp
    }
}

/// Every document, built once.
struct Documents {
    v3_index: Rendered,
    /// By group version: `api/v1`, `apis/apps/v1`.
    v3: BTreeMap<String, Rendered>,
    v2_json: Rendered,
    v2_protobuf: Rendered,
}

static DOCUMENTS: LazyLock<Documents> = LazyLock::new(Documents::build);

impl Documents {
    fn build() -> Documents {
        let all = Schemas::load();
        let described = Described::all();
        let mut by_gv: BTreeMap<String, Vec<&Described>> = BTreeMap::new();
        for d in &described {
            by_gv.entry(d.group_version()).or_default().push(d);
        }
        let v3: BTreeMap<String, Rendered> =
            by_gv.iter().map(|(gv, kinds)| (gv.clone(), Rendered::json(&v3_document(kinds, &all)))).collect();
        let index: Map<String, Value> = v3
            .iter()
            .map(|(gv, doc)| (gv.clone(), json!({"serverRelativeURL": format!("/openapi/v3/{gv}?hash={}", doc.hash)})))
            .collect();
        let v2 = v2_document(&described.iter().collect::<Vec<_>>(), &all);
        Documents {
            v3_index: Rendered::json(&json!({"paths": index})),
            v3,
            v2_protobuf: Rendered::new(gnostic::document(&v2)),
            v2_json: Rendered::json(&v2),
        }
    }
}

fn v3_document(kinds: &[&Described], all: &Schemas) -> Value {
    let (paths, schemas) = paths_and_schemas(kinds, all, Dialect::OpenApi3);
    json!({"openapi": "3.0.0", "info": info(), "paths": paths, "components": {"schemas": schemas}})
}

fn v2_document(kinds: &[&Described], all: &Schemas) -> Value {
    let (paths, definitions) = paths_and_schemas(kinds, all, Dialect::Swagger2);
    json!({"swagger": "2.0", "info": info(), "paths": paths, "definitions": definitions})
}

/// Answers `GET /openapi/<path>`: `v2` (protobuf when asked for, else JSON), `v3` (the index) or
/// `v3/<group-version>`.
pub(super) fn response(path: &str, query: &Query, headers: &HeaderMap) -> Result<Response, ApiError> {
    let docs = &*DOCUMENTS;
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or_default();
    Ok(match path {
        "v2" if accept.contains("protobuf") => docs.v2_protobuf.response(PROTOBUF_V2, false, headers),
        "v2" => docs.v2_json.response("application/json", false, headers),
        "v3" => docs.v3_index.response("application/json", false, headers),
        other => {
            let doc = other.strip_prefix("v3/").and_then(|gv| docs.v3.get(gv)).ok_or(ApiError::UnknownPath)?;
            doc.response("application/json", query.get("hash") == Some(doc.hash.as_str()), headers)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v3(gv: &str) -> Value {
        serde_json::from_slice(&DOCUMENTS.v3[gv].body).unwrap()
    }

    fn v2() -> Value {
        serde_json::from_slice(&DOCUMENTS.v2_json.body).unwrap()
    }

    /// Every `$ref` in `doc` names a schema under `prefix` that `doc` holds.
    fn assert_refs_resolve(doc: &Value, prefix: &str, schemas: &Value) {
        match doc {
            Value::Object(map) => {
                for (key, value) in map {
                    if let ("$ref", Some(r)) = (key.as_str(), value.as_str()) {
                        let name = r.strip_prefix(prefix).unwrap_or_else(|| panic!("{r} is not under {prefix}"));
                        assert!(schemas.get(name).is_some(), "{r} does not resolve");
                    }
                    assert_refs_resolve(value, prefix, schemas);
                }
            }
            Value::Array(items) => items.iter().for_each(|v| assert_refs_resolve(v, prefix, schemas)),
            _ => {}
        }
    }

    #[test]
    fn every_served_kind_has_a_schema_with_its_gvk_and_paths_that_find_it() {
        for d in Described::all() {
            let doc = v3(&d.group_version());
            let gvk = d.gvk();
            let schemas = doc["components"]["schemas"].as_object().unwrap();
            let with_gvk: Vec<&String> = schemas
                .iter()
                .filter(|(_, s)| s["x-kubernetes-group-version-kind"].as_array().is_some_and(|a| a.contains(&gvk)))
                .map(|(name, _)| name)
                .collect();
            assert_eq!(with_gvk.len(), 1, "{} in {}", d.kind, d.group_version());
            assert!(schemas[with_gvk[0]]["properties"]["metadata"].is_object(), "{}", d.kind);
            let item = &doc["paths"][d.item_path()];
            assert_eq!(item["get"]["x-kubernetes-group-version-kind"], gvk, "{}", d.kind);
            assert_eq!(item["patch"]["parameters"][0]["name"] == "fieldValidation", d.patchable, "{}", d.kind);
            assert!(v2()["definitions"][with_gvk[0].as_str()]["x-kubernetes-group-version-kind"].is_array());
        }
    }

    #[test]
    fn documents_hold_only_their_group_versions_kinds() {
        let apps = v3("apis/apps/v1");
        let names: Vec<&String> = apps["components"]["schemas"].as_object().unwrap().keys().collect();
        assert!(names.iter().any(|n| *n == "io.k8s.api.apps.v1.DeploymentStrategy"));
        assert!(names.iter().any(|n| *n == "io.k8s.api.core.v1.PodSpec"), "dependencies come along");
        assert!(!names.iter().any(|n| *n == "io.k8s.api.core.v1.Service"));
        assert!(apps["paths"].get("/api/v1/namespaces/{namespace}/pods/{name}").is_none());
        assert!(v3("api/v1")["paths"]["/api/v1/namespaces/{name}"]["get"].is_object(), "namespaces are cluster-scoped");
        assert!(!DOCUMENTS.v3.contains_key("apis/batch/v1"));
    }

    #[test]
    fn every_reference_resolves() {
        for gv in DOCUMENTS.v3.keys() {
            let doc = v3(gv);
            assert_refs_resolve(&doc, schemas::V3_REF, &doc["components"]["schemas"]);
        }
        let v2 = v2();
        assert_refs_resolve(&v2, "#/definitions/", &v2["definitions"]);
    }

    #[test]
    fn v3_fields_read_as_kubernetes_publishes_them() {
        let apps = v3("apis/apps/v1");
        let strategy = &apps["components"]["schemas"]["io.k8s.api.apps.v1.DeploymentSpec"]["properties"]["strategy"];
        assert_eq!(strategy["allOf"][0]["$ref"], "#/components/schemas/io.k8s.api.apps.v1.DeploymentStrategy");
        assert_eq!(strategy["x-kubernetes-patch-strategy"], "retainKeys");
        let rolling = &apps["components"]["schemas"]["io.k8s.api.apps.v1.RollingUpdateDeployment"];
        assert!(rolling["properties"]["maxSurge"]["description"].as_str().unwrap().contains("maximum number of pods"));
        let patch = &apps["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"];
        assert!(patch["requestBody"]["content"]["application/strategic-merge-patch+json"].is_object());
        assert!(
            v2()["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"].get("consumes").is_none()
        );
    }

    #[test]
    fn the_index_points_at_each_document_by_its_hash() {
        let index: Value = serde_json::from_slice(&DOCUMENTS.v3_index.body).unwrap();
        for (gv, doc) in &DOCUMENTS.v3 {
            assert_eq!(index["paths"][gv]["serverRelativeURL"], format!("/openapi/v3/{gv}?hash={}", doc.hash));
        }
        let gvs: Vec<&String> = index["paths"].as_object().unwrap().keys().collect();
        assert_eq!(gvs, ["api/v1", "apis/apps/v1", "apis/autoscaling/v2", "apis/discovery.k8s.io/v1"]);
    }

    fn get(path: &str, query: &str, headers: &[(&'static str, &str)]) -> Response {
        let mut map = HeaderMap::new();
        for (k, v) in headers {
            map.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        response(path, &Query::parse(Some(query)), &map).unwrap()
    }

    #[test]
    fn answers_with_etags_and_caches_hashed_urls_for_good() {
        let apps = &DOCUMENTS.v3["apis/apps/v1"];
        let hashed = get("v3/apis/apps/v1", &format!("hash={}", apps.hash), &[]);
        assert_eq!(hashed.status(), StatusCode::OK);
        assert_eq!(hashed.headers()[header::CACHE_CONTROL], "public, immutable");
        assert_eq!(hashed.headers()[header::ETAG], format!("\"{}\"", apps.hash).as_str());
        let stale = get("v3/apis/apps/v1", "hash=0", &[]);
        assert_eq!(stale.headers()[header::CACHE_CONTROL], "no-cache, private");
        let etag = format!("\"{}\"", apps.hash);
        let held = get("v3/apis/apps/v1", "", &[("if-none-match", &etag)]);
        assert_eq!(held.status(), StatusCode::NOT_MODIFIED);
        let other = get("v3/apis/apps/v1", "", &[("if-none-match", "\"0\"")]);
        assert_eq!(other.status(), StatusCode::OK);
        assert!(response("v3/apis/batch/v1", &Query::default(), &HeaderMap::new()).is_err());
    }

    #[test]
    fn v2_is_protobuf_when_asked_for_and_json_otherwise() {
        let accept = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";
        let proto = get("v2", "", &[("accept", accept)]);
        assert_eq!(proto.headers()[header::CONTENT_TYPE], PROTOBUF_V2);
        assert_eq!(
            get("v2", "", &[("accept", "application/json")]).headers()[header::CONTENT_TYPE],
            "application/json"
        );
        let body = &DOCUMENTS.v2_protobuf.body;
        assert_eq!(&body[..5], &[0x0a, 3, b'2', b'.', b'0'], "field 1 = \"2.0\"");
        let text = String::from_utf8_lossy(body);
        assert!(text.contains("/apis/apps/v1/namespaces/{namespace}/deployments/{name}"));
        assert!(text.contains("group: apps\nkind: Deployment\nversion: v1\n"));
        assert!(text.contains("fieldValidation"));
        assert!(
            text.contains("io.k8s.api.apps.v1.DeploymentStrategy") && text.contains("x-kubernetes-patch-merge-key")
        );
    }
}
