//! `apply`: kubectl's client-side apply. Every document is checked by the server first (a dry
//! run), so one bad document changes nothing; then each is created (with its
//! last-applied-configuration) or patched with the three-way strategic merge patch computed
//! from last-applied, the manifest and the live object.

use super::Files;
use super::client::{CliError, Client, Result, collection_path, item_path};
use super::manifest::{self, Doc};
use super::resource::qualified;
use crate::model::{Kind, decode};
use crate::patch::apply;
use clap::Args;
use serde_json::Value;

#[derive(Args, Debug)]
pub struct ApplyArgs {
    #[command(flatten)]
    pub files: Files,
    /// `server`: only check with the server; `none`: apply.
    #[arg(long, default_value = "none", value_parser = ["none", "server", "client"])]
    pub dry_run: String,
}

/// What applying one document takes.
enum Step {
    Create { path: String, body: Value },
    Patch { path: String, patch: Value },
    Unchanged,
}

struct Planned {
    kind: Kind,
    name: String,
    namespace: String,
    source: String,
    step: Step,
}

async fn plan(client: &Client, ns: &str, doc: &Doc) -> Result<Planned> {
    let kind =
        decode::kind_of(&doc.value).map_err(|e| CliError::msg(format!("unable to recognize {:?}: {e}", doc.source)))?;
    let name = doc.value["metadata"]["name"].as_str().filter(|n| !n.is_empty()).ok_or_else(|| {
        CliError::msg(format!(
            "error when retrieving current configuration of {:?}: resource name may not be empty",
            doc.source
        ))
    })?;
    let ns = manifest::namespace_of(kind, &doc.value, ns);
    let path = item_path(kind, &ns, name);
    let live = client.get_optional(&path).await?;
    let step = match apply::plan(kind.info().name, &doc.value, &ns, live.as_ref()) {
        Ok(apply::Step::Create(body)) => Step::Create { path: collection_path(kind, Some(&ns)), body },
        Ok(apply::Step::Patch(patch)) => Step::Patch { path, patch },
        Ok(apply::Step::Unchanged) => Step::Unchanged,
        Err(e) => return Err(CliError::msg(format!("creating the patch for {}: {e}", qualified(kind)))),
    };
    Ok(Planned { kind, name: name.to_string(), namespace: ns, source: doc.source.clone(), step })
}

async fn execute(client: &Client, p: &Planned, dry_run: bool) -> Result<&'static str> {
    let query = if dry_run { "?fieldValidation=Strict&dryRun=All" } else { "?fieldValidation=Strict" };
    match &p.step {
        Step::Create { path, body } => {
            client
                .post(&format!("{path}{query}"), body)
                .await
                .map_err(|e| e.context(format!("error when creating {:?}: ", p.source)))?;
            Ok("created")
        }
        Step::Patch { path, patch } => {
            client
                .patch(&format!("{path}{query}"), "application/strategic-merge-patch+json", patch)
                .await
                .map_err(|e| e.context(format!("error when patching {:?}: ", p.source)))?;
            Ok("configured")
        }
        Step::Unchanged => Ok("unchanged"),
    }
}

/// The server did not find `p`'s namespace, and an earlier document of the batch creates it.
fn namespace_created_before(earlier: &[Planned], p: &Planned, e: &CliError) -> bool {
    let CliError::Status(s) = e else { return false };
    let missing_namespace = s["reason"] == "NotFound" && s["details"]["kind"] == "namespaces";
    missing_namespace
        && s["details"]["name"] == p.namespace.as_str()
        && earlier.iter().any(|n| n.kind == Kind::Namespace && n.name == p.namespace)
}

pub async fn run(client: &Client, ns: &str, args: ApplyArgs) -> Result<()> {
    let docs = manifest::read(&args.files.files)?;
    if docs.is_empty() {
        return Err(CliError::msg("no objects passed to apply"));
    }
    let mut plans = Vec::with_capacity(docs.len());
    for doc in &docs {
        plans.push(plan(client, ns, doc).await?);
    }
    // All or nothing: the server checks every document before any is written. A document in
    // a namespace that an earlier one creates can only be checked once that one exists.
    for (i, p) in plans.iter().enumerate() {
        match execute(client, p, true).await {
            Err(e) if namespace_created_before(&plans[..i], p, &e) => {}
            other => {
                other?;
            }
        }
    }
    let suffix = if args.dry_run == "none" { "" } else { " (server dry run)" };
    for p in &plans {
        let outcome = execute(client, p, args.dry_run != "none").await?;
        println!("{}/{} {outcome}{suffix}", qualified(p.kind), p.name);
    }
    Ok(())
}
