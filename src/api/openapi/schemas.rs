//! The JSON schemas of the served kinds, as the apiserver publishes them. They come from
//! `schemas.json`, generated from the object types by `tools/gen_openapi_schemas.rs` (field docs
//! included), and get two things here: `x-kubernetes-group-version-kind` on each kind, and the
//! strategic-merge-patch extensions read from skiff's own merge table (`patch::schema`), so that
//! kubectl computes apply patches with the list semantics skiff applies them with.

use crate::patch::schema::{self as merge, MergeSchema};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

const ASSET: &str = include_str!("schemas.json");

/// How the asset (and OpenAPI v3) points at a schema.
pub(super) const V3_REF: &str = "#/components/schemas/";

/// Deepest property path followed when annotating: far deeper than Kubernetes' types nest; it
/// only stops a type that contains itself.
const MAX_DEPTH: usize = 32;

/// Every schema by name, annotated, with v3 references; and which schema describes each kind.
pub(super) struct Schemas {
    by_name: BTreeMap<String, Value>,
    /// `apps/v1/Deployment` → `io.k8s.api.apps.v1.Deployment`.
    kinds: BTreeMap<String, String>,
}

/// The version of k8s-openapi that `Cargo.lock` pins (what the asset must have been made from).
pub fn locked_k8s_openapi(cargo_lock: &str) -> Option<&str> {
    let block = cargo_lock.split("[[package]]").find(|b| b.contains("name = \"k8s-openapi\"\n"))?;
    block.lines().find_map(|l| l.strip_prefix("version = \"")?.strip_suffix('"'))
}

impl Schemas {
    /// Parses the generated asset and annotates it. The asset is part of the build, checked by
    /// this module's tests; it cannot be malformed at run time.
    pub(super) fn load() -> Schemas {
        let asset: Value = serde_json::from_str(ASSET).expect("schemas.json is generated, valid JSON");
        let by_name = asset["schemas"].as_object().cloned().unwrap_or_default().into_iter().collect();
        let kinds = asset["kinds"]
            .as_object()
            .into_iter()
            .flatten()
            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
            .collect();
        let mut schemas = Schemas { by_name, kinds };
        schemas.annotate();
        schemas
    }

    /// The schema name of a kind (`api_version` as in manifests: `v1`, `apps/v1`).
    pub(super) fn kind_schema(&self, api_version: &str, kind: &str) -> Option<&str> {
        self.kinds.get(&format!("{api_version}/{kind}")).map(String::as_str)
    }

    /// The named schemas and every schema they reference, transitively.
    pub(super) fn closure<'a>(&self, roots: impl IntoIterator<Item = &'a str>) -> BTreeMap<String, Value> {
        let mut out = BTreeMap::new();
        let mut todo: Vec<String> = roots.into_iter().map(String::from).collect();
        while let Some(name) = todo.pop() {
            if out.contains_key(&name) {
                continue;
            }
            let Some(schema) = self.by_name.get(&name) else { continue };
            collect_refs(schema, &mut |target| todo.push(target.to_string()));
            out.insert(name, schema.clone());
        }
        out
    }

    fn annotate(&mut self) {
        let kinds: Vec<(String, String)> = self.kinds.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        for (key, name) in kinds {
            let (api_version, kind) = key.rsplit_once('/').unwrap_or(("", &key));
            let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
            if let Some(schema) = self.by_name.get_mut(&name) {
                schema["x-kubernetes-group-version-kind"] = json!([{"group": group, "kind": kind, "version": version}]);
            }
            self.annotate_patch_strategies(&name, merge::for_kind(kind));
        }
    }

    /// Walks a kind's properties from its root and marks each field where `table` merges a list or
    /// retains keys. Shared types (`ObjectMeta`, `Container`) get the same marks from every kind
    /// that reaches them; the tests check that no two paths disagree.
    fn annotate_patch_strategies(&mut self, root: &str, table: MergeSchema) {
        let mut todo = vec![(root.to_string(), Vec::<String>::new())];
        while let Some((name, path)) = todo.pop() {
            let Some(properties) = self.by_name.get_mut(&name).and_then(|s| s.get_mut("properties")) else { continue };
            for (field, property) in properties.as_object_mut().into_iter().flatten() {
                let mut child = path.clone();
                child.push(field.clone());
                mark_patch_strategy(property, &table, &child);
                if let Some(target) = field_type(property).filter(|_| child.len() < MAX_DEPTH) {
                    todo.push((target.to_string(), child));
                }
            }
        }
    }
}

/// Sets `x-kubernetes-patch-strategy` (and `-merge-key`) on a field the way Kubernetes' Go struct
/// tags would: `merge` for merged lists, `retainKeys` where the table retains keys.
fn mark_patch_strategy(property: &mut Value, table: &MergeSchema, path: &[String]) {
    let Some(property) = property.as_object_mut() else { return };
    let mut strategies = Vec::new();
    let list = table.list_strategy(path);
    if property.get("type").and_then(Value::as_str) == Some("array") && list.is_merge() {
        strategies.push("merge");
        if let Some(key) = list.merge_key() {
            property.insert("x-kubernetes-patch-merge-key".into(), key.into());
        }
    }
    if table.retain_keys(path) {
        strategies.push("retainKeys");
    }
    if !strategies.is_empty() {
        property.insert("x-kubernetes-patch-strategy".into(), strategies.join(",").into());
    }
}

