//! Acceptance for the foundation (issue 2), against the real Docker engine: the example
//! serves and spreads requests, containers restart in place or pods are replaced, replicas
//! converge, bad manifests change nothing, a restarted daemon adopts its containers, and
//! deleting removes every container.

mod support;

use std::collections::BTreeMap;
use std::time::Duration;
use support::*;

const UP: Duration = Duration::from_secs(60);

fn apply_hello(d: &Daemon) {
    let out = d.ok(&["apply", "-f", example("hello-kubernetes.yaml").to_str().unwrap()]);
    assert_eq!(out, "deployment.apps/hello-kubernetes created\nservice/hello-kubernetes created\n");
}

#[test]
fn hello_kubernetes_serves_and_spreads_requests_evenly() {
    let d = Daemon::start();
    apply_hello(&d);
    let pods = ready_pods(&d, 3, UP);
    let port = d.node_port("hello-kubernetes");
    let mut by_pod: BTreeMap<String, usize> = BTreeMap::new();
    for _ in 0..30 {
        let (status, body, pod) = web::get(&format!("http://127.0.0.1:{port}/")).expect("the service answers");
        assert_eq!(status, 200);
        assert!(body.contains("<h1>Hello world!</h1>"), "{body}");
        *by_pod.entry(pod).or_default() += 1;
    }
    let names: Vec<String> = pods.iter().map(name).collect();
    assert_eq!(by_pod.keys().cloned().collect::<Vec<_>>(), {
        let mut n = names.clone();
        n.sort();
        n
    });
    assert!(by_pod.values().all(|n| *n == 10), "round robin per request: {by_pod:?}");
    let table = d.ok(&["get", "pods"]);
    assert!(table.starts_with("NAME "), "{table}");
    assert_eq!(table.matches("1/1     Running   0").count(), 3, "{table}");
}

/// As the kubelet does: a killed container restarts in its pod, and so does a removed one (the
/// pod is still bound here; only its container went), with the restart count going on.
#[test]
fn killed_and_removed_containers_restart_in_their_pod() {
    let d = Daemon::start();
    apply_hello(&d);
    let pods = ready_pods(&d, 3, UP);
    let victim = name(&pods[0]);
    let container_of = |what: &str| {
        docker_ids(&format!("label=io.skiff.pod={victim}"), false).pop().unwrap_or_else(|| panic!("{what}"))
    };
    let first = container_of("the pod's container");
    assert!(std::process::Command::new("docker").args(["kill", &first]).status().unwrap().success());
    eventually(Duration::from_secs(15), "the killed container to restart in place", || {
        let pod = pods_named(&d, &victim)?;
        (restart_count(&pod) == 1 && is_ready(&pod)).then_some(())
    });
    let second = container_of("the restarted container");
    assert!(std::process::Command::new("docker").args(["rm", "-f", &second]).status().unwrap().success());
    eventually(UP, "the removed container to be recreated in its pod", || {
        let pod = pods_named(&d, &victim)?;
        (restart_count(&pod) == 2 && is_ready(&pod)).then_some(())
    });
    let third = container_of("the recreated container");
    assert!(third != first && third != second, "a new container: {third}");
    let live = ready_pods(&d, 3, UP);
    assert!(live.iter().any(|p| name(p) == victim), "the pod kept its name");
}

fn pods_named(d: &Daemon, pod: &str) -> Option<serde_json::Value> {
    pods(d).into_iter().find(|p| name(p) == pod)
}

#[test]
fn replicas_converge_when_reapplied() {
    let d = Daemon::start();
    let manifest = std::fs::read_to_string(example("hello-kubernetes.yaml")).unwrap();
    let file = d.state.path().join("hello.yaml");
    for replicas in [3, 5, 2] {
        std::fs::write(&file, manifest.replace("replicas: 3", &format!("replicas: {replicas}"))).unwrap();
        d.ok(&["apply", "-f", file.to_str().unwrap()]);
        ready_pods(&d, replicas, UP);
        eventually(UP, &format!("{replicas} running containers"), || {
            (d.running_containers().len() == replicas).then_some(())
        });
    }
    let again = d.ok(&["apply", "-f", file.to_str().unwrap()]);
    assert_eq!(again, "deployment.apps/hello-kubernetes unchanged\nservice/hello-kubernetes unchanged\n");
}

