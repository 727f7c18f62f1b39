//! `demo`: the classic rolling-update lesson, narrated, on a fresh daemon; `demo config` the
//! configuration lesson; `demo images` builds the demo images only.

use super::client::{CliError, Result};
use crate::demo::lesson::Chapter;
use crate::runtime::Docker;
use clap::{Args, Subcommand};

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
    crate::demo::lesson::run(chapter, finish).await.map_err(|e| CliError::msg(format!("the demo failed: {e:#}")))
}

async fn images() -> Result<()> {
    let docker = Docker::connect().await.map_err(|e| CliError::msg(format!("cannot reach the Docker engine: {e}")))?;
    let built = crate::demo::images::ensure(&docker).await.map_err(|e| CliError::msg(format!("{e:#}")))?;
    for image in crate::demo::images::DEMO_IMAGES.iter() {
        let state = if built.contains(&image.tag) { "built" } else { "up to date" };
        println!("{} {state}", image.tag);
    }
    Ok(())
}
