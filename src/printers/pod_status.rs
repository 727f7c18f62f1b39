//! The READY, STATUS and RESTARTS cells of a pod, exactly as the apiserver's `printPod` computes
//! them.

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{Container, ContainerStatus, Pod, PodCondition, PodStatus};

use super::duration::since;

/// The three computed cells of a pod row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodRow {
    /// `ready/total`, e.g. `1/1` (restartable init "sidecar" containers count in the total).
    pub ready: String,
    /// The STATUS column, e.g. `Running`, `CrashLoopBackOff`, `Init:0/1`, `Terminating`.
    pub status: String,
    /// The RESTARTS column, e.g. `0` or `3 (42s ago)`.
    pub restarts: String,
}

/// Restart count and newest last-termination time gathered while walking container statuses.
#[derive(Default, Clone, Copy)]
struct Restarts {
    count: i64,
    last: Option<Timestamp>,
}

impl Restarts {
    fn add(&mut self, status: &ContainerStatus) {
        self.count += i64::from(status.restart_count);
        let finished = status
            .last_state
            .as_ref()
            .and_then(|s| s.terminated.as_ref())
            .and_then(|t| t.finished_at.as_ref())
            .map(|t| t.0);
        if let Some(f) = finished
            && self.last.is_none_or(|l| l < f)
        {
            self.last = Some(f);
        }
    }

    fn render(self, now: Timestamp) -> String {
        match self.last {
            Some(last) if self.count != 0 => {
                format!("{} ({} ago)", self.count, since(Some(last), now))
            }
            _ => self.count.to_string(),
        }
    }
}

/// Mutable state of the `printPod` walk.
struct Walk {
    reason: String,
    ready: usize,
    total: usize,
    restarts: Restarts,
    sidecar_restarts: Restarts,
}

/// Computes READY, STATUS and RESTARTS for `pod`, with ages measured at `now`.
///
/// Follows `printPod` in k8s `pkg/printers/internalversion/printers.go`: phase (or
/// `status.reason`), `SchedulingGated`, init containers (`Init:…`), app containers walked
/// last to first so the first in spec order wins, the `Completed` → `Running`/`NotReady`
/// fix-up, then `Terminating` / `Unknown` when a deletion timestamp is set.
pub fn pod_row(pod: &Pod, now: Timestamp) -> PodRow {
    let default_status = PodStatus::default();
    let status = pod.status.as_ref().unwrap_or(&default_status);
    let spec_init: &[Container] = pod.spec.as_ref().and_then(|s| s.init_containers.as_deref()).unwrap_or(&[]);
    let app_total = pod.spec.as_ref().map_or(0, |s| s.containers.len());
    let phase = status.phase.clone().unwrap_or_default();
    let mut walk = Walk {
        reason: initial_reason(status, &phase),
        ready: 0,
        total: app_total + spec_init.iter().filter(|c| is_restartable(Some(c))).count(),
        restarts: Restarts::default(),
        sidecar_restarts: Restarts::default(),
    };
    let initializing = walk_init_containers(&mut walk, status, spec_init);
    if !initializing || condition_true(status, "Initialized") {
        walk_app_containers(&mut walk, status);
    }
    if pod.metadata.deletion_timestamp.is_some() {
        if status.reason.as_deref() == Some("NodeLost") {
            walk.reason = "Unknown".to_string();
        } else if phase != "Failed" && phase != "Succeeded" {
            walk.reason = "Terminating".to_string();
        }
    }
    PodRow { ready: format!("{}/{}", walk.ready, walk.total), status: walk.reason, restarts: walk.restarts.render(now) }
}

/// The phase, overridden by `status.reason`, overridden by a `SchedulingGated` PodScheduled
/// condition.
fn initial_reason(status: &PodStatus, phase: &str) -> String {
    let mut reason = match status.reason.as_deref() {
        Some(r) if !r.is_empty() => r.to_string(),
        _ => phase.to_string(),
    };
    let gated =
        conditions(status).iter().any(|c| c.type_ == "PodScheduled" && c.reason.as_deref() == Some("SchedulingGated"));
    if gated {
        reason = "SchedulingGated".to_string();
    }
    reason
}

