//! `demo`: the classic rolling-update lesson, narrated, on a fresh daemon; `demo config` the
//! configuration lesson; `demo images` builds the demo images only.

use super::client::{CliError, Client, Result};
use super::{Cli, dashboard};
use crate::demo::lesson::{Chapter, Shell};
use crate::runtime::Docker;
use clap::{Args, Parser, Subcommand};
use std::sync::Arc;

#[derive(Args, Debug)]
pub struct DemoArgs {
    #[command(subcommand)]
    pub what: Option<DemoCommand>,
    /// Finish on its own instead of waiting for Ctrl-C (for tests and scripts).
    #[arg(long, global = true)]
    pub finish: bool,
}

#[derive(Subcommand, Debug)]
pub enum DemoCommand {
    /// Build hello-kubernetes:1.0, 2.0 and 3.0 (FROM scratch, offline).
    Images,
    /// The next lesson: MESSAGE from a ConfigMap, a change of it rolled out, then undone.
    Config,
    /// Autoscaling: an HPA at 50% CPU scales up under load and back down after its window.
    Autoscale,
}

pub async fn run(args: DemoArgs) -> Result<()> {
    match args.what {
        Some(DemoCommand::Images) => images().await,
        Some(DemoCommand::Config) => lesson(Chapter::Config, args.finish).await,
        Some(DemoCommand::Autoscale) => lesson(Chapter::Autoscale, args.finish).await,
        None => lesson(Chapter::Rollout, args.finish).await,
    }
}

async fn lesson(chapter: Chapter, finish: bool) -> Result<()> {
    let shell = Arc::new(InProcess);
    crate::demo::lesson::run(chapter, finish, shell).await.map_err(|e| CliError::Failed(e.context("the demo failed")))
}

/// The lessons' commands, run by this CLI in this process.
struct InProcess;

#[async_trait::async_trait]
impl Shell for InProcess {
    async fn run(&self, args: Vec<String>) -> std::result::Result<(), String> {
        let argv = std::iter::once("skiff".to_string()).chain(args);
        let cli = Cli::try_parse_from(argv).map_err(|e| e.to_string())?;
        let result = Box::pin(super::run(cli)).await;
        result.map_err(|e| {
            println!("{e}");
            e.to_string()
        })
    }

    async fn get(&self, server: &str, path: &str) -> anyhow::Result<serde_json::Value> {
        Client::new(server, None).get(path).await.map_err(|e| anyhow::anyhow!("GET {path}: {e}"))
    }

    fn dashboard(&self, server: &str) -> String {
        dashboard::address(server, None)
    }
}

async fn images() -> Result<()> {
    let docker = Docker::connect().await.map_err(|e| CliError::msg(format!("cannot reach the Docker engine: {e}")))?;
    let built = crate::demo::images::ensure(&docker).await.map_err(CliError::Failed)?;
    for image in crate::demo::images::DEMO_IMAGES.iter() {
        let state = if built.contains(&image.tag) { "built" } else { "up to date" };
        println!("{} {state}", image.tag);
    }
    Ok(())
}
