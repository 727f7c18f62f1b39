//! One pod's worker: an actor that owns the pod's containers. It starts them (pulling images
//! by policy), restarts them with back-off, probes them, publishes readiness and status, and
//! terminates them gracefully. Messages from the kubelet (pod changes, container events) and
//! its own timers drive it; it never shares its state.

mod probes;
mod slot;
mod start;
mod terminate;

use super::StartupSync;
use super::endpoints::{EndpointSink, PodEndpoint};
use super::status::{self, ContainerView, State, Terminated};
use crate::model::{KubeObject, Object, meta};
use crate::printers::duration::go_duration;
use crate::registry::Registry;
use crate::registry::events::EventType;
use crate::runtime::{ContainerRuntime, ContainerStatus, ContainerSummary, RuntimeAction, RuntimeError, RuntimeEvent};
use futures_util::future::BoxFuture;
use futures_util::stream::{FuturesUnordered, StreamExt};
use k8s_openapi::api::core::v1::{ObjectReference, Pod, PodStatus};
use slot::Slot;
use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use tokio::sync::mpsc;
use tokio::time::Instant;

/// What every worker shares.
pub struct Env {
    pub runtime: Arc<dyn ContainerRuntime>,
    pub registry: Arc<Registry>,
    pub endpoints: Arc<dyn EndpointSink>,
    /// This daemon's instance id: the label on every container it creates.
    pub instance: String,
    pub host_ip: IpAddr,
    /// Lets container starts go ahead of stops and removals.
    pub engine: Arc<super::engine::Engine>,
}

/// What the kubelet tells a worker.
#[derive(Debug)]
pub enum Message {
    /// The pod object changed (deletion started, metadata edited).
    Pod(Box<Pod>),
    /// The pod object is gone: remove its containers and stop.
    Deleted,
    /// Something happened to one of the pod's containers.
    Runtime(RuntimeEvent),
    /// Check the containers against the engine (the safety net for missed events), given the
    /// pod's containers in a listing of the engine.
    Resync(Vec<ContainerSummary>),
}

/// Everything the pod's status and endpoint are derived from. A probe that confirms what was
/// already known changes none of it, so most passes end at one comparison.
#[derive(PartialEq)]
struct Inputs {
    views: Vec<ContainerView>,
    ports: Vec<BTreeMap<u16, SocketAddr>>,
    resource_version: Option<String>,
}

pub struct Worker {
    env: Arc<Env>,
    pod: Pod,
    slots: Vec<Slot>,
    start_time: jiff::Timestamp,
    probes: FuturesUnordered<BoxFuture<'static, probes::Done>>,
    background: FuturesUnordered<BoxFuture<'static, ()>>,
    termination: Option<BoxFuture<'static, ()>>,
    terminated: bool,
    published: Option<PodEndpoint>,
    written: Option<PodStatus>,
    /// What `written` and `published` were derived from: while it holds, there is nothing to do.
    derived_from: Option<Inputs>,
    /// Containers skiff itself removed: their destroy events are expected.
    removed: BTreeSet<String>,
}

/// Runs the worker for `pod` until the pod is gone (`Deleted`) or the kubelet stops (the
/// channel closes; containers are then left running for the next start to adopt).
pub async fn run(
    env: Arc<Env>,
    pod: Pod,
    adopted: Vec<ContainerSummary>,
    sync: Option<StartupSync>,
    mut rx: mpsc::Receiver<Message>,
) {
    let mut w = Worker::new(env, pod);
    w.adopt(adopted).await;
    if let Some(sync) = sync {
        // What was serving before the restart is routed again before anything new starts.
        w.publish().await;
        drop(sync);
    }
    loop {
        w.step().await;
        let wake = w.next_wake();
        tokio::select! {
            message = rx.recv() => match message {
                None => return,
                Some(Message::Deleted) => return w.remove_everything().await,
                Some(Message::Pod(pod)) => w.pod.metadata = pod.metadata,
                Some(Message::Runtime(event)) => w.on_runtime_event(event).await,
                Some(Message::Resync(listed)) => w.resync(&listed).await,
            },
            Some(done) = w.probes.next(), if !w.probes.is_empty() => w.on_probe(done).await,
            Some(()) = w.background.next(), if !w.background.is_empty() => {}
            () = poll_termination(&mut w.termination) => {
                w.termination = None;
                w.finalize().await;
            }
            () = sleep_until(wake) => {}
        }
    }
}

