//! Safer rollouts than Kubernetes (issue 12), against the real engine: an opted-in Deployment
//! whose new version never becomes ready goes back to its last completed revision on its own,
//! as a new revision, while the old version answers every request, and never tries again; the
//! pre-flight warnings reach both skiff's CLI and real kubectl.

mod support;

use std::time::{Duration, Instant};
use support::kubectl::Kubectl;
use support::load::Load;
use support::*;

const DEPLOY: &str = "deployment/guarded";

fn manifest(annotated: bool) -> String {
    let annotation = if annotated { "  annotations:\n    skiff.io/rollback-on-failure: \"true\"\n" } else { "" };
    format!(
        r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: guarded
{annotation}spec:
  replicas: 3
  progressDeadlineSeconds: 10
  selector:
    matchLabels: {{app: guarded}}
  strategy:
    rollingUpdate: {{maxSurge: 1, maxUnavailable: 0}}
  template:
    metadata:
      labels: {{app: guarded}}
    spec:
      containers:
        - name: web
          image: hello-kubernetes:1.0
          ports: [{{name: http, containerPort: 8080}}]
          readinessProbe:
            httpGet: {{path: /readyz, port: http}}
            periodSeconds: 1
---
apiVersion: v1
kind: Service
metadata:
  name: guarded
spec:
  type: NodePort
  selector: {{app: guarded}}
  ports: [{{port: 80, targetPort: http}}]
"#
    )
}

fn apply(d: &Daemon, yaml: &str) -> std::process::Output {
    let file = d.state.path().join("guarded.yaml");
    std::fs::write(&file, yaml).unwrap();
    d.skiff(&["apply", "-f", file.to_str().unwrap()])
}

fn image(d: &Daemon) -> String {
    let dep = d.api("/apis/apps/v1/namespaces/default/deployments/guarded");
    dep["spec"]["template"]["spec"]["containers"][0]["image"].as_str().unwrap_or_default().to_string()
}

/// Replicas the ReplicaSets running `image` ask for.
fn wanted(d: &Daemon, image: &str) -> i64 {
    let list = d.api("/apis/apps/v1/namespaces/default/replicasets");
    let items = list["items"].as_array().cloned().unwrap_or_default();
    items
        .iter()
        .filter(|rs| rs["spec"]["template"]["spec"]["containers"][0]["image"] == image)
        .map(|rs| rs["spec"]["replicas"].as_i64().unwrap_or(0))
        .sum()
}

#[test]
fn a_stuck_rollout_goes_back_to_the_last_completed_revision_on_its_own() {
    let d = Daemon::start();
    assert!(apply(&d, &manifest(true)).status.success());
    d.ok(&["rollout", "status", DEPLOY, "--timeout=90s"]);
    let load = Load::start(d.node_port("guarded"));
    d.ok(&["set", "image", DEPLOY, "web=hello-kubernetes:3.0"]);
    let status = d.skiff(&["rollout", "status", DEPLOY, "--timeout=90s"]);
    let stderr = text(&status.stderr);
    assert_eq!(status.status.code(), Some(1), "{stderr}");
    assert!(stderr.starts_with("error: deployment \"guarded\" exceeded its progress deadline\n"), "{stderr}");
    assert!(
        stderr.contains("was rolled back to revision 3 by skiff.io/rollback-on-failure (auto-rollback: revision 2 exceeded its progress deadline)"),
        "{stderr}"
    );
    d.ok(&["rollout", "status", DEPLOY, "--timeout=90s"]);
    assert_eq!(image(&d), "hello-kubernetes:1.0");
    let history = d.ok(&["rollout", "history", DEPLOY]);
    assert!(history.contains("3         auto-rollback: revision 2 exceeded its progress deadline"), "{history}");
    let described = d.ok(&["describe", DEPLOY]);
    assert!(described.contains("DeploymentRollback") && described.contains("to revision 1"), "{described}");
    // Never a second attempt: the failed revision stays at zero replicas.
    let quiet_until = Instant::now() + Duration::from_secs(30);
    while Instant::now() < quiet_until {
        assert_eq!(wanted(&d, "hello-kubernetes:3.0"), 0, "the failed revision was tried again");
        assert_eq!(image(&d), "hello-kubernetes:1.0");
        std::thread::sleep(Duration::from_millis(500));
    }
    let tally = load.stop();
    assert_eq!(tally.failures, 0, "{} requests failed: {:?}", tally.failures, tally.failure_samples);
    assert!(tally.total() > 100, "too little traffic: {tally:?}");
}

#[test]
fn without_the_annotation_a_stuck_rollout_stays_stuck() {
    let d = Daemon::start();
    assert!(apply(&d, &manifest(false)).status.success());
    d.ok(&["rollout", "status", DEPLOY, "--timeout=90s"]);
    d.ok(&["set", "image", DEPLOY, "web=hello-kubernetes:3.0"]);
    let status = d.skiff(&["rollout", "status", DEPLOY, "--timeout=90s"]);
    assert_eq!(text(&status.stderr), "error: deployment \"guarded\" exceeded its progress deadline\n");
    assert_eq!(image(&d), "hello-kubernetes:3.0", "Kubernetes only reports a timed-out rollout");
}

#[test]
fn pre_flight_warnings_reach_skiff_and_kubectl() {
    let d = Daemon::start();
    let readiness =
        "          readinessProbe:\n            httpGet: {path: /readyz, port: http}\n            periodSeconds: 1\n";
    let risky = manifest(false)
        .replace("replicas: 3", "replicas: 1")
        .replace("maxUnavailable: 0", "maxUnavailable: 1")
        .replace(readiness, "");
    let out = apply(&d, &risky);
    assert!(out.status.success());
    let warned = text(&out.stderr);
    assert!(warned.contains("Warning: spec.strategy.rollingUpdate.maxUnavailable: with 1 replica"), "{warned}");
    assert!(
        warned.contains("Warning: Deployment \"guarded\" has no readinessProbe, so Service \"guarded\""),
        "{warned}"
    );
    let slow = manifest(false).replace("            periodSeconds: 1\n", "            initialDelaySeconds: 30\n");
    let file = d.state.path().join("slow.yaml");
    std::fs::write(&file, slow).unwrap();
    let k = Kubectl::new("1.33", &d);
    let out = k.run(&["apply", "-f", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains(
            "Warning: spec.template.spec.containers[0].readinessProbe: cannot pass sooner than 30s after the container starts"
        ),
        "{}",
        text(&out.stderr)
    );
}
