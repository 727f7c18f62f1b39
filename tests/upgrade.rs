//! Hitless upgrade and restart (issue 15), against the real engine: a new daemon on the same
//! state directory takes the API's and every Service's listening socket over from the old one,
//! so traffic on two Services sees no refused and no failed request, and the API answers at the
//! same address with the same objects. A second daemon started by mistake is turned away.

mod support;

use std::time::Duration;
use support::load::Load;
use support::*;

fn app(name: &str) -> String {
    format!(
        r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  replicas: 2
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
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
  name: {name}
spec:
  type: NodePort
  selector: {{app: {name}}}
  ports: [{{port: 80, targetPort: http}}]
"#
    )
}

/// A daemon serving two Services, two ready pods each, with traffic on both.
fn two_services_under_load() -> (Daemon, Vec<Load>) {
    let d = Daemon::start();
    let file = d.state.path().join("apps.yaml");
    std::fs::write(&file, format!("{}---\n{}", app("front"), app("back"))).unwrap();
    d.ok(&["apply", "-f", file.to_str().unwrap()]);
    ready_pods(&d, 4, Duration::from_secs(90));
    let loads = ["front", "back"].iter().map(|s| Load::start(d.node_port(s))).collect();
    (d, loads)
}

/// Requests the new daemon's proxy answered for `service`, over every pod.
fn served(d: &Daemon, service: &str) -> u64 {
    let metrics = web::blocking_get(&format!("{}/metrics", d.server));
    let series = format!("skiff_proxy_requests_total{{service=\"default/{service}\"");
    let lines = metrics.lines().filter(|l| l.starts_with(&series));
    lines.filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok()).sum()
}

/// Lets the new daemon serve a while, then checks every request of both loads was answered.
fn assert_hitless(d: &Daemon, loads: Vec<Load>, during: &str) {
    eventually(Duration::from_secs(30), "the new daemon's proxy serves both Services", || {
        ["front", "back"].iter().all(|s| served(d, s) >= 100).then_some(())
    });
    for (service, load) in ["front", "back"].iter().zip(loads) {
        let tally = load.stop();
        assert_eq!(
            tally.failures,
            0,
            "{service}: {} of {} requests failed {during}: {:?}",
            tally.failures,
            tally.total(),
            tally.failure_samples
        );
        assert!(tally.total() > 100, "{service}: too little traffic {during}: {tally:?}");
    }
}

#[test]
fn upgrade_replaces_a_running_daemon_without_refusing_or_failing_a_request() {
    let (mut d, loads) = two_services_under_load();
    let (server, old_pid) = (d.server.clone(), d.pid());
    let exit = d.upgrade();
    assert!(exit.success(), "the old daemon exits cleanly after the handover: {exit}; log: {}", d.log());
    assert_ne!(d.pid(), old_pid);
    assert_eq!(d.server, server, "the API keeps its address");
    assert_hitless(&d, loads, "during the upgrade");
    // The same objects, the same containers (adopted, not restarted).
    assert_eq!(ready_pods(&d, 4, Duration::from_secs(30)).iter().map(restart_count).sum::<i64>(), 0);
    assert!(d.log().contains("upgrade: handing the listening sockets"), "{}", d.log());
}

#[test]
fn a_daemon_started_while_the_old_one_shuts_down_takes_over_its_sockets() {
    let (mut d, loads) = two_services_under_load();
    let server = d.server.clone();
    let exit = d.restart_overlapping();
    assert!(exit.success(), "the old daemon exits cleanly: {exit}; log: {}", d.log());
    assert_eq!(d.server, server, "the API keeps its address");
    assert_hitless(&d, loads, "during the restart");
    ready_pods(&d, 4, Duration::from_secs(30));
}

#[test]
fn a_second_daemon_without_upgrade_is_turned_away_and_the_first_serves_on() {
    let d = Daemon::start();
    let out = std::process::Command::new(BIN)
        .args(["daemon", "--listen", "127.0.0.1:0", "--state-dir"])
        .arg(d.state.path())
        .output()
        .expect("run a second daemon");
    assert!(!out.status.success());
    let err = text(&out.stderr);
    let expected = format!("another skiff daemon (pid {}) serves {}", d.pid(), d.state.path().display());
    assert!(err.contains(&expected), "{err}");
    assert!(err.contains("skiff daemon --upgrade"), "{err}");
    // The first one still answers.
    d.ok(&["get", "pods"]);
}
