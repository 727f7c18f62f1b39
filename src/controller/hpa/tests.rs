//! The HPA's decisions against Kubernetes' tables: `replica_calculator_test.go` (tolerance,
//! unready and hot-CPU pods, missing metrics, failed and deleted pods), `horizontal_test.go`'s
//! policy and window cases, and the worked examples of the HPA documentation.

use super::normalize::{self, Bounds, History, ScaleEvent};
use super::replicas::{self, CalcError, Phase, PodView, Readiness, Sample, Samples, Timing};
use super::*;
use jiff::{SignedDuration, Timestamp};
use k8s_openapi::api::autoscaling::v2::{
    HPAScalingPolicy, HPAScalingRules, HorizontalPodAutoscalerBehavior, HorizontalPodAutoscalerSpec, MetricTarget,
    ResourceMetricSource,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

fn now() -> Timestamp {
    "2026-01-01T12:00:00Z".parse().unwrap()
}

/// The upstream tests' timing: a 2-minute CPU initialization period, 10 s readiness delay.
const TIMING: Timing = Timing {
    cpu_initialization_period: SignedDuration::from_mins(2),
    initial_readiness_delay: SignedDuration::from_secs(10),
};

/// Upstream's fixtures: "cool" pods started long ago, "hot" ones inside the initialization
/// period; samples taken now over a one-minute window; readiness changed at start.
fn cool() -> Timestamp {
    now() - SignedDuration::from_mins(10)
}
fn hot() -> Timestamp {
    now() - SignedDuration::from_secs(30)
}

#[derive(Clone)]
struct Case {
    current: i32,
    /// Per pod: ready, phase, start time, deleting.
    ready: Vec<bool>,
    phase: Vec<Phase>,
    start: Vec<Timestamp>,
    deleting: Vec<bool>,
    /// Milli-CPU requested per pod (1.0 in upstream's tables).
    request: i64,
    /// Samples for the first `levels.len()` pods.
    levels: Vec<i64>,
}

impl Case {
    fn new(current: i32, pods: usize, levels: &[i64]) -> Case {
        Case {
            current,
            ready: vec![true; pods],
            phase: vec![Phase::Running; pods],
            start: vec![cool(); pods],
            deleting: vec![false; pods],
            request: 1000,
            levels: levels.to_vec(),
        }
    }

    fn pods(&self) -> Vec<PodView> {
        (0..self.ready.len())
            .map(|i| PodView {
                name: format!("test-pod-{i}"),
                phase: self.phase[i],
                deleting: self.deleting[i],
                ready: Some(Readiness { ready: self.ready[i], last_transition: self.start[i] }),
                start_time: Some(self.start[i]),
                requests_milli: [("cpu".to_string(), self.request)].into(),
            })
            .collect()
    }

    fn samples(&self) -> Samples {
        self.levels
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let sample = Sample { value_milli: *v, timestamp: now(), window: SignedDuration::from_mins(1) };
                (format!("test-pod-{i}"), sample)
            })
            .collect()
    }

    fn cpu(&self, target: i32) -> Result<replicas::UtilizationProposal, CalcError> {
        replicas::utilization_replicas(self.current, target, "cpu", &self.pods(), &self.samples(), now(), TIMING)
    }

    fn pods_metric(&self, target_milli: i64) -> Result<replicas::AverageProposal, CalcError> {
        replicas::average_value_replicas(self.current, target_milli, "", &self.pods(), &self.samples(), now(), TIMING)
    }
}

fn expect_cpu(case: &Case, target: i32, replicas: i32, utilization: i32, raw: i64) {
    let p = case.cpu(target).unwrap();
    assert_eq!((p.replicas, p.utilization, p.raw_average_milli), (replicas, utilization, raw));
}

#[test]
fn scale_up_and_down_by_the_ratio() {
    // TestReplicaCalcScaleUp, TestReplicaCalcScaleDown.
    expect_cpu(&Case::new(3, 3, &[300, 500, 700]), 30, 5, 50, 500);
    expect_cpu(&Case::new(5, 5, &[100, 300, 500, 250, 250]), 50, 3, 28, 280);
}

#[test]
fn within_tolerance_nothing_changes() {
    // TestReplicaCalcTolerance: 102% of a 100% target.
    expect_cpu(&Case::new(3, 3, &[1010, 1030, 1020]), 100, 3, 102, 1020);
}

