//! skiff's opt-in automatic rollback (`skiff.io/rollback-on-failure: "true"`), beyond
//! Kubernetes (kubernetes#23211 left it to pipelines): a ReplicaSet is marked when its revision
//! runs complete; when a rollout's progress deadline passes, the Deployment goes back to the last
//! marked revision exactly as `rollout undo --to-revision` would, as a new revision whose
//! change-cause says why. It never loops: a template an automatic rollback wrote is not rolled
//! back from again, and the failed revision is not retried until the user changes the template.

use super::SyncState;
use super::rollback;
use super::status::{PROGRESSING, TIMED_OUT, complete, condition};
use super::util;
use crate::model::meta::{self, CHANGE_CAUSE, COMPLETED, POD_TEMPLATE_HASH, ROLLBACK_ON_FAILURE, ROLLED_BACK_TO};
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};

/// Whether `d` opted in.
pub fn opted_in(d: &Deployment) -> bool {
    meta::annotation(&d.metadata, ROLLBACK_ON_FAILURE) == Some("true")
}

pub(super) fn timed_out(d: &Deployment) -> bool {
    condition(d, PROGRESSING).is_some_and(|c| c.reason.as_deref() == Some(TIMED_OUT))
}

/// The pod-template-hash an automatic rollback would record for `rs`.
fn template_hash(rs: &ReplicaSet) -> Option<&str> {
    rs.metadata.labels.as_ref()?.get(POD_TEMPLATE_HASH).map(String::as_str)
}

impl SyncState<'_> {
    /// After the rollout's status is synced: mark a revision that ran complete, and roll back
    /// one whose deadline passed. `was_timed_out` is the condition before this sync.
    pub(super) fn auto_rollback(&mut self, new: Option<usize>, was_timed_out: bool) {
        if !opted_in(&self.d) {
            return;
        }
        if let Some(idx) = new
            && complete(&self.d, &self.d.status.clone().unwrap_or_default())
            && meta::annotation(&self.rss[idx].metadata, COMPLETED).is_none()
        {
            meta::set_annotation(&mut self.rss[idx].metadata, COMPLETED, "true");
            self.write_rs(idx, false);
        }
        if !timed_out(&self.d) {
            return;
        }
        let current = util::spec(&self.d).template;
        let hash = |rs: &ReplicaSet| template_hash(rs).map(String::from);
        let from_rollback = self.rss.iter().any(|rs| {
            util::equal_ignore_hash(&util::template(rs), &current)
                && hash(rs).as_deref().is_some_and(|h| meta::annotation(&self.d.metadata, ROLLED_BACK_TO) == Some(h))
        });
        if from_rollback {
            return;
        }
        let failed = meta::revision(&self.d.metadata);
        let target = self
            .rss
            .iter()
            .filter(|rs| Some(*rs) != new.map(|i| &self.rss[i]))
            .filter(|rs| meta::annotation(&rs.metadata, COMPLETED).is_some())
            .max_by_key(|rs| meta::revision(&rs.metadata));
        let Some(target) = target.cloned() else {
            if !was_timed_out {
                let msg = format!(
                    "Not rolling back: revision {failed} exceeded its progress deadline and no earlier revision of \
                     this Deployment ever completed a rollout"
                );
                self.event(true, "RollbackSkipped", msg);
            }
            return;
        };
        let Some(mut back) = rollback::to_replica_set(&self.d, &target) else { return };
        let to = meta::revision(&target.metadata);
        let cause = format!("auto-rollback: revision {failed} exceeded its progress deadline");
        back.annotations.insert(CHANGE_CAUSE.into(), cause);
        back.annotations.insert(ROLLED_BACK_TO.into(), hash(&target).unwrap_or_default());
        let name = meta::name(&self.d.metadata);
        let msg = format!(
            "Rolled back deployment {name:?} to revision {to}: revision {failed} exceeded its progress deadline"
        );
        self.event(true, "DeploymentRollback", msg);
        self.actions.push(super::Action::Rollback(back));
    }
}
