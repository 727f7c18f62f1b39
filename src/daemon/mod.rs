//! The composition root: builds the store, registry, proxy, kubelet, controllers and API from a
//! configuration, runs them as one set of tasks, and shuts them down together. Everything that
//! binds, talks to Docker or signals is passed in.

use crate::api::{self, ApiState};
use crate::clock::Clock;
use crate::conn::{self, Budget, Notice, Plan, Subject};
use crate::controller::run::{
    self as controllers, ConfigRolloutController, DeploymentController, GarbageCollector, NamespaceController,
    ReplicaSetController,
};
use crate::kubelet;
use crate::metrics;
use crate::model::KubeObject;
use crate::model::validation::PodSecurityPolicy;
use crate::probe::transport::{Tcp, Transport};
use crate::proxy;
use crate::proxy::binder::{HostPorts, PortBinder};
use crate::registry::Registry;
use crate::registry::events::EventType;
use crate::registry::services::ServicePorts;
use crate::runtime::ContainerRuntime;
use crate::store::Store;
use anyhow::Context;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// How often controllers re-check everything even without changes.
const RESYNC: Duration = Duration::from_secs(30);

#[derive(Clone, Debug)]
pub struct Config {
    pub state_dir: PathBuf,
    /// This daemon's identity on the engine (see `instance_id`).
    pub instance: String,
    /// Where Services listen, and the nodePort and cluster IP ranges.
    pub services: ServicePorts,
    pub token: Option<String>,
    pub policy: PodSecurityPolicy,
    pub connections: Connections,
    /// Watch events kept for resuming watches.
    pub watch_history: usize,
    /// YAML-driven mode: keep the objects in line with the manifests in this directory.
    pub manifests: Option<PathBuf>,
    /// How long Services keep answering after SIGTERM, for a daemon started on the same state
    /// directory to take their sockets over (`handover`).
    pub shutdown_grace: Duration,
}

/// How client connections are limited, and the descriptors they may hold.
#[derive(Clone, Debug)]
pub struct Connections {
    pub api: conn::Limits,
    /// Per Service port.
    pub services: conn::Limits,
    /// Response headers must arrive from a pod within this time (else 504).
    pub response_timeout: Duration,
    pub plan: Plan,
}

impl Connections {
    /// `api` and `services` limits for a process allowed `descriptors` open files.
    pub fn new(descriptors: u64, api: conn::Limits, services: conn::Limits) -> Connections {
        let plan = Plan::new(descriptors, api.max_connections);
        Connections { api, services, response_timeout: Duration::from_secs(60), plan }
    }

    /// The defaults: 1024 API connections, 4096 per Service port, and `conn::Limits`' timeouts.
    pub fn with_defaults(descriptors: u64) -> Connections {
        let api = conn::Limits { max_connections: 1024, max_header_bytes: 64 * 1024, ..conn::Limits::default() };
        Connections::new(descriptors, api, conn::Limits::default())
    }
}

/// The daemon's network seams: where Service ports are bound, how probes connect.
pub struct Network {
    pub ports: Arc<dyn PortBinder>,
    pub probes: Arc<dyn Transport>,
}

impl Network {
    /// The host's: each Service port bound as asked, probes over TCP.
    pub fn host() -> Network {
        Network { ports: Arc::new(HostPorts), probes: Arc::new(Tcp) }
    }
}

/// This daemon's identity on the container engine, kept in the state directory so that a
/// restarted daemon recognises (and adopts) its own containers.
pub fn instance_id(state_dir: &Path) -> anyhow::Result<String> {
    let path = state_dir.join("instance-id");
    match std::fs::read_to_string(&path) {
        Ok(id) if !id.trim().is_empty() => return Ok(id.trim().to_string()),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).context("reading the instance id"),
    }
    std::fs::create_dir_all(state_dir).context("creating the state directory")?;
    let id = uuid::Uuid::new_v4().simple().to_string();
    let tmp = state_dir.join("instance-id.tmp");
    std::fs::write(&tmp, &id)?;
    std::fs::File::open(&tmp)?.sync_all()?;
    std::fs::rename(&tmp, &path)?;
    std::fs::File::open(state_dir)?.sync_all()?;
    Ok(id)
}

