//! `pkg/apis/autoscaling/validation` for the HorizontalPodAutoscaler, with upstream's messages
//! and field paths, run on the defaulted autoscaling/v2 object. skiff computes Resource and
//! Pods metrics only, so those are the metric source types it accepts.

use crate::model::validation::field::{ErrorList, FieldError, FieldPath};
use crate::model::validation::names::{name_is_dns_subdomain, validate_object_meta};
use k8s_openapi::api::autoscaling::v2::{
    CrossVersionObjectReference, HPAScalingRules, HorizontalPodAutoscaler, HorizontalPodAutoscalerBehavior, MetricSpec,
    MetricTarget,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;

/// `MaxPeriodSeconds` and `MaxStabilizationWindowSeconds`.
const MAX_PERIOD_SECONDS: i32 = 1800;
const MAX_STABILIZATION_WINDOW_SECONDS: i32 = 3600;

/// `ValidateHorizontalPodAutoscaler` (and its update, which checks the same spec).
pub fn validate(hpa: &HorizontalPodAutoscaler) -> ErrorList {
    let mut errs = validate_object_meta(&hpa.metadata, name_is_dns_subdomain, &FieldPath::new("metadata"));
    let spec = hpa.spec.clone().unwrap_or_default();
    let path = FieldPath::new("spec");
    if let Some(min) = spec.min_replicas.filter(|m| *m < 1) {
        errs.push(FieldError::invalid(&path.child("minReplicas"), min, "must be greater than or equal to 1"));
    }
    if spec.max_replicas < 1 {
        errs.push(FieldError::invalid(&path.child("maxReplicas"), spec.max_replicas, "must be greater than 0"));
    }
    if spec.min_replicas.is_some_and(|min| spec.max_replicas < min) {
        let message = "must be greater than or equal to `minReplicas`";
        errs.push(FieldError::invalid(&path.child("maxReplicas"), spec.max_replicas, message));
    }
    errs.extend(cross_version_reference(&spec.scale_target_ref, &path.child("scaleTargetRef")));
    for (i, metric) in spec.metrics.iter().flatten().enumerate() {
        errs.extend(metric_spec(metric, &path.child("metrics").index(i)));
    }
    if let Some(b) = &spec.behavior {
        errs.extend(behavior(b, &path.child("behavior")));
    }
    errs
}

/// `IsValidPathSegmentName`.
fn path_segment_errors(name: &str) -> Vec<&'static str> {
    let mut msgs = Vec::new();
    match name {
        "." => msgs.push("may not be '.'"),
        ".." => msgs.push("may not be '..'"),
        _ => {}
    }
    if name.contains('/') {
        msgs.push("may not contain '/'");
    }
    if name.contains('%') {
        msgs.push("may not contain '%'");
    }
    msgs
}

fn cross_version_reference(r: &CrossVersionObjectReference, path: &FieldPath) -> ErrorList {
    let mut errs = ErrorList::new();
    for (field, value) in [("kind", &r.kind), ("name", &r.name)] {
        if value.is_empty() {
            errs.push(FieldError::required(&path.child(field), ""));
        }
        for msg in path_segment_errors(value) {
            errs.push(FieldError::invalid(&path.child(field), value.as_str(), msg));
        }
    }
    errs
}

const SUPPORTED_SOURCES: [&str; 2] = ["Pods", "Resource"];

