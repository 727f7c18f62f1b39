//! One container of a pod as the worker tracks it: the current Docker instance, its state,
//! restarts and back-off, published ports, probes.

use crate::kubelet::backoff::Backoff;
use crate::kubelet::status::{ContainerView, State, Terminated};
use crate::probe::{self, Counter, Recorded, Spec};
use k8s_openapi::api::core::v1::Container;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use tokio::time::Instant;

pub(super) struct ProbeSlot {
    pub spec: Spec,
    pub counter: Counter,
    pub next_at: Option<Instant>,
    pub in_flight: bool,
    /// No probe of this instance has run yet: the first waits for the port to open.
    pub first: bool,
}

pub(super) struct Slot {
    pub spec: Container,
    /// The current Docker container.
    pub id: Option<String>,
    /// The previous instance, kept for `logs --previous`.
    pub previous_id: Option<String>,
    pub image_id: Option<String>,
    pub state: State,
    pub last_state: Option<Terminated>,
    pub restart_count: i32,
    pub ports: BTreeMap<u16, SocketAddr>,
    pub backoff: Backoff,
    pub pull_backoff: Backoff,
    /// When to (re)start the container; `None` while running or not restarting.
    pub start_at: Option<Instant>,
    /// Bumped for every new instance: results of older probes are dropped.
    pub generation: u64,
    pub probes: Vec<ProbeSlot>,
    /// A kill (liveness failure, termination) is under way.
    pub stopping: bool,
}

impl Slot {
    pub fn new(spec: Container) -> Slot {
        Slot {
            spec,
            id: None,
            previous_id: None,
            image_id: None,
            state: State::Waiting { reason: "ContainerCreating".into(), message: None },
            last_state: None,
            restart_count: 0,
            ports: BTreeMap::new(),
            backoff: Backoff::default(),
            pull_backoff: Backoff::default(),
            start_at: Some(Instant::now()),
            generation: 0,
            probes: Vec::new(),
            stopping: false,
        }
    }

    pub fn name(&self) -> &str {
        &self.spec.name
    }

    pub fn image(&self) -> String {
        self.spec.image.clone().unwrap_or_default()
    }

    pub fn running(&self) -> bool {
        matches!(self.state, State::Running { .. })
    }

    fn recorded(&self, kind: probe::Kind) -> Option<Recorded> {
        self.probes.iter().find(|p| p.spec.kind == kind).map(|p| p.counter.recorded())
    }

    /// Started: running, and the startup probe (if any) succeeded.
    pub fn started(&self) -> bool {
        self.running() && self.recorded(probe::Kind::Startup).is_none_or(|r| r == Recorded::Success)
    }

    /// Ready: started, and the readiness probe (if any) succeeded.
    pub fn ready(&self) -> bool {
        self.started() && self.recorded(probe::Kind::Readiness).is_none_or(|r| r == Recorded::Success)
    }

    /// Fresh probe state for a new instance: every probe due at once.
    pub fn reset_probes(&mut self, now: Instant) {
        self.generation += 1;
        self.probes = Spec::for_container(&self.spec)
            .into_iter()
            .map(|spec| ProbeSlot {
                counter: Counter::new(&spec),
                spec,
                next_at: Some(now),
                in_flight: false,
                first: true,
            })
            .collect();
    }

    pub fn view(&self) -> ContainerView {
        ContainerView {
            name: self.spec.name.clone(),
            image: self.image(),
            image_id: self.image_id.clone(),
            container_id: self.id.as_ref().map(|id| format!("docker://{id}")),
            state: self.state.clone(),
            last_state: self.last_state.clone(),
            restart_count: self.restart_count,
            ready: self.ready(),
            started: self.started(),
        }
    }
}
