//! Crash at any moment, against the real engine (issue 10): `kill -9` of the daemon early in a
//! 10-replica rollout (maxSurge 2, maxUnavailable 1, readiness every second), in the middle of
//! a wave, and while old pods drain; a new daemon on the same state dir must converge within
//! 60 s to exactly ten running containers of the new template, none left in any other state,
//! and a status that says exactly that.

mod support;

use serde_json::Value;
use std::collections::BTreeSet;
use std::process::Command;
use std::time::Duration;
use support::*;

const CONVERGE: Duration = Duration::from_secs(60);
const DEPLOY: &str = "deployment/crashy";

fn manifest() -> String {
    r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: crashy
spec:
  replicas: 10
  selector:
    matchLabels: {app: crashy}
  strategy:
    rollingUpdate: {maxSurge: 2, maxUnavailable: 1}
  template:
    metadata:
      labels: {app: crashy}
    spec:
      terminationGracePeriodSeconds: 10
      containers:
        - name: web
          image: hello-kubernetes:1.0
          ports: [{name: http, containerPort: 8080}]
          readinessProbe:
            httpGet: {path: /readyz, port: http}
            periodSeconds: 1
          lifecycle:
            preStop:
              sleep: {seconds: 3}
"#
    .to_string()
}

fn image(pod: &Value) -> &str {
    pod["spec"]["containers"][0]["image"].as_str().unwrap_or_default()
}

/// Starts v1, waits for it, starts the move to v2 and lets it run until `moment` holds; then
/// SIGKILLs the daemon, starts a new one and checks what it converges to.
fn crash_when(moment: &str, at_moment: impl Fn(&[Value]) -> bool) {
    let mut d = Daemon::start();
    let file = d.state.path().join("crashy.yaml");
    std::fs::write(&file, manifest()).unwrap();
    d.ok(&["apply", "-f", file.to_str().unwrap()]);
    d.ok(&["rollout", "status", DEPLOY, "--timeout=90s"]);
    d.ok(&["set", "image", DEPLOY, "web=hello-kubernetes:2.0"]);
    eventually(Duration::from_secs(60), moment, || at_moment(&pods(&d)).then_some(()));
    d.crash_and_restart();
    let live = eventually(CONVERGE, &format!("convergence after a crash {moment}"), || converged(&d).ok());
    assert_eq!(live.len(), 10);
}

/// The pods, if the engine and the API agree on exactly ten running v2 containers and nothing
/// else; otherwise why not.
fn converged(d: &Daemon) -> Result<Vec<Value>, String> {
    let deployment = d.api("/apis/apps/v1/namespaces/default/deployments/crashy");
    let s = &deployment["status"];
    let complete = ["replicas", "updatedReplicas", "readyReplicas", "availableReplicas"].iter().all(|f| s[f] == 10)
        && s["observedGeneration"] == deployment["metadata"]["generation"];
    if !complete {
        return Err(format!("status {s}"));
    }
    let pods = pods(d);
    if pods.len() != 10 || pods.iter().any(|p| !p["metadata"]["deletionTimestamp"].is_null()) {
        return Err(format!("{} pods", pods.len()));
    }
    let mut reported = BTreeSet::new();
    for p in &pods {
        let c = &p["status"]["containerStatuses"][0];
        let running = !c["state"]["running"].is_null() && c["ready"] == true;
        if image(p) != "hello-kubernetes:2.0" || !running || !is_ready(p) {
            return Err(format!("pod {} is {c}", name(p)));
        }
        reported.insert(c["containerID"].as_str().unwrap_or_default().trim_start_matches("docker://").to_string());
    }
    let all: BTreeSet<String> = d.containers().into_iter().collect();
    let running: BTreeSet<String> = d.running_containers().into_iter().collect();
    if all != reported || running != reported {
        return Err(format!(
            "engine: {} containers ({} running); pods report {}",
            all.len(),
            running.len(),
            reported.len()
        ));
    }
    for id in &all {
        let out = Command::new("docker").args(["inspect", "-f", "{{.Config.Image}}", id]).output().unwrap();
        if text(&out.stdout).trim() != "hello-kubernetes:2.0" {
            return Err(format!("container {id} runs {}", text(&out.stdout).trim()));
        }
    }
    Ok(pods)
}

#[test]
fn a_crash_early_in_a_rollout_converges() {
    crash_when("early: the first new pods exist", |pods| pods.iter().any(|p| image(p) == "hello-kubernetes:2.0"));
}

#[test]
fn a_crash_in_the_middle_of_a_wave_converges() {
    crash_when("mid-wave: some new pods ready, others starting", |pods| {
        let new = pods.iter().filter(|p| image(p) == "hello-kubernetes:2.0");
        let (ready, starting): (Vec<&Value>, Vec<&Value>) = new.partition(|p| is_ready(p));
        ready.len() >= 3 && !starting.is_empty()
    });
}

#[test]
fn a_crash_while_old_pods_drain_converges() {
    crash_when("while old pods drain", |pods| {
        let draining = |p: &&Value| image(p) == "hello-kubernetes:1.0" && !p["metadata"]["deletionTimestamp"].is_null();
        pods.iter().filter(draining).count() >= 2
    });
}