#[test]
fn tolerance_boundary_is_inclusive() {
    // 55% of a 50% target is a ratio of exactly 1.1: |1 - 1.1| <= 0.1 in floating point is
    // false (1.1 - 1 = 0.10000000000000009), as upstream computes it, so it scales.
    let c = Case::new(4, 4, &[550, 550, 550, 550]);
    assert_eq!(c.cpu(50).unwrap().replicas, 5);
    // 54%: inside.
    let c = Case::new(4, 4, &[540, 540, 540, 540]);
    assert_eq!(c.cpu(50).unwrap().replicas, 4);
    // 45%: ratio 0.9, |1 - 0.9| = 0.09999999999999998, inside.
    let c = Case::new(4, 4, &[450, 450, 450, 450]);
    assert_eq!(c.cpu(50).unwrap().replicas, 4);
}

#[test]
fn unready_pods_count_as_zero_on_scale_up() {
    // TestReplicaCalcScaleUpUnreadyLessScale.
    let mut c = Case::new(3, 3, &[300, 500, 700]);
    c.ready = vec![false, true, true];
    expect_cpu(&c, 30, 4, 60, 600);
    // TestReplicaCalcScaleUpUnreadyNoScale.
    let mut c = Case::new(3, 3, &[400, 500, 700]);
    c.ready = vec![true, false, false];
    expect_cpu(&c, 30, 3, 40, 400);
}

#[test]
fn hot_cpu_pods_are_ignored() {
    // TestReplicaCalcScaleUpHotCpuLessScale.
    let mut c = Case::new(3, 3, &[300, 500, 700]);
    c.start = vec![hot(), cool(), cool()];
    expect_cpu(&c, 30, 4, 60, 600);
    // TestReplicaCalcScaleHotCpuNoScale.
    let mut c = Case::new(3, 3, &[400, 500, 700]);
    c.ready = vec![true, false, false];
    c.start = vec![cool(), hot(), hot()];
    expect_cpu(&c, 30, 3, 40, 400);
    // TestReplicaCalcScaleDownIgnoreHotCpuPods.
    let mut c = Case::new(5, 5, &[100, 300, 500, 250, 250]);
    c.start = vec![cool(), cool(), cool(), hot(), hot()];
    expect_cpu(&c, 50, 2, 30, 300);
}

#[test]
fn failed_deleted_and_pending_pods() {
    // TestReplicaCalcScaleUpIgnoresFailedPods.
    let mut c = Case::new(2, 4, &[500, 700]);
    c.ready = vec![true, true, false, false];
    c.phase = vec![Phase::Running, Phase::Running, Phase::Failed, Phase::Failed];
    expect_cpu(&c, 30, 4, 60, 600);
    // TestReplicaCalcScaleUpIgnoresDeletionPods.
    let mut c = Case::new(2, 4, &[500, 700]);
    c.ready = vec![true, true, false, false];
    c.deleting = vec![false, false, true, true];
    expect_cpu(&c, 30, 4, 60, 600);
    // TestReplicaCalcScaleDownIncludeUnreadyPods: unready pods that never were ready are
    // ignored on a scale-down.
    let mut c = Case::new(5, 5, &[100, 300, 500, 250, 250]);
    c.ready = vec![true, true, true, false, false];
    expect_cpu(&c, 50, 2, 30, 300);
    // TestReplicaCalcScaleDownExcludeUnscheduledPods.
    let mut c = Case::new(5, 5, &[100]);
    c.ready = vec![true, false, false, false, false];
    c.phase = vec![Phase::Running, Phase::Pending, Phase::Pending, Phase::Pending, Phase::Pending];
    expect_cpu(&c, 50, 1, 10, 100);
}

