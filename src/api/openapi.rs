//! The smallest OpenAPI that makes `kubectl apply` work without `--validate=false`: for each
//! kind, a PATCH operation tagged with its group/version/kind that takes the `fieldValidation`
//! query parameter. kubectl then sends `fieldValidation=Strict` and leaves validation to the
//! server (which skiff does), and computes apply patches from its built-in types because no
//! schemas are published. v3 is JSON (kubectl 1.29+); v2 is the gnostic protobuf that 1.27 and
//! 1.28 fetch, hand-encoded (a dozen length-delimited fields).

use crate::model::{KINDS, Kind};
use crate::protobuf::{bytes_field, message};
use serde_json::{Value, json};

fn item_path(kind: Kind) -> String {
    let info = kind.info();
    let prefix = if info.group.is_empty() { "/api/v1".to_string() } else { format!("/apis/{}/v1", info.group) };
    format!("{prefix}/namespaces/{{namespace}}/{}/{{name}}", info.plural)
}

/// The kinds kubectl may create or patch, by group version (`api/v1`, `apis/apps/v1`).
fn kinds_in(group_version: &str) -> Vec<Kind> {
    KINDS
        .iter()
        .filter(|k| k.kind != Kind::Event)
        .filter(|k| match group_version {
            "api/v1" => k.group.is_empty(),
            other => other == format!("apis/{}/v1", k.group),
        })
        .map(|k| k.kind)
        .collect()
}

/// One v3 document (`/openapi/v3/api/v1`, `/openapi/v3/apis/apps/v1`).
pub fn v3_document(group_version: &str) -> Option<Value> {
    let kinds = kinds_in(group_version);
    if kinds.is_empty() {
        return None;
    }
    let mut paths = serde_json::Map::new();
    for kind in kinds {
        let info = kind.info();
        let media = [
            "application/json-patch+json",
            "application/merge-patch+json",
            "application/strategic-merge-patch+json",
            "application/apply-patch+yaml",
        ];
        let content: serde_json::Map<String, Value> =
            media.iter().map(|m| (m.to_string(), json!({"schema": {"type": "object"}}))).collect();
        paths.insert(
            item_path(kind),
            json!({"patch": {
                "operationId": format!("patch{}", info.name),
                "x-kubernetes-action": "patch",
                "x-kubernetes-group-version-kind": {"group": info.group, "version": info.version, "kind": info.name},
                "parameters": [{"name": "fieldValidation", "in": "query", "schema": {"type": "string", "uniqueItems": true}}],
                "requestBody": {"content": content, "required": true},
                "responses": {"200": {"description": "OK"}},
            }}),
        );
    }
    Some(json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": crate::version::kubernetes()},
        "paths": paths,
        "components": {"schemas": {}},
    }))
}

/// The v3 index, with content hashes in the URLs (kubectl caches by URL).
pub fn v3_index() -> Value {
    let entry = |gv: &str| {
        let hash = format!("{:08X}", crc32fast::hash(v3_document(gv).unwrap_or_default().to_string().as_bytes()));
        (gv.to_string(), json!({"serverRelativeURL": format!("/openapi/v3/{gv}?hash={hash}")}))
    };
    json!({"paths": serde_json::Map::from_iter([entry("api/v1"), entry("apis/apps/v1")])})
}

/// The gnostic `openapi.v2.Document` for every kind, as `/openapi/v2` serves it.
pub fn v2_protobuf() -> Vec<u8> {
    let query = message(&[(2, b"query"), (4, b"fieldValidation"), (6, b"string")]);
    let non_body = message(&[(3, &query)]);
    let parameter = message(&[(2, &non_body)]);
    let parameters_item = message(&[(1, &parameter)]);
    let mut named_paths = Vec::new();
    for k in KINDS.iter().filter(|k| k.kind != Kind::Event) {
        let gvk = format!("group: {:?}\nkind: {}\nversion: {}\n", k.group, k.name, k.version);
        let any = message(&[(2, gvk.as_bytes())]);
        let extension = message(&[(1, b"x-kubernetes-group-version-kind"), (2, &any)]);
        let op_id = format!("patch{}", k.name);
        let operation = message(&[(5, op_id.as_bytes()), (8, &parameters_item), (13, &extension)]);
        let path_item = message(&[(8, &operation)]);
        let path = item_path(k.kind);
        bytes_field(&mut named_paths, 2, &message(&[(1, path.as_bytes()), (2, &path_item)]));
    }
    let version = crate::version::kubernetes();
    let info = message(&[(1, b"Kubernetes"), (2, version.as_bytes())]);
    message(&[(1, b"2.0"), (2, &info), (8, &named_paths)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v3_declares_field_validation_per_kind() {
        let apps = v3_document("apis/apps/v1").unwrap();
        let patch = &apps["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"];
        assert_eq!(patch["x-kubernetes-group-version-kind"]["kind"], "Deployment");
        assert_eq!(patch["parameters"][0]["name"], "fieldValidation");
        let core = v3_document("api/v1").unwrap();
        assert_eq!(
            core["paths"]["/api/v1/namespaces/{namespace}/pods/{name}"]["patch"]["x-kubernetes-group-version-kind"]["group"],
            ""
        );
        assert!(v3_document("apis/batch/v1").is_none());
        assert!(
            v3_index()["paths"]["apis/apps/v1"]["serverRelativeURL"]
                .as_str()
                .unwrap()
                .starts_with("/openapi/v3/apis/apps/v1?hash=")
        );
    }

    #[test]
    fn v2_is_well_formed_protobuf() {
        let doc = v2_protobuf();
        assert_eq!(&doc[..5], &[0x0a, 3, b'2', b'.', b'0'], "field 1 = \"2.0\"");
        let text = String::from_utf8_lossy(&doc);
        assert!(text.contains("/apis/apps/v1/namespaces/{namespace}/deployments/{name}"));
        assert!(text.contains("group: \"apps\"\nkind: Deployment\nversion: v1\n"));
        assert!(text.contains("fieldValidation"));
    }
}
