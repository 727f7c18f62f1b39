//! A rollout's waves before it runs (`skiff rollout plan`), beyond what any peer shows: the
//! Deployment controller's own `sync` is run against a simulated world in which new pods become
//! Ready together once the controller has nothing more to do without them, and available
//! `minReadySeconds` later; every step it takes is recorded with the budget it moved within.
//! Pure; the same decisions a real rollout makes when a wave's pods are ready at once.

use super::{Action, Input, status, sync, util};
use crate::model::meta;
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet, ReplicaSetStatus};
use serde::Serialize;

/// More syncs than this without finishing means a rollout that cannot finish.
const MAX_SYNCS: usize = 1000;

/// One step of the rollout (one ReplicaSet created or resized): the sizes after it, against
/// the budget.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Wave {
    /// Pods of older revisions (their ReplicaSets' desired size).
    pub old: i32,
    /// Pods of the new revision.
    pub new: i32,
    /// `old + new`, never above `maxTotal`.
    pub total: i32,
    /// Pods available once this step is taken, never below `minAvailable`.
    pub available: i32,
    /// New pods that had to become Ready before this step.
    pub waited_for_ready: i32,
    /// Seconds waited before this step for new pods to stay ready `minReadySeconds`.
    pub waited_seconds: i64,
}

/// The budget and the waves.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RolloutPlan {
    pub replicas: i32,
    pub max_surge: i32,
    pub max_unavailable: i32,
    /// `replicas + maxSurge`.
    pub max_total: i32,
    /// `replicas − maxUnavailable`.
    pub min_available: i32,
    pub min_ready_seconds: i32,
    pub waves: Vec<Wave>,
    /// The rollout reaches every replica updated and available.
    pub completes: bool,
}

/// One batch of pods of a ReplicaSet that became ready together (`None`: not yet).
struct Batch {
    rs: String,
    count: i32,
    ready_at: Option<jiff::Timestamp>,
}

/// A Deployment and its ReplicaSets as local copies, with a sync's writes applied the way the
/// registry would store them (also the worked examples' test world).
#[derive(Default)]
pub(super) struct Objects {
    pub d: Deployment,
    pub rss: Vec<ReplicaSet>,
    next_uid: u32,
}

impl Objects {
    pub fn new(d: Deployment, rss: Vec<ReplicaSet>) -> Objects {
        Objects { d, rss, next_uid: 0 }
    }

    /// Applies `actions` at `now`; returns the events' messages.
    pub fn apply(&mut self, actions: Vec<Action>, now: jiff::Timestamp) -> Vec<String> {
        let mut events = Vec::new();
        for action in actions {
            match action {
                Action::CreateReplicaSet(mut rs) => {
                    self.next_uid += 1;
                    rs.metadata.uid = Some(format!("rs-{}", self.next_uid));
                    rs.metadata.creation_timestamp = Some(meta::time(now));
                    rs.metadata.generation = Some(1);
                    self.rss.push(rs);
                }
                Action::UpdateReplicaSet(rs) => {
                    if let Some(slot) = self.rss.iter_mut().find(|r| r.metadata.name == rs.metadata.name) {
                        *slot = rs;
                    }
                }
                Action::DeleteReplicaSet(rs) => self.rss.retain(|r| r.metadata.name != rs.metadata.name),
                Action::UpdateStatus(d) => {
                    self.d.status = d.status;
                    self.d.metadata.annotations = d.metadata.annotations;
                }
                Action::Rollback(back) => {
                    if let Some(spec) = self.d.spec.as_mut() {
                        spec.template = back.template;
                    }
                    self.d.metadata.annotations = Some(back.annotations);
                    self.d.metadata.generation = Some(self.d.metadata.generation.unwrap_or(0) + 1);
                }
                Action::Event { message, .. } => events.push(message),
            }
        }
        events
    }
}

/// The world the controller syncs against.
struct World {
    objects: Objects,
    batches: Vec<Batch>,
    now: jiff::Timestamp,
}

