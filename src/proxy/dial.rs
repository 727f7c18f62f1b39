//! How the proxy reaches a pod's port: on the pod's own loopback inside its network namespace
//! when this daemon may enter namespaces (root on Linux, as `docker` itself runs), which also
//! reaches ports the pod does not publish (Kubernetes lets a Service target any port the app
//! listens on) and skips the engine's userland port proxy, a process hop per request; else,
//! and when nothing answers inside, through the port the engine published on 127.0.0.1 (what
//! works everywhere, Docker Desktop included). A socket created in a namespace stays there, so
//! only socket creation happens in the namespace, on one thread kept for it, and the connection
//! is then made like any other. Never a bridge address.

use http::uri::Authority;
use hyper_util::rt::TokioIo;
use std::future::Future;
use std::io;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::oneshot;
use tower_service::Service;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Where one pod's port is reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    /// The port the engine published on the host's loopback.
    Published(SocketAddr),
    /// `127.0.0.1:port` in the network namespace of the process `pid` (the pod's first
    /// container), or the port published for it if nothing answers there (an app listening on
    /// its pod address only).
    Namespace { pid: u32, port: u16, published: Option<SocketAddrV4> },
}

/// URI hosts naming a port in a pod's namespace: `netns-<pid>` and, with a published port to
/// fall back on, `-<a>-<b>-<c>-<d>-<port>` (the URI authority is what the client pools by).
const NAMESPACE_HOST: &str = "netns-";

impl Target {
    /// The URI authority the client pools connections by; `None` for none a URI can hold.
    pub fn authority(&self) -> Option<Authority> {
        let text = match self {
            Target::Published(addr) => addr.to_string(),
            Target::Namespace { pid, port, published: None } => format!("{NAMESPACE_HOST}{pid}:{port}"),
            Target::Namespace { pid, port, published: Some(via) } => {
                let [a, b, c, d] = via.ip().octets();
                format!("{NAMESPACE_HOST}{pid}-{a}-{b}-{c}-{d}-{}:{port}", via.port())
            }
        };
        Authority::try_from(text).ok()
    }

    /// The target a URI's authority names.
    fn of_uri(uri: &http::Uri) -> Option<Target> {
        let host = uri.host()?;
        match Target::namespace_of(host, uri.port_u16()) {
            Some(t) => Some(t),
            None => Some(Target::Published(SocketAddr::new(host.parse().ok()?, uri.port_u16()?))),
        }
    }

    /// The namespace target a URI authority names (`None` for a published port).
    fn namespace_of(host: &str, port: Option<u16>) -> Option<Target> {
        let mut parts = host.strip_prefix(NAMESPACE_HOST)?.split('-').map(str::parse::<u32>);
        let pid = parts.next()?.ok()?;
        let rest: Vec<u32> = parts.collect::<Result<_, _>>().ok()?;
        let published = match rest[..] {
            [] => None,
            [a, b, c, d, p] => {
                let octet = |n: u32| u8::try_from(n).ok();
                let ip = Ipv4Addr::new(octet(a)?, octet(b)?, octet(c)?, octet(d)?);
                Some(SocketAddrV4::new(ip, u16::try_from(p).ok()?))
            }
            _ => return None,
        };
        Some(Target::Namespace { pid, port: port?, published })
    }
}

/// A socket request for the namespace thread: the process whose namespace, and the answer.
type Request = (u32, oneshot::Sender<io::Result<socket2::Socket>>);

/// Creates sockets in other processes' network namespaces, on a thread of its own.
#[derive(Clone, Debug)]
pub struct NamespaceDialer {
    requests: std::sync::mpsc::Sender<Request>,
}

impl NamespaceDialer {
    /// The dialer, if this process may enter network namespaces (it tries its own first).
    pub fn start() -> Option<NamespaceDialer> {
        let (requests, inbox) = std::sync::mpsc::channel::<Request>();
        let (ready, allowed) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name("skiff-netns".into())
            .spawn(move || {
                let _ = ready.send(enter(&format!("/proc/{}/ns/net", std::process::id())).is_ok());
                for (pid, answer) in inbox {
                    let socket = enter(&format!("/proc/{pid}/ns/net")).and_then(|()| {
                        socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, Some(socket2::Protocol::TCP))
                    });
                    let _ = answer.send(socket);
                }
            })
            .ok()?;
        match allowed.recv() {
            Ok(true) => Some(NamespaceDialer { requests }),
            _ => {
                tracing::info!("cannot enter network namespaces; Services reach only the ports pods publish");
                None
            }
        }
    }

    /// Connects to `127.0.0.1:port` inside the network namespace of process `pid`.
    pub async fn connect(&self, pid: u32, port: u16) -> io::Result<TcpStream> {
        let (answer, socket) = oneshot::channel();
        self.requests.send((pid, answer)).map_err(|_| io::Error::other("the namespace thread has stopped"))?;
        let socket = socket.await.map_err(|_| io::Error::other("the namespace thread has stopped"))??;
        socket.set_nonblocking(true)?;
        let socket = TcpSocket::from_std_stream(socket.into());
        let stream = socket.connect(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).await?;
        stream.set_nodelay(true)?;
        Ok(stream)
    }
}

