//! Starting a container: the image by imagePullPolicy (with pull back-off), create, start,
//! and adoption of containers a previous daemon run left behind.

use super::Worker;
use crate::kubelet::container::{self, LABEL_CONTAINER, LABEL_RESTART_COUNT};
use crate::kubelet::status::{State, Terminated};
use crate::model::meta;
use crate::registry::events::EventType;
use crate::runtime::{ContainerStatus, ContainerSummary};
use std::time::Duration;
use tokio::time::Instant;

/// Retry delay after a failure that has no back-off of its own (create errors).
const RETRY: Duration = Duration::from_secs(10);
/// How soon a pod with a failed pull is looked at again (the kubelet's pod sync).
const POD_SYNC: Duration = Duration::from_secs(2);

impl Worker {
    /// Brings up container `i`: image, create, start. Failures leave it Waiting with a reason.
    pub(super) async fn start(&mut self, i: usize) {
        let _starting = self.env.engine.starting();
        self.slots[i].start_at = None;
        let now = self.now();
        let slot = &mut self.slots[i];
        if matches!(&slot.state, State::Waiting { reason, .. } if reason == "CrashLoopBackOff") {
            // The back-off window has passed: the next crash waits twice as long.
            let finished = slot.last_state.as_ref().and_then(|t| t.finished_at).unwrap_or(now);
            slot.backoff.next(finished, now);
        }
        if !self.ensure_image(i).await {
            return;
        }
        let restart_count = self.next_restart_count(i);
        let join = if i > 0 { self.slots[0].id.clone().filter(|_| self.slots[0].running()) } else { None };
        let config = container::config(
            &self.pod,
            &self.slots[i].spec,
            &self.env.instance,
            restart_count,
            self.env.host_ip,
            join,
        );
        let name = self.slots[i].name().to_string();
        self.remove_stale_instance(i).await;
        let id = match self.env.runtime.create(&config).await {
            Ok(id) => id,
            Err(e) => {
                return self.wait_after(i, "CreateContainerError", e.to_string()).await;
            }
        };
        self.event(Some(&name), EventType::Normal, "Created", format!("Created container: {name}")).await;
        let slot = &mut self.slots[i];
        slot.previous_id = slot.id.replace(id.clone());
        slot.restart_count = restart_count;
        if let Err(e) = self.env.runtime.start(&id).await {
            let msg = format!("Error: failed to start container {name:?}: {e}");
            self.event(Some(&name), EventType::Warning, "Failed", msg).await;
            let finished = self.now();
            let terminated = Terminated {
                exit_code: 128,
                reason: "StartError".into(),
                message: Some(e.to_string()),
                started_at: None,
                finished_at: Some(finished),
                container_id: Some(format!("docker://{id}")),
            };
            self.slots[i].state = State::Terminated(terminated.clone());
            return self.schedule_restart(i, terminated, finished).await;
        }
        self.event(Some(&name), EventType::Normal, "Started", format!("Started container {name}")).await;
        self.mark_running(i, &id).await;
    }

    /// restartCount counts every instance before this one.
    fn next_restart_count(&self, i: usize) -> i32 {
        let slot = &self.slots[i];
        if slot.id.is_some() { slot.restart_count + 1 } else { slot.restart_count }
    }

    /// Keeps one dead instance for `logs --previous`; the one before it goes to the janitor.
    async fn remove_stale_instance(&mut self, i: usize) {
        if let Some(old) = self.slots[i].previous_id.take() {
            self.removed.insert(old.clone());
            self.env.engine.remove_later(old);
        }
    }

    /// Reads the started container back (ports, start time) and resets its probes.
    async fn mark_running(&mut self, i: usize, id: &str) {
        let info = match self.env.runtime.inspect(id).await {
            Ok(info) => info,
            Err(e) => {
                return tracing::warn!(container = %id, error = %e, "cannot inspect started container");
            }
        };
        let now = self.now();
        let slot = &mut self.slots[i];
        slot.ports = info.ports;
        slot.image_id = Some(info.image_id);
        slot.state = State::Running { started_at: info.started_at.unwrap_or(now) };
        slot.reset_probes(Instant::now());
    }

    async fn wait_after(&mut self, i: usize, reason: &str, message: String) {
        let name = self.slots[i].name().to_string();
        self.event(Some(&name), EventType::Warning, "Failed", format!("Error: {message}")).await;
        let slot = &mut self.slots[i];
        slot.state = State::Waiting { reason: reason.into(), message: Some(message) };
        slot.start_at = Some(Instant::now() + RETRY);
    }

    /// Makes the image available per imagePullPolicy; false (and a Waiting reason) if not.
    async fn ensure_image(&mut self, i: usize) -> bool {
        let image = self.slots[i].image();
        let name = self.slots[i].name().to_string();
        let policy = self.slots[i].spec.image_pull_policy.clone().unwrap_or_else(|| "IfNotPresent".into());
        let present = match self.env.runtime.image_present(&image).await {
            Ok(p) => p,
            Err(e) => {
                self.wait_after(i, "ErrImageInspect", e.to_string()).await;
                return false;
            }
        };
        match policy.as_str() {
            "Never" if !present => {
                let msg = format!("Container image {image:?} is not present with pull policy of Never");
                self.event(Some(&name), EventType::Warning, "ErrImageNeverPull", msg.clone()).await;
                self.set_waiting_with_pull_backoff(i, "ErrImageNeverPull", msg);
                false
            }
            "Never" | "IfNotPresent" if present => {
                let msg = format!("Container image {image:?} already present on machine");
                self.event(Some(&name), EventType::Normal, "Pulled", msg).await;
                true
            }
            _ => self.pull(i, &image, &name).await,
        }
    }

