//! The proxy's HTTP/1.1 path, the way nginx proxies rather than through hyper's server and
//! client: each request head is parsed in place, rewritten for the pod and written to a pooled
//! keep-alive connection in one piece, and the answer is relayed as it arrives with its framing
//! passed through. It keeps the forwarder's rules: which pod (`Route::choose`), one retry on
//! another pod when nothing reached the first (or a safe, body-less request got no answer),
//! the response timeout, the proxy's own error answers, the version cookie, in-flight counts.
//! What it does not carry (upgrades, `Expect`, chunked request bodies, HTTP/1.0, heads that are
//! not valid HTTP, h2c pods) is handed to hyper, with the bytes already read, for the rest of
//! the connection.

mod chunked;
mod head;

use super::errors::ProxyError;
use super::forward::{Chosen, Forwarder, Route, Upstream};
use super::version_affinity;
use crate::conn::{self, Accepted, Slot, Supervised, Watched};
use bytes::{Buf, BytesMut};
use futures_util::future::BoxFuture;
use head::{Framing, Parsed, ParsedResponse, Request};
use std::cell::RefCell;
use std::mem::take;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// Room made in a buffer before each read of a body or an answer.
const READ: usize = 16 * 1024;
/// Room made before each read of a request head.
const HEAD_READ: usize = 4 * 1024;
/// Spare answer buffers a proxy thread keeps.
const SPARES_KEPT: usize = 64;

/// A connection's request head, answer and response buffers (`Buffers`'), lent out.
type Spare = (Vec<u8>, BytesMut, Vec<u8>);

thread_local! {
    /// Answer buffers of connections waiting for their next request, for the exchanges in
    /// progress on this thread: an idle keep-alive connection holds only a small read buffer.
    static SPARES: RefCell<Vec<Spare>> = const { RefCell::new(Vec::new()) };
}

/// Serves one client connection of a Service port.
pub async fn serve<T>(accepted: Accepted<Watched<T>>, route: Arc<Route>, forwarder: Arc<Forwarder>)
where
    T: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    if route.upstream == Upstream::H2c {
        return serve_with_hyper(accepted, route, forwarder).await;
    }
    let Accepted { io, slot, client, limits, stop } = accepted;
    let handoff = {
        let relay = Relay { route: &route, forwarder: &forwarder, slot: &slot, client, stop: &stop };
        let run = relay.run(io, limits.max_header_bytes);
        tokio::pin!(run);
        match conn::supervise(run.as_mut(), &slot, &limits, &stop, client).await {
            Supervised::Ended(handoff) => handoff,
            Supervised::Closed => None,
            // A stopping listener: the next answer says `Connection: close`; an idle connection
            // gets a moment to send its request, one in progress time to finish.
            Supervised::Stopping => {
                if tokio::time::timeout(conn::LINGER, run.as_mut()).await.is_err() && !slot.phase().is_idle() {
                    let _ = tokio::time::timeout(conn::FINISH, run).await;
                }
                None
            }
        }
    };
    if let Some((mut io, read)) = handoff {
        io.unread(read);
        serve_with_hyper(Accepted { io, slot, client, limits, stop }, route, forwarder).await;
    }
}

/// Serves the rest of a connection through hyper and the forwarder. (Boxed: the compiler
/// cannot prove the unboxed future `Send` inside `serve`, rust-lang/rust#102211.)
fn serve_with_hyper<I>(accepted: Accepted<I>, route: Arc<Route>, forwarder: Arc<Forwarder>) -> BoxFuture<'static, ()>
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let handler = move |client, req| {
        let (route, forwarder) = (route.clone(), forwarder.clone());
        async move { forwarder.handle(&route, client, req).await }
    };
    Box::pin(conn::serve_with_hyper(accepted, handler))
}

struct Relay<'a> {
    route: &'a Route,
    forwarder: &'a Forwarder,
    slot: &'a Slot,
    client: SocketAddr,
    stop: &'a CancellationToken,
}

/// The buffers of one client connection.
#[derive(Default)]
struct Buffers {
    /// Bytes from the client not yet used.
    read: BytesMut,
    /// The request head for the pod.
    request: Vec<u8>,
    /// Bytes from the pod.
    answer: BytesMut,
    /// The response head for the client, and the body bytes that came with it.
    response: Vec<u8>,
}

