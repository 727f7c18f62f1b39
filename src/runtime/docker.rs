//! The Docker adapter: `ContainerRuntime` over bollard. The only file that imports bollard.
//! Speaks API 1.41 (Docker 20.10) and newer: the version is negotiated at connect time and no
//! newer-only option (stop signal, create platform) is ever sent.

use super::{
    ContainerConfig, ContainerId, ContainerInfo, ContainerRuntime, ContainerSummary, EngineInfo, EngineState,
    ExecOutput, LogOptions, Result, RuntimeAction, RuntimeError, RuntimeEvent,
};
use async_trait::async_trait;
use bollard::errors::Error as BollardError;
use bollard::exec::{StartExecOptions, StartExecResults};
use bollard::models::{
    ContainerCreateBody, ContainerStateStatusEnum, ContainerSummaryStateEnum, ExecConfig, HostConfig, PortBinding,
};
use bollard::query_parameters::{
    BuildImageOptionsBuilder, CreateContainerOptionsBuilder, CreateImageOptionsBuilder, EventsOptionsBuilder,
    InspectContainerOptions, ListContainersOptionsBuilder, LogsOptionsBuilder, RemoveContainerOptionsBuilder,
    StartContainerOptions, StopContainerOptionsBuilder,
};
use bytes::Bytes;
use futures_util::stream::{BoxStream, StreamExt};
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::time::Duration;

/// How much exec output a probe keeps (the kubelet keeps 10 KiB of probe output).
const EXEC_OUTPUT_LIMIT: usize = 10 * 1024;

#[derive(Clone)]
pub struct Docker {
    client: bollard::Docker,
}

impl Docker {
    /// Connects through `DOCKER_HOST` or the local socket and negotiates the API version.
    pub async fn connect() -> Result<Docker> {
        let client = bollard::Docker::connect_with_local_defaults().map_err(engine)?;
        let client = client.negotiate_version().await.map_err(engine)?;
        client.ping().await.map_err(engine)?;
        Ok(Docker { client })
    }
}

fn engine(e: BollardError) -> RuntimeError {
    RuntimeError::Engine(Box::new(e))
}

fn status_code(e: &BollardError) -> Option<u16> {
    match e {
        BollardError::DockerResponseServerError { status_code, .. } => Some(*status_code),
        _ => None,
    }
}

/// Maps a container-level error: 404 becomes `NotFound`.
fn container_error(id: &str, e: BollardError) -> RuntimeError {
    match status_code(&e) {
        Some(404) => RuntimeError::NotFound(id.to_string()),
        _ => engine(e),
    }
}

fn label_filters(labels: &[(String, String)]) -> HashMap<String, Vec<String>> {
    HashMap::from([("label".to_string(), labels.iter().map(|(k, v)| format!("{k}={v}")).collect())])
}

fn parse_time(s: Option<&str>) -> Option<jiff::Timestamp> {
    let t: jiff::Timestamp = s?.parse().ok()?;
    // Docker reports the zero time for "never".
    (t.as_second() > 0).then_some(t)
}

