//! `edit TYPE NAME`: the object as YAML in `$KUBE_EDITOR`/`$EDITOR` (default `vi`), then the
//! change sent as the two-way strategic merge patch kubectl computes. A rejected change reopens
//! the file with the server's message on top; saving it unchanged gives up, as kubectl does.

use super::client::{CliError, Client, Result, item_path};
use super::output;
use super::resource::{self, qualified};
use crate::model::manifest;
use crate::patch::{schema, three_way};
use clap::Args;
use serde_json::Value;
use std::path::Path;

const HEADER: &str = "# Please edit the object below. Lines beginning with a '#' will be ignored,\n# and an empty file will abort the edit. If an error occurs while saving this file will be\n# reopened with the relevant failures.\n#\n";

#[derive(Args, Debug)]
pub struct EditArgs {
    /// TYPE NAME or TYPE/NAME
    #[arg(required = true)]
    pub target: Vec<String>,
}

/// The editor command line kubectl would run for `path`.
fn editor_command(path: &Path) -> std::process::Command {
    let editor = ["KUBE_EDITOR", "EDITOR"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|e| !e.trim().is_empty()))
        .unwrap_or_else(|| "vi".to_string());
    let mut command = std::process::Command::new("sh");
    command.arg("-c").arg(format!("{editor} {:?}", path.display().to_string()));
    command
}

/// The text without its comment lines, as kubectl compares edits.
fn strip_comments(text: &str) -> String {
    text.lines().filter(|l| !l.trim_start().starts_with('#')).map(|l| format!("{l}\n")).collect()
}

/// The one object in an edited file's text (comments stripped).
fn read_edited(stripped: &str) -> Result<Value> {
    let mut docs = manifest::parse(stripped).map_err(|e| CliError::msg(format!("error parsing edited object: {e}")))?;
    match docs.len() {
        1 => Ok(docs.remove(0)),
        n => Err(CliError::msg(format!("expected one object in the edited file, found {n}"))),
    }
}

/// The patch from `original` to `edited`; refuses a change of apiVersion, kind or name.
fn edit_patch(kind_name: &str, original: &Value, edited: &Value) -> Result<Value> {
    for field in ["/apiVersion", "/kind", "/metadata/name"] {
        if original.pointer(field) != edited.pointer(field) {
            return Err(CliError::msg("At least one of apiVersion, kind and name was changed"));
        }
    }
    three_way::three_way(Some(original), edited, original, &schema::for_kind(kind_name))
        .map_err(|e| CliError::msg(format!("creating the patch: {e}")))
}

/// Why an edit ended without an error.
enum Ended {
    Edited,
    Unchanged,
    Emptied,
}

pub async fn run(client: &Client, ns: &str, args: EditArgs) -> Result<()> {
    let (kind, name) = resource::one(&args.target)?;
    let path = item_path(kind, ns, &name);
    let mut original = client.get(&path).await?;
    original["apiVersion"] = Value::String(kind.api_version());
    original["kind"] = Value::String(kind.info().name.to_string());
    let file = std::env::temp_dir().join(format!("skiff-edit-{}.yaml", uuid::Uuid::new_v4().simple()));
    let io = |e: std::io::Error| CliError::msg(format!("{}: {e}", file.display()));
    let original_text = output::yaml(&original)?;
    let (mut content, mut errors) = (original_text.clone(), String::new());
    let mut failed: Option<String> = None;
    let ended = loop {
        std::fs::write(&file, format!("{HEADER}{errors}{content}")).map_err(io)?;
        let status = editor_command(&file).status().map_err(io)?;
        if !status.success() {
            return Err(CliError::msg(format!("there was a problem with the editor ({status})")));
        }
        let stripped = strip_comments(&std::fs::read_to_string(&file).map_err(io)?);
        if failed.as_deref() == Some(stripped.as_str()) {
            eprintln!("A copy of your changes has been stored to {:?}", file.display().to_string());
            return Err(CliError::msg("Edit cancelled, no valid changes were saved."));
        }
        if stripped.trim().is_empty() {
            break Ended::Emptied;
        }
        if stripped == original_text {
            break Ended::Unchanged;
        }
        let sent = match read_edited(&stripped).and_then(|edited| edit_patch(kind.info().name, &original, &edited)) {
            Ok(patch) if patch.as_object().is_some_and(|p| p.is_empty()) => break Ended::Unchanged,
            Ok(patch) => client.patch(&path, "application/strategic-merge-patch+json", &patch).await,
            Err(e) => Err(e),
        };
        match sent {
            Ok(_) => break Ended::Edited,
            Err(e) => {
                match e.reason() {
                    Some("Invalid") => eprintln!("error: {} {name:?} is invalid", kind.qualified_plural()),
                    _ => eprintln!("{e}"),
                }
                let message: String = e.to_string().lines().map(|l| format!("# {l}\n")).collect();
                errors = format!("# {} {name:?} was not valid:\n{message}#\n", kind.qualified_plural());
                content = stripped.clone();
                failed = Some(stripped);
            }
        }
    };
    let _ = std::fs::remove_file(&file);
    match ended {
        Ended::Edited => println!("{}/{name} edited", qualified(kind)),
        Ended::Unchanged => eprintln!("Edit cancelled, no changes made."),
        Ended::Emptied => eprintln!("Edit cancelled, saved file was empty."),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn patches_what_changed() {
        let original = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "labels": {"a": "1"}}, "spec": {"replicas": 1}});
        let mut edited = original.clone();
        edited["spec"]["replicas"] = json!(3);
        edited["metadata"]["labels"] = json!({});
        assert_eq!(
            edit_patch("Deployment", &original, &edited).unwrap(),
            json!({"metadata": {"labels": {"a": null}}, "spec": {"replicas": 3}})
        );
        edited["metadata"]["name"] = json!("other");
        assert!(edit_patch("Deployment", &original, &edited).is_err());
        assert_eq!(strip_comments(&format!("{HEADER}# only comments\n")), "");
        assert_eq!(read_edited(&strip_comments("# c\nkind: Service\n")).unwrap(), json!({"kind": "Service"}));
    }
}