impl Buffers {
    /// The connection waits for the client: its answer buffers go to the thread's spares,
    /// and a read buffer a body made large is let go.
    fn lend(&mut self) {
        if self.read.is_empty() && self.read.capacity() > 2 * HEAD_READ {
            self.read = BytesMut::new();
        }
        let spare = (take(&mut self.request), take(&mut self.answer), take(&mut self.response));
        if spare.1.capacity() > 0 {
            SPARES.with_borrow_mut(|spares| (spares.len() < SPARES_KEPT).then(|| spares.push(spare)));
        }
    }

    /// Answer buffers for the next exchange: spare ones if the thread has any.
    fn borrow(&mut self) {
        if self.answer.capacity() == 0
            && let Some((request, answer, response)) = SPARES.with_borrow_mut(Vec::pop)
        {
            (self.request, self.answer, self.response) = (request, answer, response);
        }
    }
}

/// How one try of a request on one pod connection failed.
enum Attempt {
    /// The request could not be written: nothing of it reached the app.
    Unsent(std::io::Error),
    /// Sent, and the connection ended before any byte of an answer.
    Unanswered(String),
    /// Sent, and the answer was broken or the connection failed partway.
    Broken(String),
    Timeout,
    /// The client's body did not arrive.
    ClientBody(String),
    /// The client is gone.
    ClientGone,
}

/// Why a request got no answer from a pod.
enum Failed {
    Proxy(ProxyError),
    ClientGone,
}

