//! A recording fake of the container runtime: containers live in memory, every call is recorded
//! as a typed `Call`, failures can be scripted, and tests drive container lifecycles (crash,
//! removal behind skiff's back) and read the resulting events.

use super::{
    ContainerConfig, ContainerId, ContainerInfo, ContainerRuntime, ContainerSummary, EngineInfo, EngineState,
    ExecOutput, LogOptions, ResourceReading, Result, RuntimeAction, RuntimeError, RuntimeEvent,
};
use crate::clock::Clock;
use async_trait::async_trait;
use bytes::Bytes;
use futures_util::stream::{BoxStream, StreamExt};
use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::broadcast;
use tokio_stream::wrappers::BroadcastStream;

/// One recorded call.
#[derive(Clone, Debug, PartialEq)]
pub enum Call {
    Pull(String),
    Build(String),
    Create(Box<ContainerConfig>),
    Start(ContainerId),
    Stop(ContainerId, Duration),
    Remove(ContainerId),
    Unpause(ContainerId),
    Exec(ContainerId, Vec<String>),
}

/// Which call a scripted failure applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verb {
    Pull,
    Create,
    Start,
    Stop,
    Remove,
    Unpause,
    Exec,
}

#[derive(Clone, Debug)]
struct FakeContainer {
    config: ContainerConfig,
    status: EngineState,
    exit_code: i64,
    created_at: Option<jiff::Timestamp>,
    started_at: Option<jiff::Timestamp>,
    finished_at: Option<jiff::Timestamp>,
    ports: BTreeMap<u16, SocketAddr>,
    reading: ResourceReading,
}

#[derive(Default)]
struct Inner {
    calls: Vec<Call>,
    images: BTreeSet<String>,
    containers: BTreeMap<ContainerId, FakeContainer>,
    failures: BTreeMap<Verb, Vec<String>>,
    exec_exit_code: i64,
    next_id: u64,
    made: usize,
    freeze_at: Option<usize>,
    held: usize,
}

pub struct FakeRuntime {
    inner: Mutex<Inner>,
    /// While held, container starts wait here (the engine taking its time).
    starts: tokio::sync::watch::Sender<bool>,
    events: broadcast::Sender<RuntimeEvent>,
    clock: Clock,
}

impl Default for FakeRuntime {
    fn default() -> Self {
        FakeRuntime {
            inner: Mutex::new(Inner::default()),
            starts: tokio::sync::watch::channel(false).0,
            events: broadcast::channel(1024).0,
            clock: Clock::system(),
        }
    }
}

impl FakeRuntime {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// What the next `stats` of container `id` reads.
    pub fn set_reading(&self, id: &str, reading: ResourceReading) {
        if let Some(c) = self.lock().containers.get_mut(id) {
            c.reading = reading;
        }
    }

    /// Makes `image` present locally.
    pub fn add_image(&self, image: &str) {
        self.lock().images.insert(image.to_string());
    }

    /// The next call of `verb` fails with `message`.
    pub fn fail_next(&self, verb: Verb, message: &str) {
        self.lock().failures.entry(verb).or_default().push(message.to_string());
    }

    /// Exit code every exec returns from now on.
    pub fn set_exec_exit_code(&self, code: i64) {
        self.lock().exec_exit_code = code;
    }

    pub fn calls(&self) -> Vec<Call> {
        self.lock().calls.clone()
    }

    /// Ids of containers that exist, with their labels and state.
    pub fn containers(&self) -> Vec<(ContainerId, BTreeMap<String, String>, EngineState)> {
        self.lock().containers.iter().map(|(id, c)| (id.clone(), c.config.labels.clone(), c.status)).collect()
    }

    /// The image a container was created from.
    pub fn image_of(&self, id: &str) -> Option<String> {
        self.lock().containers.get(id).map(|c| c.config.image.clone())
    }

    /// Puts a container into `state` behind skiff's back (`docker pause`, a dead container, …).
    pub fn set_state(&self, id: &str, state: EngineState) {
        if let Some(c) = self.lock().containers.get_mut(id) {
            c.status = state;
        }
    }

    /// Creates a container behind skiff's back, as a crashed daemon may have left it.
    pub fn plant(&self, config: &ContainerConfig, state: EngineState) -> ContainerId {
        let now = self.clock.now();
        let mut inner = self.lock();
        inner.next_id += 1;
        let id = format!("fake{:060}", inner.next_id);
        let container = FakeContainer {
            config: config.clone(),
            status: state,
            exit_code: 0,
            created_at: Some(now),
            started_at: state.is_alive().then_some(now),
            finished_at: None,
            ports: BTreeMap::new(),
            reading: ResourceReading::default(),
        };
        inner.containers.insert(id.clone(), container);
        id
    }

    /// Holds every container start from now on until `release_starts`: starts wait, as they
    /// would on a slow engine, and then complete together.
    pub fn hold_starts(&self) {
        self.starts.send_replace(true);
    }

