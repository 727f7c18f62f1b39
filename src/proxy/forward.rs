//! One proxied request: choose a ready backend, rewrite headers, stream the body to the pod
//! over a pooled keep-alive connection and the answer back, retry once on another pod when
//! nothing reached the first, pass protocol upgrades through, and count the request in flight
//! until its response body ends.

use super::backends::{Backend, InFlightGuard, Snapshot};
use super::balancer::{self, Affinity};
use super::dial::{Dialer, NamespaceDialer};
use super::errors::ProxyError;
use super::headers;
use super::metrics::Histogram;
use super::outbound::{self, Leftover, Outbound};
use super::pool::Pool;
use super::version_affinity;
use crate::conn::RequestBody;
use bytes::Bytes;
use http::{Method, Request, Response};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Empty, Full};
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::time::Instant;

/// HTTP/2 receive window per request to an h2c pod.
const H2C_STREAM_WINDOW: u32 = 1 << 20;

pub use crate::conn::BoxError;
pub type ProxyBody = BoxBody<Bytes, BoxError>;

/// The protocol spoken to a Service port's pods: HTTP/1.1, or HTTP/2 with prior knowledge
/// when the port declares `appProtocol: kubernetes.io/h2c` (Kubernetes' standard name for it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Upstream {
    Http1,
    H2c,
}

impl Upstream {
    pub fn of(app_protocol: Option<&str>) -> Upstream {
        match app_protocol {
            Some("kubernetes.io/h2c") => Upstream::H2c,
            _ => Upstream::Http1,
        }
    }
}

/// One Service port: its backends and how to choose among them.
pub struct Route {
    pub service: String,
    pub upstream: Upstream,
    pub snapshot: Snapshot,
    pub cursor: AtomicUsize,
    pub affinity: Option<Affinity>,
    /// `skiff.io/version-affinity: "revision"` (see `version_affinity`).
    pub version_affinity: bool,
    pub latency: Arc<Histogram>,
}

/// A chosen pod with its in-flight place taken, and the revision to pin the client to when
/// the answer has to set the version cookie.
pub(super) struct Chosen {
    pub backend: Arc<Backend>,
    pub guard: InFlightGuard,
    pub pin: Option<Arc<str>>,
}

impl Route {
    /// A backend with its in-flight place taken; draining pods are skipped. `pin` is the
    /// revision the client's cookie names, on a version-affine Service.
    pub(super) fn choose(&self, client: IpAddr, exclude: Option<&str>, pin: Option<&str>) -> Option<Chosen> {
        let snapshot = self.snapshot.load();
        for _ in 0..snapshot.list.len().max(1) {
            // Again on each try: the pod picked last may have started draining meanwhile.
            let route = match self.version_affinity {
                true => version_affinity::route(pin, &snapshot.list, &snapshot.revisions),
                false => version_affinity::Route::Anyone,
            };
            let picked = match (&route, &self.affinity) {
                (version_affinity::Route::Stay(r) | version_affinity::Route::Move { to: r, .. }, _) => {
                    version_affinity::pick(&snapshot.list, r, &self.cursor, exclude)
                }
                (_, Some(a)) => a.pick(client, &snapshot.list, &self.cursor, exclude, Instant::now()),
                (_, None) => balancer::round_robin(&snapshot.list, &self.cursor, exclude),
            }?;
            let Some(guard) = picked.enter() else { continue };
            let pin = self.version_affinity.then(|| pin_after(&route, picked, &snapshot.revisions)).flatten();
            return Some(Chosen { backend: picked.clone(), guard, pin });
        }
        None
    }
}

/// The revision a version-affine answer pins its client to, counting the pin: a new client's
/// first revision, or the one it moves to.
fn pin_after(
    route: &version_affinity::Route<'_>,
    picked: &Backend,
    revisions: &[version_affinity::Revision],
) -> Option<Arc<str>> {
    match route {
        version_affinity::Route::Stay(_) => return None,
        version_affinity::Route::Move { from, .. } => {
            if let Some(old) = version_affinity::stats_of(revisions, from) {
                old.pinned.fetch_sub(1, Ordering::Relaxed);
            }
        }
        version_affinity::Route::Anyone if picked.revision.is_empty() => return None,
        version_affinity::Route::Anyone => {}
    }
    picked.revision_stats.pinned.fetch_add(1, Ordering::Relaxed);
    Some(picked.revision.clone())
}