async fn poll_termination(termination: &mut Option<BoxFuture<'static, ()>>) {
    match termination {
        Some(f) => f.await,
        None => std::future::pending().await,
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

impl Worker {
    fn new(env: Arc<Env>, pod: Pod) -> Worker {
        let containers = pod.spec.as_ref().map(|s| s.containers.clone()).unwrap_or_default();
        let start_time = pod
            .status
            .as_ref()
            .and_then(|s| s.start_time.as_ref())
            .map(|t| t.0)
            .unwrap_or_else(|| env.registry.clock().now());
        Worker {
            env,
            slots: containers.into_iter().map(Slot::new).collect(),
            written: pod.status.clone(),
            pod,
            start_time,
            probes: FuturesUnordered::new(),
            background: FuturesUnordered::new(),
            termination: None,
            terminated: false,
            published: None,
            derived_from: None,
            removed: BTreeSet::new(),
        }
    }

    fn now(&self) -> jiff::Timestamp {
        self.env.registry.clock().now()
    }

    fn terminating(&self) -> bool {
        meta::is_terminating(&self.pod.metadata)
    }

    /// One pass: start termination if asked, start due containers, launch due probes, publish.
    async fn step(&mut self) {
        if self.terminating() && self.termination.is_none() && !self.terminated {
            self.begin_termination().await;
        }
        if !self.terminating() {
            for i in 0..self.slots.len() {
                if self.slots[i].start_at.is_some_and(|at| at <= Instant::now()) {
                    self.start(i).await;
                }
            }
            self.launch_due_probes();
        }
        self.publish().await;
    }

    fn next_wake(&self) -> Option<Instant> {
        let starts = self.slots.iter().filter_map(|s| s.start_at);
        let probes = self.slots.iter().flat_map(|s| s.probes.iter()).filter(|p| !p.in_flight).filter_map(|p| p.next_at);
        starts.chain(probes).min()
    }

    fn container_ref(&self, container: Option<&str>) -> ObjectReference {
        let mut r = crate::registry::events::reference(&Object::Pod(self.pod.clone()));
        r.field_path = container.map(|c| format!("spec.containers{{{c}}}"));
        r
    }

    async fn event(&mut self, container: Option<&str>, t: EventType, reason: &str, message: String) {
        self.env.registry.events().record_ref(self.container_ref(container), t, reason, &message, "kubelet").await;
    }

    /// `web-7d9c6c8d4f-x2k9p_default(uid)`, as the kubelet formats a pod in messages.
    fn pod_label(&self) -> String {
        let m = &self.pod.metadata;
        format!("{}_{}({})", meta::name(m), meta::namespace(m), meta::uid(m))
    }

    /// Publishes the endpoint and writes the status when they changed, in that order: once
    /// the API says a pod is Ready, the proxy already routes to it, and a pod leaves rotation
    /// before the API says it is not Ready.
    async fn publish(&mut self) {
        let mut inputs = Inputs {
            views: self.slots.iter().map(Slot::view).collect(),
            ports: self.slots.iter().map(|s| s.ports.clone()).collect(),
            resource_version: self.pod.metadata.resource_version.clone(),
        };
        if self.derived_from.as_ref() == Some(&inputs) {
            return;
        }
        let endpoint = self.endpoint();
        if self.published.as_ref() != Some(&endpoint) {
            self.env.endpoints.publish(endpoint.clone()).await;
            self.published = Some(endpoint);
        }
        let host_ip = self.env.host_ip.to_string();
        let status = status::build(&self.pod, &inputs.views, &host_ip, self.start_time, self.now());
        let mut settled = true;
        if self.written.as_ref() != Some(&status) {
            let mut pod = self.pod.clone();
            pod.status = Some(status.clone());
            match self.env.registry.update_status_object(pod.into_object(), None).await {
                Ok(updated) => {
                    if let Some(p) = Pod::from_object(&updated) {
                        self.pod.metadata = p.metadata.clone();
                        self.pod.status = p.status.clone();
                    }
                    self.written = Some(status);
                }
                Err(e) => {
                    tracing::debug!(pod = meta::name(&self.pod.metadata), error = %e, "pod status not written");
                    settled = false;
                }
            }
        }
        if settled {
            inputs.resource_version = self.pod.metadata.resource_version.clone();
            self.derived_from = Some(inputs);
        }
    }

    fn endpoint(&self) -> PodEndpoint {
        let m = &self.pod.metadata;
        let port_names = self
            .slots
            .iter()
            .flat_map(|s| s.spec.ports.iter().flatten())
            .filter_map(|p| Some((p.name.clone()?, u16::try_from(p.container_port).ok()?)))
            .collect();
        PodEndpoint {
            uid: meta::uid(m).into(),
            namespace: meta::namespace(m).into(),
            name: meta::name(m).into(),
            labels: meta::labels(m),
            ready: !self.slots.is_empty() && self.slots.iter().all(Slot::ready) && !self.terminating(),
            terminating: self.terminating(),
            ports: self.slots.iter().flat_map(|s| s.ports.clone()).collect(),
            port_names,
        }
    }

    fn slot_of(&self, id: &str) -> Option<usize> {
        self.slots.iter().position(|s| s.id.as_deref() == Some(id))
    }

    async fn on_runtime_event(&mut self, event: RuntimeEvent) {
        let Some(i) = self.slot_of(&event.id) else {
            return;
        };
        match event.action {
            RuntimeAction::Die { .. } | RuntimeAction::Oom => self.on_exit(i).await,
            RuntimeAction::Destroy if !self.removed.contains(&event.id) => self.on_removed_outside(i).await,
            _ => {}
        }
    }

    /// The engine is the truth: containers that vanished or stopped without an event.
    /// A container the listing shows running is fine; any other is inspected (the listing may
    /// predate it, or it exited without an event).
    async fn resync(&mut self, listed: &[ContainerSummary]) {
        for i in 0..self.slots.len() {
            let Some(id) = self.slots[i].id.clone() else {
                continue;
            };
            if listed.iter().any(|c| c.id == id && c.running) {
                continue;
            }
            match self.env.runtime.inspect(&id).await {
                Err(RuntimeError::NotFound(_)) => self.on_removed_outside(i).await,
                Ok(info) if info.status == ContainerStatus::Exited && self.slots[i].running() => self.on_exit(i).await,
                _ => {}
            }
        }
    }

    /// A container of ours was removed behind skiff's back: like a lost node, the pod is gone
    /// and its ReplicaSet replaces it.
    async fn on_removed_outside(&mut self, i: usize) {
        if self.terminating() {
            return;
        }
        let name = self.slots[i].name().to_string();
        tracing::warn!(pod = meta::name(&self.pod.metadata), container = %name, "container removed outside skiff; deleting the pod");
        self.slots[i].id = None;
        let msg = format!(
            "Container {name} was removed outside skiff; the pod is deleted so that its controller replaces it"
        );
        self.event(Some(&name), EventType::Warning, "Failed", msg).await;
        let key = Object::Pod(self.pod.clone()).key();
        let opts = crate::registry::DeleteOptions {
            grace_period_seconds: Some(0),
            preconditions: crate::store::Preconditions { uid: self.pod.metadata.uid.clone(), resource_version: None },
            ..Default::default()
        };
        if let Err(e) = self.env.registry.delete(&key, &opts).await {
            tracing::debug!(error = %e, "pod already gone");
        }
    }

    /// A container exited: record it, then restart it per restartPolicy, with back-off.
    async fn on_exit(&mut self, i: usize) {
        let Some(id) = self.slots[i].id.clone() else {
            return;
        };
        let info = match self.env.runtime.inspect(&id).await {
            Ok(info) => info,
            Err(RuntimeError::NotFound(_)) => return self.on_removed_outside(i).await,
            Err(e) => return tracing::warn!(error = %e, "cannot inspect exited container"),
        };
        match &info.status {
            ContainerStatus::Other(s) if s == "removing" => {
                return self.on_removed_outside(i).await;
            }
            ContainerStatus::Running | ContainerStatus::Created => return,
            _ => {}
        }
        let exit_code = i32::try_from(info.exit_code).unwrap_or(-1);
        let finished = info.finished_at.unwrap_or_else(|| self.now());
        let terminated = Terminated {
            exit_code,
            reason: Terminated::reason_for(exit_code, info.oom_killed).into(),
            message: (!info.error.is_empty()).then(|| info.error.clone()),
            started_at: info.started_at,
            finished_at: Some(finished),
            container_id: Some(format!("docker://{id}")),
        };
        let slot = &mut self.slots[i];
        slot.state = State::Terminated(terminated.clone());
        slot.stopping = false;
        slot.generation += 1;
        slot.probes.clear();
        if self.terminating() {
            return;
        }
        let policy = self.pod.spec.as_ref().and_then(|s| s.restart_policy.clone()).unwrap_or_else(|| "Always".into());
        let restart = policy == "Always" || (policy == "OnFailure" && exit_code != 0);
        if restart {
            self.schedule_restart(i, terminated, finished).await;
        }
    }

    /// Restart at once, or wait out the crash back-off in CrashLoopBackOff.
    async fn schedule_restart(&mut self, i: usize, terminated: Terminated, finished: jiff::Timestamp) {
        let now = self.now();
        let clock = *self.env.registry.clock();
        let pod_label = self.pod_label();
        let slot = &mut self.slots[i];
        slot.last_state = Some(terminated);
        match slot.backoff.in_backoff_since(finished, now) {
            Some(delay) => {
                let name = slot.name().to_string();
                slot.state = State::Waiting {
                    reason: "CrashLoopBackOff".into(),
                    message: Some(format!(
                        "back-off {} restarting failed container={name} pod={pod_label}",
                        go_duration(delay)
                    )),
                };
                slot.start_at = slot.backoff.expires(finished).map(|t| clock.instant_at(t));
                let msg = format!("Back-off restarting failed container {name} in pod {pod_label}");
                self.event(Some(&name), EventType::Warning, "BackOff", msg).await;
            }
            None => {
                slot.backoff.next(finished, now);
                slot.start_at = Some(Instant::now());
            }
        }
    }

    /// The pod object is gone: leave the proxy; its containers are removed in the background.
    async fn remove_everything(&mut self) {
        self.env.endpoints.remove(meta::uid(&self.pod.metadata)).await;
        for slot in &self.slots {
            for id in slot.id.iter().chain(&slot.previous_id) {
                self.removed.insert(id.clone());
                self.env.engine.remove_later(id.clone());
            }
        }
    }
}
