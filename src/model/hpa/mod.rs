//! The HorizontalPodAutoscaler kind (autoscaling/v2, stored; autoscaling/v1 served through
//! the same storage by `v1`): autoscaling/v2's defaults and the API's validation. Pure.

pub mod v1;
mod validation;

pub use validation::validate;

use k8s_openapi::api::autoscaling::v2::{
    HPAScalingPolicy, HPAScalingRules, HorizontalPodAutoscaler, HorizontalPodAutoscalerBehavior, MetricSpec,
    MetricTarget, ResourceMetricSource,
};

/// `autoscaling.DefaultCPUUtilization`: the target when an HPA names no metric.
pub const DEFAULT_CPU_UTILIZATION: i32 = 80;

/// autoscaling/v2 `SetDefaults_HorizontalPodAutoscaler`: minReplicas 1, CPU at 80% when no
/// metric is given, and a `behavior`'s unset rules filled in.
pub fn default_hpa(hpa: &mut HorizontalPodAutoscaler) {
    let spec = hpa.spec.get_or_insert_with(Default::default);
    spec.min_replicas.get_or_insert(1);
    if spec.metrics.as_ref().is_none_or(Vec::is_empty) {
        spec.metrics = Some(vec![cpu_utilization(DEFAULT_CPU_UTILIZATION)]);
    }
    if let Some(b) = spec.behavior.take() {
        spec.behavior = Some(defaulted_behavior(b));
    }
}

/// A `Resource` metric for CPU at `percent` of the pods' requests.
pub fn cpu_utilization(percent: i32) -> MetricSpec {
    MetricSpec {
        type_: "Resource".into(),
        resource: Some(ResourceMetricSource {
            name: "cpu".into(),
            target: MetricTarget {
                type_: "Utilization".into(),
                average_utilization: Some(percent),
                ..Default::default()
            },
        }),
        ..Default::default()
    }
}

fn policy(type_: &str, value: i32, period_seconds: i32) -> HPAScalingPolicy {
    HPAScalingPolicy { type_: type_.into(), value, period_seconds }
}

/// `SetDefaults_HorizontalPodAutoscalerBehavior`: scale-up with no window, 4 pods or 100% per
/// 15 s, whichever is more; scale-down 100% per 15 s, its window left unset (the controller's
/// `--horizontal-pod-autoscaler-downscale-stabilization`, 300 s, applies).
pub fn defaulted_behavior(b: HorizontalPodAutoscalerBehavior) -> HorizontalPodAutoscalerBehavior {
    let up = HPAScalingRules {
        stabilization_window_seconds: Some(0),
        select_policy: Some("Max".into()),
        policies: Some(vec![policy("Pods", 4, 15), policy("Percent", 100, 15)]),
        tolerance: None,
    };
    let down = HPAScalingRules {
        stabilization_window_seconds: None,
        select_policy: Some("Max".into()),
        policies: Some(vec![policy("Percent", 100, 15)]),
        tolerance: None,
    };
    HorizontalPodAutoscalerBehavior {
        scale_up: Some(overlay(b.scale_up, up)),
        scale_down: Some(overlay(b.scale_down, down)),
    }
}

/// `copyHPAScalingRules`: what the user set wins, field by field.
fn overlay(from: Option<HPAScalingRules>, mut to: HPAScalingRules) -> HPAScalingRules {
    let Some(from) = from else { return to };
    to.select_policy = from.select_policy.or(to.select_policy);
    to.stabilization_window_seconds = from.stabilization_window_seconds.or(to.stabilization_window_seconds);
    to.policies = from.policies.or(to.policies);
    to.tolerance = from.tolerance.or(to.tolerance);
    to
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscalerSpec;

    #[test]
    fn defaults_fill_min_metrics_and_a_given_behavior() {
        let mut hpa = HorizontalPodAutoscaler::default();
        default_hpa(&mut hpa);
        let spec = hpa.spec.clone().unwrap();
        assert_eq!(spec.min_replicas, Some(1));
        assert_eq!(spec.metrics, Some(vec![cpu_utilization(80)]));
        assert_eq!(spec.behavior, None, "behavior stays unset unless given, as upstream");

        let down = HPAScalingRules { stabilization_window_seconds: Some(30), ..Default::default() };
        let behavior = HorizontalPodAutoscalerBehavior { scale_down: Some(down), scale_up: None };
        let mut hpa = HorizontalPodAutoscaler {
            spec: Some(HorizontalPodAutoscalerSpec { behavior: Some(behavior), ..Default::default() }),
            ..Default::default()
        };
        default_hpa(&mut hpa);
        let b = hpa.spec.unwrap().behavior.unwrap();
        let (up, down) = (b.scale_up.unwrap(), b.scale_down.unwrap());
        assert_eq!(up.stabilization_window_seconds, Some(0));
        assert_eq!(up.policies, Some(vec![policy("Pods", 4, 15), policy("Percent", 100, 15)]));
        assert_eq!(up.select_policy.as_deref(), Some("Max"));
        assert_eq!(down.stabilization_window_seconds, Some(30));
        assert_eq!(down.policies, Some(vec![policy("Percent", 100, 15)]));
    }
}
