//! Finding or creating the new ReplicaSet (getNewReplicaSet), revision numbering and the
//! annotations copied from the Deployment, and revision-history cleanup (cleanupDeployment).

use super::SyncState;
use super::status::{self, PROGRESSING};
use super::util;
use crate::model::hash;
use crate::model::meta::{self, DESIRED_REPLICAS, MAX_REPLICAS, POD_TEMPLATE_HASH, REVISION, REVISION_HISTORY};
use k8s_openapi::api::apps::v1::{ReplicaSet, ReplicaSetSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

/// The revision-history annotation is capped at this many characters, dropping the oldest.
const MAX_REV_HISTORY_CHARS: usize = 2000;

impl SyncState<'_> {
    /// FindNewReplicaSet: the oldest ReplicaSet whose template equals the Deployment's.
    pub(super) fn find_new(&self) -> Option<usize> {
        let template = util::spec(&self.d).template;
        let mut order: Vec<usize> = (0..self.rss.len()).collect();
        order.sort_by(|a, b| util::by_creation(&self.rss[*a], &self.rss[*b]));
        order.into_iter().find(|i| util::equal_ignore_hash(&util::template(&self.rss[*i]), &template))
    }

    fn max_old_revision(&self, new: Option<usize>) -> i64 {
        self.old_indices(new).iter().map(|i| meta::revision(&self.rss[*i].metadata)).max().unwrap_or(0)
    }

    /// getNewReplicaSet: syncs the existing new ReplicaSet's revision and annotations, or
    /// (with `create`) creates it already sized by NewRSNewReplicas.
    pub(super) fn new_replica_set(&mut self, create: bool) -> Option<usize> {
        let existing = self.find_new();
        let new_revision = self.max_old_revision(existing) + 1;
        if let Some(idx) = existing {
            self.sync_existing_new(idx, new_revision);
            return Some(idx);
        }
        if !create {
            return None;
        }
        Some(self.create_new(new_revision))
    }

    fn sync_existing_new(&mut self, idx: usize, new_revision: i64) {
        let mut rs = self.rss[idx].clone();
        let annotations_updated = self.set_new_rs_annotations(&mut rs, new_revision, true);
        let min_ready = util::spec(&self.d).min_ready_seconds;
        let spec = rs.spec.get_or_insert_with(Default::default);
        let min_ready_changed = spec.min_ready_seconds != min_ready;
        if annotations_updated || min_ready_changed {
            spec.min_ready_seconds = min_ready;
            self.rss[idx] = rs;
            self.write_rs(idx, false);
            // The real controller returns here; the revision reaches the Deployment next sync.
            return;
        }
        let revision = meta::annotation(&rs.metadata, REVISION).unwrap_or_default().to_string();
        let mut d = self.d.clone();
        let mut needs_update = set_deployment_revision(&mut d, &revision);
        if util::has_progress_deadline(&d) && status::condition(&d, PROGRESSING).is_none() {
            let msg = format!("Found new replica set {:?}", meta::name(&rs.metadata));
            let cond = status::new_condition(PROGRESSING, "True", "FoundNewReplicaSet", msg, self.now);
            status::set_condition(d.status.get_or_insert_with(Default::default), cond);
            needs_update = true;
        }
        if needs_update {
            self.write_status(d);
        }
    }

    fn create_new(&mut self, new_revision: i64) -> usize {
        let spec = util::spec(&self.d);
        let collision_count = self.d.status.as_ref().and_then(|s| s.collision_count);
        let hash = hash::pod_template_hash(&spec.template, collision_count);
        let mut template = spec.template.clone();
        let template_meta = template.metadata.get_or_insert_with(Default::default);
        template_meta.labels.get_or_insert_with(Default::default).insert(POD_TEMPLATE_HASH.into(), hash.clone());
        let labels = template_meta.labels.clone();
        let mut selector = spec.selector.clone();
        selector.match_labels.get_or_insert_with(Default::default).insert(POD_TEMPLATE_HASH.into(), hash.clone());
        let name = format!("{}-{hash}", meta::name(&self.d.metadata));
        let mut rs = ReplicaSet {
            metadata: ObjectMeta {
                name: Some(name.clone()),
                namespace: self.d.metadata.namespace.clone(),
                labels,
                owner_references: Some(vec![meta::controller_ref_to("apps/v1", "Deployment", &self.d.metadata)]),
                creation_timestamp: Some(meta::time(self.now)),
                ..Default::default()
            },
            spec: Some(ReplicaSetSpec {
                replicas: Some(0),
                min_ready_seconds: spec.min_ready_seconds,
                selector,
                template: Some(template),
            }),
            status: None,
        };
        self.rss.push(rs.clone());
        let idx = self.rss.len() - 1;
        let replicas = self.new_rs_new_replicas(idx);
        util::set_rs_replicas(&mut rs, replicas);
        self.set_new_rs_annotations(&mut rs, new_revision, false);
        self.rss[idx] = rs;
        self.write_rs(idx, true);
        if replicas > 0 {
            self.event(false, "ScalingReplicaSet", format!("Scaled up replica set {name} to {replicas}"));
        }
        let mut d = self.d.clone();
        set_deployment_revision(&mut d, &new_revision.to_string());
        if util::has_progress_deadline(&d) {
            let cond = status::new_condition(
                PROGRESSING,
                "True",
                "NewReplicaSetCreated",
                format!("Created new replica set {name:?}"),
                self.now,
            );
            status::set_condition(d.status.get_or_insert_with(Default::default), cond);
        }
        self.write_status(d);
        idx
    }

    /// NewRSNewReplicas: how big the new ReplicaSet may be now.
    pub(super) fn new_rs_new_replicas(&self, new: usize) -> i32 {
        let replicas = util::replicas(&self.d);
        if !util::is_rolling_update(&self.d) {
            return replicas;
        }
        let new_spec = util::rs_spec_replicas(&self.rss[new]);
        let current = util::sum_spec(&self.rss);
        let max_total = replicas + util::max_surge(&self.d);
        if current >= max_total {
            return new_spec;
        }
        new_spec + (max_total - current).min(replicas - new_spec)
    }

    /// SetNewReplicaSetAnnotations; returns whether anything changed.
    fn set_new_rs_annotations(&self, rs: &mut ReplicaSet, new_revision: i64, exists: bool) -> bool {
        let mut changed = copy_deployment_annotations(&self.d, rs);
        let annotations = rs.metadata.annotations.get_or_insert_with(Default::default);
        let old = annotations.get(REVISION).cloned();
        let old_revision = match old.as_deref().map(str::parse::<i64>) {
            Some(Ok(r)) => r,
            Some(Err(_)) => return false,
            None => 0,
        };
        if old_revision < new_revision {
            annotations.insert(REVISION.into(), new_revision.to_string());
            changed = true;
            if let Some(old) = old {
                let history = annotations.get(REVISION_HISTORY).cloned().unwrap_or_default();
                annotations.insert(REVISION_HISTORY.into(), append_revision_history(&history, &old));
            }
        }
        if !exists {
            let replicas = util::replicas(&self.d);
            changed |= set_replicas_annotations(rs, replicas, replicas + util::max_surge(&self.d));
        }
        changed
    }

    /// cleanupDeployment: delete the oldest fully scaled-down ReplicaSets beyond the limit.
    pub(super) fn cleanup_deployment(&mut self, new: Option<usize>) {
        let limit = util::spec(&self.d).revision_history_limit;
        let Some(limit) = limit.filter(|l| *l != util::MAX_INT32) else {
            return;
        };
        let mut cleanable: Vec<usize> =
            self.old_indices(new).into_iter().filter(|i| !meta::is_terminating(&self.rss[*i].metadata)).collect();
        let diff = cleanable.len() as i64 - i64::from(limit);
        if diff <= 0 {
            return;
        }
        cleanable.sort_by(|a, b| util::by_revision(&self.rss[*a], &self.rss[*b]));
        for idx in cleanable.into_iter().take(diff as usize) {
            let rs = &self.rss[idx];
            let observed = rs.status.as_ref().and_then(|s| s.observed_generation).unwrap_or(0);
            let settled = util::rs_status_replicas(rs) == 0
                && util::rs_spec_replicas(rs) == 0
                && rs.metadata.generation.unwrap_or(0) <= observed;
            if settled && rs.metadata.uid.is_some() {
                self.actions.push(super::Action::DeleteReplicaSet(rs.clone()));
            }
        }
    }
}

