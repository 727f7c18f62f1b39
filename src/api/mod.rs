//! The Kubernetes-shaped REST API over the registry: the URL grammar, the verbs, watch, logs,
//! discovery, Tables for kubectl, Status errors, bearer-token auth and body limits. Its
//! connections are managed like every listener's (`conn`).

mod autoscaling_v1;
mod body;
mod discovery;
mod list_options;
mod logs;
pub mod openapi;
mod protobuf;
pub mod request;
pub mod resource_metrics;
mod resources;
mod response;
mod selectors;
pub mod skiff;
mod watch;

use crate::conn::{self, RequestBody};
use crate::model::{Kind, ObjectKey, meta};
use crate::proxy::metrics::Metrics;
use crate::registry::{ApiError, Registry};
use crate::runtime::ContainerRuntime;
use axum::extract::Request;
use axum::response::Response;
use bytes::Bytes;
use http::{HeaderMap, Method, StatusCode, header};
use request::{Query, Target};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, SemaphorePermit};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

/// Largest request body accepted (the apiserver's limit is 3 MiB).
pub const BODY_LIMIT: usize = 3 * 1024 * 1024;
/// Request bodies buffered at once across all API requests, in KiB: past it a request gets
/// 429 with `Retry-After` (kubectl waits and retries), as past the apiserver's in-flight limit.
pub const BODY_MEMORY_KIB: usize = 32 * 1024;

/// What the API serves from.
pub struct ApiState {
    pub registry: Arc<Registry>,
    pub runtime: Arc<dyn ContainerRuntime>,
    pub metrics: Arc<Metrics>,
    /// Pods' CPU, memory and request rate, served as metrics.k8s.io.
    pub resource_metrics: Arc<crate::metrics::MetricsStore>,
    /// With a token, every request must carry `Authorization: Bearer <token>`.
    pub token: Option<String>,
    pub server: SocketAddr,
    pub shutdown: CancellationToken,
    /// Tickets for `BODY_MEMORY_KIB` of request bodies.
    pub bodies: Semaphore,
}

/// Serves the API on `listener` until `shutdown`, then finishes requests in flight.
pub async fn serve(listener: TcpListener, config: conn::Listener, state: Arc<ApiState>, shutdown: CancellationToken) {
    let handler =
        move |_client, req: http::Request<RequestBody>| dispatch(state.clone(), req.map(axum::body::Body::new));
    conn::serve(listener, config, handler, shutdown).await;
}

/// The answer to a request line over `limit` bytes: a Status, as for every API error.
pub fn uri_too_long(limit: usize) -> Bytes {
    let body = serde_json::to_vec(&ApiError::UriTooLong(limit).to_status()).unwrap_or_default();
    let head = format!(
        "HTTP/1.1 414 URI Too Long\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    Bytes::from([head.as_bytes(), &body].concat())
}

async fn dispatch(state: Arc<ApiState>, req: Request) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let span = tracing::debug_span!("api", %method, %path);
    match handle(&state, req).instrument(span).await {
        Ok(resp) => resp,
        Err(e) => {
            tracing::debug!(%method, %path, error = %e, "request failed");
            response::error(&e)
        }
    }
}

