//! rolloutRolling: scale the new ReplicaSet up within maxSurge, then old ones down within
//! maxUnavailable (unhealthy replicas first), at most one scaling step per sync.

use super::SyncState;
use super::revision::set_replicas_annotations;
use super::status;
use super::util;

impl SyncState<'_> {
    pub(super) fn rollout_rolling(&mut self) {
        let new = self.new_replica_set(true);
        let Some(new_idx) = new else {
            return self.sync_rollout_status(None);
        };
        if self.reconcile_new_replica_set(new_idx) || self.reconcile_old_replica_sets(new_idx) {
            return self.sync_rollout_status(new);
        }
        if status::complete(&self.d, &self.d.status.clone().unwrap_or_default()) {
            self.cleanup_deployment(new);
        }
        self.sync_rollout_status(new);
    }

    fn reconcile_new_replica_set(&mut self, new: usize) -> bool {
        let replicas = util::replicas(&self.d);
        let current = util::rs_spec_replicas(&self.rss[new]);
        if current == replicas {
            return false;
        }
        if current > replicas {
            return self.scale_rs(new, replicas);
        }
        let target = self.new_rs_new_replicas(new);
        self.scale_rs(new, target)
    }

    fn reconcile_old_replica_sets(&mut self, new: usize) -> bool {
        let old: Vec<usize> =
            self.old_indices(Some(new)).into_iter().filter(|i| util::is_active(&self.rss[*i])).collect();
        if util::sum_spec(old.iter().map(|i| &self.rss[*i])) == 0 {
            return false;
        }
        let all_pods = util::sum_spec(&self.rss);
        let min_available = util::replicas(&self.d) - util::max_unavailable(&self.d);
        let new_unavailable = util::rs_spec_replicas(&self.rss[new]) - util::rs_available(&self.rss[new]);
        let max_scaled_down = all_pods - min_available - new_unavailable;
        if max_scaled_down <= 0 {
            return false;
        }
        let cleaned = self.cleanup_unhealthy_replicas(&old, max_scaled_down);
        let scaled = self.scale_down_old_for_rolling_update(&old, new);
        cleaned + scaled > 0
    }

    /// Scales old ReplicaSets down by their unavailable replicas, oldest first, so that
    /// unhealthy pods never block a rollout (kubernetes#16737).
    fn cleanup_unhealthy_replicas(&mut self, old: &[usize], max_cleanup: i32) -> i32 {
        let mut order = old.to_vec();
        order.sort_by(|a, b| util::by_creation(&self.rss[*a], &self.rss[*b]));
        let mut total = 0;
        for idx in order {
            if total >= max_cleanup {
                break;
            }
            let (spec, available) = (util::rs_spec_replicas(&self.rss[idx]), util::rs_available(&self.rss[idx]));
            if spec == 0 || spec == available {
                continue;
            }
            let count = (max_cleanup - total).min(spec - available);
            self.scale_rs(idx, spec - count);
            total += count;
        }
        total
    }

    /// Scales old ReplicaSets down, oldest first, while availability stays above minimum.
    fn scale_down_old_for_rolling_update(&mut self, old: &[usize], new: usize) -> i32 {
        let min_available = util::replicas(&self.d) - util::max_unavailable(&self.d);
        let active = old.iter().chain([&new]).map(|i| &self.rss[*i]).filter(|rs| util::is_active(rs));
        let available = util::sum_available(active);
        if available <= min_available {
            return 0;
        }
        let budget = available - min_available;
        let mut order = old.to_vec();
        order.sort_by(|a, b| util::by_creation(&self.rss[*a], &self.rss[*b]));
        let mut total = 0;
        for idx in order {
            if total >= budget {
                break;
            }
            let spec = util::rs_spec_replicas(&self.rss[idx]);
            if spec == 0 {
                continue;
            }
            let count = spec.min(budget - total);
            self.scale_rs(idx, spec - count);
            total += count;
        }
        total
    }

    /// scaleReplicaSetAndRecordEvent: nothing if the size is already right.
    pub(super) fn scale_rs(&mut self, idx: usize, new_scale: i32) -> bool {
        if util::rs_spec_replicas(&self.rss[idx]) == new_scale {
            return false;
        }
        self.set_rs_scale(idx, new_scale)
    }

    /// scaleReplicaSet: writes size and the desired/max annotations; an event when the size moves.
    pub(super) fn set_rs_scale(&mut self, idx: usize, new_scale: i32) -> bool {
        let replicas = util::replicas(&self.d);
        let max = replicas + util::max_surge(&self.d);
        let mut rs = self.rss[idx].clone();
        let old_scale = util::rs_spec_replicas(&rs);
        let size_changed = old_scale != new_scale;
        let annotations_changed = set_replicas_annotations(&mut rs, replicas, max);
        if !size_changed && !annotations_changed {
            return false;
        }
        util::set_rs_replicas(&mut rs, new_scale);
        self.rss[idx] = rs;
        self.write_rs(idx, false);
        if size_changed {
            let direction = if new_scale > old_scale { "up" } else { "down" };
            let name = self.rss[idx].metadata.name.clone().unwrap_or_default();
            self.event(
                false,
                "ScalingReplicaSet",
                format!("Scaled {direction} replica set {name} to {new_scale} from {old_scale}"),
            );
        }
        size_changed
    }
}
