//! Scaling events and proportional scaling (isScalingEvent, scale): when replicas change
//! mid-rollout or while paused, every active ReplicaSet grows or shrinks in proportion.

use super::SyncState;
use super::util;
use crate::model::meta::{self, DESIRED_REPLICAS, MAX_REPLICAS};
use k8s_openapi::api::apps::v1::ReplicaSet;

fn annotation_i32(rs: &ReplicaSet, key: &str) -> Option<i32> {
    meta::annotation(&rs.metadata, key)?.parse().ok()
}

impl SyncState<'_> {
    /// An active ReplicaSet whose desired-replicas annotation differs from spec.replicas.
    pub(super) fn is_scaling_event(&mut self) -> bool {
        self.new_replica_set(false);
        let replicas = util::replicas(&self.d);
        self.rss
            .iter()
            .filter(|rs| util::is_active(rs))
            .any(|rs| annotation_i32(rs, DESIRED_REPLICAS).is_some_and(|desired| desired != replicas))
    }

    /// FindActiveOrLatest: the only active ReplicaSet, or the newest when none is active.
    fn active_or_latest(&self, new: Option<usize>) -> Option<usize> {
        let mut old = self.old_indices(new);
        if new.is_none() && old.is_empty() {
            return None;
        }
        old.sort_by(|a, b| util::by_creation(&self.rss[*b], &self.rss[*a]));
        let active: Vec<usize> = old.iter().copied().chain(new).filter(|i| util::is_active(&self.rss[*i])).collect();
        match active.as_slice() {
            [] => new.or_else(|| old.first().copied()),
            [one] => Some(*one),
            _ => None,
        }
    }

    fn is_saturated(&self, new: Option<usize>) -> bool {
        let Some(rs) = new.map(|i| &self.rss[i]) else {
            return false;
        };
        let replicas = util::replicas(&self.d);
        util::rs_spec_replicas(rs) == replicas
            && annotation_i32(rs, DESIRED_REPLICAS) == Some(replicas)
            && util::rs_available(rs) == replicas
    }

    pub(super) fn scale(&mut self, new: Option<usize>) {
        let replicas = util::replicas(&self.d);
        if let Some(idx) = self.active_or_latest(new) {
            if util::rs_spec_replicas(&self.rss[idx]) != replicas {
                self.scale_rs(idx, replicas);
            }
            return;
        }
        if self.is_saturated(new) {
            for idx in self.old_indices(new) {
                if util::is_active(&self.rss[idx]) {
                    self.scale_rs(idx, 0);
                }
            }
            return;
        }
        if util::is_rolling_update(&self.d) {
            self.scale_proportionally(new);
        }
    }

    fn scale_proportionally(&mut self, new: Option<usize>) {
        let replicas = util::replicas(&self.d);
        let mut active: Vec<usize> =
            self.old_indices(new).into_iter().chain(new).filter(|i| util::is_active(&self.rss[*i])).collect();
        let current = util::sum_spec(active.iter().map(|i| &self.rss[*i]));
        let allowed = if replicas > 0 { replicas + util::max_surge(&self.d) } else { 0 };
        let to_add = allowed - current;
        if to_add > 0 {
            active.sort_by(|a, b| util::by_size_newer(&self.rss[*a], &self.rss[*b]));
        } else if to_add < 0 {
            active.sort_by(|a, b| util::by_size_older(&self.rss[*a], &self.rss[*b]));
        }
        let mut added = 0;
        let mut sizes = Vec::with_capacity(active.len());
        for idx in &active {
            let spec = util::rs_spec_replicas(&self.rss[*idx]);
            let proportion = if to_add != 0 { self.proportion(*idx, to_add, added) } else { 0 };
            sizes.push(spec + proportion);
            added += proportion;
        }
        if let Some(first) = sizes.first_mut()
            && to_add != 0
        {
            *first = (*first + to_add - added).max(0);
        }
        for (idx, size) in active.into_iter().zip(sizes) {
            self.set_rs_scale(idx, size);
        }
    }

    /// GetProportion: this ReplicaSet's share of `to_add`, bounded by what is left.
    fn proportion(&self, idx: usize, to_add: i32, added: i32) -> i32 {
        let rs = &self.rss[idx];
        let spec = util::rs_spec_replicas(rs);
        if spec == 0 || to_add == added {
            return 0;
        }
        let fraction = self.fraction(rs);
        let allowed = to_add - added;
        if to_add > 0 { fraction.min(allowed) } else { fraction.max(allowed) }
    }

    /// getReplicaSetFraction: round(spec × (replicas + surge) / max-replicas annotation) − spec.
    fn fraction(&self, rs: &ReplicaSet) -> i32 {
        let spec = util::rs_spec_replicas(rs);
        let replicas = util::replicas(&self.d);
        if replicas == 0 {
            return -spec;
        }
        let target = replicas + util::max_surge(&self.d);
        let status_replicas = self.d.status.as_ref().and_then(|s| s.replicas).unwrap_or(0);
        let annotated = annotation_i32(rs, MAX_REPLICAS).unwrap_or(status_replicas);
        if annotated == 0 {
            return 0;
        }
        // f64::round rounds half away from zero, like Kubernetes' integer.RoundToInt32.
        let size = (f64::from(spec) * f64::from(target) / f64::from(annotated)).round();
        size as i32 - spec
    }
}
