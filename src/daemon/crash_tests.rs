//! Crash at any moment, lose nothing, lie about nothing. The daemon's reconcilers run on the
//! recording fake runtime and a paused clock through a 3-replica rollout and its undo. For every
//! runtime call that run makes, a fresh copy of the run is killed right after that call (the
//! engine acts, its answer never arrives, nothing later runs), a new daemon starts on the same
//! store and engine, and the run must still converge to exactly the right containers, with a
//! status that says what runs.

use super::in_process::Daemon;
use crate::clock::Clock;
use crate::kubelet::container::LABEL_POD_UID;
use crate::model::{KubeObject, meta};
use crate::registry::{Registry, WriteOptions};
use crate::runtime::EngineState;
use crate::runtime::fake::FakeRuntime;
use crate::store::Store;
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::Pod;
use serde_json::json;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

/// Virtual time a run may take to converge after a change or a crash.
const CONVERGE: Duration = Duration::from_secs(180);

fn deployment() -> Deployment {
    serde_json::from_value(json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app": "web"}},
            "strategy": {"rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"terminationGracePeriodSeconds": 2, "containers": [{
                    "name": "web", "image": "hello:1.0",
                    "readinessProbe": {"exec": {"command": ["ready"]}, "periodSeconds": 5}
                }]}
            }
        }
    }))
    .unwrap()
}

async fn set_image(registry: &Registry, image: &str) {
    let mut d = registry.get_typed::<Deployment>("default", "web").unwrap();
    let template = d.spec.as_mut().unwrap().template.spec.as_mut().unwrap();
    template.containers[0].image = Some(image.into());
    registry.update_object(d.into_object(), None, &WriteOptions::default()).await.unwrap();
}

/// Exactly three running containers of `image`, one per live pod, every other container gone,
/// and the API saying just that: pods Ready with those containers, the Deployment complete.
fn converged(registry: &Registry, fake: &FakeRuntime, image: &str) -> Result<(), String> {
    let d = registry.get_typed::<Deployment>("default", "web").ok_or("no deployment")?;
    let s = d.status.clone().unwrap_or_default();
    let generation = d.metadata.generation.unwrap_or(0);
    let complete = s.observed_generation.unwrap_or(0) >= generation
        && [s.replicas, s.updated_replicas, s.ready_replicas, s.available_replicas] == [Some(3); 4];
    if !complete {
        return Err(format!("deployment status {s:?}"));
    }
    let pods = registry.list_typed::<Pod>(Some("default"));
    if pods.len() != 3 || pods.iter().any(|p| meta::is_terminating(&p.metadata)) {
        return Err(format!("{} pods, some terminating", pods.len()));
    }
    let containers = fake.containers();
    let mut reported = BTreeSet::new();
    for p in &pods {
        let status = p.status.clone().unwrap_or_default().container_statuses.unwrap_or_default();
        let [c] = &status[..] else { return Err(format!("pod {} reports {status:?}", meta::name(&p.metadata))) };
        let id = c.container_id.as_deref().and_then(|i| i.strip_prefix("docker://")).unwrap_or_default();
        let runs = containers.iter().any(|(cid, labels, state)| {
            cid == id
                && *state == EngineState::Running
                && labels.get(LABEL_POD_UID).map(String::as_str) == p.metadata.uid.as_deref()
        });
        if !(c.ready && c.image == image && runs && c.state.as_ref().is_some_and(|s| s.running.is_some())) {
            return Err(format!("pod {} reports {c:?}, the engine shows {containers:?}", meta::name(&p.metadata)));
        }
        reported.insert(id.to_string());
    }
    let engine: BTreeSet<String> = containers.iter().map(|(id, _, _)| id.clone()).collect();
    if engine != reported || containers.iter().any(|(id, _, _)| fake.image_of(id).as_deref() != Some(image)) {
        return Err(format!("the engine shows {containers:?}, the pods report {reported:?}"));
    }
    let replica_sets = registry.list_typed::<ReplicaSet>(Some("default"));
    if replica_sets.iter().filter(|rs| rs.spec.as_ref().and_then(|s| s.replicas) != Some(0)).count() != 1 {
        return Err("more than one active ReplicaSet".into());
    }
    Ok(())
}

/// How one run went.
struct Run {
    /// Runtime calls made from the first change on (when there was no crash).
    calls: usize,
    crashed: bool,
}

/// v1 at rest, then v2, then back to v1 (what `rollout undo` writes); with `crash_after`, the
/// daemon is killed right after that runtime call counted from the first change, once.
async fn run(crash_after: Option<usize>) -> Run {
    let fake = Arc::new(FakeRuntime::new());
    fake.add_image("hello:1.0");
    fake.add_image("hello:2.0");
    let store = Arc::new(Store::in_memory(10_000));
    let clock = Clock::starting_at("2026-12-01T00:00:00Z".parse().unwrap());
    let mut daemon = Daemon::boot(&store, &fake, clock).await;
    daemon.registry.create_object(deployment().into_object(), &WriteOptions::default()).await.unwrap();
    wait(&daemon, &fake, "hello:1.0", "v1 at rest").await;
    let first = fake.calls_made();
    if let Some(n) = crash_after {
        fake.freeze_after(n);
    }
    let mut crashed = false;
    for image in ["hello:2.0", "hello:1.0"] {
        set_image(&daemon.registry, image).await;
        let deadline = tokio::time::Instant::now() + CONVERGE;
        while let Err(why) = converged(&daemon.registry, &fake, image) {
            if fake.frozen() && !crashed {
                daemon.kill();
                fake.thaw();
                daemon = Daemon::boot(&store, &fake, clock).await;
                crashed = true;
            }
            let when =
                if crashed { format!("after a crash at call {crash_after:?}") } else { "without a crash".into() };
            assert!(tokio::time::Instant::now() < deadline, "{image} did not converge {when}: {why}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    let calls = fake.calls_made() - first;
    daemon.kill();
    Run { calls, crashed }
}

async fn wait(daemon: &Daemon, fake: &FakeRuntime, image: &str, what: &str) {
    let deadline = tokio::time::Instant::now() + CONVERGE;
    while let Err(why) = converged(&daemon.registry, fake, image) {
        assert!(tokio::time::Instant::now() < deadline, "{what}: {why}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Every runtime call of the rollout and the undo, each one the last before a crash.
#[tokio::test(start_paused = true)]
async fn a_crash_after_any_runtime_call_of_a_rollout_and_undo_converges() {
    let clean = run(None).await;
    assert!(!clean.crashed && clean.calls > 20, "the clean run made {} calls", clean.calls);
    let mut reached = Vec::new();
    for n in 1..=clean.calls {
        if run(Some(n)).await.crashed {
            reached.push(n);
        }
    }
    // The clean run counts the calls made until its last convergence was seen; only calls after
    // that point (probes of a finished rollout) may go unreached.
    let last = reached.last().copied().unwrap_or(0);
    assert_eq!(reached, (1..=last).collect::<Vec<_>>(), "crash points reached");
    assert!(last + 2 >= clean.calls, "only {last} of {} crash points reached", clean.calls);
    eprintln!("crash points covered: {last} (of {} runtime calls in the clean run)", clean.calls);
}
