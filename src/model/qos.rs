//! A pod's quality-of-service class (`status.qosClass`), computed as the apiserver's
//! `GetPodQOS` does: requests default to limits, quantities compare by value (`1Gi` = `1024Mi`).

use super::quantity::nanos;
use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use std::collections::BTreeMap;

/// `Guaranteed` when every container limits cpu and memory and requests exactly that,
/// `BestEffort` when nothing requests or limits either, `Burstable` otherwise.
pub fn qos_class(spec: &PodSpec) -> &'static str {
    let mut requests = BTreeMap::new();
    let mut limits = BTreeMap::new();
    let mut guaranteed = true;
    for c in spec.containers.iter().chain(spec.init_containers.iter().flatten()) {
        let resources = c.resources.as_ref();
        let limit_list = resources.and_then(|r| r.limits.as_ref());
        let mut request_list = limit_list.cloned().unwrap_or_default();
        request_list.extend(resources.and_then(|r| r.requests.clone()).unwrap_or_default());
        sum_positive(&mut requests, Some(&request_list));
        let found = sum_positive(&mut limits, limit_list);
        guaranteed &= found.contains(&"cpu") && found.contains(&"memory");
    }
    if requests.is_empty() && limits.is_empty() {
        return "BestEffort";
    }
    guaranteed &= requests.iter().all(|(name, req)| limits.get(name) == Some(req));
    if guaranteed && requests.len() == limits.len() { "Guaranteed" } else { "Burstable" }
}

/// Adds the positive cpu/memory quantities of `list` into `totals`; returns the names added.
fn sum_positive(
    totals: &mut BTreeMap<&'static str, i128>,
    list: Option<&BTreeMap<String, Quantity>>,
) -> Vec<&'static str> {
    let mut found = Vec::new();
    for (name, quantity) in list.into_iter().flatten() {
        let key = match name.as_str() {
            "cpu" => "cpu",
            "memory" => "memory",
            _ => continue,
        };
        let value = nanos(&quantity.0).unwrap_or(0);
        if value > 0 {
            *totals.entry(key).or_insert(0) += value;
            found.push(key);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    #[test]
    fn qos_classes() {
        let spec = |resources: Value| -> PodSpec {
            serde_json::from_value(json!({"containers": [{"name": "a", "resources": resources}]})).unwrap()
        };
        assert_eq!(qos_class(&spec(json!({}))), "BestEffort");
        assert_eq!(
            qos_class(&spec(
                json!({"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "1000m", "memory": "1024Mi"}})
            )),
            "Guaranteed"
        );
        assert_eq!(qos_class(&spec(json!({"limits": {"cpu": "1", "memory": "1Gi"}}))), "Guaranteed");
        assert_eq!(qos_class(&spec(json!({"requests": {"cpu": "100m"}}))), "Burstable");
        assert_eq!(
            qos_class(&spec(json!({"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "500m"}}))),
            "Burstable"
        );
        assert_eq!(qos_class(&spec(json!({"requests": {"cpu": "0"}}))), "BestEffort");
    }
}
