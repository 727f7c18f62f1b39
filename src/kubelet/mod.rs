//! The kubelet: one worker per pod runs that pod's containers on the runtime. The kubelet
//! routes pod changes (from the store) and container events (from the engine) to the workers,
//! adopts the containers a previous run left behind, and removes containers that belong to no
//! pod. Only containers labelled with this daemon's instance are ever touched.

pub mod backoff;
pub mod container;
pub mod decide;
pub mod endpoints;
pub mod engine;
pub mod environment;
pub mod node;
pub mod status;
pub mod volumes;
mod worker;

#[cfg(test)]
mod tests;

pub use worker::Env;

use crate::model::config::refs::{self, ConfigRef};
use crate::model::{Kind, KubeObject, Object, meta};
use crate::runtime::{ContainerSummary, RuntimeError, RuntimeEvent};
use crate::store::{EventType, WatchEvent};
use container::{LABEL_INSTANCE, LABEL_POD_UID};
use futures_util::StreamExt;
use k8s_openapi::api::core::v1::Pod;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use worker::Message;

/// How often every worker checks its containers against the engine, and orphans are swept.
const RESYNC: Duration = Duration::from_secs(10);
const MAILBOX: usize = 64;

/// Held by each worker the kubelet starts with until that worker has published its pod once;
/// when all have let go, the proxy is told it is in sync (`EndpointSink::synced`).
type StartupSync = mpsc::Sender<()>;

struct Kubelet {
    env: Arc<Env>,
    workers: HashMap<String, mpsc::Sender<Message>>,
    tasks: JoinSet<String>,
}

/// Runs the kubelet until `shutdown`; containers are left running for the next start.
pub async fn run(env: Arc<Env>, shutdown: CancellationToken) -> Result<(), RuntimeError> {
    let mut watch =
        env.registry.store().watch(None).map_err(|_| RuntimeError::Engine("cannot watch pods".into()))?.receiver;
    let mut kubelet = Kubelet { env: env.clone(), workers: HashMap::new(), tasks: JoinSet::new() };
    register_node(&env).await?;
    kubelet.start_all().await?;
    let mut events = runtime_events(&env, shutdown.clone());
    let mut resync = tokio::time::interval_at(tokio::time::Instant::now() + RESYNC, RESYNC);
    let janitor = env.engine.janitor(&*env.runtime);
    tokio::pin!(janitor);
    loop {
        tokio::select! {
            biased;
            _ = shutdown.cancelled() => break,
            () = &mut janitor => {}
            change = watch.recv() => match change {
                Ok(change) => kubelet.on_change(change).await,
                Err(RecvError::Lagged(_)) => kubelet.resync().await,
                Err(RecvError::Closed) => break,
            },
            Some(event) = events.recv() => kubelet.route_event(event).await,
            Some(done) = kubelet.tasks.join_next(), if !kubelet.tasks.is_empty() => {
                if let Ok(uid) = done { kubelet.workers.remove(&uid); }
            }
            _ = resync.tick() => kubelet.resync().await,
        }
    }
    // Closing the mailboxes lets every worker return without touching its containers.
    kubelet.workers.clear();
    while kubelet.tasks.join_next().await.is_some() {}
    Ok(())
}

/// Registers this host as the Node, with what the engine reports of it.
async fn register_node(env: &Env) -> Result<(), RuntimeError> {
    let info = env.runtime.info().await?;
    let now = env.registry.clock().now();
    let this = node::node(env.registry.node_name(), &info, env.host_ip, now);
    if let Err(e) = node::register(&env.registry, this).await {
        tracing::warn!(error = %e, "could not register the node");
    }
    Ok(())
}

