//! The pod's endpoint (to the proxy) and status (to the API), both derived from the latest
//! decision, in that order: once the API says a pod is Ready the proxy already routes to it,
//! and a pod leaves rotation before the API says it is not Ready. A daemon that has just
//! adopted a running pod holds both back until its first probes have answered, so that it
//! neither claims Ready without a probe of its own nor flaps a pod that is serving.

use super::Worker;
use crate::kubelet::decide::Decision;
use crate::kubelet::endpoints::PodEndpoint;
use crate::kubelet::status::{self, ContainerView};
use crate::model::{KubeObject, meta};
use crate::runtime::{ContainerInfo, EngineState};
use k8s_openapi::api::core::v1::Pod;
use tokio::time::Instant;

impl Worker {
    pub(super) async fn publish(&mut self, decision: &Decision) {
        if let Some((_, limit)) = &self.sync
            && !self.first_probes_answered()
            && Instant::now() < *limit
            && self.all_alive()
        {
            return;
        }
        let endpoint = self.endpoint(&decision.views);
        if self.published.as_ref() != Some(&endpoint) {
            self.env.endpoints.publish(endpoint.clone()).await;
            self.published = Some(endpoint);
        }
        self.write_status(&decision.views).await;
        // The proxy may take connections once every adopted pod has been published.
        self.sync = None;
    }

    async fn write_status(&mut self, views: &[ContainerView]) {
        let host_ip = self.env.host_ip.to_string();
        let pod_ip = self.current_instances().first().and_then(|i| i.ip.clone());
        let status = status::build(&self.pod, views, &host_ip, pod_ip.as_deref(), self.start_time, self.now());
        if self.written.as_ref() == Some(&status) {
            return;
        }
        let mut pod = self.pod.clone();
        pod.status = Some(status.clone());
        match self.env.registry.update_status_object(pod.into_object(), None).await {
            Ok(updated) => {
                if let Some(p) = Pod::from_object(&updated) {
                    self.pod.metadata = p.metadata.clone();
                    self.pod.status = p.status.clone();
                }
                self.written = Some(status);
            }
            Err(e) => tracing::debug!(pod = meta::name(&self.pod.metadata), error = %e, "pod status not written"),
        }
    }

    /// The current instance of each container that is alive, in spec order.
    fn current_instances(&self) -> Vec<&ContainerInfo> {
        let current = self.memory.containers.iter().filter_map(|c| c.current.as_ref());
        current.filter_map(|k| self.instances.iter().find(|i| i.id == k.id && i.state.is_alive())).collect()
    }

    /// Every container's current instance is alive (so the old status may well be right).
    fn all_alive(&self) -> bool {
        self.memory.containers.iter().all(|m| {
            m.current.as_ref().is_some_and(|k| self.instances.iter().any(|i| i.id == k.id && i.state.is_alive()))
        })
    }

    /// Every running instance has had its startup and readiness probes answer once.
    fn first_probes_answered(&self) -> bool {
        self.memory.containers.iter().all(|m| {
            let running = m
                .current
                .as_ref()
                .filter(|k| self.instances.iter().any(|i| i.id == k.id && i.state == EngineState::Running));
            running.is_none_or(|k| m.probes.instance.as_ref() == Some(&k.id) && m.probes.readiness_known())
        })
    }

    pub(super) fn endpoint(&self, views: &[ContainerView]) -> PodEndpoint {
        let m = &self.pod.metadata;
        let terminating = meta::is_terminating(m);
        let port_names = self
            .containers()
            .iter()
            .flat_map(|c| c.ports.iter().flatten())
            .filter_map(|p| Some((p.name.clone()?, u16::try_from(p.container_port).ok()?)))
            .collect();
        let current = self.current_instances();
        let ports = current.iter().flat_map(|i| i.ports.clone()).collect();
        let netns = current.first().and_then(|i| i.pid);
        let ip = current.first().and_then(|i| i.ip.clone());
        let serving = !views.is_empty() && views.iter().all(|v| v.ready);
        PodEndpoint {
            uid: meta::uid(m).into(),
            namespace: meta::namespace(m).into(),
            name: meta::name(m).into(),
            labels: meta::labels(m),
            ready: serving && !terminating,
            terminating,
            ports,
            port_names,
            netns,
            serving,
            ip,
        }
    }
}
