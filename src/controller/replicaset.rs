//! The ReplicaSet controller's decisions, pure: how many pods to create, which to delete
//! (Kubernetes' victim ranking), and the status to report (ready, available after
//! minReadySeconds) with the re-check that availability needs.

use crate::model::meta;
use k8s_openapi::api::apps::v1::{ReplicaSet, ReplicaSetCondition, ReplicaSetStatus};
use k8s_openapi::api::core::v1::{Pod, PodTemplateSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use std::cmp::Ordering;
use std::time::Duration;

/// Kubernetes' burstReplicas: at most this many creations or deletions per sync.
const BURST_REPLICAS: usize = 500;

#[derive(Debug, Default, PartialEq)]
pub struct Plan {
    /// Pods to create from the template.
    pub create: usize,
    /// Pods to delete, in ranking order.
    pub delete: Vec<Pod>,
    /// The status to write, when it changed.
    pub status: Option<ReplicaSetStatus>,
    pub requeue_after: Option<Duration>,
}

/// Why the last attempt to create or delete pods failed (ReplicaFailure condition).
#[derive(Clone, Debug, PartialEq)]
pub struct Failure {
    pub reason: &'static str,
    pub message: String,
}

pub fn is_active(pod: &Pod) -> bool {
    let phase = pod.status.as_ref().and_then(|s| s.phase.as_deref());
    !meta::is_terminating(&pod.metadata) && !matches!(phase, Some("Succeeded") | Some("Failed"))
}

/// The Ready condition's lastTransitionTime, when the pod is Ready.
pub fn ready_since(pod: &Pod) -> Option<jiff::Timestamp> {
    let cond = pod.status.as_ref()?.conditions.as_ref()?.iter().find(|c| c.type_ == "Ready")?;
    (cond.status == "True")
        .then(|| cond.last_transition_time.as_ref().map(|t| t.0).unwrap_or(jiff::Timestamp::UNIX_EPOCH))
}

/// IsPodAvailable: Ready, and for longer than minReadySeconds.
pub fn is_available(pod: &Pod, min_ready_seconds: i32, now: jiff::Timestamp) -> bool {
    match ready_since(pod) {
        None => false,
        Some(_) if min_ready_seconds <= 0 => true,
        Some(since) => since + jiff::SignedDuration::from_secs(i64::from(min_ready_seconds)) < now,
    }
}

/// Decides one sync of `rs` given the pods it controls (terminating ones included).
pub fn sync(rs: &ReplicaSet, pods: &[Pod], failure: Option<&Failure>, now: jiff::Timestamp) -> Plan {
    let spec = rs.spec.clone().unwrap_or_default();
    let want = spec.replicas.unwrap_or(1).max(0) as usize;
    let active: Vec<&Pod> = pods.iter().filter(|p| is_active(p)).collect();
    let mut plan = Plan::default();
    if meta::is_terminating(&rs.metadata) {
        // A ReplicaSet being deleted makes no new pods; the garbage collector removes them.
    } else if active.len() < want {
        plan.create = (want - active.len()).min(BURST_REPLICAS);
    } else if active.len() > want {
        let diff = (active.len() - want).min(BURST_REPLICAS);
        plan.delete = victims(active.clone(), diff, now);
    }
    let min_ready = spec.min_ready_seconds.unwrap_or(0);
    let status = calculate_status(rs, &active, failure, now);
    if rs.status.as_ref() != Some(&status) {
        plan.status = Some(status);
    }
    plan.requeue_after = availability_recheck(&active, min_ready, now);
    plan
}

/// When a Ready pod will become available (minReadySeconds), sync again just after.
fn availability_recheck(active: &[&Pod], min_ready: i32, now: jiff::Timestamp) -> Option<Duration> {
    if min_ready <= 0 {
        return None;
    }
    active
        .iter()
        .filter(|p| !is_available(p, min_ready, now))
        .filter_map(|p| ready_since(p))
        .map(|since| since + jiff::SignedDuration::from_secs(i64::from(min_ready)) - now)
        .filter_map(|d| Duration::try_from(d).ok())
        .min()
        .map(|d| d + Duration::from_millis(50))
}

fn calculate_status(
    rs: &ReplicaSet,
    active: &[&Pod],
    failure: Option<&Failure>,
    now: jiff::Timestamp,
) -> ReplicaSetStatus {
    let spec = rs.spec.clone().unwrap_or_default();
    let template_labels =
        spec.template.as_ref().and_then(|t| t.metadata.as_ref()).and_then(|m| m.labels.clone()).unwrap_or_default();
    let min_ready = spec.min_ready_seconds.unwrap_or(0);
    let count = |f: &dyn Fn(&Pod) -> bool| active.iter().filter(|p| f(p)).count() as i32;
    let fully_labeled = count(&|p| {
        let labels = p.metadata.labels.clone().unwrap_or_default();
        template_labels.iter().all(|(k, v)| labels.get(k) == Some(v))
    });
    let ready = count(&|p| ready_since(p).is_some());
    let available = count(&|p| is_available(p, min_ready, now));
    let old = rs.status.clone().unwrap_or_default();
    let conditions = match failure {
        Some(f) => {
            let same = old
                .conditions
                .iter()
                .flatten()
                .find(|c| c.type_ == "ReplicaFailure" && c.reason.as_deref() == Some(f.reason));
            Some(vec![same.cloned().unwrap_or_else(|| ReplicaSetCondition {
                type_: "ReplicaFailure".into(),
                status: "True".into(),
                reason: Some(f.reason.into()),
                message: Some(f.message.clone()),
                last_transition_time: Some(meta::time(now)),
            })])
        }
        None => None,
    };
    let nonzero = |n: i32| (n != 0).then_some(n);
    ReplicaSetStatus {
        replicas: active.len() as i32,
        fully_labeled_replicas: nonzero(fully_labeled),
        ready_replicas: nonzero(ready),
        available_replicas: nonzero(available),
        observed_generation: rs.metadata.generation,
        conditions,
        terminating_replicas: None,
    }
}

/// The pods to delete: all of them, or the first `diff` by Kubernetes' ranking.
fn victims(mut pods: Vec<&Pod>, diff: usize, now: jiff::Timestamp) -> Vec<Pod> {
    if diff < pods.len() {
        pods.sort_by(|a, b| delete_first(a, b, now));
    }
    pods.into_iter().take(diff).cloned().collect()
}

fn phase_ordinal(pod: &Pod) -> u8 {
    match pod.status.as_ref().and_then(|s| s.phase.as_deref()) {
        Some("Pending") => 0,
        Some("Unknown") => 1,
        Some("Running") => 2,
        _ => 0,
    }
}

fn deletion_cost(pod: &Pod) -> i32 {
    meta::annotation(&pod.metadata, meta::POD_DELETION_COST).and_then(|c| c.parse().ok()).unwrap_or(0)
}

fn max_restarts(pod: &Pod) -> i32 {
    pod.status
        .as_ref()
        .and_then(|s| s.container_statuses.as_ref())
        .into_iter()
        .flatten()
        .map(|c| c.restart_count)
        .max()
        .unwrap_or(0)
}

/// ⌊log2(now − t in ns)⌋, the LogarithmicScaleDown bucket (−1 for the future).
fn log_bucket(t: jiff::Timestamp, now: jiff::Timestamp) -> i64 {
    let ns = now.duration_since(t).as_nanos();
    if ns <= 0 { -1 } else { i64::from(127 - (ns as u128).leading_zeros() as i32) }
}

/// Compares two timestamps: the more recent one first, in log buckets, ties by UID.
fn newer_first(a: (&Pod, jiff::Timestamp), b: (&Pod, jiff::Timestamp), now: jiff::Timestamp) -> Ordering {
    match log_bucket(a.1, now).cmp(&log_bucket(b.1, now)) {
        Ordering::Equal => a.0.metadata.uid.cmp(&b.0.metadata.uid),
        other => other,
    }
}

/// ActivePodsWithRanks.Less on one node: `Less` means "delete first".
fn delete_first(a: &Pod, b: &Pod, now: jiff::Timestamp) -> Ordering {
    let node = |p: &Pod| p.spec.as_ref().and_then(|s| s.node_name.clone()).unwrap_or_default();
    let (na, nb) = (node(a), node(b));
    if na != nb && (na.is_empty() || nb.is_empty()) {
        return if na.is_empty() { Ordering::Less } else { Ordering::Greater };
    }
    let by = phase_ordinal(a)
        .cmp(&phase_ordinal(b))
        .then_with(|| ready_since(a).is_some().cmp(&ready_since(b).is_some()))
        .then_with(|| deletion_cost(a).cmp(&deletion_cost(b)));
    if by != Ordering::Equal {
        return by;
    }
    if let (Some(ra), Some(rb)) = (ready_since(a), ready_since(b))
        && ra != rb
    {
        return newer_first((a, ra), (b, rb), now);
    }
    let restarts = max_restarts(b).cmp(&max_restarts(a));
    if restarts != Ordering::Equal {
        return restarts;
    }
    match (a.metadata.creation_timestamp.as_ref(), b.metadata.creation_timestamp.as_ref()) {
        (Some(ca), Some(cb)) if ca != cb => newer_first((a, ca.0), (b, cb.0), now),
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        _ => Ordering::Equal,
    }
}

/// A new pod for `rs`: `generateName` from the ReplicaSet's name, the template's labels,
/// annotations and spec, and a controller reference.
pub fn pod_from_template(rs: &ReplicaSet) -> Pod {
    let template: PodTemplateSpec = rs.spec.as_ref().and_then(|s| s.template.clone()).unwrap_or_default();
    let tmeta = template.metadata.unwrap_or_default();
    Pod {
        metadata: ObjectMeta {
            generate_name: Some(format!("{}-", meta::name(&rs.metadata))),
            namespace: rs.metadata.namespace.clone(),
            labels: tmeta.labels,
            annotations: tmeta.annotations,
            owner_references: Some(vec![meta::controller_ref_to("apps/v1", "ReplicaSet", &rs.metadata)]),
            ..Default::default()
        },
        spec: template.spec,
        status: None,
    }
}

/// Slow start: creation batches of 1, 2, 4, … so a failing template costs one pod, not many.
pub fn slow_start_batches(total: usize) -> Vec<usize> {
    let mut batches = Vec::new();
    let (mut remaining, mut size) = (total, 1usize);
    while remaining > 0 {
        let batch = size.min(remaining);
        batches.push(batch);
        remaining -= batch;
        size *= 2;
    }
    batches
}

#[cfg(test)]
mod tests;