fn metric_spec(spec: &MetricSpec, path: &FieldPath) -> ErrorList {
    let mut errs = ErrorList::new();
    if spec.type_.is_empty() {
        errs.push(FieldError::required(&path.child("type"), "must specify a metric source type"));
    }
    if !SUPPORTED_SOURCES.contains(&spec.type_.as_str()) {
        errs.push(FieldError::not_supported(&path.child("type"), spec.type_.as_str(), &SUPPORTED_SOURCES));
    }
    let present: Vec<&str> = [
        ("containerResource", spec.container_resource.is_some()),
        ("external", spec.external.is_some()),
        ("object", spec.object.is_some()),
        ("pods", spec.pods.is_some()),
        ("resource", spec.resource.is_some()),
    ]
    .into_iter()
    .filter_map(|(name, set)| set.then_some(name))
    .collect();
    if let Some(pods) = spec.pods.as_ref().filter(|_| present.len() == 1) {
        let metric_path = path.child("pods").child("metric");
        if pods.metric.name.is_empty() {
            errs.push(FieldError::required(&metric_path.child("name"), "must specify a metric name"));
        }
        let target = path.child("pods").child("target");
        errs.extend(metric_target(&pods.target, &target));
        if pods.target.average_value.is_none() {
            errs.push(FieldError::required(
                &target.child("averageValue"),
                "must specify a positive target averageValue",
            ));
        }
    }
    if let Some(resource) = spec.resource.as_ref().filter(|_| present.len() == 1) {
        let path = path.child("resource");
        if resource.name.is_empty() {
            errs.push(FieldError::required(&path.child("name"), "must specify a resource name"));
        }
        let target = path.child("target");
        errs.extend(metric_target(&resource.target, &target));
        let t = &resource.target;
        if t.average_utilization.is_none() && t.average_value.is_none() {
            let message = "must set either a target raw value or a target utilization";
            errs.push(FieldError::required(&target.child("averageUtilization"), message));
        }
        if t.average_utilization.is_some() && t.average_value.is_some() {
            let message = "may not set both a target raw value and a target utilization";
            errs.push(FieldError::forbidden(&target.child("averageValue"), message));
        }
    }
    let expected = spec.type_.to_ascii_lowercase();
    let expected = if expected == "containerresource" { "containerResource".to_string() } else { expected };
    if !present.contains(&expected.as_str()) {
        errs.push(FieldError::required(
            &path.child(&expected),
            "must populate information for the given metric source",
        ));
    }
    if present.len() != 1 {
        for other in present.iter().filter(|p| **p != expected) {
            errs.push(FieldError::forbidden(&path.child(other), "must populate the given metric source only"));
        }
    }
    errs
}

fn positive(q: &Quantity) -> bool {
    crate::model::quantity::nanos(&q.0).is_some_and(|n| n > 0)
}

fn metric_target(t: &MetricTarget, path: &FieldPath) -> ErrorList {
    let mut errs = ErrorList::new();
    if t.type_.is_empty() {
        errs.push(FieldError::required(&path.child("type"), "must specify a metric target type"));
    }
    if !["Utilization", "Value", "AverageValue"].contains(&t.type_.as_str()) {
        let message = "must be either Utilization, Value, or AverageValue";
        errs.push(FieldError::invalid(&path.child("type"), t.type_.as_str(), message));
    }
    for (field, q) in [("value", &t.value), ("averageValue", &t.average_value)] {
        if let Some(q) = q.as_ref().filter(|q| !positive(q)) {
            errs.push(FieldError::invalid(&path.child(field), q.0.as_str(), "must be positive"));
        }
    }
    if let Some(u) = t.average_utilization.filter(|u| *u < 1) {
        errs.push(FieldError::invalid(&path.child("averageUtilization"), u, "must be greater than 0"));
    }
    errs
}

fn behavior(b: &HorizontalPodAutoscalerBehavior, path: &FieldPath) -> ErrorList {
    let mut errs = scaling_rules(b.scale_up.as_ref(), &path.child("scaleUp"));
    errs.extend(scaling_rules(b.scale_down.as_ref(), &path.child("scaleDown")));
    errs
}