fn create_body(config: &ContainerConfig) -> ContainerCreateBody {
    let ports: Vec<String> = config.publish.iter().map(|p| format!("{p}/tcp")).collect();
    let host_ip = config.host_ip.map(|ip| ip.to_string()).unwrap_or_else(|| "127.0.0.1".into());
    let bindings = ports
        .iter()
        .map(|p| {
            (p.clone(), Some(vec![PortBinding { host_ip: Some(host_ip.clone()), host_port: Some(String::new()) }]))
        })
        .collect();
    ContainerCreateBody {
        image: Some(config.image.clone()),
        hostname: config.hostname.clone(),
        entrypoint: config.entrypoint.clone(),
        cmd: config.cmd.clone(),
        env: Some(config.env.clone()),
        working_dir: config.working_dir.clone(),
        user: config.user.clone(),
        labels: Some(config.labels.clone().into_iter().collect()),
        exposed_ports: (!ports.is_empty()).then(|| ports.clone()),
        host_config: Some(HostConfig {
            port_bindings: (!ports.is_empty()).then_some(bindings),
            network_mode: config.join_network_of.as_ref().map(|id| format!("container:{id}")),
            nano_cpus: config.nano_cpus,
            memory: config.memory_bytes,
            privileged: Some(config.privileged),
            mounts: (!config.mounts.is_empty()).then(|| config.mounts.iter().map(bind).collect()),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn bind(m: &super::Mount) -> bollard::models::Mount {
    bollard::models::Mount {
        target: Some(m.target.clone()),
        source: Some(m.source.to_string_lossy().into_owned()),
        typ: Some(bollard::models::MountType::BIND),
        read_only: Some(m.read_only),
        ..Default::default()
    }
}

fn published_ports(ports: Option<&HashMap<String, Option<Vec<PortBinding>>>>) -> BTreeMap<u16, SocketAddr> {
    let mut out = BTreeMap::new();
    for (spec, bindings) in ports.into_iter().flatten() {
        let Some(port) = spec.strip_suffix("/tcp").and_then(|p| p.parse().ok()) else {
            continue;
        };
        let addr = bindings.iter().flatten().find_map(|b| {
            let ip = b.host_ip.as_deref().filter(|ip| !ip.is_empty()).unwrap_or("127.0.0.1");
            format!("{ip}:{}", b.host_port.as_deref()?).parse().ok()
        });
        if let Some(addr) = addr {
            out.insert(port, addr);
        }
    }
    out
}

/// The engine's container state, typed. `stopping` (newer engines) is still running; the empty
/// state never describes a usable container.
fn inspected_state(state: Option<ContainerStateStatusEnum>) -> EngineState {
    match state {
        Some(ContainerStateStatusEnum::CREATED) => EngineState::Created,
        Some(ContainerStateStatusEnum::RUNNING | ContainerStateStatusEnum::STOPPING) => EngineState::Running,
        Some(ContainerStateStatusEnum::PAUSED) => EngineState::Paused,
        Some(ContainerStateStatusEnum::RESTARTING) => EngineState::Restarting,
        Some(ContainerStateStatusEnum::EXITED) => EngineState::Exited,
        Some(ContainerStateStatusEnum::REMOVING) => EngineState::Removing,
        Some(ContainerStateStatusEnum::DEAD | ContainerStateStatusEnum::EMPTY) | None => EngineState::Dead,
    }
}

fn listed_state(state: ContainerSummaryStateEnum) -> EngineState {
    match state {
        ContainerSummaryStateEnum::CREATED => EngineState::Created,
        ContainerSummaryStateEnum::RUNNING | ContainerSummaryStateEnum::STOPPING => EngineState::Running,
        ContainerSummaryStateEnum::PAUSED => EngineState::Paused,
        ContainerSummaryStateEnum::RESTARTING => EngineState::Restarting,
        ContainerSummaryStateEnum::EXITED => EngineState::Exited,
        ContainerSummaryStateEnum::REMOVING => EngineState::Removing,
        ContainerSummaryStateEnum::DEAD | ContainerSummaryStateEnum::EMPTY => EngineState::Dead,
    }
}

fn event_from(message: bollard::models::EventMessage) -> Option<RuntimeEvent> {
    let actor = message.actor?;
    let mut labels: BTreeMap<String, String> = actor.attributes.unwrap_or_default().into_iter().collect();
    let action = match message.action.as_deref()? {
        "start" => RuntimeAction::Start,
        "die" => RuntimeAction::Die { exit_code: labels.get("exitCode").and_then(|c| c.parse().ok()) },
        "oom" => RuntimeAction::Oom,
        "destroy" => RuntimeAction::Destroy,
        _ => return None,
    };
    labels.remove("exitCode");
    Some(RuntimeEvent { id: actor.id?, labels, action })
}

#[async_trait]
impl ContainerRuntime for Docker {
    async fn info(&self) -> Result<EngineInfo> {
        let info = self.client.info().await.map_err(engine)?;
        let architecture = match info.architecture.as_deref().unwrap_or_default() {
            "x86_64" => "amd64".to_string(),
            "aarch64" => "arm64".to_string(),
            other => other.to_string(),
        };
        Ok(EngineInfo {
            cpus: info.ncpu.and_then(|n| u32::try_from(n).ok()).unwrap_or(1),
            memory_bytes: info.mem_total.and_then(|m| u64::try_from(m).ok()).unwrap_or(0),
            version: info.server_version.unwrap_or_default(),
            kernel_version: info.kernel_version.unwrap_or_default(),
            os_image: info.operating_system.unwrap_or_default(),
            os: info.os_type.unwrap_or_else(|| "linux".into()),
            architecture,
        })
    }

    async fn image_present(&self, image: &str) -> Result<bool> {
        Ok(self.image_labels(image).await?.is_some())
    }

    async fn pull_image(&self, image: &str) -> Result<()> {
        let options = CreateImageOptionsBuilder::default().from_image(image).build();
        let mut progress = self.client.create_image(Some(options), None, None);
        while let Some(item) = progress.next().await {
            if let Err(e) = item {
                let message = match e {
                    BollardError::DockerResponseServerError { message, .. } => message,
                    BollardError::DockerStreamError { error } => error,
                    other => other.to_string(),
                };
                return Err(RuntimeError::PullFailed(message));
            }
        }
        Ok(())
    }

    async fn image_labels(&self, image: &str) -> Result<Option<BTreeMap<String, String>>> {
        match self.client.inspect_image(image).await {
            Ok(info) => Ok(Some(info.config.and_then(|c| c.labels).unwrap_or_default().into_iter().collect())),
            Err(e) if status_code(&e) == Some(404) => Ok(None),
            Err(e) => Err(engine(e)),
        }
    }

    async fn build_image(&self, tag: &str, context: Vec<u8>) -> Result<()> {
        let options =
            BuildImageOptionsBuilder::default().dockerfile("Dockerfile").t(tag).rm(true).forcerm(true).build();
        let mut progress = self.client.build_image(options, None, Some(bollard::body_full(context.into())));
        while let Some(item) = progress.next().await {
            let info = item.map_err(engine)?;
            if let Some(detail) = info.error_detail {
                return Err(RuntimeError::Engine(
                    format!("building {tag}: {}", detail.message.unwrap_or_default()).into(),
                ));
            }
        }
        Ok(())
    }

    async fn create(&self, config: &ContainerConfig) -> Result<ContainerId> {
        let options = CreateContainerOptionsBuilder::default().name(&config.name).build();
        match self.client.create_container(Some(options), create_body(config)).await {
            Ok(created) => Ok(created.id),
            Err(e) if status_code(&e) == Some(404) => Err(RuntimeError::ImageNotFound(config.image.clone())),
            Err(e) => Err(engine(e)),
        }
    }

    async fn start(&self, id: &str) -> Result<()> {
        self.client.start_container(id, None::<StartContainerOptions>).await.map_err(|e| container_error(id, e))
    }

    async fn stop(&self, id: &str, grace: Duration) -> Result<()> {
        let secs = i32::try_from(grace.as_secs() + u64::from(grace.subsec_nanos() > 0)).unwrap_or(i32::MAX);
        let options = StopContainerOptionsBuilder::default().t(secs).build();
        match self.client.stop_container(id, Some(options)).await {
            Err(e) if status_code(&e) == Some(304) => Ok(()),
            other => other.map_err(|e| container_error(id, e)),
        }
    }

    async fn remove(&self, id: &str) -> Result<()> {
        let options = RemoveContainerOptionsBuilder::default().force(true).v(true).build();
        self.client.remove_container(id, Some(options)).await.map_err(|e| container_error(id, e))
    }

    async fn unpause(&self, id: &str) -> Result<()> {
        self.client.unpause_container(id).await.map_err(|e| container_error(id, e))
    }

    async fn inspect(&self, id: &str) -> Result<ContainerInfo> {
        let info = self
            .client
            .inspect_container(id, None::<InspectContainerOptions>)
            .await
            .map_err(|e| container_error(id, e))?;
        let state = info.state.unwrap_or_default();
        let network = info.network_settings;
        Ok(ContainerInfo {
            id: info.id.unwrap_or_else(|| id.to_string()),
            name: info.name.unwrap_or_default().trim_start_matches('/').to_string(),
            labels: info.config.and_then(|c| c.labels).unwrap_or_default().into_iter().collect(),
            state: inspected_state(state.status),
            exit_code: state.exit_code.unwrap_or_default(),
            oom_killed: state.oom_killed.unwrap_or_default(),
            error: state.error.unwrap_or_default(),
            created_at: parse_time(info.created.as_deref()),
            started_at: parse_time(state.started_at.as_deref()),
            finished_at: parse_time(state.finished_at.as_deref()),
            pid: state.pid.and_then(|p| u32::try_from(p).ok()).filter(|p| *p > 0),
            ip: network
                .as_ref()
                .and_then(|n| n.networks.as_ref())
                .and_then(|nets| nets.values().find_map(|e| e.ip_address.clone().filter(|ip| !ip.is_empty()))),
            ports: published_ports(network.and_then(|n| n.ports).as_ref()),
            image_id: info.image.unwrap_or_default(),
        })
    }

    async fn list(&self, labels: &[(String, String)]) -> Result<Vec<ContainerSummary>> {
        let options = ListContainersOptionsBuilder::default().all(true).filters(&label_filters(labels)).build();
        let list = self.client.list_containers(Some(options)).await.map_err(engine)?;
        Ok(list
            .into_iter()
            .filter_map(|c| {
                Some(ContainerSummary {
                    id: c.id?,
                    labels: c.labels.unwrap_or_default().into_iter().collect(),
                    state: listed_state(c.state?),
                })
            })
            .collect())
    }

    async fn exec(&self, id: &str, cmd: &[String], timeout: Duration) -> Result<ExecOutput> {
        let config = ExecConfig {
            attach_stdout: Some(true),
            attach_stderr: Some(true),
            cmd: Some(cmd.to_vec()),
            ..Default::default()
        };
        let exec = self.client.create_exec(id, config).await.map_err(|e| container_error(id, e))?;
        let run = async {
            let mut output = Vec::new();
            if let StartExecResults::Attached { output: mut stream, .. } =
                self.client.start_exec(&exec.id, None::<StartExecOptions>).await.map_err(engine)?
            {
                while let Some(chunk) = stream.next().await {
                    let bytes = chunk.map_err(engine)?.into_bytes();
                    let room = EXEC_OUTPUT_LIMIT.saturating_sub(output.len());
                    output.extend_from_slice(&bytes[..bytes.len().min(room)]);
                }
            }
            // The exit code is only final once the output stream has ended.
            let inspect = self.client.inspect_exec(&exec.id).await.map_err(engine)?;
            Ok(ExecOutput {
                exit_code: inspect.exit_code.unwrap_or(-1),
                output: String::from_utf8_lossy(&output).into_owned(),
            })
        };
        tokio::time::timeout(timeout, run).await.unwrap_or(Err(RuntimeError::ExecTimeout(timeout)))
    }

    fn logs(&self, id: &str, options: &LogOptions) -> BoxStream<'static, Result<Bytes>> {
        let tail = options.tail.map(|t| t.to_string()).unwrap_or_else(|| "all".into());
        let mut builder = LogsOptionsBuilder::default()
            .stdout(true)
            .stderr(true)
            .follow(options.follow)
            .timestamps(options.timestamps)
            .tail(&tail);
        if let Some(since) = options.since {
            builder = builder.since(since.try_into().unwrap_or(i32::MAX));
        }
        let id = id.to_string();
        self.client
            .logs(&id.clone(), Some(builder.build()))
            .map(move |item| item.map(|o| o.into_bytes()).map_err(|e| container_error(&id, e)))
            .boxed()
    }

    fn events(&self, labels: &[(String, String)]) -> BoxStream<'static, Result<RuntimeEvent>> {
        let mut filters = label_filters(labels);
        filters.insert("type".into(), vec!["container".into()]);
        let options = EventsOptionsBuilder::default().filters(&filters).build();
        self.client
            .events(Some(options))
            .filter_map(|item| async move {
                match item {
                    Ok(message) => event_from(message).map(Ok),
                    Err(e) => Some(Err(engine(e))),
                }
            })
            .boxed()
    }
}
