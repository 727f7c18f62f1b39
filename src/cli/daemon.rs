//! `daemon`: parse the flags, check them before anything binds, connect to Docker, listen,
//! and run until SIGTERM or SIGINT.

use super::client::{CliError, Result};
use crate::conn;
use crate::daemon::{self, Config, Connections};
use crate::model::validation::PodSecurityPolicy;
use crate::registry::services::{DEFAULT_CLUSTER_IP_RANGE, ServicePorts};
use crate::runtime::Docker;
use clap::Args;
use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

#[derive(Args, Debug)]
pub struct DaemonArgs {
    /// The API's address (port 0 picks a free port; the address is printed).
    #[arg(long, default_value = "127.0.0.1:6443")]
    pub listen: SocketAddr,
    /// Where accepted objects are kept (survives restarts).
    #[arg(long, env = "SKIFF_STATE_DIR")]
    pub state_dir: Option<PathBuf>,
    /// Where NodePort and LoadBalancer Services listen.
    #[arg(long, default_value = "127.0.0.1")]
    pub proxy_address: IpAddr,
    /// The range nodePorts are allocated from.
    #[arg(long, default_value = "30000-32767")]
    pub service_node_port_range: String,
    /// The range cluster IPs are allocated from; inside 127.0.0.0/8 the host routes it to itself,
    /// so a Service answers at its CLUSTER-IP.
    #[arg(long, default_value = DEFAULT_CLUSTER_IP_RANGE)]
    pub service_cluster_ip_range: String,
    /// A file holding the bearer token clients must send (required off loopback).
    #[arg(long)]
    pub token_file: Option<PathBuf>,
    /// Allow pods to run privileged containers.
    #[arg(long)]
    pub allow_privileged: bool,
    /// Allow pods to use the host's network, PID or IPC namespace.
    #[arg(long)]
    pub allow_host_namespaces: bool,
    /// Allow pods to mount host paths (never the Docker socket).
    #[arg(long)]
    pub allow_host_path: bool,
    /// Apply every manifest in this directory, and again whenever a file there changes.
    #[arg(long)]
    pub manifests: Option<PathBuf>,
    /// Open connections allowed on the API (fewer if the descriptor budget is smaller); when
    /// full, the longest-idle one is closed for a new client.
    #[arg(long, default_value_t = 1024)]
    pub api_max_connections: usize,
    /// Open connections allowed on each Service port, as for the API.
    #[arg(long, default_value_t = 4096)]
    pub service_max_connections: usize,
    /// Time a client has to send a whole request head (of a new connection: from its accept).
    #[arg(long, default_value = "10s", value_parser = duration)]
    pub header_timeout: Duration,
    /// Idle keep-alive connections are closed after this time.
    #[arg(long, default_value = "75s", value_parser = duration)]
    pub idle_timeout: Duration,
    /// Time a request body gets, plus one second per --body-min-rate bytes received.
    #[arg(long, default_value = "20s", value_parser = duration)]
    pub body_timeout: Duration,
    /// Bytes a second a request body must keep up, after --body-timeout.
    #[arg(long, default_value_t = 500)]
    pub body_min_rate: u64,
    /// Replace the daemon running on this state directory without refusing a connection: take
    /// over its API and Service sockets, then let it drain and exit.
    #[arg(long)]
    pub upgrade: bool,
    /// After SIGTERM, how long Services keep answering so that a daemon started on the same
    /// state directory takes their sockets over (0s: stop at once).
    #[arg(long, default_value = "2s", value_parser = duration)]
    pub shutdown_grace: Duration,
    /// Watch events kept for clients resuming a watch.
    #[arg(long, default_value_t = 10_000, hide = true)]
    pub watch_cache_size: usize,
}

fn node_port_range(s: &str) -> Result<std::ops::RangeInclusive<u16>> {
    let bad = || CliError::msg(format!("invalid --service-node-port-range {s:?}; expected e.g. 30000-32767"));
    let (lo, hi) = s.split_once('-').ok_or_else(bad)?;
    let (lo, hi): (u16, u16) = (lo.trim().parse().map_err(|_| bad())?, hi.trim().parse().map_err(|_| bad())?);
    if lo == 0 || lo > hi {
        return Err(bad());
    }
    Ok(lo..=hi)
}

/// `10s`, `500ms`, `2m`, or whole seconds.
fn duration(s: &str) -> std::result::Result<Duration, String> {
    let bad = || format!("invalid duration {s:?}; expected e.g. 10s, 500ms or 2m");
    let (number, unit) = s.find(|c: char| !c.is_ascii_digit()).map_or((s, "s"), |i| s.split_at(i));
    let n: u64 = number.parse().map_err(|_| bad())?;
    match unit {
        "ms" => Ok(Duration::from_millis(n)),
        "s" => Ok(Duration::from_secs(n)),
        "m" => Ok(Duration::from_secs(n * 60)),
        _ => Err(bad()),
    }
}

