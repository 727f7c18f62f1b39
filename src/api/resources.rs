//! The REST verbs on resources: list, get, create, replace, patch, delete, and the status and
//! scale subresources, each a thin translation to the registry.

use super::request::{Query, Sub};
use super::response::{self, Format};
use super::selectors::Filter;
use super::{ApiState, list_options, watch};
use crate::model::decode::FieldValidation;
use crate::model::{Kind, ObjectKey};
use crate::registry::patch::PatchTarget;
use crate::registry::{ApiError, DeleteOptions, PatchType, Propagation, WriteOptions};
use crate::store::Preconditions;
use axum::response::Response;
use bytes::Bytes;
use http::{HeaderMap, Method, StatusCode, header};
use serde_json::Value;
use std::sync::Arc;

fn write_options(q: &Query) -> Result<WriteOptions, ApiError> {
    let mode = q.get("fieldValidation").unwrap_or("Strict");
    let field_validation = FieldValidation::parse(mode)
        .ok_or_else(|| ApiError::BadRequest(format!("fieldValidation parameter unsupported: {mode}")))?;
    Ok(WriteOptions { dry_run: q.get("dryRun") == Some("All"), field_validation })
}

/// A create, update or delete body as JSON (kubectl 1.33's typed requests are protobuf).
fn json_body(headers: &HeaderMap, body: &Bytes) -> Result<Value, ApiError> {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    super::body::decode(content_type, body)
}

pub async fn collection(
    state: &Arc<ApiState>,
    method: &Method,
    kind: Kind,
    namespace: Option<String>,
    q: &Query,
    headers: &HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    if kind.info().read_only && *method != Method::GET {
        return Err(read_only(kind));
    }
    match *method {
        Method::GET if q.flag("watch") => watch::stream(state, kind, namespace, q, headers),
        Method::GET => list(state, kind, namespace.as_deref(), q, headers),
        Method::POST => {
            let ns = match (kind.info().namespaced, namespace) {
                (true, None) => return Err(ApiError::MethodNotAllowed("create needs a namespace".into())),
                (_, ns) => ns.unwrap_or_default(),
            };
            let w = state.registry.create(kind, &ns, json_body(headers, &body)?, &write_options(q)?).await?;
            Ok(response::warn(response::json(StatusCode::CREATED, &w.object.to_json()), &w.warnings))
        }
        _ => Err(ApiError::MethodNotAllowed(format!(
            "the server does not allow this method on the requested resource: {method}"
        ))),
    }
}

fn list(
    state: &ApiState,
    kind: Kind,
    namespace: Option<&str>,
    q: &Query,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let filter = Filter::from_query(kind, q)?;
    let (objects, rv) = state.registry.store().list(kind, namespace);
    list_options::check_list(q, rv)?;
    let items: Vec<Value> = objects.iter().filter(|o| filter.matches(o)).map(|o| o.to_json()).collect();
    Ok(match response::format(headers, q.get("includeObject")) {
        Format::Table(include) => response::table(kind, &items, include, state.registry.clock().now(), rv),
        Format::Json => response::json(StatusCode::OK, &response::list(kind, items, rv)),
    })
}

