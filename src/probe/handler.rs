//! Running one probe or lifecycle handler: HTTP(S) GET (see `http`), gRPC health check (see
//! `grpc`) and TCP connect to the container's 127.0.0.1 published port, exec through the runtime. Results and messages follow
//! the kubelet's (`HTTP probe failed with statuscode: 503`).

use super::Outcome;
use super::{grpc, http};
use crate::model::ports::resolve_port;
use crate::runtime::{ContainerRuntime, RuntimeError};
use k8s_openapi::api::core::v1::{Container, ExecAction, Probe, TCPSocketAction};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::TcpStream;

/// One probe attempt: an answer, or no connection to the app at all.
pub(super) enum Attempt {
    Answered(Outcome),
    Unreachable(String),
}

pub(super) fn settle(attempt: Attempt) -> Outcome {
    match attempt {
        Attempt::Answered(o) => o,
        Attempt::Unreachable(e) => Outcome::Failure(e),
    }
}

/// What a handler needs to reach the container.
pub struct Target<'a> {
    pub runtime: &'a dyn ContainerRuntime,
    pub container_id: &'a str,
    pub container: &'a Container,
    /// Published TCP ports: container port → 127.0.0.1:host port.
    pub ports: &'a BTreeMap<u16, SocketAddr>,
}

impl Target<'_> {
    /// The published address of the container's `port` (a number or a port name).
    pub(super) fn addr(
        &self,
        port: &k8s_openapi::apimachinery::pkg::util::intstr::IntOrString,
    ) -> Result<SocketAddr, String> {
        let number = resolve_port(self.container, port).ok_or_else(|| format!("invalid port: {port:?}"))?;
        self.ports
            .get(&number)
            .copied()
            .ok_or_else(|| format!("port {number} is not published for container {:?}", self.container.name))
    }
}

/// Runs `probe` once against `target`.
pub async fn run(probe: &Probe, timeout: Duration, target: &Target<'_>) -> Outcome {
    if let Some(action) = &probe.http_get {
        return http::http_get(action, timeout, target).await;
    }
    if let Some(action) = &probe.tcp_socket {
        return tcp(action, timeout, target).await;
    }
    if let Some(action) = &probe.exec {
        return exec(action, timeout, target).await;
    }
    if let Some(action) = &probe.grpc {
        return grpc::grpc(action, timeout, target).await;
    }
    Outcome::Unknown("missing probe handler".into())
}

/// The address a handler with an optional `host` should connect to: the pod itself (its
/// published port) unless `host` names some other machine.
pub(super) fn destination(
    host: Option<&str>,
    port: &k8s_openapi::apimachinery::pkg::util::intstr::IntOrString,
    target: &Target<'_>,
) -> Result<(String, SocketAddr), String> {
    match host.filter(|h| !h.is_empty() && !matches!(*h, "localhost" | "127.0.0.1" | "::1")) {
        None => target.addr(port).map(|a| (a.to_string(), a)),
        Some(h) => {
            let n = resolve_port(target.container, port).ok_or_else(|| format!("invalid port: {port:?}"))?;
            let addr = std::net::ToSocketAddrs::to_socket_addrs(&(h, n))
                .ok()
                .and_then(|mut a| a.next())
                .ok_or_else(|| format!("dial tcp: lookup {h}: no such host"))?;
            Ok((format!("{h}:{n}"), addr))
        }
    }
}

pub(super) fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::ConnectionRefused => "connection refused".into(),
        _ => e.to_string(),
    }
}

pub async fn tcp(action: &TCPSocketAction, timeout: Duration, target: &Target<'_>) -> Outcome {
    settle(tcp_attempt(action, timeout, target).await)
}

/// How long a fresh connection must stay open to count: Docker's userland proxy accepts on a
/// published port even when nothing listens inside, and then closes at once.
const CLOSE_GRACE: Duration = Duration::from_millis(50);

async fn tcp_attempt(action: &TCPSocketAction, timeout: Duration, target: &Target<'_>) -> Attempt {
    let (_, addr) = match destination(action.host.as_deref(), &action.port, target) {
        Ok(d) => d,
        Err(e) => return Attempt::Answered(Outcome::Failure(e)),
    };
    let stream = match tokio::time::timeout(timeout, TcpStream::connect(addr)).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => {
            return Attempt::Unreachable(format!("dial tcp {addr}: connect: {}", io_reason(&e)));
        }
        Err(_) => {
            return Attempt::Answered(Outcome::Failure(format!("dial tcp {addr}: i/o timeout")));
        }
    };
    let mut byte = [0u8; 1];
    match tokio::time::timeout(CLOSE_GRACE, stream.peek(&mut byte)).await {
        Ok(Ok(0)) | Ok(Err(_)) => Attempt::Unreachable(format!("dial tcp {addr}: connect: connection refused")),
        _ => Attempt::Answered(Outcome::Success),
    }
}

pub async fn exec(action: &ExecAction, timeout: Duration, target: &Target<'_>) -> Outcome {
    let cmd = action.command.clone().unwrap_or_default();
    match target.runtime.exec(target.container_id, &cmd, timeout).await {
        Ok(out) if out.exit_code == 0 => Outcome::Success,
        Ok(out) => Outcome::Failure(out.output.trim_end().to_string()),
        Err(RuntimeError::ExecTimeout(_)) => Outcome::Failure(format!("command {:?} timed out", cmd.join(" "))),
        Err(e) => Outcome::Unknown(e.to_string()),
    }
}

/// How soon the first probe tries again while nothing listens yet.
const FIRST_PROBE_RETRY: Duration = Duration::from_millis(5);

/// The first probe of a new container: while nothing answers on the port at all (the app is
/// still starting), try again every 5 ms, for at most `limit`. A real answer, good or bad, is
/// the result; so a container is Ready as soon as it can be, not one period later.
pub async fn run_first(probe: &Probe, timeout: Duration, target: &Target<'_>, limit: Duration) -> Outcome {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        let attempt = if let Some(action) = &probe.http_get {
            http::attempt(action, timeout, target).await
        } else if let Some(action) = &probe.tcp_socket {
            tcp_attempt(action, timeout, target).await
        } else if let Some(action) = &probe.grpc {
            grpc::attempt(action, timeout, target).await
        } else {
            return run(probe, timeout, target).await;
        };
        match attempt {
            Attempt::Unreachable(_) if tokio::time::Instant::now() + FIRST_PROBE_RETRY < deadline => {
                tokio::time::sleep(FIRST_PROBE_RETRY).await;
            }
            other => return settle(other),
        }
    }
}
