//! autoscaling/v1 ↔ autoscaling/v2 for the HorizontalPodAutoscaler, as the API server converts
//! (`pkg/apis/autoscaling/v1/conversion.go`): v1 has only `targetCPUUtilizationPercentage`;
//! every other metric, the behavior, the current metrics and the conditions travel in
//! `autoscaling.alpha.kubernetes.io/*` annotations, in v1's own metric shape. Pure, on JSON.

use serde_json::{Map, Value, json};

pub const METRICS_ANNOTATION: &str = "autoscaling.alpha.kubernetes.io/metrics";
pub const CURRENT_METRICS_ANNOTATION: &str = "autoscaling.alpha.kubernetes.io/current-metrics";
pub const CONDITIONS_ANNOTATION: &str = "autoscaling.alpha.kubernetes.io/conditions";
pub const BEHAVIOR_ANNOTATION: &str = "autoscaling.alpha.kubernetes.io/behavior";

fn copy(from: &Value, to: &mut Map<String, Value>, fields: &[&str]) {
    for f in fields {
        if let Some(v) = from.get(*f).filter(|v| !v.is_null()) {
            to.insert((*f).to_string(), v.clone());
        }
    }
}

/// Takes an annotation holding JSON out of `meta`.
fn take_json(meta: &mut Value, key: &str) -> Option<Value> {
    let annotations = meta.get_mut("annotations")?.as_object_mut()?;
    let text = annotations.remove(key)?;
    if annotations.is_empty() {
        meta.as_object_mut()?.remove("annotations");
    }
    serde_json::from_str(text.as_str()?).ok()
}

fn put_json(meta: &mut Value, key: &str, value: &Value) {
    if !meta.is_object() {
        *meta = json!({});
    }
    if !meta["annotations"].is_object() {
        meta["annotations"] = json!({});
    }
    meta["annotations"][key] = Value::String(value.to_string());
}

fn is_cpu_utilization(metric: &Value) -> bool {
    metric["type"] == "Resource"
        && metric["resource"]["name"] == "cpu"
        && metric["resource"]["target"]["averageUtilization"].is_number()
}

/// v2's `target` fields and their flat v1 names.
const SPEC_FIELDS: [(&str, &str); 2] =
    [("averageUtilization", "targetAverageUtilization"), ("averageValue", "targetAverageValue")];
/// v2's `current` fields and their flat v1 names.
const STATUS_FIELDS: [(&str, &str); 2] =
    [("averageUtilization", "currentAverageUtilization"), ("averageValue", "currentAverageValue")];

/// A v2 metric spec (`inner` "target") or status (`inner` "current") in v1's flat shape.
fn metric_to_v1(m: &Value, inner: &str, fields: &[(&str, &str)]) -> Value {
    let flatten = |from: &Value, out: &mut Map<String, Value>| {
        for (v2, v1) in fields {
            if let Some(v) = from.get(*v2) {
                out.insert((*v1).into(), v.clone());
            }
        }
    };
    let mut out = Map::new();
    match m["type"].as_str() {
        Some("Resource") => {
            out.insert("name".into(), m["resource"]["name"].clone());
            flatten(&m["resource"][inner], &mut out);
            json!({"type": "Resource", "resource": out})
        }
        Some("Pods") => {
            out.insert("metricName".into(), m["pods"]["metric"]["name"].clone());
            copy(&m["pods"]["metric"], &mut out, &["selector"]);
            flatten(&m["pods"][inner], &mut out);
            json!({"type": "Pods", "pods": out})
        }
        _ => m.clone(),
    }
}