/// Container events of this instance, reconnecting if the engine's stream breaks.
fn runtime_events(env: &Arc<Env>, shutdown: CancellationToken) -> mpsc::Receiver<RuntimeEvent> {
    let (tx, rx) = mpsc::channel(256);
    let env = env.clone();
    tokio::spawn(async move {
        let filter = [(LABEL_INSTANCE.to_string(), env.instance.clone())];
        while !shutdown.is_cancelled() {
            let mut stream = env.runtime.events(&filter);
            loop {
                tokio::select! {
                    _ = shutdown.cancelled() => return,
                    item = stream.next() => match item {
                        Some(Ok(event)) => if tx.send(event).await.is_err() { return },
                        Some(Err(e)) => { tracing::warn!(error = %e, "container event stream failed; reconnecting"); break }
                        None => break,
                    }
                }
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
    rx
}

impl Kubelet {
    fn instance_filter(&self) -> Vec<(String, String)> {
        vec![(LABEL_INSTANCE.to_string(), self.env.instance.clone())]
    }

    /// At start: a worker for every pod, adopting its existing containers; every container
    /// of this instance that belongs to no pod is removed.
    async fn start_all(&mut self) -> Result<(), RuntimeError> {
        let existing = self.env.runtime.list(&self.instance_filter()).await?;
        let mut by_pod: BTreeMap<String, Vec<ContainerSummary>> = BTreeMap::new();
        for c in existing {
            by_pod.entry(c.labels.get(LABEL_POD_UID).cloned().unwrap_or_default()).or_default().push(c);
        }
        let (sync, mut all_published) = mpsc::channel::<()>(1);
        for obj in self.env.registry.store().list(Kind::Pod, None).0 {
            if let Object::Pod(pod) = obj.as_ref() {
                let adopted = by_pod.remove(meta::uid(&pod.metadata)).unwrap_or_default();
                self.spawn(pod.clone(), adopted, Some(sync.clone()));
            }
        }
        drop(sync);
        let endpoints = self.env.endpoints.clone();
        tokio::spawn(async move {
            while all_published.recv().await.is_some() {}
            endpoints.synced();
        });
        for orphan in by_pod.into_values().flatten() {
            self.remove_orphan(&orphan.id).await;
        }
        let (dir, pods) = (self.env.volumes_dir.clone(), self.workers.keys().cloned().collect());
        let _ = tokio::task::spawn_blocking(move || volumes::sweep(&dir, &pods)).await;
        Ok(())
    }

    fn spawn(&mut self, pod: Pod, adopted: Vec<ContainerSummary>, sync: Option<StartupSync>) {
        let uid = meta::uid(&pod.metadata).to_string();
        let (tx, rx) = mpsc::channel(MAILBOX);
        self.workers.insert(uid.clone(), tx);
        let env = self.env.clone();
        self.tasks.spawn(async move {
            worker::run(env, pod, adopted, sync, rx).await;
            uid
        });
    }

    async fn send(&mut self, uid: &str, message: Message) {
        if let Some(tx) = self.workers.get(uid)
            && tx.send(message).await.is_err()
        {
            self.workers.remove(uid);
        }
    }

    async fn on_change(&mut self, change: WatchEvent) {
        if matches!(change.object.kind(), Kind::ConfigMap | Kind::Secret) {
            return self.on_config_change(change.object.as_ref()).await;
        }
        let Object::Pod(pod) = change.object.as_ref() else {
            return;
        };
        let uid = meta::uid(&pod.metadata).to_string();
        match change.event_type {
            EventType::Deleted => self.send(&uid, Message::Deleted).await,
            _ if !self.workers.contains_key(&uid) => self.spawn(pod.clone(), Vec::new(), None),
            _ => self.send(&uid, Message::Pod(Box::new(pod.clone()))).await,
        }
    }

    /// Tells the workers of the pods that reference a ConfigMap or Secret that it changed.
    async fn on_config_change(&mut self, obj: &Object) {
        let changed = ConfigRef { kind: obj.kind(), name: meta::name(obj.meta()).to_string() };
        let pods = self.env.registry.store().list(Kind::Pod, Some(meta::namespace(obj.meta()))).0;
        for pod in pods.iter().filter_map(|p| Pod::from_object(p)) {
            if pod.spec.as_ref().is_some_and(|s| refs::references(s, &changed)) {
                self.send(meta::uid(&pod.metadata), Message::Config).await;
            }
        }
    }

    async fn route_event(&mut self, event: RuntimeEvent) {
        let Some(uid) = event.labels.get(LABEL_POD_UID).cloned() else {
            return;
        };
        self.send(&uid, Message::Runtime(event)).await;
    }

    /// The safety net for missed events: every pod gets a worker, every worker checks its
    /// containers against one listing of the engine, and containers whose pod is gone are
    /// removed.
    async fn resync(&mut self) {
        for obj in self.env.registry.store().list(Kind::Pod, None).0 {
            if let Object::Pod(pod) = obj.as_ref()
                && !self.workers.contains_key(meta::uid(&pod.metadata))
            {
                self.spawn(pod.clone(), Vec::new(), None);
            }
        }
        let containers = match self.env.runtime.list(&self.instance_filter()).await {
            Ok(containers) => containers,
            Err(e) => return tracing::warn!(error = %e, "cannot list containers to resync; next time"),
        };
        let mut by_pod: BTreeMap<String, Vec<ContainerSummary>> = BTreeMap::new();
        for c in containers {
            by_pod.entry(c.labels.get(LABEL_POD_UID).cloned().unwrap_or_default()).or_default().push(c);
        }
        let uids: Vec<String> = self.workers.keys().cloned().collect();
        for uid in uids {
            let listed = by_pod.remove(&uid).unwrap_or_default();
            self.send(&uid, Message::Resync(listed)).await;
        }
        for orphan in by_pod.into_values().flatten() {
            self.remove_orphan(&orphan.id).await;
        }
    }

    async fn remove_orphan(&self, id: &str) {
        tracing::info!(container = %id, "removing a container that belongs to no pod");
        if let Err(e) = self.env.runtime.remove(id).await
            && !matches!(e, RuntimeError::NotFound(_))
        {
            tracing::warn!(container = %id, error = %e, "could not remove orphaned container");
        }
    }
}