/// The waves `d` (its spec already changed) goes through from `rss`, the ReplicaSets it owns
/// now, assumed to be running as their status says.
pub fn plan(d: &Deployment, rss: &[ReplicaSet], now: jiff::Timestamp) -> RolloutPlan {
    let batches = rss
        .iter()
        .map(|rs| Batch {
            rs: meta::name(&rs.metadata).to_string(),
            count: util::rs_available(rs),
            ready_at: Some(jiff::Timestamp::UNIX_EPOCH),
        })
        .collect();
    let mut world = World { objects: Objects::new(d.clone(), rss.to_vec()), batches, now };
    world.observe();
    let (replicas, max_surge, max_unavailable) = (util::replicas(d), util::max_surge(d), util::max_unavailable(d));
    let mut plan = RolloutPlan {
        replicas,
        max_surge,
        max_unavailable,
        max_total: replicas + max_surge,
        min_available: replicas - max_unavailable,
        min_ready_seconds: util::spec(d).min_ready_seconds.unwrap_or(0),
        waves: Vec::new(),
        completes: false,
    };
    let (mut waited_for_ready, mut waited_seconds) = (0, 0);
    for _ in 0..MAX_SYNCS {
        let steps = world.sync();
        if !steps.is_empty() {
            for (old, new, available) in steps {
                plan.waves.push(Wave { old, new, total: old + new, available, waited_for_ready, waited_seconds });
                (waited_for_ready, waited_seconds) = (0, 0);
            }
            continue;
        }
        if world.complete() {
            plan.completes = true;
            break;
        }
        let readied = world.make_ready();
        if readied > 0 {
            waited_for_ready += readied;
            continue;
        }
        match world.wait_for_availability() {
            Some(seconds) => waited_seconds += seconds,
            None => break,
        }
    }
    plan
}

impl World {
    fn new_index(&self) -> Option<usize> {
        let template = util::spec(&self.objects.d).template;
        self.objects.rss.iter().position(|rs| util::equal_ignore_hash(&util::template(rs), &template))
    }

    /// (pods of older revisions, pods of the new one), as desired sizes.
    fn sizes(&self) -> (i32, i32) {
        let new = self.new_index();
        let size = |i: usize| util::rs_spec_replicas(&self.objects.rss[i]);
        let old = (0..self.objects.rss.len()).filter(|i| Some(*i) != new).map(size).sum();
        (old, new.map_or(0, size))
    }

    fn available_in(&self, rs: &str) -> i32 {
        let min_ready = i64::from(util::spec(&self.objects.d).min_ready_seconds.unwrap_or(0));
        let done = |b: &&Batch| {
            b.rs == rs && b.ready_at.is_some_and(|t| min_ready == 0 || t.as_second() + min_ready < self.now.as_second())
        };
        self.batches.iter().filter(done).map(|b| b.count).sum()
    }

    fn ready_in(&self, rs: &str) -> i32 {
        self.batches.iter().filter(|b| b.rs == rs && b.ready_at.is_some()).map(|b| b.count).sum()
    }

    fn available(&self) -> i32 {
        self.objects.rss.iter().map(|rs| self.available_in(meta::name(&rs.metadata))).sum()
    }

    fn complete(&self) -> bool {
        status::complete(&self.objects.d, &self.objects.d.status.clone().unwrap_or_default())
    }

    /// One controller sync with its writes applied one by one: the (old, new, available) after
    /// each write that resized a ReplicaSet, as a watcher of ReplicaSets sees them.
    fn sync(&mut self) -> Vec<(i32, i32, i32)> {
        let o = &self.objects;
        let plan = sync(Input { deployment: &o.d, replica_sets: o.rss.clone(), pods: &[] }, self.now);
        let mut steps = Vec::new();
        for action in plan.actions {
            let before = self.sizes();
            self.objects.apply(vec![action], self.now);
            self.observe();
            let after = self.sizes();
            if after != before {
                steps.push((after.0, after.1, self.available()));
            }
        }
        steps
    }

