//! The one writer of the metrics snapshot: every `RESOLUTION` it reads each running container
//! of this daemon once (a one-shot engine stats call, no waiting) and the proxy's request
//! counters, turns them into usage against the previous tick, and publishes the snapshot.

use super::{MetricsStore, PodMetrics, Snapshot, usage};
use crate::clock::Clock;
use crate::kubelet::container::{LABEL_CONTAINER, LABEL_INSTANCE, LABEL_NAMESPACE, LABEL_POD};
use crate::proxy::metrics::Metrics as ProxyMetrics;
use crate::runtime::{ContainerRuntime, EngineState, ResourceReading};
use jiff::{SignedDuration, Timestamp};
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

/// What the sampler reads from.
pub struct Sources {
    pub runtime: Arc<dyn ContainerRuntime>,
    /// This daemon's instance label: only its containers are read.
    pub instance: String,
    pub proxy: Arc<ProxyMetrics>,
    pub clock: Clock,
}

/// The previous tick's readings.
#[derive(Default)]
struct Previous {
    at: Option<Timestamp>,
    containers: BTreeMap<String, ResourceReading>,
    requests: BTreeMap<(String, String), u64>,
}

/// Samples at once, then at the pace `store` asks for, until `shutdown`.
pub async fn run(sources: Sources, store: Arc<MetricsStore>, shutdown: CancellationToken) {
    let mut previous = Previous::default();
    loop {
        let span = tracing::debug_span!("metrics-sample");
        if let Some(snapshot) = sample(&sources, &mut previous).instrument(span).await {
            store.publish(snapshot);
        }
        if shutdown.run_until_cancelled(store.next_tick()).await.is_none() {
            return;
        }
    }
}

async fn sample(sources: &Sources, previous: &mut Previous) -> Option<Snapshot> {
    let filter = [(LABEL_INSTANCE.to_string(), sources.instance.clone())];
    let containers = match sources.runtime.list(&filter).await {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(error = %e, "cannot list containers for metrics");
            return None;
        }
    };
    let now = sources.clock.now();
    let window = previous.at.map(|at| now.duration_since(at)).unwrap_or(SignedDuration::ZERO);
    let requests = sources.proxy.requests_by_pod();
    let mut readings = BTreeMap::new();
    let mut snapshot = Snapshot::default();
    for c in containers.iter().filter(|c| c.state == EngineState::Running) {
        let label = |k: &str| c.labels.get(k).cloned().unwrap_or_default();
        let reading = match sources.runtime.stats(&c.id).await {
            Ok(r) => r,
            Err(e) => {
                tracing::debug!(container = %c.id, error = %e, "no stats");
                continue;
            }
        };
        readings.insert(c.id.clone(), reading);
        let Some(used) = previous.containers.get(&c.id).and_then(|p| usage::usage(p, &reading)) else {
            continue;
        };
        let key = (label(LABEL_NAMESPACE), label(LABEL_POD));
        let rate = per_second_milli(previous.requests.get(&key), requests.get(&key), window);
        let pod = snapshot.pods.entry(key).or_insert_with(|| PodMetrics {
            timestamp: now,
            window,
            containers: BTreeMap::new(),
            requests_per_second_milli: rate,
        });
        pod.containers.insert(label(LABEL_CONTAINER), used);
    }
    *previous = Previous { at: Some(now), containers: readings, requests };
    Some(snapshot)
}

/// The request rate between two counter readings, in thousandths per second; a pod that
/// appeared since counts from zero.
fn per_second_milli(before: Option<&u64>, after: Option<&u64>, window: SignedDuration) -> i64 {
    let (before, after) = (before.copied().unwrap_or(0), after.copied().unwrap_or(0));
    let millis = window.as_millis();
    if millis <= 0 {
        return 0;
    }
    let delta = i64::try_from(after.saturating_sub(before)).unwrap_or(i64::MAX);
    i64::try_from(i128::from(delta) * 1_000_000 / millis).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::fake::FakeRuntime;
    use crate::runtime::{ContainerConfig, ContainerRuntime};

    #[test]
    fn request_rate_per_second() {
        let w = SignedDuration::from_secs(15);
        assert_eq!(per_second_milli(Some(&100), Some(&250), w), 10_000);
        assert_eq!(per_second_milli(None, Some(&1), w), 66);
        assert_eq!(per_second_milli(Some(&5), Some(&5), SignedDuration::ZERO), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn two_ticks_make_a_pod_sample_from_the_engine_readings() {
        let runtime = Arc::new(FakeRuntime::new());
        let labels =
            [(LABEL_INSTANCE, "i1"), (LABEL_NAMESPACE, "default"), (LABEL_POD, "web-1"), (LABEL_CONTAINER, "app")];
        let config = ContainerConfig {
            name: "c".into(),
            image: "hello".into(),
            labels: labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            ..Default::default()
        };
        let id = runtime.plant(&config, EngineState::Running);
        let reading = |cpu, system| ResourceReading {
            cpu_total_ns: cpu,
            system_cpu_ns: system,
            online_cpus: 2,
            memory_usage_bytes: 10 << 20,
            memory_inactive_file_bytes: 2 << 20,
        };
        let sources = Sources {
            runtime: runtime.clone() as Arc<dyn ContainerRuntime>,
            instance: "i1".into(),
            proxy: Arc::default(),
            clock: Clock::system(),
        };
        let mut previous = Previous::default();
        runtime.set_reading(&id, reading(0, 0));
        assert!(sample(&sources, &mut previous).await.unwrap().pods.is_empty(), "one reading is no usage yet");
        tokio::time::advance(std::time::Duration::from_secs(15)).await;
        runtime.set_reading(&id, reading(1_500_000_000, 30_000_000_000));
        let snapshot = sample(&sources, &mut previous).await.unwrap();
        let pod = &snapshot.pods[&("default".to_string(), "web-1".to_string())];
        assert_eq!(pod.window, SignedDuration::from_secs(15));
        assert_eq!(pod.containers["app"], super::super::Usage { cpu_nanocores: 100_000_000, memory_bytes: 8 << 20 });
    }
}
