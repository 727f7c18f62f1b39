//! `pods/{name}/log`: a container's output from the engine, with kubectl's options (container,
//! follow, tailLines, timestamps, previous, sinceSeconds, limitBytes).

use super::ApiState;
use super::request::Query;
use crate::model::{KubeObject, ObjectKey};
use crate::registry::ApiError;
use crate::runtime::LogOptions;
use axum::body::Body;
use axum::response::Response;
use futures_util::StreamExt;
use http::{HeaderValue, header};
use k8s_openapi::api::core::v1::Pod;

pub async fn stream(state: &ApiState, key: &ObjectKey, q: &Query) -> Result<Response, ApiError> {
    let obj = state.registry.get(key)?;
    let pod = Pod::from_object(&obj).ok_or_else(|| ApiError::not_found(key.kind, &key.name))?;
    let names: Vec<String> = pod.spec.iter().flat_map(|s| s.containers.iter().map(|c| c.name.clone())).collect();
    let container = match q.get("container") {
        Some(c) if names.iter().any(|n| n == c) => c.to_string(),
        Some(c) => {
            return Err(ApiError::BadRequest(format!("container {c} is not valid for pod {}", key.name)));
        }
        None if names.len() == 1 => names[0].clone(),
        None => {
            return Err(ApiError::BadRequest(format!(
                "a container name must be specified for pod {}, choose one of: [{}]",
                key.name,
                names.join(" ")
            )));
        }
    };
    let statuses = pod.status.as_ref().and_then(|s| s.container_statuses.clone()).unwrap_or_default();
    let status = statuses.iter().find(|s| s.name == container);
    let previous = q.flag("previous");
    let id = if previous {
        status.and_then(|s| s.last_state.as_ref()?.terminated.as_ref()?.container_id.clone()).ok_or_else(|| {
            ApiError::BadRequest(format!("previous terminated container {container:?} in pod {:?} not found", key.name))
        })?
    } else {
        status.and_then(|s| s.container_id.clone()).ok_or_else(|| {
            let reason = status
                .and_then(|s| s.state.as_ref()?.waiting.as_ref()?.reason.clone())
                .unwrap_or_else(|| "ContainerCreating".into());
            ApiError::BadRequest(format!("container {container:?} in pod {:?} is waiting to start: {reason}", key.name))
        })?
    };
    let id = id.trim_start_matches("docker://").to_string();
    let since = q.number::<i64>("sinceSeconds")?.map(|s| state.registry.clock().now().as_second() - s);
    let options =
        LogOptions { follow: q.flag("follow"), tail: q.number("tailLines")?, timestamps: q.flag("timestamps"), since };
    let limit = q.number::<usize>("limitBytes")?;
    let mut sent = 0usize;
    let logs = state.runtime.logs(&id, &options).map(move |chunk| {
        chunk.map(|mut bytes| {
            if let Some(limit) = limit {
                bytes.truncate(limit.saturating_sub(sent));
            }
            sent += bytes.len();
            bytes
        })
    });
    let logs = logs.take_while(move |c| {
        let more = !matches!(c, Ok(b) if b.is_empty() && limit.is_some());
        async move { more }
    });
    let mut resp = Response::new(Body::from_stream(logs));
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    Ok(resp)
}
