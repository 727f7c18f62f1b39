//! `get`: Tables from the server rendered like kubectl (`-o wide`, `--show-labels`, `-A`,
//! `-l`), or the objects as YAML, JSON or names, and `-w` to keep printing changes.

use super::client::{CliError, Client, Result, TABLE, collection_path, item_path, list_path};
use super::output;
use super::resource::{self, Ref, qualified};
use crate::printers::text_table::{TableOptions, TablePrinter, render_table};
use clap::Args;
use futures_util::StreamExt;
use serde_json::Value;

#[derive(Args, Debug)]
pub struct GetArgs {
    /// TYPE [NAME...] or TYPE/NAME...
    #[arg(required = true)]
    pub resources: Vec<String>,
    /// Output format: wide, yaml, json or name.
    #[arg(short = 'o', long)]
    pub output: Option<String>,
    /// Label selector (e.g. app=web,tier!=db).
    #[arg(short = 'l', long)]
    pub selector: Option<String>,
    /// Across all namespaces.
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,
    /// After listing, watch for changes.
    #[arg(short = 'w', long)]
    pub watch: bool,
    #[arg(long)]
    pub show_labels: bool,
    #[arg(long)]
    pub no_headers: bool,
}

fn path(r: &Ref, ns: Option<&str>, selector: Option<&str>) -> String {
    match (&r.name, ns) {
        (Some(name), Some(ns)) => item_path(r.kind, ns, name),
        (Some(name), None) => item_path(r.kind, "default", name),
        (None, _) => list_path(r.kind, ns, selector),
    }
}

pub async fn run(client: &Client, ns: &str, args: GetArgs) -> Result<()> {
    let refs = resource::parse(&args.resources)?;
    let scope = (!args.all_namespaces).then_some(ns);
    match args.output.as_deref() {
        None | Some("wide") => tables(client, ns, scope, &refs, &args).await,
        Some(format @ ("yaml" | "json" | "name")) => {
            objects(client, scope, &refs, args.selector.as_deref(), format).await
        }
        Some(other) => Err(CliError::msg(format!(
            "unable to match a printer suitable for the output format {other:?}, allowed formats are: json,name,wide,yaml"
        ))),
    }
}

async fn tables(client: &Client, ns: &str, scope: Option<&str>, refs: &[Ref], args: &GetArgs) -> Result<()> {
    let several = refs.iter().map(|r| r.kind).collect::<std::collections::BTreeSet<_>>().len() > 1;
    let options = |r: &Ref| TableOptions {
        wide: args.output.as_deref() == Some("wide"),
        no_headers: args.no_headers,
        with_namespace: args.all_namespaces,
        show_labels: args.show_labels,
        label_columns: Vec::new(),
        kind_prefix: several.then(|| qualified(r.kind)),
    };
    let mut printed = Vec::new();
    let mut last_rv = String::new();
    for r in refs {
        let table = client.get_table(&path(r, scope, args.selector.as_deref())).await?;
        last_rv = table["metadata"]["resourceVersion"].as_str().unwrap_or_default().to_string();
        let rendered = render_table(&table, &options(r), ns);
        if !rendered.stdout.is_empty() {
            printed.push(rendered.stdout);
        }
    }
    if printed.is_empty() && !args.watch {
        let rendered = render_table(&Value::Null, &options(&refs[0]), ns);
        eprint!("{}", rendered.stderr);
    }
    print!("{}", printed.join("\n"));
    if args.watch {
        return watch(client, scope, &refs[0], args, options(&refs[0]), &last_rv).await;
    }
    Ok(())
}

/// `-w`: print every change as a table row, forever.
async fn watch(
    client: &Client,
    scope: Option<&str>,
    r: &Ref,
    args: &GetArgs,
    options: TableOptions,
    rv: &str,
) -> Result<()> {
    let mut q = vec![format!("watch=true"), format!("resourceVersion={rv}")];
    if let Some(s) = &args.selector {
        q.push(format!("labelSelector={}", form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>()));
    }
    if let Some(name) = &r.name {
        q.push(format!("fieldSelector=metadata.name%3D{name}"));
    }
    let url = format!("{}?{}", collection_path(r.kind, scope), q.join("&"));
    let mut printer = TablePrinter::new(TableOptions { no_headers: true, ..options });
    let mut stream = Box::pin(client.stream(&url, TABLE).await?);
    let mut buf = Vec::new();
    while let Some(chunk) = stream.next().await {
        buf.extend_from_slice(&chunk?);
        while let Some(end) = buf.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = buf.drain(..=end).collect();
            let Ok(event) = serde_json::from_slice::<Value>(&line) else {
                continue;
            };
            if event["type"] == "ERROR" {
                return Err(CliError::Status(event["object"].clone()));
            }
            print!("{}", printer.print(&event["object"]));
        }
    }
    Ok(())
}

async fn objects(
    client: &Client,
    scope: Option<&str>,
    refs: &[Ref],
    selector: Option<&str>,
    format: &str,
) -> Result<()> {
    let mut items: Vec<(crate::model::Kind, Value)> = Vec::new();
    let single = refs.len() == 1 && refs[0].name.is_some();
    for r in refs {
        let v = client.get(&path(r, scope, selector)).await?;
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
    if format == "name" {
        for (kind, obj) in &items {
            println!("{}", output::name(*kind, obj));
        }
        return Ok(());
    }
    let value = if single { items.remove(0).1 } else { output::list(items.into_iter().map(|(_, v)| v).collect()) };
    match format {
        "json" => println!("{}", output::json(&value)),
        _ => print!("{}", output::yaml(&value)?),
    }
    Ok(())
}
