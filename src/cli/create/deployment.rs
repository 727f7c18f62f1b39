//! `create deployment NAME --image=IMG…`: the Deployment kubectl builds (labels and selector
//! `app: NAME`, one container per image named after it).

use super::CreateOutput;
use clap::Args;
use serde_json::{Value, json};

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
    #[command(flatten)]
    pub out: CreateOutput,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::output;

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
