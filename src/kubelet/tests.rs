//! The kubelet's async shell on the recording fake runtime and a paused clock: pods get
//! containers, exits restart them with Kubernetes' back-off, liveness failures (exec probes)
//! kill them, deletion drains and stops them, and the pod object goes away.

use super::*;
use crate::clock::Clock;
use crate::model::KubeObject;
use crate::model::validation::PodSecurityPolicy;
use crate::registry::services::ServicePorts;
use crate::registry::{DeleteOptions, Registry, WriteOptions};
use crate::runtime::fake::{Call, FakeRuntime};
use crate::store::Store;
use endpoints::{EndpointSink, NoEndpoints};
use k8s_openapi::api::core::v1::Pod;
use serde_json::json;
use std::time::Duration;

struct Rig {
    fake: Arc<FakeRuntime>,
    registry: Arc<Registry>,
    stop: CancellationToken,
    engine: Arc<engine::Engine>,
}

async fn rig() -> Rig {
    let (fake, registry, engine) = (fake_runtime(), in_memory_registry().await, Arc::default());
    let stop = start(&fake, &registry, Arc::new(NoEndpoints), &engine);
    Rig { fake, registry, stop, engine }
}

fn fake_runtime() -> Arc<FakeRuntime> {
    let fake = Arc::new(FakeRuntime::new());
    fake.add_image("hello-kubernetes:1.0");
    fake
}

async fn in_memory_registry() -> Arc<Registry> {
    let store = Arc::new(Store::in_memory(10_000));
    let registry = Registry::new(store, Clock::system(), PodSecurityPolicy::default(), ServicePorts::default(), "node");
    Arc::new(registry.await.expect("registry"))
}

/// Runs a kubelet on `fake` and `registry` until the returned token is cancelled.
fn start(
    fake: &Arc<FakeRuntime>,
    registry: &Arc<Registry>,
    endpoints: Arc<dyn EndpointSink>,
    engine: &Arc<engine::Engine>,
) -> CancellationToken {
    let env = Arc::new(Env {
        runtime: fake.clone(),
        registry: registry.clone(),
        endpoints,
        instance: "test-instance".into(),
        host_ip: "127.0.0.1".parse().unwrap(),
        engine: engine.clone(),
        volumes_dir: std::env::temp_dir().join(format!("skiff-test-volumes-{}", uuid::Uuid::new_v4().simple())),
        probes: Arc::new(crate::probe::transport::fake::Answering::default()),
    });
    let stop = CancellationToken::new();
    tokio::spawn(run(env, stop.clone()));
    stop
}

/// Records what the kubelet tells the proxy, in order: `publish <pod> ready=<bool>` with what
/// the API said at that moment (` api=<bool>`, when given the registry), and `synced`.
#[derive(Default)]
struct RecordingSink {
    log: std::sync::Mutex<Vec<String>>,
    api: Option<Arc<Registry>>,
}

impl RecordingSink {
    fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }
}

#[async_trait::async_trait]
impl EndpointSink for RecordingSink {
    async fn publish(&self, e: endpoints::PodEndpoint) {
        let mut line = format!("publish {} ready={}", e.name, e.ready);
        if let Some(registry) = &self.api {
            let pod = registry.get_typed::<Pod>("default", &e.name);
            let ready =
                pod.and_then(|p| p.status?.container_statuses).is_some_and(|c| c.first().is_some_and(|s| s.ready));
            line += &format!(" api={ready}");
        }
        self.log.lock().unwrap().push(line);
    }
    async fn remove(&self, _: &str) {}
    async fn wait_idle(&self, _: &str, _: tokio::time::Instant) {}
    fn synced(&self) {
        self.log.lock().unwrap().push("synced".into());
    }
}

fn pod(extra: serde_json::Value) -> Pod {
    let mut container = json!({"name": "web", "image": "hello-kubernetes:1.0"});
    if let (Some(c), Some(e)) = (container.as_object_mut(), extra.as_object()) {
        c.extend(e.clone());
    }
    serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"containers": [container], "terminationGracePeriodSeconds": 5}
    }))
    .unwrap()
}

impl Rig {
    async fn create(&self, p: Pod) {
        self.registry.create_object(p.into_object(), &WriteOptions::default()).await.unwrap();
    }

    fn pod(&self) -> Option<Pod> {
        self.registry.get_typed::<Pod>("default", "web")
    }

    /// (restart count, state) of the first container; (0, "") before the kubelet reported it.
    fn state(&self) -> (i32, String) {
        let statuses = self.pod().and_then(|p| p.status?.container_statuses).unwrap_or_default();
        let Some(s) = statuses.first() else {
            return (0, String::new());
        };
        let state = s.state.clone().unwrap();
        let name = match (state.running, state.waiting, state.terminated) {
            (Some(_), _, _) => "Running".to_string(),
            (_, Some(w), _) => w.reason.unwrap_or_default(),
            (_, _, Some(t)) => t.reason.unwrap_or_default(),
            _ => String::new(),
        };
        (s.restart_count, name)
    }

