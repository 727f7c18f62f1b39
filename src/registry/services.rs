//! Service admission: cluster IP and nodePort allocation, and the conflicts Kubernetes reports
//! (`provided port is already allocated`). skiff serves every NodePort and LoadBalancer port on
//! one proxy address, so a LoadBalancer `port` is allocated like a nodePort.

use crate::model::validation::{ErrorList, FieldError, FieldPath};
use crate::model::{Object, meta};
use k8s_openapi::api::core::v1::Service;
use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr, TcpListener};
use std::ops::RangeInclusive;
use std::sync::Arc;

/// Where NodePort and LoadBalancer listeners go, and the nodePort range.
#[derive(Clone, Debug)]
pub struct ServicePorts {
    pub proxy_ip: IpAddr,
    pub node_port_range: RangeInclusive<u16>,
}

impl Default for ServicePorts {
    fn default() -> Self {
        ServicePorts { proxy_ip: IpAddr::V4(Ipv4Addr::LOCALHOST), node_port_range: 30000..=32767 }
    }
}

/// Host ports a Service occupies on the proxy address.
pub fn host_ports(svc: &Service) -> Vec<u16> {
    let spec = svc.spec.clone().unwrap_or_default();
    let ports = spec.ports.unwrap_or_default();
    match spec.type_.as_deref() {
        Some("NodePort") => ports.iter().filter_map(|p| p.node_port).filter_map(|p| u16::try_from(p).ok()).collect(),
        Some("LoadBalancer") => ports
            .iter()
            .flat_map(|p| [Some(p.port), p.node_port])
            .flatten()
            .filter_map(|p| u16::try_from(p).ok())
            .collect(),
        _ => Vec::new(),
    }
}

impl ServicePorts {
    /// Allocates what is missing (clusterIP, nodePorts) and rejects ports another Service holds.
    pub fn admit(&self, svc: &mut Service, others: &[Arc<Object>]) -> Result<(), ErrorList> {
        let me = (meta::namespace(&svc.metadata).to_string(), meta::name(&svc.metadata).to_string());
        let others: Vec<&Service> = others
            .iter()
            .filter_map(|o| match o.as_ref() {
                Object::Service(s)
                    if (meta::namespace(&s.metadata), meta::name(&s.metadata)) != (&me.0[..], &me.1[..]) =>
                {
                    Some(s)
                }
                _ => None,
            })
            .collect();
        let taken: BTreeSet<u16> = others.iter().flat_map(|s| host_ports(s)).collect();
        let used_ips: BTreeSet<String> = others.iter().filter_map(|s| s.spec.as_ref()?.cluster_ip.clone()).collect();
        let Some(spec) = svc.spec.as_mut() else {
            return Ok(());
        };
        if spec.type_.as_deref() != Some("ExternalName") && spec.cluster_ip.is_none() {
            let ip = allocate_cluster_ip(&me.0, &me.1, &used_ips);
            spec.cluster_ips = Some(vec![ip.clone()]);
            spec.cluster_ip = Some(ip);
        }
        let exposes = matches!(spec.type_.as_deref(), Some("NodePort") | Some("LoadBalancer"));
        if !exposes {
            return Ok(());
        }
        let is_lb = spec.type_.as_deref() == Some("LoadBalancer");
        let mut errors = Vec::new();
        let mut mine = BTreeSet::new();
        let path = FieldPath::new("spec").child("ports");
        for (i, port) in spec.ports.iter_mut().flatten().enumerate() {
            if is_lb {
                let p = port.port as u16;
                if taken.contains(&p) || !mine.insert(p) {
                    errors.push(FieldError::invalid(
                        &path.index(i).child("port"),
                        port.port,
                        "provided port is already allocated",
                    ));
                }
            }
            match port.node_port {
                Some(np) if taken.contains(&(np as u16)) || !mine.insert(np as u16) => {
                    errors.push(FieldError::invalid(
                        &path.index(i).child("nodePort"),
                        np,
                        "provided port is already allocated",
                    ));
                }
                Some(_) => {}
                None => match self.free_node_port(&taken, &mine) {
                    Some(np) => {
                        mine.insert(np);
                        port.node_port = Some(i32::from(np));
                    }
                    None => errors.push(FieldError::invalid(
                        &path.index(i).child("nodePort"),
                        0,
                        "range is full: no free node port left",
                    )),
                },
            }
        }
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }

