//! Pre-flight warnings on a write (the apiserver's `Warning` header; `kubectl` prints them as
//! `Warning: …`), for rollouts that are set up to fail or to drop traffic before they start: a
//! readiness probe that cannot pass within the progress deadline, pods behind a Service with no
//! readiness probe, and a one-replica Deployment allowed to stop its only pod. Pure.

use crate::model::deployment as util;
use crate::model::meta;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Container, Probe, Service};

/// The earliest a probe can first succeed after its container starts, in seconds.
fn first_success(p: &Probe) -> i64 {
    let period = i64::from(p.period_seconds.filter(|s| *s > 0).unwrap_or(10));
    let threshold = i64::from(p.success_threshold.filter(|s| *s > 0).unwrap_or(1));
    i64::from(p.initial_delay_seconds.unwrap_or(0)) + (threshold - 1) * period
}

/// The earliest `c` can be Ready: its startup probe's first success, then its readiness probe's.
fn earliest_ready(c: &Container) -> i64 {
    c.startup_probe.as_ref().map_or(0, first_success) + c.readiness_probe.as_ref().map_or(0, first_success)
}

/// Warnings about `d` on its own.
pub fn deployment(d: &Deployment) -> Vec<String> {
    let mut warnings = Vec::new();
    let containers = util::spec(d).template.spec.map(|s| s.containers).unwrap_or_default();
    if util::has_progress_deadline(d) {
        let deadline = util::progress_deadline_seconds(d);
        for (i, c) in containers.iter().enumerate().filter(|(_, c)| c.readiness_probe.is_some()) {
            let earliest = earliest_ready(c);
            if earliest >= deadline {
                warnings.push(format!(
                    "spec.template.spec.containers[{i}].readinessProbe: cannot pass sooner than {earliest}s after the \
                     container starts, which is past spec.progressDeadlineSeconds ({deadline}s): every rollout will \
                     exceed its progress deadline"
                ));
            }
        }
    }
    let replicas = util::replicas(d);
    if replicas == 1 && util::is_rolling_update(d) && util::max_unavailable(d) >= 1 {
        warnings.push(
            "spec.strategy.rollingUpdate.maxUnavailable: with 1 replica this lets a rollout stop the only pod \
             before its replacement is ready, so nothing serves meanwhile; set maxUnavailable to 0 and maxSurge to 1"
                .into(),
        );
    }
    warnings
}

fn selects(svc: &Service, d: &Deployment) -> bool {
    let labels = util::spec(d).template.metadata.and_then(|m| m.labels).unwrap_or_default();
    let selector = svc.spec.as_ref().and_then(|s| s.selector.as_ref());
    svc.metadata.namespace == d.metadata.namespace
        && selector.is_some_and(|s| !s.is_empty() && s.iter().all(|(k, v)| labels.get(k) == Some(v)))
}

fn without_readiness(d: &Deployment) -> bool {
    let containers = util::spec(d).template.spec.map(|s| s.containers).unwrap_or_default();
    !containers.is_empty() && containers.iter().all(|c| c.readiness_probe.is_none())
}

fn no_readiness_warning(svc: &Service, d: &Deployment) -> String {
    format!(
        "Deployment {:?} has no readinessProbe, so Service {:?} sends traffic to its pods as soon as their \
         containers start, before they may answer; add a readinessProbe",
        meta::name(&d.metadata),
        meta::name(&svc.metadata)
    )
}

/// Written Deployment `d` under the Services that select its pods.
pub fn deployment_under_services(d: &Deployment, services: &[Service]) -> Vec<String> {
    if !without_readiness(d) {
        return Vec::new();
    }
    services.iter().filter(|s| selects(s, d)).map(|s| no_readiness_warning(s, d)).collect()
}

/// Written Service `svc` over the Deployments whose pods it selects.
pub fn service_over_deployments(svc: &Service, deployments: &[Deployment]) -> Vec<String> {
    deployments
        .iter()
        .filter(|d| selects(svc, d) && without_readiness(d))
        .map(|d| no_readiness_warning(svc, d))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn d(replicas: i32, probe: serde_json::Value, strategy: serde_json::Value) -> Deployment {
        let mut container = json!({"name": "web", "image": "hello:1.0"});
        if !probe.is_null() {
            container["readinessProbe"] = probe;
        }
        let mut d: Deployment = serde_json::from_value(json!({
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}}, "progressDeadlineSeconds": 60,
                     "strategy": strategy,
                     "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [container]}}}
        }))
        .unwrap();
        crate::model::defaults::default_deployment(&mut d);
        d
    }

    #[test]
    fn each_setup_that_is_bound_to_fail_or_drop_traffic_is_named() {
        let rolling = json!({"type": "RollingUpdate"});
        let slow =
            json!({"httpGet": {"port": 8080}, "initialDelaySeconds": 50, "periodSeconds": 10, "successThreshold": 2});
        let w = deployment(&d(3, slow, rolling.clone()));
        assert_eq!(w.len(), 1);
        assert!(
            w[0].starts_with("spec.template.spec.containers[0].readinessProbe: cannot pass sooner than 60s"),
            "{w:?}"
        );
        let quick = json!({"httpGet": {"port": 8080}, "initialDelaySeconds": 5});
        assert!(deployment(&d(3, quick.clone(), rolling.clone())).is_empty());
        let lone = json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}});
        assert!(deployment(&d(1, quick.clone(), lone))[0].starts_with("spec.strategy.rollingUpdate.maxUnavailable"));
        assert!(deployment(&d(1, quick.clone(), rolling)).is_empty(), "25% of 1 rounds down to 0");
        let svc: Service = serde_json::from_value(json!({
            "metadata": {"name": "web", "namespace": "default"}, "spec": {"selector": {"app": "web"}}
        }))
        .unwrap();
        let bare = d(3, serde_json::Value::Null, json!({}));
        assert_eq!(deployment_under_services(&bare, std::slice::from_ref(&svc)).len(), 1);
        assert_eq!(service_over_deployments(&svc, &[bare, d(3, quick, json!({}))]).len(), 1);
    }
}
