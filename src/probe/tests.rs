use super::*;
use k8s_openapi::api::core::v1::{HTTPGetAction, Probe};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

fn probe(success: i32, failure: i32) -> Probe {
    Probe {
        http_get: Some(HTTPGetAction { port: IntOrString::Int(8080), ..Default::default() }),
        success_threshold: Some(success),
        failure_threshold: Some(failure),
        ..Default::default()
    }
}

fn fail() -> Outcome {
    Outcome::Failure("boom".into())
}

#[test]
fn defaults_are_kubernetes_defaults() {
    let s = Spec::new(Kind::Liveness, &Probe::default());
    assert_eq!(
        (s.initial_delay, s.period, s.timeout, s.success_threshold, s.failure_threshold),
        (Duration::ZERO, Duration::from_secs(10), Duration::from_secs(1), 1, 3)
    );
}

#[test]
fn readiness_starts_failed_and_needs_success_threshold_in_a_row() {
    let mut c = Counter::new(&Spec::new(Kind::Readiness, &probe(2, 3)));
    assert_eq!(c.recorded(), Recorded::Failure);
    assert_eq!(c.observe(&Outcome::Success), None);
    assert_eq!(c.observe(&fail()), None, "a failure breaks the run");
    assert_eq!(c.observe(&Outcome::Success), None);
    assert_eq!(c.observe(&Outcome::Success), Some(Recorded::Success));
    assert_eq!(c.observe(&fail()), None);
    assert_eq!(c.observe(&fail()), None);
    assert_eq!(c.observe(&fail()), Some(Recorded::Failure));
    assert!(!c.on_hold(), "readiness keeps probing");
}

#[test]
fn liveness_starts_healthy_and_holds_after_a_recorded_failure() {
    let mut c = Counter::new(&Spec::new(Kind::Liveness, &probe(1, 3)));
    assert_eq!(c.recorded(), Recorded::Success);
    assert_eq!(c.observe(&fail()), None);
    assert_eq!(c.observe(&Outcome::Unknown("x".into())), None, "unknown results are ignored");
    assert_eq!(c.observe(&fail()), None);
    assert_eq!(c.observe(&fail()), Some(Recorded::Failure));
    assert!(c.on_hold());
}

#[test]
fn a_warning_counts_as_success() {
    let mut c = Counter::new(&Spec::new(Kind::Readiness, &probe(1, 1)));
    assert_eq!(c.observe(&Outcome::Warning("redirect".into())), Some(Recorded::Success));
}

#[test]
fn startup_gates_liveness_and_readiness() {
    let startup = Spec::new(Kind::Startup, &probe(1, 3));
    let mut liveness = Spec::new(Kind::Liveness, &probe(1, 3));
    liveness.initial_delay = Duration::from_secs(5);
    let (cs, cl) = (Counter::new(&startup), Counter::new(&liveness));
    let t = Duration::from_secs(10);
    assert!(should_probe(&startup, &cs, false, t));
    assert!(!should_probe(&liveness, &cl, false, t), "not started: only the startup probe runs");
    assert!(!should_probe(&startup, &cs, true, t), "started: the startup probe stops");
    assert!(should_probe(&liveness, &cl, true, t));
    assert!(!should_probe(&liveness, &cl, true, Duration::from_secs(4)), "initialDelaySeconds");
}
