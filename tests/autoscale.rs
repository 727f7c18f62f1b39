//! Autoscaling on the real engine: a Deployment requesting 100m of CPU under a 50% HPA grows
//! from 1 to at least 3 replicas under bounded load on 127.0.0.1 and comes back to 1 once the
//! load stops and its 30 s scale-down window has passed; `kubectl top pods`, `kubectl
//! autoscale` and `kubectl get hpa` (1.30, and 1.33's protobuf) work against skiff.

mod support;

use serde_json::Value;
use std::time::{Duration, Instant};
use support::kubectl::{Kubectl, header};
use support::load::Load;
use support::*;

const HPA: &str = "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers";

fn spec_replicas(d: &Daemon) -> i64 {
    d.api("/apis/apps/v1/namespaces/default/deployments/hello-kubernetes")["spec"]["replicas"].as_i64().unwrap_or(0)
}

fn rescale_events(d: &Daemon) -> Vec<String> {
    events(d)
        .into_iter()
        .filter(|e| e["reason"] == "SuccessfulRescale")
        .map(|e| e["message"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// `kubectl top pods` once it prints one row per live pod.
fn top_rows(kubectl: &Kubectl, d: &Daemon) -> Option<String> {
    let out = kubectl.run(&["top", "pods"]);
    let table = text(&out.stdout);
    let live = pods(d).iter().filter(|p| p["metadata"]["deletionTimestamp"].is_null()).count();
    (out.status.success() && table.lines().count() == live + 1).then_some(table)
}

#[test]
fn cpu_load_scales_up_and_back_down_after_the_window() {
    demo_images();
    let d = Daemon::start();
    d.ok(&["apply", "-f", example("autoscale/hello-kubernetes.yaml").to_str().unwrap()]);
    ready_pods(&d, 1, Duration::from_secs(60));
    let port = d.node_port("hello-kubernetes");
    let kubectl = Kubectl::new("1.30", &d);

    // Two engine readings make the first sample; then kubectl sees it, and the HPA its usage.
    let table = eventually(Duration::from_secs(45), "kubectl top pods to list the pod", || top_rows(&kubectl, &d));
    assert_eq!(header(&table), ["NAME", "CPU(cores)", "MEMORY(bytes)"]);
    let row: Vec<&str> = table.lines().nth(1).unwrap().split_whitespace().collect();
    assert!(row[1].ends_with('m') && row[2].ends_with("Mi"), "{table}");
    let hpa = eventually(Duration::from_secs(40), "the HPA to report its CPU", || {
        let table = kubectl.ok(&["get", "hpa"]);
        table.contains("cpu: ").then_some(table).filter(|t| !t.contains("<unknown>"))
    });
    assert_eq!(header(&hpa), ["NAME", "REFERENCE", "TARGETS", "MINPODS", "MAXPODS", "REPLICAS", "AGE"]);
    assert!(hpa.contains("Deployment/hello-kubernetes") && hpa.contains("%/50%"), "{hpa}");

    // Bounded load: two clients, each burning 50 ms of CPU per request, 20 ms apart.
    let started = Instant::now();
    let load = Load::start_at(&format!("http://127.0.0.1:{port}/work?ms=50"), 2, 0, Duration::from_millis(20));
    eventually(Duration::from_secs(90), "at least 3 replicas", || (spec_replicas(&d) >= 3).then_some(()));
    let scale_up = started.elapsed();
    let messages = rescale_events(&d);
    assert!(
        messages.iter().any(|m| m.ends_with("reason: cpu resource utilization (percentage of request) above target")),
        "{messages:?}"
    );
    let grown = spec_replicas(&d) as usize;
    ready_pods(&d, grown, Duration::from_secs(60));
    eventually(Duration::from_secs(40), "kubectl top pods to list every pod", || top_rows(&kubectl, &d));
    let tally = load.stop();
    assert!(tally.total() > 0);

    let stopped = Instant::now();
    eventually(Duration::from_secs(120), "back to 1 replica", || (spec_replicas(&d) == 1).then_some(()));
    let scale_down = stopped.elapsed();
    assert!(scale_down >= Duration::from_secs(30), "the 30 s scale-down window holds: {scale_down:?}");
    // The controller writes the new size first and its event after it.
    eventually(Duration::from_secs(10), "the scale-down event", || {
        rescale_events(&d).iter().any(|m| m == "New size: 1; reason: All metrics below target").then_some(())
    });
    let described = d.ok(&["describe", "hpa", "hello-kubernetes"]);
    for line in [
        "Reference:",
        "Deployment/hello-kubernetes",
        "Stabilization Window: 30 seconds",
        "AbleToScale",
        "ScalingActive",
        "SuccessfulRescale",
    ] {
        assert!(described.contains(line), "{line}:\n{described}");
    }
    eprintln!("scale-up 1 -> {grown} in {scale_up:?}; scale-down to 1 in {scale_down:?} after the load stopped");
}

#[test]
fn kubectl_autoscale_get_hpa_and_skiff_autoscale() {
    demo_images();
    let d = Daemon::start();
    d.ok(&["create", "deployment", "x", "--image=hello-kubernetes:1.0"]);
    let k130 = Kubectl::new("1.30", &d);
    // kubectl 1.30 creates through autoscaling/v1, kubectl 1.33 through v2 (protobuf).
    let out = k130.ok(&["autoscale", "deployment", "x", "--max=3", "--cpu-percent=50"]);
    assert_eq!(out, "horizontalpodautoscaler.autoscaling/x autoscaled\n");
    let out = Kubectl::new("1.33", &d).ok(&["autoscale", "deployment", "x", "--max=4", "--min=2", "--name=y"]);
    assert_eq!(out, "horizontalpodautoscaler.autoscaling/y autoscaled\n");
    let x = d.api(&format!("{HPA}/x"));
    assert_eq!(
        x["spec"]["metrics"],
        serde_json::json!([{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}}}])
    );
    assert_eq!(d.api(&format!("{HPA}/y"))["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"], 80);
    // The same object through v1.
    let v1 = d.api("/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers/x");
    assert_eq!(
        (v1["apiVersion"].as_str(), v1["spec"]["targetCPUUtilizationPercentage"].as_i64()),
        (Some("autoscaling/v1"), Some(50))
    );

    let table = k130.ok(&["get", "hpa"]);
    assert_eq!(header(&table), ["NAME", "REFERENCE", "TARGETS", "MINPODS", "MAXPODS", "REPLICAS", "AGE"]);
    let rows: Vec<Vec<&str>> = table.lines().skip(1).map(|l| l.split_whitespace().collect()).collect();
    assert_eq!(&rows[0][..2], ["x", "Deployment/x"]);
    assert_eq!(&rows[0][4..6], ["1", "3"], "{table}");
    assert!(table.contains("cpu: <unknown>/50%") || table.contains("cpu: 0%/50%"), "{table}");

    let out = d.ok(&["autoscale", "deployment/x", "--min", "2", "--max", "5", "--cpu-percent", "60", "--name", "z"]);
    assert_eq!(out, "horizontalpodautoscaler.autoscaling/z autoscaled\n");
    let z: Value = d.api(&format!("{HPA}/z"));
    assert_eq!((z["spec"]["minReplicas"].as_i64(), z["spec"]["maxReplicas"].as_i64()), (Some(2), Some(5)));
    let table = d.ok(&["get", "hpa"]);
    assert_eq!(header(&table), ["NAME", "REFERENCE", "TARGETS", "MINPODS", "MAXPODS", "REPLICAS", "AGE"]);

    // Bad input names the field and changes nothing.
    let out = d.skiff(&["autoscale", "deployment/x", "--max", "0"]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("--max=MAXPODS is required and must be at least 1, max: 0"));
    let bad = br#"{"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "bad"},
        "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "x"}, "minReplicas": 0, "maxReplicas": 1}}"#;
    let headers = "Content-Type: application/json\r\n";
    let (code, status) =
        raw(&d, "POST", "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers", headers, bad);
    assert_eq!(code, 422, "{status}");
    assert_eq!(
        status["message"],
        "HorizontalPodAutoscaler.autoscaling \"bad\" is invalid: spec.minReplicas: Invalid value: 0: must be greater than or equal to 1"
    );
    assert_eq!(d.api(HPA)["items"].as_array().map(Vec::len), Some(3));
    // kubectl 1.30 deletes through v2 with a DeleteOptions body; a v1 DELETE with one works too.
    k130.ok(&["delete", "hpa", "y"]);
    let options = br#"{"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Background"}"#;
    let (code, gone) =
        raw(&d, "DELETE", "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers/z", headers, options);
    assert_eq!((code, gone["apiVersion"].as_str()), (200, Some("autoscaling/v1")), "{gone}");
    assert_eq!(d.api(HPA)["items"].as_array().map(Vec::len), Some(1));
}
