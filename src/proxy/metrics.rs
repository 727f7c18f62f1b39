//! Prometheus metrics of the proxy: requests by Service, pod and status class, a latency
//! histogram per Service, ready endpoints per Service. Counters are atomics on the request
//! path; the registry behind them is only locked when a pod or Service appears and when
//! /metrics is scraped.

use super::backends::Stats;
use super::version_affinity::RevisionStats;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const BUCKETS: [f64; 13] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];
const CLASSES: [&str; 5] = ["1xx", "2xx", "3xx", "4xx", "5xx"];

#[derive(Debug, Default)]
pub struct Histogram {
    buckets: [AtomicU64; 13],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

impl Histogram {
    pub fn observe(&self, d: Duration) {
        let secs = d.as_secs_f64();
        if let Some(i) = BUCKETS.iter().position(|b| secs <= *b) {
            self.buckets[i].fetch_add(1, Ordering::Relaxed);
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_micros.fetch_add(u64::try_from(d.as_micros()).unwrap_or(u64::MAX), Ordering::Relaxed);
    }
}

#[derive(Default)]
struct Registry {
    /// (service, pod name) → counters.
    requests: BTreeMap<(String, String), Arc<Stats>>,
    latency: BTreeMap<String, Arc<Histogram>>,
    ready: BTreeMap<String, usize>,
    /// (service, pod-template-hash) → traffic to that revision.
    revisions: BTreeMap<(String, String), Arc<RevisionStats>>,
}

#[derive(Default)]
pub struct Metrics {
    registry: Mutex<Registry>,
}

impl Metrics {
    fn lock(&self) -> std::sync::MutexGuard<'_, Registry> {
        self.registry.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn stats(&self, service: &str, pod: &str) -> Arc<Stats> {
        self.lock().requests.entry((service.into(), pod.into())).or_default().clone()
    }

    pub fn revision(&self, service: &str, hash: &str) -> Arc<RevisionStats> {
        self.lock().revisions.entry((service.into(), hash.into())).or_default().clone()
    }

    pub fn latency(&self, service: &str) -> Arc<Histogram> {
        self.lock().latency.entry(service.into()).or_default().clone()
    }

    pub fn set_ready(&self, service: &str, n: usize) {
        self.lock().ready.insert(service.into(), n);
    }

    /// Requests answered so far per pod over all its Services: (namespace, pod) → count.
    pub fn requests_by_pod(&self) -> BTreeMap<(String, String), u64> {
        let mut out = BTreeMap::new();
        for ((service, pod), stats) in &self.lock().requests {
            let namespace = service.split('/').next().unwrap_or_default().to_string();
            let n: u64 = stats.by_class.iter().map(|c| c.load(Ordering::Relaxed)).sum();
            *out.entry((namespace, pod.clone())).or_default() += n;
        }
        out
    }

    pub fn forget_service(&self, service: &str) {
        let mut r = self.lock();
        r.ready.remove(service);
        r.latency.remove(service);
        r.requests.retain(|(s, _), _| s != service);
        r.revisions.retain(|(s, _), _| s != service);
    }

