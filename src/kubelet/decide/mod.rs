//! The kubelet's decisions, pure (computePodActions in skiff's terms): from one pod, what the
//! engine shows of its containers now, what the worker remembers (`memory`) and the time, what
//! to ask of the engine next and how each container is to be reported. Every state the engine
//! can show has an answer here; the worker only executes it. No I/O, no clock.

pub mod memory;
#[cfg(test)]
mod tests;

use super::container::{LABEL_CONTAINER, LABEL_RESTART_COUNT};
use super::status::{ContainerView, State, Terminated};
use crate::model::meta;
use crate::printers::duration::go_duration;
use crate::runtime::{ContainerInfo, EngineState};
use k8s_openapi::api::core::v1::{Container, Pod};
use memory::{ContainerMemory, PodMemory, Termination};
use std::collections::BTreeSet;

/// Something to ask of the engine (or of the API, for the pod object itself).
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// A new instance of container `index`: the image per its pull policy, then create. The
    /// instance it follows ended as `after` (its lastState; the crash back-off moves on).
    Create { index: usize, restart_count: i32, after: Option<Terminated> },
    /// Start an instance that was created and never started.
    Start { index: usize, id: String },
    /// Thaw a paused instance: skiff never pauses, and a paused app serves nothing.
    Unpause { index: usize, id: String },
    /// Stop the current instance so that it restarts.
    Stop { index: usize, id: String, why: StopReason },
    /// Force-remove an instance that must not stay (see `RemoveReason`).
    Remove { id: String, why: RemoveReason },
    /// Graceful termination of the pod: out of rotation, drain, preStop, stop these instances.
    Terminate { ids: Vec<String> },
    /// Every container of the terminating pod has stopped: delete the pod object.
    Finalize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopReason {
    Liveness,
    Startup,
    /// The engine's own restart policy keeps restarting it; skiff restarts it instead.
    EngineRestarting,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RemoveReason {
    /// A second live instance of one container (a crash between create and removal).
    Duplicate,
    /// Older than the one instance kept for `logs --previous`.
    Stale,
    /// The engine failed to remove it once; it can never run again.
    Dead,
    /// Not a container of this pod's spec.
    Unknown,
}

/// What to do now, and what to report.
#[derive(Clone, Debug, PartialEq)]
pub struct Decision {
    pub actions: Vec<Action>,
    /// Each container as it is to be reported now, in spec order.
    pub views: Vec<ContainerView>,
    /// When to decide again if nothing happens first (a back-off or a hold running out).
    pub wake: Option<jiff::Timestamp>,
}

/// Whether restartPolicy restarts a container that exited with `exit_code`.
fn restart_wanted(policy: &str, exit_code: i32) -> bool {
    match policy {
        "Never" => false,
        "OnFailure" => exit_code != 0,
        _ => true,
    }
}

/// The restart count an instance carries (its label); -1 when it has none.
pub fn restart_count_of(instance: &ContainerInfo) -> i32 {
    instance.labels.get(LABEL_RESTART_COUNT).and_then(|r| r.parse().ok()).unwrap_or(-1)
}

pub(super) fn container_of(instance: &ContainerInfo) -> Option<&str> {
    instance.labels.get(LABEL_CONTAINER).map(String::as_str)
}

/// Instances of `name` that count: not being removed, by skiff or anyone else.
fn live<'a>(instances: &'a [ContainerInfo], name: &str, removing: &BTreeSet<String>) -> Vec<&'a ContainerInfo> {
    let mut mine: Vec<&ContainerInfo> = instances
        .iter()
        .filter(|i| container_of(i) == Some(name) && i.state != EngineState::Removing && !removing.contains(&i.id))
        .collect();
    // Newest last: by restart count, then a live one over a dead one, then creation time.
    mine.sort_by_key(|i| (restart_count_of(i), i.state.is_alive(), i.created_at, i.id.clone()));
    mine
}

/// The instance of container `name` that represents it now: the newest that counts.
pub fn current_instance<'a>(
    instances: &'a [ContainerInfo],
    name: &str,
    removing: &BTreeSet<String>,
) -> Option<&'a ContainerInfo> {
    live(instances, name, removing).pop()
}

/// How an instance that is no longer running ended, as the engine reports it.
fn ended(i: &ContainerInfo) -> Terminated {
    let exit_code = i32::try_from(i.exit_code).unwrap_or(-1);
    Terminated {
        exit_code,
        reason: Terminated::reason_for(exit_code, i.oom_killed).into(),
        message: (!i.error.is_empty()).then(|| i.error.clone()),
        started_at: i.started_at,
        finished_at: i.finished_at,
        container_id: Some(format!("docker://{}", i.id)),
    }
}

