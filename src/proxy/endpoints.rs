//! Which pods serve which Service port, pure: pods selected by the Service, Ready and not
//! terminating, and where their targetPort (number or container port name) is reached: the
//! port the pod published, or, when the daemon may enter namespaces, the pod's own loopback.

use super::backends::{Backend, InFlight, Stats};
use super::dial::Target;
use super::version_affinity::RevisionStats;
use crate::kubelet::endpoints::PodEndpoint;
use k8s_openapi::api::core::v1::{Service, ServicePort};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

/// Shared per-pod and per-revision state that outlives snapshots.
pub trait PodState {
    fn in_flight(&self, uid: &str) -> Arc<InFlight>;
    fn stats(&self, service: &str, port: i32, uid: &str) -> Arc<Stats>;
    fn revision(&self, service: &str, hash: &str) -> Arc<RevisionStats>;
}

/// A pod's revision: its pod-template-hash label (empty for pods without one).
pub fn revision_of(pod: &PodEndpoint) -> &str {
    pod.labels.get(crate::model::meta::POD_TEMPLATE_HASH).map_or("", String::as_str)
}

/// The container port a Service port targets on `pod`.
pub fn target_port(port: &ServicePort, pod: &PodEndpoint) -> Option<u16> {
    match port.target_port.as_ref() {
        None => u16::try_from(port.port).ok(),
        Some(IntOrString::Int(n)) => u16::try_from(*n).ok(),
        Some(IntOrString::String(name)) => pod.port_names.get(name).copied(),
    }
}

/// Whether the Service's selector picks `pod` (a Service without a selector picks none).
pub fn selects(svc: &Service, pod: &PodEndpoint) -> bool {
    let Some(selector) = svc.spec.as_ref().and_then(|s| s.selector.as_ref()).filter(|s| !s.is_empty()) else {
        return false;
    };
    svc.metadata.namespace.as_deref() == Some(pod.namespace.as_str())
        && selector.iter().all(|(k, v)| pod.labels.get(k) == Some(v))
}

/// Where `pod` answers on container port `port`: inside its network namespace when the daemon
/// may enter it (falling back on the published port), else at the published port; `None` if
/// the daemon cannot reach it.
pub fn reach(pod: &PodEndpoint, port: u16, namespaces: bool) -> Option<Target> {
    let published = pod.ports.get(&port);
    match (published, pod.netns) {
        (_, Some(pid)) if namespaces => {
            let published = published.and_then(|addr| match addr {
                SocketAddr::V4(v4) => Some(*v4),
                SocketAddr::V6(_) => None,
            });
            Some(Target::Namespace { pid, port, published })
        }
        (Some(addr), _) => Some(Target::Published(*addr)),
        _ => None,
    }
}

/// The ready pods `svc` selects whose target port cannot be reached, with that port.
pub fn unreachable<'a>(
    svc: &Service,
    port: &ServicePort,
    pods: &'a BTreeMap<String, PodEndpoint>,
    namespaces: bool,
) -> Vec<(&'a PodEndpoint, Option<u16>)> {
    pods.values()
        .filter(|p| p.ready && !p.terminating && selects(svc, p))
        .map(|p| (p, target_port(port, p)))
        .filter(|(p, n)| n.is_none_or(|n| reach(p, n, namespaces).is_none()))
        .collect()
}

/// The backends for one port of `svc`, ordered by pod name.
pub fn backends(
    svc: &Service,
    port: &ServicePort,
    pods: &BTreeMap<String, PodEndpoint>,
    state: &dyn PodState,
    namespaces: bool,
) -> Vec<Arc<Backend>> {
    let key = format!(
        "{}/{}",
        svc.metadata.namespace.as_deref().unwrap_or_default(),
        svc.metadata.name.as_deref().unwrap_or_default()
    );
    let mut list: Vec<Arc<Backend>> = pods
        .values()
        .filter(|p| p.ready && !p.terminating && selects(svc, p))
        .filter_map(|p| {
            let target = reach(p, target_port(port, p)?, namespaces)?;
            Some(Arc::new(Backend {
                pod_uid: p.uid.clone(),
                pod_name: p.name.clone(),
                authority: target.authority()?,
                target,
                in_flight: state.in_flight(&p.uid),
                stats: state.stats(&key, port.port, &p.uid),
                revision: revision_of(p).into(),
                revision_stats: state.revision(&key, revision_of(p)),
            }))
        })
        .collect();
    list.sort_by(|a, b| a.pod_name.cmp(&b.pod_name));
    list
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::ServiceSpec;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
    use std::net::SocketAddr;

    struct Fresh;
    impl PodState for Fresh {
        fn in_flight(&self, _: &str) -> Arc<InFlight> {
            Arc::default()
        }
        fn stats(&self, _: &str, _: i32, _: &str) -> Arc<Stats> {
            Arc::default()
        }
        fn revision(&self, _: &str, _: &str) -> Arc<RevisionStats> {
            Arc::default()
        }
    }

    fn pod(name: &str, ready: bool, terminating: bool, app: &str) -> PodEndpoint {
        PodEndpoint {
            uid: format!("uid-{name}"),
            namespace: "default".into(),
            name: name.into(),
            labels: BTreeMap::from([("app".into(), app.into())]),
            ready,
            terminating,
            ports: BTreeMap::from([(8080, SocketAddr::from(([127, 0, 0, 1], 40000 + name.len() as u16)))]),
            port_names: BTreeMap::from([("http".into(), 8080)]),
            netns: Some(100),
            serving: ready,
            ip: Some("172.17.0.9".into()),
        }
    }

    #[test]
    fn only_ready_selected_non_terminating_pods_serve() {
        let svc = Service {
            metadata: ObjectMeta { name: Some("web".into()), namespace: Some("default".into()), ..Default::default() },
            spec: Some(ServiceSpec {
                selector: Some(BTreeMap::from([("app".into(), "web".into())])),
                ..Default::default()
            }),
            status: None,
        };
        let pods: BTreeMap<String, PodEndpoint> = [
            pod("a", true, false, "web"),
            pod("bb", false, false, "web"),
            pod("ccc", true, true, "web"),
            pod("dddd", true, false, "other"),
            pod("eeeee", true, false, "web"),
        ]
        .into_iter()
        .map(|p| (p.uid.clone(), p))
        .collect();
        let by_name =
            ServicePort { port: 80, target_port: Some(IntOrString::String("http".into())), ..Default::default() };
        let names: Vec<String> =
            backends(&svc, &by_name, &pods, &Fresh, false).into_iter().map(|b| b.pod_name.clone()).collect();
        assert_eq!(names, vec!["a", "eeeee"]);
        let unpublished = ServicePort { port: 80, target_port: Some(IntOrString::Int(9999)), ..Default::default() };
        assert!(backends(&svc, &unpublished, &pods, &Fresh, false).is_empty());
        assert_eq!(unreachable(&svc, &unpublished, &pods, false).len(), 2);
        let inside = backends(&svc, &unpublished, &pods, &Fresh, true);
        assert_eq!(
            inside.iter().map(|b| b.target).collect::<Vec<_>>(),
            [Target::Namespace { pid: 100, port: 9999, published: None }; 2]
        );
        assert!(unreachable(&svc, &unpublished, &pods, true).is_empty());
    }
}
