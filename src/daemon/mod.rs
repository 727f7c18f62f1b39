//! The composition root: builds the store, registry, proxy, kubelet, controllers and API from a
//! configuration, runs them as one set of tasks, and shuts them down together. Everything that
//! binds, talks to Docker or signals is passed in.

use crate::api::{self, ApiState};
use crate::clock::Clock;
use crate::controller::run::{
    self as controllers, ConfigRolloutController, DeploymentController, GarbageCollector, NamespaceController,
    ReplicaSetController,
};
use crate::kubelet;
use crate::model::validation::pod::PodSecurityPolicy;
use crate::proxy::{self, listener::Limits};
use crate::registry::Registry;
use crate::registry::services::ServicePorts;
use crate::runtime::ContainerRuntime;
use crate::store::Store;
use anyhow::Context;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
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
    pub proxy_limits: Limits,
    /// Watch events kept for resuming watches.
    pub watch_history: usize,
    /// YAML-driven mode: keep the objects in line with the manifests in this directory.
    pub manifests: Option<PathBuf>,
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

/// Runs the daemon until `shutdown` is cancelled (or a component fails). Workloads keep
/// running after it returns: the next start adopts them.
pub async fn run(
    config: Config,
    listener: TcpListener,
    runtime: Arc<dyn ContainerRuntime>,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let server: SocketAddr = listener.local_addr()?;
    let instance = config.instance.clone();
    owner_only(&config.state_dir)?;
    let store = Arc::new(
        Store::open(&config.state_dir.join("store"), config.watch_history).await.context("opening the state store")?,
    );
    let clock = Clock::system();
    let namespaces = proxy::dial::NamespaceDialer::start();
    let services = ServicePorts { reaches_unpublished: namespaces.is_some(), ..config.services.clone() };
    let registry = Registry::new(store, clock, config.policy, services, &kubelet::node::host_name())
        .await
        .context("preparing the registry")?;
    let registry = Arc::new(registry);
    let stop = shutdown.child_token();
    let mut tasks = Tasks::new();

    let proxy_config =
        proxy::Config { address: config.services.proxy_ip, limits: config.proxy_limits.clone(), namespaces };
    let (proxy, proxy_task) =
        proxy::start(proxy_config, registry.clone(), stop.clone()).await.context("starting the proxy")?;
    tasks.spawn(async move { ("proxy", proxy_task.await.map_err(anyhow::Error::from)) });

    let env = Arc::new(kubelet::Env {
        runtime: runtime.clone(),
        registry: registry.clone(),
        endpoints: proxy.clone(),
        instance: instance.clone(),
        host_ip: config.services.proxy_ip,
        engine: Arc::default(),
        volumes_dir: volumes_dir(&config.state_dir)?,
    });
    spawn_reconcilers(&mut tasks, env, &stop);

    if let Some(dir) = config.manifests.clone() {
        tasks.spawn(with_name("manifests", crate::manifests::run(dir, registry.clone(), stop.clone())));
    }
    let state = Arc::new(ApiState {
        registry,
        runtime,
        metrics: proxy.metrics.clone(),
        token: config.token.clone(),
        server,
        shutdown: stop.clone(),
    });
    let api_stop = stop.clone();
    tasks.spawn(async move { ("api", api::serve(listener, state, api_stop).await.map_err(anyhow::Error::from)) });
    tracing::info!(%server, instance = %instance, state_dir = %config.state_dir.display(), "skiff daemon running");

    let mut failure = None;
    while let Some(done) = tasks.join_next().await {
        let (name, result) = done.unwrap_or(("task", Err(anyhow::anyhow!("a daemon task panicked"))));
        if !stop.is_cancelled() {
            tracing::error!(component = name, error = ?result.as_ref().err(), "a component stopped; shutting down");
            failure.get_or_insert_with(|| anyhow::anyhow!("{name} stopped unexpectedly"));
            stop.cancel();
        } else if let Err(e) = result {
            tracing::warn!(component = name, error = %e, "stopped with an error");
        }
    }
    match failure {
        Some(e) => Err(e),
        None => Ok(()),
    }
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

async fn with_name(name: &'static str, f: impl std::future::Future<Output = ()>) -> (&'static str, anyhow::Result<()>) {
    f.await;
    (name, Ok(()))
}

#[cfg(test)]
mod crash_tests;
