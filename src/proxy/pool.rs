//! Idle keep-alive connections to pods, per target, for one proxy worker's relay: the most recently
//! used is taken first (it is the least likely to have been closed by the pod), one the pod
//! has closed or sent something on is dropped when found, and none stays idle longer than a
//! minute.

use super::dial::Target;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::time::Instant;

/// How long a connection may stay idle.
const IDLE: Duration = Duration::from_secs(60);
/// Idle connections kept per target.
const PER_TARGET: usize = 256;
/// How often the whole pool is looked through for closed and expired connections.
const SWEEP: Duration = Duration::from_secs(5);

struct Idle {
    stream: TcpStream,
    since: Instant,
}

impl Idle {
    /// Still open, quiet, and not idle for too long. A closed connection has been reported
    /// readable to the runtime, so the check costs a system call only then.
    fn usable(&self, now: Instant) -> bool {
        now.saturating_duration_since(self.since) < IDLE
            && matches!(self.stream.try_read(&mut [0u8; 1]), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock)
    }
}

#[derive(Default)]
pub struct Pool {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    idle: HashMap<Target, Vec<Idle>>,
    swept: Option<Instant>,
}

impl Pool {
    /// An idle connection to `target` that is still usable.
    pub fn take(&self, target: &Target) -> Option<TcpStream> {
        let now = Instant::now();
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let list = inner.idle.get_mut(target)?;
        while let Some(idle) = list.pop() {
            if idle.usable(now) {
                return Some(idle.stream);
            }
        }
        None
    }

    /// Keeps `stream` for the next request to `target`.
    pub fn put(&self, target: Target, stream: TcpStream) {
        let now = Instant::now();
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if inner.swept.is_none_or(|at| now.saturating_duration_since(at) >= SWEEP) {
            inner.swept = Some(now);
            inner.idle.retain(|_, list| {
                list.retain(|idle| idle.usable(now));
                !list.is_empty()
            });
        }
        let list = inner.idle.entry(target).or_default();
        if list.len() < PER_TARGET {
            list.push(Idle { stream, since: now });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;

    async fn pair(listener: &tokio::net::TcpListener) -> (TcpStream, TcpStream) {
        let addr = listener.local_addr().unwrap();
        let (client, server) = tokio::join!(TcpStream::connect(addr), listener.accept());
        (client.unwrap(), server.unwrap().0)
    }

    #[tokio::test]
    async fn takes_the_latest_open_connection_and_drops_closed_ones() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let target = Target::Published(listener.local_addr().unwrap());
        let pool = Pool::default();
        let (first, _first_peer) = pair(&listener).await;
        let (second, second_peer) = pair(&listener).await;
        let (first_port, second_port) = (first.local_addr().unwrap(), second.local_addr().unwrap());
        pool.put(target, first);
        pool.put(target, second);
        // The pod closes the latest one; the runtime learns it when it next polls.
        drop(second_peer);
        let deadline = Instant::now() + Duration::from_secs(5);
        let taken = loop {
            tokio::task::yield_now().await;
            let taken = pool.take(&target).expect("one is still open");
            if taken.local_addr().unwrap() == first_port || Instant::now() > deadline {
                break taken;
            }
            assert_eq!(taken.local_addr().unwrap(), second_port, "still seen open: put back and look again");
            pool.put(target, taken);
        };
        assert_eq!(taken.local_addr().unwrap(), first_port);
        assert!(pool.take(&target).is_none(), "the closed one was dropped");
    }

    #[tokio::test]
    async fn a_connection_the_pod_wrote_on_or_idle_past_a_minute_is_not_used() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let target = Target::Published(listener.local_addr().unwrap());
        let pool = Pool::default();
        let (chatty, mut peer) = pair(&listener).await;
        peer.write_all(b"HTTP/1.1 408 Request Timeout\r\n\r\n").await.unwrap();
        chatty.readable().await.unwrap();
        pool.put(target, chatty);
        assert!(pool.take(&target).is_none(), "bytes nobody asked for: not a clean connection");
        let (old, _peer) = pair(&listener).await;
        pool.inner
            .lock()
            .unwrap()
            .idle
            .entry(target)
            .or_default()
            .push(Idle { stream: old, since: Instant::now() - IDLE });
        assert!(pool.take(&target).is_none(), "idle for a minute");
    }
}
