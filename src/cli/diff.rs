//! `diff -f FILE`: what `apply` would change. The live objects and the server's dry-run of the
//! apply are written as YAML into two directories and compared with `diff -u -N` (or
//! `$KUBECTL_EXTERNAL_DIFF`), as kubectl does; exit 1 means they differ.

use super::Files;
use super::client::{CliError, Client, Result, collection_path, item_path};
use super::manifest;
use super::output;
use crate::model::{Kind, decode};
use crate::patch::apply::{self, Step};
use clap::Args;
use serde_json::Value;
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
pub struct DiffArgs {
    #[command(flatten)]
    pub files: Files,
}

/// kubectl's file name for an object: `apps.v1.Deployment.default.web`, `v1.Service.default.web`.
fn file_name(kind: Kind, ns: &str, name: &str) -> String {
    let info = kind.info();
    let group = if info.group.is_empty() { String::new() } else { format!("{}.", info.group) };
    format!("{group}{}.{}.{ns}.{name}", info.version, info.name)
}

/// The object as the server has it now and as it would be after the apply.
async fn live_and_merged(
    client: &Client,
    ns: &str,
    doc: &Value,
) -> Result<(Kind, String, String, Option<Value>, Value)> {
    let kind = decode::kind_of(doc).map_err(|e| CliError::msg(e.to_string()))?;
    let name = doc["metadata"]["name"].as_str().unwrap_or_default().to_string();
    let ns = super::manifest::namespace_of(kind, doc, ns);
    let path = item_path(kind, &ns, &name);
    let live = client.get_optional(&path).await?;
    let dry_run = "?fieldValidation=Strict&dryRun=All";
    let merged = match apply::preview(kind.info().name, doc, &ns, live.as_ref()) {
        Ok(Step::Create(body)) => client.post(&format!("{}{dry_run}", collection_path(kind, Some(&ns))), &body).await?,
        Ok(Step::Patch(patch)) => {
            client.patch(&format!("{path}{dry_run}"), "application/strategic-merge-patch+json", &patch).await?
        }
        Ok(Step::Unchanged) => live.clone().unwrap_or_default(),
        Err(e) => return Err(CliError::msg(format!("creating the patch: {e}"))),
    };
    Ok((kind, ns, name, live, merged))
}

/// A fresh directory `PREFIX-<random>` under the temp dir.
fn temp_dir(prefix: &str) -> Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("{prefix}-{}", fastrand::u32(..)));
    std::fs::create_dir_all(&dir).map_err(|e| CliError::msg(format!("{}: {e}", dir.display())))?;
    Ok(dir)
}

fn write(dir: &Path, file: &str, object: &Value) -> Result<()> {
    let mut object = object.clone();
    if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("managedFields");
    }
    std::fs::write(dir.join(file), output::yaml(&object)?).map_err(|e| CliError::msg(format!("{file}: {e}")))
}

pub async fn run(client: &Client, ns: &str, args: DiffArgs) -> Result<()> {
    let docs = manifest::read(&args.files.files)?;
    let (live_dir, merged_dir) = (temp_dir("LIVE")?, temp_dir("MERGED")?);
    for doc in &docs {
        let (kind, ns, name, live, merged) = live_and_merged(client, ns, &doc.value).await?;
        let file = file_name(kind, &ns, &name);
        match &live {
            Some(live) => write(&live_dir, &file, live)?,
            // kubectl leaves an empty file for an object that does not exist yet.
            None => std::fs::write(live_dir.join(&file), "").map_err(|e| CliError::msg(format!("{file}: {e}")))?,
        }
        write(&merged_dir, &file, &merged)?;
    }
    let program = std::env::var("KUBECTL_EXTERNAL_DIFF").ok().filter(|p| !p.trim().is_empty());
    let mut words: Vec<String> = match &program {
        Some(p) => p.split_whitespace().map(String::from).collect(),
        None => vec!["diff".into(), "-u".into(), "-N".into()],
    };
    let command = words.remove(0);
    let status = std::process::Command::new(&command)
        .args(&words)
        .arg(&live_dir)
        .arg(&merged_dir)
        .status()
        .map_err(|e| CliError::msg(format!("failed to run {command:?}: {e}")));
    let _ = std::fs::remove_dir_all(&live_dir);
    let _ = std::fs::remove_dir_all(&merged_dir);
    match status?.code() {
        Some(0) => Ok(()),
        Some(code) => Err(CliError::Exit(u8::try_from(code).unwrap_or(1))),
        None => Err(CliError::msg(format!("{command} was killed by a signal"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_files_like_kubectl() {
        assert_eq!(file_name(Kind::Deployment, "default", "web"), "apps.v1.Deployment.default.web");
        assert_eq!(file_name(Kind::Service, "dev", "web"), "v1.Service.dev.web");
    }
}
