//! Rollout speed, in one run: a 10-replica Deployment rolled v1 → v2 with maxSurge 2,
//! maxUnavailable 0 and a readiness probe every second, against
//! - the floor: Docker's create + start + first successful HTTP answer for one container,
//!   times the number of waves (10 / 2 = 5), and
//! - Docker Swarm's `service update --update-parallelism 2 --update-order start-first` on the
//!   same images, where `docker swarm init` works (it is left again afterwards).
//!
//! Targets: skiff within 1.15× the same-parallelism floor (two containers at a time, as each
//! wave has), and at least 3× faster than Swarm.
//! Run: `cargo bench --bench rollout`.

#[path = "../tests/support/mod.rs"]
mod support;

use skiff::runtime::{ContainerConfig, ContainerRuntime, Docker};
use std::process::Command;
use std::time::{Duration, Instant};
use support::Daemon;

const REPLICAS: u32 = 10;
const SURGE: u32 = 2;
const TRIALS: usize = 3;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().expect("run command");
    assert!(out.status.success(), "{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// One container from create to its first successful answer.
async fn one_container(docker: &Docker, i: usize) -> Duration {
    let config = ContainerConfig {
        name: format!("skiff-bench-floor-{}-{i}", std::process::id()),
        image: "hello-kubernetes:1.0".into(),
        publish: vec![8080],
        host_ip: Some("127.0.0.1".parse().unwrap()),
        labels: [("io.skiff.bench".to_string(), "floor".to_string())].into(),
        ..Default::default()
    };
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let started = Instant::now();
    let id = docker.create(&config).await.expect("create");
    docker.start(&id).await.expect("start");
    let addr = docker.inspect(&id).await.expect("inspect").ports[&8080];
    let url = format!("http://{addr}/readyz");
    loop {
        if client.get(&url).send().await.is_ok_and(|r| r.status().is_success()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let took = started.elapsed();
    docker.remove(&id).await.expect("remove");
    took
}

fn manifest() -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: bench}}\nspec:\n  replicas: {REPLICAS}\n  selector: {{matchLabels: {{app: bench}}}}\n  strategy:\n    rollingUpdate: {{maxSurge: {SURGE}, maxUnavailable: 0}}\n  template:\n    metadata: {{labels: {{app: bench}}}}\n    spec:\n      containers:\n      - name: web\n        image: hello-kubernetes:1.0\n        ports: [{{containerPort: 8080}}]\n        readinessProbe:\n          httpGet: {{path: /readyz, port: 8080}}\n          periodSeconds: 1\n"
    )
}

/// skiff: `set image` until `rollout status` returns, alternating v2 and v1.
fn skiff_rollouts() -> Vec<Duration> {
    let d = Daemon::start();
    let file = d.state.path().join("bench.yaml");
    std::fs::write(&file, manifest()).unwrap();
    d.ok(&["apply", "-f", file.to_str().unwrap()]);
    d.ok(&["rollout", "status", "deployment/bench"]);
    let mut times = Vec::new();
    for i in 0..TRIALS {
        // Each rollout starts on a quiet engine: the previous one's old containers are gone.
        let settle = Instant::now() + Duration::from_secs(60);
        while d.containers().len() > REPLICAS as usize && Instant::now() < settle {
            std::thread::sleep(Duration::from_millis(100));
        }
        let image = if i % 2 == 0 { "web=hello-kubernetes:2.0" } else { "web=hello-kubernetes:1.0" };
        let started = Instant::now();
        d.ok(&["set", "image", "deployment/bench", image]);
        d.ok(&["rollout", "status", "deployment/bench"]);
        times.push(started.elapsed());
        eprintln!("  skiff rollout {}: {:.2?}", i + 1, times[i]);
    }
    times
}