/// The client side: pooled keep-alive HTTP/1.1 connections to every pod, and one multiplexed
/// HTTP/2 connection per h2c pod.
pub struct Forwarder {
    http1: Client<Dialer, Outbound>,
    h2c: Client<Dialer, Outbound>,
    /// How `relay` reaches pods, and its idle connections to them.
    pub(super) dialer: Dialer,
    pub(super) idle: Pool,
    pub(super) response_timeout: Duration,
}

impl Forwarder {
    pub fn new(response_timeout: Duration, namespaces: Option<NamespaceDialer>) -> Forwarder {
        let connector = Dialer::new(namespaces, Duration::from_secs(2));
        let client = |h2c: bool| {
            Client::builder(TokioExecutor::new())
                .pool_idle_timeout(Duration::from_secs(60))
                .pool_max_idle_per_host(256)
                .http2_only(h2c)
                // Windows wider than the 64 KiB default, so large answers are not throttled
                // (fixed, not adaptive: adaptive windows cost a ping now and then).
                .http2_initial_stream_window_size(H2C_STREAM_WINDOW)
                .http2_initial_connection_window_size(4 * H2C_STREAM_WINDOW)
                .build(connector.clone())
        };
        Forwarder {
            http1: client(false),
            h2c: client(true),
            dialer: connector,
            idle: Pool::default(),
            response_timeout,
        }
    }

    /// Upgrades (WebSocket) always go over HTTP/1.1: HTTP/2 has no `Upgrade`.
    fn client(&self, upstream: Upstream, upgrade: bool) -> &Client<Dialer, Outbound> {
        match upstream {
            Upstream::H2c if !upgrade => &self.h2c,
            _ => &self.http1,
        }
    }

    pub async fn handle(
        &self,
        route: &Route,
        client: SocketAddr,
        mut req: Request<RequestBody>,
    ) -> Response<ProxyBody> {
        let started = Instant::now();
        let upgrade = headers::is_upgrade(req.headers());
        let client_upgrade = upgrade.then(|| hyper::upgrade::on(&mut req));
        let (mut parts, body) = req.into_parts();
        headers::strip_hop_by_hop(&mut parts.headers, upgrade);
        headers::add_forwarded(&mut parts.headers, client.ip());
        let outcome = self.send(route, client.ip(), &parts, body, upgrade).await;
        route.latency.observe(started.elapsed());
        match outcome {
            Ok((resp, chosen)) => respond(resp, chosen, client_upgrade),
            Err(e) => {
                tracing::debug!(service = %route.service, error = ?e, "proxy error");
                error_response(&e)
            }
        }
    }

    /// Sends the request to a ready pod. When the connection to it failed before anything was
    /// sent (refused: nothing reached the app), any request goes to another pod once, its body
    /// handed back untouched; an idempotent body-less request also goes when the pod failed
    /// without answering (through Docker's userland proxy a dead pod accepts the connection
    /// and then closes it).
    async fn send(
        &self,
        route: &Route,
        client: IpAddr,
        parts: &http::request::Parts,
        body: RequestBody,
        upgrade: bool,
    ) -> Result<(Response<Incoming>, Chosen), ProxyError> {
        let pin = route.version_affinity.then(|| version_affinity::pinned(&parts.headers)).flatten();
        let safe = idempotent(&parts.method) && !upgrade;
        let mut body = (!body.is_end_stream()).then_some(body);
        let body_less = body.is_none();
        // The pod tried first and how it failed.
        let mut failed_first: Option<(String, ProxyError)> = None;
        let pods = self.client(route.upstream, upgrade);
        loop {
            let excluded = failed_first.as_ref().map(|(uid, _)| uid.as_str());
            let Some(chosen) = route.choose(client, excluded, pin) else {
                // With no other pod to retry on, the first pod's failure is the answer.
                return Err(
                    failed_first.map_or_else(|| ProxyError::NoEndpoints { service: route.service.clone() }, |(_, e)| e)
                );
            };
            let backend = &chosen.backend;
            let (out_body, returned) = outbound::body(body.take());
            let request = outbound::request(parts, &backend.authority, out_body).ok_or(ProxyError::BadTarget)?;
            let e = match tokio::time::timeout(self.response_timeout, pods.request(request)).await {
                Err(_) => {
                    return Err(ProxyError::Timeout { pod: backend.pod_name.clone(), after: self.response_timeout });
                }
                Ok(Ok(resp)) => return Ok((resp, chosen)),
                Ok(Err(e)) => e,
            };
            match returned.map(|mut back| back.try_recv()) {
                Some(Ok(Leftover::Broken)) => return Err(ProxyError::ClientBody { reason: reason(&e) }),
                Some(Ok(Leftover::Unsent(unsent))) => body = Some(unsent),
                _ => {}
            }
            tracing::debug!(pod = %backend.pod_name, target = ?backend.target, error = %e, "no answer from the pod");
            let error = if e.is_connect() {
                ProxyError::Connect { pod: backend.pod_name.clone(), reason: reason(&e) }
            } else {
                ProxyError::Upstream { pod: backend.pod_name.clone(), reason: reason(&e) }
            };
            let retry = (e.is_connect() && (body_less || body.is_some())) || (safe && body_less);
            if !retry || failed_first.is_some() {
                return Err(error);
            }
            failed_first = Some((backend.pod_uid.clone(), error));
        }
    }
}

