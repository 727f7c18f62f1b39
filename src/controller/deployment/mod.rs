//! The Deployment controller's decisions, as a pure function of the Deployment, the
//! ReplicaSets it owns, their pods and `now`. It follows Kubernetes' deployment controller
//! (syncDeployment, rolloutRolling, rolloutRecreate, sync/scale, syncRolloutStatus) step by
//! step: it simulates the writes the real controller makes, in order, on local copies, and
//! returns them as a plan for the async shell to execute.

mod auto_rollback;
pub mod plan;
mod recreate;
mod revision;
pub mod rollback;
mod rolling;
mod scale;
mod status;
pub mod util;

#[cfg(test)]
mod tests;

use crate::model::meta;
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::Pod;
use std::time::Duration;

/// One write the controller wants, in execution order.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    CreateReplicaSet(ReplicaSet),
    /// The whole ReplicaSet as it should be (precondition: its resourceVersion).
    UpdateReplicaSet(ReplicaSet),
    DeleteReplicaSet(ReplicaSet),
    /// The Deployment with its new status (and revision annotation).
    UpdateStatus(Deployment),
    /// Write this rollback onto the Deployment's spec and annotations, on its latest version
    /// (skiff's opt-in automatic rollback).
    Rollback(rollback::Rollback),
    Event {
        warning: bool,
        reason: &'static str,
        message: String,
    },
}

/// What one sync decided.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Plan {
    pub actions: Vec<Action>,
    /// Sync again after this long even if nothing changes (progress deadline checks).
    pub requeue_after: Option<Duration>,
}

/// What a sync looks at.
pub struct Input<'a> {
    pub deployment: &'a Deployment,
    /// The ReplicaSets this Deployment controls.
    pub replica_sets: Vec<ReplicaSet>,
    /// The pods of those ReplicaSets.
    pub pods: &'a [Pod],
}

/// The working state of one sync: local copies that every simulated write updates.
struct SyncState<'a> {
    now: jiff::Timestamp,
    d: Deployment,
    rss: Vec<ReplicaSet>,
    pods: &'a [Pod],
    actions: Vec<Action>,
    requeue_after: Option<Duration>,
}

/// Decides everything one sync of `input.deployment` does.
pub fn sync(input: Input<'_>, now: jiff::Timestamp) -> Plan {
    let mut s = SyncState {
        now,
        d: input.deployment.clone(),
        rss: input.replica_sets,
        pods: input.pods,
        actions: Vec::new(),
        requeue_after: None,
    };
    s.sync_deployment();
    Plan { actions: s.actions, requeue_after: s.requeue_after }
}

impl SyncState<'_> {
    fn sync_deployment(&mut self) {
        let selector = util::spec(&self.d).selector;
        let empty = selector.match_labels.as_ref().is_none_or(|m| m.is_empty())
            && selector.match_expressions.as_ref().is_none_or(|e| e.is_empty());
        if empty {
            self.event(
                true,
                "SelectingAll",
                "This deployment is selecting all pods. A non-empty selector is required.".into(),
            );
            let generation = self.d.metadata.generation;
            let status = self.d.status.get_or_insert_with(Default::default);
            if status.observed_generation < generation {
                status.observed_generation = generation;
                let d = self.d.clone();
                self.write_status(d);
            }
            return;
        }
        if meta::is_terminating(&self.d.metadata) {
            let new = self.new_replica_set(false);
            return self.sync_deployment_status(new);
        }
        self.check_paused_conditions();
        if util::spec(&self.d).paused == Some(true) {
            return self.sync_scale_and_status();
        }
        if self.is_scaling_event() {
            return self.sync_scale_and_status();
        }
        let was_timed_out = auto_rollback::timed_out(&self.d);
        if util::is_rolling_update(&self.d) {
            self.rollout_rolling()
        } else {
            self.rollout_recreate()
        }
        let new = self.find_new();
        self.auto_rollback(new, was_timed_out);
    }

    /// `sync()` in Kubernetes: scaling and history cleanup without starting a rollout.
    fn sync_scale_and_status(&mut self) {
        let new = self.new_replica_set(false);
        self.scale(new);
        if util::spec(&self.d).paused == Some(true) {
            self.cleanup_deployment(new);
        }
        self.sync_deployment_status(new);
    }

    fn old_indices(&self, new: Option<usize>) -> Vec<usize> {
        (0..self.rss.len()).filter(|i| Some(*i) != new).collect()
    }

    fn event(&mut self, warning: bool, reason: &'static str, message: String) {
        self.actions.push(Action::Event { warning, reason, message });
    }

    /// Records a write of ReplicaSet `idx`; a later write of the same object replaces an
    /// earlier one, so every object is written once, with its final content.
    fn write_rs(&mut self, idx: usize, create: bool) {
        let rs = self.rss[idx].clone();
        let name = rs.metadata.name.clone();
        let pending = self.actions.iter_mut().find_map(|a| match a {
            Action::CreateReplicaSet(r) | Action::UpdateReplicaSet(r) if r.metadata.name == name => Some(r),
            _ => None,
        });
        match pending {
            Some(slot) => *slot = rs,
            None if create => self.actions.push(Action::CreateReplicaSet(rs)),
            None => self.actions.push(Action::UpdateReplicaSet(rs)),
        }
    }

    /// Records a status write; only the last one is kept, at the latest position.
    fn write_status(&mut self, d: Deployment) {
        self.actions.retain(|a| !matches!(a, Action::UpdateStatus(_)));
        self.d = d.clone();
        self.actions.push(Action::UpdateStatus(d));
    }

    fn requeue(&mut self, after: Duration) {
        self.requeue_after = Some(self.requeue_after.map_or(after, |r| r.min(after)));
    }
}
