//! Deployment status and conditions: calculateStatus, the Progressing condition's lifecycle
//! (syncRolloutStatus, progress detection, the deadline), paused/resumed conditions, and the
//! re-check scheduled for a stuck rollout.

use super::SyncState;
use super::util::{self, nonzero};
use crate::model::meta;
use k8s_openapi::api::apps::v1::{Deployment, DeploymentCondition, DeploymentStatus, ReplicaSet};
use std::time::Duration;

pub const PROGRESSING: &str = "Progressing";
pub const AVAILABLE: &str = "Available";
pub const REPLICA_FAILURE: &str = "ReplicaFailure";
pub const TIMED_OUT: &str = "ProgressDeadlineExceeded";
pub const NEW_RS_AVAILABLE: &str = "NewReplicaSetAvailable";
const PAUSED: &str = "DeploymentPaused";
const RESUMED: &str = "DeploymentResumed";

pub fn condition<'a>(d: &'a Deployment, type_: &str) -> Option<&'a DeploymentCondition> {
    get(d.status.as_ref()?, type_)
}

fn get<'a>(status: &'a DeploymentStatus, type_: &str) -> Option<&'a DeploymentCondition> {
    status.conditions.as_ref()?.iter().find(|c| c.type_ == type_)
}

pub fn new_condition(
    type_: &str,
    status: &str,
    reason: &str,
    message: String,
    now: jiff::Timestamp,
) -> DeploymentCondition {
    DeploymentCondition {
        type_: type_.into(),
        status: status.into(),
        reason: Some(reason.into()),
        message: Some(message),
        last_update_time: Some(meta::time(now)),
        last_transition_time: Some(meta::time(now)),
    }
}

/// SetDeploymentCondition: no change for the same status and reason; a changed reason with the
/// same status keeps lastTransitionTime; the condition moves to the end of the list.
pub fn set_condition(status: &mut DeploymentStatus, mut cond: DeploymentCondition) {
    if let Some(current) = get(status, &cond.type_) {
        if current.status == cond.status && current.reason == cond.reason {
            return;
        }
        if current.status == cond.status {
            cond.last_transition_time = current.last_transition_time.clone();
        }
    }
    remove_condition(status, &cond.type_.clone());
    status.conditions.get_or_insert_with(Vec::new).push(cond);
}

pub fn remove_condition(status: &mut DeploymentStatus, type_: &str) {
    if let Some(conds) = status.conditions.as_mut() {
        conds.retain(|c| c.type_ != type_);
        if conds.is_empty() {
            status.conditions = None;
        }
    }
}

fn counter(n: Option<i32>) -> i32 {
    n.unwrap_or(0)
}

/// DeploymentComplete.
pub fn complete(d: &Deployment, s: &DeploymentStatus) -> bool {
    let n = util::replicas(d);
    counter(s.updated_replicas) == n
        && counter(s.replicas) == n
        && counter(s.available_replicas) == n
        && s.observed_generation.unwrap_or(0) >= d.metadata.generation.unwrap_or(0)
}

/// DeploymentProgressing: more updated, fewer old, more ready or more available replicas.
fn progressing(d: &Deployment, new: &DeploymentStatus) -> bool {
    let old = d.status.clone().unwrap_or_default();
    let old_old = counter(old.replicas) - counter(old.updated_replicas);
    let new_old = counter(new.replicas) - counter(new.updated_replicas);
    counter(new.updated_replicas) > counter(old.updated_replicas)
        || new_old < old_old
        || counter(new.ready_replicas) > counter(old.ready_replicas)
        || counter(new.available_replicas) > counter(old.available_replicas)
}

/// DeploymentTimedOut.
fn timed_out(d: &Deployment, new: &DeploymentStatus, now: jiff::Timestamp) -> bool {
    if !util::has_progress_deadline(d) {
        return false;
    }
    let Some(cond) = get(new, PROGRESSING) else {
        return false;
    };
    match cond.reason.as_deref() {
        Some(NEW_RS_AVAILABLE) => false,
        Some(TIMED_OUT) => true,
        _ => deadline(d, cond).is_some_and(|deadline| deadline < now),
    }
}

fn deadline(d: &Deployment, cond: &DeploymentCondition) -> Option<jiff::Timestamp> {
    let from = cond.last_update_time.as_ref()?.0;
    from.checked_add(jiff::SignedDuration::from_secs(util::progress_deadline_seconds(d))).ok()
}

/// calculateStatus over the ReplicaSets as they stand after this sync's writes.
fn calculate(d: &Deployment, all: &[&ReplicaSet], new: Option<&ReplicaSet>, now: jiff::Timestamp) -> DeploymentStatus {
    let available = util::sum_available(all.iter().copied());
    let unavailable = (util::sum_spec(all.iter().copied()) - available).max(0);
    let old = d.status.clone().unwrap_or_default();
    let mut status = DeploymentStatus {
        observed_generation: d.metadata.generation,
        replicas: nonzero(util::sum_actual(all.iter().copied())),
        updated_replicas: nonzero(new.map_or(0, util::rs_status_replicas)),
        ready_replicas: nonzero(util::sum_ready(all.iter().copied())),
        available_replicas: nonzero(available),
        unavailable_replicas: nonzero(unavailable),
        collision_count: old.collision_count,
        conditions: old.conditions,
        terminating_replicas: None,
    };
    let cond = if available >= util::replicas(d) - util::max_unavailable(d) {
        new_condition(AVAILABLE, "True", "MinimumReplicasAvailable", "Deployment has minimum availability.".into(), now)
    } else {
        new_condition(
            AVAILABLE,
            "False",
            "MinimumReplicasUnavailable",
            "Deployment does not have minimum availability.".into(),
            now,
        )
    };
    set_condition(&mut status, cond);
    status
}