    /// A random port of the range that no Service holds and that nothing else has bound.
    fn free_node_port(&self, taken: &BTreeSet<u16>, mine: &BTreeSet<u16>) -> Option<u16> {
        let (lo, hi) = (*self.node_port_range.start(), *self.node_port_range.end());
        let span = u32::from(hi - lo) + 1;
        let start = fastrand::u32(..span);
        (0..span)
            .map(|i| lo + ((start + i) % span) as u16)
            .find(|p| !taken.contains(p) && !mine.contains(p) && TcpListener::bind((self.proxy_ip, *p)).is_ok())
    }
}

/// A stable-looking address from 10.96.0.0/16, shown as CLUSTER-IP. skiff has no virtual IPs:
/// Services are reached on the proxy address.
fn allocate_cluster_ip(namespace: &str, name: &str, used: &BTreeSet<String>) -> String {
    let seed = namespace
        .bytes()
        .chain([b'/'])
        .chain(name.bytes())
        .fold(2166136261u32, |h, b| (h ^ u32::from(b)).wrapping_mul(16777619));
    (0..65534u32)
        .map(|i| {
            let n = (seed.wrapping_add(i) % 65533) + 2;
            format!("10.96.{}.{}", n / 256, n % 256)
        })
        .find(|ip| !used.contains(ip))
        .unwrap_or_else(|| "10.96.0.1".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::{ServicePort, ServiceSpec};
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

    fn svc(name: &str, type_: &str, port: i32, node_port: Option<i32>) -> Service {
        Service {
            metadata: ObjectMeta { name: Some(name.into()), namespace: Some("default".into()), ..Default::default() },
            spec: Some(ServiceSpec {
                type_: Some(type_.into()),
                ports: Some(vec![ServicePort { port, node_port, ..Default::default() }]),
                ..Default::default()
            }),
            status: None,
        }
    }

    #[test]
    fn allocates_and_reports_conflicts() {
        let ports = ServicePorts { node_port_range: 31000..=31999, ..Default::default() };
        let mut a = svc("a", "NodePort", 80, Some(31080));
        ports.admit(&mut a, &[]).unwrap();
        assert!(a.spec.as_ref().unwrap().cluster_ip.as_ref().unwrap().starts_with("10.96."));
        let existing = vec![Arc::new(Object::Service(a))];
        let mut b = svc("b", "NodePort", 80, Some(31080));
        let errors = ports.admit(&mut b, &existing).unwrap_err();
        assert_eq!(
            errors[0].to_string(),
            "spec.ports[0].nodePort: Invalid value: 31080: provided port is already allocated"
        );
        let mut c = svc("c", "NodePort", 80, None);
        ports.admit(&mut c, &existing).unwrap();
        let np = c.spec.unwrap().ports.unwrap()[0].node_port.unwrap();
        assert!((31000..=31999).contains(&np) && np != 31080);
        // Re-admitting the same service (an update) does not conflict with itself.
        let Object::Service(mut a2) = existing[0].as_ref().clone() else { unreachable!() };
        ports.admit(&mut a2, &existing).unwrap();
    }

    #[test]
    fn load_balancer_ports_are_exclusive_on_the_proxy_address() {
        let ports = ServicePorts { node_port_range: 31000..=31999, ..Default::default() };
        let mut a = svc("a", "LoadBalancer", 8080, None);
        ports.admit(&mut a, &[]).unwrap();
        let existing = vec![Arc::new(Object::Service(a))];
        let mut b = svc("b", "LoadBalancer", 8080, None);
        let errors = ports.admit(&mut b, &existing).unwrap_err();
        assert_eq!(
            errors[0].to_string(),
            "spec.ports[0].port: Invalid value: 8080: provided port is already allocated"
        );
    }
}