pub async fn item(
    state: &Arc<ApiState>,
    method: &Method,
    key: ObjectKey,
    sub: Option<Sub>,
    q: &Query,
    headers: &HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    if key.kind.info().read_only && *method != Method::GET {
        return Err(read_only(key.kind));
    }
    let now = state.registry.clock().now();
    let format = response::format(headers, q.get("includeObject"));
    match (sub, method) {
        (None, &Method::GET) => Ok(response::object(&state.registry.get(&key)?, format, StatusCode::OK, now)),
        (None, &Method::PUT) => {
            let w = state.registry.update(&key, json_body(headers, &body)?, &write_options(q)?).await?;
            Ok(response::warn(response::json(StatusCode::OK, &w.object.to_json()), &w.warnings))
        }
        (None | Some(Sub::Status), &Method::PATCH) => {
            let target = if sub.is_some() { PatchTarget::Status } else { PatchTarget::Main };
            let w = state.registry.patch(&key, patch_type(headers)?, &body, target, &write_options(q)?).await?;
            Ok(response::warn(response::json(StatusCode::OK, &w.object.to_json()), &w.warnings))
        }
        (None, &Method::DELETE) => {
            let deleted = state.registry.delete(&key, &delete_options(q, headers, &body)?).await?;
            Ok(response::json(StatusCode::OK, &deleted.to_json()))
        }
        (Some(Sub::Status), &Method::GET) => {
            Ok(response::object(&state.registry.get(&key)?, Format::Json, StatusCode::OK, now))
        }
        (Some(Sub::Status), &Method::PUT) => {
            let (obj, _) = state.registry.decode(key.kind, json_body(headers, &body)?, FieldValidation::Ignore)?;
            let rv = obj.resource_version();
            let updated = state.registry.update_status_object(obj, (rv > 0).then_some(rv)).await?;
            Ok(response::json(StatusCode::OK, &updated.to_json()))
        }
        (Some(Sub::Scale), &Method::GET) => Ok(response::json(StatusCode::OK, &state.registry.get_scale(&key)?)),
        (Some(Sub::Scale), &Method::PUT | &Method::PATCH) => scale(state, method, &key, q, headers, &body).await,
        (Some(Sub::Log), &Method::GET) => super::logs::stream(state, &key, q).await,
        _ => Err(ApiError::MethodNotAllowed(format!(
            "the server does not allow this method on the requested resource: {method}"
        ))),
    }
}

/// What skiff derives from what it observes (Endpoints, the Node) is not written by clients.
fn read_only(kind: Kind) -> ApiError {
    ApiError::MethodNotAllowed(format!(
        "the server does not allow this method on the requested resource: {} are kept by skiff from what it \
         observes and are read-only",
        kind.qualified_plural()
    ))
}

fn patch_type(headers: &HeaderMap) -> Result<PatchType, ApiError> {
    let ct = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if ct.starts_with("application/apply-patch") {
        return Err(ApiError::UnsupportedMediaType(
            "server-side apply is not supported by skiff; use client-side kubectl apply".into(),
        ));
    }
    PatchType::from_content_type(ct)
}

/// PUT takes a whole Scale (kubectl sends it without a Content-Type); PATCH patches one.
async fn scale(
    state: &ApiState,
    method: &Method,
    key: &ObjectKey,
    q: &Query,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Response, ApiError> {
    let current = state.registry.get_scale(key)?;
    let scale = if method == Method::PUT {
        json_body(headers, body)?
    } else {
        let kind = "Scale";
        crate::registry::patch::apply(kind, &current, patch_type(headers)?, body)?
    };
    let replicas = scale["spec"]["replicas"].as_i64().and_then(|r| i32::try_from(r).ok()).unwrap_or(0);
    let rv = scale["metadata"]["resourceVersion"].as_str().and_then(|r| r.parse().ok());
    let pinned =
        rv.filter(|rv| Some(*rv) != current["metadata"]["resourceVersion"].as_str().and_then(|r| r.parse().ok()));
    let result = state.registry.set_scale(key, replicas, pinned, &write_options(q)?).await?;
    Ok(response::json(StatusCode::OK, &result))
}

/// DeleteOptions from the body (kubectl sends one) and the query.
fn delete_options(q: &Query, headers: &HeaderMap, body: &Bytes) -> Result<DeleteOptions, ApiError> {
    let b: Value = if body.is_empty() { Value::Null } else { json_body(headers, body)? };
    let policy = b["propagationPolicy"].as_str().or(q.get("propagationPolicy"));
    let propagation = match policy {
        None => None,
        Some(p) => Some(
            Propagation::parse(p).ok_or_else(|| ApiError::BadRequest(format!("unknown propagationPolicy {p:?}")))?,
        ),
    };
    let grace = match b["gracePeriodSeconds"].as_i64() {
        Some(g) => Some(g),
        None => q.number("gracePeriodSeconds")?,
    };
    let dry_run =
        q.get("dryRun") == Some("All") || b["dryRun"].as_array().is_some_and(|a| a.iter().any(|v| v == "All"));
    Ok(DeleteOptions {
        propagation,
        grace_period_seconds: grace,
        preconditions: Preconditions {
            uid: b["preconditions"]["uid"].as_str().map(String::from),
            resource_version: b["preconditions"]["resourceVersion"].as_str().and_then(|r| r.parse().ok()),
        },
        dry_run,
    })
}
