//! The HorizontalPodAutoscaler controller's decisions (Kubernetes' `horizontal.go`), pure: one
//! sync takes the HPA, its target's scale, the selected pods and their samples, the history
//! kept since the last sync and `now`, and returns the rescale to make, the new status and the
//! events. The async shell (`controller::run::hpa`) gathers the inputs and executes the result.

pub mod conditions;
pub mod normalize;
pub mod replicas;
#[cfg(test)]
mod tests;

use conditions::{ABLE_TO_SCALE, Conditions, SCALING_ACTIVE};
use jiff::Timestamp;
use k8s_openapi::api::autoscaling::v2::{
    HorizontalPodAutoscaler, HorizontalPodAutoscalerStatus, MetricSpec, MetricStatus, MetricValueStatus,
    PodsMetricStatus, ResourceMetricStatus,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use normalize::{Bounds, History};
use replicas::{PodView, Samples, Timing};
use std::collections::BTreeMap;

/// How often every HPA is synced (`--horizontal-pod-autoscaler-sync-period`).
pub const SYNC_PERIOD: std::time::Duration = std::time::Duration::from_secs(15);

/// The target's `scale` subresource as the controller reads it.
#[derive(Clone, Debug, PartialEq)]
pub struct ScaleView {
    pub spec_replicas: i32,
    pub status_replicas: i32,
    /// `status.selector` in its string form; empty when the target has none.
    pub selector: String,
}

/// What one sync observes: the selected pods and the samples for their metrics.
#[derive(Clone, Debug, Default)]
pub struct Observed {
    pub pods: Vec<PodView>,
    /// Per resource (`cpu`, `memory`): the pods' samples.
    pub resources: BTreeMap<String, Samples>,
    /// Per Pods metric name: the pods' samples.
    pub pod_metrics: BTreeMap<String, Samples>,
}

/// An event the controller records on the HPA.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub warning: bool,
    pub reason: &'static str,
    pub message: String,
}

/// A scale change to make, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rescale {
    pub from: i32,
    pub to: i32,
    pub reason: String,
}

/// What one sync decided; `finish` turns it into the status and events once the rescale (if
/// any) has been attempted.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    pub rescale: Option<Rescale>,
    status: HorizontalPodAutoscalerStatus,
    conditions: Conditions,
    events: Vec<Event>,
}

fn milli_quantity(milli: i64) -> Quantity {
    Quantity(crate::model::quantity_format::canonical_sum(i128::from(milli) * 1_000_000, false))
}

/// `Quantity.MilliValue()`: rounded up.
pub fn milli_value(q: &Quantity) -> Option<i64> {
    let nanos = crate::model::quantity::nanos(&q.0)?;
    i64::try_from((nanos + 999_999).div_euclid(1_000_000)).ok()
}

fn warning(reason: &'static str, message: String) -> Event {
    Event { warning: true, reason, message }
}

/// One metric's proposal: replicas, the name the rescale reason uses, its status.
struct Proposal {
    replicas: i32,
    name: String,
    status: MetricStatus,
}

/// A metric's failure: the ScalingActive reason, and the error.
struct MetricError {
    reason: &'static str,
    message: String,
}