/// Everything `decide` reads.
pub struct Inputs<'a> {
    pub pod: &'a Pod,
    pub instances: &'a [ContainerInfo],
    pub memory: &'a PodMemory,
    pub now: jiff::Timestamp,
}

/// The decision for the pod.
pub fn decide(inputs: &Inputs) -> Decision {
    let spec = inputs.pod.spec.as_ref();
    let containers = spec.map(|s| s.containers.as_slice()).unwrap_or_default();
    let mut d = Decision { actions: Vec::new(), views: Vec::with_capacity(containers.len()), wake: None };
    let removing = &inputs.memory.removing;
    for i in inputs.instances.iter().filter(|i| !removing.contains(&i.id)) {
        if container_of(i).is_none_or(|c| !containers.iter().any(|s| s.name == c)) {
            d.actions.push(Action::Remove { id: i.id.clone(), why: RemoveReason::Unknown });
        }
    }
    let terminating = meta::is_terminating(&inputs.pod.metadata);
    let sandbox_up = containers.first().is_some_and(|c| {
        current_instance(inputs.instances, &c.name, removing).is_some_and(|i| i.state == EngineState::Running)
    });
    for (index, container) in containers.iter().enumerate() {
        let empty = ContainerMemory::default();
        let memory = inputs.memory.containers.get(index).unwrap_or(&empty);
        let may_create = !terminating && (index == 0 || sandbox_up);
        let next_restart_count = next_restart_count(inputs.instances, &container.name, memory);
        let c = ContainerDecision { index, spec: container, memory, may_create, next_restart_count };
        c.decide(inputs, &mut d);
    }
    if terminating {
        terminate(inputs, &mut d);
    }
    d
}

/// A terminating pod: stop what is alive once (again after a failed round), then finalize.
fn terminate(inputs: &Inputs, d: &mut Decision) {
    d.actions.retain(|a| matches!(a, Action::Remove { .. }));
    let alive: Vec<String> = inputs
        .instances
        .iter()
        .filter(|i| i.state.is_alive() && !inputs.memory.removing.contains(&i.id))
        .map(|i| i.id.clone())
        .collect();
    let held = |at: Option<jiff::Timestamp>| at.filter(|t| *t > inputs.now);
    if alive.is_empty() {
        match held(inputs.memory.hold) {
            Some(until) => d.wake = earliest(d.wake, Some(until)),
            None => d.actions.push(Action::Finalize),
        }
        return;
    }
    match inputs.memory.termination {
        Termination::NotStarted => d.actions.push(Action::Terminate { ids: alive }),
        Termination::Underway => {}
        Termination::Ran { again_at } => match held(Some(again_at)) {
            Some(until) => d.wake = earliest(d.wake, Some(until)),
            None => d.actions.push(Action::Terminate { ids: alive }),
        },
    }
}

fn earliest(a: Option<jiff::Timestamp>, b: Option<jiff::Timestamp>) -> Option<jiff::Timestamp> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// One container of the pod being decided.
struct ContainerDecision<'a> {
    index: usize,
    spec: &'a Container,
    memory: &'a ContainerMemory,
    /// Not terminating, and its network (container 0's) is up.
    may_create: bool,
    next_restart_count: i32,
}

/// The restart count of the next instance of container `name`: one more than any instance the
/// engine still shows or the worker saw (names carry it, so it never collides), 0 for the first.
fn next_restart_count(instances: &[ContainerInfo], name: &str, memory: &ContainerMemory) -> i32 {
    let shown = instances.iter().filter(|i| container_of(i) == Some(name)).map(restart_count_of);
    shown.chain(memory.highest_restart_count).max().map_or(0, |n| n.max(-1) + 1)
}

