//! `demo`: the classic rolling-update lesson, narrated, on a fresh daemon; `demo images`
//! builds the demo images only.

use super::client::{CliError, Result};
use crate::runtime::Docker;
use clap::{Args, Subcommand};

#[derive(Args, Debug)]
pub struct DemoArgs {
    #[command(subcommand)]
    pub what: Option<DemoCommand>,
    /// Finish on its own instead of waiting for Ctrl-C (for tests and scripts).
    #[arg(long)]
    pub finish: bool,
}

#[derive(Subcommand, Debug)]
pub enum DemoCommand {
    /// Build hello-kubernetes:1.0, 2.0 and 3.0 (FROM scratch, offline).
    Images,
}

pub async fn run(args: DemoArgs) -> Result<()> {
    match args.what {
        Some(DemoCommand::Images) => images().await,
        None => {
            crate::demo::lesson::run(args.finish).await.map_err(|e| CliError::msg(format!("the demo failed: {e:#}")))
        }
    }
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
