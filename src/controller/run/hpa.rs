//! Executes the HPA controller's decisions: every `SYNC_PERIOD` per HPA it reads the target's
//! scale, the selected pods and the metrics snapshot, asks `controller::hpa::sync`, sets the
//! scale, writes the status and records the events. The per-HPA history (recommendations and
//! scale events) lives here in memory, as in kube-controller-manager.

use super::Reconciler;
use crate::clock::Clock;
use crate::controller::hpa::normalize::History;
use crate::controller::hpa::replicas::{Phase, PodView, Readiness, Sample, Samples, Timing};
use crate::controller::hpa::{self, Observed, SYNC_PERIOD, ScaleView};
use crate::metrics::{MetricsStore, REQUESTS_PER_SECOND, Snapshot};
use crate::model::selector::LabelSelector;
use crate::model::{Kind, Object, ObjectKey, meta};
use crate::registry::events::EventType;
use crate::registry::{ApiError, Registry, WriteOptions};
use crate::store::WatchEvent;
use async_trait::async_trait;
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::core::v1::Pod;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

const COMPONENT: &str = "horizontal-pod-autoscaler";

/// What the controller keeps per HPA between syncs.
struct Memory {
    history: History,
    last_sync: Instant,
    generation: Option<i64>,
}

pub struct HpaController {
    registry: Arc<Registry>,
    metrics: Arc<MetricsStore>,
    timing: Timing,
    memory: Mutex<BTreeMap<(String, String), Memory>>,
}

impl HpaController {
    pub fn new(registry: Arc<Registry>, metrics: Arc<MetricsStore>) -> Self {
        HpaController { registry, metrics, timing: Timing::default(), memory: Mutex::default() }
    }

    fn memory(&self) -> std::sync::MutexGuard<'_, BTreeMap<(String, String), Memory>> {
        self.memory.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn clock(&self) -> &Clock {
        self.registry.clock()
    }

    /// When the last sync of an unchanged HPA is younger than the period: how long to wait.
    fn not_due(&self, key: &(String, String), generation: Option<i64>) -> Option<Duration> {
        let memory = self.memory();
        let m = memory.get(key).filter(|m| m.generation == generation)?;
        SYNC_PERIOD.checked_sub(m.last_sync.elapsed()).filter(|d| !d.is_zero())
    }
}

/// The scale subresource of the HPA's target, read as the controller reads `autoscaling/v1`
/// Scale.
fn scale_view(scale: &serde_json::Value) -> ScaleView {
    let int = |v: &serde_json::Value| v.as_i64().and_then(|n| i32::try_from(n).ok()).unwrap_or(0);
    ScaleView {
        spec_replicas: int(&scale["spec"]["replicas"]),
        status_replicas: int(&scale["status"]["replicas"]),
        selector: scale["status"]["selector"].as_str().unwrap_or_default().to_string(),
    }
}

fn target_kind(hpa: &HorizontalPodAutoscaler) -> Option<Kind> {
    let r = &hpa.spec.as_ref()?.scale_target_ref;
    let group = r.api_version.as_deref().unwrap_or_default().split('/').next().unwrap_or_default();
    [Kind::Deployment, Kind::ReplicaSet].into_iter().find(|k| k.info().name == r.kind && k.info().group == group)
}

fn pod_view(pod: &Pod) -> PodView {
    let status = pod.status.clone().unwrap_or_default();
    let ready = status.conditions.iter().flatten().find(|c| c.type_ == "Ready").and_then(|c| {
        Some(Readiness { ready: c.status == "True", last_transition: c.last_transition_time.as_ref()?.0 })
    });
    let mut requests_milli = BTreeMap::new();
    let containers = pod.spec.as_ref().map(|s| s.containers.as_slice()).unwrap_or_default();
    for resource in ["cpu", "memory"] {
        let each: Option<Vec<i64>> = containers
            .iter()
            .map(|c| c.resources.as_ref()?.requests.as_ref()?.get(resource).and_then(hpa::milli_value))
            .collect();
        if let Some(each) = each.filter(|e| !e.is_empty()) {
            requests_milli.insert(resource.to_string(), each.iter().sum());
        }
    }
    PodView {
        name: meta::name(&pod.metadata).to_string(),
        phase: Phase::parse(status.phase.as_deref()),
        deleting: pod.metadata.deletion_timestamp.is_some(),
        ready,
        start_time: status.start_time.map(|t| t.0),
        requests_milli,
    }
}

/// The snapshot's samples for the selected pods: CPU in millicores, memory in milli-bytes (as
/// `Quantity.MilliValue()`), requests per second in thousandths.
fn observed(pods: &[Pod], namespace: &str, snapshot: &Snapshot) -> Observed {
    let mut resources: BTreeMap<String, Samples> = BTreeMap::new();
    let mut rps = Samples::new();
    for pod in pods {
        let name = meta::name(&pod.metadata).to_string();
        let Some(m) = snapshot.pods.get(&(namespace.to_string(), name.clone())) else { continue };
        let total = m.total();
        let sample = |value_milli: i64| Sample { value_milli, timestamp: m.timestamp, window: m.window };
        let cpu_milli = i64::try_from(total.cpu_nanocores / 1_000_000).unwrap_or(i64::MAX);
        let memory_milli = i64::try_from(total.memory_bytes).unwrap_or(i64::MAX).saturating_mul(1000);
        resources.entry("cpu".into()).or_default().insert(name.clone(), sample(cpu_milli));
        resources.entry("memory".into()).or_default().insert(name.clone(), sample(memory_milli));
        rps.insert(name, sample(m.requests_per_second_milli));
    }
    Observed {
        pods: pods.iter().map(pod_view).collect(),
        resources,
        pod_metrics: [(REQUESTS_PER_SECOND.to_string(), rps)].into(),
    }
}

