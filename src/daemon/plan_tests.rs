//! `rollout plan` tells the truth: for the lesson's two strategies and for 1, 3 and 25 replicas
//! at the defaults, the waves the plan predicts are the steps the real controllers take on the
//! fake runtime, when the engine starts a wave's containers together once the controller waits
//! for them (the plan's one assumption: a wave's pods become Ready at once).

use super::in_process::Daemon;
use crate::clock::Clock;
use crate::controller::deployment::{plan, util};
use crate::model::KubeObject;
use crate::registry::WriteOptions;
use crate::runtime::fake::FakeRuntime;
use crate::store::Store;
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

/// (pods of older revisions, pods of the new one) as the ReplicaSets' desired sizes.
fn sizes(rss: &[ReplicaSet], d: &Deployment) -> (i32, i32) {
    let template = util::spec(d).template;
    let is_new = |rs: &&ReplicaSet| util::equal_ignore_hash(&util::template(rs), &template);
    let new = rss.iter().filter(is_new).map(util::rs_spec_replicas).sum();
    let old = rss.iter().filter(|rs| !is_new(rs)).map(util::rs_spec_replicas).sum();
    (old, new)
}

fn complete(d: &Deployment) -> bool {
    let s = d.status.clone().unwrap_or_default();
    let n = Some(util::replicas(d));
    s.observed_generation >= d.metadata.generation && [s.updated_replicas, s.available_replicas, s.replicas] == [n; 3]
}

/// The predicted and the real steps of moving `replicas` pods from v1 to v2 under `strategy`.
async fn predicted_and_real(replicas: i32, strategy: serde_json::Value) -> (Vec<(i32, i32)>, Vec<(i32, i32)>) {
    let fake = Arc::new(FakeRuntime::new());
    fake.add_image("hello:1.0");
    fake.add_image("hello:2.0");
    let store = Arc::new(Store::in_memory(100_000));
    let daemon = Daemon::boot(&store, &fake, Clock::starting_at("2026-12-01T00:00:00Z".parse().unwrap())).await;
    let registry = daemon.registry.clone();
    let d: Deployment = serde_json::from_value(json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}}, "strategy": strategy,
                 "template": {"metadata": {"labels": {"app": "web"}},
                              "spec": {"terminationGracePeriodSeconds": 1, "containers": [{"name": "web", "image": "hello:1.0"}]}}}
    }))
    .unwrap();
    registry.create_object(d.into_object(), &WriteOptions::default()).await.unwrap();
    let current = || registry.get_typed::<Deployment>("default", "web").unwrap();
    let rss = || registry.list_typed::<ReplicaSet>(Some("default"));
    while !complete(&current()) {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut next = current();
    next.spec.as_mut().unwrap().template.spec.as_mut().unwrap().containers[0].image = Some("hello:2.0".into());
    let dry = WriteOptions { dry_run: true, ..Default::default() };
    let would_be = registry.update_object(next.clone().into_object(), None, &dry).await.unwrap();
    let would_be = Deployment::from_object(&would_be).unwrap().clone();
    let predicted =
        plan::plan(&would_be, &rss(), registry.clock().now()).waves.iter().map(|w| (w.old, w.new)).collect();

    fake.hold_starts();
    let mut changes = registry.store().watch(None).unwrap().receiver;
    registry.update_object(next.clone().into_object(), None, &WriteOptions::default()).await.unwrap();
    let (mut real, mut quiet) = (Vec::new(), 0);
    let mut known = rss();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(600);
    loop {
        assert!(tokio::time::Instant::now() < deadline, "no convergence; steps so far {real:?}");
        // Every ReplicaSet write, in order: each step the controller takes.
        while let Ok(change) = changes.try_recv() {
            let Some(rs) = ReplicaSet::from_object(&change.object) else { continue };
            known.retain(|k| k.metadata.name != rs.metadata.name);
            known.push(rs.clone());
            let now = sizes(&known, &next);
            if real.last() != Some(&now) && now != (replicas, 0) {
                real.push(now);
                quiet = 0;
            }
        }
        if complete(&current()) {
            break;
        }
        quiet += 1;
        // The controller has waited a while with starts pending: the engine delivers them.
        if quiet > 20 && fake.held_starts() > 0 {
            fake.release_starts();
            tokio::task::yield_now().await;
            fake.hold_starts();
            quiet = 0;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    fake.release_starts();
    daemon.kill();
    (predicted, real)
}

#[tokio::test(start_paused = true)]
async fn the_plan_is_the_path_a_real_rollout_takes() {
    let lesson = |unavailable: serde_json::Value| json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 2, "maxUnavailable": unavailable}});
    let cases = [(10, lesson(json!("50%"))), (10, lesson(json!(0))), (1, json!({})), (3, json!({})), (25, json!({}))];
    for (replicas, strategy) in cases {
        let (predicted, real) = predicted_and_real(replicas, strategy.clone()).await;
        assert!(!predicted.is_empty());
        assert_eq!(predicted, real, "{replicas} replicas, {strategy}");
    }
}
