//! The proxy: every Service port gets a listener at its cluster IP (inside 127.0.0.0/8), and
//! NodePort and LoadBalancer ones also on the proxy address; each spreads requests, one by
//! one, over the Service's Ready pods. The proxy's actor is the
//! single writer of endpoint snapshots, fed by the kubelet (pod readiness, ports, termination)
//! and the store (Services); the request path only reads snapshots.

pub mod backends;
pub mod balancer;
pub mod binder;
pub mod dial;
pub mod endpoint_objects;
pub mod endpoints;
pub mod errors;
pub mod forward;
pub mod headers;
pub mod listener;
pub mod metrics;
mod outbound;
mod pool;
pub mod relay;
pub mod revision;
pub mod version_affinity;
mod workers;

use crate::conn::{self, Budget, Subject};
use crate::kubelet::endpoints::{EndpointSink, PodEndpoint};
use crate::model::{Kind, KubeObject, Object, meta};
use crate::registry::Registry;
use crate::registry::events::EventType;
use crate::store::{EventType as Change, WatchEvent};
use arc_swap::ArcSwap;
use async_trait::async_trait;
use backends::{Backends, InFlight, Stats};
use binder::{HostPorts, PortBinder};
use endpoint_objects::EndpointObjects;
use endpoints::PodState;
use forward::{Route, Upstream};
use k8s_openapi::api::core::v1::{
    LoadBalancerIngress, LoadBalancerStatus, Service, ServicePort, ServiceSpec, ServiceStatus,
};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use metrics::Metrics;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{broadcast, mpsc, oneshot, watch};
use tokio_util::sync::CancellationToken;
use workers::Workers;

/// How often ports that could not be bound are tried again.
const BIND_RETRY: Duration = Duration::from_secs(5);

enum Command {
    Publish(PodEndpoint, oneshot::Sender<()>),
    Remove(String, oneshot::Sender<()>),
}

/// The handle the kubelet and the API hold.
pub struct Proxy {
    commands: mpsc::Sender<Command>,
    in_flight: Arc<Mutex<HashMap<String, Arc<InFlight>>>>,
    synced: watch::Sender<bool>,
    /// Every listening socket, for a successor that takes them over (`daemon::handover`).
    listening: Listening,
    pub metrics: Arc<Metrics>,
}

type Listening = Arc<Mutex<BTreeMap<SocketAddr, std::net::TcpListener>>>;

impl Proxy {
    /// Copies of every listening socket, with the address each listens on.
    pub fn listeners(&self) -> std::io::Result<Vec<(SocketAddr, std::net::TcpListener)>> {
        let listening = self.listening.lock().unwrap_or_else(|e| e.into_inner());
        listening.iter().map(|(addr, l)| Ok((*addr, l.try_clone()?))).collect()
    }

    /// Returns once the listeners accept (the kubelet has published the pods it found).
    pub async fn accepting(&self) {
        let _ = self.synced.subscribe().wait_for(|synced| *synced).await;
    }
}

#[async_trait]
impl EndpointSink for Proxy {
    async fn publish(&self, endpoint: PodEndpoint) {
        let (ack, done) = oneshot::channel();
        if self.commands.send(Command::Publish(endpoint, ack)).await.is_ok() {
            let _ = done.await;
        }
    }

    async fn remove(&self, uid: &str) {
        let (ack, done) = oneshot::channel();
        if self.commands.send(Command::Remove(uid.to_string(), ack)).await.is_ok() {
            let _ = done.await;
        }
    }

    async fn wait_idle(&self, uid: &str, deadline: tokio::time::Instant) {
        let in_flight = self.in_flight.lock().unwrap_or_else(|e| e.into_inner()).get(uid).cloned();
        if let Some(f) = in_flight {
            let _ = tokio::time::timeout_at(deadline, f.wait_idle()).await;
        }
    }

    fn synced(&self) {
        self.synced.send_replace(true);
    }
}

