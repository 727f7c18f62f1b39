//! `wait --for=condition=TYPE[=STATUS]|delete|jsonpath={…}=VALUE TYPE NAME|-l …`: watches
//! each object until the condition holds (kubectl's checks, including its observedGeneration
//! rule), then prints `KIND/NAME condition met`; a timeout fails as kubectl's does.

use super::client::{CliError, Client, Result, collection_path};
use super::resource::qualified;
use super::rollout::parse_duration;
use super::select::{self, Picked, Selection};
use crate::printers::jsonpath::Template;
use clap::Args;
use futures_util::StreamExt;
use serde_json::Value;
use std::time::Duration;
use tokio::time::Instant;

#[derive(Args, Debug)]
pub struct WaitArgs {
    /// TYPE NAME…, TYPE/NAME…, or TYPE with -l/--all.
    #[arg(required = true)]
    pub resources: Vec<String>,
    /// condition=TYPE[=STATUS], delete, or jsonpath={EXPR}=VALUE.
    #[arg(long = "for")]
    pub condition: String,
    #[command(flatten)]
    pub selection: Selection,
    /// How long to wait (e.g. 60s, 5m).
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    pub timeout: Duration,
}

/// What `--for` asks for.
#[derive(Debug)]
pub enum Condition {
    Status { kind: String, status: String },
    Deleted,
    JsonPath { template: Template, value: Option<String> },
}

impl Condition {
    pub fn parse(text: &str) -> Result<Condition> {
        if text == "delete" {
            return Ok(Condition::Deleted);
        }
        if let Some(rest) = text.strip_prefix("condition=") {
            let (kind, status) = rest.split_once('=').unwrap_or((rest, "True"));
            return Ok(Condition::Status { kind: kind.to_string(), status: status.to_string() });
        }
        if let Some(rest) = text.strip_prefix("jsonpath=") {
            let (expression, value) = match rest.rfind("}=") {
                Some(i) => (&rest[..=i], Some(rest[i + 2..].to_string())),
                None => (rest, None),
            };
            let template = Template::parse(expression)
                .map_err(|e| CliError::msg(format!("unrecognized condition: {text:?}: {e}")))?;
            return Ok(Condition::JsonPath { template, value });
        }
        Err(CliError::msg(format!("unrecognized condition: {text:?}")))
    }

    /// Whether `object` (`None`: it no longer exists) satisfies the condition.
    pub fn holds(&self, object: Option<&Value>) -> bool {
        let Some(object) = object else { return matches!(self, Condition::Deleted) };
        match self {
            Condition::Deleted => false,
            Condition::Status { kind, status } => {
                condition_status(object, kind).is_some_and(|s| s.eq_ignore_ascii_case(status))
            }
            Condition::JsonPath { template, value } => {
                let results = template.results(object).unwrap_or_default();
                match (value, results.as_slice()) {
                    (None, found) => !found.is_empty(),
                    (Some(want), [one]) => crate::printers::go_format::sprint(one) == *want,
                    _ => false,
                }
            }
        }
    }
}

/// The status of condition `kind`, unless the object's status is older than its spec.
fn condition_status<'a>(object: &'a Value, kind: &str) -> Option<&'a str> {
    let condition = object["status"]["conditions"]
        .as_array()?
        .iter()
        .find(|c| c["type"].as_str().is_some_and(|t| t.eq_ignore_ascii_case(kind)))?;
    let status = condition["status"].as_str()?;
    if let Some(generation) = object["metadata"]["generation"].as_i64() {
        let observed =
            condition["observedGeneration"].as_i64().or_else(|| object["status"]["observedGeneration"].as_i64());
        if observed.is_some_and(|o| o < generation) {
            return None;
        }
    }
    Some(status)
}

pub async fn run(client: &Client, ns: &str, args: WaitArgs) -> Result<()> {
    let condition = Condition::parse(&args.condition)?;
    let deadline = Instant::now() + args.timeout;
    let picked = match select::pick(client, ns, &args.resources, &args.selection).await {
        Err(e) if matches!(condition, Condition::Deleted) && e.reason() == Some("NotFound") => Vec::new(),
        other => other?,
    };
    if picked.is_empty() && !matches!(condition, Condition::Deleted) {
        return Err(CliError::msg("no matching resources found"));
    }
    for target in picked {
        wait_for(client, ns, &target, &condition, deadline).await?;
        println!("{}/{} condition met", qualified(target.kind), target.name);
    }
    Ok(())
}

/// Watches `target` from the version already read until `condition` holds or `deadline`.
async fn wait_for(client: &Client, ns: &str, target: &Picked, condition: &Condition, deadline: Instant) -> Result<()> {
    let timed_out = || {
        CliError::msg(format!("timed out waiting for the condition on {}/{}", target.kind.info().plural, target.name))
    };
    if condition.holds(Some(&target.object)) {
        return Ok(());
    }
    let rv = target.object["metadata"]["resourceVersion"].as_str().unwrap_or_default();
    let url = format!(
        "{}?watch=true&resourceVersion={rv}&fieldSelector=metadata.name%3D{}",
        collection_path(target.kind, Some(ns)),
        target.name
    );
    let mut stream = Box::pin(client.stream(&url, "application/json").await?);
    let mut buf = Vec::new();
    loop {
        let chunk = match tokio::time::timeout_at(deadline, stream.next()).await {
            Err(_) | Ok(None) => return Err(timed_out()),
            Ok(Some(chunk)) => chunk?,
        };
        buf.extend_from_slice(&chunk);
        while let Some(end) = buf.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = buf.drain(..=end).collect();
            let Ok(event) = serde_json::from_slice::<Value>(&line) else { continue };
            let object = (event["type"] != "DELETED").then_some(&event["object"]);
            if event["type"] != "ERROR" && condition.holds(object) {
                return Ok(());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deployment(generation: i64, observed: i64, available: &str) -> Value {
        json!({"metadata": {"generation": generation}, "status": {"observedGeneration": observed,
            "conditions": [{"type": "Available", "status": available}], "readyReplicas": 3}})
    }

    #[test]
    fn conditions_as_kubectl_checks_them() {
        let available = Condition::parse("condition=Available").unwrap();
        assert!(available.holds(Some(&deployment(2, 2, "True"))));
        assert!(!available.holds(Some(&deployment(3, 2, "True"))), "status older than the spec");
        assert!(!available.holds(Some(&deployment(2, 2, "False"))));
        assert!(!available.holds(None));
        assert!(Condition::parse("condition=available=false").unwrap().holds(Some(&deployment(1, 1, "False"))));
        let deleted = Condition::parse("delete").unwrap();
        assert!(deleted.holds(None) && !deleted.holds(Some(&json!({}))));
        let ready = Condition::parse("jsonpath={.status.readyReplicas}=3").unwrap();
        assert!(ready.holds(Some(&deployment(1, 1, "True"))));
        assert!(
            !Condition::parse("jsonpath={.status.readyReplicas}=2").unwrap().holds(Some(&deployment(1, 1, "True")))
        );
        assert_eq!(Condition::parse("ready").unwrap_err().to_string(), "error: unrecognized condition: \"ready\"");
    }
}