/// Moves the calling thread into the network namespace at `path`.
#[cfg(target_os = "linux")]
fn enter(path: &str) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    let ns = std::fs::File::open(path)?;
    // SAFETY: setns reads the descriptor (valid while `ns` lives) and changes only the calling
    // thread's network namespace; this thread does nothing else but create sockets.
    match unsafe { libc::setns(ns.as_raw_fd(), libc::CLONE_NEWNET) } {
        0 => Ok(()),
        _ => Err(io::Error::last_os_error()),
    }
}

#[cfg(not(target_os = "linux"))]
fn enter(_: &str) -> io::Result<()> {
    Err(io::Error::new(io::ErrorKind::Unsupported, "network namespaces are Linux's"))
}

/// How the proxy connects to pods: published ports directly, namespace targets through the
/// namespace dialer (falling back to their published port); hyper's client uses it by URI.
#[derive(Clone)]
pub struct Dialer {
    namespaces: Option<NamespaceDialer>,
    connect_timeout: Duration,
}

impl Dialer {
    pub fn new(namespaces: Option<NamespaceDialer>, connect_timeout: Duration) -> Dialer {
        Dialer { namespaces, connect_timeout }
    }

    /// A connection to `target`, with Nagle off; at most the connect timeout per attempt.
    pub async fn connect(&self, target: Target) -> io::Result<TcpStream> {
        let (pid, port, published) = match target {
            Target::Published(addr) => return self.connect_published(addr).await,
            Target::Namespace { pid, port, published } => (pid, port, published),
        };
        let inside = match &self.namespaces {
            Some(dialer) => self.within_timeout(dialer.connect(pid, port)).await,
            None => Err(io::Error::other("this daemon cannot enter pod network namespaces")),
        };
        match (inside, published) {
            (Ok(stream), _) => Ok(stream),
            (Err(e), None) => Err(e),
            (Err(e), Some(via)) => {
                tracing::debug!(pid, port, error = %e, %via, "nothing answers inside the pod; trying its published port");
                self.connect_published(via.into()).await
            }
        }
    }

    async fn connect_published(&self, addr: SocketAddr) -> io::Result<TcpStream> {
        let stream = self.within_timeout(TcpStream::connect(addr)).await?;
        stream.set_nodelay(true)?;
        Ok(stream)
    }

    async fn within_timeout(&self, connecting: impl Future<Output = io::Result<TcpStream>>) -> io::Result<TcpStream> {
        match tokio::time::timeout(self.connect_timeout, connecting).await {
            Ok(connected) => connected,
            Err(_) => Err(io::Error::new(io::ErrorKind::TimedOut, "connection timed out")),
        }
    }
}

impl Service<http::Uri> for Dialer {
    type Response = TokioIo<TcpStream>;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: http::Uri) -> Self::Future {
        let dialer = self.clone();
        Box::pin(async move {
            let target = Target::of_uri(&uri).ok_or_else(|| format!("no pod target in {uri}"))?;
            Ok(TokioIo::new(dialer.connect(target).await?))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespace_targets_round_trip_through_the_uri() {
        let via = SocketAddrV4::new(Ipv4Addr::new(127, 0, 0, 1), 32768);
        for t in [
            Target::Namespace { pid: 4242, port: 8080, published: None },
            Target::Namespace { pid: 4242, port: 8080, published: Some(via) },
        ] {
            let uri: http::Uri = format!("http://{}/x", t.authority().unwrap()).parse().unwrap();
            assert_eq!(Target::namespace_of(uri.host().unwrap(), uri.port_u16()), Some(t));
        }
        assert_eq!(Target::namespace_of("127.0.0.1", Some(80)), None);
        let published: http::Uri = "http://127.0.0.1:32000/x".parse().unwrap();
        assert_eq!(Target::of_uri(&published), Some(Target::Published(([127, 0, 0, 1], 32000).into())));
        assert_eq!(Target::namespace_of("netns-1-2", Some(80)), None);
        assert_eq!(Target::namespace_of("netns-1-300-0-0-1-80", Some(80)), None);
    }

    /// Nothing listens inside (this process's namespace, a closed port): the published port
    /// answers instead.
    #[tokio::test]
    async fn falls_back_to_the_published_port_when_nothing_answers_inside() {
        let Some(namespaces) = NamespaceDialer::start() else {
            // SAFETY: geteuid has no preconditions.
            assert_ne!(unsafe { libc::geteuid() }, 0, "root may enter network namespaces");
            return;
        };
        let published = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let SocketAddr::V4(via) = published.local_addr().unwrap() else { unreachable!() };
        let target = Target::Namespace { pid: std::process::id(), port: closed, published: Some(via) };
        let dialer = Dialer::new(Some(namespaces), Duration::from_secs(2));
        let (stream, accepted) = tokio::join!(dialer.connect(target), published.accept());
        let local = stream.unwrap().local_addr().unwrap();
        assert_eq!(accepted.unwrap().1, local);
    }

    /// A socket made in this very process's namespace reaches a listener on its loopback.
    #[tokio::test]
    async fn connects_inside_a_namespace_when_allowed() {
        let Some(dialer) = NamespaceDialer::start() else {
            // SAFETY: geteuid has no preconditions.
            assert_ne!(unsafe { libc::geteuid() }, 0, "root may enter network namespaces");
            return;
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (stream, accepted) = tokio::join!(dialer.connect(std::process::id(), port), listener.accept());
        assert_eq!(stream.unwrap().peer_addr().unwrap(), accepted.unwrap().0.local_addr().unwrap());
    }
}
