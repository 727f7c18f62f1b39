//! Graceful termination, better than Kubernetes: the pod leaves Service rotation first, then
//! skiff waits for the requests the proxy already sent it to finish (bounded by the grace
//! period), lets container starts in progress finish first (a rollout's next replicas: the
//! engine serializes much of a stop's work with theirs), then runs preStop, sends SIGTERM, and
//! SIGKILL when the grace period runs out. Finally the pod object is removed.

use super::execute::{MINIMUM_GRACE, RETRY};
use super::{Env, Worker};
use crate::kubelet::decide::memory::Termination;
use crate::model::{Object, meta};
use crate::probe::handler;
use crate::registry::events::EventType;
use crate::registry::{ApiError, DeleteOptions};
use crate::runtime::RuntimeError;
use crate::store::Preconditions;
use futures_util::FutureExt;
use futures_util::future::join_all;
use k8s_openapi::api::core::v1::{Container, LifecycleHandler, ObjectReference};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

/// How long a drained pod's stop waits at most for container starts in progress to finish
/// (and never more than half the grace period left). Out of rotation and drained, the pod
/// serves nobody meanwhile, and the rollout's next replicas start sooner (README, Benchmarks:
/// `cargo bench --bench rollout`).
const STOP_PATIENCE: Duration = Duration::from_secs(5);

struct Stopping {
    id: String,
    container: Container,
    ports: BTreeMap<u16, SocketAddr>,
    reference: ObjectReference,
}

impl Worker {
    /// Out of rotation, then drain, preStop and stop `ids` in the background.
    pub(super) async fn begin_termination(&mut self, ids: Vec<String>) {
        self.memory.termination = Termination::Underway;
        // Its own containers will not start now: what waits for starts must not wait for them.
        self.created.clear();
        // Out of rotation (still serving what it has: EndpointSlice's serving+terminating);
        // publish returns once the proxy routes no new request here.
        let mut endpoint = self.published.clone().unwrap_or_else(|| self.endpoint(&[]));
        (endpoint.ready, endpoint.terminating) = (false, true);
        self.env.endpoints.publish(endpoint.clone()).await;
        self.published = Some(endpoint);
        let clock = *self.env.registry.clock();
        let deadline =
            self.pod.metadata.deletion_timestamp.as_ref().map(|t| clock.instant_at(t.0)).unwrap_or_else(Instant::now);
        let mut stopping = Vec::new();
        for id in ids {
            let Some(info) = self.instances.iter().find(|i| i.id == id) else { continue };
            let name = info.labels.get(crate::kubelet::container::LABEL_CONTAINER).cloned().unwrap_or_default();
            let Some(container) = self.containers().iter().find(|c| c.name == name).cloned() else { continue };
            let reference = self.container_ref(Some(&name));
            stopping.push(Stopping { id, container, ports: info.ports.clone(), reference });
        }
        for s in &stopping {
            let msg = format!("Stopping container {}", s.container.name);
            self.event(Some(&s.container.name), EventType::Normal, "Killing", msg).await;
        }
        let env = self.env.clone();
        let uid = meta::uid(&self.pod.metadata).to_string();
        self.termination = Some(
            async move {
                env.endpoints.wait_idle(&uid, deadline).await;
                let patience = deadline.saturating_duration_since(Instant::now()) / 2;
                env.engine.until_quiet(patience.min(STOP_PATIENCE)).await;
                join_all(stopping.into_iter().map(|s| stop_one(env.clone(), s, deadline))).await;
            }
            .boxed(),
        );
    }

    /// Every container has stopped: remove the pod object (its containers go when the
    /// kubelet sees it deleted). Not repeated before `RETRY` if the API refuses.
    pub(super) async fn finalize(&mut self) {
        let retry = self.now() + jiff::SignedDuration::try_from(RETRY).unwrap_or_default();
        self.memory.hold = Some(retry);
        let key = Object::Pod(self.pod.clone()).key();
        let opts = DeleteOptions {
            grace_period_seconds: Some(0),
            preconditions: Preconditions { uid: self.pod.metadata.uid.clone(), resource_version: None },
            ..Default::default()
        };
        match self.env.registry.delete(&key, &opts).await {
            Ok(_) | Err(ApiError::NotFound { .. }) | Err(ApiError::Conflict { .. }) => {}
            Err(e) => tracing::warn!(pod = %key.name, error = %e, "could not remove terminated pod"),
        }
    }
}

/// preStop (its time counts against the grace period), then stop with what is left.
async fn stop_one(env: Arc<Env>, s: Stopping, deadline: Instant) {
    if let Some(hook) = s.container.lifecycle.as_ref().and_then(|l| l.pre_stop.as_ref()) {
        let remaining = deadline.saturating_duration_since(Instant::now());
        if !remaining.is_zero()
            && let Err(message) = run_pre_stop(&env, &s, hook, remaining).await
        {
            let msg = format!("PreStopHook failed: {message}");
            env.registry
                .events()
                .record_ref(s.reference.clone(), EventType::Warning, "FailedPreStopHook", &msg, "kubelet")
                .await;
        }
    }
    let grace = deadline.saturating_duration_since(Instant::now()).max(MINIMUM_GRACE);
    match env.runtime.stop(&s.id, grace).await {
        Ok(()) | Err(RuntimeError::NotFound(_)) => {}
        Err(e) => tracing::warn!(container = %s.id, error = %e, "could not stop container"),
    }
}

async fn run_pre_stop(env: &Env, s: &Stopping, hook: &LifecycleHandler, limit: Duration) -> Result<(), String> {
    if let Some(sleep) = &hook.sleep {
        let secs = Duration::from_secs(u64::try_from(sleep.seconds).unwrap_or(0));
        tokio::time::sleep(secs.min(limit)).await;
        return Ok(());
    }
    let target = handler::Target {
        runtime: &*env.runtime,
        container_id: &s.id,
        container: &s.container,
        ports: &s.ports,
        transport: &*env.probes,
    };
    let outcome = if let Some(exec) = &hook.exec {
        handler::exec(exec, limit, &target).await
    } else if let Some(http) = &hook.http_get {
        crate::probe::http::http_get(http, limit, &target).await
    } else {
        return Ok(());
    };
    match outcome {
        crate::probe::Outcome::Success | crate::probe::Outcome::Warning(_) => Ok(()),
        crate::probe::Outcome::Failure(m) | crate::probe::Outcome::Unknown(m) => Err(m),
    }
}
