//! Running one probe or lifecycle handler: HTTP(S) GET (see `http`), gRPC health check (see
//! `grpc`) and TCP connect to the container's 127.0.0.1 published port, exec through the runtime. Results and messages follow
//! the kubelet's (`HTTP probe failed with statuscode: 503`).

use super::Outcome;
pub use super::target::Target;
use super::target::{Attempt, destination, io_reason, settle};
use super::{grpc, http};
use crate::runtime::RuntimeError;
use k8s_openapi::api::core::v1::{ExecAction, Probe, TCPSocketAction};
use std::time::Duration;
use tokio::io::AsyncReadExt;

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
    let mut stream = match tokio::time::timeout(timeout, target.transport.connect(addr)).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => {
            return Attempt::Unreachable(format!("dial tcp {addr}: connect: {}", io_reason(&e)));
        }
        Err(_) => {
            return Attempt::Answered(Outcome::Failure(format!("dial tcp {addr}: i/o timeout")));
        }
    };
    // Whatever the app sends first is not looked at: only whether the connection stays open.
    let mut byte = [0u8; 1];
    match tokio::time::timeout(CLOSE_GRACE, stream.read(&mut byte)).await {
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
