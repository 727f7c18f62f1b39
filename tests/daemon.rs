//! Acceptance for a daemon users can trust (issue 6), against the real engine: a kill -9 in the
//! middle of a rollout loses nothing and the rollout completes; watches are ordered, resumable
//! and expire; YAML-driven mode follows a directory; secure defaults refuse what they should;
//! and the time a Service refuses connections across a restart is measured.

mod support;

use serde_json::Value;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};
use support::*;

const UP: Duration = Duration::from_secs(90);

#[test]
fn kill_9_mid_rollout_loses_nothing_and_the_rollout_completes() {
    let mut d = Daemon::start();
    let manifest = std::fs::read_to_string(example("hello-kubernetes-10.yaml"))
        .unwrap()
        .replace("maxUnavailable: 50%", "maxUnavailable: 0")
        .replace("  minReadySeconds: 5\n", "");
    let file = d.state.path().join("ten.yaml");
    std::fs::write(&file, manifest).unwrap();
    d.ok(&["apply", "-f", file.to_str().unwrap()]);
    d.ok(&["rollout", "status", "deployment/hello-kubernetes-10"]);
    d.ok(&["set", "image", "deployment/hello-kubernetes-10", "hello-kubernetes=hello-kubernetes:2.0"]);
    eventually(Duration::from_secs(30), "the rollout to be under way", || {
        let v2 = pods(&d)
            .iter()
            .filter(|p| p["spec"]["containers"][0]["image"] == "hello-kubernetes:2.0" && is_ready(p))
            .count();
        (v2 >= 2).then_some(())
    });
    d.crash_and_restart();
    let status = d.ok(&["rollout", "status", "deployment/hello-kubernetes-10", "--timeout=120s"]);
    assert!(status.ends_with("successfully rolled out\n"), "{status}");
    let live = ready_pods(&d, 10, UP);
    assert!(live.iter().all(|p| p["spec"]["containers"][0]["image"] == "hello-kubernetes:2.0"));
    let history = d.ok(&["rollout", "history", "deployment/hello-kubernetes-10"]);
    assert!(history.contains("\n1 ") && history.contains("\n2 "), "{history}");
    // Exactly the containers of the live pods: no duplicates, no orphans.
    let expected: Vec<String> = live.iter().map(name).collect();
    eventually(Duration::from_secs(60), "exactly the expected containers", || {
        let ids = d.containers();
        let pods: Vec<String> = ids
            .iter()
            .map(|id| {
                let out = std::process::Command::new("docker")
                    .args(["inspect", "-f", "{{index .Config.Labels \"io.skiff.pod\"}}", id])
                    .output()
                    .unwrap();
                text(&out.stdout).trim().to_string()
            })
            .collect();
        let mut sorted = pods.clone();
        sorted.sort();
        let mut want = expected.clone();
        want.sort();
        (sorted == want).then_some(())
    });
}

fn watch_lines(d: &Daemon, query: &str, n: usize) -> Vec<Value> {
    let addr = d.server.trim_start_matches("http://").to_string();
    let mut s = TcpStream::connect(&addr).unwrap();
    write!(s, "GET /api/v1/namespaces/default/services?watch=true&{query} HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let deadline = Instant::now() + Duration::from_secs(10);
    let events = |buf: &[u8]| -> Vec<Value> {
        String::from_utf8_lossy(buf)
            .lines()
            .filter(|l| l.starts_with('{'))
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    };
    while events(&buf).len() < n && Instant::now() < deadline {
        match s.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(k) => buf.extend_from_slice(&chunk[..k]),
        }
    }
    events(&buf)
}

fn svc(name: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Service\nmetadata: {{name: {name}, labels: {{tier: {name}}}}}\nspec: {{selector: {{app: x}}, ports: [{{port: 80}}]}}\n"
    )
}

