//! Acceptance for rolling updates (issue 3), against the real engine: zero failed requests
//! from keep-alive and fresh-connection clients through v1 → v2 → undo, the surge and
//! unavailability bounds held at every sample, a broken v3 that stalls until its deadline
//! while v1 serves, pause/resume/restart, and the narrated demo.

mod support;

use serde_json::Value;
use skiff::demo::traffic::Tally;
use std::time::{Duration, Instant};
use support::load::Load;
use support::*;

const UP: Duration = Duration::from_secs(90);
const DEPLOY: &str = "deployment/hello-kubernetes";

fn only_version(port: u16, heading: &str) {
    for _ in 0..20 {
        let (status, body, _) = web::get(&format!("http://127.0.0.1:{port}/")).expect("answer");
        assert_eq!(status, 200);
        assert!(body.contains(&format!("<h1>{heading}</h1>")), "expected only {heading:?}, got {body}");
    }
}

fn assert_clean(t: &Tally, allowed: &[&str], during: &str) {
    assert_eq!(t.failures, 0, "{} requests failed during {during}: {:?}", t.failures, t.failure_samples);
    assert!(t.total() > 100, "too little traffic during {during}: {t:?}");
    for heading in t.answers.keys() {
        assert!(allowed.contains(&heading.as_str()), "{heading:?} answered during {during}");
    }
}

fn revisions(d: &Daemon) -> Vec<String> {
    let out = d.ok(&["rollout", "history", DEPLOY]);
    out.lines().skip(2).filter_map(|l| l.split_whitespace().next().map(String::from)).collect()
}

#[test]
fn v1_to_v2_and_back_drops_no_request() {
    let d = Daemon::start();
    d.ok(&["apply", "-f", example("hello-kubernetes.yaml").to_str().unwrap()]);
    // The same pods behind a Service that reaches them over HTTP/2 (h2c).
    d.ok(&["apply", "-f", example("hello-kubernetes-h2c.yaml").to_str().unwrap()]);
    ready_pods(&d, 3, UP);
    let ports = [d.node_port("hello-kubernetes"), d.node_port("hello-kubernetes-h2c")];

    let loads = ports.map(Load::start);
    d.ok(&["set", "image", DEPLOY, "hello-kubernetes=hello-kubernetes:2.0"]);
    let status = d.ok(&["rollout", "status", DEPLOY]);
    assert!(status.ends_with("deployment \"hello-kubernetes\" successfully rolled out\n"), "{status}");
    for (port, load) in ports.into_iter().zip(loads) {
        only_version(port, "Hello world v2!");
        assert_clean(&load.stop(), &["Hello world!", "Hello world v2!"], &format!("the rollout to v2 (port {port})"));
    }
    assert_eq!(revisions(&d), vec!["1", "2"]);

    let loads = ports.map(Load::start);
    assert_eq!(d.ok(&["rollout", "undo", DEPLOY]), "deployment.apps/hello-kubernetes rolled back\n");
    d.ok(&["rollout", "status", DEPLOY]);
    for (port, load) in ports.into_iter().zip(loads) {
        only_version(port, "Hello world!");
        assert_clean(&load.stop(), &["Hello world!", "Hello world v2!"], &format!("the rollback (port {port})"));
    }
    assert_eq!(revisions(&d), vec!["2", "3"], "revision 1 came back as 3");
    let rs = d.api("/apis/apps/v1/namespaces/default/replicasets");
    assert_eq!(rs["items"].as_array().unwrap().len(), 2, "undo reused the v1 ReplicaSet");
}

