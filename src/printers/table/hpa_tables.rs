//! Table columns and cells for HorizontalPodAutoscalers, as the apiserver's
//! `printHorizontalPodAutoscaler` renders them: `REFERENCE`, `TARGETS` (`cpu: 34%/50%`),
//! `MINPODS`, `MAXPODS`, `REPLICAS`.

use super::{AGE, Column, NAME, col, name_of};
use crate::printers::duration::age;
use jiff::Timestamp;
use k8s_openapi::api::autoscaling::v2::{HorizontalPodAutoscaler, MetricSpec, MetricStatus};
use serde_json::Value;

pub(super) const HPA_COLUMNS: &[Column] = &[
    NAME,
    col(
        "Reference",
        "string",
        "scaleTargetRef points to the target resource to scale, and is used to the pods for which metrics should be collected, as well as to actually change the replica count.",
        0,
    ),
    col(
        "Targets",
        "string",
        "metrics contains the specifications for which to use to calculate the desired replica count (the maximum replica count across all metrics will be used).  The desired replica count is calculated multiplying the ratio between the target value and the current value by the current number of pods.  Ergo, metrics used must decrease as the pod count is increased, and vice-versa.  See the individual metric source types for more information about how each type of metric must respond.",
        0,
    ),
    col(
        "MinPods",
        "string",
        "minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.  It defaults to 1 pod.  minReplicas is allowed to be 0 if the alpha feature gate HPAScaleToZero is enabled and at least one Object or External metric is configured.  Scaling is active as long as at least one metric value is available.",
        0,
    ),
    col(
        "MaxPods",
        "string",
        "maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up. It cannot be less that minReplicas.",
        0,
    ),
    col(
        "Replicas",
        "string",
        "currentReplicas is current number of replicas of pods managed by this autoscaler, as last seen by the autoscaler.",
        0,
    ),
    AGE,
];

const UNKNOWN: &str = "<unknown>";

/// `formatHPAMetrics`: at most two metrics, then `+ N more...`.
pub fn format_metrics(specs: &[MetricSpec], statuses: &[MetricStatus]) -> String {
    if specs.is_empty() {
        return "<none>".into();
    }
    let list: Vec<String> = specs.iter().enumerate().map(|(i, spec)| format_metric(spec, statuses.get(i))).collect();
    if list.len() > 2 {
        return format!("{} + {} more...", list[..2].join(", "), list.len() - 2);
    }
    list.join(", ")
}

fn format_metric(spec: &MetricSpec, status: Option<&MetricStatus>) -> String {
    let quantity = |q: Option<&k8s_openapi::apimachinery::pkg::api::resource::Quantity>| {
        q.map_or_else(|| "0".to_string(), |q| q.0.clone())
    };
    match (spec.type_.as_str(), &spec.pods, &spec.resource) {
        ("Pods", Some(pods), _) => {
            let current = status.and_then(|s| s.pods.as_ref()).map(|p| quantity(p.current.average_value.as_ref()));
            format!("{}/{}", current.as_deref().unwrap_or(UNKNOWN), quantity(pods.target.average_value.as_ref()))
        }
        ("Resource", _, Some(r)) => {
            let current = status.and_then(|s| s.resource.as_ref()).map(|r| &r.current);
            if let Some(target) = &r.target.average_value {
                let current = current.map(|c| quantity(c.average_value.as_ref()));
                return format!("{}: {}/{}", r.name, current.as_deref().unwrap_or(UNKNOWN), target.0);
            }
            let current = current.and_then(|c| c.average_utilization).map(|u| format!("{u}%"));
            let target = r.target.average_utilization.map_or_else(|| "<auto>".to_string(), |u| format!("{u}%"));
            format!("{}: {}/{target}", r.name, current.as_deref().unwrap_or(UNKNOWN))
        }
        _ => UNKNOWN.into(),
    }
}

pub(super) fn hpa_cells(hpa: &HorizontalPodAutoscaler, now: Timestamp) -> Vec<Value> {
    let spec = hpa.spec.clone().unwrap_or_default();
    let status = hpa.status.clone().unwrap_or_default();
    let reference = format!("{}/{}", spec.scale_target_ref.kind, spec.scale_target_ref.name);
    let metrics = format_metrics(
        spec.metrics.as_deref().unwrap_or_default(),
        status.current_metrics.as_deref().unwrap_or_default(),
    );
    let min = spec.min_replicas.map_or_else(|| "<unset>".to_string(), |m| m.to_string());
    vec![
        name_of(&hpa.metadata.name).into(),
        reference.into(),
        metrics.into(),
        min.into(),
        spec.max_replicas.into(),
        status.current_replicas.unwrap_or(0).into(),
        age(hpa.metadata.creation_timestamp.as_ref(), now).into(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn targets_column_as_kubectl_prints_it() {
        let hpa: HorizontalPodAutoscaler = serde_json::from_value(json!({
            "metadata": {"name": "web"},
            "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "minReplicas": 1, "maxReplicas": 5,
                "metrics": [
                    {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}}},
                    {"type": "Resource", "resource": {"name": "memory", "target": {"type": "AverageValue", "averageValue": "64Mi"}}},
                    {"type": "Pods", "pods": {"metric": {"name": "skiff_http_requests_per_second"}, "target": {"type": "AverageValue", "averageValue": "10"}}}]},
            "status": {"currentReplicas": 2, "desiredReplicas": 2, "currentMetrics": [
                {"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 34, "averageValue": "34m"}}}]}
        }))
        .unwrap();
        let cells = hpa_cells(&hpa, Timestamp::UNIX_EPOCH);
        assert_eq!(cells[1], "Deployment/web");
        assert_eq!(cells[2], "cpu: 34%/50%, memory: <unknown>/64Mi + 1 more...");
        assert_eq!((cells[3].clone(), cells[4].clone(), cells[5].clone()), (json!("1"), json!(5), json!(2)));
        let specs = hpa.spec.unwrap().metrics.unwrap();
        assert_eq!(format_metrics(&specs[2..], &[]), "<unknown>/10");
        assert_eq!(format_metrics(&[], &[]), "<none>");
    }
}
