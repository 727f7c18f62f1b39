use super::*;
use k8s_openapi::api::apps::v1::ReplicaSetSpec;
use k8s_openapi::api::core::v1::{ContainerStatus, PodCondition, PodSpec, PodStatus};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

fn ts(s: &str) -> jiff::Timestamp {
    s.parse().unwrap()
}

fn now() -> jiff::Timestamp {
    ts("2026-11-27T12:00:00Z")
}

fn rs(replicas: i32, min_ready: i32) -> ReplicaSet {
    ReplicaSet {
        metadata: ObjectMeta {
            name: Some("web-abc".into()),
            uid: Some("rs1".into()),
            generation: Some(2),
            ..Default::default()
        },
        spec: Some(ReplicaSetSpec {
            replicas: Some(replicas),
            min_ready_seconds: Some(min_ready),
            ..Default::default()
        }),
        status: None,
    }
}

fn pod(name: &str, phase: &str, ready_at: Option<&str>, created: &str, restarts: i32) -> Pod {
    Pod {
        metadata: ObjectMeta {
            name: Some(name.into()),
            uid: Some(format!("uid-{name}")),
            creation_timestamp: Some(Time(ts(created))),
            ..Default::default()
        },
        spec: Some(PodSpec { node_name: Some("node".into()), ..Default::default() }),
        status: Some(PodStatus {
            phase: Some(phase.into()),
            conditions: Some(vec![PodCondition {
                type_: "Ready".into(),
                status: if ready_at.is_some() { "True" } else { "False" }.into(),
                last_transition_time: ready_at.map(|t| Time(ts(t))),
                ..Default::default()
            }]),
            container_statuses: Some(vec![ContainerStatus { restart_count: restarts, ..Default::default() }]),
            ..Default::default()
        }),
    }
}

fn names(pods: &[Pod]) -> Vec<&str> {
    pods.iter().map(|p| p.metadata.name.as_deref().unwrap()).collect()
}

#[test]
fn creates_the_missing_pods_and_reports_status() {
    let pods = vec![pod("a", "Running", Some("2026-11-27T11:00:00Z"), "2026-11-27T10:00:00Z", 0)];
    let plan = sync(&rs(3, 0), &pods, None, now());
    assert_eq!(plan.create, 2);
    let status = plan.status.unwrap();
    assert_eq!((status.replicas, status.ready_replicas, status.available_replicas), (1, Some(1), Some(1)));
    assert_eq!(status.observed_generation, Some(2));
}

#[test]
fn terminating_pods_do_not_count() {
    let mut gone = pod("a", "Running", Some("2026-11-27T11:00:00Z"), "2026-11-27T10:00:00Z", 0);
    gone.metadata.deletion_timestamp = Some(Time(now()));
    assert_eq!(sync(&rs(1, 0), &[gone], None, now()).create, 1);
}

#[test]
fn deletes_pending_then_unready_then_youngest_ready_then_most_restarted() {
    let pods = vec![
        pod("old-ready", "Running", Some("2026-11-20T00:00:00Z"), "2026-11-20T00:00:00Z", 0),
        pod("young-ready", "Running", Some("2026-11-27T11:59:50Z"), "2026-11-27T11:59:40Z", 0),
        pod("pending", "Pending", None, "2026-11-27T11:00:00Z", 0),
        pod("unready", "Running", None, "2026-11-27T11:00:00Z", 0),
    ];
    let plan = sync(&rs(1, 0), &pods, None, now());
    assert_eq!(names(&plan.delete), vec!["pending", "unready", "young-ready"]);
    let restarted = vec![
        pod("calm", "Running", None, "2026-11-27T11:00:00Z", 0),
        pod("crashy", "Running", None, "2026-11-27T11:00:00Z", 5),
    ];
    assert_eq!(names(&sync(&rs(1, 0), &restarted, None, now()).delete), vec!["crashy"]);
}

#[test]
fn min_ready_seconds_delays_availability_and_schedules_a_recheck() {
    let pods = vec![pod("a", "Running", Some("2026-11-27T11:59:58Z"), "2026-11-27T11:59:00Z", 0)];
    let plan = sync(&rs(1, 5), &pods, None, now());
    let status = plan.status.unwrap();
    assert_eq!((status.ready_replicas, status.available_replicas), (Some(1), None));
    let after = plan.requeue_after.unwrap();
    assert!(after > Duration::from_secs(2) && after < Duration::from_secs(4), "{after:?}");
    let later = now() + jiff::SignedDuration::from_secs(4);
    assert_eq!(sync(&rs(1, 5), &pods, None, later).status.unwrap().available_replicas, Some(1));
}

#[test]
fn failures_become_a_replica_failure_condition() {
    let f = Failure { reason: "FailedCreate", message: "boom".into() };
    let status = sync(&rs(1, 0), &[], Some(&f), now()).status.unwrap();
    let cond = &status.conditions.unwrap()[0];
    assert_eq!((cond.type_.as_str(), cond.reason.as_deref()), ("ReplicaFailure", Some("FailedCreate")));
}

#[test]
fn slow_start_doubles() {
    assert_eq!(slow_start_batches(10), vec![1, 2, 4, 3]);
    assert_eq!(slow_start_batches(0), Vec::<usize>::new());
}

#[test]
fn pods_carry_template_and_owner() {
    let mut r = rs(1, 0);
    r.metadata.namespace = Some("default".into());
    let p = pod_from_template(&r);
    assert_eq!(p.metadata.generate_name.as_deref(), Some("web-abc-"));
    assert!(meta::is_controlled_by(&p.metadata, "rs1"));
}