/// Runs the daemon until `shutdown` is cancelled (or a component fails, or a successor has
/// taken over). Workloads keep running after it returns: the next start adopts them. The API
/// serves on `listener`; Service ports are bound and probes connect through `network`
/// (`Network::host()` in production).
pub async fn run(
    config: Config,
    listener: TcpListener,
    runtime: Arc<dyn ContainerRuntime>,
    network: Network,
    shutdown: CancellationToken,
    succession: Succession,
) -> anyhow::Result<()> {
    let server: SocketAddr = listener.local_addr()?;
    let api_socket = socket2::SockRef::from(&listener).try_clone().context("copying the API socket")?;
    let instance = config.instance.clone();
    owner_only(&config.state_dir)?;
    let store = Arc::new(
        Store::open(&config.state_dir.join("store"), config.watch_history).await.context("opening the state store")?,
    );
    let clock = Clock::system();
    let namespaces = proxy::dial::NamespaceDialer::start();
    let services = ServicePorts { reaches_unpublished: namespaces.is_some(), ..config.services.clone() };
    let registry = Registry::new(store.clone(), clock, config.policy, services, &kubelet::node::host_name())
        .await
        .context("preparing the registry")?;
    let registry = Arc::new(registry);
    // Not a child of `shutdown`: the supervisor stops the core first, the proxy last.
    let stop = CancellationToken::new();
    let core_stop = stop.child_token();
    let (mut core, mut edge) = (Tasks::new(), Tasks::new());

    let (notices, noticed) = mpsc::channel(64);
    let limits = &config.connections;
    let api_budget = Budget::new("API connections", limits.plan.api, Some(notices.clone()));
    let Succession { lock, predecessor } = succession;
    let (inherited, predecessor) = match predecessor {
        Some(p) => (p.services.iter().map(|(a, l)| Ok((*a, l.try_clone()?))).collect::<std::io::Result<_>>()?, Some(p)),
        None => (Default::default(), None),
    };
    let proxy_config = proxy::Config {
        address: config.services.proxy_ip,
        connections: limits.services.clone(),
        response_timeout: limits.response_timeout,
        budget: Budget::new("Service connections", limits.plan.services, Some(notices)),
        namespaces,
        inherited: Arc::new(std::sync::Mutex::new(inherited)),
        ports: network.ports,
    };
    core.spawn(with_name("connection-alarms", record_notices(noticed, registry.clone(), core_stop.clone())));
    let (proxy, proxy_task) =
        proxy::start(proxy_config, registry.clone(), stop.clone()).await.context("starting the proxy")?;
    edge.spawn(async move { ("proxy", proxy_task.await.map_err(anyhow::Error::from)) });
    if let Some(predecessor) = predecessor {
        let proxy = proxy.clone();
        tokio::spawn(async move {
            proxy.accepting().await;
            let _ = tokio::task::spawn_blocking(move || predecessor.serving()).await;
        });
    }

    let env = Arc::new(kubelet::Env {
        runtime: runtime.clone(),
        registry: registry.clone(),
        endpoints: proxy.clone(),
        instance: instance.clone(),
        host_ip: config.services.proxy_ip,
        engine: Arc::default(),
        volumes_dir: volumes_dir(&config.state_dir)?,
        probes: network.probes,
    });
    spawn_reconcilers(&mut core, env, &core_stop);
    let resource_metrics =
        spawn_autoscaling(&mut core, &registry, &runtime, &instance, proxy.metrics.clone(), clock, &core_stop);

    if let Some(dir) = config.manifests.clone() {
        core.spawn(with_name("manifests", manifests::run(dir, registry.clone(), core_stop.clone())));
    }
    let state = Arc::new(ApiState {
        registry,
        runtime,
        metrics: proxy.metrics.clone(),
        resource_metrics,
        token: config.token.clone(),
        server,
        shutdown: core_stop.clone(),
        bodies: tokio::sync::Semaphore::new(api::BODY_MEMORY_KIB),
    });
    let cap = limits.api.max_connections.min(api_budget.limit());
    let api_listener = conn::Listener::new(
        Subject::Api,
        limits.api.clone(),
        cap,
        api_budget,
        api::uri_too_long(limits.api.max_request_line),
    );
    let api_stop = core_stop.clone();
    core.spawn(async move {
        api::serve(listener, api_listener, state, api_stop).await;
        ("api", Ok(()))
    });
    let handover = handover::Server::bind(&config.state_dir).context("listening on the handover socket")?;
    tracing::info!(%server, instance = %instance, state_dir = %config.state_dir.display(), "skiff daemon running");
    Supervisor {
        core,
        edge,
        core_stop,
        stop,
        shutdown,
        handover,
        api: (server, api_socket.into()),
        proxy,
        store,
        lock: Some(lock),
        grace: config.shutdown_grace,
    }
    .run()
    .await
}

/// The state directory holds Secrets (in the store and in volumes), unencrypted: only this
/// user may enter it.
fn owner_only(state_dir: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(state_dir).context("creating the state directory")?;
    std::fs::set_permissions(state_dir, std::fs::Permissions::from_mode(0o700))
        .context("making the state directory private")
}