/// Walks init container statuses in order; returns whether the pod is still initializing.
fn walk_init_containers(walk: &mut Walk, status: &PodStatus, spec_init: &[Container]) -> bool {
    let statuses = status.init_container_statuses.as_deref().unwrap_or(&[]);
    for (i, cs) in statuses.iter().enumerate() {
        walk.restarts.add(cs);
        let sidecar = is_restartable(spec_init.iter().find(|c| c.name == cs.name));
        if sidecar {
            walk.sidecar_restarts.add(cs);
        }
        let state = cs.state.as_ref();
        let terminated = state.and_then(|s| s.terminated.as_ref());
        let waiting_reason =
            state.and_then(|s| s.waiting.as_ref()).and_then(|w| w.reason.as_deref()).filter(|r| !r.is_empty());
        if terminated.is_some_and(|t| t.exit_code == 0) {
            continue;
        }
        if sidecar && cs.started == Some(true) {
            if cs.ready {
                walk.ready += 1;
            }
            continue;
        }
        walk.reason = match (terminated, waiting_reason) {
            (Some(t), _) => format!("Init:{}", terminated_reason(t.reason.as_deref(), t.signal, t.exit_code)),
            (None, Some(r)) if r != "PodInitializing" => format!("Init:{r}"),
            _ => format!("Init:{i}/{}", spec_init.len()),
        };
        return true;
    }
    false
}

/// Walks app container statuses from last to first, so the first container in spec order wins.
fn walk_app_containers(walk: &mut Walk, status: &PodStatus) {
    walk.restarts = walk.sidecar_restarts;
    let mut has_running = false;
    for cs in status.container_statuses.as_deref().unwrap_or(&[]).iter().rev() {
        walk.restarts.add(cs);
        let state = cs.state.as_ref();
        let waiting = state.and_then(|s| s.waiting.as_ref()).and_then(|w| w.reason.as_deref());
        let terminated = state.and_then(|s| s.terminated.as_ref());
        if let Some(r) = waiting.filter(|r| !r.is_empty()) {
            walk.reason = r.to_string();
        } else if let Some(t) = terminated {
            walk.reason = terminated_reason(t.reason.as_deref(), t.signal, t.exit_code);
        } else if cs.ready && state.is_some_and(|s| s.running.is_some()) {
            has_running = true;
            walk.ready += 1;
        }
    }
    if walk.reason == "Completed" && has_running {
        walk.reason = if condition_true(status, "Ready") { "Running" } else { "NotReady" }.to_string();
    }
}

/// A terminated state's reason, or `Signal:N` / `ExitCode:N` when the runtime gave none.
fn terminated_reason(reason: Option<&str>, signal: Option<i32>, exit_code: i32) -> String {
    match (reason.filter(|r| !r.is_empty()), signal.filter(|s| *s != 0)) {
        (Some(r), _) => r.to_string(),
        (None, Some(s)) => format!("Signal:{s}"),
        (None, None) => format!("ExitCode:{exit_code}"),
    }
}

/// An init container with `restartPolicy: Always` (a sidecar).
fn is_restartable(container: Option<&Container>) -> bool {
    container.is_some_and(|c| c.restart_policy.as_deref() == Some("Always"))
}

fn conditions(status: &PodStatus) -> &[PodCondition] {
    status.conditions.as_deref().unwrap_or(&[])
}

