//! Every state the engine can show for a pod's container, on a live and on a terminating pod,
//! with the answers `decide` gives; then the memory-driven cases (probes, back-off, holds, a
//! vanished instance, a failed start) and multi-container ordering.

use super::memory::{Blocked, Hold, PodMemory, Termination};
use super::*;
use crate::kubelet::container::LABEL_POD_UID;
use crate::probe::Outcome;
use serde_json::json;

fn t(secs: i64) -> jiff::Timestamp {
    jiff::Timestamp::from_second(1_800_000_000 + secs).unwrap()
}

fn pod(policy: &str, terminating: bool, extra: serde_json::Value) -> Pod {
    let mut container = json!({"name": "web", "image": "hello:1.0"});
    container.as_object_mut().unwrap().extend(extra.as_object().cloned().unwrap_or_default());
    let mut p: Pod = serde_json::from_value(json!({
        "metadata": {"name": "web-1", "namespace": "default", "uid": "u1"},
        "spec": {"containers": [container], "restartPolicy": policy}
    }))
    .unwrap();
    if terminating {
        p.metadata.deletion_timestamp = Some(meta::time(t(30)));
    }
    p
}

fn instance(id: &str, container: &str, restart_count: i32, state: EngineState, exit_code: i64) -> ContainerInfo {
    ContainerInfo {
        id: id.into(),
        name: format!("skiff_{container}_{restart_count}"),
        labels: [
            (LABEL_CONTAINER.to_string(), container.to_string()),
            (LABEL_RESTART_COUNT.to_string(), restart_count.to_string()),
            (LABEL_POD_UID.to_string(), "u1".to_string()),
        ]
        .into(),
        state,
        exit_code,
        oom_killed: false,
        error: String::new(),
        created_at: Some(t(restart_count.into())),
        started_at: (state != EngineState::Created).then(|| t(restart_count.into())),
        finished_at: matches!(state, EngineState::Exited | EngineState::Dead).then(|| t(5)),
        ports: Default::default(),
        image_id: "sha256:hello".into(),
        pid: None,
        ip: None,
    }
}

fn web(id: &str, restart_count: i32, state: EngineState) -> ContainerInfo {
    instance(id, "web", restart_count, state, if state == EngineState::Exited { 1 } else { 0 })
}

/// Observes (as the worker does before every decision), then decides at `now`.
fn decide_at(pod: &Pod, instances: &[ContainerInfo], memory: &mut PodMemory, now: jiff::Timestamp) -> Decision {
    let containers = pod.spec.as_ref().unwrap().containers.clone();
    memory.observe(&containers, instances, now);
    decide(&Inputs { pod, instances, memory, now })
}

fn once(pod: &Pod, instances: &[ContainerInfo]) -> Decision {
    decide_at(pod, instances, &mut PodMemory::new(pod), t(10))
}

fn waiting(d: &Decision) -> Option<&str> {
    match &d.views[0].state {
        State::Waiting { reason, .. } => Some(reason),
        _ => None,
    }
}

fn start(id: &str) -> Action {
    Action::Start { index: 0, id: id.into() }
}

fn remove(id: &str, why: RemoveReason) -> Action {
    Action::Remove { id: id.into(), why }
}

