//! The command line: kubectl's verbs and output against a skiff daemon, plus `daemon`, `demo`
//! and the hidden `demo-app`. Definitions live here; each command's body in its own file.
//! Errors are mapped to messages and exit codes once, in `entry::main`.

mod apply;
mod autoscale;
pub mod client;
mod create;
mod daemon;
pub mod dashboard;
mod delete;
mod demo;
mod describe;
mod diff;
mod edit;
mod entry;
mod explain;
mod expose;
mod get;
mod kubeconfig;
mod logs;
mod manifest;
mod metadata;
mod output;
mod patch;
mod resource;
mod rollout;
mod select;
mod set;
mod top;
mod version;
mod wait;

use clap::{Args, Parser, Subcommand};
use client::{CliError, Client};
pub use entry::main;
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "skiff",
    version = crate::version::LONG.as_str(),
    about = "Kubernetes Deployments and Services on one Docker host, with kubectl's commands"
)]
pub struct Cli {
    /// The daemon's API address.
    #[arg(long, global = true, env = "SKIFF_SERVER", default_value = "http://127.0.0.1:6443")]
    pub server: String,
    /// Bearer token for a daemon started with --token-file.
    #[arg(long, global = true, env = "SKIFF_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Namespace of the objects named.
    #[arg(short = 'n', long, global = true, default_value = "default")]
    pub namespace: String,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the daemon: API, controllers, kubelet and proxy.
    Daemon(daemon::DaemonArgs),
    /// Create or update objects from YAML files, a directory, or stdin (-f -).
    Apply(apply::ApplyArgs),
    /// List objects, or show some: TYPE [NAME...] or TYPE/NAME.
    Get(get::GetArgs),
    /// Create an object from flags: `create deployment NAME --image=IMG`.
    #[command(subcommand)]
    Create(create::CreateCommand),
    /// Show details of an object and its events.
    Describe(describe::DescribeArgs),
    /// Delete objects by TYPE NAME, TYPE/NAME, or -f FILE.
    Delete(delete::DeleteArgs),
    /// Print a container's logs.
    Logs(logs::LogsArgs),
    /// Set a field: `set image deployment/NAME CONTAINER=IMAGE`.
    #[command(subcommand)]
    Set(set::SetCommand),
    /// Set a Deployment's or ReplicaSet's replicas.
    Scale(set::ScaleArgs),
    /// Add, change (--overwrite) or remove (KEY-) labels.
    Label(metadata::MetadataArgs),
    /// Add, change (--overwrite) or remove (KEY-) annotations (e.g. kubernetes.io/change-cause).
    Annotate(metadata::MetadataArgs),
    /// Change an object with a strategic merge, JSON merge or JSON patch.
    Patch(patch::PatchArgs),
    /// Edit an object in $KUBE_EDITOR or $EDITOR and send the change.
    Edit(edit::EditArgs),
    /// Wait until objects meet a condition, or are deleted.
    Wait(wait::WaitArgs),
    /// Show what `apply -f` would change (exit 1 when something would).
    Diff(diff::DiffArgs),
    /// Document a kind or one of its fields.
    Explain(explain::ExplainArgs),
    /// Manage a Deployment's rollout.
    #[command(subcommand)]
    Rollout(rollout::RolloutCommand),
    /// Create a Service for a Deployment.
    Expose(expose::ExposeArgs),
    /// Create a HorizontalPodAutoscaler for a Deployment.
    Autoscale(autoscale::AutoscaleArgs),
    /// Show the CPU and memory pods and the node use.
    #[command(subcommand)]
    Top(top::TopCommand),
    /// Print the address of the daemon's live dashboard, and open it in a browser if there is one.
    Dashboard(dashboard::DashboardArgs),
    /// Print a kubeconfig that points kubectl at this daemon.
    Kubeconfig(kubeconfig::KubeconfigArgs),
    /// The rolling-update lesson, end to end; `demo images` builds the demo images.
    Demo(demo::DemoArgs),
    /// Print the client and server versions.
    Version(version::VersionArgs),
    /// The demo app the lesson's images run.
    #[command(hide = true, name = "demo-app")]
    DemoApp,
    /// Exit 0 if an http:// URL answers 2xx or 3xx (for exec probes inside the demo image).
    #[command(hide = true, name = "demo-probe")]
    DemoProbe { url: String },
}

/// Where files come from: `-f path` (file, directory or `-` for stdin), repeatable.
#[derive(Args, Debug, Clone)]
pub struct Files {
    #[arg(short = 'f', long = "filename", value_name = "PATH")]
    pub files: Vec<PathBuf>,
}

/// Runs one command.
pub async fn run(cli: Cli) -> Result<(), CliError> {
    let client = Client::new(&cli.server, cli.token.clone());
    let ns = cli.namespace.as_str();
    match cli.command {
        Command::Daemon(args) => daemon::run(args).await,
        Command::Apply(args) => apply::run(&client, ns, args).await,
        Command::Get(args) => get::run(&client, ns, args).await,
        Command::Describe(args) => describe::run(&client, ns, args).await,
        Command::Delete(args) => delete::run(&client, ns, args).await,
        Command::Logs(args) => logs::run(&client, ns, args).await,
        Command::Set(cmd) => set::run_set(&client, ns, cmd).await,
        Command::Scale(args) => set::run_scale(&client, ns, args).await,
        Command::Create(cmd) => create::run(&client, ns, cmd).await,
        Command::Label(args) => metadata::run(&client, ns, args, metadata::Field::Labels).await,
        Command::Annotate(args) => metadata::run(&client, ns, args, metadata::Field::Annotations).await,
        Command::Patch(args) => patch::run(&client, ns, args).await,
        Command::Edit(args) => edit::run(&client, ns, args).await,
        Command::Wait(args) => wait::run(&client, ns, args).await,
        Command::Diff(args) => diff::run(&client, ns, args).await,
        Command::Explain(args) => explain::run(&client, args).await,
        Command::Rollout(cmd) => rollout::run(&client, ns, cmd).await,
        Command::Expose(args) => expose::run(&client, ns, args).await,
        Command::Autoscale(args) => autoscale::run(&client, ns, args).await,
        Command::Top(cmd) => top::run(&client, ns, cmd).await,
        Command::Dashboard(args) => dashboard::run(&client, &cli.server, cli.token.as_deref(), args).await,
        Command::Kubeconfig(args) => kubeconfig::run(&cli.server, args),
        Command::Demo(args) => demo::run(args).await,
        Command::Version(args) => version::run(&client, args).await,
        Command::DemoProbe { url } => {
            if crate::demo::app::check(&url) {
                Ok(())
            } else {
                Err(CliError::Silent)
            }
        }
        Command::DemoApp => crate::demo::app::run(crate::demo::app::Settings::from_env())
            .await
            .map_err(|e| CliError::msg(e.to_string())),
    }
}
