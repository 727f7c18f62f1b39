//! The kubelet's side of the seam to the proxy: each pod worker publishes whether its pod can
//! serve (ready, not terminating) and where (published ports), and asks the proxy to tell it
//! when a terminating pod has no request left in flight.

use async_trait::async_trait;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use tokio::time::Instant;

/// A pod as a backend for Services.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PodEndpoint {
    pub uid: String,
    pub namespace: String,
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub ready: bool,
    pub terminating: bool,
    /// Container port → 127.0.0.1:host port.
    pub ports: BTreeMap<u16, SocketAddr>,
    /// Container port names → numbers (for `targetPort: http`).
    pub port_names: BTreeMap<String, u16>,
    /// The process whose network namespace is the pod's: unpublished ports are reached there.
    pub netns: Option<u32>,
    /// Every container passes its readiness checks, terminating or not (EndpointSlice's
    /// `serving`); `ready` is this and not terminating.
    pub serving: bool,
    /// The pod's address on the engine's network: shown in Endpoints, never sent traffic.
    pub ip: Option<String>,
}

#[async_trait]
pub trait EndpointSink: Send + Sync + 'static {
    /// Publishes the pod's state; returns once new requests are routed accordingly.
    async fn publish(&self, endpoint: PodEndpoint);
    /// The pod is gone.
    async fn remove(&self, uid: &str);
    /// Returns when no proxied request to the pod is in flight, or at `deadline`.
    async fn wait_idle(&self, uid: &str, deadline: Instant);
    /// Every pod the kubelet found at start has been published once: Services may take
    /// connections without answering 503 for pods that are in fact serving.
    fn synced(&self);
}

/// For a kubelet without a proxy (tests).
pub struct NoEndpoints;

#[async_trait]
impl EndpointSink for NoEndpoints {
    async fn publish(&self, _: PodEndpoint) {}
    async fn remove(&self, _: &str) {}
    async fn wait_idle(&self, _: &str, _: Instant) {}
    fn synced(&self) {}
}