/// A v1 metric spec or status in v2's shape; a spec's target gets its `type`.
fn metric_to_v2(m: &Value, inner: &str, fields: &[(&str, &str)]) -> Value {
    let nest = |from: &Value| {
        let mut out = Map::new();
        if inner == "target" {
            let type_ = if from.get("targetAverageUtilization").is_some() { "Utilization" } else { "AverageValue" };
            out.insert("type".into(), json!(type_));
        }
        for (v2, v1) in fields {
            if let Some(v) = from.get(*v1) {
                out.insert((*v2).into(), v.clone());
            }
        }
        Value::Object(out)
    };
    match m["type"].as_str() {
        Some("Resource") => {
            json!({"type": "Resource", "resource": {"name": m["resource"]["name"], inner: nest(&m["resource"])}})
        }
        Some("Pods") => {
            let mut metric = json!({"name": m["pods"]["metricName"]});
            copy(&m["pods"], metric.as_object_mut().expect("object"), &["selector"]);
            json!({"type": "Pods", "pods": {"metric": metric, inner: nest(&m["pods"])}})
        }
        _ => m.clone(),
    }
}

/// An autoscaling/v1 object as autoscaling/v2.
pub fn to_v2(v1: &Value) -> Value {
    let mut meta = v1.get("metadata").cloned().unwrap_or_else(|| json!({}));
    let spec = &v1["spec"];
    let mut out_spec = Map::new();
    copy(spec, &mut out_spec, &["scaleTargetRef", "minReplicas", "maxReplicas"]);
    let mut metrics: Vec<Value> = match take_json(&mut meta, METRICS_ANNOTATION) {
        Some(Value::Array(other)) => other.iter().map(|m| metric_to_v2(m, "target", &SPEC_FIELDS)).collect(),
        _ => Vec::new(),
    };
    if let Some(cpu) = spec.get("targetCPUUtilizationPercentage").filter(|v| v.is_number()) {
        metrics.push(json!({"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": cpu}}}));
    }
    if !metrics.is_empty() {
        out_spec.insert("metrics".into(), Value::Array(metrics));
    }
    if let Some(behavior) = take_json(&mut meta, BEHAVIOR_ANNOTATION) {
        out_spec.insert("behavior".into(), behavior);
    }
    let mut out =
        json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": meta, "spec": out_spec});
    let current_metrics = take_json(&mut out["metadata"], CURRENT_METRICS_ANNOTATION);
    let conditions = take_json(&mut out["metadata"], CONDITIONS_ANNOTATION);
    if let Some(status) = v1.get("status").filter(|s| s.is_object()) {
        let mut s = Map::new();
        copy(status, &mut s, &["observedGeneration", "lastScaleTime", "currentReplicas", "desiredReplicas"]);
        match (current_metrics, status.get("currentCPUUtilizationPercentage")) {
            (Some(Value::Array(m)), _) => {
                s.insert(
                    "currentMetrics".into(),
                    Value::Array(m.iter().map(|m| metric_to_v2(m, "current", &STATUS_FIELDS)).collect()),
                );
            }
            (_, Some(cpu)) if cpu.is_number() => {
                let m =
                    json!({"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": cpu}}});
                s.insert("currentMetrics".into(), json!([m]));
            }
            _ => {}
        }
        if let Some(c) = conditions {
            s.insert("conditions".into(), c);
        }
        out["status"] = Value::Object(s);
    }
    out
}