    /// Lets every held start (and later ones) complete.
    pub fn release_starts(&self) {
        self.starts.send_replace(false);
    }

    /// How many starts are waiting.
    pub fn held_starts(&self) -> usize {
        self.lock().held
    }

    async fn wait_for_release(&self) {
        let mut held = self.starts.subscribe();
        if !*held.borrow() {
            return;
        }
        self.lock().held += 1;
        let _ = held.wait_for(|h| !*h).await;
        self.lock().held -= 1;
    }

    /// How many calls (reads included) the runtime has answered or is answering.
    pub fn calls_made(&self) -> usize {
        self.lock().made
    }

    /// Crash injection: the `n`-th call from now takes effect but never returns, and no later
    /// call takes effect, as if the process died right after the engine acted.
    pub fn freeze_after(&self, n: usize) {
        let mut inner = self.lock();
        inner.freeze_at = Some(inner.made + n);
    }

    /// Whether the frozen point was reached.
    pub fn frozen(&self) -> bool {
        let inner = self.lock();
        inner.freeze_at.is_some_and(|at| inner.made >= at)
    }

    /// Lifts a freeze: the next daemon on this runtime finds the engine as the crash left it.
    pub fn thaw(&self) {
        self.lock().freeze_at = None;
    }

    /// Runs one call's `effect` unless frozen, and never answers once the freeze point is reached.
    async fn call<T>(&self, effect: impl FnOnce() -> T) -> T {
        if self.frozen() {
            std::future::pending::<()>().await;
        }
        self.lock().made += 1;
        let out = effect();
        if self.frozen() {
            std::future::pending::<()>().await;
        }
        out
    }

    /// The container exits with `code` on its own (a crash, or a `docker kill`).
    pub fn exit(&self, id: &str, code: i64) {
        let labels = {
            let mut inner = self.lock();
            let Some(c) = inner.containers.get_mut(id) else {
                return;
            };
            c.status = EngineState::Exited;
            c.exit_code = code;
            c.finished_at = Some(self.clock.now());
            c.config.labels.clone()
        };
        let _ = self.events.send(RuntimeEvent {
            id: id.into(),
            labels,
            action: RuntimeAction::Die { exit_code: Some(code) },
        });
    }

    /// The container disappears behind skiff's back (`docker rm -f`).
    pub fn remove_behind_back(&self, id: &str) {
        let removed = self.lock().containers.remove(id);
        if let Some(c) = removed {
            let _ = self.events.send(RuntimeEvent {
                id: id.into(),
                labels: c.config.labels,
                action: RuntimeAction::Destroy,
            });
        }
    }

    fn record(&self, call: Call, verb: Verb) -> Result<()> {
        let mut inner = self.lock();
        inner.calls.push(call);
        match inner.failures.get_mut(&verb).and_then(|f| (!f.is_empty()).then(|| f.remove(0))) {
            Some(message) if verb == Verb::Pull => Err(RuntimeError::PullFailed(message)),
            Some(message) => Err(RuntimeError::Engine(message.into())),
            None => Ok(()),
        }
    }

    fn with_container<T>(&self, id: &str, f: impl FnOnce(&mut FakeContainer) -> T) -> Result<T> {
        self.lock().containers.get_mut(id).map(f).ok_or_else(|| RuntimeError::NotFound(id.to_string()))
    }
}

#[async_trait]
impl ContainerRuntime for FakeRuntime {
    async fn info(&self) -> Result<EngineInfo> {
        self.call(|| {
            Ok(EngineInfo {
                cpus: 2,
                memory_bytes: 4 << 30,
                version: "fake".into(),
                kernel_version: "6.1.0".into(),
                os_image: "Fake Linux".into(),
                os: "linux".into(),
                architecture: "amd64".into(),
            })
        })
        .await
    }

    async fn image_present(&self, image: &str) -> Result<bool> {
        self.call(|| Ok(self.lock().images.contains(image))).await
    }

    async fn pull_image(&self, image: &str) -> Result<()> {
        self.call(|| {
            self.record(Call::Pull(image.into()), Verb::Pull)?;
            self.add_image(image);
            Ok(())
        })
        .await
    }

    async fn image_labels(&self, image: &str) -> Result<Option<BTreeMap<String, String>>> {
        self.call(|| Ok(self.lock().images.contains(image).then(BTreeMap::new))).await
    }

    async fn build_image(&self, tag: &str, _context: Vec<u8>) -> Result<()> {
        self.call(|| {
            self.lock().calls.push(Call::Build(tag.into()));
            self.add_image(tag);
            Ok(())
        })
        .await
    }

