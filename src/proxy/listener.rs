//! One Service port's listening socket and what each proxy worker does with it: nothing is
//! accepted before the proxy knows the pods the daemon started with (connections wait in the
//! listen backlog, not on 503s); then the worker accepts through `conn`, with its share of the
//! port's connection cap, and relays each connection's requests to the pods.

use super::forward::{Forwarder, Route};
use super::relay;
use crate::conn;
use bytes::Bytes;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

/// When a listener may accept, and its own stop.
#[derive(Clone)]
pub struct Gates {
    /// True once the endpoints the daemon started with are known.
    pub accepting: watch::Receiver<bool>,
    pub stop: CancellationToken,
}

/// The answer to a request line over the limit.
pub fn uri_too_long(limit: usize) -> Bytes {
    let body = format!("414 URI Too Long: the request line is longer than {limit} bytes\n");
    Bytes::from(format!(
        "HTTP/1.1 414 URI Too Long\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    ))
}

/// Serves `route` on `listener` until `gates.stop`.
pub async fn serve(
    listener: TcpListener,
    route: Arc<Route>,
    forwarder: Arc<Forwarder>,
    config: conn::Listener,
    gates: Gates,
) {
    let Gates { mut accepting, stop } = gates;
    tokio::select! {
        _ = stop.cancelled() => return,
        // An error means the proxy is gone; the stop follows.
        _ = accepting.wait_for(|open| *open) => {}
    }
    let serve_one = move |accepted| relay::serve(accepted, route.clone(), forwarder.clone());
    conn::accept(listener, config, serve_one, stop).await;
}
