//! How a pod's container becomes a Docker container: name, labels that identify the daemon
//! instance and the pod, hostname, command and args, the environment and mounts the worker
//! prepared, published ports (the first container owns the pod's network and publishes for
//! all: declared ports, every port a probe or hook reaches, and every port a selecting Service
//! targets), CPU and memory limits. Pure.

use crate::model::meta;
use crate::model::quantity::Quantity;
use crate::runtime::{ContainerConfig, Mount};
use k8s_openapi::api::core::v1::{Container, Pod};
use std::collections::BTreeMap;
use std::net::IpAddr;

pub const LABEL_INSTANCE: &str = "io.skiff.instance";
pub const LABEL_NAMESPACE: &str = "io.skiff.namespace";
pub const LABEL_POD: &str = "io.skiff.pod";
pub const LABEL_POD_UID: &str = "io.skiff.pod-uid";
pub const LABEL_CONTAINER: &str = "io.skiff.container";
pub const LABEL_OWNER: &str = "io.skiff.owner";
pub const LABEL_RESTART_COUNT: &str = "io.skiff.restart-count";

/// The Docker container name: unique per instance, pod, container and restart.
pub fn docker_name(pod: &Pod, container: &str, instance: &str, restart_count: i32) -> String {
    let short: String = instance.chars().take(8).collect();
    format!(
        "skiff_{container}_{}_{}_{short}_{restart_count}",
        meta::name(&pod.metadata),
        meta::namespace(&pod.metadata)
    )
}

/// The labels every container of `pod` carries.
pub fn labels(pod: &Pod, container: &str, instance: &str, restart_count: i32) -> BTreeMap<String, String> {
    let owner = meta::controller_ref(&pod.metadata).map(|r| r.name.clone()).unwrap_or_default();
    BTreeMap::from([
        (LABEL_INSTANCE.into(), instance.into()),
        (LABEL_NAMESPACE.into(), meta::namespace(&pod.metadata).into()),
        (LABEL_POD.into(), meta::name(&pod.metadata).into()),
        (LABEL_POD_UID.into(), meta::uid(&pod.metadata).into()),
        (LABEL_CONTAINER.into(), container.into()),
        (LABEL_OWNER.into(), owner),
        (LABEL_RESTART_COUNT.into(), restart_count.to_string()),
    ])
}

/// What the worker works out before a container is created.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Prepared {
    /// The resolved environment, in order (`environment::resolve`).
    pub env: Vec<(String, String)>,
    pub mounts: Vec<Mount>,
    /// Join this container's network (the pod's first) instead of owning one.
    pub join: Option<String>,
    /// The ports to publish when owning the network.
    pub publish: Vec<u16>,
}

/// Kubernetes' `$(VAR)` expansion: known variables are replaced, `$$` escapes, unknown stay.
pub fn expand(input: &str, vars: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = input;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let tail = &rest[i + 1..];
        if let Some(t) = tail.strip_prefix('$') {
            out.push('$');
            rest = t;
        } else if let Some(end) = tail.strip_prefix('(').and_then(|t| t.find(')')) {
            let name = &tail[1..=end];
            match vars.get(name) {
                Some(v) => out.push_str(v),
                None => out.push_str(&format!("$({name})")),
            }
            rest = &tail[end + 2..];
        } else {
            out.push('$');
            rest = tail;
        }
    }
    out.push_str(rest);
    out
}

fn limit(container: &Container, resource: &str) -> Option<Quantity> {
    let q = container.resources.as_ref()?.limits.as_ref()?.get(resource)?;
    Quantity::parse(&q.0).ok()
}

