//! `create deployment NAME --image=IMG…`: the Deployment kubectl builds (labels and selector
//! `app: NAME`, one container per image named after it), created or printed with --dry-run.

use super::client::{CliError, Client, Result, collection_path};
use super::output::{self, Format};
use crate::model::Kind;
use clap::{Args, Subcommand};
use serde_json::{Value, json};

#[derive(Subcommand, Debug)]
pub enum CreateCommand {
    /// A Deployment running the given images.
    Deployment(CreateDeploymentArgs),
}

#[derive(Args, Debug)]
pub struct CreateDeploymentArgs {
    pub name: String,
    /// Image to run (repeatable: one container each).
    #[arg(long, required = true)]
    pub image: Vec<String>,
    #[arg(long, default_value_t = 1)]
    pub replicas: i32,
    /// The first container's port.
    #[arg(long)]
    pub port: Option<i32>,
    /// none, client (print only) or server (checked by the server, not stored).
    #[arg(long, default_value = "none", value_parser = ["none", "client", "server"])]
    pub dry_run: String,
    /// Print the object instead of a message: yaml, json or name.
    #[arg(short = 'o', long)]
    pub output: Option<String>,
}

/// The container name kubectl derives from an image: its last path segment without tag or
/// digest; `_` and `.` become `-` with a random suffix.
pub fn container_name(image: &str) -> String {
    let last = image.rsplit('/').next().unwrap_or(image);
    let name = last.split(':').next().unwrap_or(last).split('@').next().unwrap_or(last);
    if !name.contains(['_', '.']) {
        return name.to_string();
    }
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let suffix: String = (0..5).map(|_| ALPHABET[fastrand::usize(..ALPHABET.len())] as char).collect();
    format!("{}-{suffix}", name.replace(['_', '.'], "-"))
}

/// The object `kubectl create deployment` sends.
pub fn deployment(name: &str, images: &[String], replicas: i32, port: Option<i32>) -> Value {
    let labels = json!({"app": name});
    let mut containers: Vec<Value> =
        images.iter().map(|image| json!({"image": image, "name": container_name(image), "resources": {}})).collect();
    if let (Some(port), Some(first)) = (port, containers.first_mut()) {
        first["ports"] = json!([{"containerPort": port}]);
    }
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"creationTimestamp": null, "labels": labels, "name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "strategy": {},
            "template": {"metadata": {"creationTimestamp": null, "labels": labels}, "spec": {"containers": containers}},
        },
        "status": {},
    })
}

pub async fn run(client: &Client, ns: &str, cmd: CreateCommand) -> Result<()> {
    let CreateCommand::Deployment(args) = cmd;
    let format = args.output.as_deref().map(|o| Format::parse(Some(o))).transpose()?;
    if format.as_ref().is_some_and(Format::is_table) {
        return Err(CliError::msg(format!(
            "--output {:?} is not available for create",
            args.output.unwrap_or_default()
        )));
    }
    let object = deployment(&args.name, &args.image, args.replicas, args.port);
    let created = match args.dry_run.as_str() {
        "client" => object,
        dry_run => {
            let query = if dry_run == "server" {
                "?fieldManager=kubectl-create&dryRun=All"
            } else {
                "?fieldManager=kubectl-create"
            };
            client.post(&format!("{}{query}", collection_path(Kind::Deployment, Some(ns))), &object).await?
        }
    };
    match format {
        Some(format) => print!("{}", output::print_objects(&format, vec![(Kind::Deployment, created)], true, false)?),
        None => {
            let suffix = match args.dry_run.as_str() {
                "client" => " (dry run)",
                "server" => " (server dry run)",
                _ => "",
            };
            println!("deployment.apps/{} created{suffix}", args.name);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_what_kubectl_builds() {
        assert_eq!(container_name("hello-kubernetes:1.0"), "hello-kubernetes");
        assert_eq!(container_name("registry.local:5000/team/web@sha256:abc"), "web");
        let odd = container_name("my_app.v2:1");
        assert!(odd.starts_with("my-app-v2-") && odd.len() == "my-app-v2-".len() + 5, "{odd}");
        let d = deployment("x", &["hello-kubernetes:1.0".into()], 1, Some(8080));
        assert_eq!(
            output::yaml(&d).unwrap(),
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  creationTimestamp: null\n  labels:\n    app: x\n  name: x\nspec:\n  replicas: 1\n  selector:\n    matchLabels:\n      app: x\n  strategy: {}\n  template:\n    metadata:\n      creationTimestamp: null\n      labels:\n        app: x\n    spec:\n      containers:\n      - image: hello-kubernetes:1.0\n        name: hello-kubernetes\n        ports:\n        - containerPort: 8080\n        resources: {}\nstatus: {}\n"
        );
    }
}
