//! `create deployment|configmap|secret generic|namespace NAME …`: the object kubectl builds
//! from flags, created (or only printed with --dry-run=client, or checked with
//! --dry-run=server), then reported as kubectl reports it.

mod config;
mod deployment;

use super::client::{CliError, Client, Result, collection_path};
use super::output::{self, Format};
use crate::model::Kind;
use clap::{Args, Subcommand};
use serde_json::Value;

#[derive(Subcommand, Debug)]
pub enum CreateCommand {
    /// A Deployment running the given images.
    Deployment(deployment::CreateDeploymentArgs),
    /// A ConfigMap from literals, files or an env file.
    #[command(alias = "cm")]
    Configmap(config::CreateConfigMapArgs),
    /// A Secret: `create secret generic NAME --from-literal=key=value`.
    #[command(subcommand)]
    Secret(config::SecretCommand),
    /// A Namespace.
    #[command(alias = "ns")]
    Namespace(config::CreateNamespaceArgs),
}

/// The flags every `create` subcommand shares.
#[derive(Args, Debug)]
pub struct CreateOutput {
    /// none, client (print only) or server (checked by the server, not stored).
    #[arg(long, default_value = "none", value_parser = ["none", "client", "server"])]
    pub dry_run: String,
    /// Print the object instead of a message: yaml, json or name.
    #[arg(short = 'o', long)]
    pub output: Option<String>,
}

pub async fn run(client: &Client, ns: &str, cmd: CreateCommand) -> Result<()> {
    match cmd {
        CreateCommand::Deployment(args) => {
            let object = deployment::deployment(&args.name, &args.image, args.replicas, args.port);
            send(client, ns, Kind::Deployment, object, &args.out, |e| e).await
        }
        CreateCommand::Configmap(args) => {
            let object = config::config_map(&args.name, &args.sources).map_err(CliError::msg)?;
            let wrap = |e: CliError| failed(e, "failed to create configmap: ");
            send(client, ns, Kind::ConfigMap, object, &args.out, wrap).await
        }
        CreateCommand::Secret(config::SecretCommand::Generic(args)) => {
            let object = config::secret(&args.name, args.type_.as_deref(), &args.sources).map_err(CliError::msg)?;
            send(client, ns, Kind::Secret, object, &args.out, |e| failed(e, "failed to create secret ")).await
        }
        CreateCommand::Namespace(args) => {
            send(client, ns, Kind::Namespace, config::namespace(&args.name), &args.out, |e| e).await
        }
    }
}

/// kubectl's `failed to create configmap: …` wrapping of a server error.
fn failed(e: CliError, prefix: &str) -> CliError {
    match e {
        CliError::Status(s) => CliError::msg(format!("{prefix}{}", s["message"].as_str().unwrap_or_default())),
        other => other,
    }
}

/// Creates `object` (or pretends to), then prints it or `kind/name created`.
async fn send(
    client: &Client,
    ns: &str,
    kind: Kind,
    object: Value,
    out: &CreateOutput,
    wrap: impl Fn(CliError) -> CliError,
) -> Result<()> {
    let format = out.output.as_deref().map(|o| Format::parse(Some(o))).transpose()?;
    if format.as_ref().is_some_and(Format::is_table) {
        return Err(CliError::msg(format!(
            "--output {:?} is not available for create",
            out.output.as_deref().unwrap_or("")
        )));
    }
    let name = object["metadata"]["name"].as_str().unwrap_or_default().to_string();
    let created = match out.dry_run.as_str() {
        "client" => object,
        dry_run => {
            let query = if dry_run == "server" {
                "?fieldManager=kubectl-create&dryRun=All"
            } else {
                "?fieldManager=kubectl-create"
            };
            client.post(&format!("{}{query}", collection_path(kind, Some(ns))), &object).await.map_err(wrap)?
        }
    };
    match format {
        Some(format) => print!("{}", output::print_objects(&format, vec![(kind, created)], true, false)?),
        None => {
            let suffix = match out.dry_run.as_str() {
                "client" => " (dry run)",
                "server" => " (server dry run)",
                _ => "",
            };
            println!("{}/{name} created{suffix}", super::resource::qualified(kind));
        }
    }
    Ok(())
}
