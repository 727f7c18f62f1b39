//! One client connection: HTTP/1.1 with keep-alive and upgrades, served by hyper on the
//! watched socket, and closed when the deadline of its phase passes, when its listener evicts
//! it to make room, or when the listener stops: then the next response says `Connection: close`
//! (so a keep-alive client opens its next connection to whoever accepts on the socket now,
//! losing no request), an idle connection gets a moment to send one, and a request in
//! progress at most 10 s to finish.

use super::body::{RequestBody, ResponseBody};
use super::slot::{self, Phase, Slot};
use super::{BoxError, Limits};
use bytes::Bytes;
use http::{Request, Response};
use hyper::body::{Body, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::Sleep;
use tokio_util::sync::CancellationToken;

/// How long a stopping listener lets a request in progress finish.
pub const FINISH: Duration = Duration::from_secs(10);

/// How long a stopping listener waits for an idle keep-alive connection's next request, to
/// answer it with `Connection: close` rather than close under a client that may be sending.
pub const LINGER: Duration = Duration::from_secs(1);

/// Resolves when the connection's deadline has passed, with the phase it was stuck in. The
/// timer is moved earlier at once, but later only when it fires, so a body arriving chunk by
/// chunk does not reset it on every read.
struct Watchdog {
    slot: Arc<Slot>,
    limits: Limits,
    sleep: Pin<Box<Sleep>>,
    armed: Option<Duration>,
}

impl Watchdog {
    fn new(slot: Arc<Slot>, limits: Limits) -> Self {
        let sleep = Box::pin(tokio::time::sleep_until(slot.epoch()));
        Watchdog { slot, limits, sleep, armed: None }
    }

    fn arm(&mut self, at: Duration) {
        self.sleep.as_mut().reset(self.slot.epoch() + at);
        self.armed = Some(at);
    }
}

impl Future for Watchdog {
    type Output = Phase;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Phase> {
        loop {
            let state = self.slot.state();
            let Some(at) = slot::deadline(state, &self.limits) else {
                return Poll::Pending;
            };
            if self.armed.is_none_or(|armed| at < armed) {
                self.arm(at);
            }
            ready!(self.sleep.as_mut().poll(cx));
            if self.armed.is_some_and(|armed| at > armed) {
                self.arm(at);
                continue;
            }
            return Poll::Ready(state.phase);
        }
    }
}

/// An accepted connection, ready to be served: its socket, its place on the listener, the
/// listener's limits and its stop.
pub struct Accepted<I> {
    pub io: I,
    pub slot: Arc<Slot>,
    pub client: SocketAddr,
    pub limits: Limits,
    pub stop: CancellationToken,
}

/// Serves one accepted connection's requests with `handler`, through hyper, until it closes.
pub async fn serve<I, H, Fut, B>(accepted: Accepted<I>, handler: H)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    H: Fn(SocketAddr, Request<RequestBody>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Response<B>> + Send + 'static,
    B: Body<Data = Bytes> + Send + Unpin + 'static,
    B::Error: Into<BoxError>,
{
    let Accepted { io, slot, client, limits, stop } = accepted;
    let requests = slot.clone();
    let stopping = stop.clone();
    let service = service_fn(move |req: Request<Incoming>| {
        requests.request_started(!req.body().is_end_stream());
        let answer = handler(client, req.map(|body| RequestBody::new(body, requests.clone())));
        let (slot, stopping) = (requests.clone(), stopping.clone());
        async move {
            let mut response = answer.await.map(|body| ResponseBody::new(body, slot));
            if stopping.is_cancelled() && response.status() != http::StatusCode::SWITCHING_PROTOCOLS {
                response.headers_mut().insert(http::header::CONNECTION, http::HeaderValue::from_static("close"));
            }
            Ok::<_, Infallible>(response)
        }
    });
    let conn = http1::Builder::new()
        // The watchdog times heads and idle connections, per phase.
        .header_read_timeout(None)
        .max_buf_size(limits.max_header_bytes.max(8192))
        .serve_connection(TokioIo::new(io), service)
        .with_upgrades();
    tokio::pin!(conn);
    match supervise(conn.as_mut(), &slot, &limits, &stop, client).await {
        Supervised::Ended(Err(e)) => tracing::debug!(%client, error = %e, "client connection ended"),
        // The next response closes the connection; a client that sends nothing meanwhile is
        // closed on (and a request in progress then finishes).
        Supervised::Stopping if tokio::time::timeout(LINGER, conn.as_mut()).await.is_err() => {
            conn.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(FINISH, conn).await;
        }
        _ => {}
    }
}

/// How a supervised connection came to an end.
pub enum Supervised<T> {
    /// By itself, with this output.
    Ended(T),
    /// Its phase's deadline passed or its listener evicted it: it is to be dropped.
    Closed,
    /// Its listener is stopping: it is to be finished gracefully.
    Stopping,
}

/// Runs a connection until it ends by itself, the deadline of its phase passes, its listener
/// evicts it to make room, or the listener stops.
pub async fn supervise<F: Future>(
    mut conn: Pin<&mut F>,
    slot: &Arc<Slot>,
    limits: &Limits,
    stop: &CancellationToken,
    client: SocketAddr,
) -> Supervised<F::Output> {
    let watchdog = Watchdog::new(slot.clone(), limits.clone());
    tokio::pin!(watchdog);
    tokio::select! {
        biased;
        output = conn.as_mut() => Supervised::Ended(output),
        phase = &mut watchdog => {
            tracing::debug!(%client, ?phase, "client too slow; closing its connection");
            Supervised::Closed
        }
        _ = slot.evict.notified() => {
            tracing::debug!(%client, "idle connection closed to make room");
            Supervised::Closed
        }
        _ = stop.cancelled() => Supervised::Stopping,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::{BodyExt, Full};
    use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};
    use tokio::time::Instant;

    /// The defaults (10 s for a head, 75 s idle, 20 s plus 1 s per 500 bytes for a body), with
    /// a short request line.
    fn limits() -> Limits {
        Limits { max_request_line: 64, ..Limits::default() }
    }

    /// A connection served on an in-memory pipe; the handler reads the whole body and answers
    /// with its length. Returns the client's end and the slot.
    fn connect() -> (DuplexStream, Arc<Slot>) {
        connect_until(CancellationToken::new())
    }

    /// As `connect`, on a listener that stops with `stop`.
    fn connect_until(stop: CancellationToken) -> (DuplexStream, Arc<Slot>) {
        let (client, server) = tokio::io::duplex(1 << 16);
        let slot = Arc::new(Slot::new(Instant::now()));
        let too_long =
            Bytes::from_static(b"HTTP/1.1 414 URI Too Long\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
        let io = crate::conn::Watched::new(server, slot.clone(), None, limits().max_request_line, too_long);
        let handler = |_client, req: Request<RequestBody>| async move {
            let n = req.into_body().collect().await.map(|b| b.to_bytes().len()).unwrap_or(0);
            Response::new(Full::new(Bytes::from(n.to_string())))
        };
        let addr: SocketAddr = ([127, 0, 0, 1], 1).into();
        tokio::spawn(serve(Accepted { io, slot: slot.clone(), client: addr, limits: limits(), stop }, handler));
        (client, slot)
    }

    /// Reads until the server closes; returns what it sent and when it closed.
    async fn until_closed(client: &mut DuplexStream) -> (String, Instant) {
        let mut out = Vec::new();
        let _ = client.read_to_end(&mut out).await;
        (String::from_utf8_lossy(&out).into_owned(), Instant::now())
    }

    #[tokio::test(start_paused = true)]
    async fn a_silent_connection_is_closed_after_the_header_timeout() {
        let start = Instant::now();
        let (mut client, _) = connect();
        let (sent, closed) = until_closed(&mut client).await;
        assert_eq!((sent.as_str(), closed - start), ("", Duration::from_secs(10)));
    }

    #[tokio::test(start_paused = true)]
    async fn keep_alive_waits_the_idle_timeout_and_a_trickled_head_only_the_header_timeout() {
        let (mut client, slot) = connect();
        client.write_all(b"GET / HTTP/1.1\r\nhost: a\r\n\r\n").await.unwrap();
        let mut answer = [0u8; 512];
        let n = client.read(&mut answer).await.unwrap();
        assert!(String::from_utf8_lossy(&answer[..n]).starts_with("HTTP/1.1 200"));
        tokio::time::sleep(Duration::from_secs(70)).await;
        assert_eq!(slot.phase(), Phase::Idle, "still open within the idle timeout");
        let started = Instant::now();
        client.write_all(b"GET / HT").await.unwrap();
        let (_, closed) = until_closed(&mut client).await;
        assert_eq!(closed - started, Duration::from_secs(10), "a started head gets the header timeout");
    }

    /// A stopping listener answers a keep-alive client's next request with `Connection: close`
    /// and closes after it; a client that sends nothing is closed on after `LINGER`.
    #[tokio::test(start_paused = true)]
    async fn a_stopping_listener_closes_keep_alive_connections_after_their_next_answer() {
        let stop = CancellationToken::new();
        let (mut busy, _) = connect_until(stop.clone());
        let (mut idle, _) = connect_until(stop.clone());
        for client in [&mut busy, &mut idle] {
            client.write_all(b"GET / HTTP/1.1\r\nhost: a\r\n\r\n").await.unwrap();
            let mut answer = [0u8; 512];
            let n = client.read(&mut answer).await.unwrap();
            assert!(!String::from_utf8_lossy(&answer[..n]).contains("connection: close"));
        }
        let stopped = Instant::now();
        stop.cancel();
        tokio::time::sleep(Duration::from_millis(300)).await;
        busy.write_all(b"GET / HTTP/1.1\r\nhost: a\r\n\r\n").await.unwrap();
        let (answer, closed) = until_closed(&mut busy).await;
        assert!(answer.starts_with("HTTP/1.1 200") && answer.contains("connection: close"), "{answer}");
        assert_eq!(closed - stopped, Duration::from_millis(300), "closed right after its answer");
        let (answer, closed) = until_closed(&mut idle).await;
        assert_eq!((answer.as_str(), closed - stopped), ("", LINGER));
    }

    #[tokio::test(start_paused = true)]
    async fn an_idle_keep_alive_connection_is_closed_after_the_idle_timeout() {
        let (mut client, _) = connect();
        client.write_all(b"GET / HTTP/1.1\r\nhost: a\r\n\r\n").await.unwrap();
        let mut answer = [0u8; 512];
        let _ = client.read(&mut answer).await.unwrap();
        let idle = Instant::now();
        let (_, closed) = until_closed(&mut client).await;
        assert_eq!(closed - idle, Duration::from_secs(75));
    }

    #[tokio::test(start_paused = true)]
    async fn a_body_slower_than_the_minimum_rate_is_cut_off() {
        let (mut client, _) = connect();
        client.write_all(b"POST / HTTP/1.1\r\nhost: a\r\ncontent-length: 100000\r\n\r\n").await.unwrap();
        let started = Instant::now();
        // 1 byte a second; 20 s of grace plus 2 ms per byte received.
        let trickle = async {
            loop {
                if client.write_all(b"x").await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        };
        let _ = tokio::time::timeout(Duration::from_secs(60), trickle).await;
        let (sent, closed) = until_closed(&mut client).await;
        assert_eq!(sent, "", "no answer: the body never arrived");
        let took = closed - started;
        assert!(took >= Duration::from_secs(20) && took < Duration::from_secs(22), "{took:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_body_at_a_fair_rate_is_served() {
        let (mut client, _) = connect();
        client.write_all(b"POST / HTTP/1.1\r\nhost: a\r\ncontent-length: 30000\r\n\r\n").await.unwrap();
        for _ in 0..30 {
            client.write_all(&[b'x'; 1000]).await.unwrap();
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        let mut answer = [0u8; 512];
        let n = client.read(&mut answer).await.unwrap();
        let answer = String::from_utf8_lossy(&answer[..n]);
        assert!(answer.starts_with("HTTP/1.1 200") && answer.ends_with("30000"), "{answer}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_line_over_the_limit_gets_the_listeners_414() {
        let (mut client, _) = connect();
        let long = format!("GET /{} HTTP/1.1\r\nhost: a\r\n\r\n", "a".repeat(200));
        client.write_all(long.as_bytes()).await.unwrap();
        client.shutdown().await.unwrap();
        let (sent, _) = until_closed(&mut client).await;
        assert!(sent.starts_with("HTTP/1.1 414 URI Too Long\r\n"), "{sent}");
    }

    #[tokio::test(start_paused = true)]
    async fn an_evicted_connection_closes_at_once() {
        let (mut client, slot) = connect();
        tokio::task::yield_now().await;
        let start = Instant::now();
        slot.evict.notify_one();
        let (_, closed) = until_closed(&mut client).await;
        assert_eq!(closed, start);
    }
}
