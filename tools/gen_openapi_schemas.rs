//! Regenerates `src/api/openapi/schemas.json`: the JSON schemas of every kind skiff serves and of
//! every type they reference, taken from k8s-openapi's `schemars` impls (field docs included).
//!
//! `cargo run --features schema-gen --bin gen-openapi-schemas`
//!
//! The daemon serves this file instead of depending on the `schemars` feature, which would double
//! k8s-openapi's compile time in every build. A unit test (`openapi::schemas`) fails when the
//! file no longer matches the served kinds or the k8s-openapi version in Cargo.lock.

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::core::v1::{ConfigMap, Endpoints, Event, Namespace, Node, Pod, Secret, Service};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::schemars::JsonSchema;
use k8s_openapi::schemars::generate::{SchemaGenerator, SchemaSettings};
use serde_json::{Map, Value, json};
use skiff::api::openapi::schemas::locked_k8s_openapi;
use skiff::model::{KINDS, Kind};
use std::path::Path;

/// Adds `T` and everything it references; returns its schema name.
fn add<T: JsonSchema>(generator: &mut SchemaGenerator) -> String {
    generator.subschema_for::<T>();
    T::schema_name().into_owned()
}

/// The k8s-openapi type behind each kind (a new `Kind` stops this from compiling).
fn add_kind(kind: Kind, generator: &mut SchemaGenerator) -> String {
    match kind {
        Kind::Deployment => add::<Deployment>(generator),
        Kind::ReplicaSet => add::<ReplicaSet>(generator),
        Kind::Pod => add::<Pod>(generator),
        Kind::Service => add::<Service>(generator),
        Kind::Event => add::<Event>(generator),
        Kind::Endpoints => add::<Endpoints>(generator),
        Kind::EndpointSlice => add::<EndpointSlice>(generator),
        Kind::Node => add::<Node>(generator),
        Kind::ConfigMap => add::<ConfigMap>(generator),
        Kind::Secret => add::<Secret>(generator),
        Kind::Namespace => add::<Namespace>(generator),
        Kind::HorizontalPodAutoscaler => add::<HorizontalPodAutoscaler>(generator),
    }
}

fn main() -> std::io::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let lock = std::fs::read_to_string(root.join("Cargo.lock"))?;
    let version = locked_k8s_openapi(&lock).expect("Cargo.lock pins k8s-openapi");
    let mut generator = SchemaSettings::openapi3().into_generator();
    let mut kinds = Map::new();
    for info in &KINDS {
        let api_version = info.kind.api_version();
        kinds.insert(format!("{api_version}/{}", info.name), add_kind(info.kind, &mut generator).into());
    }
    let schemas: Map<String, Value> = generator.definitions().clone().into_iter().collect();
    let asset = json!({
        "generatedBy": "cargo run --features schema-gen --bin gen-openapi-schemas",
        "k8sOpenapi": version,
        "kubernetes": skiff::version::kubernetes(),
        "kinds": kinds,
        "schemas": schemas,
    });
    let out = root.join("src/api/openapi/schemas.json");
    let text = serde_json::to_string_pretty(&asset).map_err(std::io::Error::other)?;
    std::fs::write(&out, text + "\n")?;
    println!("wrote {} ({} schemas)", out.display(), schemas_len(&asset));
    Ok(())
}

fn schemas_len(asset: &Value) -> usize {
    asset["schemas"].as_object().map_or(0, Map::len)
}