/// Everything Docker needs to run `container` of `pod` as `prepared` says.
pub fn config(
    pod: &Pod,
    container: &Container,
    instance: &str,
    restart_count: i32,
    host_ip: IpAddr,
    prepared: Prepared,
) -> ContainerConfig {
    let Prepared { env, mounts, join, publish } = prepared;
    let env_vars: BTreeMap<String, String> = env.iter().cloned().collect();
    let expand_all =
        |v: &Option<Vec<String>>| v.as_ref().map(|list| list.iter().map(|s| expand(s, &env_vars)).collect());
    let security = container.security_context.as_ref();
    let owns_network = join.is_none();
    ContainerConfig {
        name: docker_name(pod, &container.name, instance, restart_count),
        image: container.image.clone().unwrap_or_default(),
        hostname: owns_network.then(|| meta::name(&pod.metadata).to_string()),
        entrypoint: expand_all(&container.command),
        cmd: expand_all(&container.args),
        env: env.iter().map(|(k, v)| format!("{k}={v}")).collect(),
        working_dir: container.working_dir.clone(),
        labels: labels(pod, &container.name, instance, restart_count),
        publish: if owns_network { publish } else { Vec::new() },
        host_ip: Some(host_ip),
        join_network_of: join,
        nano_cpus: limit(container, "cpu").and_then(|q| i64::try_from(q.nanos()).ok()),
        memory_bytes: limit(container, "memory").and_then(|q| i64::try_from(q.ceil_units()).ok()),
        user: security.and_then(|s| s.run_as_user).map(|u| u.to_string()),
        privileged: security.and_then(|s| s.privileged).unwrap_or(false),
        mounts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::{ContainerPort, EnvVar, GRPCAction, HTTPGetAction, Probe, ResourceRequirements};
    use k8s_openapi::apimachinery::pkg::api::resource::Quantity as KQ;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
    use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

    fn pod() -> Pod {
        Pod {
            metadata: ObjectMeta {
                name: Some("web-7d9c-x2k9p".into()),
                namespace: Some("default".into()),
                uid: Some("uid-1".into()),
                ..Default::default()
            },
            ..Default::default()
        }
    }

    struct NoObjects;

    impl crate::kubelet::environment::ConfigSource for NoObjects {
        fn config_map(&self, _: &str) -> Option<k8s_openapi::api::core::v1::ConfigMap> {
            None
        }
        fn secret(&self, _: &str) -> Option<k8s_openapi::api::core::v1::Secret> {
            None
        }
    }

    #[test]
    fn translates_a_container() {
        let c = Container {
            name: "web".into(),
            image: Some("hello:1.0".into()),
            args: Some(vec!["--msg=$(GREETING)".into(), "$$(GREETING)".into()]),
            env: Some(vec![EnvVar { name: "GREETING".into(), value: Some("hi".into()), ..Default::default() }]),
            ports: Some(vec![ContainerPort { container_port: 8080, name: Some("http".into()), ..Default::default() }]),
            readiness_probe: Some(Probe {
                http_get: Some(HTTPGetAction { port: IntOrString::String("http".into()), ..Default::default() }),
                ..Default::default()
            }),
            liveness_probe: Some(Probe {
                http_get: Some(HTTPGetAction { port: IntOrString::Int(9090), ..Default::default() }),
                ..Default::default()
            }),
            startup_probe: Some(Probe { grpc: Some(GRPCAction { port: 9000, service: None }), ..Default::default() }),
            resources: Some(ResourceRequirements {
                limits: Some(BTreeMap::from([("cpu".into(), KQ("500m".into())), ("memory".into(), KQ("64Mi".into()))])),
                ..Default::default()
            }),
            ..Default::default()
        };
        let mut p = pod();
        p.spec = Some(k8s_openapi::api::core::v1::PodSpec { containers: vec![c.clone()], ..Default::default() });
        let env = crate::kubelet::environment::resolve(&p, &c, &NoObjects).unwrap().vars;
        let publish = crate::model::ports::pod_ports_to_publish(&p, &[]);
        let prepared = Prepared { env, publish, ..Default::default() };
        let cfg = config(&p, &c, "abcdef0123456789", 2, "127.0.0.1".parse().unwrap(), prepared);
        assert_eq!(cfg.name, "skiff_web_web-7d9c-x2k9p_default_abcdef01_2");
        assert_eq!(cfg.hostname.as_deref(), Some("web-7d9c-x2k9p"));
        assert_eq!(cfg.cmd, Some(vec!["--msg=hi".into(), "$(GREETING)".into()]));
        assert_eq!(cfg.env, vec!["GREETING=hi".to_string()]);
        assert_eq!(cfg.publish, vec![8080, 9000, 9090], "declared ports and every probe's");
        assert_eq!((cfg.nano_cpus, cfg.memory_bytes), (Some(500_000_000), Some(64 * 1024 * 1024)));
        assert_eq!(cfg.labels[LABEL_POD_UID], "uid-1");
        assert_eq!(cfg.labels[LABEL_INSTANCE], "abcdef0123456789");
    }
}
