//! `get -w`: the current Table, then one row per change, through one printer so that every row
//! lines up under the header as kubectl's do.

use super::GetArgs;
use crate::cli::client::{CliError, Client, Result, TABLE, collection_path};
use crate::cli::resource::Ref;
use crate::printers::text_table::TablePrinter;
use futures_util::StreamExt;
use serde_json::Value;

pub async fn run(client: &Client, scope: Option<&str>, r: &Ref, args: &GetArgs, wide: bool) -> Result<()> {
    let table = client.get_table(&args.path(r, scope, &[])).await?;
    let rv = table["metadata"]["resourceVersion"].as_str().unwrap_or_default().to_string();
    let mut printer = TablePrinter::new(args.table_options(wide, None));
    print!("{}", printer.print(&table));
    let mut q = vec!["watch=true".to_string(), format!("resourceVersion={rv}")];
    q.extend(args.selection().params());
    if let Some(name) = &r.name {
        q.push(format!("fieldSelector=metadata.name%3D{name}"));
    }
    let url = format!("{}?{}", collection_path(r.kind, scope), q.join("&"));
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
