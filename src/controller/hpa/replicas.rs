//! The HPA's replica calculator (Kubernetes' `replica_calculator.go`): from the pods a target
//! selects and their metric samples, the replica count one metric proposes. Pure: `now` is an
//! argument; pods not yet Ready, pods still in the CPU initialization period and pods missing
//! samples are treated as the upstream controller treats them.

use jiff::{SignedDuration, Timestamp};
use std::collections::{BTreeMap, BTreeSet};

/// Changes smaller than this fraction of the target are not acted on (the controller's
/// `--horizontal-pod-autoscaler-tolerance`).
pub const TOLERANCE: f64 = 0.1;

/// The controller's timing flags, with kube-controller-manager's defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timing {
    /// `--horizontal-pod-autoscaler-cpu-initialization-period` (5m): CPU samples of a pod this
    /// young count only once it is Ready and a whole sample window has passed since.
    pub cpu_initialization_period: SignedDuration,
    /// `--horizontal-pod-autoscaler-initial-readiness-delay` (30s): a pod that turned unready
    /// this soon after starting has never been ready.
    pub initial_readiness_delay: SignedDuration,
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            cpu_initialization_period: SignedDuration::from_mins(5),
            initial_readiness_delay: SignedDuration::from_secs(30),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Pending,
    Running,
    Succeeded,
    Failed,
    Unknown,
}

impl Phase {
    pub fn parse(phase: Option<&str>) -> Phase {
        match phase {
            Some("Pending") => Phase::Pending,
            Some("Running") => Phase::Running,
            Some("Succeeded") => Phase::Succeeded,
            Some("Failed") => Phase::Failed,
            _ => Phase::Unknown,
        }
    }
}

/// A pod's `Ready` condition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Readiness {
    pub ready: bool,
    pub last_transition: Timestamp,
}

/// What the calculator needs of one selected pod.
#[derive(Clone, Debug, PartialEq)]
pub struct PodView {
    pub name: String,
    pub phase: Phase,
    pub deleting: bool,
    pub ready: Option<Readiness>,
    pub start_time: Option<Timestamp>,
    /// Per resource (`cpu`, `memory`), the sum of its containers' requests in milli-units;
    /// a resource some container does not request is absent.
    pub requests_milli: BTreeMap<String, i64>,
}

/// One pod's metric value in milli-units, taken at `timestamp` over `window`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sample {
    pub value_milli: i64,
    pub timestamp: Timestamp,
    pub window: SignedDuration,
}

pub type Samples = BTreeMap<String, Sample>;

/// Why no replica count could be computed (the upstream messages).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CalcError {
    #[error("no pods returned by selector while calculating replica count")]
    NoPods,
    #[error("did not receive metrics for any ready pods")]
    NoReadyMetrics,
    #[error("missing request for {0}")]
    MissingRequest(String),
    #[error("no metrics returned matched known pods")]
    NoMatchingMetrics,
}

/// A utilization target's proposal: replicas, utilization in percent of requests, and the
/// average raw value in milli-units.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UtilizationProposal {
    pub replicas: i32,
    pub utilization: i32,
    pub raw_average_milli: i64,
}

/// An average-value target's proposal: replicas and the average value in milli-units.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AverageProposal {
    pub replicas: i32,
    pub average_milli: i64,
}

struct Groups {
    ready: usize,
    ignored: BTreeSet<String>,
    missing: BTreeSet<String>,
}

/// Sorts pods as `groupPods` does: deleted and failed pods drop out; pending pods, and for CPU
/// pods whose samples may still hold their start-up burst, are ignored; pods with no sample
/// are missing; the rest are ready.
fn group_pods(pods: &[PodView], samples: &Samples, cpu: bool, now: Timestamp, timing: Timing) -> Groups {
    let mut groups = Groups { ready: 0, ignored: BTreeSet::new(), missing: BTreeSet::new() };
    for pod in pods.iter().filter(|p| !p.deleting && p.phase != Phase::Failed) {
        if pod.phase == Phase::Pending {
            groups.ignored.insert(pod.name.clone());
            continue;
        }
        let Some(sample) = samples.get(&pod.name) else {
            groups.missing.insert(pod.name.clone());
            continue;
        };
        if cpu && cpu_sample_unusable(pod, sample, now, timing) {
            groups.ignored.insert(pod.name.clone());
            continue;
        }
        groups.ready += 1;
    }
    groups
}

fn cpu_sample_unusable(pod: &PodView, sample: &Sample, now: Timestamp, timing: Timing) -> bool {
    let (Some(ready), Some(start)) = (pod.ready, pod.start_time) else {
        return true;
    };
    if start + timing.cpu_initialization_period > now {
        !ready.ready || sample.timestamp < ready.last_transition + sample.window
    } else {
        !ready.ready && start + timing.initial_readiness_delay > ready.last_transition
    }
}

fn requests(pods: &[PodView], resource: &str) -> Result<BTreeMap<String, i64>, CalcError> {
    pods.iter()
        .map(|p| {
            let request = p.requests_milli.get(resource).copied();
            request.map(|r| (p.name.clone(), r)).ok_or_else(|| CalcError::MissingRequest(resource.into()))
        })
        .collect()
}

/// `GetResourceUtilizationRatio`: usage over requests of the pods that have both.
fn utilization_ratio(
    values: &BTreeMap<String, i64>,
    requests: &BTreeMap<String, i64>,
    target: i32,
) -> Result<(f64, i32, i64), CalcError> {
    let (mut used, mut requested, mut entries) = (0i64, 0i64, 0i64);
    for (pod, value) in values {
        if let Some(request) = requests.get(pod) {
            used += value;
            requested += request;
            entries += 1;
        }
    }
    if requested == 0 {
        return Err(CalcError::NoMatchingMetrics);
    }
    let utilization = i32::try_from(used * 100 / requested).unwrap_or(i32::MAX);
    Ok((f64::from(utilization) / f64::from(target), utilization, used / entries))
}

