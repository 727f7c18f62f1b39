//! The flows a student types first (issue 18), with real kubectl against the real engine:
//! `create deployment` + `expose` serve on a NodePort and at the ClusterIP `get svc` shows,
//! though the template declares no containerPort and the Service comes after the pod.

mod support;

use std::time::Duration;
use support::kubectl::Kubectl;
use support::*;

const SERVE: Duration = Duration::from_secs(20);

fn answers(url: &str) -> Option<()> {
    web::get(url).filter(|(status, body, _)| *status == 200 && body.contains("Hello")).map(|_| ())
}

#[test]
fn create_deployment_and_expose_serve_on_a_node_port_and_at_the_cluster_ip() {
    let d = Daemon::start();
    let k = Kubectl::new("1.33", &d);
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
}