fn idempotent(m: &Method) -> bool {
    matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS | Method::PUT | Method::DELETE | Method::TRACE)
}

/// What went wrong, in words that name no address: the innermost cause, as its I/O error
/// kind when it is one ("connection refused").
fn reason(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    match cause.downcast_ref::<std::io::Error>() {
        Some(io) => io.kind().to_string(),
        None => cause.to_string(),
    }
}

fn respond(
    resp: Response<Incoming>,
    chosen: Chosen,
    client_upgrade: Option<hyper::upgrade::OnUpgrade>,
) -> Response<ProxyBody> {
    let Chosen { backend, guard, pin } = chosen;
    backend.stats.record(resp.status().as_u16());
    backend.revision_stats.requests.fetch_add(1, Ordering::Relaxed);
    let mut resp = resp;
    if let Some(cookie) =
        pin.and_then(|revision| http::HeaderValue::try_from(version_affinity::set_cookie(&revision)).ok())
    {
        resp.headers_mut().append(http::header::SET_COOKIE, cookie);
    }
    if resp.status() == http::StatusCode::SWITCHING_PROTOCOLS
        && let Some(client_side) = client_upgrade
    {
        let pod_side = hyper::upgrade::on(&mut resp);
        tokio::spawn(tunnel(client_side, pod_side, guard));
        let (parts, _) = resp.into_parts();
        return Response::from_parts(parts, Empty::new().map_err(|never| match never {}).boxed());
    }
    let (mut parts, body) = resp.into_parts();
    headers::strip_hop_by_hop(&mut parts.headers, false);
    Response::from_parts(parts, Guarded { inner: body, _guard: guard }.map_err(BoxError::from).boxed())
}

/// Copies bytes both ways between the upgraded client and pod connections.
async fn tunnel(client: hyper::upgrade::OnUpgrade, pod: hyper::upgrade::OnUpgrade, _guard: InFlightGuard) {
    match tokio::try_join!(client, pod) {
        Ok((c, p)) => {
            let (mut c, mut p) = (TokioIo::new(c), TokioIo::new(p));
            if let Err(e) = tokio::io::copy_bidirectional(&mut c, &mut p).await {
                tracing::debug!(error = %e, "upgraded connection ended");
            }
        }
        Err(e) => tracing::debug!(error = %e, "protocol upgrade failed"),
    }
}

pub fn error_response(e: &ProxyError) -> Response<ProxyBody> {
    let mut resp = Response::new(Full::new(Bytes::from(e.body())).map_err(|never| match never {}).boxed());
    *resp.status_mut() = e.status();
    resp.headers_mut().insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("text/plain; charset=utf-8"));
    resp
}

/// A response body that keeps its request counted in flight until it has been sent.
struct Guarded {
    inner: Incoming,
    _guard: InFlightGuard,
}

impl Body for Guarded {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_kubernetes_h2c_app_protocol_selects_http2() {
        assert_eq!(Upstream::of(Some("kubernetes.io/h2c")), Upstream::H2c);
        for other in [None, Some("http"), Some("kubernetes.io/ws"), Some("h2c"), Some("kubernetes.io/wss")] {
            assert_eq!(Upstream::of(other), Upstream::Http1, "{other:?}");
        }
    }
}