/// The connection limits the flags ask for, within `descriptors` open files.
fn connections(args: &DaemonArgs, descriptors: u64) -> Connections {
    let defaults = Connections::with_defaults(descriptors);
    let with_flags = |base: conn::Limits, max_connections: usize| conn::Limits {
        max_connections,
        header_timeout: args.header_timeout,
        idle_timeout: args.idle_timeout,
        body_timeout: args.body_timeout,
        body_min_rate: args.body_min_rate,
        ..base
    };
    Connections::new(
        descriptors,
        with_flags(defaults.api, args.api_max_connections),
        with_flags(defaults.services, args.service_max_connections),
    )
}

fn default_state_dir() -> PathBuf {
    std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from(".")).join(".skiff")
}

/// Checks the flags and builds the configuration, before anything binds.
fn config(args: &DaemonArgs, descriptors: u64) -> Result<Config> {
    let token = match &args.token_file {
        Some(path) => {
            let t = std::fs::read_to_string(path)
                .map_err(|e| CliError::msg(format!("reading --token-file {}: {e}", path.display())))?;
            let t = t.trim().to_string();
            if t.is_empty() {
                return Err(CliError::msg(format!("--token-file {} is empty", path.display())));
            }
            Some(t)
        }
        None if !args.listen.ip().is_loopback() => {
            return Err(CliError::msg(format!(
                "--listen {} is not a loopback address: give --token-file so that only clients with the token get in",
                args.listen
            )));
        }
        None => None,
    };
    let state_dir = args.state_dir.clone().unwrap_or_else(default_state_dir);
    let instance = daemon::instance_id(&state_dir).map_err(CliError::Failed)?;
    Ok(Config {
        state_dir,
        instance,
        services: ServicePorts {
            proxy_ip: args.proxy_address,
            node_port_range: node_port_range(&args.service_node_port_range)?,
            cluster_ip_range: args
                .service_cluster_ip_range
                .parse()
                .map_err(|e: String| CliError::msg(format!("invalid --service-cluster-ip-range: {e}")))?,
            // The daemon finds out once it starts.
            reaches_unpublished: false,
        },
        token,
        policy: PodSecurityPolicy {
            allow_privileged: args.allow_privileged,
            allow_host_namespaces: args.allow_host_namespaces,
            allow_host_path: args.allow_host_path,
        },
        connections: connections(args, descriptors),
        watch_history: args.watch_cache_size,
        manifests: args.manifests.clone(),
        shutdown_grace: args.shutdown_grace,
    })
}

pub async fn run(args: DaemonArgs) -> Result<()> {
    let descriptors = conn::budget::raise_nofile_limit()
        .map_err(|e| CliError::msg(format!("cannot raise the open-file limit: {e}")))?;
    let config = config(&args, descriptors)?;
    let plan = config.connections.plan;
    tracing::info!(
        descriptors,
        reserve = plan.reserve,
        api = plan.api,
        services = plan.services,
        "descriptor budget: reserve for probes, the engine and the store; API and Service connections"
    );
    let docker = Docker::connect().await.map_err(|e| CliError::msg(format!("cannot reach the Docker engine: {e}")))?;
    let mut succession =
        daemon::succession(&config.state_dir, args.upgrade).await.map_err(|e| CliError::msg(e.to_string()))?;
    let listener = match succession.predecessor.as_mut().and_then(|p| p.api.take()) {
        Some(inherited) => {
            let addr = inherited.local_addr().ok();
            if addr.is_some_and(|a| args.listen.port() != 0 && a != args.listen) {
                tracing::warn!(?addr, listen = %args.listen, "the API keeps the address it had; --listen applies at the next fresh start");
            }
            inherited.set_nonblocking(true).and_then(|()| tokio::net::TcpListener::from_std(inherited))
        }
        None => conn::bind(args.listen),
    }
    .map_err(|e| CliError::msg(format!("cannot listen on {}: {e}", args.listen)))?;
    let addr = listener.local_addr().map_err(|e| CliError::msg(e.to_string()))?;
    println!("skiff daemon listening on http://{addr}");
    let _ = std::io::stdout().flush();
    let shutdown = CancellationToken::new();
    tokio::spawn(stop_on_signal(shutdown.clone()));
    daemon::run(config, listener, Arc::new(docker), daemon::Network::host(), shutdown, succession)
        .await
        .map_err(CliError::Failed)
}

async fn stop_on_signal(shutdown: CancellationToken) {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int)) = (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) else {
        return;
    };
    tokio::select! {
        _ = term.recv() => tracing::info!("SIGTERM: shutting down; workloads keep running"),
        _ = int.recv() => tracing::info!("SIGINT: shutting down; workloads keep running"),
    }
    shutdown.cancel();
}