fn compute_for_metric(
    spec: &MetricSpec,
    current: i32,
    observed: &Observed,
    now: Timestamp,
    timing: Timing,
) -> Result<Proposal, MetricError> {
    match (spec.type_.as_str(), &spec.resource, &spec.pods) {
        ("Resource", Some(resource), _) => {
            let fail = |message: String| MetricError { reason: "FailedGetResourceMetric", message };
            let name = resource.name.as_str();
            let samples = observed.resources.get(name).filter(|s| !s.is_empty()).ok_or_else(|| {
                fail(format!(
                    "unable to get metrics for resource {name}: no metrics returned from resource metrics API"
                ))
            })?;
            let target = &resource.target;
            if let Some(average) = target.average_value.as_ref().and_then(milli_value) {
                let p = replicas::average_value_replicas(current, average, name, &observed.pods, samples, now, timing)
                    .map_err(|e| fail(format!("failed to get {name} utilization: {e}")))?;
                let current =
                    MetricValueStatus { average_value: Some(milli_quantity(p.average_milli)), ..Default::default() };
                return Ok(Proposal {
                    replicas: p.replicas,
                    name: format!("{name} resource"),
                    status: resource_status(name, current),
                });
            }
            let Some(utilization) = target.average_utilization else {
                return Err(fail(
                    "invalid resource metric source: neither a utilization target nor a value target was set".into(),
                ));
            };
            let p = replicas::utilization_replicas(current, utilization, name, &observed.pods, samples, now, timing)
                .map_err(|e| fail(format!("failed to get {name} utilization: {e}")))?;
            let current = MetricValueStatus {
                average_utilization: Some(p.utilization),
                average_value: Some(milli_quantity(p.raw_average_milli)),
                ..Default::default()
            };
            Ok(Proposal {
                replicas: p.replicas,
                name: format!("{name} resource utilization (percentage of request)"),
                status: resource_status(name, current),
            })
        }
        ("Pods", _, Some(pods)) => {
            let fail = |message: String| MetricError { reason: "FailedGetPodsMetric", message };
            let name = pods.metric.name.as_str();
            let samples = observed.pod_metrics.get(name).filter(|s| !s.is_empty()).ok_or_else(|| {
                fail(format!("unable to get metric {name}: no metrics returned from custom metrics API"))
            })?;
            let target = pods.target.average_value.as_ref().and_then(milli_value).unwrap_or(0).max(1);
            let p = replicas::average_value_replicas(current, target, "", &observed.pods, samples, now, timing)
                .map_err(|e| fail(e.to_string()))?;
            let status = MetricStatus {
                type_: "Pods".into(),
                pods: Some(PodsMetricStatus {
                    metric: pods.metric.clone(),
                    current: MetricValueStatus {
                        average_value: Some(milli_quantity(p.average_milli)),
                        ..Default::default()
                    },
                }),
                ..Default::default()
            };
            Ok(Proposal { replicas: p.replicas, name: format!("pods metric {name}"), status })
        }
        (other, _, _) => Err(MetricError {
            reason: "InvalidMetricSourceType",
            message: format!("unknown metric source type {other:?}"),
        }),
    }
}

fn resource_status(name: &str, current: MetricValueStatus) -> MetricStatus {
    MetricStatus {
        type_: "Resource".into(),
        resource: Some(ResourceMetricStatus { name: name.into(), current }),
        ..Default::default()
    }
}

/// `computeReplicasForMetrics`: the largest proposal over the metrics that could be computed.
fn compute_for_metrics(
    hpa: &HorizontalPodAutoscaler,
    scale: &ScaleView,
    observed: &Observed,
    now: Timestamp,
    timing: Timing,
    conditions: &mut Conditions,
    events: &mut Vec<Event>,
) -> Result<(i32, String, Vec<MetricStatus>), String> {
    if scale.selector.is_empty() {
        events.push(warning("SelectorRequired", "selector is required".into()));
        conditions.set(SCALING_ACTIVE, false, "InvalidSelector", "the HPA target's scale is missing a selector", now);
        return Err("selector is required".into());
    }
    let specs = hpa.spec.as_ref().and_then(|s| s.metrics.as_deref()).unwrap_or_default();
    let (mut replicas, mut metric, mut statuses) = (0, String::new(), Vec::new());
    let (mut invalid, mut first_error) = (0, None);
    for spec in specs {
        match compute_for_metric(spec, scale.spec_replicas, observed, now, timing) {
            Ok(p) => {
                if replicas == 0 || p.replicas > replicas {
                    (replicas, metric) = (p.replicas, p.name);
                }
                statuses.push(p.status);
            }
            Err(e) => {
                events.push(warning(e.reason, e.message.clone()));
                statuses.push(MetricStatus { type_: String::new(), ..Default::default() });
                invalid += 1;
                first_error.get_or_insert(e);
            }
        }
    }
    if invalid >= specs.len() {
        let e = first_error.unwrap_or(MetricError { reason: "InvalidMetricSourceType", message: "no metrics".into() });
        let message = format!("the HPA was unable to compute the replica count: {}", e.message);
        conditions.set(SCALING_ACTIVE, false, e.reason, &message, now);
        return Err(format!(
            "invalid metrics ({invalid} invalid out of {}), first error is: {}",
            specs.len(),
            e.message
        ));
    }
    let message = format!("the HPA was able to successfully calculate a replica count from {metric}");
    conditions.set(SCALING_ACTIVE, true, "ValidMetricFound", &message, now);
    Ok((replicas, metric, statuses))
}

