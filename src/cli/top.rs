//! `top pods|nodes`: CPU and memory from the metrics.k8s.io API, printed as kubectl prints
//! them (millicores, MiB).

use super::client::{CliError, Client, Result};
use crate::printers::text_table::TabWriter;
use clap::{Args, Subcommand};
use serde_json::Value;

#[derive(Subcommand, Debug)]
pub enum TopCommand {
    /// CPU and memory of pods.
    #[command(alias = "pod", alias = "po")]
    Pods(TopPodsArgs),
    /// CPU and memory of the node.
    #[command(alias = "node", alias = "no")]
    Nodes,
}

#[derive(Args, Debug)]
pub struct TopPodsArgs {
    /// One pod's name.
    pub name: Option<String>,
    /// Label selector.
    #[arg(short = 'l', long)]
    pub selector: Option<String>,
    /// Every namespace.
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,
    /// One row per container.
    #[arg(long)]
    pub containers: bool,
}

const API: &str = "/apis/metrics.k8s.io/v1beta1";

fn millicores(q: &Value) -> i128 {
    crate::model::quantity::nanos(q.as_str().unwrap_or("0")).map_or(0, |n| (n + 999_999) / 1_000_000)
}

fn mebibytes(q: &Value) -> i128 {
    crate::model::quantity::nanos(q.as_str().unwrap_or("0")).map_or(0, |n| n / 1_000_000_000 / (1024 * 1024))
}

fn usage_cells(usage: &[&Value]) -> String {
    let cpu: i128 = usage.iter().map(|u| millicores(&u["cpu"])).sum();
    let memory: i128 = usage.iter().map(|u| mebibytes(&u["memory"])).sum();
    format!("{cpu}m\t{memory}Mi\t")
}

pub async fn run(client: &Client, ns: &str, cmd: TopCommand) -> Result<()> {
    let mut w = TabWriter::kubectl_get();
    match cmd {
        TopCommand::Nodes => {
            let list = client.get(&format!("{API}/nodes")).await?;
            w.write("NAME\tCPU(cores)\tMEMORY(bytes)\t\n");
            for n in list["items"].as_array().into_iter().flatten() {
                w.write(&format!(
                    "{}\t{}\n",
                    n["metadata"]["name"].as_str().unwrap_or_default(),
                    usage_cells(&[&n["usage"]])
                ));
            }
        }
        TopCommand::Pods(args) => {
            let path = match (&args.name, args.all_namespaces) {
                (Some(name), _) => format!("{API}/namespaces/{ns}/pods/{name}"),
                (None, true) => format!("{API}/pods"),
                (None, false) => format!("{API}/namespaces/{ns}/pods"),
            };
            let path = match &args.selector {
                Some(s) => format!(
                    "{path}?labelSelector={}",
                    form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>()
                ),
                None => path,
            };
            let answer = client.get(&path).await?;
            let items = if args.name.is_some() {
                vec![answer]
            } else {
                answer["items"].as_array().cloned().unwrap_or_default()
            };
            if items.is_empty() {
                return Err(CliError::msg(if args.all_namespaces {
                    "No resources found".to_string()
                } else {
                    format!("No resources found in {ns} namespace.")
                }));
            }
            let prefix = if args.all_namespaces { "NAMESPACE\t" } else { "" };
            let pod = if args.containers { "POD\t" } else { "" };
            w.write(&format!("{prefix}{pod}NAME\tCPU(cores)\tMEMORY(bytes)\t\n"));
            for p in &items {
                let namespace = if args.all_namespaces {
                    format!("{}\t", p["metadata"]["namespace"].as_str().unwrap_or_default())
                } else {
                    String::new()
                };
                let name = p["metadata"]["name"].as_str().unwrap_or_default();
                let containers = p["containers"].as_array().cloned().unwrap_or_default();
                if args.containers {
                    for c in &containers {
                        let cname = c["name"].as_str().unwrap_or_default();
                        w.write(&format!("{namespace}{name}\t{cname}\t{}\n", usage_cells(&[&c["usage"]])));
                    }
                } else {
                    let usage: Vec<&Value> = containers.iter().map(|c| &c["usage"]).collect();
                    w.write(&format!("{namespace}{name}\t{}\n", usage_cells(&usage)));
                }
            }
        }
    }
    print!("{}", w.flush());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn kubectl_units() {
        assert_eq!(millicores(&json!("1234567n")), 2);
        assert_eq!(millicores(&json!("0")), 0);
        assert_eq!(mebibytes(&json!("5120Ki")), 5);
        assert_eq!(
            usage_cells(&[&json!({"cpu": "100000000n", "memory": "2048Ki"}), &json!({"cpu": "5m", "memory": "1Mi"})]),
            "105m\t3Mi\t"
        );
    }
}
