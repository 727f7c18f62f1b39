//! Accepting connections for one Service port: HTTP/1.1 with keep-alive and upgrades, a
//! deadline for request headers (which also closes idle keep-alive connections), a cap on
//! header size, and a daemon-wide cap on open connections.

use super::forward::{Forwarder, Route};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

#[derive(Clone, Debug)]
pub struct Limits {
    /// A client must send a complete request head within this time; an idle keep-alive
    /// connection is closed after it.
    pub header_timeout: Duration,
    /// Request heads larger than this get 431.
    pub max_header_bytes: usize,
    /// Open client connections across all Services.
    pub max_connections: usize,
    /// Response headers must arrive from the pod within this time (else 504).
    pub response_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_timeout: Duration::from_secs(20),
            max_header_bytes: 32 * 1024,
            max_connections: 4096,
            response_timeout: Duration::from_secs(60),
        }
    }
}

/// What every listener of the proxy shares: when it may accept, how many connections may be
/// open, and its own stop.
#[derive(Clone)]
pub struct Gates {
    /// Open client connections across all Services.
    pub permits: Arc<Semaphore>,
    /// True once the endpoints the daemon started with are known.
    pub accepting: watch::Receiver<bool>,
    pub stop: CancellationToken,
}

/// Serves `route` on `listener` until `stop`; then open connections finish their current
/// request (bounded) and close. Nothing is accepted before the proxy is `accepting`: until
/// then connections wait in the listen backlog.
pub async fn serve(listener: TcpListener, route: Arc<Route>, forwarder: Arc<Forwarder>, limits: Limits, gates: Gates) {
    let Gates { permits, mut accepting, stop } = gates;
    tokio::select! {
        _ = stop.cancelled() => return,
        // An error means the proxy is gone; the stop follows.
        _ = accepting.wait_for(|open| *open) => {}
    }
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = stop.cancelled() => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept() => {
                let (stream, client) = match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let Ok(permit) = permits.clone().try_acquire_owned() else {
                    tracing::warn!(%client, "connection limit reached; refusing a connection");
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let (route, forwarder, limits, stop) = (route.clone(), forwarder.clone(), limits.clone(), stop.clone());
                connections.spawn(async move {
                    let service = service_fn(move |req| {
                        let (route, forwarder) = (route.clone(), forwarder.clone());
                        async move { Ok::<_, Infallible>(forwarder.handle(&route, client, req).await) }
                    });
                    let conn = http1::Builder::new()
                        .timer(TokioTimer::new())
                        .header_read_timeout(limits.header_timeout)
                        .max_buf_size(limits.max_header_bytes.max(8192))
                        .serve_connection(TokioIo::new(stream), service)
                        .with_upgrades();
                    tokio::pin!(conn);
                    tokio::select! {
                        result = conn.as_mut() => {
                            if let Err(e) = result { tracing::debug!(%client, error = %e, "client connection ended"); }
                        }
                        _ = stop.cancelled() => {
                            conn.as_mut().graceful_shutdown();
                            let _ = tokio::time::timeout(Duration::from_secs(10), conn).await;
                        }
                    }
                    drop(permit);
                });
            }
        }
    }
    while connections.join_next().await.is_some() {}
}