/// An autoscaling/v2 object as autoscaling/v1.
pub fn to_v1(v2: &Value) -> Value {
    let mut meta = v2.get("metadata").cloned().unwrap_or_else(|| json!({}));
    let spec = &v2["spec"];
    let mut out_spec = Map::new();
    copy(spec, &mut out_spec, &["scaleTargetRef", "minReplicas", "maxReplicas"]);
    let metrics = spec["metrics"].as_array().cloned().unwrap_or_default();
    if let Some(cpu) = metrics.iter().find(|m| is_cpu_utilization(m)) {
        out_spec
            .insert("targetCPUUtilizationPercentage".into(), cpu["resource"]["target"]["averageUtilization"].clone());
    }
    let other: Vec<Value> =
        metrics.iter().filter(|m| !is_cpu_utilization(m)).map(|m| metric_to_v1(m, "target", &SPEC_FIELDS)).collect();
    if !other.is_empty() {
        put_json(&mut meta, METRICS_ANNOTATION, &Value::Array(other));
    }
    if let Some(b) = spec.get("behavior").filter(|b| b.is_object()) {
        put_json(&mut meta, BEHAVIOR_ANNOTATION, b);
    }
    let status = &v2["status"];
    let mut s = Map::new();
    copy(status, &mut s, &["observedGeneration", "lastScaleTime", "currentReplicas"]);
    s.insert("currentReplicas".into(), status.get("currentReplicas").cloned().unwrap_or(json!(0)));
    s.insert("desiredReplicas".into(), status.get("desiredReplicas").cloned().unwrap_or(json!(0)));
    let current = status["currentMetrics"].as_array().cloned().unwrap_or_default();
    let cpu = current.iter().find(|m| m["type"] == "Resource" && m["resource"]["name"] == "cpu");
    if let Some(u) = cpu.and_then(|m| m["resource"]["current"].get("averageUtilization")) {
        s.insert("currentCPUUtilizationPercentage".into(), u.clone());
    }
    if !current.is_empty() {
        put_json(
            &mut meta,
            CURRENT_METRICS_ANNOTATION,
            &Value::Array(current.iter().map(|m| metric_to_v1(m, "current", &STATUS_FIELDS)).collect()),
        );
    }
    if let Some(c) = status.get("conditions").filter(|c| c.as_array().is_some_and(|a| !a.is_empty())) {
        put_json(&mut meta, CONDITIONS_ANNOTATION, c);
    }
    json!({"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler", "metadata": meta, "spec": out_spec, "status": s})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubectl_autoscale_v1_becomes_a_cpu_metric() {
        let v1 = json!({"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "x"},
            "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "x", "apiVersion": "apps/v1"}, "maxReplicas": 3,
                     "targetCPUUtilizationPercentage": 50},
            "status": {"currentReplicas": 0, "desiredReplicas": 0}});
        let v2 = to_v2(&v1);
        assert_eq!(
            v2["spec"]["metrics"],
            json!([{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}}}])
        );
        assert_eq!(v2["apiVersion"], "autoscaling/v2");
        let back = to_v1(&v2);
        assert_eq!(back["spec"], v1["spec"]);
        assert_eq!(back["metadata"], json!({"name": "x"}));
    }

    #[test]
    fn other_metrics_behavior_and_status_travel_in_annotations() {
        let v2 = json!({"metadata": {"name": "x"}, "spec": {"maxReplicas": 3, "metrics": [
                {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}}},
                {"type": "Pods", "pods": {"metric": {"name": "skiff_http_requests_per_second"}, "target": {"type": "AverageValue", "averageValue": "10"}}}],
                "behavior": {"scaleDown": {"stabilizationWindowSeconds": 30}}},
            "status": {"currentReplicas": 2, "desiredReplicas": 3,
                "currentMetrics": [{"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 80, "averageValue": "80m"}}}],
                "conditions": [{"type": "AbleToScale", "status": "True"}]}});
        let v1 = to_v1(&v2);
        assert_eq!(v1["spec"]["targetCPUUtilizationPercentage"], 50);
        assert_eq!(v1["status"]["currentCPUUtilizationPercentage"], 80);
        let annotations = &v1["metadata"]["annotations"];
        assert_eq!(
            annotations[METRICS_ANNOTATION],
            r#"[{"pods":{"metricName":"skiff_http_requests_per_second","targetAverageValue":"10"},"type":"Pods"}]"#
        );
        let back = to_v2(&v1);
        assert_eq!(back["spec"]["behavior"], v2["spec"]["behavior"]);
        assert_eq!(back["status"]["conditions"], v2["status"]["conditions"]);
        assert_eq!(back["status"]["currentMetrics"], v2["status"]["currentMetrics"]);
        let mut metrics = back["spec"]["metrics"].as_array().unwrap().clone();
        metrics.rotate_left(1);
        assert_eq!(Value::Array(metrics), v2["spec"]["metrics"]);
        assert_eq!(back["metadata"], json!({"name": "x"}));
    }
}