/// copyDeploymentAnnotationsToReplicaSet: adds or changes, never removes.
fn copy_deployment_annotations(d: &k8s_openapi::api::apps::v1::Deployment, rs: &mut ReplicaSet) -> bool {
    let annotations = rs.metadata.annotations.get_or_insert_with(Default::default);
    let mut changed = false;
    for (k, v) in d.metadata.annotations.iter().flatten() {
        if meta::ANNOTATIONS_NOT_COPIED.contains(&k.as_str()) || annotations.get(k) == Some(v) {
            continue;
        }
        annotations.insert(k.clone(), v.clone());
        changed = true;
    }
    changed
}

fn append_revision_history(history: &str, old: &str) -> String {
    if history.is_empty() {
        return old.to_string();
    }
    let mut revisions: Vec<&str> = history.split(',').collect();
    let mut total = history.len() + old.len() + 1;
    while total > MAX_REV_HISTORY_CHARS && !revisions.is_empty() {
        total -= revisions.remove(0).len() + 1;
    }
    revisions.push(old);
    revisions.join(",")
}

/// SetReplicasAnnotations; returns whether they changed.
pub(super) fn set_replicas_annotations(rs: &mut ReplicaSet, desired: i32, max: i32) -> bool {
    let annotations = rs.metadata.annotations.get_or_insert_with(Default::default);
    let mut changed = false;
    for (key, value) in [(DESIRED_REPLICAS, desired), (MAX_REPLICAS, max)] {
        if annotations.get(key).map(String::as_str) != Some(&value.to_string()) {
            annotations.insert(key.into(), value.to_string());
            changed = true;
        }
    }
    changed
}

fn set_deployment_revision(d: &mut k8s_openapi::api::apps::v1::Deployment, revision: &str) -> bool {
    if meta::annotation(&d.metadata, REVISION) == Some(revision) {
        return false;
    }
    meta::set_annotation(&mut d.metadata, REVISION, revision);
    true
}