/// `reconcileAutoscaler` up to the scale update: what to scale to and the status to write.
pub fn sync(
    hpa: &HorizontalPodAutoscaler,
    scale: &ScaleView,
    observed: &Observed,
    history: &mut History,
    now: Timestamp,
    timing: Timing,
) -> Plan {
    let spec = hpa.spec.clone().unwrap_or_default();
    let old = hpa.status.clone().unwrap_or_default();
    let mut conditions = Conditions(old.conditions.clone().unwrap_or_default());
    let mut events = Vec::new();
    conditions.set(
        ABLE_TO_SCALE,
        true,
        "SucceededGetScale",
        "the HPA controller was able to get the target's current scale",
        now,
    );
    let current = scale.spec_replicas;
    history.record_initial(current, now);
    let min = spec.min_replicas.unwrap_or(1);
    let mut metric_statuses = Vec::new();
    let (desired, reason) = if current == 0 && min != 0 {
        conditions.set(
            SCALING_ACTIVE,
            false,
            "ScalingDisabled",
            "scaling is disabled since the replica count of the target is zero",
            now,
        );
        (0, String::new())
    } else if current > spec.max_replicas {
        (spec.max_replicas, "Current number of replicas above Spec.MaxReplicas".to_string())
    } else if current < min {
        (min, "Current number of replicas below Spec.MinReplicas".to_string())
    } else {
        match compute_for_metrics(hpa, scale, observed, now, timing, &mut conditions, &mut events) {
            Err(e) => {
                events.push(warning("FailedComputeMetricsReplicas", e));
                let status = HorizontalPodAutoscalerStatus { current_replicas: Some(current), ..old.clone() };
                return Plan { rescale: None, status, conditions, events };
            }
            Ok((proposed, metric, statuses)) => {
                metric_statuses = statuses;
                let reason = if proposed > current {
                    format!("{metric} above target")
                } else if proposed < current {
                    "All metrics below target".to_string()
                } else {
                    String::new()
                };
                let bounds = Bounds { current, desired: proposed, min, max: spec.max_replicas };
                let desired = match &spec.behavior {
                    None => normalize::without_behavior(history, bounds, now, &mut conditions),
                    Some(b) => normalize::with_behavior(history, b, bounds, now, &mut conditions),
                };
                (desired, reason)
            }
        }
    };
    let scaling = !(current == 0 && min != 0) && desired != current;
    let status = HorizontalPodAutoscalerStatus {
        current_replicas: Some(current),
        desired_replicas: if scaling { desired } else { current },
        last_scale_time: old.last_scale_time.clone(),
        current_metrics: Some(metric_statuses).filter(|m| !m.is_empty()),
        conditions: None,
        observed_generation: hpa.metadata.generation,
    };
    let rescale = scaling.then_some(Rescale { from: current, to: desired, reason });
    Plan { rescale, status, conditions, events }
}

impl Plan {
    /// The status and events once the rescale was attempted (`scaled`: its outcome).
    pub fn finish(
        mut self,
        hpa: &HorizontalPodAutoscaler,
        history: &mut History,
        scaled: Result<(), String>,
        now: Timestamp,
    ) -> (HorizontalPodAutoscalerStatus, Vec<Event>) {
        if let Some(r) = &self.rescale {
            match scaled {
                Ok(()) => {
                    let message = format!("the HPA controller was able to update the target scale to {}", r.to);
                    self.conditions.set(ABLE_TO_SCALE, true, "SucceededRescale", &message, now);
                    self.events.push(Event {
                        warning: false,
                        reason: "SuccessfulRescale",
                        message: format!("New size: {}; reason: {}", r.to, r.reason),
                    });
                    let behavior = hpa.spec.as_ref().and_then(|s| s.behavior.as_ref());
                    normalize::store_scale_event(history, behavior, r.from, r.to, now);
                    self.status.last_scale_time = Some(Time(now));
                }
                Err(e) => {
                    let message = format!("the HPA controller was unable to update the target scale: {e}");
                    self.conditions.set(ABLE_TO_SCALE, false, "FailedUpdateScale", &message, now);
                    self.events.push(warning(
                        "FailedRescale",
                        format!("New size: {}; reason: {}; error: {e}", r.to, r.reason),
                    ));
                    let old = hpa.status.clone().unwrap_or_default();
                    self.status.desired_replicas = old.desired_replicas;
                    self.status.current_metrics = old.current_metrics;
                }
            }
        }
        self.status.conditions = Some(self.conditions.0);
        (self.status, self.events)
    }
}
