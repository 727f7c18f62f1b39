//! Graceful termination, better than Kubernetes: the pod leaves Service rotation first, then
//! skiff waits for the requests the proxy already sent it to finish (bounded by the grace
//! period), then runs preStop, sends SIGTERM, and SIGKILL when the grace period runs out.

use super::{Env, Worker};
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

/// The runtime stops a container with at least this much grace, as the kubelet does.
const MINIMUM_GRACE: Duration = Duration::from_secs(2);

struct Stopping {
    id: String,
    container: Container,
    ports: BTreeMap<u16, SocketAddr>,
    reference: ObjectReference,
}

impl Worker {
    pub(super) async fn begin_termination(&mut self) {
        // Out of rotation first: publish() sends ready=false, terminating=true and returns once
        // the proxy routes no new request here.
        self.publish().await;
        let clock = *self.env.registry.clock();
        let deadline =
            self.pod.metadata.deletion_timestamp.as_ref().map(|t| clock.instant_at(t.0)).unwrap_or_else(Instant::now);
        let mut stopping = Vec::new();
        for slot in self.slots.iter().filter(|s| s.running()) {
            let Some(id) = slot.id.clone() else { continue };
            let reference = self.container_ref(Some(slot.name()));
            stopping.push(Stopping { id, container: slot.spec.clone(), ports: slot.ports.clone(), reference });
        }
        for slot in &mut self.slots {
            slot.stopping = slot.running();
            slot.start_at = None;
        }
        if stopping.is_empty() {
            self.terminated = true;
            return self.finalize().await;
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
                join_all(stopping.into_iter().map(|s| stop_one(env.clone(), s, deadline))).await;
            }
            .boxed(),
        );
    }

    /// Every container has stopped: record their final state, then remove the pod object.
    pub(super) async fn finalize(&mut self) {
        self.terminated = true;
        for i in 0..self.slots.len() {
            if self.slots[i].running() {
                self.on_exit(i).await;
            }
        }
        self.publish().await;
        let key = Object::Pod(self.pod.clone()).key();
        let opts = DeleteOptions {
            grace_period_seconds: Some(0),
            preconditions: Preconditions { uid: self.pod.metadata.uid.clone(), resource_version: None },
            ..Default::default()
        };
        match self.env.registry.delete(&key, &opts).await {
            Ok(_) | Err(ApiError::NotFound { .. }) | Err(ApiError::Conflict { .. }) => {}
            Err(e) => {
                tracing::warn!(pod = %key.name, error = %e, "could not remove terminated pod")
            }
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
    let target =
        handler::Target { runtime: &*env.runtime, container_id: &s.id, container: &s.container, ports: &s.ports };
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