    /// The Prometheus text exposition; `revision_of(service, hash)` names the Deployment
    /// revision a pod-template-hash belongs to.
    pub fn render(&self, revision_of: &dyn Fn(&str, &str) -> Option<i64>) -> String {
        let r = self.lock();
        let mut out = String::new();
        out.push_str(
            "# HELP skiff_proxy_requests_total Requests the proxy answered, by service, pod and status class.\n",
        );
        out.push_str("# TYPE skiff_proxy_requests_total counter\n");
        for ((service, pod), stats) in &r.requests {
            for (i, class) in CLASSES.iter().enumerate() {
                let n = stats.by_class[i].load(Ordering::Relaxed);
                if n > 0 {
                    let _ = writeln!(
                        out,
                        "skiff_proxy_requests_total{{service=\"{service}\",pod=\"{pod}\",code=\"{class}\"}} {n}"
                    );
                }
            }
        }
        out.push_str("# HELP skiff_proxy_requests_in_flight Requests sent to a pod and not yet answered in full.\n");
        out.push_str("# TYPE skiff_proxy_requests_in_flight gauge\n");
        for ((service, pod), stats) in &r.requests {
            let n = stats.in_flight.load(Ordering::Relaxed);
            let _ = writeln!(out, "skiff_proxy_requests_in_flight{{service=\"{service}\",pod=\"{pod}\"}} {n}");
        }
        out.push_str("# HELP skiff_proxy_request_duration_seconds Time until the response headers were received.\n");
        out.push_str("# TYPE skiff_proxy_request_duration_seconds histogram\n");
        for (service, h) in &r.latency {
            let mut cumulative = 0;
            for (i, bound) in BUCKETS.iter().enumerate() {
                cumulative += h.buckets[i].load(Ordering::Relaxed);
                let _ = writeln!(
                    out,
                    "skiff_proxy_request_duration_seconds_bucket{{service=\"{service}\",le=\"{bound}\"}} {cumulative}"
                );
            }
            let count = h.count.load(Ordering::Relaxed);
            let sum = h.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
            let _ = writeln!(
                out,
                "skiff_proxy_request_duration_seconds_bucket{{service=\"{service}\",le=\"+Inf\"}} {count}"
            );
            let _ = writeln!(out, "skiff_proxy_request_duration_seconds_sum{{service=\"{service}\"}} {sum}");
            let _ = writeln!(out, "skiff_proxy_request_duration_seconds_count{{service=\"{service}\"}} {count}");
        }
        out.push_str("# HELP skiff_service_endpoints_ready Ready pods behind each service.\n");
        out.push_str("# TYPE skiff_service_endpoints_ready gauge\n");
        for (service, n) in &r.ready {
            let _ = writeln!(out, "skiff_service_endpoints_ready{{service=\"{service}\"}} {n}");
        }
        render_revisions(&mut out, &r.revisions, revision_of);
        out
    }
}

/// Traffic per Service and revision: the split a rollout really makes.
fn render_revisions(
    out: &mut String,
    revisions: &BTreeMap<(String, String), Arc<RevisionStats>>,
    revision_of: &dyn Fn(&str, &str) -> Option<i64>,
) {
    let labelled: Vec<(String, &RevisionStats)> = revisions
        .iter()
        .filter(|((_, hash), _)| !hash.is_empty())
        .map(|((service, hash), stats)| {
            let number = revision_of(service, hash).map(|n| n.to_string()).unwrap_or_default();
            (format!("service=\"{service}\",pod_template_hash=\"{hash}\",revision=\"{number}\""), &**stats)
        })
        .collect();
    out.push_str("# HELP skiff_proxy_revision_requests_total Requests answered, by service and revision.\n");
    out.push_str("# TYPE skiff_proxy_revision_requests_total counter\n");
    for (labels, stats) in &labelled {
        let _ =
            writeln!(out, "skiff_proxy_revision_requests_total{{{labels}}} {}", stats.requests.load(Ordering::Relaxed));
    }
    out.push_str("# HELP skiff_proxy_pinned_clients Clients a version-affine service pinned to each revision.\n");
    out.push_str("# TYPE skiff_proxy_pinned_clients gauge\n");
    for (labels, stats) in &labelled {
        let _ = writeln!(out, "skiff_proxy_pinned_clients{{{labels}}} {}", stats.pinned.load(Ordering::Relaxed).max(0));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_prometheus_text() {
        let m = Metrics::default();
        m.stats("default/web", "web-1").record(200);
        m.stats("default/web", "web-1").record(503);
        m.latency("default/web").observe(Duration::from_millis(3));
        m.set_ready("default/web", 3);
        m.stats("default/web", "web-2").in_flight.store(2, Ordering::Relaxed);
        m.revision("default/web", "7d9c").requests.store(5, Ordering::Relaxed);
        m.revision("default/web", "7d9c").pinned.store(2, Ordering::Relaxed);
        let text = m.render(&|_, hash| (hash == "7d9c").then_some(3));
        let labels = "service=\"default/web\",pod_template_hash=\"7d9c\",revision=\"3\"";
        assert!(text.contains(&format!("skiff_proxy_revision_requests_total{{{labels}}} 5")), "{text}");
        assert!(text.contains(&format!("skiff_proxy_pinned_clients{{{labels}}} 2")), "{text}");
        assert!(text.contains("skiff_proxy_requests_total{service=\"default/web\",pod=\"web-1\",code=\"2xx\"} 1"));
        assert!(text.contains("skiff_proxy_requests_total{service=\"default/web\",pod=\"web-1\",code=\"5xx\"} 1"));
        assert!(text.contains("skiff_proxy_request_duration_seconds_bucket{service=\"default/web\",le=\"0.005\"} 1"));
        assert!(text.contains("skiff_service_endpoints_ready{service=\"default/web\"} 3"));
        assert!(text.contains("skiff_proxy_requests_in_flight{service=\"default/web\",pod=\"web-1\"} 0"));
        assert!(text.contains("skiff_proxy_requests_in_flight{service=\"default/web\",pod=\"web-2\"} 2"));
    }
}
