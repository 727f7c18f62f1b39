//! rolloutRecreate: every old ReplicaSet to zero, wait until no old pod is left running
//! (terminating ones included), then create the new ReplicaSet at full size.

use super::SyncState;
use super::status;
use super::util;

impl SyncState<'_> {
    pub(super) fn rollout_recreate(&mut self) {
        let mut new = self.new_replica_set(false);
        let old: Vec<usize> = self.old_indices(new).into_iter().filter(|i| util::is_active(&self.rss[*i])).collect();
        let mut scaled_down = false;
        for idx in old {
            scaled_down |= self.scale_rs(idx, 0);
        }
        if scaled_down || self.old_pods_running(new) {
            return self.sync_rollout_status(new);
        }
        if new.is_none() {
            new = self.new_replica_set(true);
        }
        if let Some(idx) = new {
            self.scale_rs(idx, util::replicas(&self.d));
        }
        if status::complete(&self.d, &self.d.status.clone().unwrap_or_default()) {
            self.cleanup_deployment(new);
        }
        self.sync_rollout_status(new);
    }

    /// oldPodsRunning: old ReplicaSets still report pods, or a pod of a non-new ReplicaSet has
    /// not reached Succeeded or Failed (a terminating pod still counts).
    fn old_pods_running(&self, new: Option<usize>) -> bool {
        let old = self.old_indices(new);
        if util::sum_actual(old.iter().map(|i| &self.rss[*i])) > 0 {
            return true;
        }
        let new_uid = new.and_then(|i| self.rss[i].metadata.uid.clone());
        self.pods.iter().any(|pod| {
            let owner = crate::model::meta::controller_ref(&pod.metadata).map(|r| r.uid.clone());
            let phase = pod.status.as_ref().and_then(|s| s.phase.as_deref());
            owner.is_some() && owner != new_uid && !matches!(phase, Some("Succeeded") | Some("Failed"))
        })
    }
}
