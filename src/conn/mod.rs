//! Connection management for every listener, the API's and each Service port's, as nginx and
//! HAProxy do it: a cap per listener, a deadline per phase of a request (a short one for a
//! request head, a longer one for an idle keep-alive connection, a minimum rate for a body),
//! and, when the listener is full, the longest-idle connection closed to make room for a new
//! client. Connections draw descriptors from a budget (see `budget`), so no listener can take
//! the descriptors the probes, the engine and the proxy's upstreams need.

pub mod body;
pub mod budget;
mod connection;
mod io;
mod slot;

pub use body::RequestBody;
pub use budget::{Budget, Notice, Plan, Subject, Ticket};
pub use connection::{Accepted, FINISH, LINGER, Supervised, serve as serve_with_hyper, supervise};
pub use io::Watched;
pub use slot::{Phase, Slot};

use bytes::Bytes;
use http::{Request, Response};
use hyper::body::Body;
use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpSocket};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// How often a full listener with no idle connection looks again for one that became idle.
const RECHECK: Duration = Duration::from_millis(100);
/// Idle connections closed at once when a listener needs room, so that a flood of new
/// connections is not accepted one eviction at a time (nginx drains 32 too).
const DRAIN: usize = 32;

/// Connections waiting to be accepted per listener. std's default of 128 turns a burst of new
/// connections into one-second SYN retransmits; a much deeper queue makes a client wait behind
/// every attacking connection in it (nginx's default is 511).
const BACKLOG: u32 = 1024;

/// Binds `addr` for a listener, with a listen backlog that rides out a burst of connections.
pub fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() { TcpSocket::new_v4()? } else { TcpSocket::new_v6()? };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(BACKLOG)
}

/// How one listener treats its connections.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Open connections on this listener (for a Service port: shared by the proxy's threads).
    pub max_connections: usize,
    /// A request head must be complete within this time (of the accept for the first request,
    /// of its first byte for later ones). HAProxy's `timeout http-request`.
    pub header_timeout: Duration,
    /// An idle keep-alive connection is closed after this time. nginx's `keepalive_timeout`.
    pub idle_timeout: Duration,
    /// A request body gets this long, plus a second for every `body_min_rate` bytes received.
    /// Apache's `RequestReadTimeout body=20,MinRate=500`.
    pub body_timeout: Duration,
    pub body_min_rate: u64,
    /// Request heads larger than this get 431.
    pub max_header_bytes: usize,
    /// Request lines longer than this get 414. nginx's `large_client_header_buffers`.
    pub max_request_line: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: 4096,
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(75),
            body_timeout: Duration::from_secs(20),
            body_min_rate: 500,
            max_header_bytes: 32 * 1024,
            max_request_line: 16 * 1024,
        }
    }
}

/// One listening socket's settings.
#[derive(Clone)]
pub struct Listener {
    /// What the listener serves, for logs and events.
    pub subject: Subject,
    pub limits: Limits,
    /// This accept loop's share of `limits.max_connections`.
    pub cap: usize,
    pub budget: Arc<Budget>,
    /// The whole HTTP response for a request line over `limits.max_request_line`.
    pub too_long: Bytes,
    /// Rings when the listener is full with no idle connection to close.
    pub full: Arc<budget::Alarm>,
}

impl Listener {
    pub fn new(subject: Subject, limits: Limits, cap: usize, budget: Arc<Budget>, too_long: Bytes) -> Listener {
        Listener { subject, limits, cap: cap.max(1), budget, too_long, full: Arc::default() }
    }
}

/// The open connections of one accept loop, by id.
struct Open {
    slots: HashMap<u64, Arc<Slot>>,
    next: u64,
}

impl Open {
    /// Tells the `DRAIN` longest-idle connections to close and forgets them; false if none is
    /// idle.
    fn evict_idlest(&mut self) -> bool {
        let idle = self.slots.iter().filter(|(_, s)| s.phase().is_idle()).map(|(&id, s)| (s.since(), id));
        let idlest = budget::oldest(idle, DRAIN);
        for id in &idlest {
            if let Some(slot) = self.slots.remove(id) {
                slot.evict.notify_one();
            }
        }
        !idlest.is_empty()
    }
}

