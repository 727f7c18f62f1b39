//! Executing what `decide` returned, one engine request per action. A request that fails puts
//! the container on hold (a retry later, with the reason shown as its Waiting state) so that the
//! next decision does not repeat it at once; every answer is read back from the engine.

use super::{Background, Worker};
use crate::kubelet::container;
use crate::kubelet::decide::memory::{Blocked, Hold, Termination};
use crate::kubelet::decide::{Action, RemoveReason, StopReason};
use crate::kubelet::status::Terminated;
use crate::model::meta;
use crate::registry::events::EventType;
use crate::runtime::{EngineState, RuntimeError};
use futures_util::FutureExt;
use k8s_openapi::api::core::v1::Service;
use std::time::Duration;

/// Retry delay after a request that has no back-off of its own (create, unpause errors).
pub(super) const RETRY: Duration = Duration::from_secs(10);
/// The runtime stops a container with at least this much grace, as the kubelet does.
pub(super) const MINIMUM_GRACE: Duration = Duration::from_secs(2);

impl Worker {
    pub(super) async fn execute(&mut self, action: Action) {
        match action {
            Action::Create { index, restart_count, after } => self.create(index, restart_count, after).await,
            Action::Start { index, id } => self.start(index, &id).await,
            Action::Unpause { index, id } => self.unpause(index, &id).await,
            Action::Stop { index, id, why } => self.stop_unhealthy(index, id, why).await,
            Action::Remove { id, why } => self.remove(id, why),
            Action::Terminate { ids } => self.begin_termination(ids).await,
            Action::Finalize => self.finalize().await,
        }
    }

    /// Holds container `index` until `RETRY` from now, showing `blocked` meanwhile.
    pub(super) fn hold(&mut self, index: usize, blocked: Option<Blocked>) {
        let until = self.now() + jiff::SignedDuration::try_from(RETRY).unwrap_or_default();
        if let Some(m) = self.memory.containers.get_mut(index) {
            m.hold = Some(Hold { until, blocked, waits_for_config: false });
        }
    }

    async fn create(&mut self, index: usize, restart_count: i32, after: Option<Terminated>) {
        let now = self.now();
        if let (Some(end), Some(m)) = (&after, self.memory.containers.get_mut(index)) {
            m.backoff.next(end.finished_at.unwrap_or(now), now);
            m.last_state = Some(end.clone());
        }
        let starting = self.env.engine.starting();
        if !self.ensure_image(index).await {
            return;
        }
        let Some(spec) = self.containers().get(index).cloned() else { return };
        let Some(mut prepared) = self.prepare(index, &spec).await else { return };
        prepared.join = self.network_of_first_container(index);
        let services = self.env.registry.list_typed::<Service>(Some(meta::namespace(&self.pod.metadata)));
        prepared.publish = crate::model::ports::pod_ports_to_publish(&self.pod, &services);
        let (instance, host_ip) = (&self.env.instance, self.env.host_ip);
        let config = container::config(&self.pod, &spec, instance, restart_count, host_ip, prepared);
        match self.env.runtime.create(&config).await {
            Ok(id) => {
                self.created.insert(index, starting);
                let msg = format!("Created container: {}", spec.name);
                self.event(Some(&spec.name), EventType::Normal, "Created", msg).await;
                self.refresh(&id).await;
            }
            Err(e) => {
                let message = e.to_string();
                self.event(Some(&spec.name), EventType::Warning, "Failed", format!("Error: {message}")).await;
                self.hold(index, Some(Blocked::new("CreateContainerError", message)));
            }
        }
    }

    /// Containers after the first share its network, as the containers of a pod do.
    fn network_of_first_container(&self, index: usize) -> Option<String> {
        let first = self.containers().first()?;
        let current = self.memory.containers.first()?.current.as_ref()?;
        let running = self.instances.iter().any(|i| i.id == current.id && i.state == EngineState::Running);
        (index > 0 && running && !first.name.is_empty()).then(|| current.id.clone())
    }

    async fn start(&mut self, index: usize, id: &str) {
        let name = self.container_name(index);
        let result = {
            // The guard taken at its create request, or a new one (an adopted container).
            let _starting = self.created.remove(&index).unwrap_or_else(|| self.env.engine.starting());
            self.env.runtime.start(id).await
        };
        match result {
            Ok(()) => self.event(Some(&name), EventType::Normal, "Started", format!("Started container {name}")).await,
            Err(RuntimeError::NotFound(_)) => {}
            Err(e) => {
                let msg = format!("Error: failed to start container {name:?}: {e}");
                self.event(Some(&name), EventType::Warning, "Failed", msg).await;
                let ended = Terminated::start_error(e.to_string(), self.now(), id);
                if let Some(m) = self.memory.containers.get_mut(index) {
                    m.failed_start = Some((id.to_string(), ended));
                }
            }
        }
        self.refresh(id).await;
    }

    async fn unpause(&mut self, index: usize, id: &str) {
        let name = self.container_name(index);
        tracing::warn!(pod = meta::name(&self.pod.metadata), container = %name, "container was paused outside skiff; unpausing");
        if let Err(e) = self.env.runtime.unpause(id).await {
            tracing::warn!(container = %id, error = %e, "could not unpause container");
            self.hold(index, None);
        }
        self.refresh(id).await;
    }

    /// Stops an instance that must restart; its exit then goes through the restart path.
    async fn stop_unhealthy(&mut self, index: usize, id: String, why: StopReason) {
        let name = self.container_name(index);
        let pod_grace = self.pod.spec.as_ref().and_then(|s| s.termination_grace_period_seconds).unwrap_or(30);
        let probe = match why {
            StopReason::Liveness => self.containers().get(index).and_then(|c| c.liveness_probe.as_ref()),
            StopReason::Startup => self.containers().get(index).and_then(|c| c.startup_probe.as_ref()),
            StopReason::EngineRestarting => None,
        };
        let grace = probe.and_then(|p| p.termination_grace_period_seconds).unwrap_or(pod_grace);
        let grace = Duration::from_secs(u64::try_from(grace).unwrap_or(0)).max(MINIMUM_GRACE);
        let message = match why {
            StopReason::Liveness => format!("Container {name} failed liveness probe, will be restarted"),
            StopReason::Startup => format!("Container {name} failed startup probe, will be restarted"),
            StopReason::EngineRestarting => {
                format!("Container {name} is being restarted by the engine; skiff restarts it")
            }
        };
        self.event(Some(&name), EventType::Normal, "Killing", message).await;
        if let Some(m) = self.memory.containers.get_mut(index) {
            m.stopping = Some(id.clone());
        }
        let runtime = self.env.runtime.clone();
        self.background.push(
            async move {
                if let Err(e) = runtime.stop(&id, grace).await {
                    tracing::warn!(container = %id, error = %e, "could not stop container");
                }
                Background { id }
            }
            .boxed(),
        );
    }

    fn remove(&mut self, id: String, why: RemoveReason) {
        tracing::info!(pod = meta::name(&self.pod.metadata), container = %id, reason = ?why, "removing container");
        self.memory.removing.insert(id.clone());
        self.env.engine.remove_later(id);
    }

    pub(super) async fn termination_ran(&mut self) {
        self.termination = None;
        let again_at = self.now() + jiff::SignedDuration::from_secs(2);
        self.memory.termination = Termination::Ran { again_at };
        let ids: Vec<String> = self.instances.iter().map(|i| i.id.clone()).collect();
        for id in ids {
            self.refresh(&id).await;
        }
    }
}