/// Docker Swarm on the same images, if this engine can become a swarm (left afterwards).
fn swarm_rollouts() -> Option<Vec<Duration>> {
    let state = run(Command::new("docker").args(["info", "--format", "{{.Swarm.LocalNodeState}}"]));
    if state.trim() != "inactive" {
        eprintln!("  swarm: the engine is already in a swarm ({}); skipping rather than touching it", state.trim());
        return None;
    }
    let init = Command::new("docker").args(["swarm", "init", "--advertise-addr", "127.0.0.1"]).output().ok()?;
    if !init.status.success() {
        eprintln!("  swarm: docker swarm init failed: {}", String::from_utf8_lossy(&init.stderr).trim());
        return None;
    }
    let name = format!("skiff-bench-{}", std::process::id());
    let replicas = REPLICAS.to_string();
    let mut times = Vec::new();
    let created = Command::new("docker")
        .args([
            "service",
            "create",
            "--quiet",
            "--detach=false",
            "--name",
            &name,
            "--replicas",
            &replicas,
            "hello-kubernetes:1.0",
        ])
        .output();
    if created.is_ok_and(|o| o.status.success()) {
        for i in 0..TRIALS {
            let image = if i % 2 == 0 { "hello-kubernetes:2.0" } else { "hello-kubernetes:1.0" };
            let started = Instant::now();
            run(Command::new("docker").args([
                "service",
                "update",
                "--quiet",
                "--detach=false",
                "--image",
                image,
                "--update-parallelism",
                "2",
                "--update-order",
                "start-first",
                &name,
            ]));
            times.push(started.elapsed());
            eprintln!("  swarm update {}: {:.2?}", i + 1, times[i]);
        }
    }
    let _ = Command::new("docker").args(["service", "rm", &name]).output();
    let _ = Command::new("docker").args(["swarm", "leave", "--force"]).output();
    (!times.is_empty()).then_some(times)
}

fn main() {
    support::demo_images();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let floor_one = rt.block_on(async {
        let docker = Docker::connect().await.expect("docker");
        let mut v = Vec::new();
        for i in 0..5 {
            v.push(one_container(&docker, i).await);
        }
        median(v)
    });
    let floor_pair = rt.block_on(async {
        let docker = Docker::connect().await.expect("docker");
        let mut v = Vec::new();
        for i in 0..5 {
            let (a, b) = tokio::join!(one_container(&docker, 10 + 2 * i), one_container(&docker, 11 + 2 * i));
            v.push(a.max(b));
        }
        median(v)
    });
    let waves = REPLICAS.div_ceil(SURGE);
    let floor = floor_one * waves;
    eprintln!(
        "  one container to its first answer: {floor_one:.2?}; two at once: {floor_pair:.2?} (medians of 5); {waves} waves"
    );
    let skiff = median(skiff_rollouts());
    let swarm = swarm_rollouts().map(median);
    println!("\n10 replicas, maxSurge 2, maxUnavailable 0, readiness every 1 s (medians of {TRIALS} rollouts)");
    println!("| | rollout time | vs floor |");
    println!("|---|---|---|");
    println!(
        "| floor ({waves} waves × create + start + first answer of one container) | {:.2} s | 1.00× |",
        floor.as_secs_f64()
    );
    println!(
        "| the same with two containers at a time, as each wave has | {:.2} s | {:.2}× |",
        (floor_pair * waves).as_secs_f64(),
        (floor_pair * waves).as_secs_f64() / floor.as_secs_f64()
    );
    println!("| skiff | {:.2} s | {:.2}× |", skiff.as_secs_f64(), skiff.as_secs_f64() / floor.as_secs_f64());
    match swarm {
        Some(s) => println!(
            "| Docker Swarm (`--update-parallelism 2 --update-order start-first`) | {:.2} s | {:.2}× |",
            s.as_secs_f64(),
            s.as_secs_f64() / floor.as_secs_f64()
        ),
        None => println!("| Docker Swarm | not measured (swarm init unavailable) | |"),
    }
    let within = skiff.as_secs_f64() / (floor_pair * waves).as_secs_f64();
    println!(
        "\nskiff within 1.15× the two-at-a-time floor: {} ({within:.2}×)",
        if within <= 1.15 { "yes" } else { "NO" }
    );
    if let Some(s) = swarm {
        let faster = s.as_secs_f64() / skiff.as_secs_f64();
        println!("skiff at least 3× faster than Swarm: {} ({faster:.1}×)", if faster >= 3.0 { "yes" } else { "NO" });
    }
}
