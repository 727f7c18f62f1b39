//! A pod's status as the kubelet reports it, computed purely from what the worker knows about
//! each container: phase (getPhase), conditions (with lastTransitionTime kept while a condition
//! holds), container statuses with state and lastState, QoS class.

use crate::model::meta;
use crate::model::qos::qos_class;
use k8s_openapi::api::core::v1::{
    ContainerState, ContainerStateRunning, ContainerStateTerminated, ContainerStateWaiting, ContainerStatus, HostIP,
    Pod, PodCondition, PodIP, PodStatus,
};

/// A finished container instance.
#[derive(Clone, Debug, PartialEq)]
pub struct Terminated {
    pub exit_code: i32,
    pub reason: String,
    pub message: Option<String>,
    pub started_at: Option<jiff::Timestamp>,
    pub finished_at: Option<jiff::Timestamp>,
    pub container_id: Option<String>,
}

impl Terminated {
    /// The reason the runtime's mapping gives: OOMKilled, Completed (exit 0) or Error.
    pub fn reason_for(exit_code: i32, oom_killed: bool) -> &'static str {
        match (oom_killed, exit_code) {
            (true, _) => "OOMKilled",
            (false, 0) => "Completed",
            _ => "Error",
        }
    }

    /// A current instance that can no longer be found (removed behind skiff's back, or while
    /// no daemon ran), noticed at `at`: the kubelet's ContainerStatusUnknown.
    pub fn lost(at: jiff::Timestamp) -> Terminated {
        Terminated {
            exit_code: 137,
            reason: "ContainerStatusUnknown".into(),
            message: Some("The container could not be located when the pod was terminated".into()),
            started_at: None,
            finished_at: Some(at),
            container_id: None,
        }
    }

    /// A start the engine refused: the instance never ran.
    pub fn start_error(message: String, at: jiff::Timestamp, id: &str) -> Terminated {
        Terminated {
            exit_code: 128,
            reason: "StartError".into(),
            message: Some(message),
            started_at: None,
            finished_at: Some(at),
            container_id: Some(format!("docker://{id}")),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum State {
    Waiting { reason: String, message: Option<String> },
    Running { started_at: jiff::Timestamp },
    Terminated(Terminated),
}

/// What the worker knows about one container of the pod.
#[derive(Clone, Debug, PartialEq)]
pub struct ContainerView {
    pub name: String,
    pub image: String,
    pub image_id: Option<String>,
    pub container_id: Option<String>,
    pub state: State,
    pub last_state: Option<Terminated>,
    pub restart_count: i32,
    pub ready: bool,
    pub started: bool,
}

fn time(t: Option<jiff::Timestamp>) -> Option<k8s_openapi::apimachinery::pkg::apis::meta::v1::Time> {
    t.map(meta::time)
}

fn terminated(t: &Terminated) -> ContainerStateTerminated {
    ContainerStateTerminated {
        exit_code: t.exit_code,
        reason: Some(t.reason.clone()),
        message: t.message.clone(),
        started_at: time(t.started_at),
        finished_at: time(t.finished_at),
        container_id: t.container_id.clone(),
        signal: None,
    }
}

fn container_status(c: &ContainerView) -> ContainerStatus {
    let state = match &c.state {
        State::Waiting { reason, message } => ContainerState {
            waiting: Some(ContainerStateWaiting { reason: Some(reason.clone()), message: message.clone() }),
            ..Default::default()
        },
        State::Running { started_at } => ContainerState {
            running: Some(ContainerStateRunning { started_at: Some(meta::time(*started_at)) }),
            ..Default::default()
        },
        State::Terminated(t) => ContainerState { terminated: Some(terminated(t)), ..Default::default() },
    };
    let last_state =
        c.last_state.as_ref().map(|t| ContainerState { terminated: Some(terminated(t)), ..Default::default() });
    ContainerStatus {
        name: c.name.clone(),
        image: c.image.clone(),
        image_id: c.image_id.clone().unwrap_or_default(),
        container_id: c.container_id.clone(),
        state: Some(state),
        last_state: Some(last_state.unwrap_or_default()),
        ready: c.ready,
        restart_count: c.restart_count,
        started: Some(c.started),
        ..Default::default()
    }
}

/// The kubelet's getPhase.
pub fn phase(restart_policy: &str, containers: &[ContainerView]) -> &'static str {
    let (mut waiting, mut running, mut stopped, mut succeeded) = (0, 0, 0, 0);
    for c in containers {
        match &c.state {
            State::Running { .. } => running += 1,
            State::Terminated(t) => {
                stopped += 1;
                if t.exit_code == 0 {
                    succeeded += 1;
                }
            }
            State::Waiting { .. } if c.last_state.is_some() => stopped += 1,
            State::Waiting { .. } => waiting += 1,
        }
    }
    if waiting > 0 {
        return "Pending";
    }
    if running > 0 {
        return "Running";
    }
    if stopped == 0 {
        return "Pending";
    }
    match restart_policy {
        "Always" => "Running",
        _ if stopped == succeeded => "Succeeded",
        "Never" => "Failed",
        _ => "Running",
    }
}

/// The full status for `pod`, keeping condition transition times from `previous`.
pub fn build(
    pod: &Pod,
    containers: &[ContainerView],
    host_ip: &str,
    pod_ip: Option<&str>,
    start_time: jiff::Timestamp,
    now: jiff::Timestamp,
) -> PodStatus {
    let previous = pod.status.clone().unwrap_or_default();
    let restart_policy = pod.spec.as_ref().and_then(|s| s.restart_policy.clone()).unwrap_or_else(|| "Always".into());
    let all_ready = !containers.is_empty() && containers.iter().all(|c| c.ready);
    let ready = all_ready && !meta::is_terminating(&pod.metadata);
    let condition = |type_: &str, ok: bool| {
        let status = if ok { "True" } else { "False" };
        let kept = previous.conditions.iter().flatten().find(|c| c.type_ == type_ && c.status == status);
        PodCondition {
            type_: type_.into(),
            status: status.into(),
            last_transition_time: kept.and_then(|c| c.last_transition_time.clone()).or_else(|| Some(meta::time(now))),
            reason: (!ok && matches!(type_, "Ready" | "ContainersReady")).then(|| "ContainersNotReady".to_string()),
            message: (!ok && matches!(type_, "Ready" | "ContainersReady")).then(|| {
                let names: Vec<&str> = containers.iter().filter(|c| !c.ready).map(|c| c.name.as_str()).collect();
                format!("containers with unready status: [{}]", names.join(" "))
            }),
            ..Default::default()
        }
    };
    let sandbox = containers.iter().any(|c| matches!(c.state, State::Running { .. }) || c.container_id.is_some());
    PodStatus {
        phase: Some(phase(&restart_policy, containers).into()),
        conditions: Some(vec![
            condition("PodReadyToStartContainers", sandbox),
            condition("Initialized", true),
            condition("Ready", ready),
            condition("ContainersReady", all_ready),
            condition("PodScheduled", true),
        ]),
        host_ip: Some(host_ip.into()),
        host_ips: Some(vec![HostIP { ip: host_ip.into() }]),
        pod_ip: pod_ip.map(String::from),
        pod_ips: pod_ip.map(|ip| vec![PodIP { ip: ip.into() }]),
        start_time: Some(meta::time(start_time)),
        container_statuses: Some(containers.iter().map(container_status).collect()),
        qos_class: Some(pod.spec.as_ref().map_or("BestEffort", qos_class).into()),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(state: State, last: Option<Terminated>, ready: bool) -> ContainerView {
        ContainerView {
            name: "web".into(),
            image: "hello:1.0".into(),
            image_id: None,
            container_id: Some("docker://abc".into()),
            state,
            last_state: last,
            restart_count: 0,
            ready,
            started: true,
        }
    }

    fn exited(code: i32) -> Terminated {
        Terminated {
            exit_code: code,
            reason: Terminated::reason_for(code, false).into(),
            message: None,
            started_at: None,
            finished_at: None,
            container_id: None,
        }
    }

    #[test]
    fn phases_follow_get_phase() {
        let t0: jiff::Timestamp = "2026-11-27T00:00:00Z".parse().unwrap();
        let waiting = State::Waiting { reason: "ContainerCreating".into(), message: None };
        assert_eq!(phase("Always", &[view(waiting.clone(), None, false)]), "Pending");
        assert_eq!(phase("Always", &[view(State::Running { started_at: t0 }, None, true)]), "Running");
        let backoff = State::Waiting { reason: "CrashLoopBackOff".into(), message: None };
        assert_eq!(phase("Always", &[view(backoff, Some(exited(1)), false)]), "Running");
        assert_eq!(phase("Never", &[view(State::Terminated(exited(0)), None, false)]), "Succeeded");
        assert_eq!(phase("Never", &[view(State::Terminated(exited(2)), None, false)]), "Failed");
        assert_eq!(phase("OnFailure", &[view(State::Terminated(exited(2)), None, false)]), "Running");
    }

    #[test]
    fn ready_condition_keeps_its_transition_time() {
        let t0: jiff::Timestamp = "2026-11-27T00:00:00Z".parse().unwrap();
        let t1 = t0 + jiff::SignedDuration::from_secs(30);
        let mut pod = Pod::default();
        let running = [view(State::Running { started_at: t0 }, None, true)];
        pod.status = Some(build(&pod, &running, "127.0.0.1", None, t0, t0));
        let again = build(&pod, &running, "127.0.0.1", Some("172.17.0.2"), t0, t1);
        assert_eq!(again.pod_ip.as_deref(), Some("172.17.0.2"));
        let ready = again.conditions.unwrap().into_iter().find(|c| c.type_ == "Ready").unwrap();
        assert_eq!((ready.status.as_str(), ready.last_transition_time.unwrap().0), ("True", t0));
        pod.metadata.deletion_timestamp = Some(meta::time(t1));
        let terminating = build(&pod, &running, "127.0.0.1", None, t0, t1);
        let ready = terminating.conditions.unwrap().into_iter().find(|c| c.type_ == "Ready").unwrap();
        assert_eq!(ready.status, "False", "a terminating pod is not ready");
    }
}
