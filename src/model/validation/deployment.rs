//! Deployment and ReplicaSet validation with Kubernetes' rules, messages and field paths
//! (`pkg/apis/apps/validation`, `pkg/registry/apps/*/strategy.go`): spec, selector and template
//! agreement, strategy, status, selector immutability, and the name warning.
//!
//! Bad values are rendered as current API servers render them (apimachinery marshals
//! non-scalar values to JSON): `{"app":"web"}` for labels, `0` / `"25%"` for IntOrString.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{
    Deployment, DeploymentSpec, DeploymentStatus, DeploymentStrategy, ReplicaSet, ReplicaSetStatus,
    RollingUpdateDeployment,
};
use k8s_openapi::api::core::v1::PodTemplateSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, LabelSelectorRequirement};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::PodSecurityPolicy;
use super::field::{BadValue, ErrorList, FieldError, FieldPath};
use super::names::{
    invalid_each, is_dns1123_label, is_qualified_name, is_valid_label_value, is_valid_percent_msgs,
    name_is_dns_subdomain, validate_annotations, validate_labels, validate_nonnegative, validate_object_meta,
};
use super::pod::validate_pod_template;
use crate::model::intstr::{percent_value, raw_value};

/// `ValidateDeployment`: metadata (name a DNS subdomain) and spec.
pub fn validate_deployment(d: &Deployment, policy: &PodSecurityPolicy) -> ErrorList {
    let mut errs = validate_object_meta(&d.metadata, name_is_dns_subdomain, &FieldPath::new("metadata"));
    errs.extend(validate_deployment_spec(d.spec.as_ref(), policy));
    errs
}

/// `ValidateDeploymentUpdate` plus the apps/v1 registry rule that `spec.selector` is immutable.
/// The name is not re-validated (it cannot change); labels and annotations are.
pub fn validate_deployment_update(new: &Deployment, old: &Deployment, policy: &PodSecurityPolicy) -> ErrorList {
    let mut errs = validate_meta_update(&new.metadata);
    errs.extend(validate_deployment_spec(new.spec.as_ref(), policy));
    let selector = |d: &Deployment| d.spec.as_ref().map(|s| s.selector.clone());
    errs.extend(selector_immutable(selector(new), selector(old)));
    errs
}

/// `ValidateReplicaSet`: metadata (name a DNS subdomain) and spec.
pub fn validate_replicaset(rs: &ReplicaSet, policy: &PodSecurityPolicy) -> ErrorList {
    let mut errs = validate_object_meta(&rs.metadata, name_is_dns_subdomain, &FieldPath::new("metadata"));
    errs.extend(validate_replicaset_spec(rs, policy));
    errs
}

/// `ValidateReplicaSetUpdate` plus the apps/v1 selector immutability.
pub fn validate_replicaset_update(new: &ReplicaSet, old: &ReplicaSet, policy: &PodSecurityPolicy) -> ErrorList {
    let mut errs = validate_meta_update(&new.metadata);
    errs.extend(validate_replicaset_spec(new, policy));
    let selector = |rs: &ReplicaSet| rs.spec.as_ref().map(|s| s.selector.clone());
    errs.extend(selector_immutable(selector(new), selector(old)));
    errs
}

/// The warning Kubernetes returns on create when a Deployment or ReplicaSet name is a valid
/// subdomain but not a DNS label (its pods' hostnames would be surprising).
pub fn name_warnings(name: &str) -> Vec<String> {
    let msgs = is_dns1123_label(name);
    if msgs.is_empty() {
        return Vec::new();
    }
    vec![format!(
        "metadata.name: this is used in Pod names and hostnames, which can result in surprising behavior; a DNS label is recommended: [{}]",
        msgs.join(" ")
    )]
}

/// `ValidateDeploymentStatusUpdate` (status part): counts non-negative and consistent, and
/// `collisionCount` never decremented.
pub fn validate_deployment_status_update(new: &Deployment, old: &Deployment) -> ErrorList {
    let path = FieldPath::new("status");
    let default_status = DeploymentStatus::default();
    let status = new.status.as_ref().unwrap_or(&default_status);
    let mut errs = validate_nonnegative(status.observed_generation.unwrap_or(0), &path.child("observedGeneration"));
    let counts = [
        ("replicas", status.replicas),
        ("updatedReplicas", status.updated_replicas),
        ("readyReplicas", status.ready_replicas),
        ("availableReplicas", status.available_replicas),
        ("unavailableReplicas", status.unavailable_replicas),
        ("collisionCount", status.collision_count),
    ];
    for (field, value) in counts {
        errs.extend(validate_nonnegative(i64::from(value.unwrap_or(0)), &path.child(field)));
    }
    let replicas = status.replicas.unwrap_or(0);
    let subsets = [("updatedReplicas", status.updated_replicas), ("readyReplicas", status.ready_replicas)];
    errs.extend(counts_within(&subsets, replicas, status.available_replicas, status.ready_replicas, &path));
    let old_count = old.status.as_ref().and_then(|s| s.collision_count);
    if is_decremented(status.collision_count, old_count) {
        let value = status.collision_count.unwrap_or(0);
        errs.push(FieldError::invalid(&path.child("collisionCount"), value, "cannot be decremented"));
    }
    errs
}

