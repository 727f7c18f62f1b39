//! The Kubernetes-shaped REST API over the registry: the URL grammar, the verbs, watch, logs,
//! discovery, Tables for kubectl, Status errors, bearer-token auth and body limits.

mod discovery;
mod logs;
mod openapi;
pub mod request;
mod resources;
mod response;
mod selectors;
mod watch;

use crate::model::ObjectKey;
use crate::proxy::metrics::Metrics;
use crate::registry::{ApiError, Registry};
use crate::runtime::ContainerRuntime;
use axum::extract::{Request, State};
use axum::response::Response;
use http::{HeaderMap, Method, StatusCode, header};
use request::{Query, Target};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// Largest request body accepted (the apiserver's limit is 3 MiB).
pub const BODY_LIMIT: usize = 3 * 1024 * 1024;

/// What the API serves from.
pub struct ApiState {
    pub registry: Arc<Registry>,
    pub runtime: Arc<dyn ContainerRuntime>,
    pub metrics: Arc<Metrics>,
    /// With a token, every request must carry `Authorization: Bearer <token>`.
    pub token: Option<String>,
    pub server: SocketAddr,
    pub shutdown: CancellationToken,
}

/// Serves the API on `listener` until `shutdown`, then finishes requests in flight.
pub async fn serve(listener: TcpListener, state: Arc<ApiState>, shutdown: CancellationToken) -> std::io::Result<()> {
    let app = axum::Router::new().fallback(dispatch).with_state(state);
    axum::serve(listener, app).with_graceful_shutdown(shutdown.cancelled_owned()).await
}

async fn dispatch(State(state): State<Arc<ApiState>>, req: Request) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let span = tracing::debug_span!("api", %method, %path);
    let _enter = span.enter();
    match handle(&state, req).await {
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
        return Err(ApiError::Unauthorized);
    }
    let target = request::parse(parts.uri.path())?;
    let q = Query::parse(parts.uri.query());
    let body = axum::body::to_bytes(body, BODY_LIMIT).await.map_err(|_| ApiError::TooLarge(BODY_LIMIT))?;
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
        Target::OpenApi(path) => get_only(openapi_response(&path)?),
        Target::Collection { kind, namespace } => {
            resources::collection(state, &parts.method, kind, namespace, &q, &parts.headers, body).await
        }
        Target::Item { kind, namespace, name, sub } => {
            let key = ObjectKey { kind, namespace, name };
            resources::item(state, &parts.method, key, sub, &q, &parts.headers, body).await
        }
    }
}

fn openapi_response(path: &str) -> Result<Response, ApiError> {
    match path {
        "v2" => {
            let mut resp = Response::new(axum::body::Body::from(openapi::v2_protobuf()));
            resp.headers_mut().insert(
                header::CONTENT_TYPE,
                http::HeaderValue::from_static("application/com.github.proto-openapi.spec.v2.v1.0+protobuf"),
            );
            Ok(resp)
        }
        "v3" => Ok(response::json(StatusCode::OK, &openapi::v3_index())),
        other => {
            let doc = other.strip_prefix("v3/").and_then(openapi::v3_document).ok_or(ApiError::UnknownPath)?;
            Ok(response::json(StatusCode::OK, &doc))
        }
    }
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
    let mut out = state.metrics.render();
    out.push_str("# HELP skiff_rollouts_in_progress Deployments whose rollout has not finished.\n");
    out.push_str("# TYPE skiff_rollouts_in_progress gauge\n");
    out.push_str(&format!("skiff_rollouts_in_progress {in_progress}\n"));
    out
}