/// getReplicaFailures: the new ReplicaSet's ReplicaFailure condition, else any old one's.
fn replica_failure(all: &[&ReplicaSet], new: Option<&ReplicaSet>) -> Option<DeploymentCondition> {
    let failure_of = |rs: &ReplicaSet| {
        rs.status.as_ref()?.conditions.as_ref()?.iter().find(|c| c.type_ == REPLICA_FAILURE).map(|c| {
            DeploymentCondition {
                type_: REPLICA_FAILURE.into(),
                status: c.status.clone(),
                reason: c.reason.clone(),
                message: c.message.clone(),
                last_update_time: c.last_transition_time.clone(),
                last_transition_time: c.last_transition_time.clone(),
            }
        })
    };
    new.and_then(failure_of).or_else(|| all.iter().find_map(|rs| failure_of(rs)))
}

impl SyncState<'_> {
    fn all_and_new(&self, new: Option<usize>) -> (Vec<&ReplicaSet>, Option<&ReplicaSet>) {
        (self.rss.iter().collect(), new.map(|i| &self.rss[i]))
    }

    /// syncDeploymentStatus: write the calculated status if it changed.
    pub(super) fn sync_deployment_status(&mut self, new: Option<usize>) {
        let (all, new_rs) = self.all_and_new(new);
        let status = calculate(&self.d, &all, new_rs, self.now);
        if self.d.status.as_ref() != Some(&status) {
            let mut d = self.d.clone();
            d.status = Some(status);
            self.write_status(d);
        }
    }

    /// checkPausedConditions: Progressing=Unknown with DeploymentPaused / DeploymentResumed.
    pub(super) fn check_paused_conditions(&mut self) {
        if !util::has_progress_deadline(&self.d) {
            return;
        }
        let cond = condition(&self.d, PROGRESSING);
        if cond.is_some_and(|c| c.reason.as_deref() == Some(TIMED_OUT)) {
            return;
        }
        let paused_cond = cond.is_some_and(|c| c.reason.as_deref() == Some(PAUSED));
        let paused = util::spec(&self.d).paused == Some(true);
        let cond = match (paused, paused_cond) {
            (true, false) => new_condition(PROGRESSING, "Unknown", PAUSED, "Deployment is paused".into(), self.now),
            (false, true) => new_condition(PROGRESSING, "Unknown", RESUMED, "Deployment is resumed".into(), self.now),
            _ => return,
        };
        let mut d = self.d.clone();
        set_condition(d.status.get_or_insert_with(Default::default), cond);
        self.write_status(d);
    }

    /// syncRolloutStatus: status plus the Progressing condition and the stuck re-check.
    pub(super) fn sync_rollout_status(&mut self, new: Option<usize>) {
        let (all, new_rs) = self.all_and_new(new);
        let mut status = calculate(&self.d, &all, new_rs, self.now);
        let has_deadline = util::has_progress_deadline(&self.d);
        if !has_deadline {
            remove_condition(&mut status, PROGRESSING);
        }
        let current = condition(&self.d, PROGRESSING).cloned();
        let already_complete = counter(status.replicas) == counter(status.updated_replicas)
            && current.as_ref().is_some_and(|c| c.reason.as_deref() == Some(NEW_RS_AVAILABLE));
        let subject = match new_rs {
            Some(rs) => format!("ReplicaSet {:?}", meta::name(&rs.metadata)),
            None => format!("Deployment {:?}", meta::name(&self.d.metadata)),
        };
        if has_deadline && !already_complete {
            if complete(&self.d, &status) {
                let msg = format!("{subject} has successfully progressed.");
                set_condition(&mut status, new_condition(PROGRESSING, "True", NEW_RS_AVAILABLE, msg, self.now));
            } else if progressing(&self.d, &status) {
                let msg = format!("{subject} is progressing.");
                let mut cond = new_condition(PROGRESSING, "True", "ReplicaSetUpdated", msg, self.now);
                if let Some(current) = &current {
                    if current.status == "True" {
                        cond.last_transition_time = current.last_transition_time.clone();
                    }
                    remove_condition(&mut status, PROGRESSING);
                }
                set_condition(&mut status, cond);
            } else if timed_out(&self.d, &status, self.now) {
                let msg = format!("{subject} has timed out progressing.");
                set_condition(&mut status, new_condition(PROGRESSING, "False", TIMED_OUT, msg, self.now));
            }
        }
        match replica_failure(&all, new_rs) {
            Some(cond) => set_condition(&mut status, cond),
            None => remove_condition(&mut status, REPLICA_FAILURE),
        }
        if self.d.status.as_ref() == Some(&status) {
            self.requeue_stuck(&status);
            return;
        }
        let mut d = self.d.clone();
        d.status = Some(status);
        self.write_status(d);
    }

    /// requeueStuckDeployment: check again just after the deadline would pass.
    fn requeue_stuck(&mut self, status: &DeploymentStatus) {
        let Some(cond) = condition(&self.d, PROGRESSING) else {
            return;
        };
        if !util::has_progress_deadline(&self.d)
            || complete(&self.d, status)
            || cond.reason.as_deref() == Some(TIMED_OUT)
        {
            return;
        }
        let Some(deadline) = deadline(&self.d, cond) else {
            return;
        };
        let after = deadline.duration_since(self.now);
        let after = Duration::try_from(after).unwrap_or(Duration::ZERO);
        self.requeue(if after < Duration::from_secs(1) {
            Duration::from_secs(1)
        } else {
            after + Duration::from_secs(1)
        });
    }
}