/// Where and how the proxy listens, and how it reaches pods.
#[derive(Clone)]
pub struct Config {
    pub address: IpAddr,
    /// How each Service port treats its client connections (`max_connections` is per port).
    pub connections: conn::Limits,
    /// Response headers must arrive from a pod within this time (else 504).
    pub response_timeout: Duration,
    /// The descriptors all Service client connections together may hold.
    pub budget: Arc<Budget>,
    /// Reaches ports pods do not publish, inside their network namespace; `None` when this
    /// daemon may not enter namespaces.
    pub namespaces: Option<dial::NamespaceDialer>,
    /// Listening sockets handed over by the daemon this one replaces, by address.
    pub inherited: Arc<Mutex<BTreeMap<SocketAddr, std::net::TcpListener>>>,
    /// Binds the Service ports nothing handed over.
    pub ports: Arc<dyn PortBinder>,
}

impl Config {
    /// Default limits, a budget as large as the per-port cap, published ports only (tests, tools).
    pub fn new(address: IpAddr) -> Config {
        let connections = conn::Limits::default();
        let budget = Budget::new("Service connections", connections.max_connections, None);
        let response_timeout = Duration::from_secs(60);
        let ports = Arc::new(HostPorts);
        Config { address, connections, response_timeout, budget, namespaces: None, inherited: Arc::default(), ports }
    }
}

/// Starts the proxy's worker threads and its actor; they run until `shutdown`. The ports of
/// the Services already stored are bound when this returns.
pub async fn start(
    config: Config,
    registry: Arc<Registry>,
    shutdown: CancellationToken,
) -> std::io::Result<(Arc<Proxy>, tokio::task::JoinHandle<()>)> {
    let store = registry.store().clone();
    let watch = store.watch(None).map_err(|_| std::io::Error::other("the proxy cannot watch Services"))?.receiver;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let workers = Workers::start(threads, config.response_timeout, config.namespaces.clone())?;
    let (tx, rx) = mpsc::channel(1024);
    let in_flight = Arc::new(Mutex::new(HashMap::new()));
    let metrics = Arc::new(Metrics::default());
    let (synced, accepting) = watch::channel(false);
    let listening = Listening::default();
    let proxy = Arc::new(Proxy {
        commands: tx,
        in_flight: in_flight.clone(),
        synced,
        listening: listening.clone(),
        metrics: metrics.clone(),
    });
    let inherited = std::mem::take(&mut *config.inherited.lock().unwrap_or_else(|e| e.into_inner()));
    let mut actor = Actor {
        workers,
        accepting,
        config,
        registry,
        in_flight,
        metrics,
        pods: BTreeMap::new(),
        services: BTreeMap::new(),
        routes: BTreeMap::new(),
        unreachable: BTreeSet::new(),
        bind_failures: BTreeSet::new(),
        written: BTreeMap::new(),
        objects_stale: false,
        listening,
        inherited,
    };
    for obj in store.list(Kind::Service, None).0 {
        actor.on_service(&obj, false).await;
    }
    for addr in std::mem::take(&mut actor.inherited).into_keys() {
        tracing::info!(%addr, "a socket handed over serves no Service now: closed");
    }
    Ok((proxy, tokio::spawn(actor.run(rx, watch, shutdown))))
}

type ServiceKey = (String, String);

struct RouteState {
    route: Arc<Route>,
    affinity_timeout: Option<u64>,
    /// Listening address → the listener's stop token; `None` while it could not be bound.
    listeners: BTreeMap<SocketAddr, Option<CancellationToken>>,
}

struct Actor {
    config: Config,
    registry: Arc<Registry>,
    workers: Workers,
    /// Turns true once the kubelet has published the pods it found at start; listeners
    /// are bound before, but accept only then (connections wait in the backlog, not on 503s).
    accepting: watch::Receiver<bool>,
    in_flight: Arc<Mutex<HashMap<String, Arc<InFlight>>>>,
    metrics: Arc<Metrics>,
    pods: BTreeMap<String, PodEndpoint>,
    services: BTreeMap<ServiceKey, Service>,
    /// (namespace, name, port) → route.
    routes: BTreeMap<(String, String, i32), RouteState>,
    /// (Service, pod uid, Service port) already reported as unreachable.
    unreachable: BTreeSet<(String, String, i32)>,
    /// Addresses whose failure to bind was already reported (retries stay quiet).
    bind_failures: BTreeSet<SocketAddr>,
    /// The Endpoints and EndpointSlices last written for each Service.
    written: BTreeMap<ServiceKey, EndpointObjects>,
    /// Pods or Services changed since they were written.
    objects_stale: bool,
    /// A copy of every socket being listened on (see `Proxy::listeners`).
    listening: Listening,
    /// Sockets a predecessor handed over, used instead of binding anew.
    inherited: BTreeMap<SocketAddr, std::net::TcpListener>,
}

