//! Zero downtime, counted: keep-alive and fresh-connection clients GET a 5-replica Deployment's
//! Service through skiff's proxy while it rolls v1 → v2 and is rolled back (`rollout undo`),
//! cycle after cycle, until at least 20,000 requests were answered or refused during rollouts.
//! Kubernetes' default strategy (maxSurge 25%, maxUnavailable 25%: two surge pods, one pod
//! taken away at a time), so every cycle drains replicas out from under live traffic.
//! The same pods are reached through two Services at once: one proxied over HTTP/1.1, one
//! whose port declares `appProtocol: kubernetes.io/h2c` (HTTP/2 to the pods).
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
---
apiVersion: v1
kind: Service
metadata: {name: zero-h2c}
spec:
  type: NodePort
  selector: {app: zero}
  ports: [{port: 80, targetPort: 8080, appProtocol: kubernetes.io/h2c}]
";

/// The Services the traffic goes through, by the protocol the proxy speaks to the pods.
const SERVICES: [(&str, &str); 2] = [("HTTP/1.1", "zero"), ("h2c", "zero-h2c")];

fn main() {
    let d = Daemon::start();
    let file = d.state.path().join("zero.yaml");
    std::fs::write(&file, MANIFEST).unwrap();
    d.ok(&["apply", "-f", file.to_str().unwrap()]);
    d.ok(&["rollout", "status", "deployment/zero"]);

    let rt = tokio::runtime::Runtime::new().unwrap();
    let traffic: Vec<Traffic> = SERVICES
        .iter()
        .map(|(_, svc)| {
            let url = format!("http://127.0.0.1:{}/", d.node_port(svc));
            rt.block_on(async { Traffic::start(&url, KEEP_ALIVE, FRESH, Duration::ZERO) })
        })
        .collect();
    let total = || traffic.iter().map(|t| t.tally().total()).sum::<u64>();
    let started = Instant::now();
    let mut cycles = 0;
    while cycles < MAX_CYCLES && (cycles == 0 || total() < REQUESTS) {
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
            total()
        );
    }
    let elapsed = started.elapsed();
    let tallies: Vec<_> = traffic.into_iter().map(|t| rt.block_on(t.stop())).collect();

    println!(
        "\n5 replicas, maxSurge 25% / maxUnavailable 25%, {cycles} cycles (v1 → v2, undo) in {:.1} s; per Service {KEEP_ALIVE} keep-alive + {FRESH} fresh-connection clients",
        elapsed.as_secs_f64()
    );
    println!("| proxy → pods | requests | answered by | failed |");
    println!("|---|---|---|---|");
    let (mut requests, mut failed, mut unexpected) = (0, 0, 0);
    for ((protocol, _), tally) in SERVICES.iter().zip(&tallies) {
        let answered: Vec<String> = tally.answers.iter().map(|(k, v)| format!("{k} ×{v}")).collect();
        println!("| {protocol} | {} | {} | {} |", tally.total(), answered.join(", "), tally.failures);
        for sample in &tally.failure_samples {
            println!("  failed: {sample}");
        }
        requests += tally.total();
        failed += tally.failures;
        unexpected +=
            tally.answers.keys().filter(|k| !matches!(k.as_str(), "Hello world!" | "Hello world v2!")).count();
    }
    println!(
        "\nzero failed requests over at least {REQUESTS} ({requests}): {}",
        if failed == 0 && requests >= REQUESTS && unexpected == 0 { "yes" } else { "NO" }
    );
}
