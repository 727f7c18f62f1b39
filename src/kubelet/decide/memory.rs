//! What a pod's worker remembers between observations of the engine, and nothing the engine
//! itself can tell: probe results of the current instance, back-offs, engine requests it made
//! (removals, stops, a start that failed), holds after failures, and the instance it last saw
//! as current, so that one vanishing behind skiff's back is noticed. A new daemon starts with
//! an empty memory: nothing here is carried over a crash except through the engine itself.

use super::{Terminated, container_of, current_instance, restart_count_of};
use crate::kubelet::backoff::Backoff;
use crate::probe::{Counter, Kind, Recorded, Spec};
use crate::runtime::ContainerInfo;
use k8s_openapi::api::core::v1::{Container, Pod};
use std::collections::BTreeSet;
use tokio::time::Instant;

/// One probe of the current instance: its threshold counter and when it runs next.
pub struct ProbeSlot {
    pub spec: Spec,
    pub counter: Counter,
    pub next_at: Option<Instant>,
    pub in_flight: bool,
    /// No probe of this instance has run yet: the first waits for the port to open.
    pub first: bool,
}

/// The probes of one container instance.
#[derive(Default)]
pub struct Probes {
    /// The instance these results belong to.
    pub instance: Option<String>,
    pub slots: Vec<ProbeSlot>,
}

impl Probes {
    fn fresh(container: &Container, instance: &str, now: Instant) -> Probes {
        let slots = Spec::for_container(container)
            .into_iter()
            .map(|spec| ProbeSlot {
                counter: Counter::new(&spec),
                spec,
                next_at: Some(now),
                in_flight: false,
                first: true,
            })
            .collect();
        Probes { instance: Some(instance.to_string()), slots }
    }

    fn recorded(&self, kind: Kind) -> Option<Recorded> {
        self.slots.iter().find(|p| p.spec.kind == kind).map(|p| p.counter.recorded())
    }

    /// The startup probe (if any) has succeeded for this instance.
    pub fn started(&self) -> bool {
        self.recorded(Kind::Startup).is_none_or(|r| r == Recorded::Success)
    }

    /// Started, and the readiness probe (if any) has succeeded in this daemon's lifetime.
    pub fn ready(&self) -> bool {
        self.started() && self.recorded(Kind::Readiness).is_none_or(|r| r == Recorded::Success)
    }

    /// Readiness is known: the startup probe (if any) has answered, and then the readiness
    /// probe (if any) too.
    pub fn readiness_known(&self) -> bool {
        let answered = |kind| self.slots.iter().filter(|p| p.spec.kind == kind).all(|p| !p.first && !p.in_flight);
        if self.started() { answered(Kind::Readiness) } else { answered(Kind::Startup) }
    }

    /// The liveness or startup probe has recorded a failure: the instance must be restarted.
    pub fn failed(&self) -> Option<Kind> {
        [Kind::Startup, Kind::Liveness].into_iter().find(|k| self.recorded(*k) == Some(Recorded::Failure))
    }
}

/// An instance the worker saw as a container's current one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Known {
    pub id: String,
    pub restart_count: i32,
}

/// Why a container cannot be brought up now, shown as its Waiting reason until `until`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Blocked {
    pub reason: String,
    pub message: Option<String>,
}

impl Blocked {
    pub fn new(reason: &str, message: impl Into<String>) -> Blocked {
        Blocked { reason: reason.into(), message: Some(message.into()) }
    }
}

/// No engine request for the container before `until` (a request failed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hold {
    pub until: jiff::Timestamp,
    pub blocked: Option<Blocked>,
    /// It waits for a ConfigMap or Secret the pod references: lifted as soon as one changes.
    pub waits_for_config: bool,
}

