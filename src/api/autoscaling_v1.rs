//! autoscaling/v1 HorizontalPodAutoscalers through the autoscaling/v2 storage, as the API
//! server serves one object in two versions: a v1 request body is converted to v2, the request
//! is answered at the v2 path, and the objects in the answer are converted back
//! (`model::hpa::v1`). kubectl 1.30's `autoscale` creates through v1. Patches and watches of
//! v1 are refused with a pointer to v2 (kubectl itself uses v2, the preferred version).

use super::{ApiState, BODY_LIMIT, body};
use crate::model::hpa::v1;
use crate::registry::ApiError;
use axum::body::Body;
use axum::response::Response;
use futures_util::future::BoxFuture;
use http::request::Parts;
use http::{HeaderValue, Method, header};
use serde_json::Value;
use std::sync::Arc;

const V1: &str = "/apis/autoscaling/v1/";
const V2: &str = "/apis/autoscaling/v2/";

/// A path under autoscaling/v1 other than its discovery document.
pub fn serves(path: &str) -> bool {
    path.starts_with(V1)
}

pub fn handle<'a>(state: &'a Arc<ApiState>, mut parts: Parts, body: Body) -> BoxFuture<'a, Result<Response, ApiError>> {
    Box::pin(async move {
        let watching = super::request::Query::parse(parts.uri.query()).flag("watch");
        if parts.method == Method::PATCH || watching {
            return Err(ApiError::MethodNotAllowed(format!(
                "{} of autoscaling/v1 is not supported by skiff; use autoscaling/v2 (horizontalpodautoscalers.v2.autoscaling)",
                if watching { "watch" } else { "patch" }
            )));
        }
        let bytes = axum::body::to_bytes(body, BODY_LIMIT)
            .await
            .map_err(|_| ApiError::TooLarge(format!("limit is {BODY_LIMIT}")))?;
        let request_body = if bytes.is_empty() {
            bytes.to_vec()
        } else {
            let content_type = parts.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
            let sent = body::decode(content_type, &bytes)?;
            // An HPA is converted; anything else (DeleteOptions) is the same in both versions.
            let sent = if sent["kind"] == "HorizontalPodAutoscaler" { v1::to_v2(&sent) } else { sent };
            serde_json::to_vec(&sent).unwrap_or_default()
        };
        parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        parts.headers.remove(header::CONTENT_LENGTH);
        parts.headers.remove(header::TRANSFER_ENCODING);
        let uri = parts.uri.to_string().replacen(V1, V2, 1);
        parts.uri = uri.parse().map_err(|_| ApiError::UnknownPath)?;
        let response = super::handle(state, http::Request::from_parts(parts, Body::from(request_body))).await?;
        as_v1(response).await
    })
}

/// The answer with its HorizontalPodAutoscaler objects in v1; Tables and Status pass as is.
async fn as_v1(response: Response) -> Result<Response, ApiError> {
    let (mut parts, body) = response.into_parts();
    let content_type = parts.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if content_type != "application/json" {
        return Ok(Response::from_parts(parts, body));
    }
    let bytes = axum::body::to_bytes(body, usize::MAX).await.map_err(|e| ApiError::Internal(e.to_string()))?;
    let Ok(mut value) = serde_json::from_slice::<Value>(&bytes) else {
        return Ok(Response::from_parts(parts, Body::from(bytes)));
    };
    match value["kind"].as_str() {
        Some("HorizontalPodAutoscaler") => value = v1::to_v1(&value),
        Some("HorizontalPodAutoscalerList") => {
            value["apiVersion"] = "autoscaling/v1".into();
            for item in value["items"].as_array_mut().into_iter().flatten() {
                *item = v1::to_v1(item);
            }
        }
        _ => {}
    }
    parts.headers.remove(header::CONTENT_LENGTH);
    Ok(Response::from_parts(parts, Body::from(serde_json::to_vec(&value).unwrap_or_default())))
}
