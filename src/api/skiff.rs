//! skiff's own endpoints over a Deployment, beyond Kubernetes' API and absent from discovery:
//! `GET …/plan`, the rollout budget and the steps still ahead (`controller::deployment::plan`),
//! and `POST …/rollback`, `rollout undo --to-revision` done on the server
//! (`rollback::undo`), with the body of Kubernetes' old `DeploymentRollback`
//! (`{"rollbackTo": {"revision": N}}`, 0 or none: the previous revision). The dashboard uses
//! them so that the browser computes none of the controller's arithmetic itself.

use super::ApiState;
use super::request::SkiffVerb;
use super::response;
use crate::controller::deployment::plan;
use crate::controller::deployment::rollback::{self, Undo};
use crate::model::{Kind, ObjectKey, meta};
use crate::registry::{ApiError, PatchType, WriteOptions, patch::PatchTarget};
use axum::response::Response;
use bytes::Bytes;
use http::{Method, StatusCode};
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use serde_json::{Value, json};

/// The group and version of these endpoints.
pub const API_VERSION: &str = "skiff.io/v1alpha1";

pub async fn deployment(
    state: &ApiState,
    method: &Method,
    key: ObjectKey,
    verb: SkiffVerb,
    body: Bytes,
) -> Result<Response, ApiError> {
    let d: Deployment =
        state.registry.get_typed(&key.namespace, &key.name).ok_or_else(|| ApiError::not_found(key.kind, &key.name))?;
    let rss: Vec<ReplicaSet> = state.registry.list_controlled_by(&key.namespace, meta::uid(&d.metadata));
    match (verb, method) {
        (SkiffVerb::Plan, &Method::GET) => {
            let planned = plan::plan(&d, &rss, state.registry.clock().now());
            let mut answer = serde_json::to_value(&planned).map_err(|e| ApiError::Internal(e.to_string()))?;
            answer["kind"] = json!("RolloutPlan");
            answer["apiVersion"] = json!(API_VERSION);
            answer["metadata"] = json!({"name": key.name, "namespace": key.namespace,
                "resourceVersion": d.metadata.resource_version, "generation": d.metadata.generation});
            Ok(response::json(StatusCode::OK, &answer))
        }
        (SkiffVerb::Rollback, &Method::POST) => rollback(state, &key, &d, &rss, &body).await,
        _ => Err(ApiError::MethodNotAllowed(format!(
            "the server does not allow this method on the requested resource: {method}"
        ))),
    }
}

async fn rollback(
    state: &ApiState,
    key: &ObjectKey,
    d: &Deployment,
    rss: &[ReplicaSet],
    body: &[u8],
) -> Result<Response, ApiError> {
    let request: Value = if body.is_empty() { Value::Null } else { super::body::decode(None, body)? };
    let revision = match &request["rollbackTo"]["revision"] {
        Value::Null => 0,
        v => v.as_i64().ok_or_else(|| ApiError::BadRequest(format!("rollbackTo.revision: not an integer: {v}")))?,
    };
    let name = &key.name;
    let undone = rollback::undo(d, rss, revision).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let (message, warnings) = match undone {
        Undo::Skipped => (
            format!("deployment.apps/{name} skipped rollback (current template already matches revision {revision})"),
            Vec::new(),
        ),
        Undo::Patch(patch) => {
            let patch = serde_json::to_vec(&patch).map_err(|e| ApiError::Internal(e.to_string()))?;
            let opts = WriteOptions::default();
            let written = state.registry.patch(key, PatchType::Json, &patch, PatchTarget::Main, &opts).await?;
            tracing::info!(deployment = %name, namespace = %key.namespace, revision, "rolled back on request");
            (format!("deployment.apps/{name} rolled back"), written.warnings)
        }
    };
    let status = json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
        "message": message, "code": 200,
        "details": {"name": name, "group": "apps", "kind": Kind::Deployment.info().plural}});
    Ok(response::warn(response::json(StatusCode::OK, &status), &warnings))
}
