//! `patch TYPE NAME -p PATCH [--type strategic|merge|json]`: the patch sent as is (YAML is
//! turned into JSON first), reporting `patched` or `patched (no change)` as kubectl does.

use super::client::{CliError, Client, Result, item_path};
use super::resource::{self, qualified};
use clap::Args;
use serde_json::Value;

#[derive(Args, Debug)]
pub struct PatchArgs {
    /// TYPE NAME or TYPE/NAME
    #[arg(required = true)]
    pub target: Vec<String>,
    /// The patch, as JSON or YAML.
    #[arg(short = 'p', long)]
    pub patch: Option<String>,
    /// A file holding the patch.
    #[arg(long)]
    pub patch_file: Option<std::path::PathBuf>,
    /// strategic, merge or json.
    #[arg(long = "type", default_value = "strategic")]
    pub patch_type: String,
}

/// The Content-Type of a `--type`.
pub fn content_type(patch_type: &str) -> Result<&'static str> {
    match patch_type {
        "strategic" => Ok("application/strategic-merge-patch+json"),
        "merge" => Ok("application/merge-patch+json"),
        "json" => Ok("application/json-patch+json"),
        other => Err(CliError::msg(format!("--type must be one of [json merge strategic], not {other:?}"))),
    }
}

fn read_patch(args: &PatchArgs) -> Result<Value> {
    let text = match (&args.patch, &args.patch_file) {
        (Some(p), None) => p.clone(),
        (None, Some(path)) => {
            std::fs::read_to_string(path).map_err(|e| CliError::msg(format!("unable to read patch file: {e}")))?
        }
        (Some(_), Some(_)) => return Err(CliError::msg("--patch and --patch-file are mutually exclusive")),
        (None, None) => {
            return Err(CliError::msg("must specify --patch or --patch-file containing the contents of the patch"));
        }
    };
    let yaml: serde_yaml::Value =
        serde_yaml::from_str(&text).map_err(|e| CliError::msg(format!("unable to parse {text:?}: {e}")))?;
    serde_json::to_value(yaml).map_err(|e| CliError::msg(format!("unable to parse {text:?}: {e}")))
}

pub async fn run(client: &Client, ns: &str, args: PatchArgs) -> Result<()> {
    let content_type = content_type(&args.patch_type)?;
    let patch = read_patch(&args)?;
    let (kind, name) = resource::one(&args.target)?;
    let path = item_path(kind, ns, &name);
    let before = client.get(&path).await?;
    let after = client.patch(&path, content_type, &patch).await?;
    let verb = if before == after { "patched (no change)" } else { "patched" };
    println!("{}/{name} {verb}", qualified(kind));
    Ok(())
}
