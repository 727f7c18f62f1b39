//! YAML-driven mode: the daemon applies every manifest in a directory at start and again
//! whenever a file there is added, changed or removed. Each object remembers its file in an
//! annotation, so a removed file deletes exactly the objects it created, and an object dropped
//! from a file is deleted too. A broken file is reported (log and event) and the last good
//! state stays in force: a file is applied all or nothing, after a dry run of every document.

use crate::model::decode::{self, FieldValidation};
use crate::model::{Kind, ObjectKey, manifest, meta};
use crate::patch::apply::{self, Step};
use crate::registry::events::EventType;
use crate::registry::patch::PatchTarget;
use crate::registry::{ApiError, DeleteOptions, PatchType, Registry, WriteOptions};
use k8s_openapi::api::core::v1::ObjectReference;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// The annotation that names the file an object came from.
pub const SOURCE: &str = "skiff.io/manifest-file";
const POLL: Duration = Duration::from_millis(500);
const KINDS: [Kind; 7] =
    [Kind::Namespace, Kind::ConfigMap, Kind::Secret, Kind::Deployment, Kind::Service, Kind::ReplicaSet, Kind::Pod];

/// Watches `dir` until `shutdown`, applying what changes.
pub async fn run(dir: PathBuf, registry: Arc<Registry>, shutdown: CancellationToken) {
    let mut seen: BTreeMap<String, u32> = BTreeMap::new();
    let mut tick = tokio::time::interval(POLL);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tick.tick() => sync(&dir, &registry, &mut seen).await,
        }
    }
}

/// A manifest file as one scan read it.
struct File {
    bytes: Vec<u8>,
    sum: u32,
}

/// The manifest files in `dir` by name, read on the blocking pool: the control plane's single
/// event loop never waits on the disk.
async fn scan(dir: &Path) -> BTreeMap<String, File> {
    let dir = dir.to_path_buf();
    tokio::task::spawn_blocking(move || read_manifests(&dir)).await.unwrap_or_else(|e| {
        tracing::warn!(error = %e, "scanning the manifest directory failed");
        BTreeMap::new()
    })
}

fn read_manifests(dir: &Path) -> BTreeMap<String, File> {
    let Ok(entries) = std::fs::read_dir(dir) else { return BTreeMap::new() };
    entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| matches!(p.extension().and_then(|x| x.to_str()), Some("yaml" | "yml" | "json")))
        .filter_map(|p| {
            let bytes = std::fs::read(&p).ok()?;
            let sum = crc32fast::hash(&bytes);
            Some((p.file_name()?.to_string_lossy().into_owned(), File { bytes, sum }))
        })
        .collect()
}

/// One pass: apply new and changed files, delete what removed files created.
async fn sync(dir: &Path, registry: &Registry, seen: &mut BTreeMap<String, u32>) {
    let files = scan(dir).await;
    for (name, file) in &files {
        if seen.get(name) == Some(&file.sum) {
            continue;
        }
        seen.insert(name.clone(), file.sum);
        match apply_file(registry, name, &file.bytes).await {
            Ok(n) => tracing::info!(file = %name, objects = n, "applied manifest"),
            Err(e) => report(registry, name, &e).await,
        }
    }
    seen.retain(|name, _| files.contains_key(name));
    let owned = owned_objects(registry);
    for (file, keys) in owned {
        if !files.contains_key(&file) {
            tracing::info!(%file, objects = keys.len(), "manifest removed; deleting its objects");
            delete_all(registry, &keys).await;
        }
    }
}

/// Every object a manifest file created, by file. Objects a controller owns (ReplicaSets
/// inherit their Deployment's annotations) belong to their owner, not to the file.
fn owned_objects(registry: &Registry) -> BTreeMap<String, Vec<ObjectKey>> {
    let mut owned: BTreeMap<String, Vec<ObjectKey>> = BTreeMap::new();
    for kind in KINDS {
        for obj in registry.store().list(kind, None).0 {
            if meta::controller_ref(obj.meta()).is_some() {
                continue;
            }
            if let Some(file) = meta::annotation(obj.meta(), SOURCE) {
                owned.entry(file.to_string()).or_default().push(obj.key());
            }
        }
    }
    owned
}

