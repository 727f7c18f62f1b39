//! `skiff demo autoscale`: the autoscaling lesson. One replica requesting 100m of CPU under a
//! HorizontalPodAutoscaler at 50%; load on `/work` raises the CPU, replicas go up step by step
//! with the controller's reason printed, the load stops, and replicas come down once the
//! scale-down window (shortened to 30 s through `behavior`; Kubernetes' default is 300 s) has
//! passed.

use super::{Lesson, node_port, say, step};
use crate::demo::traffic::Traffic;
use crate::printers::table::hpa_tables::format_metrics;
use anyhow::bail;
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use std::collections::BTreeSet;
use std::time::Duration;

const HPA: &str = "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/hello-kubernetes";

/// Watches the HPA until `done(replicas)`, printing each rescale with its reason.
async fn watch(
    l: &Lesson,
    seen: &mut BTreeSet<String>,
    within: Duration,
    done: impl Fn(i32) -> bool,
) -> anyhow::Result<()> {
    let deadline = tokio::time::Instant::now() + within;
    let mut last = String::new();
    loop {
        let hpa: HorizontalPodAutoscaler = serde_json::from_value(l.shell.get(&l.server, HPA).await?)?;
        let spec = hpa.spec.clone().unwrap_or_default();
        let status = hpa.status.clone().unwrap_or_default();
        let targets = format_metrics(
            spec.metrics.as_deref().unwrap_or_default(),
            status.current_metrics.as_deref().unwrap_or_default(),
        );
        let line = format!("  TARGETS {targets}  REPLICAS {}", status.current_replicas.unwrap_or(0));
        if line != last {
            say(&line);
            last = line;
        }
        let events = l.shell.get(&l.server, "/api/v1/namespaces/default/events").await?;
        for e in events["items"].as_array().into_iter().flatten().filter(|e| e["reason"] == "SuccessfulRescale") {
            let message = e["message"].as_str().unwrap_or_default().to_string();
            if seen.insert(format!("{}{message}", e["metadata"]["name"])) {
                say(&format!("  \x1b[1mSuccessfulRescale\x1b[0m {message}"));
            }
        }
        let replicas = l.shell.get(&l.server, "/apis/apps/v1/namespaces/default/deployments/hello-kubernetes").await?;
        if done(replicas["spec"]["replicas"].as_i64().unwrap_or(0) as i32) {
            return Ok(());
        }
        if tokio::time::Instant::now() > deadline {
            bail!("the HPA did not get there within {within:?}");
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
}

pub(super) async fn teach(l: &mut Lesson) -> anyhow::Result<()> {
    step(1, 3, "One replica, requesting 100m of CPU, under an HPA at 50%");
    let file = l.dir.join("hello-kubernetes-autoscale.yaml");
    std::fs::write(&file, include_str!("../../../examples/autoscale/hello-kubernetes.yaml"))?;
    l.must(&["apply", "-f", &file.to_string_lossy()]).await?;
    let port = node_port(l, "hello-kubernetes").await?;
    l.url = format!("http://127.0.0.1:{port}/work?ms=50");
    l.must(&["rollout", "status", "deployment/hello-kubernetes"]).await?;
    say("  Every 15 s skiff samples each container's CPU from the engine (as `docker stats` does)");
    say("  and the HPA computes desired = ceil(current × utilization / 50%), with a 10% tolerance.");
    say("  This lesson shortens the scale-down window to 30 s (behavior.scaleDown.");
    say("  stabilizationWindowSeconds); Kubernetes' default is 300 s.");
    let mut seen = BTreeSet::new();
    watch(l, &mut seen, Duration::from_secs(60), |_| true).await?;

    step(2, 3, "Load rises: two clients asking /work?ms=50 without pause");
    let traffic = Traffic::start(&l.url, 2, 0, Duration::from_millis(20));
    watch(l, &mut seen, Duration::from_secs(120), |r| r >= 3).await?;
    l.must(&["top", "pods"]).await?;
    let tally = traffic.stop().await;
    say(&format!("  {} requests served while scaling up.", tally.total()));

    step(3, 3, "Load stops: replicas come down after the scale-down window");
    watch(l, &mut seen, Duration::from_secs(150), |r| r == 1).await?;
    l.must(&["get", "hpa"]).await?;
    l.must(&["describe", "hpa", "hello-kubernetes"]).await?;
    Ok(())
}