/// The table: one instance in each engine state, on a live and on a terminating pod.
#[test]
fn every_engine_state_has_an_answer_on_a_live_and_a_terminating_pod() {
    use EngineState::*;
    let live = pod("Always", false, json!({}));
    let dying = pod("Always", true, json!({}));
    let exited_1 = |d: &Decision| match &d.actions[..] {
        [Action::Create { index: 0, restart_count: 1, after: Some(end) }] => {
            end.exit_code == 1 && end.reason == "Error"
        }
        _ => false,
    };
    type Check = fn(&Decision) -> bool;
    let cases: Vec<(EngineState, Check, Check)> = vec![
        (Created, |d| d.actions == [start("a")], |d| d.actions == [Action::Finalize]),
        (Running, |d| d.actions.is_empty(), |d| d.actions == [Action::Terminate { ids: vec!["a".into()] }]),
        (
            Paused,
            |d| d.actions == [Action::Unpause { index: 0, id: "a".into() }],
            |d| d.actions == [Action::Terminate { ids: vec!["a".into()] }],
        ),
        (
            Restarting,
            |d| d.actions == [Action::Stop { index: 0, id: "a".into(), why: StopReason::EngineRestarting }],
            |d| d.actions == [Action::Terminate { ids: vec!["a".into()] }],
        ),
        (Exited, exited_1, |d| d.actions == [Action::Finalize]),
        (
            Dead,
            |d| {
                matches!(
                    &d.actions[..],
                    [Action::Remove { why: RemoveReason::Dead, .. }, Action::Create { restart_count: 1, .. }]
                )
            },
            |d| d.actions == [remove("a", RemoveReason::Dead), Action::Finalize],
        ),
        (
            Removing,
            |d| matches!(&d.actions[..], [Action::Create { restart_count: 1, after: None, .. }]),
            |d| d.actions == [Action::Finalize],
        ),
    ];
    for (state, on_live, on_terminating) in cases {
        let shown = [web("a", 0, state)];
        let d = once(&live, &shown);
        assert!(on_live(&d), "{state:?} on a live pod: {:?}", d.actions);
        let d = once(&dying, &shown);
        assert!(on_terminating(&d), "{state:?} on a terminating pod: {:?}", d.actions);
    }
    assert_eq!(once(&live, &[]).actions, [Action::Create { index: 0, restart_count: 0, after: None }]);
    assert_eq!(once(&dying, &[]).actions, [Action::Finalize]);
}

#[test]
fn a_running_container_is_ready_only_after_its_readiness_probe_passed_in_this_lifetime() {
    let p = pod("Always", false, json!({"readinessProbe": {"exec": {"command": ["check"]}}}));
    let mut memory = PodMemory::new(&p);
    let shown = [web("a", 0, EngineState::Running)];
    let d = decide_at(&p, &shown, &mut memory, t(10));
    assert!(d.actions.is_empty());
    assert!(matches!(d.views[0].state, State::Running { .. }));
    assert!(!d.views[0].ready, "no readiness result yet in this daemon's life");
    memory.containers[0].probes.slots[0].counter.observe(&Outcome::Success);
    assert!(decide_at(&p, &shown, &mut memory, t(11)).views[0].ready);
    let plain = pod("Always", false, json!({}));
    assert!(once(&plain, &shown).views[0].ready, "no readiness probe: ready once it runs");
}

#[test]
fn restart_policy_decides_whether_an_exit_restarts() {
    let code = |c| [instance("a", "web", 0, EngineState::Exited, c)];
    let restarts = |policy, c| !once(&pod(policy, false, json!({})), &code(c)).actions.is_empty();
    assert!(restarts("Always", 0) && restarts("Always", 1));
    assert!(!restarts("OnFailure", 0) && restarts("OnFailure", 2));
    assert!(!restarts("Never", 0) && !restarts("Never", 1));
    let d = once(&pod("Never", false, json!({})), &code(0));
    assert!(matches!(&d.views[0].state, State::Terminated(end) if end.reason == "Completed"));
}

#[test]
fn a_second_crash_waits_out_the_back_off_in_crash_loop_back_off() {
    let p = pod("Always", false, json!({}));
    let mut memory = PodMemory::new(&p);
    memory.containers.push(Default::default());
    memory.containers[0].backoff.next(t(5), t(5));
    let shown = [web("a", 3, EngineState::Exited)];
    let d = decide_at(&p, &shown, &mut memory, t(8));
    assert!(d.actions.is_empty());
    assert_eq!(waiting(&d), Some("CrashLoopBackOff"));
    let State::Waiting { message: Some(m), .. } = &d.views[0].state else { unreachable!() };
    assert_eq!(m, "back-off 10s restarting failed container=web pod=web-1_default(u1)");
    assert_eq!(d.wake, Some(t(15)));
    assert_eq!(d.views[0].last_state.as_ref().map(|l| l.exit_code), Some(1));
    assert_eq!(d.views[0].restart_count, 3);
    let d = decide_at(&p, &shown, &mut memory, t(15));
    assert!(matches!(&d.actions[..], [Action::Create { restart_count: 4, .. }]), "{:?}", d.actions);
}