fn scaling_rules(rules: Option<&HPAScalingRules>, path: &FieldPath) -> ErrorList {
    let mut errs = ErrorList::new();
    let Some(rules) = rules else { return errs };
    let window_path = path.child("stabilizationWindowSeconds");
    match rules.stabilization_window_seconds {
        Some(w) if w < 0 => errs.push(FieldError::invalid(&window_path, w, "must be greater than or equal to zero")),
        Some(w) if w > MAX_STABILIZATION_WINDOW_SECONDS => errs.push(FieldError::invalid(
            &window_path,
            w,
            &format!("must be less than or equal to {MAX_STABILIZATION_WINDOW_SECONDS}"),
        )),
        _ => {}
    }
    if let Some(select) = rules.select_policy.as_deref().filter(|s| !["Disabled", "Max", "Min"].contains(s)) {
        errs.push(FieldError::not_supported(&path.child("selectPolicy"), select, &["Disabled", "Max", "Min"]));
    }
    let policies = rules.policies.as_deref().unwrap_or_default();
    if policies.is_empty() {
        errs.push(FieldError::required(&path.child("policies"), "must specify at least one Policy"));
    }
    for (i, p) in policies.iter().enumerate() {
        let path = path.child("policies").index(i);
        if !["Percent", "Pods"].contains(&p.type_.as_str()) {
            errs.push(FieldError::not_supported(&path.child("type"), p.type_.as_str(), &["Percent", "Pods"]));
        }
        if p.value <= 0 {
            errs.push(FieldError::invalid(&path.child("value"), p.value, "must be greater than zero"));
        }
        let period = path.child("periodSeconds");
        if p.period_seconds <= 0 {
            errs.push(FieldError::invalid(&period, p.period_seconds, "must be greater than zero"));
        }
        if p.period_seconds > MAX_PERIOD_SECONDS {
            let message = format!("must be less than or equal to {MAX_PERIOD_SECONDS}");
            errs.push(FieldError::invalid(&period, p.period_seconds, &message));
        }
    }
    errs
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn errors(spec: serde_json::Value) -> Vec<String> {
        let mut hpa: HorizontalPodAutoscaler =
            serde_json::from_value(json!({"metadata": {"name": "web", "namespace": "default"}, "spec": spec})).unwrap();
        super::super::default_hpa(&mut hpa);
        validate(&hpa).iter().map(|e| e.to_string()).collect()
    }

    fn target() -> serde_json::Value {
        json!({"kind": "Deployment", "name": "web", "apiVersion": "apps/v1"})
    }

    #[test]
    fn a_valid_hpa_has_no_errors() {
        assert!(errors(json!({"scaleTargetRef": target(), "maxReplicas": 5})).is_empty());
    }

    #[test]
    fn replicas_bounds() {
        let e = errors(json!({"scaleTargetRef": target(), "minReplicas": 0, "maxReplicas": 0}));
        assert_eq!(
            e,
            [
                "spec.minReplicas: Invalid value: 0: must be greater than or equal to 1",
                "spec.maxReplicas: Invalid value: 0: must be greater than 0",
            ]
        );
        let e = errors(json!({"scaleTargetRef": target(), "minReplicas": 4, "maxReplicas": 2}));
        assert_eq!(e, ["spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`"]);
    }

    #[test]
    fn target_reference_and_metrics() {
        let e = errors(json!({"scaleTargetRef": {"kind": "", "name": "a/b"}, "maxReplicas": 1}));
        assert_eq!(
            e,
            [
                "spec.scaleTargetRef.kind: Required value",
                "spec.scaleTargetRef.name: Invalid value: \"a/b\": may not contain '/'",
            ]
        );
        let cpu = |t: serde_json::Value| {
            errors(json!({"scaleTargetRef": target(), "maxReplicas": 1,
                "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": t}}]}))
        };
        assert_eq!(
            cpu(json!({"type": "Utilization", "averageUtilization": 0})),
            ["spec.metrics[0].resource.target.averageUtilization: Invalid value: 0: must be greater than 0"]
        );
        assert_eq!(
            cpu(json!({"type": "Utilization"})),
            [
                "spec.metrics[0].resource.target.averageUtilization: Required value: must set either a target raw value or a target utilization"
            ]
        );
        let e = errors(json!({"scaleTargetRef": target(), "maxReplicas": 1, "metrics": [{"type": "Pods"}]}));
        assert_eq!(e, ["spec.metrics[0].pods: Required value: must populate information for the given metric source"]);
    }

    #[test]
    fn behavior_policies() {
        let e = errors(json!({"scaleTargetRef": target(), "maxReplicas": 1, "behavior": {"scaleDown": {
            "stabilizationWindowSeconds": 4000, "selectPolicy": "Most",
            "policies": [{"type": "Pods", "value": 0, "periodSeconds": 1801}]}}}));
        assert_eq!(
            e,
            [
                "spec.behavior.scaleDown.stabilizationWindowSeconds: Invalid value: 4000: must be less than or equal to 3600",
                "spec.behavior.scaleDown.selectPolicy: Unsupported value: \"Most\": supported values: \"Disabled\", \"Max\", \"Min\"",
                "spec.behavior.scaleDown.policies[0].value: Invalid value: 0: must be greater than zero",
                "spec.behavior.scaleDown.policies[0].periodSeconds: Invalid value: 1801: must be less than or equal to 1800",
            ]
        );
        let e =
            errors(json!({"scaleTargetRef": target(), "maxReplicas": 1, "behavior": {"scaleUp": {"policies": []}}}));
        assert_eq!(e, ["spec.behavior.scaleUp.policies: Required value: must specify at least one Policy"]);
    }
}