/// `ValidateReplicaSetStatus`: counts non-negative and consistent.
pub fn validate_replicaset_status(rs: &ReplicaSet) -> ErrorList {
    let path = FieldPath::new("status");
    let default_status = ReplicaSetStatus::default();
    let status = rs.status.as_ref().unwrap_or(&default_status);
    let counts = [
        ("replicas", Some(status.replicas)),
        ("fullyLabeledReplicas", status.fully_labeled_replicas),
        ("readyReplicas", status.ready_replicas),
        ("availableReplicas", status.available_replicas),
    ];
    let mut errs = ErrorList::new();
    for (field, value) in counts {
        errs.extend(validate_nonnegative(i64::from(value.unwrap_or(0)), &path.child(field)));
    }
    errs.extend(validate_nonnegative(status.observed_generation.unwrap_or(0), &path.child("observedGeneration")));
    let subsets = [("fullyLabeledReplicas", status.fully_labeled_replicas), ("readyReplicas", status.ready_replicas)];
    errs.extend(counts_within(&subsets, status.replicas, status.available_replicas, status.ready_replicas, &path));
    errs
}

/// Each subset count and `availableReplicas` at most `status.replicas`; available at most ready.
fn counts_within(
    subsets: &[(&str, Option<i32>)],
    replicas: i32,
    available: Option<i32>,
    ready: Option<i32>,
    path: &FieldPath,
) -> ErrorList {
    let msg = "cannot be greater than status.replicas";
    let mut errs = ErrorList::new();
    let available_entry = ("availableReplicas", available);
    for (field, value) in subsets.iter().chain(std::iter::once(&available_entry)) {
        let v = value.unwrap_or(0);
        if v > replicas {
            errs.push(FieldError::invalid(&path.child(field), v, msg));
        }
    }
    let (available, ready) = (available.unwrap_or(0), ready.unwrap_or(0));
    if available > ready {
        let detail = "cannot be greater than readyReplicas";
        errs.push(FieldError::invalid(&path.child("availableReplicas"), available, detail));
    }
    errs
}

/// apimachinery `IsDecremented`.
fn is_decremented(new: Option<i32>, old: Option<i32>) -> bool {
    match (new, old) {
        (None, Some(_)) => true,
        (Some(n), Some(o)) => n < o,
        _ => false,
    }
}

/// The parts of `ValidateObjectMetaUpdate` that look at the new object alone.
fn validate_meta_update(meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta) -> ErrorList {
    let path = FieldPath::new("metadata");
    let mut errs = validate_labels(meta.labels.as_ref(), &path.child("labels"));
    errs.extend(validate_annotations(meta.annotations.as_ref(), &path.child("annotations")));
    errs
}

fn selector_immutable(new: Option<LabelSelector>, old: Option<LabelSelector>) -> Option<FieldError> {
    let (new, old) = (new.unwrap_or_default(), old.unwrap_or_default());
    if selector_equal(&new, &old) {
        return None;
    }
    let value = BadValue::Raw(selector_json(&new));
    Some(FieldError::invalid(&FieldPath::new("spec").child("selector"), value, "field is immutable"))
}

/// Semantic equality: absent and empty lists and maps are the same.
fn selector_equal(a: &LabelSelector, b: &LabelSelector) -> bool {
    let labels = |s: &LabelSelector| s.match_labels.clone().unwrap_or_default();
    let exprs = |s: &LabelSelector| {
        let list = s.match_expressions.clone().unwrap_or_default();
        list.into_iter().map(|r| (r.key, r.operator, r.values.unwrap_or_default())).collect::<Vec<_>>()
    };
    labels(a) == labels(b) && exprs(a) == exprs(b)
}

/// `ValidateDeploymentSpec`, in upstream order.
fn validate_deployment_spec(spec: Option<&DeploymentSpec>, policy: &PodSecurityPolicy) -> ErrorList {
    let path = FieldPath::new("spec");
    let default_spec = DeploymentSpec::default();
    let spec = spec.unwrap_or(&default_spec);
    let mut errs = validate_nonnegative(i64::from(spec.replicas.unwrap_or(0)), &path.child("replicas"));
    errs.extend(validate_selector_and_template(&spec.selector, &spec.template, policy));
    let default_strategy = DeploymentStrategy::default();
    errs.extend(validate_strategy(spec.strategy.as_ref().unwrap_or(&default_strategy), &path.child("strategy")));
    let min_ready = spec.min_ready_seconds.unwrap_or(0);
    errs.extend(validate_nonnegative(i64::from(min_ready), &path.child("minReadySeconds")));
    if let Some(limit) = spec.revision_history_limit {
        errs.extend(validate_nonnegative(i64::from(limit), &path.child("revisionHistoryLimit")));
    }
    if let Some(deadline) = spec.progress_deadline_seconds {
        let field = path.child("progressDeadlineSeconds");
        errs.extend(validate_nonnegative(i64::from(deadline), &field));
        if deadline <= min_ready {
            errs.push(FieldError::invalid(&field, deadline, "must be greater than minReadySeconds"));
        }
    }
    errs
}

