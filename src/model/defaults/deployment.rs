//! apps/v1 defaulting: Deployments (strategy included) and ReplicaSets, each then its pod
//! template.

use k8s_openapi::api::apps::v1::{Deployment, DeploymentStrategy, ReplicaSet};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::normalize::normalize_meta;
use super::pod::default_pod_template;
use super::{none_if_false, none_if_zero};

/// apps/v1 `SetDefaults_Deployment`: replicas 1, RollingUpdate 25%/25%, revisionHistoryLimit 10,
/// progressDeadlineSeconds 600, then the pod template.
pub fn default_deployment(d: &mut Deployment) {
    normalize_meta(&mut d.metadata);
    let spec = d.spec.get_or_insert_with(Default::default);
    spec.replicas.get_or_insert(1);
    spec.revision_history_limit.get_or_insert(10);
    spec.progress_deadline_seconds.get_or_insert(600);
    none_if_zero(&mut spec.min_ready_seconds);
    none_if_false(&mut spec.paused);
    default_strategy(spec.strategy.get_or_insert_with(Default::default));
    default_pod_template(&mut spec.template);
}

fn default_strategy(strategy: &mut DeploymentStrategy) {
    if strategy.type_.as_deref().is_none_or(str::is_empty) {
        strategy.type_ = Some("RollingUpdate".to_string());
    }
    // Only RollingUpdate gets a `rollingUpdate` block; one next to any other type is left for
    // validation to refuse, as Kubernetes does.
    if strategy.type_.as_deref() == Some("RollingUpdate") {
        let rolling = strategy.rolling_update.get_or_insert_with(Default::default);
        let quarter = || IntOrString::String("25%".to_string());
        rolling.max_unavailable.get_or_insert_with(quarter);
        rolling.max_surge.get_or_insert_with(quarter);
    }
}

/// apps/v1 `SetDefaults_ReplicaSet`: replicas 1, then the pod template.
pub fn default_replicaset(rs: &mut ReplicaSet) {
    normalize_meta(&mut rs.metadata);
    let spec = rs.spec.get_or_insert_with(Default::default);
    spec.replicas.get_or_insert(1);
    none_if_zero(&mut spec.min_ready_seconds);
    default_pod_template(spec.template.get_or_insert_with(Default::default));
}