impl ContainerDecision<'_> {
    fn decide(&self, inputs: &Inputs, d: &mut Decision) {
        let mut mine = live(inputs.instances, &self.spec.name, &inputs.memory.removing);
        let current = mine.pop();
        self.remove_extras(&mine, d);
        let held = self.memory.hold.as_ref().filter(|h| h.until > inputs.now);
        if let Some(h) = held {
            d.wake = earliest(d.wake, Some(h.until));
        }
        let mut view = self.view(current, &mine);
        let action = match current {
            Some(i) if i.state.is_alive() => self.alive(i, &mut view),
            Some(i) if i.state == EngineState::Created && self.failed_start(i).is_none() => {
                Some(Action::Start { index: self.index, id: i.id.clone() })
            }
            Some(i) => {
                let end = self.failed_start(i).unwrap_or_else(|| ended(i));
                if i.state == EngineState::Dead {
                    d.actions.push(Action::Remove { id: i.id.clone(), why: RemoveReason::Dead });
                }
                self.after_end(inputs, end, &mut view, d)
            }
            None => match &self.memory.lost {
                Some((_, end)) => self.after_end(inputs, end.clone(), &mut view, d),
                None => Some(Action::Create { index: self.index, restart_count: self.next_restart_count, after: None }),
            },
        };
        match (action, held) {
            (Some(Action::Create { .. } | Action::Start { .. } | Action::Unpause { .. }), _) if !self.may_create => {}
            (Some(_), Some(h)) => {
                if let (Some(b), false) = (&h.blocked, current.is_some_and(|i| i.state.is_alive())) {
                    view.state = State::Waiting { reason: b.reason.clone(), message: b.message.clone() };
                }
            }
            (Some(a), None) => d.actions.push(a),
            (None, _) => {}
        }
        d.views.push(view);
    }

    /// The instance's start failed earlier in this daemon's life: it ended with StartError.
    fn failed_start(&self, i: &ContainerInfo) -> Option<Terminated> {
        self.memory.failed_start.as_ref().filter(|(id, _)| *id == i.id).map(|(_, t)| t.clone())
    }

    /// Older instances: another live one is a duplicate, only the newest ended one is kept.
    fn remove_extras(&self, older: &[&ContainerInfo], d: &mut Decision) {
        let previous = older.iter().rposition(|i| i.state == EngineState::Exited);
        for (n, i) in older.iter().enumerate() {
            let why = match i.state {
                EngineState::Dead => RemoveReason::Dead,
                s if s.is_alive() => RemoveReason::Duplicate,
                _ if Some(n) == previous => continue,
                _ => RemoveReason::Stale,
            };
            d.actions.push(Action::Remove { id: i.id.clone(), why });
        }
    }

    /// A running (or paused, or engine-restarting) current instance.
    fn alive(&self, i: &ContainerInfo, view: &mut ContainerView) -> Option<Action> {
        let (index, id) = (self.index, i.id.clone());
        match i.state {
            EngineState::Paused => return Some(Action::Unpause { index, id }),
            EngineState::Restarting => {
                let why = StopReason::EngineRestarting;
                return (self.memory.stopping.as_ref() != Some(&id)).then_some(Action::Stop { index, id, why });
            }
            _ => {}
        }
        let probes = &self.memory.probes;
        if probes.instance.as_ref() != Some(&id) {
            return None;
        }
        view.ready = probes.ready() && self.memory.stopping.is_none();
        view.started = probes.started();
        let why = match probes.failed()? {
            crate::probe::Kind::Startup => StopReason::Startup,
            _ => StopReason::Liveness,
        };
        view.ready = false;
        (self.memory.stopping.as_ref() != Some(&id)).then_some(Action::Stop { index, id, why })
    }

    /// The current instance ended (`end`): restart it per restartPolicy, after the back-off.
    fn after_end(
        &self,
        inputs: &Inputs,
        end: Terminated,
        view: &mut ContainerView,
        d: &mut Decision,
    ) -> Option<Action> {
        let policy = inputs.pod.spec.as_ref().and_then(|s| s.restart_policy.as_deref()).unwrap_or("Always");
        view.state = State::Terminated(end.clone());
        if !restart_wanted(policy, end.exit_code) {
            return None;
        }
        view.last_state = Some(end.clone());
        let finished = end.finished_at.unwrap_or(inputs.now);
        if let Some(delay) = self.memory.backoff.in_backoff_since(finished, inputs.now) {
            let pod = &inputs.pod.metadata;
            let message = format!(
                "back-off {} restarting failed container={} pod={}_{}({})",
                go_duration(delay),
                self.spec.name,
                meta::name(pod),
                meta::namespace(pod),
                meta::uid(pod)
            );
            view.state = State::Waiting { reason: "CrashLoopBackOff".into(), message: Some(message) };
            d.wake = earliest(d.wake, self.memory.backoff.expires(finished));
            return None;
        }
        Some(Action::Create { index: self.index, restart_count: self.next_restart_count, after: Some(end) })
    }

    /// How the container is reported before any action: the current instance's state.
    fn view(&self, current: Option<&ContainerInfo>, older: &[&ContainerInfo]) -> ContainerView {
        let state = match current {
            Some(i) if i.state.is_alive() => State::Running { started_at: i.started_at.unwrap_or_default() },
            _ => State::Waiting { reason: "ContainerCreating".into(), message: None },
        };
        let previous = older.iter().rev().find(|i| i.state == EngineState::Exited).map(|i| ended(i));
        ContainerView {
            name: self.spec.name.clone(),
            image: self.spec.image.clone().unwrap_or_default(),
            image_id: current.map(|i| i.image_id.clone()).filter(|s| !s.is_empty()),
            container_id: current.map(|i| format!("docker://{}", i.id)),
            state,
            last_state: self.memory.last_state.clone().or(previous),
            restart_count: current.map(restart_count_of).unwrap_or(0).max(0),
            ready: false,
            started: false,
        }
    }
}
