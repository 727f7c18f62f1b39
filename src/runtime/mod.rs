//! The container runtime seam: one narrow trait for everything skiff asks of Docker, the Docker
//! adapter (the only code that imports bollard), and a recording fake for tests.

mod docker;
#[cfg(any(test, feature = "test-util"))]
pub mod fake;
pub mod image;

pub use docker::Docker;

use async_trait::async_trait;
use bytes::Bytes;
use futures_util::stream::BoxStream;
use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

pub type ContainerId = String;

/// Everything needed to create one container.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ContainerConfig {
    /// The Docker container name (unique on the engine).
    pub name: String,
    pub image: String,
    pub hostname: Option<String>,
    /// Overrides the image's entrypoint (Kubernetes `command`).
    pub entrypoint: Option<Vec<String>>,
    /// Overrides the image's cmd (Kubernetes `args`).
    pub cmd: Option<Vec<String>>,
    /// `NAME=value` pairs.
    pub env: Vec<String>,
    pub working_dir: Option<String>,
    pub labels: BTreeMap<String, String>,
    /// TCP container ports to publish on `host_ip` with ephemeral host ports.
    pub publish: Vec<u16>,
    pub host_ip: Option<IpAddr>,
    /// Join this container's network namespace instead of getting one.
    pub join_network_of: Option<ContainerId>,
    pub nano_cpus: Option<i64>,
    pub memory_bytes: Option<i64>,
    pub user: Option<String>,
    pub privileged: bool,
    /// Host directories or files bound into the container (the pod's volumes).
    pub mounts: Vec<Mount>,
}

/// A bind mount of a host path into a container.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Mount {
    pub source: std::path::PathBuf,
    /// The absolute path inside the container.
    pub target: String,
    pub read_only: bool,
}

/// What a container is doing, as the engine reports it: every state Docker has, typed (the
/// adapter maps the engine's enum; nothing matches on status strings).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EngineState {
    /// Created and never started.
    Created,
    Running,
    /// Frozen by `docker pause`: alive, but it serves nothing.
    Paused,
    /// The engine's own restart policy is bringing it back (skiff never sets one).
    Restarting,
    Exited,
    /// The engine failed to remove it; it can never run again.
    Dead,
    /// Being removed.
    Removing,
}