    async fn pull(&mut self, i: usize, image: &str, name: &str) -> bool {
        let now = self.now();
        if self.slots[i].pull_backoff.in_backoff_since_update(now).is_some() {
            let msg = format!("Back-off pulling image {image:?}");
            self.event(Some(name), EventType::Normal, "BackOff", msg.clone()).await;
            self.event(Some(name), EventType::Warning, "Failed", "Error: ImagePullBackOff".into()).await;
            let retry = self.pull_retry_at(i);
            let slot = &mut self.slots[i];
            slot.state = State::Waiting { reason: "ImagePullBackOff".into(), message: Some(msg) };
            slot.start_at = retry;
            return false;
        }
        self.event(Some(name), EventType::Normal, "Pulling", format!("Pulling image {image:?}")).await;
        let started = Instant::now();
        match self.env.runtime.pull_image(image).await {
            Ok(()) => {
                let took = started.elapsed();
                let msg = format!("Successfully pulled image {image:?} in {took:.3?} ({took:.3?} including waiting)");
                self.event(Some(name), EventType::Normal, "Pulled", msg).await;
                true
            }
            Err(e) => {
                let msg = format!("Failed to pull image {image:?}: {e}");
                self.event(Some(name), EventType::Warning, "Failed", msg.clone()).await;
                self.event(Some(name), EventType::Warning, "Failed", "Error: ErrImagePull".into()).await;
                self.set_waiting_with_pull_backoff(i, "ErrImagePull", msg);
                false
            }
        }
    }

    /// A failed pull: back off, and look again soon, as the kubelet's next pod sync does, so
    /// that the status moves on to ImagePullBackOff while the back-off lasts.
    fn set_waiting_with_pull_backoff(&mut self, i: usize, reason: &str, message: String) {
        let now = self.now();
        self.slots[i].pull_backoff.next(now, now);
        let slot = &mut self.slots[i];
        slot.state = State::Waiting { reason: reason.into(), message: Some(message) };
        slot.start_at = Some(Instant::now() + POD_SYNC);
    }

    fn pull_retry_at(&self, i: usize) -> Option<Instant> {
        let backoff = &self.slots[i].pull_backoff;
        let at = backoff.last_update().and_then(|t| backoff.expires(t))?;
        Some(self.env.registry.clock().instant_at(at))
    }

    /// Takes over containers a previous run of the daemon created for this pod: the newest
    /// instance of each container becomes current (running, or exited and due a restart).
    pub(super) async fn adopt(&mut self, containers: Vec<ContainerSummary>) {
        let previous = self.pod.status.clone().unwrap_or_default().container_statuses.unwrap_or_default();
        for i in 0..self.slots.len() {
            let name = self.slots[i].name().to_string();
            let mut mine: Vec<&ContainerSummary> =
                containers.iter().filter(|c| c.labels.get(LABEL_CONTAINER) == Some(&name)).collect();
            mine.sort_by_key(|c| c.labels.get(LABEL_RESTART_COUNT).and_then(|r| r.parse::<i32>().ok()).unwrap_or(0));
            let Some(newest) = mine.pop() else { continue };
            for stale in mine {
                self.removed.insert(stale.id.clone());
                let _ = self.env.runtime.remove(&stale.id).await;
            }
            let was = previous.iter().find(|s| s.name == name);
            self.adopt_one(i, newest, was).await;
        }
    }

    async fn adopt_one(
        &mut self,
        i: usize,
        c: &ContainerSummary,
        was: Option<&k8s_openapi::api::core::v1::ContainerStatus>,
    ) {
        let slot = &mut self.slots[i];
        slot.id = Some(c.id.clone());
        slot.restart_count = c.labels.get(LABEL_RESTART_COUNT).and_then(|r| r.parse().ok()).unwrap_or(0);
        slot.start_at = None;
        tracing::info!(pod = meta::name(&self.pod.metadata), container = slot.name(), id = %c.id, "adopted container");
        let info = match self.env.runtime.inspect(&c.id).await {
            Ok(info) => info,
            Err(_) => return self.slots[i].start_at = Some(Instant::now()),
        };
        if info.status != ContainerStatus::Running {
            self.slots[i].state = State::Running { started_at: info.started_at.unwrap_or_else(|| self.now()) };
            return self.on_exit(i).await;
        }
        let was_ready =
            was.is_some_and(|s| s.ready && s.container_id.as_deref() == Some(&format!("docker://{}", c.id)));
        self.mark_running(i, &c.id).await;
        let slot = &mut self.slots[i];
        slot.last_state = was.and_then(|s| s.last_state.as_ref()?.terminated.as_ref()).map(|t| Terminated {
            exit_code: t.exit_code,
            reason: t.reason.clone().unwrap_or_default(),
            message: t.message.clone(),
            started_at: t.started_at.as_ref().map(|x| x.0),
            finished_at: t.finished_at.as_ref().map(|x| x.0),
            container_id: t.container_id.clone(),
        });
        if was_ready {
            // It was serving before the restart: keep it in rotation until a probe says otherwise.
            for p in &mut slot.probes {
                p.counter.assume_success();
            }
        }
    }
}