#[async_trait]
impl Reconciler for HpaController {
    type Key = (String, String);
    const NAME: &'static str = "horizontal-pod-autoscaler";

    /// A new HPA or a change of its spec; its own status writes are not a reason to sync.
    fn keys_for(&self, event: &WatchEvent) -> Vec<Self::Key> {
        let Object::HorizontalPodAutoscaler(hpa) = event.object.as_ref() else { return Vec::new() };
        let changed = match event.previous.as_deref() {
            Some(Object::HorizontalPodAutoscaler(old)) => old.spec != hpa.spec,
            _ => true,
        };
        let key = (meta::namespace(&hpa.metadata).to_string(), meta::name(&hpa.metadata).to_string());
        if changed { vec![key] } else { Vec::new() }
    }

    fn all_keys(&self) -> Vec<Self::Key> {
        let hpas = self.registry.list_typed::<HorizontalPodAutoscaler>(None);
        hpas.iter().map(|h| (meta::namespace(&h.metadata).to_string(), meta::name(&h.metadata).to_string())).collect()
    }

    async fn reconcile(&self, key: &Self::Key) -> Result<Option<Duration>, ApiError> {
        let (namespace, name) = key;
        let Some(hpa) = self.registry.get_typed::<HorizontalPodAutoscaler>(namespace, name) else {
            self.memory().remove(key);
            return Ok(None);
        };
        if let Some(wait) = self.not_due(key, hpa.metadata.generation) {
            return Ok(Some(wait));
        }
        let now = self.clock().now();
        let object = Object::HorizontalPodAutoscaler(hpa.clone());
        let target_name = hpa.spec.as_ref().map(|s| s.scale_target_ref.name.clone()).unwrap_or_default();
        let scale = target_kind(&hpa)
            .map(|kind| ObjectKey { kind, namespace: namespace.clone(), name: target_name.clone() })
            .ok_or_else(|| "the target is not a Deployment or ReplicaSet".to_string())
            .and_then(|target| self.registry.get_scale(&target).map(|s| (target, s)).map_err(|e| e.to_string()));
        let (target, scale) = match scale {
            Ok((target, scale)) => (target, scale_view(&scale)),
            Err(e) => return self.failed_get_scale(&object, hpa, key, e).await,
        };
        let selector = LabelSelector::parse(&scale.selector).unwrap_or_default();
        let pods: Vec<Pod> = self
            .registry
            .list_typed::<Pod>(Some(namespace))
            .into_iter()
            .filter(|p| selector.matches(&meta::labels(&p.metadata)))
            .collect();
        let observed = observed(&pods, namespace, &self.metrics.load());
        let mut history = self.memory().remove(key).map(|m| m.history).unwrap_or_default();
        let plan = hpa::sync(&hpa, &scale, &observed, &mut history, now, self.timing);
        let scaled = match &plan.rescale {
            Some(r) => {
                let result = self.registry.set_scale(&target, r.to, None, &WriteOptions::default()).await;
                if result.is_ok() {
                    tracing::info!(hpa = %name, from = r.from, to = r.to, reason = %r.reason, "successful rescale");
                }
                result.map(|_| ()).map_err(|e| e.to_string())
            }
            None => Ok(()),
        };
        let (status, events) = plan.finish(&hpa, &mut history, scaled, now);
        let generation = hpa.metadata.generation;
        self.memory().insert(key.clone(), Memory { history, last_sync: Instant::now(), generation });
        self.write(object, hpa, status, &events).await?;
        Ok(Some(SYNC_PERIOD))
    }
}

impl HpaController {
    async fn write(
        &self,
        object: Object,
        mut hpa: HorizontalPodAutoscaler,
        status: k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscalerStatus,
        events: &[hpa::Event],
    ) -> Result<(), ApiError> {
        for e in events {
            let t = if e.warning { EventType::Warning } else { EventType::Normal };
            self.registry.events().record(&object, t, e.reason, &e.message, COMPONENT).await;
        }
        if hpa.status.as_ref() != Some(&status) {
            hpa.status = Some(status);
            self.registry.update_status_object(Object::HorizontalPodAutoscaler(hpa), None).await?;
        }
        Ok(())
    }

    /// The target's scale could not be read: `AbleToScale` False with `FailedGetScale`.
    async fn failed_get_scale(
        &self,
        object: &Object,
        hpa: HorizontalPodAutoscaler,
        key: &(String, String),
        error: String,
    ) -> Result<Option<Duration>, ApiError> {
        let now = self.clock().now();
        let mut status = hpa.status.clone().unwrap_or_default();
        let mut conditions = hpa::conditions::Conditions(status.conditions.take().unwrap_or_default());
        let message = format!("the HPA controller was unable to get the target's current scale: {error}");
        conditions.set(hpa::conditions::ABLE_TO_SCALE, false, "FailedGetScale", &message, now);
        status.conditions = Some(conditions.0);
        let event = hpa::Event { warning: true, reason: "FailedGetScale", message: error };
        let generation = hpa.metadata.generation;
        let history = self.memory().remove(key).map(|m| m.history).unwrap_or_default();
        self.memory().insert(key.clone(), Memory { history, last_sync: Instant::now(), generation });
        self.write(object.clone(), hpa, status, &[event]).await?;
        Ok(Some(SYNC_PERIOD))
    }
}