/// The named type whose fields a field's value has: its own `$ref`, or its list elements' `$ref`.
/// Map values are not followed (no list below a map merges).
fn field_type(property: &Value) -> Option<&str> {
    let reference = property.get("$ref").or_else(|| property.get("items")?.get("$ref"))?;
    reference.as_str()?.strip_prefix(V3_REF)
}

/// Calls `found` with the name behind every `$ref` inside `schema`.
fn collect_refs(schema: &Value, found: &mut impl FnMut(&str)) {
    match schema {
        Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    ("$ref", Value::String(r)) => found(r.strip_prefix(V3_REF).unwrap_or(r)),
                    _ => collect_refs(value, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, found)),
        _ => {}
    }
}

/// Rewrites a schema for OpenAPI v3 the way the apiserver shapes it: a `$ref` with siblings
/// (a field's own description, patch extensions) becomes `allOf: [{$ref}]` beside them.
pub(super) fn v3_shape(schema: &mut Value) {
    visit_schemas(schema, &mut |s| {
        if s.len() > 1
            && let Some(reference) = s.remove("$ref")
        {
            s.insert("allOf".into(), json!([{"$ref": reference}]));
        }
    });
}

/// Rewrites a schema for Swagger 2.0: references under `#/definitions/`, and int-or-string as
/// the string with format `int-or-string` that Kubernetes' v2 documents use.
pub(super) fn v2_shape(schema: &mut Value) {
    visit_schemas(schema, &mut |s| {
        if let Some(Value::String(r)) = s.get_mut("$ref")
            && let Some(name) = r.strip_prefix(V3_REF)
        {
            *r = format!("#/definitions/{name}");
        }
        if s.remove("x-kubernetes-int-or-string").is_some() {
            s.insert("type".into(), "string".into());
            s.insert("format".into(), "int-or-string".into());
        }
    });
}