impl Relay<'_> {
    /// Serves the connection's requests until it closes (`None`), or until one is for hyper:
    /// then the socket and the bytes read from it that hyper has to see.
    async fn run<I: AsyncRead + AsyncWrite + Unpin>(&self, mut io: I, max_head: usize) -> Option<(I, BytesMut)> {
        let mut buf = Buffers::default();
        loop {
            let request = loop {
                match head::request(&buf.read, self.client.ip(), self.route.version_affinity, &mut buf.request) {
                    Parsed::Relay(request) => break request,
                    Parsed::Hyper => return Some((io, buf.read)),
                    // hyper answers a head over the limit with 431.
                    Parsed::Partial if buf.read.len() >= max_head => return Some((io, buf.read)),
                    Parsed::Partial => {
                        buf.lend();
                        buf.read.reserve(HEAD_READ);
                        if !matches!(io.read_buf(&mut buf.read).await, Ok(1..)) {
                            return None;
                        }
                        buf.borrow();
                    }
                }
            };
            buf.read.advance(request.head_len);
            self.slot.request_started(request.body > 0);
            let keep_alive = self.exchange(&mut io, &request, &mut buf).await;
            self.slot.response_finished();
            if !keep_alive || request.close || self.stop.is_cancelled() {
                let _ = io.shutdown().await;
                return None;
            }
        }
    }

    /// One request, answered by a pod or by the proxy; whether the connection can carry
    /// another.
    async fn exchange<I: AsyncRead + AsyncWrite + Unpin>(
        &self,
        io: &mut I,
        request: &Request,
        buf: &mut Buffers,
    ) -> bool {
        let started = Instant::now();
        let mut body_left = request.body;
        let sent = self.send(io, request, &mut body_left, buf).await;
        self.route.latency.observe(started.elapsed());
        let error = match sent {
            Ok((pod, chosen, response)) => return self.relay_answer(io, pod, chosen, response, buf).await,
            Err(Failed::ClientGone) => return false,
            Err(Failed::Proxy(e)) => e,
        };
        tracing::debug!(service = %self.route.service, error = ?error, "proxy error");
        // An unread body would be taken for the next request: skip what is here, or close.
        let here = usize::try_from(body_left).unwrap_or(usize::MAX).min(buf.read.len());
        buf.read.advance(here);
        let close = body_left > here as u64 || matches!(error, ProxyError::ClientBody { .. });
        let answer = head::error(error.status(), &error.body(), close || self.stop.is_cancelled());
        io.write_all(&answer).await.is_ok() && !close
    }

    /// Sends the request to a ready pod, on another pod once when nothing reached the first
    /// (or when a safe, body-less request got no answer), as the forwarder does; a pooled
    /// connection the pod had closed is replaced by a new one first. Returns the connection
    /// with the answer's head read.
    async fn send<I: AsyncRead + AsyncWrite + Unpin>(
        &self,
        io: &mut I,
        request: &Request,
        body_left: &mut u64,
        buf: &mut Buffers,
    ) -> Result<(TcpStream, Chosen, head::Response), Failed> {
        let repeatable = request.idempotent && request.body == 0;
        let mut failed_first: Option<(String, ProxyError)> = None;
        loop {
            let excluded = failed_first.as_ref().map(|(uid, _)| uid.as_str());
            let Some(chosen) = self.route.choose(self.client.ip(), excluded, request.pin.as_deref()) else {
                let none = || ProxyError::NoEndpoints { service: self.route.service.clone() };
                return Err(Failed::Proxy(failed_first.map_or_else(none, |(_, e)| e)));
            };
            let pod = &chosen.backend;
            let cookie = chosen.pin.as_deref().map(version_affinity::set_cookie);
            let mut pooled = true;
            let (failure, refused) = loop {
                let reused = pooled.then(|| self.forwarder.idle.take(&pod.target)).flatten();
                let (mut up, reused) = match reused {
                    Some(up) => (up, true),
                    None => match self.forwarder.dialer.connect(pod.target).await {
                        Ok(up) => (up, false),
                        Err(e) => {
                            break (
                                ProxyError::Connect { pod: pod.pod_name.clone(), reason: e.kind().to_string() },
                                true,
                            );
                        }
                    },
                };
                let failure = match self.attempt(&mut up, io, request, body_left, cookie.as_deref(), buf).await {
                    Ok(response) => return Ok((up, chosen, response)),
                    Err(failure) => failure,
                };
                let upstream = |reason: String| ProxyError::Upstream { pod: pod.pod_name.clone(), reason };
                match failure {
                    // The pod closed the pooled connection as it was taken: a new one.
                    Attempt::Unsent(_) if reused => pooled = false,
                    Attempt::Unanswered(_) if reused && repeatable => pooled = false,
                    Attempt::Unsent(e) => break (upstream(e.kind().to_string()), true),
                    Attempt::Unanswered(reason) => break (upstream(reason), false),
                    Attempt::Broken(reason) => return Err(Failed::Proxy(upstream(reason))),
                    Attempt::Timeout => {
                        let after = self.forwarder.response_timeout;
                        return Err(Failed::Proxy(ProxyError::Timeout { pod: pod.pod_name.clone(), after }));
                    }
                    Attempt::ClientBody(reason) => return Err(Failed::Proxy(ProxyError::ClientBody { reason })),
                    Attempt::ClientGone => return Err(Failed::ClientGone),
                }
            };
            tracing::debug!(pod = %pod.pod_name, target = ?pod.target, error = ?failure, "no answer from the pod");
            // Refused: nothing reached the app, so any request may go elsewhere.
            if !(refused || repeatable) || failed_first.is_some() {
                return Err(Failed::Proxy(failure));
            }
            failed_first = Some((pod.pod_uid.clone(), failure));
        }
    }

    /// Writes the request (head, then body as it arrives) on `up` and reads the answer's head,
    /// passing interim (1xx) answers to the client.
    async fn attempt<I: AsyncRead + AsyncWrite + Unpin>(
        &self,
        up: &mut TcpStream,
        io: &mut I,
        request: &Request,
        body_left: &mut u64,
        cookie: Option<&str>,
        buf: &mut Buffers,
    ) -> Result<head::Response, Attempt> {
        // The head and the body bytes already here, in one write.
        let head_len = buf.request.len();
        let here = usize::try_from(*body_left).unwrap_or(usize::MAX).min(buf.read.len());
        buf.request.extend_from_slice(&buf.read[..here]);
        let written = up.write_all(&buf.request).await;
        buf.request.truncate(head_len);
        written.map_err(Attempt::Unsent)?;
        buf.read.advance(here);
        *body_left -= here as u64;
        while *body_left > 0 {
            buf.read.clear();
            buf.read.reserve(READ);
            match io.read_buf(&mut buf.read).await {
                Ok(0) => return Err(Attempt::ClientBody("the client closed the connection".into())),
                Err(e) => return Err(Attempt::ClientBody(e.kind().to_string())),
                Ok(_) => {}
            }
            let here = usize::try_from(*body_left).unwrap_or(usize::MAX).min(buf.read.len());
            up.write_all(&buf.read[..here]).await.map_err(|e| Attempt::Broken(e.kind().to_string()))?;
            buf.read.advance(here);
            *body_left -= here as u64;
        }
        self.slot.body_finished();
        let closing = request.close || self.stop.is_cancelled();
        buf.answer.clear();
        let answer = async {
            loop {
                match head::response(&buf.answer, request.head_method, closing, cookie, &mut buf.response) {
                    ParsedResponse::Final(response) => return Ok(response),
                    ParsedResponse::Invalid => return Err(Attempt::Broken("invalid HTTP response".into())),
                    ParsedResponse::Interim(n) => {
                        io.write_all(&buf.answer[..n]).await.map_err(|_| Attempt::ClientGone)?;
                        buf.answer.advance(n);
                        continue;
                    }
                    ParsedResponse::Partial => {}
                }
                let nothing_yet = buf.answer.is_empty();
                buf.answer.reserve(READ);
                let reason = match up.read_buf(&mut buf.answer).await {
                    Ok(1..) => continue,
                    Ok(0) => "connection closed".to_string(),
                    Err(e) => e.kind().to_string(),
                };
                return Err(if nothing_yet { Attempt::Unanswered(reason) } else { Attempt::Broken(reason) });
            }
        };
        tokio::time::timeout(self.forwarder.response_timeout, answer).await.unwrap_or(Err(Attempt::Timeout))
    }

    /// Relays the answer whose head is in `buf` to the client, then keeps the pod connection
    /// for the next request if it can carry one; whether the client's connection can.
    async fn relay_answer<I: AsyncWrite + Unpin>(
        &self,
        io: &mut I,
        mut up: TcpStream,
        chosen: Chosen,
        response: head::Response,
        buf: &mut Buffers,
    ) -> bool {
        chosen.backend.stats.record(response.status);
        chosen.backend.revision_stats.requests.fetch_add(1, Ordering::Relaxed);
        buf.answer.advance(response.head_len);
        let mut body = Body::new(response.framing);
        // The head and the body bytes that came with it, in one write.
        let Ok(n) = body.take(&buf.answer) else { return false };
        buf.response.extend_from_slice(&buf.answer[..n]);
        if io.write_all(&buf.response).await.is_err() {
            return false;
        }
        let mut extra = buf.answer.len() > n;
        while !body.done() {
            buf.answer.clear();
            buf.answer.reserve(READ);
            match up.read_buf(&mut buf.answer).await {
                Ok(1..) => {}
                Ok(0) if response.framing == Framing::Close => break,
                // The pod failed partway: the client can only tell by the connection closing.
                _ => return false,
            }
            let Ok(n) = body.take(&buf.answer) else { return false };
            if io.write_all(&buf.answer[..n]).await.is_err() {
                return false;
            }
            extra = buf.answer.len() > n;
        }
        if response.reusable && !extra {
            self.forwarder.idle.put(chosen.backend.target, up);
        }
        response.framing != Framing::Close
    }
}

