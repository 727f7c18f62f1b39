//! What a container needs from the pod's ConfigMaps and Secrets before it is created: its
//! volumes set up and its environment resolved. A missing object or key holds the container —
//! ContainerCreating with a FailedMount event for a volume, CreateContainerConfigError for the
//! environment, as the kubelet reports them — until one of the pod's objects changes. Mounted
//! volumes are then kept up to date: a change is written within moments, atomically.

use super::Worker;
use super::execute::RETRY;
use crate::kubelet::container::Prepared;
use crate::kubelet::decide::memory::{Blocked, Hold};
use crate::kubelet::environment::{self, ConfigSource};
use crate::kubelet::volumes::PodVolumes;
use crate::model::meta;
use crate::registry::Registry;
use crate::registry::events::EventType;
use k8s_openapi::api::core::v1::{ConfigMap, Container, Secret};

/// The pod's namespace in the registry: where its ConfigMaps and Secrets are read.
struct Namespace<'a> {
    registry: &'a Registry,
    namespace: &'a str,
}

impl ConfigSource for Namespace<'_> {
    fn config_map(&self, name: &str) -> Option<ConfigMap> {
        self.registry.get_typed(self.namespace, name)
    }

    fn secret(&self, name: &str) -> Option<Secret> {
        self.registry.get_typed(self.namespace, name)
    }
}

impl Worker {
    fn volumes(&self) -> PodVolumes {
        PodVolumes::new(&self.env.volumes_dir, &self.pod)
    }

    /// A name for a new version of a volume: the time, as the kubelet's writer names them.
    fn stamp(&self) -> String {
        let now = self.now();
        format!("{}.{:09}", now.strftime("%Y_%m_%d_%H_%M_%S"), now.subsec_nanosecond())
    }

    /// Holds container `index` until a referenced object changes (or the retry comes).
    fn hold_for_config(&mut self, index: usize, blocked: Blocked) {
        let until = self.now() + jiff::SignedDuration::try_from(RETRY).unwrap_or_default();
        if let Some(m) = self.memory.containers.get_mut(index) {
            m.hold = Some(Hold { until, blocked: Some(blocked), waits_for_config: true });
        }
    }

    /// The pod's volumes set up, then the environment and mounts of `spec` (container
    /// `index`); `None`, with an event and a hold, when a ConfigMap or Secret is missing.
    pub(super) async fn prepare(&mut self, index: usize, spec: &Container) -> Option<Prepared> {
        let (registry, namespace) = (self.env.registry.clone(), meta::namespace(&self.pod.metadata).to_string());
        let objects = Namespace { registry: &registry, namespace: &namespace };
        if let Err(e) = self.volumes().set_up(&self.pod, &objects, &self.stamp()).await {
            self.event(None, EventType::Warning, "FailedMount", e.to_string()).await;
            self.hold_for_config(index, Blocked { reason: "ContainerCreating".into(), message: None });
            return None;
        }
        let env = match environment::resolve(&self.pod, spec, &objects) {
            Ok(env) => env,
            Err(e) => {
                let message = e.to_string();
                self.event(Some(&spec.name), EventType::Warning, "Failed", format!("Error: {message}")).await;
                self.hold_for_config(index, Blocked::new("CreateContainerConfigError", message));
                return None;
            }
        };
        for skipped in &env.skipped {
            self.event(None, EventType::Warning, "InvalidEnvironmentVariableNames", skipped.message(&namespace)).await;
        }
        let mounts = self.volumes().mounts(&self.pod, spec);
        Some(Prepared { env: env.vars, mounts, ..Default::default() })
    }

    /// Rewrites the mounted ConfigMap and Secret volumes whose objects changed. An object
    /// that is gone leaves the files as they were (with a FailedMount event), as in Kubernetes.
    pub(super) async fn refresh_volumes(&mut self) {
        if !PodVolumes::has_projected(&self.pod)
            || self.instances.is_empty()
            || meta::is_terminating(&self.pod.metadata)
        {
            return;
        }
        let (registry, namespace) = (self.env.registry.clone(), meta::namespace(&self.pod.metadata).to_string());
        let objects = Namespace { registry: &registry, namespace: &namespace };
        if let Err(e) = self.volumes().set_up(&self.pod, &objects, &self.stamp()).await {
            self.event(None, EventType::Warning, "FailedMount", e.to_string()).await;
        }
    }

    /// A ConfigMap or Secret the pod references changed.
    pub(super) async fn config_changed(&mut self) {
        self.memory.release_config_holds();
        self.refresh_volumes().await;
    }

    /// The pod is gone: its volumes go too.
    pub(super) async fn remove_volumes(&mut self) {
        self.volumes().tear_down().await;
    }
}
