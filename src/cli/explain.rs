//! `explain TYPE[.FIELD…] [--recursive]`: the field documentation from the server's
//! `/openapi/v3` document for the kind's group-version, laid out as kubectl lays it out.

use super::client::{CliError, Client, Result};
use super::resource;
use crate::printers::explain::{Gvk, explain, header};
use clap::Args;

#[derive(Args, Debug)]
pub struct ExplainArgs {
    /// TYPE or TYPE.FIELD.FIELD… (e.g. deployment.spec.strategy).
    pub resource: String,
    /// Every field beneath, names and types only.
    #[arg(long)]
    pub recursive: bool,
}

pub async fn run(client: &Client, args: ExplainArgs) -> Result<()> {
    let mut parts = args.resource.split('.');
    let kind = resource::kind(parts.next().unwrap_or_default())?;
    let path: Vec<String> = parts.map(String::from).collect();
    let info = kind.info();
    let key = if info.group.is_empty() {
        format!("api/{}", info.version)
    } else {
        format!("apis/{}/{}", info.group, info.version)
    };
    let index = client.get("/openapi/v3").await?;
    let url =
        index["paths"][&key]["serverRelativeURL"].as_str().map(String::from).unwrap_or(format!("/openapi/v3/{key}"));
    let doc = client.get(&url).await?;
    let gvk = Gvk { group: info.group.to_string(), version: info.version.to_string(), kind: info.name.to_string() };
    print!("{}", header(&gvk));
    print!("{}", explain(&doc, &gvk, &path, args.recursive).map_err(|e| CliError::msg(e.to_string()))?);
    Ok(())
}
