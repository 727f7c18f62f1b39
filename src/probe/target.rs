//! What every probe handler shares: the container it reaches (`Target`), where to connect
//! (`destination`), and one attempt's result before a refused connection counts (`Attempt`).

use super::Outcome;
use super::transport::Transport;
use crate::model::ports::resolve_port;
use crate::runtime::ContainerRuntime;
use k8s_openapi::api::core::v1::Container;
use std::collections::BTreeMap;
use std::net::SocketAddr;

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
    /// How probes reach those ports.
    pub transport: &'a dyn Transport,
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