#[test]
fn watches_are_ordered_resumable_and_expire() {
    let d = Daemon::start_with(&["--watch-cache-size", "20"]);
    let first = d.state.path().join("first.yaml");
    std::fs::write(&first, svc("first")).unwrap();
    d.ok(&["apply", "-f", first.to_str().unwrap()]);
    let rv0 = d.api("/api/v1/namespaces/default/services")["metadata"]["resourceVersion"].as_str().unwrap().to_string();
    for i in 0..3 {
        let f = d.state.path().join(format!("s{i}.yaml"));
        std::fs::write(&f, svc(&format!("s{i}"))).unwrap();
        d.ok(&["apply", "-f", f.to_str().unwrap()]);
    }
    d.ok(&["delete", "service", "s1"]);
    let events = watch_lines(&d, &format!("resourceVersion={rv0}"), 4);
    let seen: Vec<(String, String)> =
        events.iter().map(|e| (e["type"].as_str().unwrap().to_string(), name(&e["object"]))).collect();
    assert_eq!(
        seen,
        [("ADDED", "s0"), ("ADDED", "s1"), ("ADDED", "s2"), ("DELETED", "s1")]
            .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    let rvs: Vec<u64> =
        events.iter().map(|e| e["object"]["metadata"]["resourceVersion"].as_str().unwrap().parse().unwrap()).collect();
    assert!(rvs.windows(2).all(|w| w[0] < w[1]), "in resourceVersion order: {rvs:?}");
    // Resume from the middle, with a label selector.
    let resumed = watch_lines(&d, &format!("resourceVersion={}&labelSelector=tier%3Ds2", rvs[0]), 1);
    assert_eq!(resumed.len(), 1);
    assert_eq!(name(&resumed[0]["object"]), "s2");
    // Churn until rv0 falls out of the history: 410 Expired.
    for i in 0..30 {
        d.ok(&["annotate", "service/s0", &format!("n={i}"), "--overwrite"]);
    }
    let expired = watch_lines(&d, &format!("resourceVersion={rv0}"), 1);
    assert_eq!(expired[0]["type"], "ERROR");
    assert_eq!(expired[0]["object"]["code"], 410);
    assert_eq!(expired[0]["object"]["reason"], "Expired");
}

#[test]
fn yaml_driven_mode_follows_the_directory() {
    let manifests = tempfile::tempdir().unwrap();
    let d = Daemon::start_with(&["--manifests", manifests.path().to_str().unwrap()]);
    let hello = std::fs::read_to_string(example("hello-kubernetes.yaml")).unwrap();
    std::fs::write(manifests.path().join("hello.yaml"), &hello).unwrap();
    std::fs::write(manifests.path().join("other.yaml"), svc("other")).unwrap();
    ready_pods(&d, 3, UP);
    eventually(Duration::from_secs(10), "the other service", || {
        (!d.api("/api/v1/namespaces/default/services/other")["spec"].is_null()).then_some(())
    });
    // Change: 2 replicas.
    std::fs::write(manifests.path().join("hello.yaml"), hello.replace("replicas: 3", "replicas: 2")).unwrap();
    ready_pods(&d, 2, UP);
    // Break it: the last good state stays, and an event says why.
    std::fs::write(manifests.path().join("hello.yaml"), hello.replace("replicas: 3", "replicas: -4")).unwrap();
    eventually(Duration::from_secs(10), "a FailedToApply event", || {
        events(&d)
            .iter()
            .any(|e| {
                e["reason"] == "FailedToApply" && e["message"].as_str().unwrap_or_default().contains("spec.replicas")
            })
            .then_some(())
    });
    assert_eq!(d.api("/apis/apps/v1/namespaces/default/deployments/hello-kubernetes")["spec"]["replicas"], 2);
    // An object made by hand is never touched by the directory.
    let own = d.state.path().join("mine.yaml");
    std::fs::write(&own, svc("mine")).unwrap();
    d.ok(&["apply", "-f", own.to_str().unwrap()]);
    // Remove a file: exactly its objects go.
    std::fs::remove_file(manifests.path().join("hello.yaml")).unwrap();
    eventually(UP, "hello's objects to go", || {
        let gone = d.api("/apis/apps/v1/namespaces/default/deployments/hello-kubernetes")["kind"] == "Status";
        (gone && d.api("/api/v1/namespaces/default/services/hello-kubernetes")["kind"] == "Status").then_some(())
    });
    eventually(UP, "its pods and containers to go", || d.containers().is_empty().then_some(()));
    assert_eq!(name(&d.api("/api/v1/namespaces/default/services/other")), "other");
    assert_eq!(name(&d.api("/api/v1/namespaces/default/services/mine")), "mine");
}

#[test]
fn secure_defaults_refuse_what_they_should() {
    // Off loopback, a token is required...
    let refused = std::process::Command::new(BIN)
        .args(["daemon", "--listen", "0.0.0.0:0", "--state-dir", "/nonexistent/never"])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(
        text(&refused.stderr).contains("is not a loopback address: give --token-file"),
        "{}",
        text(&refused.stderr)
    );
    // ...and checked on every request.
    let token = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(token.path(), "s3cret\n").unwrap();
    let d = Daemon::start_with(&["--token-file", token.path().to_str().unwrap()]);
    let (status, body) = raw(&d, "GET", "/api/v1/namespaces/default/pods", "", b"");
    assert_eq!((status, body["reason"].as_str()), (401, Some("Unauthorized")));
    let (status, _) = raw(&d, "GET", "/api/v1/namespaces/default/pods", "Authorization: Bearer s3cret\r\n", b"");
    assert_eq!(status, 200);
    let auth = "Authorization: Bearer s3cret\r\n";
    let json = format!("{auth}Content-Type: application/json\r\n");
    // Oversized bodies.
    let big = vec![b' '; 4 * 1024 * 1024];
    assert_eq!(raw(&d, "POST", "/api/v1/namespaces/default/services", &json, &big).0, 413);
    // Privileged and hostPath pods.
    let pod = |spec: &str| {
        format!(
            r#"{{"apiVersion":"v1","kind":"Pod","metadata":{{"name":"p"}},"spec":{{"containers":[{{"name":"c","image":"hello-kubernetes:1.0"{spec}}}]{{VOL}}}}}}"#
        )
    };
    let privileged = pod(r#","securityContext":{"privileged":true}"#).replace("{VOL}", "");
    let (status, body) = raw(&d, "POST", "/api/v1/namespaces/default/pods", &json, privileged.as_bytes());
    assert_eq!(status, 422);
    assert!(
        body["message"].as_str().unwrap().contains("spec.containers[0].securityContext.privileged: Forbidden"),
        "{body}"
    );
    let host_path =
        pod("").replace("{VOL}", r#","volumes":[{"name":"sock","hostPath":{"path":"/var/run/docker.sock"}}]"#);
    let (status, body) = raw(&d, "POST", "/api/v1/namespaces/default/pods", &json, host_path.as_bytes());
    assert_eq!(status, 422, "{body}");
    // Malformed JSON, wrong content types, unknown paths: 4xx Status objects.
    let (status, body) = raw(&d, "POST", "/api/v1/namespaces/default/services", &json, b"{not json");
    assert_eq!((status, body["kind"].as_str()), (400, Some("Status")));
    let (status, body) = raw(
        &d,
        "PATCH",
        "/api/v1/namespaces/default/services/x",
        &format!("{auth}Content-Type: text/plain\r\n"),
        b"{}",
    );
    assert!(status == 415 || status == 404, "{status} {body}");
    let (status, body) = raw(&d, "GET", "/apis/batch/v1/namespaces/default/jobs", auth, b"");
    assert_eq!((status, body["reason"].as_str()), (404, Some("NotFound")));
    let (status, body) = raw(&d, "GET", "/api/v1/namespaces/default/pods", auth, b"");
    assert_eq!(status, 200);
    assert!(body["items"].as_array().unwrap().is_empty(), "nothing was created");
}

#[test]
fn service_ports_refuse_connections_only_briefly_across_a_restart() {
    let mut d = Daemon::start();
    d.ok(&["apply", "-f", example("hello-kubernetes.yaml").to_str().unwrap()]);
    ready_pods(&d, 3, UP);
    let port = d.node_port("hello-kubernetes");
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let prober = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let (mut first, mut last) = (None, None);
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let ok = web::get(&format!("http://127.0.0.1:{port}/")).is_some_and(|(s, _, _)| s == 200);
                if !ok {
                    first.get_or_insert_with(Instant::now);
                    last = Some(Instant::now());
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            first.zip(last).map(|(a, b)| b - a)
        })
    };
    std::thread::sleep(Duration::from_millis(300));
    d.restart();
    ready_pods(&d, 3, UP);
    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let window = prober.join().unwrap().unwrap_or_default();
    eprintln!("the Service refused connections for {window:?} while the daemon restarted");
    assert!(window < Duration::from_secs(5), "{window:?}");
}