/// `ValidateReplicaSetSpec`.
fn validate_replicaset_spec(rs: &ReplicaSet, policy: &PodSecurityPolicy) -> ErrorList {
    let path = FieldPath::new("spec");
    let Some(spec) = rs.spec.as_ref() else {
        let template = PodTemplateSpec::default();
        return validate_selector_and_template(&LabelSelector::default(), &template, policy);
    };
    let mut errs = validate_nonnegative(i64::from(spec.replicas.unwrap_or(0)), &path.child("replicas"));
    let min_ready = spec.min_ready_seconds.unwrap_or(0);
    errs.extend(validate_nonnegative(i64::from(min_ready), &path.child("minReadySeconds")));
    let default_template = PodTemplateSpec::default();
    let template = spec.template.as_ref().unwrap_or(&default_template);
    errs.extend(validate_selector_and_template(&spec.selector, template, policy));
    errs
}

/// The selector checks, then the template checked against it. k8s-openapi cannot tell an
/// absent selector from `{}`, so a selector with neither `matchLabels` nor `matchExpressions`
/// present is treated as absent (`Required value`, and it selects nothing); present but empty
/// ones are `empty selector is invalid for deployment` (the text upstream uses for ReplicaSets too).
fn validate_selector_and_template(
    selector: &LabelSelector,
    template: &PodTemplateSpec,
    policy: &PodSecurityPolicy,
) -> ErrorList {
    let path = FieldPath::new("spec").child("selector");
    let absent = selector.match_labels.is_none() && selector.match_expressions.is_none();
    let mut errs = ErrorList::new();
    if absent {
        errs.push(FieldError::required(&path, ""));
    } else {
        errs.extend(validate_label_selector(selector, &path));
        if selector_is_empty(selector) {
            let value = BadValue::Raw(selector_json(selector));
            errs.push(FieldError::invalid(&path, value, "empty selector is invalid for deployment"));
        }
    }
    if !absent && !selector_parses(selector) {
        let value = BadValue::Raw(selector_json(selector));
        errs.push(FieldError::invalid(&path, value, "invalid label selector"));
        return errs;
    }
    errs.extend(validate_template_for_selector(template, selector, absent, policy));
    errs
}

fn selector_is_empty(s: &LabelSelector) -> bool {
    s.match_labels.as_ref().is_none_or(BTreeMap::is_empty) && s.match_expressions.as_ref().is_none_or(Vec::is_empty)
}

/// `ValidatePodTemplateSpecForReplicaSet`: labels match the selector, the template is a valid
/// pod template, restartPolicy is Always and there is no activeDeadlineSeconds.
fn validate_template_for_selector(
    template: &PodTemplateSpec,
    selector: &LabelSelector,
    absent: bool,
    policy: &PodSecurityPolicy,
) -> ErrorList {
    let path = FieldPath::new("spec").child("template");
    let labels = template.metadata.as_ref().and_then(|m| m.labels.as_ref());
    let mut errs = ErrorList::new();
    let matches = !absent && (selector_is_empty(selector) || selector_matches(selector, labels));
    if !matches {
        let value = BadValue::Raw(string_map_json(labels));
        let field = path.child("metadata").child("labels");
        errs.push(FieldError::invalid(&field, value, "`selector` does not match template `labels`"));
    }
    errs.extend(validate_pod_template(template, &path, policy));
    let spec = template.spec.as_ref();
    let restart = spec.and_then(|s| s.restart_policy.as_deref()).unwrap_or_default();
    if restart != "Always" {
        errs.push(FieldError::not_supported(&path.child("spec").child("restartPolicy"), restart, &["Always"]));
    }
    if spec.is_some_and(|s| s.active_deadline_seconds.is_some()) {
        let field = path.child("spec").child("activeDeadlineSeconds");
        errs.push(FieldError::forbidden(&field, "activeDeadlineSeconds in ReplicaSet is not Supported"));
    }
    errs
}

/// metav1 `ValidateLabelSelector` (strict: values must be valid label values).
fn validate_label_selector(s: &LabelSelector, path: &FieldPath) -> ErrorList {
    let mut errs = validate_labels(s.match_labels.as_ref(), &path.child("matchLabels"));
    for (i, req) in s.match_expressions.iter().flatten().enumerate() {
        errs.extend(validate_requirement(req, &path.child("matchExpressions").index(i)));
    }
    errs
}