#[test]
fn bad_manifests_are_rejected_naming_the_field_and_change_nothing() {
    let d = Daemon::start();
    let cases = [
        ("wrong-type.yaml", "spec.replicas: invalid type: string \"three\", expected i32"),
        ("unknown-field.yaml", "strict decoding error: unknown field \"spec.replicaz\""),
        (
            "both-zero.yaml",
            "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: \"0%\": may not be 0 when `maxSurge` is 0",
        ),
        (
            "selector-mismatch.yaml",
            "spec.template.metadata.labels: Invalid value: {\"app\":\"other\"}: `selector` does not match template `labels`",
        ),
        ("invalid-name.yaml", "metadata.name: Invalid value: \"Hello_World\": a lowercase RFC 1123 subdomain"),
        (
            "bad-percent.yaml",
            "spec.strategy.rollingUpdate.maxSurge: Invalid value: \"20Percent\": a valid percent string must be a numeric string followed by an ending '%'",
        ),
        (
            "negative-replicas.yaml",
            "The Deployment \"web\" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0",
        ),
        ("missing-image.yaml", "spec.template.spec.containers[0].image: Required value"),
        ("duplicate-containers.yaml", "spec.template.spec.containers[1].name: Duplicate value: \"web\""),
        (
            "port-out-of-range.yaml",
            "spec.template.spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive",
        ),
        (
            "bad-service-port.yaml",
            "spec.ports[0].nodePort: Invalid value: 99999: provided port is not in the valid range",
        ),
        ("not-yaml.yaml", "error: error parsing"),
        ("good-then-bad.yaml", "spec.replicas: Invalid value: -1"),
    ];
    for (file, expected) in cases {
        let out = d.skiff(&["apply", "-f", fixture(&format!("bad/{file}")).to_str().unwrap()]);
        let stderr = text(&out.stderr);
        assert!(!out.status.success(), "{file} was accepted");
        assert!(stderr.contains(expected), "{file}: expected {expected:?} in {stderr:?}");
    }
    for kind in ["deployments", "replicasets", "pods", "services"] {
        let out = d.skiff(&["get", kind]);
        assert_eq!(text(&out.stdout), "", "{kind} were created");
        assert_eq!(text(&out.stderr), "No resources found in default namespace.\n");
    }
    assert!(d.containers().is_empty());
}

#[test]
fn a_restarted_daemon_serves_the_same_objects_and_adopts_its_containers() {
    let mut d = Daemon::start();
    apply_hello(&d);
    let before: Vec<String> = ready_pods(&d, 3, UP).iter().map(name).collect();
    let mut containers = d.running_containers();
    containers.sort();
    d.restart();
    let after: Vec<String> = ready_pods(&d, 3, UP).iter().map(name).collect();
    assert_eq!(before.iter().collect::<std::collections::BTreeSet<_>>(), after.iter().collect());
    let mut now = d.running_containers();
    now.sort();
    assert_eq!(containers, now, "containers were adopted, not recreated");
    let port = d.node_port("hello-kubernetes");
    let (status, body, _) = web::get(&format!("http://127.0.0.1:{port}/")).expect("served after restart");
    assert_eq!(status, 200);
    assert!(body.contains("Hello world!"));
}

#[test]
fn delete_removes_every_container_the_objects_owned() {
    let d = Daemon::start();
    apply_hello(&d);
    ready_pods(&d, 3, UP);
    let out = d.ok(&["delete", "-f", example("hello-kubernetes.yaml").to_str().unwrap()]);
    assert_eq!(out, "deployment.apps \"hello-kubernetes\" deleted\nservice \"hello-kubernetes\" deleted\n");
    eventually(UP, "every container to be removed", || d.containers().is_empty().then_some(()));
    assert!(pods(&d).is_empty());
}