#[test]
fn missing_metrics() {
    // A pod without a sample, the others exactly at target: no change.
    expect_cpu(&Case::new(2, 2, &[1000]), 100, 2, 100, 1000);
    // A scale-up that the missing pod, counted at 0%, brings within tolerance.
    expect_cpu(&Case::new(2, 2, &[1900]), 100, 2, 190, 1900);
    // A scale-down with the missing pod counted at 100% of its request: 1600m of 2000m.
    expect_cpu(&Case::new(2, 2, &[600]), 100, 2, 60, 600);
    // An unready pod and a missing one: the missing pod at 100% would turn the scale-down
    // into a scale-up, so nothing changes.
    let mut c = Case::new(3, 3, &[100, 450]);
    c.ready = vec![false, true, true];
    expect_cpu(&c, 50, 3, 45, 450);
    // Scale-up: the unready and the missing pod count as 0%.
    let mut c = Case::new(3, 3, &[100, 2000]);
    c.ready = vec![false, true, true];
    expect_cpu(&c, 50, 4, 200, 2000);
    // Scale-down: the missing pod counts as 100%, the unready one is left out.
    let mut c = Case::new(4, 4, &[100, 100, 100]);
    c.ready = vec![false, true, true, true];
    expect_cpu(&c, 50, 3, 10, 100);
}

#[test]
fn errors_name_what_is_missing() {
    let mut none = Case::new(1, 0, &[]);
    none.levels.clear();
    assert_eq!(none.cpu(50), Err(CalcError::NoPods));
    let mut c = Case::new(1, 1, &[100]);
    c.ready = vec![false];
    c.start = vec![hot()];
    assert_eq!(c.cpu(50).unwrap_err().to_string(), "did not receive metrics for any ready pods");
    let mut c = Case::new(1, 1, &[100]);
    c.request = 0;
    let mut pods = c.pods();
    pods[0].requests_milli.clear();
    let err = replicas::utilization_replicas(1, 50, "cpu", &pods, &c.samples(), now(), TIMING).unwrap_err();
    assert_eq!(err.to_string(), "missing request for cpu");
}

#[test]
fn pods_metrics_average_value() {
    // TestReplicaCalcScaleUpCM, TestReplicaCalcScaleDownCM.
    let p = Case::new(3, 3, &[20000, 10000, 30000]).pods_metric(15000).unwrap();
    assert_eq!((p.replicas, p.average_milli), (4, 20000));
    let p = Case::new(5, 5, &[12000; 5]).pods_metric(20000).unwrap();
    assert_eq!((p.replicas, p.average_milli), (3, 12000));
    // TestReplicaCalcScaleUpCMUnreadyHotCpuNoLessScale: readiness does not matter for
    // non-CPU metrics.
    let mut c = Case::new(3, 3, &[50000, 10000, 30000]);
    c.ready = vec![true, true, false];
    c.start = vec![cool(), cool(), hot()];
    let p = c.pods_metric(15000).unwrap();
    assert_eq!((p.replicas, p.average_milli), (6, 30000));
    // TestReplicaCalcScaleUpCMUnreadyHotCpuScaleWouldScaleDown.
    let mut c = Case::new(3, 3, &[50000, 15000, 30000]);
    c.ready = vec![false, true, false];
    c.start = vec![hot(), cool(), hot()];
    let p = c.pods_metric(15000).unwrap();
    assert_eq!((p.replicas, p.average_milli), (7, 31666));
}

#[test]
fn documentation_examples() {
    // "if the current metric value is 200m, and the desired value is 100m, the number of
    // replicas will be doubled"; "if the current value is instead 50m, you'll halve".
    let p = Case::new(2, 2, &[200, 200]).pods_metric(100).unwrap();
    assert_eq!(p.replicas, 4);
    let p = Case::new(4, 4, &[50, 50, 50, 50]).pods_metric(100).unwrap();
    assert_eq!(p.replicas, 2);
    // The walkthrough: one php-apache pod at 305% of its 200m request against 50% → 7.
    let mut c = Case::new(1, 1, &[610]);
    c.request = 200;
    expect_cpu(&c, 50, 7, 305, 610);
}

// ---- normalization: windows and policies ----

fn policy(type_: &str, value: i32, period: i32) -> HPAScalingPolicy {
    HPAScalingPolicy { type_: type_.into(), value, period_seconds: period }
}

fn rules(window: Option<i32>, select: &str, policies: Vec<HPAScalingPolicy>) -> HPAScalingRules {
    HPAScalingRules {
        stabilization_window_seconds: window,
        select_policy: Some(select.into()),
        policies: Some(policies),
        ..Default::default()
    }
}

/// autoscaling/v2's defaults for a `behavior` with nothing set.
fn default_behavior() -> HorizontalPodAutoscalerBehavior {
    crate::model::hpa::defaulted_behavior(HorizontalPodAutoscalerBehavior::default())
}

fn ago(secs: i64) -> Timestamp {
    now() - SignedDuration::from_secs(secs)
}