#[derive(Default)]
pub struct ContainerMemory {
    pub current: Option<Known>,
    /// The highest restart count seen on any instance: the next one counts on from it.
    pub highest_restart_count: Option<i32>,
    /// The current instance vanished without skiff removing it (`docker rm -f`, or while the
    /// daemon was down): it ends as the kubelet ends a container it cannot locate.
    pub lost: Option<(Known, Terminated)>,
    pub probes: Probes,
    pub backoff: Backoff,
    pub pull_backoff: Backoff,
    pub hold: Option<Hold>,
    /// The instance whose start failed, with how it ended.
    pub failed_start: Option<(String, Terminated)>,
    /// The instance before the current one, as it ended (for lastState).
    pub last_state: Option<Terminated>,
    /// A stop of this instance is in flight.
    pub stopping: Option<String>,
}

/// Where the pod's graceful termination stands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Termination {
    #[default]
    NotStarted,
    Underway,
    /// It ran; anything still alive is stopped again from `again_at`.
    Ran {
        again_at: jiff::Timestamp,
    },
}

#[derive(Default)]
pub struct PodMemory {
    pub containers: Vec<ContainerMemory>,
    /// Instances skiff asked the engine to remove: their disappearance is expected.
    pub removing: BTreeSet<String>,
    pub termination: Termination,
    /// No pod-level request (finalizing) before this time.
    pub hold: Option<jiff::Timestamp>,
}

impl PodMemory {
    /// A ConfigMap or Secret the pod references changed: containers waiting for one may try
    /// again now.
    pub fn release_config_holds(&mut self) {
        for c in &mut self.containers {
            if c.hold.as_ref().is_some_and(|h| h.waits_for_config) {
                c.hold = None;
            }
        }
    }

    /// A fresh memory for `pod`. Its last reported status names the instances the previous
    /// daemon ran, so one that vanished while no daemon watched is noticed like any other.
    pub fn new(pod: &Pod) -> PodMemory {
        let containers = pod.spec.as_ref().map(|s| s.containers.as_slice()).unwrap_or_default();
        let reported = pod.status.as_ref().and_then(|s| s.container_statuses.as_ref());
        let known = |c: &Container| {
            let status = reported?.iter().find(|s| s.name == c.name)?;
            let id = status.container_id.as_deref()?.strip_prefix("docker://")?.to_string();
            Some(Known { id, restart_count: status.restart_count })
        };
        PodMemory {
            containers: containers
                .iter()
                .map(|c| {
                    let current = known(c);
                    let highest_restart_count = current.as_ref().map(|k| k.restart_count);
                    ContainerMemory { current, highest_restart_count, ..Default::default() }
                })
                .collect(),
            ..Default::default()
        }
    }

    /// Brings the memory in line with what the engine shows now: the current instance of each
    /// container (fresh probes when it changes or starts running), and a current instance that
    /// vanished without skiff removing it.
    pub fn observe(&mut self, containers: &[Container], instances: &[ContainerInfo], now: jiff::Timestamp) {
        let tick = Instant::now();
        for (spec, memory) in containers.iter().zip(self.containers.iter_mut()) {
            let current = current_instance(instances, &spec.name, &self.removing);
            let shown = instances.iter().filter(|i| container_of(i) == Some(spec.name.as_str())).map(restart_count_of);
            memory.highest_restart_count = shown.chain(memory.highest_restart_count).max();
            if let Some(known) = memory.current.as_ref().filter(|k| !self.removing.contains(&k.id))
                && !instances.iter().any(|i| i.id == known.id)
                && current.is_none_or(|c| restart_count_of(c) < known.restart_count)
            {
                memory.lost = Some((known.clone(), Terminated::lost(now)));
            }
            let Some(current) = current else {
                memory.current = None;
                continue;
            };
            memory.current = Some(Known { id: current.id.clone(), restart_count: restart_count_of(current) });
            if memory.lost.as_ref().is_some_and(|(k, _)| k.restart_count < restart_count_of(current)) {
                memory.lost = None;
            }
            let fresh = memory.probes.instance.as_deref() != Some(&current.id);
            if fresh && current.state.is_alive() {
                memory.probes = Probes::fresh(spec, &current.id, tick);
            }
            if memory.stopping.as_deref().is_some_and(|id| id != current.id || !current.state.is_alive()) {
                memory.stopping = None;
            }
        }
        self.removing.retain(|id| instances.iter().any(|i| &i.id == id));
    }
}