/// Calls `f` on `schema` and on every schema nested in it (properties, items, map values, allOf).
fn visit_schemas(schema: &mut Value, f: &mut impl FnMut(&mut Map<String, Value>)) {
    let Value::Object(map) = schema else { return };
    f(map);
    for (key, value) in map.iter_mut() {
        match key.as_str() {
            "properties" => value.as_object_mut().into_iter().flatten().for_each(|(_, v)| visit_schemas(v, f)),
            "items" | "additionalProperties" => visit_schemas(value, f),
            "allOf" => value.as_array_mut().into_iter().flatten().for_each(|v| visit_schemas(v, f)),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patch::schema::ListStrategy;

    fn schemas() -> Schemas {
        Schemas::load()
    }

    #[test]
    fn asset_was_generated_from_the_types_this_build_uses() {
        let asset: Value = serde_json::from_str(ASSET).unwrap();
        let regenerate = "regenerate with `cargo run --features schema-gen --bin gen-openapi-schemas`";
        let lock = include_str!("../../../Cargo.lock");
        assert_eq!(asset["k8sOpenapi"].as_str(), locked_k8s_openapi(lock), "k8s-openapi changed: {regenerate}");
        assert_eq!(asset["kubernetes"], crate::version::kubernetes(), "Kubernetes version changed: {regenerate}");
        let served: Vec<String> =
            crate::model::KINDS.iter().map(|k| format!("{}/{}", k.kind.api_version(), k.name)).collect();
        for kind in &served {
            assert!(asset["kinds"].get(kind).is_some(), "no schema for {kind}: {regenerate}");
        }
    }

    #[test]
    fn kinds_carry_their_group_version_kind() {
        let s = schemas();
        let name = s.kind_schema("apps/v1", "Deployment").unwrap();
        assert_eq!(name, "io.k8s.api.apps.v1.Deployment");
        assert_eq!(
            s.by_name[name]["x-kubernetes-group-version-kind"],
            json!([{"group": "apps", "kind": "Deployment", "version": "v1"}])
        );
        let pod = s.kind_schema("v1", "Pod").unwrap();
        assert_eq!(s.by_name[pod]["x-kubernetes-group-version-kind"][0]["group"], "");
        assert_eq!(s.kind_schema("v1", "Deployment"), None);
    }

    fn property<'a>(s: &'a Schemas, schema: &str, field: &str) -> &'a Value {
        &s.by_name[schema]["properties"][field]
    }

    #[test]
    fn patch_extensions_follow_kubernetes_struct_tags() {
        let s = schemas();
        let containers = property(&s, "io.k8s.api.core.v1.PodSpec", "containers");
        assert_eq!(containers["x-kubernetes-patch-strategy"], "merge");
        assert_eq!(containers["x-kubernetes-patch-merge-key"], "name");
        let volumes = property(&s, "io.k8s.api.core.v1.PodSpec", "volumes");
        assert_eq!(volumes["x-kubernetes-patch-strategy"], "merge,retainKeys");
        let strategy = property(&s, "io.k8s.api.apps.v1.DeploymentSpec", "strategy");
        assert_eq!(strategy["x-kubernetes-patch-strategy"], "retainKeys");
        assert_eq!(property(&s, "io.k8s.api.core.v1.Container", "env")["x-kubernetes-patch-merge-key"], "name");
        assert_eq!(
            property(&s, "io.k8s.api.core.v1.Container", "ports")["x-kubernetes-patch-merge-key"],
            "containerPort"
        );
        assert_eq!(property(&s, "io.k8s.api.core.v1.ServiceSpec", "ports")["x-kubernetes-patch-merge-key"], "port");
        let finalizers = property(&s, "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", "finalizers");
        assert_eq!(
            (finalizers["x-kubernetes-patch-strategy"].as_str(), finalizers.get("x-kubernetes-patch-merge-key")),
            (Some("merge"), None)
        );
        let args = property(&s, "io.k8s.api.core.v1.Container", "args");
        assert!(args.get("x-kubernetes-patch-strategy").is_none(), "{args}");
    }

    /// Every field of every kind, reached by its path from the kind, carries exactly the marks
    /// skiff's merge table gives that path: no kind's table is contradicted by marks another kind
    /// left on a shared type.
    #[test]
    fn every_path_reads_back_as_the_merge_table_says() {
        let s = schemas();
        let mut checked = 0;
        for (key, root) in &s.kinds {
            let kind = key.rsplit('/').next().unwrap();
            let table = merge::for_kind(kind);
            let mut todo = vec![(root.clone(), Vec::<String>::new())];
            while let Some((name, path)) = todo.pop() {
                for (field, property) in s.by_name[&name]["properties"].as_object().into_iter().flatten() {
                    let mut child = path.clone();
                    child.push(field.clone());
                    let at = format!("{kind} {}", child.join("."));
                    let marks: Vec<&str> =
                        property["x-kubernetes-patch-strategy"].as_str().unwrap_or_default().split(',').collect();
                    let list = Some(table.list_strategy(&child)).filter(|_| property["type"] == "array");
                    assert_eq!(marks.contains(&"merge"), list.is_some_and(ListStrategy::is_merge), "{at}");
                    assert_eq!(
                        property["x-kubernetes-patch-merge-key"].as_str(),
                        list.and_then(ListStrategy::merge_key),
                        "{at}"
                    );
                    assert_eq!(marks.contains(&"retainKeys"), table.retain_keys(&child), "{at}");
                    checked += 1;
                    if let Some(target) = field_type(property).filter(|_| child.len() < MAX_DEPTH) {
                        todo.push((target.to_string(), child));
                    }
                }
            }
        }
        assert!(checked > 1000, "walked only {checked} fields");
    }

    #[test]
    fn closure_holds_every_referenced_schema() {
        let s = schemas();
        let closure = s.closure(["io.k8s.api.apps.v1.Deployment"]);
        assert!(closure.contains_key("io.k8s.api.core.v1.Container"));
        assert!(closure.contains_key("io.k8s.apimachinery.pkg.util.intstr.IntOrString"));
        assert!(!closure.contains_key("io.k8s.api.core.v1.Service"));
        for schema in closure.values() {
            collect_refs(schema, &mut |target| assert!(closure.contains_key(target), "{target} is missing"));
        }
    }

    #[test]
    fn v3_wraps_references_with_siblings_in_all_of() {
        let mut field = json!({"properties": {
            "strategy": {"$ref": "#/components/schemas/S", "description": "d", "x-kubernetes-patch-strategy": "retainKeys"},
            "plain": {"$ref": "#/components/schemas/P"},
        }});
        v3_shape(&mut field);
        assert_eq!(
            field["properties"]["strategy"],
            json!({"allOf": [{"$ref": "#/components/schemas/S"}], "description": "d", "x-kubernetes-patch-strategy": "retainKeys"})
        );
        assert_eq!(field["properties"]["plain"], json!({"$ref": "#/components/schemas/P"}));
    }

    #[test]
    fn v2_points_at_definitions_and_spells_int_or_string_as_v2_does() {
        let mut schema = json!({"properties": {"a": {"items": {"$ref": "#/components/schemas/X"}, "type": "array"}}});
        v2_shape(&mut schema);
        assert_eq!(schema["properties"]["a"]["items"]["$ref"], "#/definitions/X");
        let mut int_or_string = json!({"description": "d", "x-kubernetes-int-or-string": true});
        v2_shape(&mut int_or_string);
        assert_eq!(int_or_string, json!({"description": "d", "type": "string", "format": "int-or-string"}));
    }

    #[test]
    fn reads_the_locked_k8s_openapi_version() {
        let lock = "[[package]]\nname = \"k8s-openapi\"\nversion = \"0.29.0\"\n\n[[package]]\nname = \"k8s-openapi-derive\"\nversion = \"9\"\n";
        assert_eq!(locked_k8s_openapi(lock), Some("0.29.0"));
        assert_eq!(locked_k8s_openapi("[[package]]\nname = \"serde\"\nversion = \"1\"\n"), None);
    }
}