    /// The ReplicaSet controller, idealized: every ReplicaSet runs exactly its desired pods, new
    /// ones not Ready yet; scaled-down pods go first from the newest batches (not-ready first).
    fn observe(&mut self) {
        for i in 0..self.objects.rss.len() {
            let name = meta::name(&self.objects.rss[i].metadata).to_string();
            let want = util::rs_spec_replicas(&self.objects.rss[i]);
            let have: i32 = self.batches.iter().filter(|b| b.rs == name).map(|b| b.count).sum();
            if want > have {
                self.batches.push(Batch { rs: name.clone(), count: want - have, ready_at: None });
            }
            let mut extra = (have - want).max(0);
            for b in self.batches.iter_mut().rev().filter(|b| b.rs == name) {
                let taken = extra.min(b.count);
                b.count -= taken;
                extra -= taken;
            }
            self.batches.retain(|b| b.count > 0);
            let (ready, available) = (self.ready_in(&name), self.available_in(&name));
            let rs = &mut self.objects.rss[i];
            rs.status = Some(ReplicaSetStatus {
                replicas: want,
                ready_replicas: Some(ready),
                available_replicas: Some(available),
                observed_generation: rs.metadata.generation,
                ..Default::default()
            });
        }
    }

    /// Every pod that is not Ready becomes Ready now, together; how many did.
    fn make_ready(&mut self) -> i32 {
        let mut readied = 0;
        for b in self.batches.iter_mut().filter(|b| b.ready_at.is_none()) {
            b.ready_at = Some(self.now);
            readied += b.count;
        }
        self.observe();
        readied
    }

    /// Moves the clock to the moment the next ready pods become available; the seconds waited,
    /// or `None` when nothing is pending (the rollout cannot go on).
    fn wait_for_availability(&mut self) -> Option<i64> {
        let min_ready = i64::from(util::spec(&self.objects.d).min_ready_seconds.unwrap_or(0));
        let next = self
            .batches
            .iter()
            .filter_map(|b| b.ready_at)
            .map(|t| t.as_second() + min_ready + 1)
            .filter(|at| *at > self.now.as_second())
            .min()?;
        let waited = next - self.now.as_second();
        self.now = jiff::Timestamp::from_second(next).ok()?;
        self.observe();
        Some(waited)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A Deployment at rest on `from` (one complete ReplicaSet), its template now `to`.
    fn moving(
        replicas: i32,
        surge: serde_json::Value,
        unavailable: serde_json::Value,
    ) -> (Deployment, Vec<ReplicaSet>) {
        let d = |image: &str| -> Deployment {
            serde_json::from_value(json!({
                "metadata": {"name": "web", "namespace": "default", "uid": "d1", "generation": 1},
                "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}},
                         "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": surge, "maxUnavailable": unavailable}},
                         "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "web", "image": image}]}},
                         "revisionHistoryLimit": 10, "progressDeadlineSeconds": 600}
            }))
            .unwrap()
        };
        let at_rest = d("v1");
        let now = "2026-12-01T00:00:00Z".parse().unwrap();
        let mut world = World { objects: Objects::new(at_rest, Vec::new()), batches: Vec::new(), now };
        for _ in 0..20 {
            world.sync();
            world.observe();
            world.make_ready();
        }
        let mut next = d("v2");
        next.metadata.generation = Some(2);
        next.status = world.objects.d.status.clone();
        next.metadata.annotations = world.objects.d.metadata.annotations.clone();
        (next, world.objects.rss)
    }

    fn steps(p: &RolloutPlan) -> Vec<(i32, i32)> {
        p.waves.iter().map(|w| (w.old, w.new)).collect()
    }

    #[test]
    fn the_lessons_two_strategies() {
        let now = "2026-12-01T01:00:00Z".parse().unwrap();
        let (d, rss) = moving(10, json!(2), json!("50%"));
        let p = plan(&d, &rss, now);
        assert_eq!((p.max_total, p.min_available), (12, 5));
        assert!(p.completes, "{p:?}");
        assert_eq!(steps(&p), [(10, 2), (5, 2), (5, 7), (0, 7), (0, 10)]);
        assert!(p.waves.iter().all(|w| w.total <= p.max_total && w.available >= p.min_available), "{p:?}");
        let (d, rss) = moving(10, json!(2), json!(0));
        let p = plan(&d, &rss, now);
        assert_eq!((p.max_total, p.min_available), (12, 10));
        assert_eq!(steps(&p), [(10, 2), (8, 2), (8, 4), (6, 4), (6, 6), (4, 6), (4, 8), (2, 8), (2, 10), (0, 10)]);
    }
}