#[test]
fn duplicates_are_resolved_to_exactly_one_and_one_previous_instance_is_kept() {
    let p = pod("Always", false, json!({}));
    let two_running = [web("old", 0, EngineState::Running), web("new", 1, EngineState::Running)];
    let d = once(&p, &two_running);
    assert_eq!(d.actions, [remove("old", RemoveReason::Duplicate)]);
    assert_eq!(d.views[0].container_id.as_deref(), Some("docker://new"));
    let history =
        [web("e0", 0, EngineState::Exited), web("e1", 1, EngineState::Exited), web("r2", 2, EngineState::Running)];
    let d = once(&p, &history);
    assert_eq!(d.actions, [remove("e0", RemoveReason::Stale)], "e1 stays for logs --previous");
    assert_eq!(d.views[0].last_state.as_ref().and_then(|l| l.container_id.as_deref()), Some("docker://e1"));
    let crashed_mid_restart = [web("e0", 0, EngineState::Exited), web("c1", 1, EngineState::Created)];
    assert_eq!(once(&p, &crashed_mid_restart).actions, [start("c1")]);
    let same_count = [web("x", 0, EngineState::Created), web("y", 0, EngineState::Running)];
    assert_eq!(once(&p, &same_count).actions, [remove("x", RemoveReason::Stale)], "the live one wins");
    let stranger = [web("a", 0, EngineState::Running), instance("b", "sidecar", 0, EngineState::Running, 0)];
    assert_eq!(once(&p, &stranger).actions, [remove("b", RemoveReason::Unknown)]);
}

#[test]
fn an_instance_that_vanished_restarts_as_the_kubelet_restarts_one_it_cannot_locate() {
    let mut p = pod("Always", false, json!({}));
    p.status = Some(
        serde_json::from_value(json!({"containerStatuses": [{
            "name": "web", "image": "hello:1.0", "imageID": "", "ready": true, "restartCount": 2,
            "containerID": "docker://gone"
        }]}))
        .unwrap(),
    );
    let d = once(&p, &[]);
    let [Action::Create { restart_count: 3, after: Some(end), .. }] = &d.actions[..] else { panic!("{:?}", d.actions) };
    assert_eq!((end.reason.as_str(), end.exit_code), ("ContainerStatusUnknown", 137));
    assert!(!d.views[0].ready, "the old status's Ready is never carried over");
    // The same instance removed by skiff itself is not lost.
    let mut memory = PodMemory::new(&p);
    memory.removing.insert("gone".into());
    let d = decide_at(&p, &[], &mut memory, t(10));
    assert_eq!(d.actions, [Action::Create { index: 0, restart_count: 3, after: None }]);
}

#[test]
fn a_failed_start_ends_the_instance_with_start_error_and_restarts_it() {
    let p = pod("Always", false, json!({}));
    let mut memory = PodMemory::new(&p);
    let shown = [web("c", 0, EngineState::Created)];
    decide_at(&p, &shown, &mut memory, t(10));
    memory.containers[0].failed_start = Some(("c".into(), Terminated::start_error("no".into(), t(10), "c")));
    let d = decide_at(&p, &shown, &mut memory, t(10));
    let [Action::Create { restart_count: 1, after: Some(end), .. }] = &d.actions[..] else { panic!("{:?}", d.actions) };
    assert_eq!((end.reason.as_str(), end.exit_code), ("StartError", 128));
}

#[test]
fn liveness_and_startup_failures_stop_the_instance_once() {
    let probe = json!({"exec": {"command": ["check"]}, "failureThreshold": 1});
    for (field, why) in [("livenessProbe", StopReason::Liveness), ("startupProbe", StopReason::Startup)] {
        let p = pod("Always", false, json!({ field: probe }));
        let mut memory = PodMemory::new(&p);
        let shown = [web("a", 0, EngineState::Running)];
        decide_at(&p, &shown, &mut memory, t(10));
        memory.containers[0].probes.slots[0].counter.observe(&Outcome::Failure("no".into()));
        let d = decide_at(&p, &shown, &mut memory, t(11));
        assert_eq!(d.actions, [Action::Stop { index: 0, id: "a".into(), why }]);
        assert!(!d.views[0].ready);
        memory.containers[0].stopping = Some("a".into());
        assert!(decide_at(&p, &shown, &mut memory, t(12)).actions.is_empty(), "the stop is under way");
    }
}