fn validate_requirement(req: &LabelSelectorRequirement, path: &FieldPath) -> ErrorList {
    let values = req.values.as_deref().unwrap_or_default();
    let mut errs = ErrorList::new();
    match req.operator.as_str() {
        "In" | "NotIn" if values.is_empty() => {
            let detail = "must be specified when `operator` is 'In' or 'NotIn'";
            errs.push(FieldError::required(&path.child("values"), detail));
        }
        "Exists" | "DoesNotExist" if !values.is_empty() => {
            let detail = "may not be specified when `operator` is 'Exists' or 'DoesNotExist'";
            errs.push(FieldError::forbidden(&path.child("values"), detail));
        }
        "In" | "NotIn" | "Exists" | "DoesNotExist" => {}
        other => errs.push(FieldError::invalid(&path.child("operator"), other, "not a valid selector operator")),
    }
    errs.extend(invalid_each(&path.child("key"), &req.key, is_qualified_name(&req.key)));
    for (i, v) in values.iter().enumerate() {
        errs.extend(invalid_each(&path.child("values").index(i), v, is_valid_label_value(v)));
    }
    errs
}

/// Whether metav1 `LabelSelectorAsSelector` accepts the selector.
fn selector_parses(s: &LabelSelector) -> bool {
    let labels_ok = s
        .match_labels
        .iter()
        .flatten()
        .all(|(k, v)| is_qualified_name(k).is_empty() && is_valid_label_value(v).is_empty());
    labels_ok && s.match_expressions.iter().flatten().all(requirement_parses)
}

fn requirement_parses(r: &LabelSelectorRequirement) -> bool {
    let values = r.values.as_deref().unwrap_or_default();
    let shape_ok = match r.operator.as_str() {
        "In" | "NotIn" => !values.is_empty(),
        "Exists" | "DoesNotExist" => values.is_empty(),
        _ => false,
    };
    shape_ok && is_qualified_name(&r.key).is_empty() && values.iter().all(|v| is_valid_label_value(v).is_empty())
}

/// `labels.Selector.Matches` for a parsed, non-empty selector.
pub fn selector_matches(s: &LabelSelector, labels: Option<&BTreeMap<String, String>>) -> bool {
    let get = |k: &str| labels.and_then(|l| l.get(k));
    let labels_ok = s.match_labels.iter().flatten().all(|(k, v)| get(k) == Some(v));
    labels_ok
        && s.match_expressions.iter().flatten().all(|r| {
            let values = r.values.as_deref().unwrap_or_default();
            let value = get(&r.key);
            match r.operator.as_str() {
                "In" => value.is_some_and(|v| values.contains(v)),
                "NotIn" => value.is_none_or(|v| !values.contains(v)),
                "Exists" => value.is_some(),
                "DoesNotExist" => value.is_none(),
                _ => false,
            }
        })
}

/// `ValidateDeploymentStrategy`.
fn validate_strategy(strategy: &DeploymentStrategy, path: &FieldPath) -> ErrorList {
    let rolling = strategy.rolling_update.as_ref();
    match strategy.type_.as_deref().unwrap_or_default() {
        "Recreate" => rolling
            .map(|_| {
                let detail = "may not be specified when strategy `type` is 'Recreate'";
                vec![FieldError::forbidden(&path.child("rollingUpdate"), detail)]
            })
            .unwrap_or_default(),
        "RollingUpdate" => match rolling {
            None => {
                let detail = "this should be defaulted and never be nil";
                vec![FieldError::required(&path.child("rollingUpdate"), detail)]
            }
            Some(r) => validate_rolling_update(r, &path.child("rollingUpdate")),
        },
        // Upstream reports this at `spec.strategy` with the whole internal struct as the value
        // (`{"Type":"BlueGreen","RollingUpdate":null}`); skiff names the field that is wrong.
        other => vec![FieldError::not_supported(&path.child("type"), other, &["Recreate", "RollingUpdate"])],
    }
}

/// `ValidateRollingUpdateDeployment`: both an int ≥ 0 or a percent, not both zero, and
/// maxUnavailable at most 100%.
fn validate_rolling_update(r: &RollingUpdateDeployment, path: &FieldPath) -> ErrorList {
    let zero = IntOrString::Int(0);
    let unavailable = r.max_unavailable.as_ref().unwrap_or(&zero);
    let surge = r.max_surge.as_ref().unwrap_or(&zero);
    let (unavailable_path, surge_path) = (path.child("maxUnavailable"), path.child("maxSurge"));
    let mut errs = validate_int_or_percent(unavailable, &unavailable_path);
    errs.extend(validate_int_or_percent(surge, &surge_path));
    if raw_value(unavailable) == 0 && raw_value(surge) == 0 {
        let value = BadValue::Raw(intstr_json(unavailable));
        errs.push(FieldError::invalid(&unavailable_path, value, "may not be 0 when `maxSurge` is 0"));
    }
    if let IntOrString::String(s) = unavailable
        && percent_value(s).is_some_and(|p| p > 100)
    {
        let value = BadValue::Raw(intstr_json(unavailable));
        errs.push(FieldError::invalid(&unavailable_path, value, "must not be greater than 100%"));
    }
    errs
}