    async fn create(&self, config: &ContainerConfig) -> Result<ContainerId> {
        self.call(|| {
            self.record(Call::Create(Box::new(config.clone())), Verb::Create)?;
            let now = self.clock.now();
            let mut inner = self.lock();
            if !inner.images.contains(&config.image) {
                return Err(RuntimeError::ImageNotFound(config.image.clone()));
            }
            if inner.containers.values().any(|c| c.config.name == config.name) {
                return Err(RuntimeError::Engine(
                    format!("Conflict. The container name \"/{}\" is already in use", config.name).into(),
                ));
            }
            inner.next_id += 1;
            let id = format!("fake{:060}", inner.next_id);
            let base = 40000 + 10 * inner.next_id as u16;
            let ports = config
                .publish
                .iter()
                .enumerate()
                .map(|(i, p)| (*p, SocketAddr::from(([127, 0, 0, 1], base + i as u16))))
                .collect();
            let container = FakeContainer {
                config: config.clone(),
                status: EngineState::Created,
                exit_code: 0,
                created_at: Some(now),
                started_at: None,
                finished_at: None,
                ports,
                reading: ResourceReading::default(),
            };
            inner.containers.insert(id.clone(), container);
            Ok(id)
        })
        .await
    }

    async fn start(&self, id: &str) -> Result<()> {
        self.wait_for_release().await;
        self.call(|| {
            self.record(Call::Start(id.into()), Verb::Start)?;
            let labels = self.with_container(id, |c| {
                c.status = EngineState::Running;
                c.started_at = Some(self.clock.now());
                c.config.labels.clone()
            })?;
            let _ = self.events.send(RuntimeEvent { id: id.into(), labels, action: RuntimeAction::Start });
            Ok(())
        })
        .await
    }

    async fn stop(&self, id: &str, grace: Duration) -> Result<()> {
        self.call(|| {
            self.record(Call::Stop(id.into(), grace), Verb::Stop)?;
            let alive = self.with_container(id, |c| c.status.is_alive())?;
            if alive {
                self.exit(id, 143);
            }
            Ok(())
        })
        .await
    }

    async fn remove(&self, id: &str) -> Result<()> {
        self.call(|| {
            self.record(Call::Remove(id.into()), Verb::Remove)?;
            if self.lock().containers.contains_key(id) {
                self.remove_behind_back(id);
                Ok(())
            } else {
                Err(RuntimeError::NotFound(id.into()))
            }
        })
        .await
    }

    async fn unpause(&self, id: &str) -> Result<()> {
        self.call(|| {
            self.record(Call::Unpause(id.into()), Verb::Unpause)?;
            self.with_container(id, |c| {
                if c.status == EngineState::Paused {
                    c.status = EngineState::Running;
                }
            })
        })
        .await
    }

    async fn inspect(&self, id: &str) -> Result<ContainerInfo> {
        self.call(|| {
            self.with_container(id, |c| ContainerInfo {
                id: id.to_string(),
                name: c.config.name.clone(),
                labels: c.config.labels.clone(),
                state: c.status,
                exit_code: c.exit_code,
                oom_killed: false,
                error: String::new(),
                created_at: c.created_at,
                started_at: c.started_at,
                finished_at: c.finished_at,
                ports: c.ports.clone(),
                image_id: format!("sha256:{}", c.config.image),
                pid: None,
                ip: None,
            })
        })
        .await
    }

    async fn stats(&self, id: &str) -> Result<ResourceReading> {
        self.call(|| self.with_container(id, |c| c.reading)).await
    }

    async fn list(&self, labels: &[(String, String)]) -> Result<Vec<ContainerSummary>> {
        self.call(|| {
            let inner = self.lock();
            Ok(inner
                .containers
                .iter()
                .filter(|(_, c)| labels.iter().all(|(k, v)| c.config.labels.get(k) == Some(v)))
                .map(|(id, c)| ContainerSummary { id: id.clone(), labels: c.config.labels.clone(), state: c.status })
                .collect())
        })
        .await
    }

    async fn exec(&self, id: &str, cmd: &[String], _timeout: Duration) -> Result<ExecOutput> {
        self.call(|| {
            self.record(Call::Exec(id.into(), cmd.to_vec()), Verb::Exec)?;
            self.with_container(id, |_| ())?;
            Ok(ExecOutput { exit_code: self.lock().exec_exit_code, output: String::new() })
        })
        .await
    }

    fn logs(&self, _id: &str, _options: &LogOptions) -> BoxStream<'static, Result<Bytes>> {
        futures_util::stream::empty().boxed()
    }

    fn events(&self, labels: &[(String, String)]) -> BoxStream<'static, Result<RuntimeEvent>> {
        let labels = labels.to_vec();
        BroadcastStream::new(self.events.subscribe())
            .filter_map(move |e| {
                let keep = e.ok().filter(|e| labels.iter().all(|(k, v)| e.labels.get(k) == Some(v)));
                async move { keep.map(Ok) }
            })
            .boxed()
    }
}