fn up_event(change: i32, secs_ago: i64) -> ScaleEvent {
    ScaleEvent { change, at: ago(secs_ago), outdated: false }
}

#[test]
fn default_policies_4_pods_or_double_per_15s() {
    let b = default_behavior();
    let up = b.scale_up.as_ref();
    // From 1: max(1 + 4, 2 × 1) = 5. From 10: max(14, 20) = 20.
    assert_eq!(normalize::scale_up_limit(1, &[], up, now()), 5);
    assert_eq!(normalize::scale_up_limit(10, &[], up, now()), 20);
    // Events in the last 15 s count against the period's start: 3 → 5 five seconds ago.
    assert_eq!(normalize::scale_up_limit(5, &[up_event(2, 5)], up, now()), 7);
    // Older than the period: forgotten.
    assert_eq!(normalize::scale_up_limit(5, &[up_event(2, 16)], up, now()), 10);
    // Scale-down: 100% per 15 s, so down to 0 at once.
    assert_eq!(normalize::scale_down_limit(8, &[], b.scale_down.as_ref(), now()), 0);
}

#[test]
fn select_policy_min_max_disabled() {
    let policies = vec![policy("Pods", 4, 60), policy("Percent", 10, 60)];
    // The documentation's scale-down example: with 80 pods the 10% policy (8) wins under Max
    // (the largest change), then 72 → 64 (7.2 rounded to a change of 8).
    let max = rules(None, "Max", policies.clone());
    assert_eq!(normalize::scale_down_limit(80, &[], Some(&max), now()), 72);
    assert_eq!(normalize::scale_down_limit(72, &[], Some(&max), now()), 64);
    // Under 40 pods, 4 pods is the larger change.
    assert_eq!(normalize::scale_down_limit(30, &[], Some(&max), now()), 26);
    let min = rules(None, "Min", policies.clone());
    assert_eq!(normalize::scale_down_limit(80, &[], Some(&min), now()), 76);
    let disabled = rules(None, "Disabled", policies);
    assert_eq!(normalize::scale_down_limit(80, &[], Some(&disabled), now()), 80);
    assert_eq!(normalize::scale_up_limit(80, &[], Some(&disabled), now()), 80);
}

fn behavior(up_window: i32, down_window: i32) -> HorizontalPodAutoscalerBehavior {
    let mut b = default_behavior();
    b.scale_up.as_mut().unwrap().stabilization_window_seconds = Some(up_window);
    b.scale_down.as_mut().unwrap().stabilization_window_seconds = Some(down_window);
    b
}

fn history(recs: &[(i32, i64)]) -> History {
    let recommendations =
        recs.iter().map(|&(replicas, secs)| normalize::Recommendation { replicas, at: ago(secs) }).collect();
    History { recommendations, ..Default::default() }
}

fn normalized(h: &mut History, b: &HorizontalPodAutoscalerBehavior, current: i32, desired: i32) -> (i32, Conditions) {
    let mut c = Conditions::default();
    let r = normalize::with_behavior(h, b, Bounds { current, desired, min: 1, max: 10 }, now(), &mut c);
    (r, c)
}

fn reason<'a>(c: &'a Conditions, type_: &str) -> &'a str {
    c.get(type_).and_then(|c| c.reason.as_deref()).unwrap_or_default()
}

#[test]
fn scale_down_window_keeps_the_highest_recent_recommendation() {
    let b = behavior(0, 30);
    // A 4 recommended 20 s ago is inside a 30 s window: stay at 4.
    let mut h = history(&[(4, 20)]);
    let (r, c) = normalized(&mut h, &b, 4, 1);
    assert_eq!(r, 4);
    assert_eq!(reason(&c, "AbleToScale"), "ScaleDownStabilized");
    // 31 s ago it is outside: down to 1 (100% per 15 s allows it).
    let mut h = history(&[(4, 31)]);
    assert_eq!(normalized(&mut h, &b, 4, 1).0, 1);
    // The obsolete recommendation's slot is reused.
    assert_eq!(h.recommendations.len(), 1);
    assert_eq!(h.recommendations[0].replicas, 1);
}