/// How much of a response body is still to come.
enum Body {
    Left(u64),
    Chunked(chunked::Scanner),
    UntilClose,
    Done,
}

impl Body {
    fn new(framing: Framing) -> Body {
        match framing {
            Framing::Empty | Framing::Length(0) => Body::Done,
            Framing::Length(n) => Body::Left(n),
            Framing::Chunked => Body::Chunked(chunked::Scanner::default()),
            Framing::Close => Body::UntilClose,
        }
    }

    /// How many of `bytes`, the next from the pod, belong to the body.
    fn take(&mut self, bytes: &[u8]) -> Result<usize, chunked::Invalid> {
        let (n, done) = match self {
            Body::Done => (0, true),
            Body::Left(left) => {
                let n = usize::try_from(*left).unwrap_or(usize::MAX).min(bytes.len());
                *left -= n as u64;
                (n, *left == 0)
            }
            Body::Chunked(scanner) => match scanner.feed(bytes)? {
                Some(end) => (end, true),
                None => (bytes.len(), false),
            },
            Body::UntilClose => (bytes.len(), false),
        };
        if done {
            *self = Body::Done;
        }
        Ok(n)
    }

    fn done(&self) -> bool {
        matches!(self, Body::Done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_connection_waiting_for_a_request_lends_its_answer_buffers_to_the_next_exchange() {
        let mut waiting = Buffers { read: BytesMut::with_capacity(READ), ..Buffers::default() };
        waiting.answer.reserve(READ);
        waiting.request.reserve(100);
        waiting.lend();
        assert_eq!((waiting.read.capacity(), waiting.answer.capacity(), waiting.request.capacity()), (0, 0, 0));
        let mut busy = Buffers::default();
        busy.borrow();
        assert!(busy.answer.capacity() >= READ && busy.request.capacity() >= 100, "the spare ones");
        let mut another = Buffers::default();
        another.borrow();
        assert_eq!(another.answer.capacity(), 0, "none left: it allocates its own");
    }
}
