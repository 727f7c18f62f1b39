//! Acceptance for pods that behave like the kubelet's (issue 4), against the real engine:
//! liveness restarts, readiness gating traffic without restarts, exec, tcpSocket and gRPC probes,
//! startup probes holding liveness off, CrashLoopBackOff timing, image pull errors next to a
//! serving Deployment, draining long requests before a pod stops, and the time from a killed
//! container to a Ready replacement.

mod support;

use serde_json::Value;
use std::time::{Duration, Instant};
use support::*;

/// A one-deployment manifest; `container` is merged into the `web` container.
fn deployment(name: &str, replicas: u32, image: &str, container: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}}}\nspec:\n  replicas: {replicas}\n  selector: {{matchLabels: {{app: {name}}}}}\n  template:\n    metadata: {{labels: {{app: {name}}}}}\n    spec:\n      containers:\n      - name: web\n        image: {image}\n        ports: [{{containerPort: 8080, name: http}}]\n{container}"
    )
}

fn service(name: &str) -> String {
    format!(
        "---\napiVersion: v1\nkind: Service\nmetadata: {{name: {name}}}\nspec:\n  type: NodePort\n  selector: {{app: {name}}}\n  ports: [{{port: 80, targetPort: http}}]\n"
    )
}

fn apply(d: &Daemon, yaml: &str) {
    let file = d.state.path().join(format!("m{}.yaml", fastrand::u32(..)));
    std::fs::write(&file, yaml).unwrap();
    d.ok(&["apply", "-f", file.to_str().unwrap()]);
}

fn only_pod(d: &Daemon) -> Option<Value> {
    let live: Vec<Value> = pods(d).into_iter().filter(|p| p["metadata"]["deletionTimestamp"].is_null()).collect();
    (live.len() == 1).then(|| live[0].clone())
}

fn running(pod: &Value) -> bool {
    pod["status"]["containerStatuses"][0]["state"]["running"].is_object()
}

#[test]
fn failing_liveness_restarts_the_container_in_time() {
    let d = Daemon::start();
    let c = "        env: [{name: LIVENESS_FAIL_AFTER_SECONDS, value: \"2\"}]\n        livenessProbe: {httpGet: {path: /healthz, port: http}, periodSeconds: 1, failureThreshold: 2}\n";
    apply(&d, &deployment("live", 1, "hello-kubernetes:1.0", c));
    eventually(Duration::from_secs(30), "the pod to run", || only_pod(&d).filter(running));
    let started = Instant::now();
    eventually(Duration::from_secs(20), "a liveness restart", || only_pod(&d).filter(|p| restart_count(p) >= 1));
    let took = started.elapsed();
    // Failing from 2 s after start, killed after failureThreshold × periodSeconds (+1 s).
    assert!(took <= Duration::from_millis(2000 + 2 * 1000 + 1000 + 700), "restarted after {took:?}");
    let pod = only_pod(&d).unwrap();
    let last = &pod["status"]["containerStatuses"][0]["lastState"]["terminated"];
    assert!(last["exitCode"].as_i64().is_some(), "{pod}");
    let describe = d.ok(&["describe", "pod", &name(&pod)]);
    assert!(describe.contains("Liveness probe failed: HTTP probe failed with statuscode: 500"), "{describe}");
    assert!(describe.contains("Container web failed liveness probe, will be restarted"), "{describe}");
}

#[test]
fn failing_readiness_takes_the_pod_out_of_traffic_without_restarting_it() {
    let d = Daemon::start();
    let c = "        readinessProbe: {httpGet: {path: /readyz, port: http}, periodSeconds: 1}\n";
    apply(&d, &format!("{}{}", deployment("never", 1, "hello-kubernetes:3.0", c), service("never")));
    let port = d.node_port("never");
    eventually(Duration::from_secs(30), "the pod to run", || only_pod(&d).filter(running));
    eventually(Duration::from_secs(20), "three failed readiness probes", || {
        events(&d)
            .iter()
            .any(|e| {
                e["message"].as_str().is_some_and(|m| m.starts_with("Readiness probe failed"))
                    && e["count"].as_i64() >= Some(3)
            })
            .then_some(())
    });
    let pod = only_pod(&d).unwrap();
    assert!(!is_ready(&pod));
    assert_eq!(restart_count(&pod), 0, "readiness failures never restart");
    let (status, body, _) = web::get(&format!("http://127.0.0.1:{port}/")).unwrap();
    assert_eq!(
        (status, body.as_str()),
        (503, "503 Service Unavailable: service default/never has no ready endpoints\n")
    );
    let table = d.ok(&["get", "pods"]);
    assert!(table.contains("0/1     Running   0"), "{table}");
}