struct Shared<'a>(&'a Actor);

impl PodState for Shared<'_> {
    fn in_flight(&self, uid: &str) -> Arc<InFlight> {
        self.0.in_flight.lock().unwrap_or_else(|e| e.into_inner()).entry(uid.to_string()).or_default().clone()
    }

    fn stats(&self, service: &str, _port: i32, uid: &str) -> Arc<Stats> {
        let name = self.0.pods.get(uid).map(|p| p.name.clone()).unwrap_or_default();
        self.0.metrics.stats(service, &name)
    }

    fn revision(&self, service: &str, hash: &str) -> Arc<version_affinity::RevisionStats> {
        self.0.metrics.revision(service, hash)
    }
}

impl Actor {
    async fn run(
        mut self,
        mut commands: mpsc::Receiver<Command>,
        mut watch: broadcast::Receiver<WatchEvent>,
        shutdown: CancellationToken,
    ) {
        let store = self.registry.store().clone();
        let mut retry = tokio::time::interval(BIND_RETRY);
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => break,
                Some(command) = commands.recv() => self.on_command(command),
                change = watch.recv() => match change {
                    Ok(change) => self.on_change(change).await,
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        for obj in store.list(Kind::Service, None).0 { self.on_service(&obj, false).await; }
                    }
                    Err(_) => break,
                },
                _ = retry.tick() => self.bind_missing().await,
            }
            if self.objects_stale {
                self.write_endpoint_objects().await;
            }
        }
        for state in self.routes.values() {
            state.listeners.values().flatten().for_each(CancellationToken::cancel);
        }
        // Dropping the workers stops their threads; join them off the async threads.
        let workers = self.workers;
        let _ = tokio::task::spawn_blocking(move || drop(workers)).await;
    }

    fn on_command(&mut self, command: Command) {
        match command {
            Command::Publish(endpoint, ack) => {
                let serving = endpoint.ready && !endpoint.terminating;
                Shared(self).in_flight(&endpoint.uid).set_draining(!serving);
                self.pods.insert(endpoint.uid.clone(), endpoint);
                self.refresh_all();
                let _ = ack.send(());
            }
            Command::Remove(uid, ack) => {
                self.pods.remove(&uid);
                self.refresh_all();
                self.in_flight.lock().unwrap_or_else(|e| e.into_inner()).remove(&uid);
                let _ = ack.send(());
            }
        }
    }

    async fn on_change(&mut self, change: WatchEvent) {
        if change.object.kind() == Kind::Service {
            self.on_service(&change.object, change.event_type == Change::Deleted).await;
        }
    }

    async fn on_service(&mut self, obj: &Object, deleted: bool) {
        let Some(svc) = Service::from_object(obj) else {
            return;
        };
        let key = (meta::namespace(&svc.metadata).to_string(), meta::name(&svc.metadata).to_string());
        if deleted {
            self.services.remove(&key);
        } else {
            self.services.insert(key.clone(), svc.clone());
        }
        self.sync_routes(&key);
        self.bind_missing().await;
    }

    /// Makes the routes of one Service match its spec: one per port, with the host ports
    /// its type asks for.
    fn sync_routes(&mut self, key: &ServiceKey) {
        let svc = self.services.get(key).cloned();
        let spec = svc.as_ref().and_then(|s| s.spec.clone()).unwrap_or_default();
        let ports = spec.ports.clone().unwrap_or_default();
        let affinity = (spec.session_affinity.as_deref() == Some("ClientIP")).then(|| {
            spec.session_affinity_config
                .as_ref()
                .and_then(|c| c.client_ip.as_ref())
                .and_then(|c| c.timeout_seconds)
                .unwrap_or(10800)
        });
        let affinity = affinity.map(|t| u64::try_from(t).unwrap_or(10800));
        let by_version =
            svc.as_ref().and_then(|s| meta::annotation(&s.metadata, version_affinity::ANNOTATION)) == Some("revision");
        let proxy_ip = self.config.address;
        let wanted: BTreeMap<i32, (Vec<SocketAddr>, Upstream)> = ports
            .iter()
            .map(|p| (p.port, (listen_addrs(&spec, p, proxy_ip), Upstream::of(p.app_protocol.as_deref()))))
            .collect();
        let name = format!("{}/{}", key.0, key.1);
        let stale: Vec<_> = self
            .routes
            .iter()
            .filter(|((ns, n, port), state)| {
                (ns, n) == (&key.0, &key.1)
                    && (wanted.get(port).is_none_or(|(_, up)| *up != state.route.upstream)
                        || state.affinity_timeout != affinity
                        || state.route.version_affinity != by_version)
            })
            .map(|(k, _)| k.clone())
            .collect();
        for k in stale {
            if let Some(state) = self.routes.remove(&k) {
                state.listeners.keys().for_each(|addr| self.forget_listener(addr));
                state.listeners.values().flatten().for_each(CancellationToken::cancel);
            }
        }
        if svc.is_none() {
            self.metrics.forget_service(&name);
            return;
        }
        for (port, (hosts, upstream)) in wanted {
            let state = self.routes.entry((key.0.clone(), key.1.clone(), port)).or_insert_with(|| RouteState {
                route: Arc::new(Route {
                    service: name.clone(),
                    upstream,
                    snapshot: Arc::new(ArcSwap::from_pointee(Backends::default())),
                    cursor: AtomicUsize::new(0),
                    affinity: affinity.map(|t| balancer::Affinity::new(Duration::from_secs(t))),
                    version_affinity: by_version,
                    latency: self.metrics.latency(&name),
                }),
                affinity_timeout: affinity,
                listeners: BTreeMap::new(),
            });
            let listening = &self.listening;
            state.listeners.retain(|p, token| {
                let keep = hosts.contains(p);
                if !keep {
                    listening.lock().unwrap_or_else(|e| e.into_inner()).remove(p);
                    if let Some(t) = token {
                        t.cancel();
                    }
                }
                keep
            });
            for h in hosts {
                state.listeners.entry(h).or_insert(None);
            }
        }
        self.refresh_all();
    }

    /// Writes the Endpoints and EndpointSlices of every Service whose backends changed, and
    /// removes those of Services that are gone.
    async fn write_endpoint_objects(&mut self) {
        self.objects_stale = false;
        let node = self.registry.node_name().to_string();
        let wanted: BTreeMap<ServiceKey, EndpointObjects> = self
            .services
            .iter()
            .filter(|(_, svc)| svc.spec.as_ref().and_then(|s| s.selector.as_ref()).is_some_and(|s| !s.is_empty()))
            .map(|(key, svc)| (key.clone(), endpoint_objects::build(svc, &self.pods, &node)))
            .collect();
        let gone: Vec<ServiceKey> = self.written.keys().filter(|k| !wanted.contains_key(*k)).cloned().collect();
        for key in gone {
            if let Some(old) = self.written.remove(&key) {
                let keys = std::iter::once(old.endpoints.into_object().key())
                    .chain(old.slices.into_iter().map(|s| s.into_object().key()));
                for k in keys {
                    let _ = self.registry.delete(&k, &crate::registry::DeleteOptions::default()).await;
                }
            }
        }
        for (key, objects) in wanted {
            let old = self.written.get(&key);
            if old == Some(&objects) {
                continue;
            }
            let stale: Vec<_> = old
                .map(|o| o.slices.iter().filter(|s| !objects.slices.iter().any(|n| n.metadata.name == s.metadata.name)))
                .into_iter()
                .flatten()
                .map(|s| s.clone().into_object().key())
                .collect();
            for k in stale {
                let _ = self.registry.delete(&k, &crate::registry::DeleteOptions::default()).await;
            }
            let writes = std::iter::once(objects.endpoints.clone().into_object())
                .chain(objects.slices.iter().cloned().map(KubeObject::into_object));
            for obj in writes {
                if let Err(e) = self.registry.put_object(obj).await {
                    tracing::warn!(service = %key.1, error = %e, "could not write the Service's endpoints");
                }
            }
            self.written.insert(key, objects);
        }
    }

    /// Every revision `svc` has had: those it had before and those of the pods it selects now.
    fn revisions_of(&self, svc: &Service, route: &Route) -> Vec<version_affinity::Revision> {
        let mut revisions = route.snapshot.load().revisions.clone();
        let selected = self.pods.values().filter(|p| endpoints::selects(svc, p));
        for hash in selected.map(endpoints::revision_of).filter(|h| !h.is_empty()) {
            if !revisions.iter().any(|r| &*r.hash == hash) {
                let stats = self.metrics.revision(&route.service, hash);
                revisions.push(version_affinity::Revision { hash: hash.into(), stats });
            }
        }
        revisions
    }

    /// Recomputes every route's snapshot from the current pods.
    fn refresh_all(&mut self) {
        self.objects_stale = true;
        let namespaces = self.config.namespaces.is_some();
        let mut ready: BTreeMap<String, usize> = BTreeMap::new();
        let mut unreachable = Vec::new();
        for ((ns, name, port), state) in &self.routes {
            let Some(svc) = self.services.get(&(ns.clone(), name.clone())) else {
                continue;
            };
            let Some(sp) =
                svc.spec.as_ref().and_then(|s| s.ports.as_ref()).and_then(|ps| ps.iter().find(|p| p.port == *port))
            else {
                continue;
            };
            let list = endpoints::backends(svc, sp, &self.pods, &Shared(self), namespaces);
            for (pod, target) in endpoints::unreachable(svc, sp, &self.pods, namespaces) {
                unreachable.push((svc.clone(), pod.uid.clone(), pod.name.clone(), sp.clone(), target));
            }
            let count = ready.entry(state.route.service.clone()).or_default();
            *count = (*count).max(list.len());
            let revisions = self.revisions_of(svc, &state.route);
            state.route.snapshot.store(Arc::new(Backends { list, revisions }));
        }
        for (service, n) in ready {
            self.metrics.set_ready(&service, n);
        }
        for (svc, uid, pod, port, target) in unreachable {
            let key = (format!("{}/{}", meta::namespace(&svc.metadata), meta::name(&svc.metadata)), uid, port.port);
            if self.unreachable.insert(key) {
                let message = unreachable_message(&pod, &port, target);
                tracing::warn!(service = meta::name(&svc.metadata), %message, "a Service port cannot reach a pod");
                let reference = crate::registry::events::reference(&svc.into_object());
                self.registry.events().emit(reference, EventType::Warning, "PortUnreachable", &message, "skiff-proxy");
            }
        }
    }

    /// A listener that stops: a successor no longer gets it.
    fn forget_listener(&self, addr: &SocketAddr) {
        self.listening.lock().unwrap_or_else(|e| e.into_inner()).remove(addr);
    }

    /// Binds every wanted host port that has no listener yet (or takes the one a predecessor
    /// handed over).
    async fn bind_missing(&mut self) {
        let mut bound_lb = Vec::new();
        let mut failures = Vec::new();
        for ((ns, name, _), state) in self.routes.iter_mut() {
            for (addr, token) in state.listeners.iter_mut().filter(|(_, t)| t.is_none()) {
                let addr = *addr;
                let stop = CancellationToken::new();
                let inherited = self.inherited.remove(&addr).map(Ok);
                let listening = &self.listening;
                let bound = inherited.unwrap_or_else(|| self.config.ports.bind(addr)).and_then(|l| {
                    listening.lock().unwrap_or_else(|e| e.into_inner()).insert(addr, l.try_clone()?);
                    let gates = listener::Gates { accepting: self.accepting.clone(), stop: stop.clone() };
                    let subject = Subject::Service { namespace: ns.clone(), name: name.clone(), port: addr.port() };
                    let limits = self.config.connections.clone();
                    let cap = limits.max_connections.min(self.config.budget.limit());
                    let too_long = listener::uri_too_long(limits.max_request_line);
                    let listener = conn::Listener::new(subject, limits, cap, self.config.budget.clone(), too_long);
                    self.workers.serve(l, state.route.clone(), &listener, gates)
                });
                match bound {
                    Ok(()) => {
                        tracing::info!(service = %state.route.service, %addr, "listening");
                        self.bind_failures.remove(&addr);
                        *token = Some(stop);
                        bound_lb.push((ns.clone(), name.clone()));
                    }
                    Err(e) => failures.push((ns.clone(), name.clone(), addr, e.to_string())),
                }
            }
        }
        for (ns, name, addr, error) in failures {
            if !self.bind_failures.insert(addr) {
                continue;
            }
            tracing::warn!(service = %format!("{ns}/{name}"), %addr, %error, "cannot listen; will retry");
            if let Some(svc) = self.services.get(&(ns, name)) {
                let msg = format!("Failed to listen on {addr}: {error}");
                self.registry
                    .events()
                    .record(&svc.clone().into_object(), EventType::Warning, "FailedToListen", &msg, "skiff-proxy")
                    .await;
            }
        }
        for key in bound_lb {
            self.report_load_balancer(&key).await;
        }
    }

    /// A LoadBalancer Service's external address is the proxy address.
    async fn report_load_balancer(&self, key: &ServiceKey) {
        let Some(svc) = self.services.get(key) else {
            return;
        };
        if svc.spec.as_ref().and_then(|s| s.type_.as_deref()) != Some("LoadBalancer") {
            return;
        }
        let status = ServiceStatus {
            load_balancer: Some(LoadBalancerStatus {
                ingress: Some(vec![LoadBalancerIngress {
                    ip: Some(self.config.address.to_string()),
                    ..Default::default()
                }]),
            }),
            ..Default::default()
        };
        if svc.status.as_ref() == Some(&status) {
            return;
        }
        let mut updated = svc.clone();
        updated.status = Some(status);
        if let Err(e) = self.registry.update_status_object(updated.into_object(), None).await {
            tracing::debug!(error = %e, "could not report the load balancer address");
        }
    }
}