async fn delete_all(registry: &Registry, keys: &[ObjectKey]) {
    for key in keys {
        match registry.delete(key, &DeleteOptions::default()).await {
            Ok(_) | Err(ApiError::NotFound { .. }) => {}
            Err(e) => tracing::warn!(object = %key, error = %e, "could not delete"),
        }
    }
}

async fn report(registry: &Registry, file: &str, error: &str) {
    tracing::warn!(%file, %error, "manifest not applied; the last good state stays in force");
    let reference = ObjectReference {
        kind: Some("Manifest".into()),
        name: Some(file.into()),
        namespace: Some("default".into()),
        ..Default::default()
    };
    let message = format!("{file} was not applied: {error}");
    registry.events().record_ref(reference, EventType::Warning, "FailedToApply", &message, "skiff-manifests").await;
}

/// One document, ready to apply.
struct Doc {
    key: ObjectKey,
    value: Value,
}

fn documents(file: &str, bytes: &[u8]) -> Result<Vec<Doc>, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| e.to_string())?;
    let values = manifest::parse(text).map_err(|e| format!("error parsing {file}: {e}"))?;
    values
        .into_iter()
        .map(|mut value| {
            let kind = decode::kind_of(&value).map_err(|e| e.to_string())?;
            let name = value["metadata"]["name"]
                .as_str()
                .filter(|n| !n.is_empty())
                .ok_or("every object needs metadata.name")?
                .to_string();
            let namespace = match kind.info().namespaced {
                true => value["metadata"]["namespace"].as_str().unwrap_or("default").to_string(),
                false => String::new(),
            };
            value["metadata"]["annotations"][SOURCE] = Value::String(file.to_string());
            Ok(Doc { key: ObjectKey { kind, namespace, name }, value })
        })
        .collect()
}

/// Applies a file all or nothing; then deletes what it created before but no longer holds.
async fn apply_file(registry: &Registry, file: &str, bytes: &[u8]) -> Result<usize, String> {
    let docs = documents(file, bytes)?;
    for dry_run in [true, false] {
        for (i, doc) in docs.iter().enumerate() {
            match apply_one(registry, doc, dry_run).await {
                // Its namespace comes from an earlier document: checked when applied.
                Err(ApiError::NotFound { kind: Kind::Namespace, name })
                    if dry_run && docs[..i].iter().any(|d| d.key.kind == Kind::Namespace && d.key.name == name) => {}
                other => other.map_err(|e| format!("{}: {e}", doc.key))?,
            }
        }
    }
    let keep: BTreeSet<&ObjectKey> = docs.iter().map(|d| &d.key).collect();
    let gone: Vec<ObjectKey> =
        owned_objects(registry).remove(file).unwrap_or_default().into_iter().filter(|k| !keep.contains(k)).collect();
    delete_all(registry, &gone).await;
    Ok(docs.len())
}

async fn apply_one(registry: &Registry, doc: &Doc, dry_run: bool) -> Result<(), ApiError> {
    let live = registry.store().get(&doc.key).map(|o| o.to_json());
    let opts = WriteOptions { dry_run, field_validation: FieldValidation::Strict };
    match apply::plan(doc.key.kind.info().name, &doc.value, &doc.key.namespace, live.as_ref()) {
        Ok(Step::Create(body)) => registry.create(doc.key.kind, &doc.key.namespace, body, &opts).await.map(drop),
        Ok(Step::Patch(patch)) => {
            let bytes = serde_json::to_vec(&patch).unwrap_or_default();
            registry.patch(&doc.key, PatchType::Strategic, &bytes, PatchTarget::Main, &opts).await.map(drop)
        }
        Ok(Step::Unchanged) => Ok(()),
        Err(e) => Err(ApiError::BadRequest(e.to_string())),
    }
}