#[test]
fn exec_and_tcp_probes_gate_readiness() {
    let d = Daemon::start();
    let exec = "        env: [{name: READY_AFTER_SECONDS, value: \"3\"}]\n        readinessProbe: {exec: {command: [/skiff, demo-probe, \"http://127.0.0.1:8080/readyz\"]}, periodSeconds: 1}\n";
    let tcp = "        env: [{name: LISTEN_AFTER_SECONDS, value: \"3\"}]\n        readinessProbe: {tcpSocket: {port: http}, periodSeconds: 1}\n";
    apply(
        &d,
        &format!(
            "{}---\n{}",
            deployment("exec", 1, "hello-kubernetes:1.0", exec),
            deployment("tcp", 1, "hello-kubernetes:1.0", tcp)
        ),
    );
    let by_app = |app: &str| pods(&d).into_iter().find(|p| p["metadata"]["labels"]["app"] == app);
    let both_running = eventually(Duration::from_secs(30), "both pods to run", || {
        let (e, t) = (by_app("exec")?, by_app("tcp")?);
        (running(&e) && running(&t)).then_some(Instant::now())
    });
    assert!(!is_ready(&by_app("exec").unwrap()) && !is_ready(&by_app("tcp").unwrap()), "not ready before 3 s");
    eventually(Duration::from_secs(15), "both to become ready", || {
        (is_ready(&by_app("exec")?) && is_ready(&by_app("tcp")?)).then_some(())
    });
    assert!(both_running.elapsed() >= Duration::from_millis(1500), "readiness waited for the probes");
}

#[test]
fn a_grpc_liveness_probe_keeps_a_serving_app_running() {
    let d = Daemon::start();
    let c = "        livenessProbe: {grpc: {port: 8080}, periodSeconds: 1}\n";
    apply(&d, &deployment("grpc", 1, "hello-kubernetes:1.0", c));
    eventually(Duration::from_secs(30), "the pod to run", || only_pod(&d).filter(running));
    let held = Instant::now();
    while held.elapsed() < Duration::from_secs(20) {
        let pod = only_pod(&d).expect("one pod");
        assert!(running(&pod) && restart_count(&pod) == 0, "after {:?}: {pod}", held.elapsed());
        std::thread::sleep(Duration::from_millis(250));
    }
    let pod = only_pod(&d).unwrap();
    assert_eq!(restart_count(&pod), 0, "{pod}");
    let unhealthy: Vec<Value> = events(&d).into_iter().filter(|e| e["reason"] == "Unhealthy").collect();
    assert!(unhealthy.is_empty(), "every probe succeeded: {unhealthy:?}");
    // The probes did run: the app logged each Check it answered.
    let logs = d.ok(&["logs", &name(&pod)]);
    let checks = logs.lines().filter(|l| l.ends_with(" /grpc.health.v1.Health/Check 200")).count();
    assert!(checks >= 15, "{checks} health checks in 20 s:\n{logs}");
}

#[test]
fn a_grpc_liveness_probe_for_a_service_the_app_does_not_serve_restarts_it() {
    let d = Daemon::start();
    let c = "        livenessProbe: {grpc: {port: 8080, service: not-served}, periodSeconds: 1, failureThreshold: 2}\n";
    apply(&d, &deployment("grpc-bad", 1, "hello-kubernetes:1.0", c));
    eventually(Duration::from_secs(30), "the pod to run", || only_pod(&d).filter(running));
    let pod =
        eventually(Duration::from_secs(20), "a liveness restart", || only_pod(&d).filter(|p| restart_count(p) >= 1));
    let messages: Vec<String> = events(&d).iter().filter_map(|e| e["message"].as_str().map(String::from)).collect();
    let failed =
        "Liveness probe failed: error: health rpc probe failed: rpc error: code = NotFound desc = unknown service";
    assert!(messages.iter().any(|m| m == failed), "{messages:?}");
    assert!(messages.iter().any(|m| m == "Container web failed liveness probe, will be restarted"), "{messages:?}");
    let describe = d.ok(&["describe", "pod", &name(&pod)]);
    assert!(describe.contains("grpc <pod>:8080 not-served"), "{describe}");
}

