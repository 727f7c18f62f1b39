//! What a Deployment's spec means once defaulted: its replica count, strategy, progress
//! deadline, and the rolling-update budget (maxSurge and maxUnavailable resolved against the
//! replica count, Kubernetes' ResolveFenceposts). Pure; shared by the controller, the
//! registry's warnings and the rollout plan.

use crate::model::intstr;
use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec};

/// MaxInt32 means "no deadline" / "keep all history".
pub const MAX_INT32: i32 = i32::MAX;

pub fn spec(d: &Deployment) -> DeploymentSpec {
    d.spec.clone().unwrap_or_default()
}

pub fn replicas(d: &Deployment) -> i32 {
    d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1)
}

pub fn is_rolling_update(d: &Deployment) -> bool {
    let kind = d.spec.as_ref().and_then(|s| s.strategy.as_ref()).and_then(|s| s.type_.as_deref());
    kind.unwrap_or("RollingUpdate") == "RollingUpdate"
}

/// (maxSurge, maxUnavailable) resolved against spec.replicas, Kubernetes' ResolveFenceposts.
fn fenceposts(d: &Deployment) -> (i32, i32) {
    let ru = d.spec.as_ref().and_then(|s| s.strategy.as_ref()).and_then(|s| s.rolling_update.as_ref());
    let surge = ru.and_then(|r| r.max_surge.as_ref());
    let unavailable = ru.and_then(|r| r.max_unavailable.as_ref());
    // Stored deployments passed validation, so the values parse; fall back to the defaults if not.
    intstr::resolve_fenceposts(surge, unavailable, replicas(d)).unwrap_or((1, 0))
}

/// MaxSurge(d): 0 unless RollingUpdate.
pub fn max_surge(d: &Deployment) -> i32 {
    if is_rolling_update(d) { fenceposts(d).0 } else { 0 }
}

/// MaxUnavailable(d): 0 unless RollingUpdate with replicas > 0; capped at replicas.
pub fn max_unavailable(d: &Deployment) -> i32 {
    let n = replicas(d);
    if !is_rolling_update(d) || n == 0 {
        return 0;
    }
    fenceposts(d).1.min(n)
}

pub fn has_progress_deadline(d: &Deployment) -> bool {
    d.spec.as_ref().and_then(|s| s.progress_deadline_seconds).is_some_and(|p| p != MAX_INT32)
}

pub fn progress_deadline_seconds(d: &Deployment) -> i64 {
    i64::from(d.spec.as_ref().and_then(|s| s.progress_deadline_seconds).unwrap_or(600))
}
