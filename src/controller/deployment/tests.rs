//! The worked examples of the semantics reference, reproduced on a simulated world: the plan's
//! writes are applied to in-memory objects and ReplicaSet status is set by hand, the way the
//! ReplicaSet controller and kubelet would report it.

use super::plan::Objects;
use super::*;
use crate::model::meta::{CHANGE_CAUSE, REVISION, REVISION_HISTORY};
use k8s_openapi::api::apps::v1::{DeploymentSpec, DeploymentStrategy, ReplicaSetStatus, RollingUpdateDeployment};
use k8s_openapi::api::core::v1::{Container, PodSpec, PodTemplateSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use std::collections::BTreeMap;

fn template(image: &str) -> PodTemplateSpec {
    PodTemplateSpec {
        metadata: Some(ObjectMeta {
            labels: Some(BTreeMap::from([("app".into(), "web".into())])),
            ..Default::default()
        }),
        spec: Some(PodSpec {
            containers: vec![Container { name: "web".into(), image: Some(image.into()), ..Default::default() }],
            ..Default::default()
        }),
    }
}

fn deployment(replicas: i32, surge: IntOrString, unavailable: IntOrString, image: &str) -> Deployment {
    Deployment {
        metadata: ObjectMeta {
            name: Some("web".into()),
            namespace: Some("default".into()),
            uid: Some("d-uid".into()),
            generation: Some(1),
            ..Default::default()
        },
        spec: Some(DeploymentSpec {
            replicas: Some(replicas),
            selector: LabelSelector {
                match_labels: Some(BTreeMap::from([("app".into(), "web".into())])),
                ..Default::default()
            },
            strategy: Some(DeploymentStrategy {
                type_: Some("RollingUpdate".into()),
                rolling_update: Some(RollingUpdateDeployment {
                    max_surge: Some(surge),
                    max_unavailable: Some(unavailable),
                }),
            }),
            template: template(image),
            revision_history_limit: Some(10),
            progress_deadline_seconds: Some(600),
            ..Default::default()
        }),
        status: None,
    }
}

fn pct(s: &str) -> IntOrString {
    IntOrString::String(s.into())
}

/// A deployment, its ReplicaSets, the events so far and a clock.
struct World {
    objects: Objects,
    events: Vec<String>,
    now: jiff::Timestamp,
    last_plan: Plan,
}

impl std::ops::Deref for World {
    type Target = Objects;
    fn deref(&self) -> &Objects {
        &self.objects
    }
}

impl std::ops::DerefMut for World {
    fn deref_mut(&mut self) -> &mut Objects {
        &mut self.objects
    }
}

impl World {
    fn new(d: Deployment) -> World {
        World {
            objects: Objects::new(d, Vec::new()),
            events: Vec::new(),
            now: "2026-11-27T10:00:00Z".parse().unwrap(),
            last_plan: Plan::default(),
        }
    }

    fn tick(&mut self, secs: i64) {
        self.now = self.now.checked_add(jiff::SignedDuration::from_secs(secs)).unwrap();
    }

    /// One controller sync, its writes applied (a new ReplicaSet takes a second to create, so
    /// creation times order them). Returns whether it wrote anything.
    fn sync(&mut self) -> bool {
        let plan = sync(Input { deployment: &self.d, replica_sets: self.rss.clone(), pods: &[] }, self.now);
        let wrote = plan.actions.iter().any(|a| !matches!(a, Action::Event { .. }));
        let creates = plan.actions.iter().filter(|a| matches!(a, Action::CreateReplicaSet(_))).count();
        let events = self.objects.apply(plan.actions.clone(), self.now);
        self.events.extend(events);
        self.tick(i64::try_from(creates).unwrap_or(0));
        self.last_plan = plan;
        wrote
    }

    /// Syncs until nothing more is written (like a controller that has caught up).
    fn settle(&mut self) {
        for _ in 0..50 {
            if !self.sync() {
                return;
            }
        }
        panic!("did not settle: {:?}", self.last_plan);
    }

    fn rs(&self, image: &str) -> &ReplicaSet {
        self.rss
            .iter()
            .find(|rs| rs.spec.as_ref().unwrap().template.as_ref().unwrap() == &template(image))
            .unwrap_or_else(|| {
                // Templates of created ReplicaSets carry the hash label.
                self.rss
                    .iter()
                    .find(|rs| util::equal_ignore_hash(&util::template(rs), &template(image)))
                    .expect("replica set for image")
            })
    }

    fn spec_of(&self, image: &str) -> i32 {
        util::rs_spec_replicas(self.rs(image))
    }

    /// The ReplicaSet controller and kubelet report: every replica of `image` exists; `available`
    /// of them are available.
    fn observe(&mut self, image: &str, available: i32) {
        let name = self.rs(image).metadata.name.clone();
        let rs = self.rss.iter_mut().find(|r| r.metadata.name == name).unwrap();
        let spec = util::rs_spec_replicas(rs);
        rs.status = Some(ReplicaSetStatus {
            replicas: spec,
            ready_replicas: Some(available.min(spec)),
            available_replicas: Some(available.min(spec)),
            observed_generation: rs.metadata.generation,
            ..Default::default()
        });
    }

    /// Every ReplicaSet's pods become exactly its spec, all available.
    fn all_available(&mut self) {
        for rs in &mut self.rss {
            let spec = util::rs_spec_replicas(rs);
            rs.status = Some(ReplicaSetStatus {
                replicas: spec,
                ready_replicas: Some(spec),
                available_replicas: Some(spec),
                observed_generation: rs.metadata.generation,
                ..Default::default()
            });
        }
    }

    fn set_image(&mut self, image: &str) {
        self.d.spec.as_mut().unwrap().template = template(image);
        self.bump_generation();
    }

    fn bump_generation(&mut self) {
        self.d.metadata.generation = Some(self.d.metadata.generation.unwrap() + 1);
    }

    fn progressing_reason(&self) -> String {
        status::condition(&self.d, status::PROGRESSING).and_then(|c| c.reason.clone()).unwrap_or_default()
    }

    fn revisions(&self) -> Vec<i64> {
        let mut r: Vec<i64> = self.rss.iter().map(|rs| meta::revision(&rs.metadata)).collect();
        r.sort();
        r
    }
}

fn rs_name(w: &World, image: &str) -> String {
    w.rs(image).metadata.name.clone().unwrap()
}

#[test]
fn first_rollout_creates_the_full_replica_set_at_revision_1() {
    let mut w = World::new(deployment(3, pct("25%"), pct("25%"), "hello:1.0"));
    w.sync();
    assert_eq!(w.spec_of("hello:1.0"), 3);
    let name = rs_name(&w, "hello:1.0");
    assert!(name.starts_with("web-") && name.len() <= 14, "{name}");
    assert_eq!(w.events, vec![format!("Scaled up replica set {name} to 3")]);
    assert_eq!(meta::annotation(&w.d.metadata, REVISION), Some("1"));
    assert_eq!(w.progressing_reason(), "NewReplicaSetCreated");
    w.all_available();
    w.settle();
    assert_eq!(w.progressing_reason(), "NewReplicaSetAvailable");
    let st = w.d.status.clone().unwrap();
    assert_eq!((st.replicas, st.updated_replicas, st.available_replicas), (Some(3), Some(3), Some(3)));
    assert_eq!(st.observed_generation, Some(1));
}

/// Semantics §2.7: 3 replicas at 25%/25% (surge 1, unavailable 0), event by event.
#[test]
fn three_replica_rolling_update_trace() {
    let mut w = World::new(deployment(3, pct("25%"), pct("25%"), "hello:1.0"));
    w.sync();
    w.all_available();
    w.settle();
    w.events.clear();
    w.set_image("hello:2.0");
    w.sync();
    let (old, new) = (rs_name(&w, "hello:1.0"), rs_name(&w, "hello:2.0"));
    assert_eq!(w.events, vec![format!("Scaled up replica set {new} to 1")]);
    assert_eq!(w.progressing_reason(), "NewReplicaSetCreated");
    assert!(!w.sync() || w.events.len() == 1, "nothing scales while the new pod is unavailable");
    assert_eq!((w.spec_of("hello:1.0"), w.spec_of("hello:2.0")), (3, 1));
    for _ in 0..3 {
        w.all_available();
        w.settle();
    }
    assert_eq!(
        w.events,
        vec![
            format!("Scaled up replica set {new} to 1"),
            format!("Scaled down replica set {old} to 2 from 3"),
            format!("Scaled up replica set {new} to 2 from 1"),
            format!("Scaled down replica set {old} to 1 from 2"),
            format!("Scaled up replica set {new} to 3 from 2"),
            format!("Scaled down replica set {old} to 0 from 1"),
        ]
    );
    w.all_available();
    w.settle();
    assert_eq!(w.progressing_reason(), "NewReplicaSetAvailable");
    assert_eq!(meta::annotation(&w.d.metadata, REVISION), Some("2"));
}

/// Semantics §2.7: 10 replicas at 25% → new 3 / old 8 on the first sync, then new 5.
#[test]
fn ten_replicas_at_25_percent() {
    let mut w = World::new(deployment(10, pct("25%"), pct("25%"), "hello:1.0"));
    w.sync();
    w.all_available();
    w.settle();
    w.set_image("hello:2.0");
    w.sync();
    assert_eq!((w.spec_of("hello:2.0"), w.spec_of("hello:1.0")), (3, 8));
    w.observe("hello:1.0", 8);
    w.settle();
    assert_eq!((w.spec_of("hello:2.0"), w.spec_of("hello:1.0")), (5, 8), "13 pods, waiting for availability");
}

/// Semantics §2.6: a crash-looping new ReplicaSet never drains the healthy one below
/// minAvailable, and undo removes the crash-loop pods.
#[test]
fn crash_looping_new_replica_set_then_undo() {
    let mut w = World::new(deployment(10, IntOrString::Int(3), IntOrString::Int(2), "hello:1.0"));
    w.sync();
    w.all_available();
    w.settle();
    w.set_image("hello:3.0");
    for _ in 0..10 {
        w.sync();
        w.observe("hello:3.0", 0);
        let old = w.spec_of("hello:1.0");
        w.observe("hello:1.0", old);
        assert!(old >= 8, "old scaled below minAvailable: {old}");
    }
    assert_eq!((w.spec_of("hello:1.0"), w.spec_of("hello:3.0")), (8, 5));
    // rollout undo: the template goes back; the old ReplicaSet is the new one again.
    w.set_image("hello:1.0");
    w.sync();
    assert_eq!(w.spec_of("hello:3.0"), 0, "every crash-loop pod is removed");
    w.observe("hello:3.0", 0);
    w.settle();
    assert_eq!(w.spec_of("hello:1.0"), 10);
}

/// Semantics §2.9 / website: 10 → 15 mid-rollout gives old 11 / new 7.
#[test]
fn proportional_scaling_mid_rollout() {
    let mut w = World::new(deployment(10, IntOrString::Int(3), IntOrString::Int(2), "hello:1.0"));
    w.sync();
    w.all_available();
    w.settle();
    w.set_image("hello:3.0");
    for _ in 0..5 {
        w.sync();
        w.observe("hello:3.0", 0);
        let old = w.spec_of("hello:1.0");
        w.observe("hello:1.0", old);
    }
    assert_eq!((w.spec_of("hello:1.0"), w.spec_of("hello:3.0")), (8, 5));
    w.d.spec.as_mut().unwrap().replicas = Some(15);
    w.bump_generation();
    w.sync();
    assert_eq!((w.spec_of("hello:1.0"), w.spec_of("hello:3.0")), (11, 7));
}

#[test]
fn recreate_waits_for_old_pods_before_creating_the_new_replica_set() {
    let mut d = deployment(3, pct("25%"), pct("25%"), "hello:1.0");
    d.spec.as_mut().unwrap().strategy =
        Some(DeploymentStrategy { type_: Some("Recreate".into()), rolling_update: None });
    let mut w = World::new(d);
    w.sync();
    w.all_available();
    w.settle();
    w.set_image("hello:2.0");
    w.sync();
    assert_eq!(w.spec_of("hello:1.0"), 0);
    assert_eq!(w.rss.len(), 1, "no new ReplicaSet while old pods run");
    // Old pods are still terminating: status.replicas is 3.
    w.sync();
    assert_eq!(w.rss.len(), 1);
    w.all_available();
    w.sync();
    assert_eq!(w.spec_of("hello:2.0"), 3, "created at full size once old pods are gone");
}

#[test]
fn paused_edits_create_no_replica_set() {
    let mut w = World::new(deployment(3, pct("25%"), pct("25%"), "hello:1.0"));
    w.sync();
    w.all_available();
    w.settle();
    w.d.spec.as_mut().unwrap().paused = Some(true);
    w.bump_generation();
    w.settle();
    assert_eq!(w.progressing_reason(), "DeploymentPaused");
    w.set_image("hello:2.0");
    w.settle();
    assert_eq!(w.rss.len(), 1);
    assert_eq!(w.d.status.as_ref().unwrap().updated_replicas, None, "updatedReplicas is 0");
    // Scaling still works while paused.
    w.d.spec.as_mut().unwrap().replicas = Some(5);
    w.bump_generation();
    w.settle();
    assert_eq!(w.spec_of("hello:1.0"), 5);
    w.d.spec.as_mut().unwrap().paused = None;
    w.bump_generation();
    w.sync();
    assert_eq!(w.rss.len(), 2, "resume starts the rollout");
}

/// Semantics §3.4: revisions 1, 2, 3, then undo to 2 → history 1, 3, 4.
#[test]
fn rollback_renumbers_revisions() {
    let mut w = World::new(deployment(3, pct("25%"), pct("25%"), "hello:1.0"));
    for image in ["hello:1.0", "hello:2.0", "hello:3.0"] {
        w.set_image(image);
        for _ in 0..6 {
            w.all_available();
            w.settle();
        }
    }
    assert_eq!(w.revisions(), vec![1, 2, 3]);
    w.set_image("hello:2.0");
    for _ in 0..6 {
        w.all_available();
        w.settle();
    }
    assert_eq!(w.revisions(), vec![1, 3, 4]);
    assert_eq!(meta::annotation(&w.rs("hello:2.0").metadata, REVISION_HISTORY), Some("2"));
    assert_eq!(meta::annotation(&w.d.metadata, REVISION), Some("4"));
    assert_eq!(w.rss.len(), 3, "undo reuses the old ReplicaSet");
}

#[test]
fn change_cause_is_copied_to_the_new_replica_set() {
    let mut w = World::new(deployment(1, pct("25%"), pct("25%"), "hello:1.0"));
    meta::set_annotation(&mut w.d.metadata, CHANGE_CAUSE, "first");
    w.settle();
    assert_eq!(meta::annotation(&w.rs("hello:1.0").metadata, CHANGE_CAUSE), Some("first"));
}

#[test]
fn revision_history_limit_deletes_the_oldest_scaled_down_replica_sets() {
    let mut d = deployment(1, pct("25%"), pct("25%"), "hello:1.0");
    d.spec.as_mut().unwrap().revision_history_limit = Some(1);
    let mut w = World::new(d);
    for image in ["hello:1.0", "hello:2.0", "hello:3.0"] {
        w.set_image(image);
        for _ in 0..6 {
            w.all_available();
            w.settle();
        }
    }
    assert_eq!(w.revisions(), vec![2, 3]);
}

#[test]
fn progress_deadline_exceeded_when_the_new_replica_set_never_becomes_available() {
    let mut d = deployment(3, pct("25%"), pct("25%"), "hello:1.0");
    d.spec.as_mut().unwrap().progress_deadline_seconds = Some(10);
    let mut w = World::new(d);
    w.sync();
    w.all_available();
    w.settle();
    w.set_image("hello:3.0");
    w.sync();
    w.observe("hello:3.0", 0);
    w.settle();
    assert_eq!(w.progressing_reason(), "ReplicaSetUpdated", "the new pod exists: that is progress");
    let after = w.last_plan.requeue_after.expect("a re-check is scheduled for the deadline");
    assert!(after <= std::time::Duration::from_secs(11), "{after:?}");
    w.tick(12);
    w.sync();
    assert_eq!(w.progressing_reason(), "ProgressDeadlineExceeded");
    let cond = status::condition(&w.d, status::PROGRESSING).unwrap();
    assert_eq!(cond.status, "False");
    assert_eq!(
        cond.message.as_deref(),
        Some(&*format!("ReplicaSet {:?} has timed out progressing.", rs_name(&w, "hello:3.0")))
    );
    assert_eq!(w.spec_of("hello:1.0"), 3, "v1 keeps serving");
}

#[test]
fn maxsurge_2_maxunavailable_0_never_exceeds_bounds() {
    let mut w = World::new(deployment(10, IntOrString::Int(2), IntOrString::Int(0), "hello:1.0"));
    w.sync();
    w.all_available();
    w.settle();
    w.set_image("hello:2.0");
    for _ in 0..40 {
        w.sync();
        let total: i32 = w.rss.iter().map(util::rs_spec_replicas).sum();
        assert!(total <= 12, "more than replicas + maxSurge: {total}");
        let available: i32 = w.rss.iter().map(util::rs_available).sum();
        assert!(available >= 10, "below replicas - maxUnavailable: {available}");
        w.all_available();
    }
    assert_eq!((w.spec_of("hello:2.0"), w.spec_of("hello:1.0")), (10, 0));
}

#[test]
fn a_stuck_rollout_is_not_timed_out_before_its_deadline() {
    let mut w = World::new(deployment(3, pct("25%"), pct("25%"), "hello:1.0"));
    w.sync();
    w.observe("hello:1.0", 0);
    for _ in 0..59 {
        w.tick(10);
        w.sync();
        assert_ne!(w.progressing_reason(), "ProgressDeadlineExceeded", "timed out before 600 s");
    }
    w.tick(30);
    w.sync();
    assert_eq!(w.progressing_reason(), "ProgressDeadlineExceeded", "600 s after the last progress");
}
