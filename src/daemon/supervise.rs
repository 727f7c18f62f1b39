//! The daemon's life once started: watch its components, stop them together, and hand the
//! listening sockets to a successor (`handover`) when asked to upgrade or while shutting down.
//!
//! Two sets of tasks: the core (API, controllers, kubelet, manifests) and the edge (the proxy).
//! Stopping, the core goes first and the state is let go of, while the proxy keeps serving with
//! the pods it knows; the edge stops last, once a successor accepts on the same sockets or the
//! shutdown grace has passed.

use super::Tasks;
use super::handover::{self, Mode, Request};
use super::lock::StateLock;
use crate::proxy::Proxy;
use crate::store::Store;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

pub struct Supervisor {
    pub core: Tasks,
    pub edge: Tasks,
    /// Stops the core only.
    pub core_stop: CancellationToken,
    /// Stops everything (`core_stop` is its child).
    pub stop: CancellationToken,
    /// Cancelled from outside: SIGTERM or SIGINT.
    pub shutdown: CancellationToken,
    pub handover: handover::Server,
    /// A copy of the API's listening socket, for a successor.
    pub api: (SocketAddr, std::net::TcpListener),
    pub proxy: Arc<Proxy>,
    pub store: Arc<Store>,
    pub lock: Option<StateLock>,
    /// How long a shutting-down daemon keeps serving Services for a successor to take over.
    pub grace: Duration,
}

enum End {
    Shutdown,
    Failed(&'static str),
    Upgrade(Request),
}

impl Supervisor {
    /// Runs until shutdown, a failed component or a completed handover.
    pub async fn run(mut self) -> anyhow::Result<()> {
        let end = loop {
            tokio::select! {
                biased;
                _ = self.shutdown.cancelled() => break End::Shutdown,
                Some(done) = self.core.join_next() => break End::Failed(name_of(done)),
                Some(done) = self.edge.join_next() => break End::Failed(name_of(done)),
                request = self.handover.next() => match request {
                    Ok(request) if request.mode == Mode::Upgrade => match self.send_listeners(request).await {
                        Some(request) => break End::Upgrade(request),
                        None => continue,
                    },
                    Ok(request) => {
                        tracing::info!("a daemon started on this state directory: refused, this one is running (see --upgrade)");
                        let _ = tokio::task::spawn_blocking(move || request.refuse()).await;
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "handover socket failed");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                },
            }
        };
        match end {
            End::Failed(name) => {
                tracing::error!(component = name, "a component stopped; shutting down");
                self.stop.cancel();
                join(&mut self.core).await;
                join(&mut self.edge).await;
                Err(anyhow::anyhow!("{name} stopped unexpectedly"))
            }
            End::Upgrade(request) => {
                tracing::info!("upgrade: handing the listening sockets and the state to a new daemon");
                self.retire_core().await;
                succeed(request).await;
                self.finish().await
            }
            End::Shutdown => {
                self.retire_core().await;
                self.linger().await;
                self.finish().await
            }
        }
    }

    /// Sends every listening socket to a successor; `None` (and a warning) if it went away.
    async fn send_listeners(&self, mut request: Request) -> Option<Request> {
        let services = match self.proxy.listeners() {
            Ok(listeners) => listeners,
            Err(e) => {
                tracing::warn!(error = %e, "cannot copy the Service listeners for a successor");
                return None;
            }
        };
        let api = (self.api.0, handover::fd_of(&self.api.1));
        let sent = tokio::task::spawn_blocking(move || {
            let fds: Vec<_> = services.iter().map(|(addr, l)| (*addr, handover::fd_of(l))).collect();
            request.send(api, &fds).map(|()| request)
        })
        .await;
        match sent {
            Ok(Ok(request)) => Some(request),
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "a successor went away during the handover; this daemon goes on");
                None
            }
            Err(_) => None,
        }
    }

    /// Stops the API, controllers and kubelet, closes the state log and lets go of the lock.
    /// The proxy goes on serving.
    async fn retire_core(&mut self) {
        self.core_stop.cancel();
        join(&mut self.core).await;
        self.store.close().await;
        self.lock = None;
    }

    /// Shutting down: Services keep answering for `grace`, in which a daemon started on the same
    /// state directory takes their sockets over.
    async fn linger(&mut self) {
        if self.grace.is_zero() {
            return;
        }
        tracing::info!(grace = ?self.grace, "Services keep serving while a new daemon may take over");
        let deadline = tokio::time::sleep(self.grace);
        tokio::pin!(deadline);
        loop {
            tokio::select! {
                _ = &mut deadline => return,
                request = self.handover.next() => {
                    let Ok(request) = request else { return };
                    if let Some(request) = self.send_listeners(request).await {
                        return succeed(request).await;
                    }
                }
            }
        }
    }

    /// Stops the proxy: it accepts no more and finishes the requests in flight.
    async fn finish(mut self) -> anyhow::Result<()> {
        self.stop.cancel();
        join(&mut self.edge).await;
        Ok(())
    }
}

/// The state is free: tell the successor, and wait until it serves.
async fn succeed(mut request: Request) {
    let served = tokio::task::spawn_blocking(move || request.released().is_ok() && request.wait_serving()).await;
    if served.unwrap_or(false) {
        tracing::info!("the new daemon serves; this one stops accepting and drains");
    } else {
        tracing::error!("the new daemon went away before serving; stopping");
    }
}

fn name_of(done: Result<(&'static str, anyhow::Result<()>), tokio::task::JoinError>) -> &'static str {
    match done {
        Ok((name, result)) => {
            if let Err(e) = result {
                tracing::error!(component = name, error = %e, "failed");
            }
            name
        }
        Err(_) => "a daemon task (it panicked)",
    }
}

/// Waits for every task of a stopped set, logging errors.
async fn join(tasks: &mut Tasks) {
    while let Some(done) = tasks.join_next().await {
        match done {
            Ok((name, Err(e))) => tracing::warn!(component = name, error = %e, "stopped with an error"),
            Err(e) => tracing::warn!(error = %e, "a daemon task panicked"),
            Ok(_) => {}
        }
    }
}
