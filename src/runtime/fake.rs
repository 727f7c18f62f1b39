//! A recording fake of the container runtime: containers live in memory, every call is recorded
//! as a typed `Call`, failures can be scripted, and tests drive container lifecycles (crash,
//! removal behind skiff's back) and read the resulting events.

use super::{
    ContainerConfig, ContainerId, ContainerInfo, ContainerRuntime, ContainerStatus, ContainerSummary, ExecOutput,
    LogOptions, Result, RuntimeAction, RuntimeError, RuntimeEvent,
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
    Exec,
}

#[derive(Clone, Debug)]
struct FakeContainer {
    config: ContainerConfig,
    status: ContainerStatus,
    exit_code: i64,
    started_at: Option<jiff::Timestamp>,
    finished_at: Option<jiff::Timestamp>,
    ports: BTreeMap<u16, SocketAddr>,
}

#[derive(Default)]
struct Inner {
    calls: Vec<Call>,
    images: BTreeSet<String>,
    containers: BTreeMap<ContainerId, FakeContainer>,
    failures: BTreeMap<Verb, Vec<String>>,
    exec_exit_code: i64,
    next_id: u64,
}

pub struct FakeRuntime {
    inner: Mutex<Inner>,
    events: broadcast::Sender<RuntimeEvent>,
    clock: Clock,
}

impl Default for FakeRuntime {
    fn default() -> Self {
        FakeRuntime { inner: Mutex::new(Inner::default()), events: broadcast::channel(1024).0, clock: Clock::system() }
    }
}

impl FakeRuntime {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
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

    /// Ids of containers that exist, with their labels.
    pub fn containers(&self) -> Vec<(ContainerId, BTreeMap<String, String>, ContainerStatus)> {
        self.lock().containers.iter().map(|(id, c)| (id.clone(), c.config.labels.clone(), c.status.clone())).collect()
    }

    /// The container exits with `code` on its own (a crash, or a `docker kill`).
    pub fn exit(&self, id: &str, code: i64) {
        let labels = {
            let mut inner = self.lock();
            let Some(c) = inner.containers.get_mut(id) else {
                return;
            };
            c.status = ContainerStatus::Exited;
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
            Some(message) => Err(RuntimeError::Engine(message)),
            None => Ok(()),
        }
    }

    fn with_container<T>(&self, id: &str, f: impl FnOnce(&mut FakeContainer) -> T) -> Result<T> {
        self.lock().containers.get_mut(id).map(f).ok_or_else(|| RuntimeError::NotFound(id.to_string()))
    }
}

#[async_trait]
impl ContainerRuntime for FakeRuntime {
    async fn image_present(&self, image: &str) -> Result<bool> {
        Ok(self.lock().images.contains(image))
    }

    async fn pull_image(&self, image: &str) -> Result<()> {
        self.record(Call::Pull(image.into()), Verb::Pull)?;
        self.add_image(image);
        Ok(())
    }

    async fn image_labels(&self, image: &str) -> Result<Option<BTreeMap<String, String>>> {
        Ok(self.lock().images.contains(image).then(BTreeMap::new))
    }

    async fn build_image(&self, tag: &str, _context: Vec<u8>) -> Result<()> {
        self.lock().calls.push(Call::Build(tag.into()));
        self.add_image(tag);
        Ok(())
    }

    async fn create(&self, config: &ContainerConfig) -> Result<ContainerId> {
        self.record(Call::Create(Box::new(config.clone())), Verb::Create)?;
        let mut inner = self.lock();
        if !inner.images.contains(&config.image) {
            return Err(RuntimeError::ImageNotFound(config.image.clone()));
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
            status: ContainerStatus::Created,
            exit_code: 0,
            started_at: None,
            finished_at: None,
            ports,
        };
        inner.containers.insert(id.clone(), container);
        Ok(id)
    }

    async fn start(&self, id: &str) -> Result<()> {
        self.record(Call::Start(id.into()), Verb::Start)?;
        let labels = self.with_container(id, |c| {
            c.status = ContainerStatus::Running;
            c.started_at = Some(self.clock.now());
            c.config.labels.clone()
        })?;
        let _ = self.events.send(RuntimeEvent { id: id.into(), labels, action: RuntimeAction::Start });
        Ok(())
    }

    async fn stop(&self, id: &str, grace: Duration) -> Result<()> {
        self.record(Call::Stop(id.into(), grace), Verb::Stop)?;
        let running = self.with_container(id, |c| c.status == ContainerStatus::Running)?;
        if running {
            self.exit(id, 143);
        }
        Ok(())
    }

    async fn remove(&self, id: &str) -> Result<()> {
        self.record(Call::Remove(id.into()), Verb::Remove)?;
        if self.lock().containers.contains_key(id) {
            self.remove_behind_back(id);
            Ok(())
        } else {
            Err(RuntimeError::NotFound(id.into()))
        }
    }

    async fn inspect(&self, id: &str) -> Result<ContainerInfo> {
        self.with_container(id, |c| ContainerInfo {
            id: id.to_string(),
            name: c.config.name.clone(),
            labels: c.config.labels.clone(),
            status: c.status.clone(),
            exit_code: c.exit_code,
            oom_killed: false,
            error: String::new(),
            started_at: c.started_at,
            finished_at: c.finished_at,
            ports: c.ports.clone(),
            image_id: format!("sha256:{}", c.config.image),
        })
    }

    async fn list(&self, labels: &[(String, String)]) -> Result<Vec<ContainerSummary>> {
        let inner = self.lock();
        Ok(inner
            .containers
            .iter()
            .filter(|(_, c)| labels.iter().all(|(k, v)| c.config.labels.get(k) == Some(v)))
            .map(|(id, c)| ContainerSummary {
                id: id.clone(),
                labels: c.config.labels.clone(),
                running: c.status == ContainerStatus::Running,
            })
            .collect())
    }

    async fn exec(&self, id: &str, cmd: &[String], _timeout: Duration) -> Result<ExecOutput> {
        self.record(Call::Exec(id.into(), cmd.to_vec()), Verb::Exec)?;
        self.with_container(id, |_| ())?;
        Ok(ExecOutput { exit_code: self.lock().exec_exit_code, output: String::new() })
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
