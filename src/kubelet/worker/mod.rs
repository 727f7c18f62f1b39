//! One pod's worker: the async shell around `decide`. It keeps what the engine shows of the
//! pod's containers up to date (adoption, container events, resyncs), asks `decide` what to do,
//! executes it, runs the probes, and publishes the pod's endpoint and status. Messages from the
//! kubelet and its own timers drive it; it never shares its state.

mod config;
mod execute;
mod image;
mod observe;
mod probes;
mod publish;
mod terminate;

use super::StartupSync;
use super::decide::memory::PodMemory;
use super::decide::{self, Decision, Inputs};
use super::endpoints::{EndpointSink, PodEndpoint};
use crate::model::{Object, meta};
use crate::registry::Registry;
use crate::registry::events::EventType;
use crate::runtime::{ContainerInfo, ContainerRuntime, ContainerSummary, RuntimeEvent};
use futures_util::future::BoxFuture;
use futures_util::stream::{FuturesUnordered, StreamExt};
use k8s_openapi::api::core::v1::{Container, ObjectReference, Pod, PodStatus};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;

/// Decide-and-execute rounds in one pass; more means a decision that never settles (a bug).
const MAX_ROUNDS: usize = 32;
/// How long a restarted daemon keeps the proxy waiting for an adopted pod's first probes.
const SYNC_LIMIT: Duration = Duration::from_secs(5);

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
    /// Where pods' volumes live on this host (`<state>/volumes`).
    pub volumes_dir: std::path::PathBuf,
    /// How probes and lifecycle hooks reach containers' ports.
    pub probes: Arc<dyn crate::probe::transport::Transport>,
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
    /// A ConfigMap or Secret the pod references changed.
    Config,
    /// Check the containers against the engine (the safety net for missed events), given the
    /// pod's containers in a listing of the engine.
    Resync(Vec<ContainerSummary>),
}

pub struct Worker {
    env: Arc<Env>,
    pod: Pod,
    /// What the engine showed of this pod's containers when last asked.
    instances: Vec<ContainerInfo>,
    memory: PodMemory,
    start_time: jiff::Timestamp,
    probes: FuturesUnordered<BoxFuture<'static, probes::Done>>,
    background: FuturesUnordered<BoxFuture<'static, Background>>,
    termination: Option<BoxFuture<'static, ()>>,
    published: Option<PodEndpoint>,
    written: Option<PodStatus>,
    /// Containers created and not started yet, by index: to the engine's ordering their start
    /// is in progress from the create request on, so stops and removals wait for it.
    created: std::collections::BTreeMap<usize, super::engine::Starting>,
    /// Held until the adopted pod's first probes have answered (or `SYNC_LIMIT`).
    sync: Option<(StartupSync, Instant)>,
    wake: Option<Instant>,
}

/// A finished background request: which instance to look at again.
struct Background {
    id: String,
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
    let mut w = Worker::new(env, pod, sync);
    for c in &adopted {
        w.refresh(&c.id).await;
    }
    loop {
        w.settle().await;
        let wake = w.next_wake();
        tokio::select! {
            message = rx.recv() => match message {
                None => return,
                Some(Message::Deleted) => return w.remove_everything().await,
                Some(Message::Pod(pod)) => w.pod.metadata = pod.metadata,
                Some(Message::Runtime(event)) => w.refresh(&event.id).await,
                Some(Message::Config) => w.config_changed().await,
                Some(Message::Resync(listed)) => {
                    w.resync(&listed).await;
                    w.refresh_volumes().await;
                }
            },
            Some(done) = w.probes.next(), if !w.probes.is_empty() => w.on_probe(done).await,
            Some(done) = w.background.next(), if !w.background.is_empty() => w.refresh(&done.id).await,
            () = poll_termination(&mut w.termination) => w.termination_ran().await,
            () = sleep_until(wake) => {}
        }
    }
}

/// The containers of `pod`'s spec.
fn containers_of(pod: &Pod) -> &[Container] {
    pod.spec.as_ref().map(|s| s.containers.as_slice()).unwrap_or_default()
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
    fn new(env: Arc<Env>, pod: Pod, sync: Option<StartupSync>) -> Worker {
        let start_time = pod
            .status
            .as_ref()
            .and_then(|s| s.start_time.as_ref())
            .map(|t| t.0)
            .unwrap_or_else(|| env.registry.clock().now());
        Worker {
            memory: PodMemory::new(&pod),
            written: pod.status.clone(),
            env,
            pod,
            instances: Vec::new(),
            start_time,
            probes: FuturesUnordered::new(),
            background: FuturesUnordered::new(),
            termination: None,
            published: None,
            created: Default::default(),
            sync: sync.map(|s| (s, Instant::now() + SYNC_LIMIT)),
            wake: None,
        }
    }

    fn now(&self) -> jiff::Timestamp {
        self.env.registry.clock().now()
    }

    fn containers(&self) -> &[Container] {
        containers_of(&self.pod)
    }

    /// Decides and executes until nothing is left to do now, publishing as it goes; then
    /// launches the probes that are due.
    async fn settle(&mut self) {
        for _ in 0..MAX_ROUNDS {
            let decision = self.decide();
            self.wake = decision.wake.map(|t| self.env.registry.clock().instant_at(t));
            self.publish(&decision).await;
            if decision.actions.is_empty() {
                self.launch_due_probes();
                return;
            }
            for action in decision.actions {
                self.execute(action).await;
            }
        }
        tracing::warn!(pod = meta::name(&self.pod.metadata), "decisions did not settle; trying again later");
        self.wake = Some(Instant::now() + Duration::from_secs(1));
    }

    fn decide(&mut self) -> Decision {
        let now = self.now();
        // Borrowed from the pod field alone (not through `self`), so not cloned for `observe`.
        self.memory.observe(containers_of(&self.pod), &self.instances, now);
        decide::decide(&Inputs { pod: &self.pod, instances: &self.instances, memory: &self.memory, now })
    }

    fn next_wake(&self) -> Option<Instant> {
        let probes = self.memory.containers.iter().flat_map(|c| c.probes.slots.iter());
        let probes = probes.filter(|p| !p.in_flight).filter_map(|p| p.next_at);
        let sync = self.sync.as_ref().map(|(_, limit)| *limit);
        probes.chain(self.wake).chain(sync).min()
    }

    fn container_ref(&self, container: Option<&str>) -> ObjectReference {
        let mut r = crate::registry::events::reference(&Object::Pod(self.pod.clone()));
        r.field_path = container.map(|c| format!("spec.containers{{{c}}}"));
        r
    }

    async fn event(&mut self, container: Option<&str>, t: EventType, reason: &str, message: String) {
        self.env.registry.events().record_ref(self.container_ref(container), t, reason, &message, "kubelet").await;
    }

    fn container_name(&self, index: usize) -> String {
        self.containers().get(index).map(|c| c.name.clone()).unwrap_or_default()
    }

    /// The pod object is gone: leave the proxy; its containers are removed in the background,
    /// its volumes at once.
    async fn remove_everything(&mut self) {
        self.env.endpoints.remove(meta::uid(&self.pod.metadata)).await;
        for i in &self.instances {
            self.env.engine.remove_later(i.id.clone());
        }
        self.remove_volumes().await;
    }
}