#[test]
fn a_hold_shows_why_and_wakes_when_it_ends() {
    let p = pod("Always", false, json!({}));
    let mut memory = PodMemory::new(&p);
    let blocked = Blocked::new("ErrImagePull", "no registry");
    memory.containers[0].hold = Some(Hold { until: t(20), blocked: Some(blocked), waits_for_config: false });
    let d = decide_at(&p, &[], &mut memory, t(10));
    assert!(d.actions.is_empty());
    assert_eq!(waiting(&d), Some("ErrImagePull"));
    assert_eq!(d.wake, Some(t(20)));
    assert_eq!(decide_at(&p, &[], &mut memory, t(20)).actions.len(), 1, "tried again when the hold ends");
}

#[test]
fn a_config_error_waits_for_the_object_and_goes_once_it_changes() {
    let p = pod("Always", false, json!({}));
    let mut memory = PodMemory::new(&p);
    let blocked = Blocked::new("CreateContainerConfigError", "configmap \"settings\" not found");
    memory.containers[0].hold = Some(Hold { until: t(20), blocked: Some(blocked), waits_for_config: true });
    let d = decide_at(&p, &[], &mut memory, t(10));
    assert!(d.actions.is_empty());
    let State::Waiting { reason, message } = &d.views[0].state else { panic!() };
    assert_eq!(
        (reason.as_str(), message.as_deref()),
        ("CreateContainerConfigError", Some("configmap \"settings\" not found"))
    );
    assert_eq!(crate::kubelet::status::phase("Always", &d.views), "Pending");
    memory.release_config_holds();
    let d = decide_at(&p, &[], &mut memory, t(11));
    assert_eq!(d.actions, [Action::Create { index: 0, restart_count: 0, after: None }], "the ConfigMap appeared");
    let mounting = Blocked { reason: "ContainerCreating".into(), message: None };
    memory.containers[0].hold = Some(Hold { until: t(20), blocked: Some(mounting), waits_for_config: true });
    let d = decide_at(&p, &[], &mut memory, t(12));
    assert_eq!(d.views[0].state, State::Waiting { reason: "ContainerCreating".into(), message: None });
}

#[test]
fn termination_stops_once_then_again_only_after_a_failed_round_then_finalizes() {
    let p = pod("Always", true, json!({}));
    let mut memory = PodMemory::new(&p);
    let running = [web("a", 0, EngineState::Running)];
    assert_eq!(decide_at(&p, &running, &mut memory, t(10)).actions, [Action::Terminate { ids: vec!["a".into()] }]);
    memory.termination = Termination::Underway;
    assert!(decide_at(&p, &running, &mut memory, t(10)).actions.is_empty());
    memory.termination = Termination::Ran { again_at: t(12) };
    let d = decide_at(&p, &running, &mut memory, t(10));
    assert!(d.actions.is_empty() && d.wake == Some(t(12)));
    assert_eq!(decide_at(&p, &running, &mut memory, t(12)).actions, [Action::Terminate { ids: vec!["a".into()] }]);
    let stopped = [web("a", 0, EngineState::Exited)];
    let d = decide_at(&p, &stopped, &mut memory, t(13));
    assert_eq!(d.actions, [Action::Finalize]);
    assert!(matches!(d.views[0].state, State::Terminated(_)), "no CrashLoopBackOff while terminating");
    memory.hold = Some(t(20));
    assert!(decide_at(&p, &stopped, &mut memory, t(14)).actions.is_empty(), "not finalized twice at once");
}

#[test]
fn later_containers_join_the_first_ones_network_once_it_runs() {
    let mut p = pod("Always", false, json!({}));
    let sidecar: Container = serde_json::from_value(json!({"name": "side", "image": "hello:1.0"})).unwrap();
    p.spec.as_mut().unwrap().containers.push(sidecar);
    let d = once(&p, &[]);
    assert_eq!(d.actions, [Action::Create { index: 0, restart_count: 0, after: None }]);
    let d = once(&p, &[web("a", 0, EngineState::Running)]);
    assert_eq!(d.actions, [Action::Create { index: 1, restart_count: 0, after: None }]);
    assert_eq!(d.views.len(), 2);
}