impl EngineState {
    /// A process of the container is alive (or about to be, for `Restarting`).
    pub fn is_alive(self) -> bool {
        matches!(self, EngineState::Running | EngineState::Paused | EngineState::Restarting)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct ContainerInfo {
    pub id: ContainerId,
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub state: EngineState,
    pub exit_code: i64,
    pub oom_killed: bool,
    pub error: String,
    pub created_at: Option<jiff::Timestamp>,
    pub started_at: Option<jiff::Timestamp>,
    pub finished_at: Option<jiff::Timestamp>,
    /// Published TCP ports: container port → host address.
    pub ports: BTreeMap<u16, SocketAddr>,
    pub image_id: String,
    /// The container's main process on the host, while it runs (its network namespace is the
    /// pod's).
    pub pid: Option<u32>,
    /// The container's address on its engine network, for information only: skiff never sends
    /// traffic there.
    pub ip: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ContainerSummary {
    pub id: ContainerId,
    pub labels: BTreeMap<String, String>,
    pub state: EngineState,
}

/// A change the engine reports about one of our containers.
#[derive(Clone, Debug, PartialEq)]
pub struct RuntimeEvent {
    pub id: ContainerId,
    pub labels: BTreeMap<String, String>,
    pub action: RuntimeAction,
}

#[derive(Clone, Debug, PartialEq)]
pub enum RuntimeAction {
    Start,
    Die { exit_code: Option<i64> },
    Oom,
    Destroy,
}

/// What the engine says about the machine it runs on (a Node's capacity and system info).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EngineInfo {
    pub cpus: u32,
    pub memory_bytes: u64,
    /// The engine's own version, e.g. `20.10.24`.
    pub version: String,
    pub kernel_version: String,
    /// The distribution, e.g. `Debian GNU/Linux 12 (bookworm)`.
    pub os_image: String,
    /// `linux`.
    pub os: String,
    /// Go's architecture name (`amd64`, `arm64`).
    pub architecture: String,
}

/// One reading of a container's CPU and memory counters, as the engine's stats endpoint
/// reports them; usage is the difference between two readings (`metrics::usage`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ResourceReading {
    /// CPU time the container used since it started, in nanoseconds.
    pub cpu_total_ns: u64,
    /// CPU time the whole host used since boot, in nanoseconds (all CPUs).
    pub system_cpu_ns: u64,
    pub online_cpus: u32,
    pub memory_usage_bytes: u64,
    /// The page cache the kernel may drop at once (`inactive_file`, cgroup v1's
    /// `total_inactive_file`).
    pub memory_inactive_file_bytes: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ExecOutput {
    pub exit_code: i64,
    /// stdout and stderr, truncated to a few KiB.
    pub output: String,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct LogOptions {
    pub follow: bool,
    pub tail: Option<u64>,
    pub timestamps: bool,
    /// Unix seconds.
    pub since: Option<i64>,
}

#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    #[error("container {0} not found")]
    NotFound(String),
    #[error("image {0:?} not found")]
    ImageNotFound(String),
    #[error("{0}")]
    PullFailed(String),
    #[error("exec timed out after {0:?}")]
    ExecTimeout(Duration),
    /// The engine (or the way to it) failed; the cause is kept.
    #[error("container engine: {0}")]
    Engine(#[source] Box<dyn std::error::Error + Send + Sync>),
}

pub type Result<T> = std::result::Result<T, RuntimeError>;

/// Everything skiff asks of a container engine.
#[async_trait]
pub trait ContainerRuntime: Send + Sync + 'static {
    /// The machine the engine runs on.
    async fn info(&self) -> Result<EngineInfo>;
    async fn image_present(&self, image: &str) -> Result<bool>;
    /// Pulls from a registry; fails with `PullFailed` carrying the engine's message.
    async fn pull_image(&self, image: &str) -> Result<()>;
    /// Labels of a local image, `None` when it is not present.
    async fn image_labels(&self, image: &str) -> Result<Option<BTreeMap<String, String>>>;
    /// Builds `tag` from a tar build context (a Dockerfile and files), with no network.
    async fn build_image(&self, tag: &str, context: Vec<u8>) -> Result<()>;
    async fn create(&self, config: &ContainerConfig) -> Result<ContainerId>;
    async fn start(&self, id: &str) -> Result<()>;
    /// SIGTERM (or the image's stop signal), then SIGKILL after `grace`.
    async fn stop(&self, id: &str, grace: Duration) -> Result<()>;
    /// Force-removes the container (killing it if it runs).
    async fn remove(&self, id: &str) -> Result<()>;
    /// Thaws a paused container.
    async fn unpause(&self, id: &str) -> Result<()>;
    async fn inspect(&self, id: &str) -> Result<ContainerInfo>;
    /// Containers (running or not) carrying every one of `labels`.
    async fn list(&self, labels: &[(String, String)]) -> Result<Vec<ContainerSummary>>;
    /// Runs `cmd` inside the container (no shell) and waits up to `timeout`.
    async fn exec(&self, id: &str, cmd: &[String], timeout: Duration) -> Result<ExecOutput>;
    fn logs(&self, id: &str, options: &LogOptions) -> BoxStream<'static, Result<Bytes>>;
    /// One reading of a running container's CPU and memory counters (no waiting for a second).
    async fn stats(&self, id: &str) -> Result<ResourceReading>;
    /// Container events for containers carrying every one of `labels`, as they happen.
    fn events(&self, labels: &[(String, String)]) -> BoxStream<'static, Result<RuntimeEvent>>;
}