#[test]
fn scale_up_window_keeps_the_lowest_recent_recommendation() {
    let b = behavior(60, 300);
    let mut h = history(&[(2, 30), (6, 10)]);
    let (r, c) = normalized(&mut h, &b, 2, 8);
    assert_eq!(r, 2);
    assert_eq!(reason(&c, "AbleToScale"), "ScaleUpStabilized");
    // The default up window is 0: 8 at once, as far as 4 pods per 15 s allow.
    let mut h = history(&[(2, 30)]);
    assert_eq!(normalized(&mut h, &default_behavior(), 2, 8).0, 6);
}

#[test]
fn rate_limits_and_bounds_set_scaling_limited() {
    let b = default_behavior();
    // 1 → 9 wanted; 4 pods per 15 s allows 5.
    let (r, c) = normalized(&mut History::default(), &b, 1, 9);
    assert_eq!(r, 5);
    assert_eq!(reason(&c, "ScalingLimited"), "ScaleUpLimit");
    assert_eq!(c.get("ScalingLimited").unwrap().status, "True");
    // Above max.
    let (r, c) = normalized(&mut History::default(), &b, 8, 14);
    assert_eq!(r, 10);
    assert_eq!(reason(&c, "ScalingLimited"), "TooManyReplicas");
    // Within range.
    let (r, c) = normalized(&mut History::default(), &b, 3, 4);
    assert_eq!(r, 4);
    assert_eq!(reason(&c, "ScalingLimited"), "DesiredWithinRange");
    assert_eq!(c.get("ScalingLimited").unwrap().status, "False");
    // Below min on the way down (window 0 for the test).
    let (r, c) = normalized(&mut History::default(), &behavior(0, 0), 3, 0);
    assert_eq!(r, 1);
    assert_eq!(reason(&c, "ScalingLimited"), "TooFewReplicas");
}

#[test]
fn scale_down_rate_over_the_period() {
    let mut b = behavior(0, 0);
    b.scale_down = Some(rules(Some(0), "Max", vec![policy("Pods", 1, 60)]));
    // 2 pods removed 30 s ago: the period started at 7, one pod a minute allows 6 → stay at 5.
    let mut h = History { scale_down_events: vec![up_event(2, 30)], ..Default::default() };
    let (r, c) = normalized(&mut h, &b, 5, 1);
    assert_eq!(r, 5);
    assert_eq!(reason(&c, "ScalingLimited"), "ScaleDownLimit");
}

#[test]
fn without_behavior_the_legacy_limits_apply() {
    // No behavior: up to max(2 × current, 4) per sync, 5-minute downscale window.
    let mut c = Conditions::default();
    let mut h = History::default();
    let r = normalize::without_behavior(&mut h, Bounds { current: 1, desired: 7, min: 1, max: 10 }, now(), &mut c);
    assert_eq!(r, 4);
    assert_eq!(reason(&c, "ScalingLimited"), "ScaleUpLimit");
    let mut h = history(&[(5, 200)]);
    let r = normalize::without_behavior(&mut h, Bounds { current: 5, desired: 2, min: 1, max: 10 }, now(), &mut c);
    assert_eq!(r, 5);
    let mut h = history(&[(5, 301)]);
    let r = normalize::without_behavior(&mut h, Bounds { current: 5, desired: 2, min: 1, max: 10 }, now(), &mut c);
    assert_eq!(r, 2);
}

#[test]
fn scale_events_reuse_outdated_slots() {
    let b = default_behavior();
    let mut h = History { scale_up_events: vec![up_event(1, 100), up_event(2, 5)], ..Default::default() };
    normalize::store_scale_event(&mut h, Some(&b), 3, 6, now());
    assert_eq!(h.scale_up_events.len(), 2);
    assert_eq!(h.scale_up_events[0], ScaleEvent { change: 3, at: now(), outdated: false });
    normalize::store_scale_event(&mut h, None, 6, 9, now());
    assert_eq!(h.scale_up_events.len(), 2, "without behavior nothing is stored");
}

// ---- one whole sync ----

fn hpa(target: i32, behavior: Option<HorizontalPodAutoscalerBehavior>) -> HorizontalPodAutoscaler {
    HorizontalPodAutoscaler {
        metadata: ObjectMeta { name: Some("web".into()), namespace: Some("default".into()), ..Default::default() },
        spec: Some(HorizontalPodAutoscalerSpec {
            min_replicas: Some(1),
            max_replicas: 10,
            metrics: Some(vec![MetricSpec {
                type_: "Resource".into(),
                resource: Some(ResourceMetricSource {
                    name: "cpu".into(),
                    target: MetricTarget {
                        type_: "Utilization".into(),
                        average_utilization: Some(target),
                        ..Default::default()
                    },
                }),
                ..Default::default()
            }]),
            behavior,
            ..Default::default()
        }),
        status: None,
    }
}