/// Whether the first condition of type `type_` has status `True`.
fn condition_true(status: &PodStatus, type_: &str) -> bool {
    conditions(status).iter().find(|c| c.type_ == type_).is_some_and(|c| c.status == "True")
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::{
        ContainerState, ContainerStateRunning, ContainerStateTerminated, ContainerStateWaiting, PodSpec,
    };
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};

    const NOW: &str = "2026-11-27T03:21:09Z";

    fn now() -> Timestamp {
        NOW.parse().unwrap()
    }

    fn container(name: &str) -> Container {
        Container { name: name.to_string(), ..Default::default() }
    }

    fn waiting(reason: &str) -> ContainerState {
        ContainerState {
            waiting: Some(ContainerStateWaiting { reason: Some(reason.to_string()), ..Default::default() }),
            ..Default::default()
        }
    }

    fn terminated(reason: Option<&str>, exit_code: i32, signal: Option<i32>) -> ContainerState {
        ContainerState {
            terminated: Some(ContainerStateTerminated {
                reason: reason.map(str::to_string),
                exit_code,
                signal,
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    fn running() -> ContainerState {
        ContainerState { running: Some(ContainerStateRunning::default()), ..Default::default() }
    }

    fn status(name: &str, state: ContainerState, ready: bool) -> ContainerStatus {
        ContainerStatus { name: name.to_string(), state: Some(state), ready, ..Default::default() }
    }

    fn pod(phase: &str, statuses: Vec<ContainerStatus>) -> Pod {
        let containers = statuses.iter().map(|s| container(&s.name)).collect();
        Pod {
            spec: Some(PodSpec { containers, ..Default::default() }),
            status: Some(PodStatus {
                phase: Some(phase.to_string()),
                container_statuses: Some(statuses),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    fn cond(type_: &str, status: &str) -> PodCondition {
        PodCondition { type_: type_.to_string(), status: status.to_string(), ..Default::default() }
    }

    #[test]
    fn single_container_states() {
        let cases: Vec<(&str, ContainerState, bool, &str, &str)> = vec![
            ("Pending", waiting("ContainerCreating"), false, "ContainerCreating", "0/1"),
            ("Pending", waiting("ErrImagePull"), false, "ErrImagePull", "0/1"),
            ("Pending", waiting("ImagePullBackOff"), false, "ImagePullBackOff", "0/1"),
            ("Running", waiting("CrashLoopBackOff"), false, "CrashLoopBackOff", "0/1"),
            ("Pending", waiting("ErrImageNeverPull"), false, "ErrImageNeverPull", "0/1"),
            ("Succeeded", terminated(Some("Completed"), 0, None), false, "Completed", "0/1"),
            ("Running", terminated(Some("Error"), 1, None), false, "Error", "0/1"),
            ("Running", terminated(Some("OOMKilled"), 137, None), false, "OOMKilled", "0/1"),
            ("Running", terminated(None, 1, None), false, "ExitCode:1", "0/1"),
            ("Running", terminated(None, 137, Some(9)), false, "Signal:9", "0/1"),
            ("Running", terminated(Some(""), 2, Some(0)), false, "ExitCode:2", "0/1"),
            ("Running", running(), true, "Running", "1/1"),
            ("Running", running(), false, "Running", "0/1"),
            ("Pending", ContainerState::default(), false, "Pending", "0/1"),
        ];
        for (phase, state, ready, want_status, want_ready) in cases {
            let row = pod_row(&pod(phase, vec![status("web", state.clone(), ready)]), now());
            assert_eq!(row.status, want_status, "{state:?}");
            assert_eq!(row.ready, want_ready, "{state:?}");
            assert_eq!(row.restarts, "0");
        }
    }

    #[test]
    fn first_container_in_spec_order_wins() {
        let p = pod(
            "Running",
            vec![status("a", waiting("ErrImagePull"), false), status("b", waiting("CrashLoopBackOff"), false)],
        );
        assert_eq!(pod_row(&p, now()).status, "ErrImagePull");
        let p = pod("Running", vec![status("a", running(), true), status("b", waiting("CrashLoopBackOff"), false)]);
        let row = pod_row(&p, now());
        assert_eq!((row.status.as_str(), row.ready.as_str()), ("CrashLoopBackOff", "1/2"));
    }

    #[test]
    fn completed_with_a_running_sibling_becomes_running_or_not_ready() {
        let statuses = vec![status("a", terminated(Some("Completed"), 0, None), false), status("b", running(), true)];
        let mut p = pod("Running", statuses);
        assert_eq!(pod_row(&p, now()).status, "NotReady");
        p.status.as_mut().unwrap().conditions = Some(vec![cond("Ready", "True")]);
        let row = pod_row(&p, now());
        assert_eq!((row.status.as_str(), row.ready.as_str()), ("Running", "1/2"));
    }

    #[test]
    fn missing_status_uses_phase_and_counts_spec_containers() {
        let p = Pod {
            spec: Some(PodSpec { containers: vec![container("a"), container("b")], ..Default::default() }),
            ..Default::default()
        };
        let row = pod_row(&p, now());
        assert_eq!((row.ready.as_str(), row.status.as_str(), row.restarts.as_str()), ("0/2", "", "0"));
        assert_eq!(pod_row(&Pod::default(), now()).ready, "0/0");
    }

    #[test]
    fn status_reason_overrides_phase_and_scheduling_gate_overrides_both() {
        let mut p = pod("Failed", vec![]);
        p.status.as_mut().unwrap().reason = Some("Evicted".to_string());
        assert_eq!(pod_row(&p, now()).status, "Evicted");
        p.status.as_mut().unwrap().conditions =
            Some(vec![PodCondition { reason: Some("SchedulingGated".to_string()), ..cond("PodScheduled", "False") }]);
        assert_eq!(pod_row(&p, now()).status, "SchedulingGated");
    }

    fn with_init(mut p: Pod, init: Vec<ContainerStatus>) -> Pod {
        let spec = p.spec.as_mut().unwrap();
        spec.init_containers = Some(init.iter().map(|s| container(&s.name)).collect());
        p.status.as_mut().unwrap().init_container_statuses = Some(init);
        p
    }

    #[test]
    fn init_containers() {
        let app = || vec![status("web", waiting("PodInitializing"), false)];
        let cases: Vec<(Vec<ContainerStatus>, &str)> = vec![
            (vec![status("i1", waiting("PodInitializing"), false)], "Init:0/1"),
            (vec![status("i1", running(), false)], "Init:0/1"),
            (
                vec![status("i1", terminated(Some("Completed"), 0, None), false), status("i2", running(), false)],
                "Init:1/2",
            ),
            (vec![status("i1", waiting("CrashLoopBackOff"), false)], "Init:CrashLoopBackOff"),
            (vec![status("i1", terminated(Some("Error"), 1, None), false)], "Init:Error"),
            (vec![status("i1", terminated(None, 3, None), false)], "Init:ExitCode:3"),
            (vec![status("i1", terminated(None, 137, Some(9)), false)], "Init:Signal:9"),
            (vec![status("i1", terminated(Some("Completed"), 0, None), false)], "PodInitializing"),
        ];
        for (init, want) in cases {
            let p = with_init(pod("Pending", app()), init);
            assert_eq!(pod_row(&p, now()).status, want);
        }
    }

    #[test]
    fn restartable_init_container_counts_toward_ready_and_total() {
        let mut p = with_init(
            pod("Running", vec![status("web", running(), true)]),
            vec![ContainerStatus { started: Some(true), ..status("proxy", running(), true) }],
        );
        p.spec.as_mut().unwrap().init_containers.as_mut().unwrap()[0].restart_policy = Some("Always".to_string());
        let row = pod_row(&p, now());
        assert_eq!((row.ready.as_str(), row.status.as_str()), ("2/2", "Running"));
    }

    #[test]
    fn deletion_timestamp_means_terminating_unless_terminal_or_node_lost() {
        let mut p = pod("Running", vec![status("web", running(), true)]);
        p.metadata = ObjectMeta { deletion_timestamp: Some(Time(now())), ..Default::default() };
        assert_eq!(pod_row(&p, now()).status, "Terminating");
        p.status.as_mut().unwrap().reason = Some("NodeLost".to_string());
        assert_eq!(pod_row(&p, now()).status, "Unknown");
        let mut done = pod("Succeeded", vec![status("web", terminated(Some("Completed"), 0, None), false)]);
        done.metadata.deletion_timestamp = Some(Time(now()));
        assert_eq!(pod_row(&done, now()).status, "Completed");
    }

    fn restarted(name: &str, count: i32, finished: Option<&str>) -> ContainerStatus {
        ContainerStatus {
            restart_count: count,
            last_state: Some(ContainerState {
                terminated: Some(ContainerStateTerminated {
                    exit_code: 1,
                    finished_at: finished.map(|f| Time(f.parse().unwrap())),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            ..status(name, running(), true)
        }
    }

    #[test]
    fn restarts_show_age_of_newest_termination() {
        let p = pod(
            "Running",
            vec![restarted("a", 3, Some("2026-11-27T03:16:09Z")), restarted("b", 2, Some("2026-11-27T03:01:09Z"))],
        );
        assert_eq!(pod_row(&p, now()).restarts, "5 (5m ago)");
        let p = pod("Running", vec![restarted("a", 4, None)]);
        assert_eq!(pod_row(&p, now()).restarts, "4");
        let p = pod("Running", vec![restarted("a", 0, Some("2026-11-27T03:16:09Z"))]);
        assert_eq!(pod_row(&p, now()).restarts, "0");
    }

    #[test]
    fn init_restarts_are_dropped_once_initialized() {
        let init = vec![ContainerStatus { restart_count: 2, ..status("i1", waiting("CrashLoopBackOff"), false) }];
        let p = with_init(pod("Pending", vec![status("web", waiting("PodInitializing"), false)]), init);
        let row = pod_row(&p, now());
        assert_eq!((row.status.as_str(), row.restarts.as_str()), ("Init:CrashLoopBackOff", "2"));
        let init =
            vec![ContainerStatus { restart_count: 2, ..status("i1", terminated(Some("Completed"), 0, None), false) }];
        let p = with_init(pod("Running", vec![status("web", running(), true)]), init);
        assert_eq!(pod_row(&p, now()).restarts, "0");
    }
}
