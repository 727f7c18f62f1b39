//! `label` and `annotate`: `KEY=VALUE` to set, `KEY-` to remove, on named or selected objects,
//! sent as the JSON merge patch kubectl sends, with kubectl's `--overwrite` rule and messages.

use super::client::{CliError, Client, Result, item_path};
use super::resource::{self, qualified};
use super::select::{self, Picked, Selection};
use crate::model::meta::CHANGE_CAUSE;
use clap::Args;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

#[derive(Args, Debug)]
pub struct MetadataArgs {
    /// TYPE NAME… or TYPE/NAME… (or TYPE with -l/--all), then KEY=VALUE… and KEY-…
    #[arg(required = true)]
    pub args: Vec<String>,
    #[command(flatten)]
    pub selection: Selection,
    /// Replace values that are already set.
    #[arg(long)]
    pub overwrite: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Labels,
    Annotations,
}

impl Field {
    fn key(self) -> &'static str {
        match self {
            Field::Labels => "labels",
            Field::Annotations => "annotations",
        }
    }

    fn singular(self) -> &'static str {
        match self {
            Field::Labels => "label",
            Field::Annotations => "annotation",
        }
    }
}

/// What to set and what to remove.
#[derive(Debug, Default, PartialEq, Eq)]
struct Changes {
    set: BTreeMap<String, String>,
    remove: Vec<String>,
}

fn parse_changes(pairs: &[String], field: Field) -> Result<Changes> {
    let mut changes = Changes::default();
    for pair in pairs {
        match pair.split_once('=') {
            Some((key, value)) => {
                changes.set.insert(key.to_string(), value.to_string());
            }
            None => changes.remove.push(pair.trim_end_matches('-').to_string()),
        }
    }
    if changes.set.is_empty() && changes.remove.is_empty() {
        return Err(CliError::msg(format!("at least one {} update is required", field.singular())));
    }
    if let Some(key) = changes.remove.iter().find(|k| changes.set.contains_key(*k)) {
        return Err(CliError::msg(format!(
            "can not both modify and remove the following {}(s) in the same command: {key}",
            field.singular()
        )));
    }
    Ok(changes)
}

/// kubectl's refusal to change a value without `--overwrite` (the change-cause annotation
/// excepted).
fn check_overwrite(current: &Map<String, Value>, changes: &Changes, field: Field) -> Result<()> {
    let conflicts: Vec<String> = changes
        .set
        .iter()
        .filter(|(key, _)| field == Field::Labels || key.as_str() != CHANGE_CAUSE)
        .filter_map(|(key, value)| {
            let old = current.get(key)?.as_str()?;
            (old != value).then(|| format!("'{key}' already has a value ({old})"))
        })
        .collect();
    match (field, conflicts.as_slice()) {
        (_, []) => Ok(()),
        (Field::Labels, [one]) => Err(CliError::msg(format!("{one}, and --overwrite is false"))),
        (Field::Labels, many) => Err(CliError::msg(format!(
            "[{}]",
            many.iter().map(|c| format!("{c}, and --overwrite is false")).collect::<Vec<_>>().join(", ")
        ))),
        (Field::Annotations, many) => Err(CliError::msg(format!(
            "--overwrite is false but found the following declared annotation(s): {}",
            many.join("; ")
        ))),
    }
}

/// The merge patch for one object and the verb kubectl prints for it.
fn plan(current: &Map<String, Value>, changes: &Changes, field: Field, overwrite: bool) -> (Value, &'static str) {
    let mut patch = Map::new();
    let mut after = current.clone();
    for key in &changes.remove {
        if after.remove(key).is_some() {
            patch.insert(key.clone(), Value::Null);
        } else if field == Field::Labels {
            println!("label {key:?} not found.");
        }
    }
    for (key, value) in &changes.set {
        if current.get(key).and_then(Value::as_str) != Some(value.as_str()) {
            patch.insert(key.clone(), Value::String(value.clone()));
        }
        after.insert(key.clone(), Value::String(value.clone()));
    }
    let verb = match field {
        Field::Annotations => "annotated",
        Field::Labels if after == *current => "not labeled",
        Field::Labels
            if !overwrite
                && Value::Object(after).to_string().len() < Value::Object(current.clone()).to_string().len() =>
        {
            "unlabeled"
        }
        Field::Labels => "labeled",
    };
    (json!({"metadata": {field.key(): patch}}), verb)
}

pub async fn run(client: &Client, ns: &str, args: MetadataArgs, field: Field) -> Result<()> {
    let (resources, pairs) = resource::resources_and_pairs(&args.args, field.singular())?;
    let changes = parse_changes(&pairs, field)?;
    for Picked { kind, name, object } in select::pick(client, ns, &resources, &args.selection).await? {
        let current = object["metadata"][field.key()].as_object().cloned().unwrap_or_default();
        if !args.overwrite {
            check_overwrite(&current, &changes, field)?;
        }
        let (patch, verb) = plan(&current, &changes, field, args.overwrite);
        client.patch(&item_path(kind, ns, &name), "application/merge-patch+json", &patch).await?;
        println!("{}/{name} {verb}", qualified(kind));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn changes(pairs: &[&str]) -> Changes {
        parse_changes(&pairs.iter().map(|s| s.to_string()).collect::<Vec<_>>(), Field::Labels).unwrap()
    }

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn label_rules_and_messages() {
        let current = map(json!({"app": "web", "tier": "front"}));
        assert_eq!(
            check_overwrite(&current, &changes(&["app=api"]), Field::Labels).unwrap_err().to_string(),
            "error: 'app' already has a value (web), and --overwrite is false"
        );
        assert!(check_overwrite(&current, &changes(&["app=web", "new=1"]), Field::Labels).is_ok());
        assert_eq!(
            plan(&current, &changes(&["env=prod"]), Field::Labels, false),
            (json!({"metadata": {"labels": {"env": "prod"}}}), "labeled")
        );
        assert_eq!(
            plan(&current, &changes(&["tier-"]), Field::Labels, false),
            (json!({"metadata": {"labels": {"tier": null}}}), "unlabeled")
        );
        assert_eq!(plan(&current, &changes(&["app=web"]), Field::Labels, false).1, "not labeled");
        assert_eq!(
            check_overwrite(&map(json!({"a": "1"})), &changes(&["a=2"]), Field::Annotations).unwrap_err().to_string(),
            "error: --overwrite is false but found the following declared annotation(s): 'a' already has a value (1)"
        );
        let none = parse_changes(&[], Field::Labels).unwrap_err();
        assert_eq!(none.to_string(), "error: at least one label update is required");
    }
}
