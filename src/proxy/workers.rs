//! The proxy's event loops, one per core like nginx's workers: each thread runs a
//! single-threaded runtime with its own keep-alive pool to the pods, and all of them accept
//! from the same listening sockets. A request never leaves the thread that accepted its
//! connection, so the hot path has no cross-thread wake-ups and no shared pool.

use super::dial::NamespaceDialer;
use super::forward::{Forwarder, Route};
use super::listener::{self, Gates};
use crate::conn;
use std::sync::Arc;
use std::thread::JoinHandle;
use tokio::runtime::Handle;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// How long a stopping worker waits for its listeners to drain their connections (a request
/// in progress gets 10 s; an idle keep-alive connection 1 s to send its last one).
const DRAIN: std::time::Duration = std::time::Duration::from_secs(12);

struct Worker {
    handle: Handle,
    forwarder: Arc<Forwarder>,
    /// The worker's listener tasks, which it lets finish before it stops.
    listeners: TaskTracker,
    thread: Option<JoinHandle<()>>,
}

pub struct Workers {
    workers: Vec<Worker>,
    stop: CancellationToken,
}

impl Workers {
    /// Starts `n` worker threads; each waits at most `response_timeout` for a pod's answer and
    /// reaches unpublished pod ports through `namespaces` if given.
    pub fn start(
        n: usize,
        response_timeout: std::time::Duration,
        namespaces: Option<NamespaceDialer>,
    ) -> std::io::Result<Workers> {
        let stop = CancellationToken::new();
        let mut workers = Vec::with_capacity(n);
        for i in 0..n.max(1) {
            let (tx, rx) = std::sync::mpsc::channel();
            let (stop, timeout, namespaces) = (stop.clone(), response_timeout, namespaces.clone());
            let listeners = TaskTracker::new();
            let draining = listeners.clone();
            let thread = std::thread::Builder::new().name(format!("skiff-proxy-{i}")).spawn(move || {
                let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                    Ok(rt) => rt,
                    Err(e) => return drop(tx.send(Err(e))),
                };
                let forwarder = Arc::new(Forwarder::new(timeout, namespaces));
                if tx.send(Ok((rt.handle().clone(), forwarder))).is_err() {
                    return;
                }
                rt.block_on(async {
                    stop.cancelled().await;
                    // Every listener has been told to stop: its connections finish their requests.
                    draining.close();
                    let _ = tokio::time::timeout(DRAIN, draining.wait()).await;
                });
                rt.shutdown_timeout(std::time::Duration::from_secs(1));
            })?;
            let (handle, forwarder) = rx.recv().map_err(std::io::Error::other)??;
            workers.push(Worker { handle, forwarder, listeners, thread: Some(thread) });
        }
        Ok(Workers { workers, stop })
    }

    /// Serves `route` on `listener` from every worker until `stop`; the port's connection cap
    /// is shared out evenly among them.
    pub fn serve(
        &self,
        listener: std::net::TcpListener,
        route: Arc<Route>,
        config: &conn::Listener,
        gates: Gates,
    ) -> std::io::Result<()> {
        listener.set_nonblocking(true)?;
        let share = conn::Listener { cap: config.cap.div_ceil(self.workers.len()), ..config.clone() };
        for w in &self.workers {
            let socket = listener.try_clone()?;
            let (route, forwarder, config, gates) = (route.clone(), w.forwarder.clone(), share.clone(), gates.clone());
            w.listeners.spawn_on(
                async move {
                    match tokio::net::TcpListener::from_std(socket) {
                        Ok(l) => listener::serve(l, route, forwarder, config, gates).await,
                        Err(e) => tracing::error!(error = %e, "a proxy worker cannot use its listener"),
                    }
                },
                &w.handle,
            );
        }
        Ok(())
    }
}

impl Drop for Workers {
    /// Stops every worker once its listeners (stopped first) have drained their connections.
    fn drop(&mut self) {
        self.stop.cancel();
        for w in &mut self.workers {
            if let Some(t) = w.thread.take() {
                let _ = t.join();
            }
        }
    }
}
