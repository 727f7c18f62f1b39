//! `?watch=true`: a newline-delimited stream of ADDED/MODIFIED/DELETED events in
//! resourceVersion order, resumable from a resourceVersion (410 Expired when that is too old),
//! filtered by namespace and selectors (an object that stops matching is DELETED for the
//! watcher, one that starts matching ADDED), as JSON or one-row Tables.

use super::ApiState;
use super::request::Query;
use super::response::Format;
use super::selectors::Filter;
use crate::model::{Kind, Object};
use crate::printers::table::{self, IncludeObject, TableKind};
use crate::registry::ApiError;
use crate::store::{EventType, WatchEvent};
use axum::body::Body;
use axum::response::Response;
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

/// Events waiting for a watcher's connection.
const BUFFER: usize = 16;
/// A watcher that takes no event for this long is closed (it must list again), as the
/// apiserver closes unresponsive watchers, so that no one can make the daemon hold history.
const UNRESPONSIVE: Duration = Duration::from_secs(10);

type Lines = mpsc::Sender<Result<Bytes, std::convert::Infallible>>;

/// Hands `line` to the watcher; false if it is gone or stopped reading.
async fn deliver(tx: &Lines, line: Bytes) -> bool {
    matches!(tokio::time::timeout(UNRESPONSIVE, tx.send(Ok(line))).await, Ok(Ok(())))
}

struct Watcher {
    kind: Kind,
    namespace: Option<String>,
    filter: Filter,
    format: Format,
}

impl Watcher {
    fn in_scope(&self, obj: &Object) -> bool {
        obj.kind() == self.kind
            && self.namespace.as_deref().is_none_or(|ns| obj.meta().namespace.as_deref() == Some(ns))
    }

    /// The event this watcher sees, if any: selectors are judged on the object before and
    /// after the change.
    fn translate(&self, e: &WatchEvent) -> Option<(&'static str, Arc<Object>)> {
        if !self.in_scope(&e.object) {
            return None;
        }
        let now = self.filter.matches(&e.object);
        let was = e.previous.as_deref().is_some_and(|p| self.filter.matches(p));
        let kind = match (e.event_type, was, now) {
            (EventType::Added, _, true) => "ADDED",
            (EventType::Deleted, _, true) => "DELETED",
            (EventType::Modified, true, true) => "MODIFIED",
            (EventType::Modified, false, true) => "ADDED",
            (EventType::Modified, true, false) => "DELETED",
            _ => return None,
        };
        Some((kind, e.object.clone()))
    }

    fn line(&self, event_type: &str, obj: &Object, now: jiff::Timestamp) -> Bytes {
        let object = match self.format {
            Format::Json => obj.to_json(),
            Format::Table(include) => table_row(obj, include, now),
        };
        let mut line = serde_json::to_vec(&json!({"type": event_type, "object": object})).unwrap_or_default();
        line.push(b'\n');
        Bytes::from(line)
    }
}

fn table_row(obj: &Object, include: IncludeObject, now: jiff::Timestamp) -> Value {
    table::table_for(TableKind::from(obj.kind()), &[obj.to_json()], now, include, &obj.resource_version().to_string())
}

fn expired(requested: u64, oldest: u64) -> Bytes {
    let status = ApiError::Expired { requested, oldest }.to_status();
    let mut line = serde_json::to_vec(&json!({"type": "ERROR", "object": status})).unwrap_or_default();
    line.push(b'\n');
    Bytes::from(line)
}

pub fn stream(
    state: &Arc<ApiState>,
    kind: Kind,
    namespace: Option<String>,
    q: &Query,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let filter = Filter::from_query(kind, q)?;
    let format = super::response::format(headers, q.get("includeObject"));
    let timeout = q.number::<u64>("timeoutSeconds")?.map(Duration::from_secs);
    let from = super::list_options::resource_version(q)?;
    let store = state.registry.store().clone();
    let (current, current_rv) = store.list(kind, namespace.as_deref());
    let w = Watcher { kind, namespace, filter, format };
    let (tx, rx) = mpsc::channel(BUFFER);
    let now = state.registry.clock().now();
    let mut first: Vec<Bytes> = Vec::new();
    let subscription = match from {
        None => {
            // "Start at most recent": the current state as ADDED events, then changes.
            for obj in current.iter().filter(|o| w.filter.matches(o)) {
                first.push(w.line("ADDED", obj, now));
            }
            store.watch(Some(current_rv)).ok()
        }
        Some(rv) => match store.watch(Some(rv)) {
            Ok(sub) => Some(sub),
            Err(_) => {
                first.push(expired(rv, current_rv));
                None
            }
        },
    };
    let shutdown = state.shutdown.clone();
    let clock = *state.registry.clock();
    tokio::spawn(async move {
        for line in first {
            if !deliver(&tx, line).await {
                return;
            }
        }
        let Some(mut sub) = subscription else { return };
        let deadline = timeout.map(|t| tokio::time::Instant::now() + t);
        let backlog = std::mem::take(&mut sub.backlog);
        for e in &backlog {
            if let Some((t, obj)) = w.translate(e)
                && !deliver(&tx, w.line(t, &obj, clock.now())).await
            {
                return;
            }
        }
        loop {
            let next = tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tx.closed() => return,
                _ = sleep_until(deadline) => return,
                next = sub.receiver.recv() => next,
            };
            let line = match next {
                Ok(e) => match w.translate(&e) {
                    Some((t, obj)) => w.line(t, &obj, clock.now()),
                    None => continue,
                },
                Err(RecvError::Lagged(_)) => {
                    // Too far behind to resume: the client must list again.
                    let _ = tx.send(Ok(expired(0, 0))).await;
                    return;
                }
                Err(RecvError::Closed) => return,
            };
            if !deliver(&tx, line).await {
                return;
            }
        }
    });
    let mut resp = Response::new(Body::from_stream(ReceiverStream::new(rx)));
    *resp.status_mut() = StatusCode::OK;
    let content_type = match format {
        Format::Json => "application/json",
        Format::Table(_) => "application/json;as=Table;v=v1;g=meta.k8s.io",
    };
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    Ok(resp)
}

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}