fn authorized(state: &ApiState, headers: &HeaderMap) -> bool {
    let Some(token) = &state.token else {
        return true;
    };
    let presented =
        headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    presented.is_some_and(|p| constant_time_eq(p.as_bytes(), token.as_bytes()))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn handle(state: &Arc<ApiState>, req: Request) -> Result<Response, ApiError> {
    let (parts, body) = req.into_parts();
    if !authorized(state, &parts.headers) {
        return crate::ui::unauthorized(parts.uri.path()).ok_or(ApiError::Unauthorized);
    }
    if autoscaling_v1::serves(parts.uri.path()) {
        return Box::pin(autoscaling_v1::handle(state, parts, body)).await;
    }
    let target = request::parse(parts.uri.path())?;
    let q = Query::parse(parts.uri.query());
    let _buffered = reserve_body(state, &parts.headers)?;
    let body = axum::body::to_bytes(body, BODY_LIMIT)
        .await
        .map_err(|_| ApiError::TooLarge(format!("limit is {BODY_LIMIT}")))?;
    let get_only = |resp: Response| {
        if parts.method == Method::GET {
            Ok(resp)
        } else {
            Err(ApiError::MethodNotAllowed(format!("{} is not allowed here", parts.method)))
        }
    };
    match target {
        Target::Version => get_only(response::json(StatusCode::OK, &crate::version::info())),
        Target::Health => get_only(response::text(StatusCode::OK, "ok".into())),
        Target::Metrics => get_only(response::text(StatusCode::OK, metrics(state))),
        Target::Discovery(path) => get_only(response::json(StatusCode::OK, &discovery::document(&path, state.server))),
        Target::OpenApi(path) => get_only(openapi::response(&path, &q, &parts.headers)?),
        Target::Collection { kind, namespace } => {
            resources::collection(state, &parts.method, kind, namespace, &q, &parts.headers, body).await
        }
        Target::Item { kind, namespace, name, sub } => {
            let key = ObjectKey { kind, namespace, name };
            resources::item(state, &parts.method, key, sub, &q, &parts.headers, body).await
        }
        Target::Skiff { namespace, name, verb } => {
            let key = ObjectKey { kind: Kind::Deployment, namespace, name };
            skiff::deployment(state, &parts.method, key, verb, body).await
        }
        Target::Ui(path) => get_only(crate::ui::serve(&path).ok_or(ApiError::UnknownPath)?),
        Target::ResourceMetrics(path) => {
            get_only(response::json(StatusCode::OK, &resource_metrics::get(state, path, q.get("labelSelector"))?))
        }
    }
}

/// Room for the request's body among all bodies being read, if it has one: what its
/// Content-Length says (over the limit: 413 at once), or the limit when it is chunked.
fn reserve_body<'a>(state: &'a ApiState, headers: &HeaderMap) -> Result<Option<SemaphorePermit<'a>>, ApiError> {
    let declared: Option<usize> =
        headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse().ok());
    if declared.is_some_and(|n| n > BODY_LIMIT) {
        return Err(ApiError::TooLarge(format!("limit is {BODY_LIMIT}")));
    }
    let has_body = declared.map_or_else(|| headers.contains_key(header::TRANSFER_ENCODING), |n| n > 0);
    if !has_body {
        return Ok(None);
    }
    let kib = u32::try_from(declared.unwrap_or(BODY_LIMIT).div_ceil(1024)).unwrap_or(u32::MAX);
    state.bodies.try_acquire_many(kib).map(Some).map_err(|_| ApiError::TooManyRequests)
}

/// The proxy's metrics plus how many rollouts are in progress.
fn metrics(state: &ApiState) -> String {
    let deployments = state.registry.list_typed::<k8s_openapi::api::apps::v1::Deployment>(None);
    let in_progress = deployments
        .iter()
        .filter(|d| {
            let status = d.status.clone().unwrap_or_default();
            let replicas = d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
            status.updated_replicas.unwrap_or(0) != replicas
                || status.replicas.unwrap_or(0) != replicas
                || status.available_replicas.unwrap_or(0) != replicas
                || status.observed_generation < d.metadata.generation
        })
        .count();
    let revision_of = |service: &str, hash: &str| {
        let namespace = service.split('/').next().unwrap_or_default();
        state
            .registry
            .list_typed::<k8s_openapi::api::apps::v1::ReplicaSet>(Some(namespace))
            .into_iter()
            .find(|rs| meta::labels(&rs.metadata).get(meta::POD_TEMPLATE_HASH).map(String::as_str) == Some(hash))
            .map(|rs| meta::revision(&rs.metadata))
    };
    let mut out = state.metrics.render(&revision_of);
    out.push_str("# HELP skiff_rollouts_in_progress Deployments whose rollout has not finished.\n");
    out.push_str("# TYPE skiff_rollouts_in_progress gauge\n");
    out.push_str(&format!("skiff_rollouts_in_progress {in_progress}\n"));
    out
}