/// Samples pods and availability every 100 ms while the rollout runs.
fn bounded_rollout(manifest: &str, max_pods: usize, min_available: i64) {
    let d = Daemon::start();
    let file = d.state.path().join("ten.yaml");
    std::fs::write(&file, manifest).unwrap();
    d.ok(&["apply", "-f", file.to_str().unwrap()]);
    let name = "deployment/hello-kubernetes-10";
    d.ok(&["rollout", "status", name]);
    d.ok(&["set", "image", name, "hello-kubernetes=hello-kubernetes:2.0"]);
    let mut status = std::process::Command::new(BIN)
        .args(["rollout", "status", name])
        .env("SKIFF_SERVER", &d.server)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(180);
    let (mut samples, mut most, mut least) = (0, 0, i64::MAX);
    loop {
        let live = pods(&d).into_iter().filter(|p| p["metadata"]["deletionTimestamp"].is_null()).count();
        let dep = d.api("/apis/apps/v1/namespaces/default/deployments/hello-kubernetes-10");
        let available = dep["status"]["availableReplicas"].as_i64().unwrap_or(0);
        most = most.max(live);
        least = least.min(available);
        samples += 1;
        assert!(live <= max_pods, "{live} pods exist (more than {max_pods})");
        assert!(available >= min_available, "only {available} available (fewer than {min_available})");
        if let Some(s) = status.try_wait().unwrap() {
            assert!(s.success(), "rollout status failed");
            break;
        }
        assert!(Instant::now() < deadline, "the rollout did not finish");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(samples > 10 && most > 10, "the rollout was sampled ({samples} samples, at most {most} pods)");
    eprintln!("{samples} samples: at most {most} pods, at least {least} available");
}

#[test]
fn ten_replicas_with_max_surge_2_and_max_unavailable_0_stay_in_bounds() {
    let manifest = std::fs::read_to_string(example("hello-kubernetes-10.yaml"))
        .unwrap()
        .replace("maxUnavailable: 50%", "maxUnavailable: 0")
        .replace("  minReadySeconds: 5\n", "");
    bounded_rollout(&manifest, 12, 10);
}

#[test]
fn the_lecture_example_at_50_percent_and_surge_2_stays_in_bounds() {
    let manifest = std::fs::read_to_string(example("hello-kubernetes-10.yaml")).unwrap();
    bounded_rollout(&manifest, 12, 5);
}

#[test]
fn a_broken_v3_stalls_while_v1_serves_and_undo_recovers() {
    let d = Daemon::start();
    let manifest = std::fs::read_to_string(example("hello-kubernetes.yaml")).unwrap().replacen(
        "  replicas: 3\n",
        "  replicas: 3\n  progressDeadlineSeconds: 10\n",
        1,
    );
    let file = d.state.path().join("hello.yaml");
    std::fs::write(&file, manifest).unwrap();
    d.ok(&["apply", "-f", file.to_str().unwrap()]);
    ready_pods(&d, 3, UP);
    let port = d.node_port("hello-kubernetes");
    let load = Load::start(port);
    d.ok(&["set", "image", DEPLOY, "hello-kubernetes=hello-kubernetes:3.0"]);
    let timed_out = d.skiff(&["rollout", "status", DEPLOY, "--timeout=2s"]);
    assert!(!timed_out.status.success());
    assert_eq!(text(&timed_out.stderr), "error: timed out waiting for the condition\n");
    let stalled = d.skiff(&["rollout", "status", DEPLOY]);
    assert_eq!(stalled.status.code(), Some(1));
    assert_eq!(text(&stalled.stderr), "error: deployment \"hello-kubernetes\" exceeded its progress deadline\n");
    let dep: Value = d.api("/apis/apps/v1/namespaces/default/deployments/hello-kubernetes");
    let progressing =
        dep["status"]["conditions"].as_array().unwrap().iter().find(|c| c["type"] == "Progressing").cloned().unwrap();
    assert_eq!(
        (progressing["status"].as_str(), progressing["reason"].as_str()),
        (Some("False"), Some("ProgressDeadlineExceeded"))
    );
    d.ok(&["rollout", "undo", DEPLOY]);
    d.ok(&["rollout", "status", DEPLOY]);
    assert_clean(&load.stop(), &["Hello world!"], "the broken rollout");
    let live = ready_pods(&d, 3, UP);
    assert!(live.iter().all(|p| p["spec"]["containers"][0]["image"] == "hello-kubernetes:1.0"));
}

#[test]
fn pause_resume_restart_and_change_cause() {
    let d = Daemon::start();
    d.ok(&["apply", "-f", example("hello-kubernetes.yaml").to_str().unwrap()]);
    d.ok(&["rollout", "status", DEPLOY]);
    d.ok(&["set", "image", DEPLOY, "hello-kubernetes=hello-kubernetes:2.0"]);
    d.ok(&["annotate", DEPLOY, "kubernetes.io/change-cause=v2 for the lesson"]);
    d.ok(&["rollout", "status", DEPLOY]);
    assert_eq!(d.ok(&["rollout", "pause", DEPLOY]), "deployment.apps/hello-kubernetes paused\n");
    let again = d.skiff(&["rollout", "pause", DEPLOY]);
    assert_eq!(text(&again.stderr), "error: deployments.apps \"hello-kubernetes\" is already paused\n");
    let undo = d.skiff(&["rollout", "undo", DEPLOY]);
    assert_eq!(
        text(&undo.stderr),
        "error: you cannot rollback a paused deployment; resume it first with 'skiff rollout resume' and try again\n"
    );
    // A template no ReplicaSet has yet: while paused, no ReplicaSet and no revision appear.
    d.ok(&["set", "image", DEPLOY, "hello-kubernetes=hello-kubernetes:3.0"]);
    let dep = eventually(Duration::from_secs(10), "the paused edit to be observed", || {
        let dep = d.api("/apis/apps/v1/namespaces/default/deployments/hello-kubernetes");
        (dep["status"]["observedGeneration"] == dep["metadata"]["generation"]).then_some(dep)
    });
    assert!(dep["status"]["updatedReplicas"].is_null(), "no ReplicaSet matches the paused template: {dep}");
    assert_eq!(revisions(&d), vec!["1", "2"], "paused: no new revision");
    d.ok(&["set", "image", DEPLOY, "hello-kubernetes=hello-kubernetes:2.0"]);
    assert_eq!(d.ok(&["rollout", "resume", DEPLOY]), "deployment.apps/hello-kubernetes resumed\n");
    d.ok(&["rollout", "status", DEPLOY]);
    let history = d.ok(&["rollout", "history", DEPLOY]);
    assert_eq!(
        history,
        "deployment.apps/hello-kubernetes \nREVISION  CHANGE-CAUSE\n1         <none>\n2         v2 for the lesson\n\n"
    );
    assert_eq!(d.ok(&["rollout", "restart", DEPLOY]), "deployment.apps/hello-kubernetes restarted\n");
    d.ok(&["rollout", "status", DEPLOY]);
    assert_eq!(revisions(&d), vec!["1", "2", "3"]);
    let skipped = d.ok(&["rollout", "undo", DEPLOY, "--to-revision=3"]);
    assert_eq!(
        skipped,
        "deployment.apps/hello-kubernetes skipped rollback (current template already matches revision 3)\n"
    );
}

#[test]
fn the_demo_runs_to_completion() {
    demo_images();
    let out = std::process::Command::new(BIN).args(["demo", "--finish"]).output().unwrap();
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "demo failed:\n{stdout}\n{}", text(&out.stderr));
    assert_eq!(stdout.matches("\x1b[1m0 failed\x1b[0m").count(), 3, "{stdout}");
    assert!(stdout.contains("error: deployment \"hello-kubernetes\" exceeded its progress deadline"));
    assert!(stdout.contains("every answer now says \"Hello world v2!\""));
    assert!(
        stdout.contains("hello-kubernetes-sticky: 10 users, \x1b[1m0 saw the version change more than once"),
        "{stdout}"
    );
    assert!(stdout.contains("Open the live dashboard now: http://127.0.0.1:"), "{stdout}");
}