#[test]
fn a_startup_probe_holds_liveness_off() {
    let d = Daemon::start();
    let c = "        env: [{name: READY_AFTER_SECONDS, value: \"4\"}]\n        startupProbe: {httpGet: {path: /readyz, port: http}, periodSeconds: 1, failureThreshold: 10}\n        livenessProbe: {httpGet: {path: /readyz, port: http}, periodSeconds: 1, failureThreshold: 1}\n";
    apply(&d, &deployment("slow", 1, "hello-kubernetes:1.0", c));
    let pod = eventually(Duration::from_secs(30), "the slow starter to become ready", || only_pod(&d).filter(is_ready));
    assert_eq!(restart_count(&pod), 0, "liveness (which fails until 4 s) never ran before startup succeeded");
}

#[test]
fn a_crashing_container_backs_off_with_growing_delays() {
    let d = Daemon::start();
    let c = "        env: [{name: CRASH_AFTER_SECONDS, value: \"0.3\"}]\n";
    apply(&d, &deployment("crashy", 1, "hello-kubernetes:1.0", c));
    let mut seen = Vec::new();
    let started = Instant::now();
    let mut last = -1;
    let mut table_seen = false;
    while last < 3 {
        assert!(started.elapsed() < Duration::from_secs(90), "restarts so far: {seen:?}");
        if let Some(pod) = only_pod(&d) {
            let n = restart_count(&pod);
            if n != last {
                seen.push((n, started.elapsed()));
                last = n;
            }
            let waiting = &pod["status"]["containerStatuses"][0]["state"]["waiting"];
            if n == 2 && waiting["reason"] == "CrashLoopBackOff" {
                assert!(
                    waiting["message"]
                        .as_str()
                        .unwrap()
                        .starts_with("back-off 20s restarting failed container=web pod="),
                    "{waiting}"
                );
                let table = d.ok(&["get", "pods"]);
                // The back-off may end between the two reads: only a table read within it counts.
                let backing_off = |p: &Value| {
                    restart_count(p) == 2
                        && p["status"]["containerStatuses"][0]["state"]["waiting"]["reason"] == "CrashLoopBackOff"
                };
                if only_pod(&d).is_some_and(|p| backing_off(&p)) {
                    assert!(table.contains("CrashLoopBackOff   2 ("), "{table}");
                    table_seen = true;
                }
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(table_seen, "kubectl-style table never read during the 20 s back-off: {seen:?}");
    let gap = |a: usize, b: usize| seen[b].1.saturating_sub(seen[a].1);
    let first = seen.iter().position(|(n, _)| *n == 1).unwrap();
    assert!(gap(first, first + 1) >= Duration::from_secs(9), "the second restart waited ~10 s: {seen:?}");
    assert!(gap(first + 1, first + 2) >= Duration::from_secs(19), "the third waited ~20 s: {seen:?}");
}

#[test]
fn a_missing_image_backs_off_while_the_rest_serves() {
    let d = Daemon::start();
    apply(&d, &format!("{}{}", deployment("web", 2, "hello-kubernetes:1.0", ""), service("web")));
    ready_pods(&d, 2, Duration::from_secs(60));
    d.ok(&["set", "image", "deployment/web", "web=skiff-test.invalid/missing:1.0"]);
    let reasons = |d: &Daemon| -> Vec<String> {
        pods(d)
            .iter()
            .filter_map(|p| {
                p["status"]["containerStatuses"][0]["state"]["waiting"]["reason"].as_str().map(String::from)
            })
            .collect()
    };
    eventually(Duration::from_secs(30), "ErrImagePull", || {
        reasons(&d).iter().any(|r| r == "ErrImagePull").then_some(())
    });
    eventually(Duration::from_secs(40), "ImagePullBackOff", || {
        reasons(&d).iter().any(|r| r == "ImagePullBackOff").then_some(())
    });
    let port = d.node_port("web");
    for _ in 0..10 {
        let (status, body, _) = web::get(&format!("http://127.0.0.1:{port}/")).unwrap();
        assert!(status == 200 && body.contains("Hello world!"), "{status} {body}");
    }
    let events = events(&d);
    let messages: Vec<&str> = events.iter().filter_map(|e| e["message"].as_str()).collect();
    assert!(
        messages.iter().any(|m| m.starts_with("Failed to pull image \"skiff-test.invalid/missing:1.0\"")),
        "{messages:?}"
    );
    assert!(messages.contains(&"Back-off pulling image \"skiff-test.invalid/missing:1.0\""), "{messages:?}");
}

#[test]
fn deleting_a_pod_finishes_its_requests_before_stopping_it() {
    let d = Daemon::start();
    // Ready once the app answers (without a probe a pod is Ready as soon as its container runs).
    let c = "        readinessProbe: {httpGet: {path: /readyz, port: http}, periodSeconds: 1}\n";
    apply(&d, &format!("{}{}", deployment("web", 3, "hello-kubernetes:1.0", c), service("web")));
    let pods = ready_pods(&d, 3, Duration::from_secs(60));
    let port = d.node_port("web");
    let slow: Vec<_> = (0..6)
        .map(|_| std::thread::spawn(move || web::get(&format!("http://127.0.0.1:{port}/?delay_ms=3000"))))
        .collect();
    let victim = name(&pods[0]);
    let in_flight =
        |pod: &str| d.metric(&format!("skiff_proxy_requests_in_flight{{service=\"default/web\",pod=\"{pod}\"}}"));
    eventually(Duration::from_secs(10), "all 6 slow requests in flight", || {
        (pods.iter().filter_map(|p| in_flight(&name(p))).sum::<u64>() == 6).then_some(())
    });
    let at_victim = in_flight(&victim).unwrap_or_default();
    assert!(at_victim >= 1, "round robin over 3 pods sent some of 6 requests to {victim}");
    d.ok(&["delete", "pod", &victim, "--wait=false"]);
    let terminating =
        support::pods(&d).into_iter().find(|p| name(p) == victim).expect("the pod waits for its requests");
    assert!(!terminating["metadata"]["deletionTimestamp"].is_null(), "{terminating}");
    let victim_running = docker_ids(&format!("label=io.skiff.pod={victim}"), false);
    assert_eq!(victim_running.len(), 1, "its container still runs while requests are in flight");
    let mut served_by_victim = 0;
    for r in slow {
        let (status, body, pod) = r.join().unwrap().expect("the slow request was answered");
        assert_eq!(status, 200, "{body}");
        served_by_victim += u64::from(pod == victim);
    }
    assert_eq!(served_by_victim, at_victim, "every request in flight at the deleted pod finished there");
    eventually(Duration::from_secs(30), "the deleted pod to go", || {
        (!support::pods(&d).iter().any(|p| name(p) == victim)).then_some(())
    });
}

#[test]
fn a_killed_container_is_ready_again_quickly() {
    let d = Daemon::start();
    let c = "        readinessProbe: {httpGet: {path: /readyz, port: http}, periodSeconds: 1}\n";
    apply(&d, &deployment("web", 1, "hello-kubernetes:1.0", c));
    let pod = eventually(Duration::from_secs(30), "ready", || only_pod(&d).filter(is_ready));
    let id = docker_ids(&format!("label=io.skiff.pod={}", name(&pod)), false).pop().unwrap();
    let killed = Instant::now();
    assert!(std::process::Command::new("docker").args(["kill", &id]).status().unwrap().success());
    eventually(Duration::from_secs(15), "a ready replacement", || {
        let p = only_pod(&d)?;
        (restart_count(&p) == 1 && is_ready(&p)).then_some(())
    });
    let took = killed.elapsed();
    eprintln!("docker kill → Ready again: {took:?}");
    assert!(took < Duration::from_secs(5), "{took:?}");
}