fn average_ratio(values: &BTreeMap<String, i64>, target_milli: i64) -> (f64, i64) {
    let average = values.values().sum::<i64>() / values.len().max(1) as i64;
    (average as f64 / target_milli as f64, average)
}

fn within_tolerance(ratio: f64) -> bool {
    (1.0 - ratio).abs() <= TOLERANCE
}

fn ceil_replicas(x: f64) -> i32 {
    x.ceil() as i32
}

/// How the two calculators differ once the first ratio is known.
struct Rebalance<'a> {
    current: i32,
    groups: &'a Groups,
    /// The value a missing pod counts as on a scale-down.
    missing_on_scale_down: &'a dyn Fn(&str) -> i64,
    /// Missing pods count as 0 only when the ratio is above 1 (utilization), or whenever it is
    /// not below 1 (plain values).
    zero_missing_at_exactly_one: bool,
    /// Refuse a result whose direction the number of pods counted reverses (utilization only).
    guard_direction_by_count: bool,
}

impl Rebalance<'_> {
    /// The replica count for `ratio`, counting ignored and missing pods as upstream does.
    fn replicas(
        &self,
        mut values: BTreeMap<String, i64>,
        ratio: f64,
        ratio_of: impl Fn(&BTreeMap<String, i64>) -> Result<f64, CalcError>,
    ) -> Result<i32, CalcError> {
        let (current, groups) = (self.current, self.groups);
        let rebalance_ignored = !groups.ignored.is_empty() && ratio > 1.0;
        if !rebalance_ignored && groups.missing.is_empty() {
            if within_tolerance(ratio) {
                return Ok(current);
            }
            return Ok(ceil_replicas(ratio * groups.ready as f64));
        }
        for pod in &groups.missing {
            if ratio < 1.0 {
                values.insert(pod.clone(), (self.missing_on_scale_down)(pod));
            } else if ratio > 1.0 || self.zero_missing_at_exactly_one {
                values.insert(pod.clone(), 0);
            }
        }
        if rebalance_ignored {
            for pod in &groups.ignored {
                values.insert(pod.clone(), 0);
            }
        }
        let new_ratio = ratio_of(&values)?;
        if within_tolerance(new_ratio) || (ratio < 1.0 && new_ratio > 1.0) || (ratio > 1.0 && new_ratio < 1.0) {
            return Ok(current);
        }
        let replicas = ceil_replicas(new_ratio * values.len() as f64);
        let reversed = (new_ratio < 1.0 && replicas > current) || (new_ratio > 1.0 && replicas < current);
        Ok(if self.guard_direction_by_count && reversed { current } else { replicas })
    }
}

/// The values of the samples that count: every sample but the ignored pods'.
fn counted_values(samples: &Samples, groups: &Groups) -> BTreeMap<String, i64> {
    samples
        .iter()
        .filter(|(pod, _)| !groups.ignored.contains(*pod))
        .map(|(pod, s)| (pod.clone(), s.value_milli))
        .collect()
}

/// `GetResourceReplicas`: the replicas a `Utilization` target of `resource` proposes.
pub fn utilization_replicas(
    current: i32,
    target_utilization: i32,
    resource: &str,
    pods: &[PodView],
    samples: &Samples,
    now: Timestamp,
    timing: Timing,
) -> Result<UtilizationProposal, CalcError> {
    if pods.is_empty() {
        return Err(CalcError::NoPods);
    }
    let groups = group_pods(pods, samples, resource == "cpu", now, timing);
    let values = counted_values(samples, &groups);
    let requests = requests(pods, resource)?;
    if values.is_empty() {
        return Err(CalcError::NoReadyMetrics);
    }
    let (ratio, utilization, raw_average_milli) = utilization_ratio(&values, &requests, target_utilization)?;
    let rebalance = Rebalance {
        current,
        groups: &groups,
        missing_on_scale_down: &|pod| requests.get(pod).copied().unwrap_or_default(),
        zero_missing_at_exactly_one: false,
        guard_direction_by_count: true,
    };
    let replicas =
        rebalance.replicas(values, ratio, |v| utilization_ratio(v, &requests, target_utilization).map(|r| r.0))?;
    Ok(UtilizationProposal { replicas, utilization, raw_average_milli })
}

/// `calcPlainMetricReplicas`: the replicas an `AverageValue` target proposes (a resource's raw
/// value, or a Pods metric when `resource` is empty).
pub fn average_value_replicas(
    current: i32,
    target_milli: i64,
    resource: &str,
    pods: &[PodView],
    samples: &Samples,
    now: Timestamp,
    timing: Timing,
) -> Result<AverageProposal, CalcError> {
    if pods.is_empty() {
        return Err(CalcError::NoPods);
    }
    let groups = group_pods(pods, samples, resource == "cpu", now, timing);
    let values = counted_values(samples, &groups);
    if values.is_empty() {
        return Err(CalcError::NoReadyMetrics);
    }
    let (ratio, average_milli) = average_ratio(&values, target_milli);
    let rebalance = Rebalance {
        current,
        groups: &groups,
        missing_on_scale_down: &|_| target_milli,
        zero_missing_at_exactly_one: true,
        guard_direction_by_count: false,
    };
    let replicas = rebalance.replicas(values, ratio, |v| Ok(average_ratio(v, target_milli).0))?;
    Ok(AverageProposal { replicas, average_milli })
}
