//! The flows a student types first (issue 18), with real kubectl against the real engine:
//! `create deployment` + `expose` serve on a NodePort and at the ClusterIP `get svc` shows,
//! though the template declares no containerPort and the Service comes after the pod; and what
//! a student debugs with (endpoints, slices, nodes, pod IPs and events) says what is going on.

mod support;

use std::time::Duration;
use support::kubectl::Kubectl;
use support::*;

const SERVE: Duration = Duration::from_secs(20);

fn answers(url: &str) -> Option<()> {
    web::get(url).filter(|(status, body, _)| *status == 200 && body.contains("Hello")).map(|_| ())
}

#[test]
fn kubectl_1_27_create_deployment_and_expose_serve() {
    create_deployment_and_expose_serve_on_a_node_port_and_at_the_cluster_ip("1.27");
}

#[test]
fn kubectl_1_30_create_deployment_and_expose_serve() {
    create_deployment_and_expose_serve_on_a_node_port_and_at_the_cluster_ip("1.30");
}

/// kubectl 1.33 sends `create deployment` as protobuf.
#[test]
fn kubectl_1_33_create_deployment_and_expose_serve() {
    create_deployment_and_expose_serve_on_a_node_port_and_at_the_cluster_ip("1.33");
}

fn create_deployment_and_expose_serve_on_a_node_port_and_at_the_cluster_ip(version: &str) {
    let d = Daemon::start();
    let k = Kubectl::new(version, &d);
    assert_eq!(k.ok(&["create", "deployment", "x", "--image=hello-kubernetes:1.0"]), "deployment.apps/x created\n");
    k.ok(&["rollout", "status", "deployment/x", "--timeout=60s"]);
    assert_eq!(
        k.ok(&["expose", "deployment", "x", "--port=80", "--target-port=8080", "--type=NodePort"]),
        "service/x exposed\n"
    );
    let port = d.node_port("x");
    eventually(SERVE, "the NodePort to answer", || answers(&format!("http://127.0.0.1:{port}/")));

    k.ok(&["expose", "deployment", "x", "--name=x-internal", "--port=80", "--target-port=8080"]);
    let svc = d.api("/api/v1/namespaces/default/services/x-internal");
    assert_eq!(svc["spec"]["type"], "ClusterIP");
    let ip = svc["spec"]["clusterIP"].as_str().unwrap().to_string();
    let table = k.ok(&["get", "svc", "x-internal"]);
    assert!(table.contains(&ip), "get svc shows the address that answers: {table}");
    eventually(SERVE, "the cluster IP to answer", || answers(&format!("http://{ip}/")));
    debugging_shows_the_ready_pod(&d, &k);
}

/// Endpoints, EndpointSlices, `describe svc`, the node and `-o wide` all name the one pod.
fn debugging_shows_the_ready_pod(d: &Daemon, k: &Kubectl) {
    let pod = &pods(d)[0];
    let (pod_name, pod_ip) = (name(pod), pod["status"]["podIP"].as_str().unwrap_or_default().to_string());
    assert!(!pod_ip.is_empty(), "the pod reports its address: {pod}");
    let endpoint = format!("{pod_ip}:8080");
    let listed = k.ok(&["get", "endpoints", "x"]);
    assert!(listed.contains(&endpoint), "{listed}");
    let slices = k.ok(&["get", "endpointslices"]);
    assert!(slices.contains("IPv4") && slices.contains("8080") && slices.contains(&pod_ip), "{slices}");
    let described = k.ok(&["describe", "svc", "x"]);
    assert!(described.contains(&format!("Endpoints:                {endpoint}")), "{described}");
    let nodes = k.ok(&["get", "nodes"]);
    assert_eq!(nodes.lines().count(), 2, "one node: {nodes}");
    assert!(nodes.lines().nth(1).unwrap().split_whitespace().nth(1) == Some("Ready"), "{nodes}");
    let node = k.ok(&["describe", "node"]);
    assert!(node.contains("KubeletReady") && node.contains(&pod_name), "{node}");
    let wide = k.ok(&["get", "pods", "-o", "wide"]);
    let node_name = nodes.lines().nth(1).unwrap().split_whitespace().next().unwrap();
    assert!(wide.contains(&pod_ip) && wide.contains(node_name), "{wide}");
    let events = k.ok(&["get", "events", "--field-selector", &format!("involvedObject.name={pod_name}")]);
    assert!(events.contains("Scheduled") && events.contains(&format!("to {node_name}")), "{events}");
    let ours = d.ok(&["get", "nodes"]);
    assert_eq!(ours.lines().nth(1).and_then(|l| l.split_whitespace().nth(1)), Some("Ready"), "{ours}");
    let ours = d.ok(&["get", "endpoints", "x"]);
    assert!(ours.contains(&endpoint), "{ours}");
}