/// `ValidatePositiveIntOrPercent`.
fn validate_int_or_percent(v: &IntOrString, path: &FieldPath) -> ErrorList {
    match v {
        IntOrString::Int(i) => validate_nonnegative(i64::from(*i), path),
        IntOrString::String(s) => {
            let msgs = is_valid_percent_msgs(s);
            msgs.iter().map(|m| FieldError::invalid(path, BadValue::Raw(intstr_json(v)), m)).collect()
        }
    }
}

/// A string as Go's `encoding/json` writes it (HTML-safe escapes included).
fn json_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn string_map_json(map: Option<&BTreeMap<String, String>>) -> String {
    let Some(map) = map else {
        return "null".to_string();
    };
    let entries: Vec<String> = map.iter().map(|(k, v)| format!("{}:{}", json_str(k), json_str(v))).collect();
    format!("{{{}}}", entries.join(","))
}

fn intstr_json(v: &IntOrString) -> String {
    match v {
        IntOrString::Int(i) => i.to_string(),
        IntOrString::String(s) => json_str(s),
    }
}

/// A metav1 LabelSelector as JSON, fields in Go's order with `omitempty`.
fn selector_json(s: &LabelSelector) -> String {
    let mut fields = Vec::new();
    if let Some(labels) = s.match_labels.as_ref().filter(|l| !l.is_empty()) {
        fields.push(format!("\"matchLabels\":{}", string_map_json(Some(labels))));
    }
    if let Some(exprs) = s.match_expressions.as_ref().filter(|e| !e.is_empty()) {
        let items: Vec<String> = exprs.iter().map(requirement_json).collect();
        fields.push(format!("\"matchExpressions\":[{}]", items.join(",")));
    }
    format!("{{{}}}", fields.join(","))
}