/// Accepts on `listener` and serves each connection's requests with `handler` (through hyper)
/// until `stop`; see `accept`.
pub async fn serve<H, Fut, B>(listener: TcpListener, config: Listener, handler: H, stop: CancellationToken)
where
    H: Fn(SocketAddr, Request<RequestBody>) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Response<B>> + Send + 'static,
    B: Body<Data = Bytes> + Send + Unpin + 'static,
    B::Error: Into<BoxError>,
{
    accept(listener, config, move |accepted| connection::serve(accepted, handler.clone()), stop).await;
}

/// Accepts on `listener` and serves each connection with `serve_one` until `stop`; then open
/// connections finish their request in progress (bounded) and close. At the cap the
/// listener's longest-idle connection is closed for the new one, and when the budget is spent
/// the longest-idle one of any listener; with none idle, the new connection waits (and no
/// other is accepted) until there is room.
pub async fn accept<S, Fut>(listener: TcpListener, config: Listener, serve_one: S, stop: CancellationToken)
where
    S: Fn(Accepted<Watched<tokio::net::TcpStream>>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let epoch = config.budget.epoch();
    let mut open = Open { slots: HashMap::new(), next: 0 };
    let mut tasks: JoinSet<u64> = JoinSet::new();
    loop {
        let accepted = tokio::select! {
            _ = stop.cancelled() => break,
            Some(done) = tasks.join_next(), if !tasks.is_empty() => {
                if let Ok(id) = done { open.slots.remove(&id); }
                continue;
            }
            accepted = listener.accept() => accepted,
        };
        let (stream, client) = match accepted {
            Ok(a) => a,
            Err(e) => {
                tracing::warn!(listener = %config.subject, error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let slot = Arc::new(Slot::new(epoch));
        let Some(ticket) = room(&slot, &mut open, &mut tasks, &config, &stop).await else {
            break;
        };
        let _ = stream.set_nodelay(true);
        let id = open.next;
        open.next += 1;
        open.slots.insert(id, slot.clone());
        let limits = config.limits.clone();
        let io = io::Watched::new(stream, slot.clone(), Some(ticket), limits.max_request_line, config.too_long.clone());
        let serving = serve_one(Accepted { io, slot, client, limits, stop: stop.clone() });
        tasks.spawn(async move {
            serving.await;
            id
        });
    }
    while tasks.join_next().await.is_some() {}
}

/// One connection on any byte stream, with no listener around it: tests and fuzzing drive the
/// same connection handling over in-memory pipes. `too_long` answers a request line over
/// `limits.max_request_line`.
pub fn stream<T>(io: T, limits: Limits, too_long: Bytes) -> Accepted<Watched<T>>
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let slot = Arc::new(Slot::new(tokio::time::Instant::now()));
    let io = io::Watched::new(io, slot.clone(), None, limits.max_request_line, too_long);
    let client = SocketAddr::from(([127, 0, 0, 1], 1));
    Accepted { io, slot, client, limits, stop: CancellationToken::new() }
}

/// Waits until the listener may serve the connection `slot` and returns its descriptor
/// ticket; `None` if the listener stops first.
async fn room(
    slot: &Arc<Slot>,
    open: &mut Open,
    tasks: &mut JoinSet<u64>,
    config: &Listener,
    stop: &CancellationToken,
) -> Option<Ticket> {
    loop {
        let full = open.slots.len() >= config.cap;
        if !full && let Some(ticket) = config.budget.try_take(slot) {
            return Some(ticket);
        }
        let evicted = if full { open.evict_idlest() } else { config.budget.evict_idlest(DRAIN) };
        if evicted {
            // The evicted connection's ticket comes back as soon as its task closes it.
            return tokio::select! {
                ticket = config.budget.take(slot) => ticket,
                _ = stop.cancelled() => None,
            };
        }
        if full {
            config.budget.listener_full(&config.subject, config.limits.max_connections, &config.full);
        } else {
            config.budget.spent(&config.subject);
        }
        tokio::select! {
            _ = stop.cancelled() => return None,
            Some(done) = tasks.join_next(), if !tasks.is_empty() => {
                if let Ok(id) = done { open.slots.remove(&id); }
            }
            _ = tokio::time::sleep(RECHECK) => {}
        }
    }
}
