//! Zero downtime, counted: keep-alive and fresh-connection clients GET a 5-replica Deployment's
//! Service through skiff's proxy while it rolls v1 → v2 and is rolled back (`rollout undo`),
//! cycle after cycle, until at least 20,000 requests were answered or refused during rollouts.
//! Kubernetes' default strategy (maxSurge 25%, maxUnavailable 25%: two surge pods, one pod
//! taken away at a time), so every cycle drains replicas out from under live traffic.
//! Target: 0 failed requests. Run: `cargo bench --bench zero_downtime`.

#[path = "../tests/support/mod.rs"]
mod support;

use skiff::demo::traffic::Traffic;
use std::time::{Duration, Instant};
use support::Daemon;

const REQUESTS: u64 = 20_000;
const MAX_CYCLES: usize = 20;
const KEEP_ALIVE: usize = 4;
const FRESH: usize = 4;

const MANIFEST: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata: {name: zero}
spec:
  replicas: 5
  selector: {matchLabels: {app: zero}}
  template:
    metadata: {labels: {app: zero}}
    spec:
      containers:
      - name: web
        image: hello-kubernetes:1.0
        ports: [{containerPort: 8080}]
        readinessProbe:
          httpGet: {path: /readyz, port: 8080}
          periodSeconds: 1
---
apiVersion: v1
kind: Service
metadata: {name: zero}
spec:
  type: NodePort
  selector: {app: zero}
  ports: [{port: 80, targetPort: 8080}]
";

fn main() {
    let d = Daemon::start();
    let file = d.state.path().join("zero.yaml");
    std::fs::write(&file, MANIFEST).unwrap();
    d.ok(&["apply", "-f", file.to_str().unwrap()]);
    d.ok(&["rollout", "status", "deployment/zero"]);
    let url = format!("http://127.0.0.1:{}/", d.node_port("zero"));

    let rt = tokio::runtime::Runtime::new().unwrap();
    let traffic = rt.block_on(async { Traffic::start(&url, KEEP_ALIVE, FRESH, Duration::ZERO) });
    let started = Instant::now();
    let mut cycles = 0;
    while cycles < MAX_CYCLES && (cycles == 0 || traffic.tally().total() < REQUESTS) {
        let rollout = Instant::now();
        d.ok(&["set", "image", "deployment/zero", "web=hello-kubernetes:2.0"]);
        d.ok(&["rollout", "status", "deployment/zero"]);
        let rollback = Instant::now();
        d.ok(&["rollout", "undo", "deployment/zero"]);
        d.ok(&["rollout", "status", "deployment/zero"]);
        cycles += 1;
        eprintln!(
            "  cycle {cycles}: v1 → v2 in {:.2?}, undo in {:.2?}; {} requests so far",
            rollback - rollout,
            rollback.elapsed(),
            traffic.tally().total()
        );
    }
    let elapsed = started.elapsed();
    let tally = rt.block_on(traffic.stop());

    println!(
        "\n5 replicas, maxSurge 25% / maxUnavailable 25%, {KEEP_ALIVE} keep-alive + {FRESH} fresh-connection clients"
    );
    println!("| cycles (v1 → v2, undo) | requests | answered by | failed | time |");
    println!("|---|---|---|---|---|");
    let answered: Vec<String> = tally.answers.iter().map(|(k, v)| format!("{k} ×{v}")).collect();
    println!(
        "| {cycles} | {} | {} | {} | {:.1} s |",
        tally.total(),
        answered.join(", "),
        tally.failures,
        elapsed.as_secs_f64()
    );
    for sample in &tally.failure_samples {
        println!("  failed: {sample}");
    }
    let unexpected: Vec<&String> =
        tally.answers.keys().filter(|k| !matches!(k.as_str(), "Hello world!" | "Hello world v2!")).collect();
    println!(
        "\nzero failed requests over at least {REQUESTS}: {}",
        if tally.failures == 0 && tally.total() >= REQUESTS && unexpected.is_empty() { "yes" } else { "NO" }
    );
}