fn requirement_json(r: &LabelSelectorRequirement) -> String {
    let mut out = format!("{{\"key\":{},\"operator\":{}", json_str(&r.key), json_str(&r.operator));
    if let Some(values) = r.values.as_ref().filter(|v| !v.is_empty()) {
        let items: Vec<String> = values.iter().map(|v| json_str(v)).collect();
        out.push_str(&format!(",\"values\":[{}]", items.join(",")));
    }
    out.push('}');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::defaults::{default_deployment, default_replicaset};
    use serde_json::{Value, json};

    fn hello_world() -> Value {
        let probe = |path: &str| json!({"httpGet": {"path": path, "port": "http"}, "periodSeconds": 5});
        json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "hello-world", "labels": {"app": "hello"}},
            "spec": {
                "replicas": 3,
                "selector": {"matchLabels": {"app": "hello"}},
                "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 2, "maxUnavailable": "50%"}},
                "template": {
                    "metadata": {"labels": {"app": "hello"}},
                    "spec": {"containers": [{
                        "name": "web", "image": "nginxdemos/hello:0.4",
                        "ports": [{"name": "http", "containerPort": 80}],
                        "livenessProbe": probe("/healthz"), "readinessProbe": probe("/ready")
                    }]}
                }
            }
        })
    }

    /// Apply `edit` to the hello-world manifest, default it, validate it.
    fn errors_after(edit: impl FnOnce(&mut Value)) -> Vec<String> {
        let mut v = hello_world();
        edit(&mut v);
        let mut d: Deployment = serde_json::from_value(v).unwrap_or_else(|e| panic!("bad fixture: {e}"));
        default_deployment(&mut d);
        validate_deployment(&d, &PodSecurityPolicy::default()).iter().map(ToString::to_string).collect()
    }

    /// Validate without defaulting (to reach rules defaulting makes unreachable).
    fn raw_errors(v: Value) -> Vec<String> {
        let d: Deployment = serde_json::from_value(v).unwrap_or_else(|e| panic!("bad fixture: {e}"));
        validate_deployment(&d, &PodSecurityPolicy::default()).iter().map(ToString::to_string).collect()
    }

    const NONE: Vec<String> = Vec::new();
    const LABEL_MSG: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
    const PERCENT_MSG: &str = "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')";

    #[test]
    fn hello_world_is_valid() {
        assert_eq!(errors_after(|_| {}), NONE);
    }

    #[test]
    fn wrong_strategy_type() {
        let e = errors_after(|v| v["spec"]["strategy"] = json!({"type": "BlueGreen"}));
        assert_eq!(
            e,
            vec![
                "spec.strategy.type: Unsupported value: \"BlueGreen\": supported values: \"Recreate\", \"RollingUpdate\""
            ]
        );
    }

    #[test]
    fn both_zero_surge_and_unavailable() {
        let e = errors_after(|v| v["spec"]["strategy"]["rollingUpdate"] = json!({"maxSurge": 0, "maxUnavailable": 0}));
        assert_eq!(
            e,
            vec!["spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0"]
        );
        let e = errors_after(|v| {
            v["spec"]["strategy"]["rollingUpdate"] = json!({"maxSurge": "0%", "maxUnavailable": "0%"})
        });
        assert_eq!(
            e,
            vec![
                "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: \"0%\": may not be 0 when `maxSurge` is 0"
            ]
        );
        let e =
            errors_after(|v| v["spec"]["strategy"]["rollingUpdate"] = json!({"maxSurge": "0%", "maxUnavailable": 0}));
        assert_eq!(e.len(), 1);
    }

    #[test]
    fn selector_not_matching() {
        let e = errors_after(|v| v["spec"]["selector"] = json!({"matchLabels": {"app": "other"}}));
        assert_eq!(
            e,
            vec![
                "spec.template.metadata.labels: Invalid value: {\"app\":\"hello\"}: `selector` does not match template `labels`"
            ]
        );
        let exprs = json!({"matchExpressions": [{"key": "app", "operator": "In", "values": ["hello", "hi"]}, {"key": "tier", "operator": "DoesNotExist"}]});
        assert_eq!(errors_after(|v| v["spec"]["selector"] = exprs), NONE);
        let not_in = json!({"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["hello"]}]});
        assert_eq!(errors_after(|v| v["spec"]["selector"] = not_in).len(), 1);
    }

    #[test]
    fn selector_required_and_empty() {
        let e = errors_after(|v| {
            if let Some(spec) = v["spec"].as_object_mut() {
                spec.remove("selector");
            }
        });
        assert_eq!(
            e,
            vec![
                "spec.selector: Required value",
                "spec.template.metadata.labels: Invalid value: {\"app\":\"hello\"}: `selector` does not match template `labels`",
            ]
        );
        let e = errors_after(|v| v["spec"]["selector"] = json!({"matchLabels": {}}));
        assert_eq!(e, vec!["spec.selector: Invalid value: {}: empty selector is invalid for deployment"]);
    }

    #[test]
    fn invalid_selector_skips_template_checks() {
        let e = errors_after(|v| {
            v["spec"]["selector"] = json!({"matchExpressions": [{"key": "app", "operator": "Near", "values": ["x"]}]});
            v["spec"]["template"]["spec"]["containers"][0]["image"] = json!("");
        });
        assert_eq!(
            e,
            vec![
                "spec.selector.matchExpressions[0].operator: Invalid value: \"Near\": not a valid selector operator",
                "spec.selector: Invalid value: {\"matchExpressions\":[{\"key\":\"app\",\"operator\":\"Near\",\"values\":[\"x\"]}]}: invalid label selector",
            ]
        );
        let e =
            errors_after(|v| v["spec"]["selector"] = json!({"matchExpressions": [{"key": "app", "operator": "In"}]}));
        assert_eq!(
            e[0],
            "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'"
        );
        let e = errors_after(|v| {
            v["spec"]["selector"] = json!({"matchExpressions": [{"key": "app", "operator": "Exists", "values": ["a"]}]})
        });
        assert_eq!(
            e[0],
            "spec.selector.matchExpressions[0].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"
        );
    }

    #[test]
    fn invalid_name() {
        let e = errors_after(|v| v["metadata"]["name"] = json!("Hello_World"));
        assert_eq!(
            e,
            vec![
                "metadata.name: Invalid value: \"Hello_World\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
            ]
        );
        assert_eq!(errors_after(|v| v["metadata"]["name"] = json!("hello.world")), NONE);
        let e = errors_after(|v| v["metadata"]["name"] = json!(""));
        assert_eq!(e, vec!["metadata.name: Required value: name or generateName is required"]);
    }

    #[test]
    fn bad_percent() {
        let e = errors_after(|v| v["spec"]["strategy"]["rollingUpdate"]["maxSurge"] = json!("20Percent"));
        assert_eq!(
            e,
            vec![format!("spec.strategy.rollingUpdate.maxSurge: Invalid value: \"20Percent\": {PERCENT_MSG}")]
        );
        for bad in ["-5%", "1.5%", "25"] {
            let e = errors_after(|v| v["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] = json!(bad));
            assert_eq!(
                e,
                vec![format!("spec.strategy.rollingUpdate.maxUnavailable: Invalid value: \"{bad}\": {PERCENT_MSG}")]
            );
        }
        let e = errors_after(|v| v["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] = json!(-1));
        assert_eq!(
            e,
            vec!["spec.strategy.rollingUpdate.maxUnavailable: Invalid value: -1: must be greater than or equal to 0"]
        );
    }

    #[test]
    fn max_unavailable_over_100_percent() {
        let e = errors_after(|v| v["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] = json!("150%"));
        assert_eq!(
            e,
            vec!["spec.strategy.rollingUpdate.maxUnavailable: Invalid value: \"150%\": must not be greater than 100%"]
        );
        assert_eq!(errors_after(|v| v["spec"]["strategy"]["rollingUpdate"]["maxSurge"] = json!("150%")), NONE);
    }

    #[test]
    fn negative_numbers() {
        let e = errors_after(|v| v["spec"]["replicas"] = json!(-1));
        assert_eq!(e, vec!["spec.replicas: Invalid value: -1: must be greater than or equal to 0"]);
        let e = errors_after(|v| {
            v["spec"]["minReadySeconds"] = json!(-1);
            v["spec"]["revisionHistoryLimit"] = json!(-2);
            v["spec"]["progressDeadlineSeconds"] = json!(-3);
        });
        assert_eq!(
            e,
            vec![
                "spec.minReadySeconds: Invalid value: -1: must be greater than or equal to 0",
                "spec.revisionHistoryLimit: Invalid value: -2: must be greater than or equal to 0",
                "spec.progressDeadlineSeconds: Invalid value: -3: must be greater than or equal to 0",
                "spec.progressDeadlineSeconds: Invalid value: -3: must be greater than minReadySeconds",
            ]
        );
        assert_eq!(errors_after(|v| v["spec"]["replicas"] = json!(0)), NONE);
    }

    #[test]
    fn progress_deadline_must_exceed_min_ready() {
        let e = errors_after(|v| {
            v["spec"]["minReadySeconds"] = json!(30);
            v["spec"]["progressDeadlineSeconds"] = json!(30);
        });
        assert_eq!(e, vec!["spec.progressDeadlineSeconds: Invalid value: 30: must be greater than minReadySeconds"]);
    }

    #[test]
    fn template_restart_policy_and_deadline() {
        let e = errors_after(|v| {
            v["spec"]["template"]["spec"]["restartPolicy"] = json!("Never");
            v["spec"]["template"]["spec"]["activeDeadlineSeconds"] = json!(60);
        });
        assert_eq!(
            e,
            vec![
                "spec.template.spec.restartPolicy: Unsupported value: \"Never\": supported values: \"Always\"",
                "spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in ReplicaSet is not Supported",
            ]
        );
    }

    #[test]
    fn recreate_with_rolling_update_is_forbidden() {
        let e = errors_after(|v| v["spec"]["strategy"]["type"] = json!("Recreate"));
        assert_eq!(
            e,
            vec!["spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"]
        );
        assert_eq!(errors_after(|v| v["spec"]["strategy"] = json!({"type": "Recreate"})), NONE);
        assert_eq!(errors_after(|v| v["spec"]["strategy"] = json!({"type": "Recreate", "rollingUpdate": null})), NONE);
        let mut v = hello_world();
        v["spec"]["strategy"] = json!({"type": "RollingUpdate"});
        let e = raw_errors(v);
        assert!(e.contains(
            &"spec.strategy.rollingUpdate: Required value: this should be defaulted and never be nil".to_string()
        ));
    }

    #[test]
    fn label_keys_and_values() {
        let e = errors_after(|v| {
            v["metadata"]["labels"] = json!({"app": "hello", "bad key!": "x"});
            v["spec"]["template"]["metadata"]["labels"]["tier"] = json!("-front");
        });
        assert_eq!(e.len(), 2);
        assert!(e[0].starts_with("metadata.labels: Invalid value: \"bad key!\": name part must consist of"));
        assert!(e[1].starts_with("spec.template.labels: Invalid value: \"-front\": a valid label must be"));
        let e = errors_after(|v| v["spec"]["selector"]["matchLabels"]["app"] = json!("he llo"));
        assert!(e[0].starts_with("spec.selector.matchLabels: Invalid value: \"he llo\": a valid label must be"));
        assert_eq!(
            e[1],
            "spec.selector: Invalid value: {\"matchLabels\":{\"app\":\"he llo\"}}: invalid label selector"
        );
    }

    #[test]
    fn bad_corpus_containers() {
        let e = errors_after(|v| v["spec"]["template"]["spec"]["containers"][0]["image"] = json!(null));
        assert_eq!(e, vec!["spec.template.spec.containers[0].image: Required value"]);
        let e = errors_after(|v| {
            let c = v["spec"]["template"]["spec"]["containers"][0].clone();
            v["spec"]["template"]["spec"]["containers"] = json!([c.clone(), c]);
        });
        assert_eq!(e, vec!["spec.template.spec.containers[1].name: Duplicate value: \"web\""]);
        let e = errors_after(|v| {
            v["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] = json!(70000)
        });
        assert_eq!(
            e,
            vec![
                "spec.template.spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive"
            ]
        );
        let e = errors_after(|v| v["spec"]["template"]["spec"]["containers"][0]["name"] = json!("Web"));
        assert_eq!(e, vec![format!("spec.template.spec.containers[0].name: Invalid value: \"Web\": {LABEL_MSG}")]);
    }

    #[test]
    fn policy_reaches_templates() {
        let e = errors_after(|v| v["spec"]["template"]["spec"]["hostPID"] = json!(true));
        assert_eq!(
            e,
            vec![
                "spec.template.spec.hostPID: Forbidden: sharing the host's namespaces (hostPID) is refused by skiff by default (start the daemon with --allow-host-namespaces to allow it)"
            ]
        );
    }

    fn defaulted(edit: impl FnOnce(&mut Value)) -> Deployment {
        let mut v = hello_world();
        edit(&mut v);
        let mut d: Deployment = serde_json::from_value(v).unwrap_or_default();
        default_deployment(&mut d);
        d
    }

    #[test]
    fn selector_is_immutable() {
        let old = defaulted(|_| {});
        let new = defaulted(|v| {
            v["spec"]["selector"]["matchLabels"]["tier"] = json!("web");
            v["spec"]["template"]["metadata"]["labels"]["tier"] = json!("web");
        });
        let e: Vec<String> = validate_deployment_update(&new, &old, &PodSecurityPolicy::default())
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            e,
            vec![
                "spec.selector: Invalid value: {\"matchLabels\":{\"app\":\"hello\",\"tier\":\"web\"}}: field is immutable"
            ]
        );
        let scaled = defaulted(|v| v["spec"]["replicas"] = json!(5));
        assert!(validate_deployment_update(&scaled, &old, &PodSecurityPolicy::default()).is_empty());
        let mut renamed = scaled.clone();
        renamed.metadata.name = Some("Not_Checked".into());
        assert!(validate_deployment_update(&renamed, &old, &PodSecurityPolicy::default()).is_empty());
    }

    #[test]
    fn name_warning_text() {
        assert_eq!(name_warnings("web"), Vec::<String>::new());
        assert_eq!(
            name_warnings("web.v2"),
            vec![
                "metadata.name: this is used in Pod names and hostnames, which can result in surprising behavior; a DNS label is recommended: [must not contain dots]"
            ]
        );
    }

    #[test]
    fn deployment_status() {
        let mut old = defaulted(|_| {});
        old.status = Some(DeploymentStatus { collision_count: Some(2), ..Default::default() });
        let mut new = old.clone();
        new.status = Some(DeploymentStatus {
            replicas: Some(2),
            updated_replicas: Some(3),
            ready_replicas: Some(1),
            available_replicas: Some(2),
            collision_count: Some(1),
            ..Default::default()
        });
        let e: Vec<String> = validate_deployment_status_update(&new, &old).iter().map(ToString::to_string).collect();
        assert_eq!(
            e,
            vec![
                "status.updatedReplicas: Invalid value: 3: cannot be greater than status.replicas",
                "status.availableReplicas: Invalid value: 2: cannot be greater than readyReplicas",
                "status.collisionCount: Invalid value: 1: cannot be decremented",
            ]
        );
        assert!(validate_deployment_status_update(&old, &old).is_empty());
    }

    #[test]
    fn replicasets() {
        let rs_json = json!({
            "metadata": {"name": "hello-world-5d4f8c"},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "hello"}}, "template": hello_world()["spec"]["template"]}
        });
        let mut rs: ReplicaSet = serde_json::from_value(rs_json).unwrap_or_default();
        default_replicaset(&mut rs);
        let policy = PodSecurityPolicy::default();
        assert!(validate_replicaset(&rs, &policy).is_empty());
        let mut moved = rs.clone();
        if let Some(spec) = moved.spec.as_mut() {
            spec.selector.match_labels = Some([("app".to_string(), "x".to_string())].into());
        }
        let e: Vec<String> = validate_replicaset_update(&moved, &rs, &policy).iter().map(ToString::to_string).collect();
        assert_eq!(
            e[0],
            "spec.template.metadata.labels: Invalid value: {\"app\":\"hello\"}: `selector` does not match template `labels`"
        );
        assert_eq!(e[1], "spec.selector: Invalid value: {\"matchLabels\":{\"app\":\"x\"}}: field is immutable");
        let mut bad = rs.clone();
        if let Some(spec) = bad.spec.as_mut() {
            spec.replicas = Some(-1);
        }
        bad.status = Some(ReplicaSetStatus { replicas: 1, ready_replicas: Some(2), ..Default::default() });
        assert_eq!(
            validate_replicaset(&bad, &policy)[0].to_string(),
            "spec.replicas: Invalid value: -1: must be greater than or equal to 0"
        );
        let status: Vec<String> = validate_replicaset_status(&bad).iter().map(ToString::to_string).collect();
        assert_eq!(status, vec!["status.readyReplicas: Invalid value: 2: cannot be greater than status.replicas"]);
        let e = validate_replicaset(&ReplicaSet::default(), &policy);
        assert_eq!(e[0].to_string(), "metadata.name: Required value: name or generateName is required");
        assert_eq!(e[1].to_string(), "spec.selector: Required value");
    }

    #[test]
    fn go_json_rendering() {
        assert_eq!(json_str("a\"b\\c<d>&\n\u{1}é"), "\"a\\\"b\\\\c\\u003cd\\u003e\\u0026\\n\\u0001é\"");
        assert_eq!(string_map_json(None), "null");
        let s = LabelSelector {
            match_expressions: Some(vec![LabelSelectorRequirement {
                key: "k".into(),
                operator: "Exists".into(),
                values: None,
            }]),
            match_labels: None,
        };
        assert_eq!(selector_json(&s), "{\"matchExpressions\":[{\"key\":\"k\",\"operator\":\"Exists\"}]}");
        assert_eq!(intstr_json(&IntOrString::String("25%".into())), "\"25%\"");
    }
}
