//! `get`: Tables from the server rendered like kubectl (`-o wide`, `--show-labels`, `-L`,
//! `-A`, `-l`, `--field-selector`, `--sort-by`), or the objects in any `-o` format, and `-w`
//! to keep printing changes.

mod watch;

use super::client::{CliError, Client, Result, collection_path, item_path};
use super::output::{self, Format};
use super::resource::{self, Ref, qualified};
use super::select::Selection;
use crate::model::Kind;
use crate::printers::sort::sort_by;
use crate::printers::text_table::{TableOptions, render_table};
use clap::Args;
use serde_json::Value;

#[derive(Args, Debug)]
pub struct GetArgs {
    /// TYPE [NAME...] or TYPE/NAME...
    #[arg(required = true)]
    pub resources: Vec<String>,
    /// Output format: wide, yaml, json, name, jsonpath=…, jsonpath-file=…, jsonpath-as-json=…,
    /// custom-columns=…, custom-columns-file=….
    #[arg(short = 'o', long)]
    pub output: Option<String>,
    /// Label selector (e.g. app=web,tier!=db).
    #[arg(short = 'l', long)]
    pub selector: Option<String>,
    /// Field selector, evaluated by the server (e.g. status.phase=Running).
    #[arg(long)]
    pub field_selector: Option<String>,
    /// Sort by a JSONPath field (e.g. .metadata.name, {.status.startTime}).
    #[arg(long)]
    pub sort_by: Option<String>,
    /// Across all namespaces.
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,
    /// After listing, watch for changes.
    #[arg(short = 'w', long)]
    pub watch: bool,
    #[arg(long)]
    pub show_labels: bool,
    /// Label keys to show as columns (repeatable or comma-separated).
    #[arg(short = 'L', long = "label-columns", value_delimiter = ',')]
    pub label_columns: Vec<String>,
    #[arg(long)]
    pub no_headers: bool,
}

impl GetArgs {
    fn selection(&self) -> Selection {
        Selection { selector: self.selector.clone(), field_selector: self.field_selector.clone(), all: false }
    }

    fn table_options(&self, wide: bool, kind_prefix: Option<String>) -> TableOptions {
        TableOptions {
            wide,
            no_headers: self.no_headers,
            with_namespace: self.all_namespaces,
            show_labels: self.show_labels,
            label_columns: self.label_columns.clone(),
            kind_prefix,
        }
    }

    /// The path to GET for `r`: the named object, or the collection with the selectors.
    fn path(&self, r: &Ref, scope: Option<&str>, extra: &[&str]) -> String {
        if let Some(name) = &r.name {
            return item_path(r.kind, scope.unwrap_or("default"), name);
        }
        let mut q = self.selection().params();
        q.extend(extra.iter().map(|s| s.to_string()));
        let query = if q.is_empty() { String::new() } else { format!("?{}", q.join("&")) };
        format!("{}{query}", collection_path(r.kind, scope))
    }
}

pub async fn run(client: &Client, ns: &str, args: GetArgs) -> Result<()> {
    let refs = resource::parse(&args.resources)?;
    let format = Format::parse(args.output.as_deref())?;
    let scope = (!args.all_namespaces).then_some(ns);
    match format {
        Format::Table { wide } if args.watch => watch::run(client, scope, &refs[0], &args, wide).await,
        Format::Table { wide } => tables(client, ns, scope, &refs, &args, wide).await,
        other => objects(client, scope, &refs, &args, &other).await,
    }
}

async fn tables(
    client: &Client,
    ns: &str,
    scope: Option<&str>,
    refs: &[Ref],
    args: &GetArgs,
    wide: bool,
) -> Result<()> {
    let several = refs.iter().map(|r| r.kind).collect::<std::collections::BTreeSet<_>>().len() > 1;
    let include_object: &[&str] = if args.sort_by.is_some() { &["includeObject=Object"] } else { &[] };
    let mut printed = Vec::new();
    for r in refs {
        let mut table = client.get_table(&args.path(r, scope, include_object)).await?;
        if let Some(field) = &args.sort_by {
            sort_rows(&mut table, field)?;
        }
        let rendered = render_table(&table, &args.table_options(wide, several.then(|| qualified(r.kind))), ns);
        if !rendered.stdout.is_empty() {
            printed.push(rendered.stdout);
        }
    }
    if printed.is_empty() {
        eprint!("{}", render_table(&Value::Null, &args.table_options(wide, None), ns).stderr);
    }
    print!("{}", printed.join("\n"));
    Ok(())
}

/// `--sort-by` on a Table: its rows ordered by their objects.
fn sort_rows(table: &mut Value, field: &str) -> Result<()> {
    let Some(rows) = table.get_mut("rows").and_then(Value::as_array_mut) else { return Ok(()) };
    let sorted = sort_by(std::mem::take(rows), field, |row| &row["object"]).map_err(CliError::msg)?;
    *rows = sorted;
    Ok(())
}

async fn objects(client: &Client, scope: Option<&str>, refs: &[Ref], args: &GetArgs, format: &Format) -> Result<()> {
    let mut items: Vec<(Kind, Value)> = Vec::new();
    let single = refs.len() == 1 && refs[0].name.is_some();
    for r in refs {
        let v = client.get(&args.path(r, scope, &[])).await?;
        match &r.name {
            Some(_) => items.push((r.kind, v)),
            None => items.extend(v["items"].as_array().cloned().unwrap_or_default().into_iter().map(|mut item| {
                // List items carry no kind; kubectl fills them in.
                item["kind"] = Value::String(r.kind.info().name.into());
                item["apiVersion"] = Value::String(r.kind.api_version());
                (r.kind, item)
            })),
        }
    }
    if let Some(field) = args.sort_by.as_deref().filter(|_| !single) {
        items = sort_by(items, field, |(_, v)| v).map_err(CliError::msg)?;
    }
    print!("{}", output::print_objects(format, items, single, args.no_headers)?);
    Ok(())
}
