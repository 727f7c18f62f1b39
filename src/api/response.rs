//! Building responses: JSON objects, Kubernetes Status errors, Tables when kubectl asks for
//! them, and `Warning` headers.

use crate::model::{Kind, Object};
use crate::printers::table::{self, IncludeObject, TableKind};
use crate::registry::ApiError;
use axum::body::Body;
use axum::response::Response;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use serde_json::Value;
use std::sync::Arc;

pub fn json(status: StatusCode, value: &Value) -> Response {
    let body = serde_json::to_vec(value).unwrap_or_default();
    with_type(status, body, "application/json")
}

fn with_type(status: StatusCode, body: Vec<u8>, content_type: &'static str) -> Response {
    let mut resp = Response::new(Body::from(body));
    *resp.status_mut() = status;
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    resp
}

pub fn text(status: StatusCode, body: String) -> Response {
    with_type(status, body.into_bytes(), "text/plain; charset=utf-8")
}

pub fn error(e: &ApiError) -> Response {
    let (code, _) = e.code_and_reason();
    let mut resp = json(StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), &e.to_status());
    if matches!(e, ApiError::TooManyRequests | ApiError::Timeout(_)) {
        resp.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    }
    resp
}

/// Adds one `Warning: 299 - "…"` header per warning, as the apiserver does.
pub fn warn(mut resp: Response, warnings: &[String]) -> Response {
    for w in warnings {
        if let Ok(v) = HeaderValue::from_str(&format!("299 - {w:?}")) {
            resp.headers_mut().append(header::WARNING, v);
        }
    }
    resp
}

/// What the client asked the body to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Json,
    Table(IncludeObject),
}

pub fn format(headers: &HeaderMap, include_object: Option<&str>) -> Format {
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if !accept.contains("as=Table") {
        return Format::Json;
    }
    Format::Table(match include_object {
        Some("Object") => IncludeObject::Object,
        Some("None") => IncludeObject::None,
        _ => IncludeObject::Metadata,
    })
}

/// A Table of `items` (JSON of the kind), as `meta.k8s.io/v1`.
pub fn table(kind: Kind, items: &[Value], include: IncludeObject, now: jiff::Timestamp, rv: u64) -> Response {
    let t = table::table_for(TableKind::from(kind), items, now, include, &rv.to_string());
    let body = serde_json::to_vec(&t).unwrap_or_default();
    with_type(StatusCode::OK, body, "application/json;as=Table;v=v1;g=meta.k8s.io")
}

/// `{"kind":"DeploymentList","apiVersion":"apps/v1","metadata":{"resourceVersion":"N"},"items":[…]}`.
pub fn list(kind: Kind, items: Vec<Value>, rv: u64) -> Value {
    serde_json::json!({
        "kind": format!("{}List", kind.info().name),
        "apiVersion": kind.api_version(),
        "metadata": {"resourceVersion": rv.to_string()},
        "items": items,
    })
}

/// One object in the requested format.
pub fn object(obj: &Arc<Object>, format: Format, status: StatusCode, now: jiff::Timestamp) -> Response {
    match format {
        Format::Json => json(status, &obj.to_json()),
        Format::Table(include) => table(obj.kind(), &[obj.to_json()], include, now, obj.resource_version()),
    }
}
