//! `kubectl describe hpa` (kubectl's `describeHorizontalPodAutoscalerV2`): metrics as
//! `current / target`, the behavior when set, replica counts, conditions and events.

use super::*;
use k8s_openapi::api::autoscaling::v2::{HPAScalingRules, HorizontalPodAutoscaler};

fn quantity(q: Option<&Quantity>) -> String {
    q.map_or_else(|| "0".to_string(), |q| q.0.clone())
}

/// Describes an HPA like `kubectl describe horizontalpodautoscaler`.
pub fn describe_hpa(hpa: &HorizontalPodAutoscaler, events: &[Event], now: Timestamp, tz: &TimeZone) -> String {
    let spec = hpa.spec.clone().unwrap_or_default();
    let status = hpa.status.clone().unwrap_or_default();
    let current_metrics = status.current_metrics.clone().unwrap_or_default();
    let mut w = Writer::default();
    w.kv(0, "Name", text(&hpa.metadata.name));
    w.kv(0, "Namespace", text(&hpa.metadata.namespace));
    labels_multiline(&mut w, "Labels", hpa.metadata.labels.as_ref());
    annotations_multiline(&mut w, "Annotations", hpa.metadata.annotations.as_ref());
    w.kv(0, "CreationTimestamp", rfc1123z(hpa.metadata.creation_timestamp.as_ref(), tz));
    w.kv(0, "Reference", format!("{}/{}", spec.scale_target_ref.kind, spec.scale_target_ref.name));
    w.kv(0, "Metrics", "( current / target )");
    for (i, metric) in spec.metrics.iter().flatten().enumerate() {
        let status = current_metrics.get(i);
        if let Some(pods) = metric.pods.as_ref().filter(|_| metric.type_ == "Pods") {
            let current = status.and_then(|s| s.pods.as_ref()).map(|p| quantity(p.current.average_value.as_ref()));
            let target = quantity(pods.target.average_value.as_ref());
            let current = current.as_deref().unwrap_or("<unknown>");
            w.w(1, &format!("{:?} on pods:\t{current} / {target}\n", pods.metric.name));
        }
        if let Some(r) = metric.resource.as_ref().filter(|_| metric.type_ == "Resource") {
            w.w(1, &format!("resource {} on pods", r.name));
            let current = status.and_then(|s| s.resource.as_ref()).map(|r| &r.current);
            if let Some(target) = &r.target.average_value {
                let current = current.map(|c| quantity(c.average_value.as_ref()));
                w.w(0, &format!(":\t{} / {}\n", current.as_deref().unwrap_or("<unknown>"), target.0));
            } else {
                let current = current.and_then(|c| {
                    c.average_utilization.map(|u| format!("{u}% ({})", quantity(c.average_value.as_ref())))
                });
                let target = r.target.average_utilization.map_or_else(|| "<auto>".to_string(), |u| format!("{u}%"));
                let current = current.as_deref().unwrap_or("<unknown>");
                w.w(1, &format!("(as a percentage of request):\t{current} / {target}\n"));
            }
        }
    }
    w.kv(0, "Min replicas", spec.min_replicas.map_or_else(|| "<unset>".to_string(), |m| m.to_string()));
    w.kv(0, "Max replicas", spec.max_replicas);
    if let Some(b) = &spec.behavior {
        w.w(0, "Behavior:\n");
        direction(&mut w, "Scale Up", b.scale_up.as_ref());
        direction(&mut w, "Scale Down", b.scale_down.as_ref());
    }
    let (current, desired) = (status.current_replicas.unwrap_or(0), status.desired_replicas);
    w.w(0, &format!("{} pods:\t{current} current / {desired} desired\n", spec.scale_target_ref.kind));
    let conditions = status.conditions.unwrap_or_default();
    if !conditions.is_empty() {
        w.w(0, "Conditions:\n");
        w.w(1, "Type\tStatus\tReason\tMessage\n");
        w.w(1, "----\t------\t------\t-------\n");
        for c in &conditions {
            w.w(1, &format!("{}\t{}\t{}\t{}\n", c.type_, c.status, text(&c.reason), text(&c.message)));
        }
    }
    describe_events(&mut w, events, now);
    tabbed(&w.buf)
}

fn direction(w: &mut Writer, name: &str, rules: Option<&HPAScalingRules>) {
    let Some(rules) = rules else { return };
    w.w(1, &format!("{name}:\n"));
    if let Some(s) = rules.stabilization_window_seconds {
        w.w(2, &format!("Stabilization Window: {s} seconds\n"));
    }
    let policies = rules.policies.as_deref().unwrap_or_default();
    if !policies.is_empty() {
        w.w(2, &format!("Select Policy: {}\n", rules.select_policy.as_deref().unwrap_or("Max")));
        w.w(2, "Policies:\n");
        for p in policies {
            w.w(3, &format!("- Type: {}\tValue: {}\tPeriod: {} seconds\n", p.type_, p.value, p.period_seconds));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn describe_shows_metrics_behavior_and_conditions() {
        let hpa: HorizontalPodAutoscaler = serde_json::from_value(json!({
            "metadata": {"name": "web", "namespace": "default", "creationTimestamp": "2026-01-01T00:00:00Z"},
            "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "minReplicas": 1, "maxReplicas": 5,
                "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}}}],
                "behavior": {"scaleDown": {"stabilizationWindowSeconds": 30, "selectPolicy": "Max",
                    "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}]}}},
            "status": {"currentReplicas": 1, "desiredReplicas": 3,
                "currentMetrics": [{"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 140, "averageValue": "140m"}}}],
                "conditions": [{"type": "AbleToScale", "status": "True", "reason": "SucceededRescale", "message": "the HPA controller was able to update the target scale to 3"}]}
        }))
        .unwrap();
        let out = describe_hpa(&hpa, &[], Timestamp::UNIX_EPOCH, &TimeZone::UTC);
        // Go's tabwriter aligns runs of consecutive tabbed lines: the policy line and the pods
        // line form one run, the conditions and the events line another.
        let expected = "\
Name:                                                  web
Namespace:                                             default
Labels:                                                <none>
Annotations:                                           <none>
CreationTimestamp:                                     Thu, 01 Jan 2026 00:00:00 +0000
Reference:                                             Deployment/web
Metrics:                                               ( current / target )
  resource cpu on pods  (as a percentage of request):  140% (140m) / 50%
Min replicas:                                          1
Max replicas:                                          5
Behavior:
  Scale Down:
    Stabilization Window: 30 seconds
    Select Policy: Max
    Policies:
      - Type: Percent  Value: 100  Period: 15 seconds
Deployment pods:       1 current / 3 desired
Conditions:
  Type         Status  Reason            Message
  ----         ------  ------            -------
  AbleToScale  True    SucceededRescale  the HPA controller was able to update the target scale to 3
Events:        <none>
";
        assert_eq!(out, expected);
    }
}