    /// Lets the kubelet run until `check` holds (on the paused clock, at most `secs`).
    async fn until(&self, secs: u64, what: &str, check: impl Fn(&Rig) -> bool) {
        for _ in 0..secs * 20 {
            if check(self) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{what}: not reached within {secs}s; calls: {:?}", self.fake.calls());
    }

    fn ready(&self) -> bool {
        self.pod().and_then(|p| p.status).and_then(|s| s.container_statuses).is_some_and(|c| c[0].ready)
    }

    fn running_id(&self) -> Option<String> {
        self.fake
            .containers()
            .into_iter()
            .find(|(_, _, s)| *s == crate::runtime::EngineState::Running)
            .map(|(id, _, _)| id)
    }
}

#[tokio::test(start_paused = true)]
async fn exits_restart_with_kubernetes_back_off() {
    let r = rig().await;
    r.create(pod(json!({}))).await;
    r.until(5, "running", |r| r.state() == (0, "Running".into())).await;
    let labels = &r.fake.containers()[0].1;
    assert_eq!(labels[container::LABEL_INSTANCE], "test-instance");
    assert_eq!(labels[container::LABEL_POD], "web");
    // First crash: restarted at once.
    let id = r.running_id().unwrap();
    r.fake.exit(&id, 1);
    r.until(2, "first restart", |r| r.state() == (1, "Running".into())).await;
    // Second crash: 10 s of CrashLoopBackOff.
    let id = r.running_id().unwrap();
    let crashed = tokio::time::Instant::now();
    r.fake.exit(&id, 1);
    r.until(2, "back-off", |r| r.state().1 == "CrashLoopBackOff").await;
    let message = r.pod().unwrap().status.unwrap().container_statuses.unwrap()[0]
        .state
        .clone()
        .unwrap()
        .waiting
        .unwrap()
        .message
        .unwrap();
    assert!(message.starts_with("back-off 10s restarting failed container=web pod=web_default("), "{message}");
    r.until(15, "second restart", |r| r.state() == (2, "Running".into())).await;
    let waited = crashed.elapsed();
    assert!(waited >= Duration::from_secs(10) && waited < Duration::from_secs(11), "{waited:?}");
    // Third crash: 20 s.
    let id = r.running_id().unwrap();
    let crashed = tokio::time::Instant::now();
    r.fake.exit(&id, 1);
    r.until(25, "third restart", |r| r.state() == (3, "Running".into())).await;
    assert!(crashed.elapsed() >= Duration::from_secs(20));
    let last =
        r.pod().unwrap().status.unwrap().container_statuses.unwrap()[0].last_state.clone().unwrap().terminated.unwrap();
    assert_eq!((last.exit_code, last.reason.as_deref()), (1, Some("Error")));
    r.stop.cancel();
}

#[tokio::test(start_paused = true)]
async fn failing_liveness_restarts_and_readiness_gates_ready() {
    let r = rig().await;
    let probe = json!({"exec": {"command": ["check"]}, "periodSeconds": 1, "failureThreshold": 2});
    r.create(pod(json!({"livenessProbe": probe, "readinessProbe": probe}))).await;
    r.until(5, "ready after the exec readiness probe", Rig::ready).await;
    r.fake.set_exec_exit_code(1);
    let failed = tokio::time::Instant::now();
    r.until(5, "liveness restart", |r| r.state().0 == 1).await;
    assert!(failed.elapsed() <= Duration::from_secs(3), "within failureThreshold × periodSeconds + 1 s");
    assert!(r.fake.calls().iter().any(|c| matches!(c, Call::Stop(_, _))), "the unhealthy container was stopped");
    assert!(!r.ready(), "a restarted container starts unready");
    r.fake.set_exec_exit_code(0);
    r.until(5, "ready again", Rig::ready).await;
    r.stop.cancel();
}

#[tokio::test(start_paused = true)]
async fn deletion_stops_containers_then_removes_the_pod() {
    let r = rig().await;
    r.create(pod(json!({}))).await;
    r.until(5, "running", |r| r.running_id().is_some()).await;
    let key = crate::model::Object::Pod(r.pod().unwrap()).key();
    r.registry.delete(&key, &DeleteOptions::default()).await.unwrap();
    r.until(10, "pod removed", |r| r.pod().is_none()).await;
    r.until(5, "containers removed", |r| r.fake.containers().is_empty()).await;
    let calls = r.fake.calls();
    let stop = calls.iter().position(|c| matches!(c, Call::Stop(_, _))).expect("stopped");
    let remove = calls.iter().rposition(|c| matches!(c, Call::Remove(_))).expect("removed");
    assert!(stop < remove);
    r.stop.cancel();
}

#[tokio::test(start_paused = true)]
async fn a_drained_container_is_stopped_once_container_starts_are_over_or_patience_runs_out() {
    let r = rig().await;
    r.create(pod(json!({}))).await;
    r.until(5, "running", |r| r.running_id().is_some()).await;
    let stopped = |r: &Rig| r.fake.calls().iter().any(|c| matches!(c, Call::Stop(_, _)));
    // Another pod's container is starting (a rollout's next replica): the stop waits for it.
    let starting = r.engine.starting();
    let key = crate::model::Object::Pod(r.pod().unwrap()).key();
    r.registry.delete(&key, &DeleteOptions::default()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(900)).await;
    assert!(!stopped(&r), "stopped while a start was in progress: {:?}", r.fake.calls());
    drop(starting);
    r.until(1, "stopped once the start is over", stopped).await;
    r.until(10, "pod removed", |r| r.pod().is_none()).await;
    // A start that does not end holds a stop for half the grace period left (5 s here), no more.
    r.create(pod(json!({}))).await;
    r.until(5, "running again", |r| r.running_id().is_some()).await;
    let _stuck = r.engine.starting();
    let key = crate::model::Object::Pod(r.pod().unwrap()).key();
    let deleted = tokio::time::Instant::now();
    r.registry.delete(&key, &DeleteOptions::default()).await.unwrap();
    let stops = |r: &Rig| r.fake.calls().iter().filter(|c| matches!(c, Call::Stop(_, _))).count();
    r.until(5, "stopped after its patience", |r| stops(r) == 2).await;
    let waited = deleted.elapsed();
    assert!(waited >= Duration::from_secs(2) && waited <= Duration::from_secs(3), "waited {waited:?}");
    r.stop.cancel();
}

#[tokio::test(start_paused = true)]
async fn a_missing_image_with_pull_policy_never_waits_without_blocking_others() {
    let r = rig().await;
    r.create(pod(json!({"image": "missing:1.0", "imagePullPolicy": "Never"}))).await;
    r.until(5, "ErrImageNeverPull", |r| r.pod().and_then(|p| p.status).is_some() && r.state().1 == "ErrImageNeverPull")
        .await;
    r.stop.cancel();
}

#[tokio::test(start_paused = true)]
async fn a_restarted_kubelet_publishes_the_pods_it_adopts_before_the_proxy_accepts() {
    let r = rig().await;
    r.create(pod(json!({}))).await;
    r.until(5, "ready", Rig::ready).await;
    r.stop.cancel();
    let sink = Arc::new(RecordingSink::default());
    let again = start(&r.fake, &r.registry, sink.clone(), &r.engine);
    r.until(5, "synced", |_| sink.log().contains(&"synced".to_string())).await;
    assert_eq!(sink.log()[..2], ["publish web ready=true", "synced"], "adopted and still serving, then in sync");
    assert_eq!(r.fake.containers().len(), 1, "adopted, not recreated");
    again.cancel();
}

#[tokio::test(start_paused = true)]
async fn the_proxy_learns_readiness_before_the_api_reports_it() {
    let (fake, registry) = (fake_runtime(), in_memory_registry().await);
    let sink = Arc::new(RecordingSink { api: Some(registry.clone()), ..Default::default() });
    let engine = Arc::default();
    let r = Rig { stop: start(&fake, &registry, sink.clone(), &engine), fake, registry, engine };
    let probe = json!({"exec": {"command": ["check"]}, "periodSeconds": 1});
    r.create(pod(json!({"readinessProbe": probe}))).await;
    r.until(5, "ready", Rig::ready).await;
    r.fake.set_exec_exit_code(1);
    r.until(5, "not ready", |r| !r.ready()).await;
    let log = sink.log();
    let changes: Vec<&String> = log.iter().filter(|l| l.starts_with("publish web")).collect();
    let became_ready = changes.iter().position(|l| l.contains("ready=true")).unwrap();
    assert_eq!(changes[became_ready], "publish web ready=true api=false", "routed before the API says Ready: {log:?}");
    assert_eq!(changes[became_ready + 1], "publish web ready=false api=true", "out of rotation first: {log:?}");
    r.stop.cancel();
}

#[tokio::test(start_paused = true)]
async fn a_missing_config_map_holds_the_container_until_it_appears() {
    let r = rig().await;
    let env =
        json!({"env": [{"name": "MESSAGE", "valueFrom": {"configMapKeyRef": {"name": "settings", "key": "MESSAGE"}}}]});
    r.create(pod(env)).await;
    r.until(5, "CreateContainerConfigError", |r| r.state().1 == "CreateContainerConfigError").await;
    let waiting = r.pod().and_then(|p| p.status?.container_statuses?.first()?.state.clone()?.waiting).unwrap();
    assert_eq!(waiting.message.as_deref(), Some("configmap \"settings\" not found"));
    assert!(!r.fake.calls().iter().any(|c| matches!(c, Call::Create(_))), "nothing created meanwhile");
    let cm =
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings"}, "data": {"MESSAGE": "hi"}});
    r.registry.create(Kind::ConfigMap, "default", cm, &WriteOptions::default()).await.unwrap();
    r.until(1, "running as soon as it appears", |r| r.state().1 == "Running").await;
    let created = r.fake.calls().into_iter().find_map(|c| match c {
        Call::Create(config) => Some(config),
        _ => None,
    });
    assert!(created.unwrap().env.contains(&"MESSAGE=hi".to_string()));
    r.stop.cancel();
}