/// The root of the pods' volumes in the state directory, readable by this user only: the files
/// of Secret volumes live there.
fn volumes_dir(state_dir: &Path) -> anyhow::Result<PathBuf> {
    let dir = state_dir.join("volumes");
    kubelet::volumes::prepare_root(&dir).context("preparing the volumes directory")?;
    Ok(dir)
}

type Tasks = JoinSet<(&'static str, anyhow::Result<()>)>;

/// The reconcilers every daemon runs over one registry: the Deployment and ReplicaSet
/// controllers, the garbage collector, the namespace and config rollout controllers, and the
/// kubelet on `env`'s runtime.
pub fn spawn_reconcilers(tasks: &mut Tasks, env: Arc<kubelet::Env>, stop: &CancellationToken) {
    let registry = env.registry.clone();
    let kubelet_stop = stop.clone();
    tasks.spawn(async move { ("kubelet", kubelet::run(env, kubelet_stop).await.map_err(anyhow::Error::from)) });
    let store = registry.store().clone();
    let (d, rs, gc, ns, config) = (
        Arc::new(DeploymentController::new(registry.clone())),
        Arc::new(ReplicaSetController::new(registry.clone())),
        Arc::new(GarbageCollector::new(registry.clone())),
        Arc::new(NamespaceController::new(registry.clone())),
        Arc::new(ConfigRolloutController::new(registry)),
    );
    tasks.spawn(with_name("deployment-controller", controllers::run(d, store.clone(), RESYNC, stop.clone())));
    tasks.spawn(with_name("replicaset-controller", controllers::run(rs, store.clone(), RESYNC, stop.clone())));
    tasks.spawn(with_name("garbage-collector", controllers::run(gc, store.clone(), RESYNC, stop.clone())));
    tasks.spawn(with_name("namespace-controller", controllers::run(ns, store.clone(), RESYNC, stop.clone())));
    tasks.spawn(with_name("config-rollout-controller", controllers::run(config, store, RESYNC, stop.clone())));
}

/// The metrics sampler (for `kubectl top` and the HPA) and the HPA controller; returns the
/// snapshot the API serves as metrics.k8s.io.
fn spawn_autoscaling(
    tasks: &mut Tasks,
    registry: &Arc<Registry>,
    runtime: &Arc<dyn ContainerRuntime>,
    instance: &str,
    proxy: Arc<proxy::metrics::Metrics>,
    clock: Clock,
    stop: &CancellationToken,
) -> Arc<metrics::MetricsStore> {
    let store = Arc::new(metrics::MetricsStore::default());
    let sources = metrics::sampler::Sources { runtime: runtime.clone(), instance: instance.into(), proxy, clock };
    let sampler = metrics::sampler::run(sources, store.clone(), stop.clone());
    tasks.spawn(with_name("metrics-sampler", sampler));
    let hpa = Arc::new(controllers::HpaController::new(registry.clone(), store.clone()));
    tasks.spawn(with_name("hpa-controller", controllers::run(hpa, registry.store().clone(), RESYNC, stop.clone())));
    store
}

/// Records an event for every limit that stopped connections from being served: on the
/// Service for a Service port, on the host (as a Node event) for the API.
async fn record_notices(mut notices: mpsc::Receiver<Notice>, registry: Arc<Registry>, stop: CancellationToken) {
    while let Some(Some(notice)) = stop.run_until_cancelled(notices.recv()).await {
        let service = match &notice.subject {
            Subject::Service { namespace, name, .. } => {
                registry.get_typed::<k8s_openapi::api::core::v1::Service>(namespace, name)
            }
            Subject::Api => None,
        };
        let events = registry.events();
        let (reason, message) = (notice.reason, notice.message.as_str());
        match service {
            Some(svc) => events.record(&svc.into_object(), EventType::Warning, reason, message, "skiff").await,
            None => {
                events
                    .record_ref(host_reference(registry.node_name()), EventType::Warning, reason, message, "skiff")
                    .await
            }
        }
    }
}

/// This host, as Kubernetes names a node in its events.
fn host_reference(node: &str) -> k8s_openapi::api::core::v1::ObjectReference {
    k8s_openapi::api::core::v1::ObjectReference {
        api_version: Some("v1".into()),
        kind: Some("Node".into()),
        name: Some(node.into()),
        ..Default::default()
    }
}

async fn with_name(name: &'static str, f: impl std::future::Future<Output = ()>) -> (&'static str, anyhow::Result<()>) {
    f.await;
    (name, Ok(()))
}

pub mod handover;
pub mod lock;
mod manifests;
mod succession;
mod supervise;

pub use succession::{Succession, SuccessionError, begin as succession};
use supervise::Supervisor;

#[cfg(test)]
mod crash_tests;
#[cfg(test)]
mod in_process;
#[cfg(test)]
mod plan_tests;