fn observed(case: &Case) -> Observed {
    Observed { pods: case.pods(), resources: [("cpu".to_string(), case.samples())].into(), ..Default::default() }
}

fn scale(replicas: i32) -> ScaleView {
    ScaleView { spec_replicas: replicas, status_replicas: replicas, selector: "app=web".into() }
}

#[test]
fn a_sync_rescales_with_upstream_reason_and_status() {
    let hpa = hpa(50, Some(default_behavior()));
    let mut case = Case::new(1, 1, &[90]);
    case.request = 100;
    let mut h = History::default();
    let plan = sync(&hpa, &scale(1), &observed(&case), &mut h, now(), TIMING);
    assert_eq!(
        plan.rescale,
        Some(Rescale {
            from: 1,
            to: 2,
            reason: "cpu resource utilization (percentage of request) above target".into()
        })
    );
    let (status, events) = plan.finish(&hpa, &mut h, Ok(()), now());
    assert_eq!(status.desired_replicas, 2);
    assert_eq!(status.current_replicas, Some(1));
    let metric = &status.current_metrics.as_ref().unwrap()[0];
    assert_eq!(metric.resource.as_ref().unwrap().current.average_utilization, Some(90));
    assert_eq!(metric.resource.as_ref().unwrap().current.average_value.as_ref().unwrap().0, "90m");
    assert_eq!(
        events,
        vec![Event {
            warning: false,
            reason: "SuccessfulRescale",
            message: "New size: 2; reason: cpu resource utilization (percentage of request) above target".into()
        }]
    );
    let conditions = Conditions(status.conditions.unwrap());
    assert_eq!(reason(&conditions, "AbleToScale"), "SucceededRescale");
    assert_eq!(reason(&conditions, "ScalingActive"), "ValidMetricFound");
    assert_eq!(status.last_scale_time, Some(Time(now())));
    assert_eq!(h.scale_up_events.len(), 1);
}

#[test]
fn a_sync_without_metrics_reports_scaling_inactive() {
    let hpa = hpa(50, None);
    let case = Case::new(1, 1, &[]);
    let mut h = History::default();
    let plan = sync(&hpa, &scale(1), &observed(&case), &mut h, now(), TIMING);
    assert_eq!(plan.rescale, None);
    let (status, events) = plan.finish(&hpa, &mut h, Ok(()), now());
    let conditions = Conditions(status.conditions.unwrap());
    assert_eq!(reason(&conditions, "ScalingActive"), "FailedGetResourceMetric");
    assert_eq!(events[0].reason, "FailedGetResourceMetric");
    assert_eq!(events.last().unwrap().reason, "FailedComputeMetricsReplicas");
}

#[test]
fn replicas_outside_min_max_are_brought_back_first() {
    let hpa = hpa(50, None);
    let case = Case::new(12, 12, &[]);
    let plan = sync(&hpa, &scale(12), &observed(&case), &mut History::default(), now(), TIMING);
    assert_eq!(plan.rescale.unwrap().reason, "Current number of replicas above Spec.MaxReplicas");
    let plan = sync(&hpa, &scale(0), &observed(&case), &mut History::default(), now(), TIMING);
    assert_eq!(plan.rescale, None, "a target scaled to zero disables autoscaling");
}

#[test]
fn a_failed_rescale_is_a_warning_and_keeps_the_old_desired_count() {
    let hpa = hpa(50, Some(default_behavior()));
    let mut case = Case::new(1, 1, &[90]);
    case.request = 100;
    let mut h = History::default();
    let plan = sync(&hpa, &scale(1), &observed(&case), &mut h, now(), TIMING);
    let (status, events) = plan.finish(&hpa, &mut h, Err("conflict".into()), now());
    assert_eq!(status.desired_replicas, 0);
    assert_eq!(events[0].reason, "FailedRescale");
    assert_eq!(
        events[0].message,
        "New size: 2; reason: cpu resource utilization (percentage of request) above target; error: conflict"
    );
    assert!(h.scale_up_events.is_empty());
}