/// Why a Service port cannot reach a pod, and what to do about it.
fn unreachable_message(pod: &str, port: &ServicePort, target: Option<u16>) -> String {
    match (target, &port.target_port) {
        (Some(n), _) => format!(
            "Pod {pod} does not publish port {n}, and this daemon cannot enter pod network namespaces \
             (run it as root on Linux); recreate the pod (kubectl rollout restart) to publish it"
        ),
        (None, Some(IntOrString::String(name))) => format!("Pod {pod} declares no container port named {name:?}"),
        (None, _) => format!("Pod {pod} has no port {} to serve", port.port),
    }
}

/// Where a Service port is served: `clusterIP:port` when the cluster IP is one the host
/// routes to itself (127.0.0.0/8), the nodePort on the proxy address for NodePort, and `port`
/// there too for LoadBalancer.
fn listen_addrs(spec: &ServiceSpec, port: &ServicePort, proxy_ip: IpAddr) -> Vec<SocketAddr> {
    let on_proxy = |p: Option<i32>| p.and_then(|p| u16::try_from(p).ok()).map(|p| SocketAddr::new(proxy_ip, p));
    let cluster = spec.cluster_ip.as_deref().and_then(|ip| ip.parse::<IpAddr>().ok()).filter(IpAddr::is_loopback);
    let cluster = cluster.zip(u16::try_from(port.port).ok()).map(|(ip, p)| SocketAddr::new(ip, p));
    let exposed = match spec.type_.as_deref() {
        Some("NodePort") => vec![on_proxy(port.node_port)],
        Some("LoadBalancer") => vec![on_proxy(Some(port.port)), on_proxy(port.node_port)],
        _ => Vec::new(),
    };
    cluster.into_iter().chain(exposed.into_iter().flatten()).collect()
}
