//! Service admission: cluster IP and nodePort allocation, and the conflicts Kubernetes reports
//! (`provided port is already allocated`). skiff serves every NodePort and LoadBalancer port on
//! one proxy address, so a LoadBalancer `port` is allocated like a nodePort; cluster IPs come
//! from a range inside 127.0.0.0/8, where the proxy serves each Service's ports too, so that
//! `curl <CLUSTER-IP>` works from the host as it does from a pod in a cluster.

use crate::model::ports;
use crate::model::validation::{BadValue, ErrorList, FieldError, FieldPath};
use crate::model::{Object, meta};
use k8s_openapi::api::core::v1::{Pod, Service};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr, TcpListener};
use std::ops::RangeInclusive;
use std::sync::Arc;

/// Where NodePort and LoadBalancer listeners go, the nodePort range and the cluster IP range.
#[derive(Clone, Debug)]
pub struct ServicePorts {
    pub proxy_ip: IpAddr,
    pub node_port_range: RangeInclusive<u16>,
    pub cluster_ip_range: Cidr,
    /// The proxy reaches ports pods do not publish (inside their network namespace).
    pub reaches_unpublished: bool,
}

impl Default for ServicePorts {
    fn default() -> Self {
        ServicePorts {
            proxy_ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
            node_port_range: 30000..=32767,
            cluster_ip_range: DEFAULT_CLUSTER_IP_RANGE.parse().unwrap_or(Cidr { base: 0x7f60_0000, prefix: 12 }),
            reaches_unpublished: false,
        }
    }
}

/// Kubernetes' default 10.96.0.0/12, moved into the loopback range the host routes to itself.
pub const DEFAULT_CLUSTER_IP_RANGE: &str = "127.96.0.0/12";

/// An IPv4 range such as `127.96.0.0/12`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    base: u32,
    prefix: u8,
}

impl std::str::FromStr for Cidr {
    type Err = String;
    fn from_str(s: &str) -> Result<Cidr, String> {
        let bad = || format!("invalid CIDR address: {s}");
        let (ip, prefix) = s.split_once('/').ok_or_else(bad)?;
        let (ip, prefix): (Ipv4Addr, u8) = (ip.parse().map_err(|_| bad())?, prefix.parse().map_err(|_| bad())?);
        if !(8..=30).contains(&prefix) {
            return Err(format!("{s}: the prefix must be between 8 and 30"));
        }
        let mask = u32::MAX << (32 - prefix);
        Ok(Cidr { base: u32::from(ip) & mask, prefix })
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", Ipv4Addr::from(self.base), self.prefix)
    }
}

impl Cidr {
    fn size(&self) -> u32 {
        1 << (32 - self.prefix)
    }

    pub fn contains(&self, ip: Ipv4Addr) -> bool {
        u32::from(ip) & (u32::MAX << (32 - self.prefix)) == self.base
    }

    /// The `n`-th address of the range.
    fn nth(&self, n: u32) -> Ipv4Addr {
        Ipv4Addr::from(self.base.wrapping_add(n % self.size()))
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
        if spec.type_.as_deref() != Some("ExternalName") {
            match spec.cluster_ip.as_deref() {
                None | Some("") => {
                    let ports: Vec<u16> =
                        spec.ports.iter().flatten().filter_map(|p| u16::try_from(p.port).ok()).collect();
                    let ip = self.allocate_cluster_ip(&ports, &used_ips).to_string();
                    spec.cluster_ips = Some(vec![ip.clone()]);
                    spec.cluster_ip = Some(ip);
                }
                Some("None") => {}
                Some(ip) => self.check_cluster_ip(ip)?,
            }
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

/// Warnings for a Service whose numeric target port the pods it selects do not publish, when
/// the proxy cannot reach unpublished ports: traffic to them would fail until they are recreated.
pub fn unreachable_warnings(svc: &Service, pods: &[Pod], reaches_unpublished: bool) -> Vec<String> {
    if reaches_unpublished {
        return Vec::new();
    }
    let spec = svc.spec.clone().unwrap_or_default();
    let Some(selector) = spec.selector.filter(|s| !s.is_empty()) else { return Vec::new() };
    let selected: Vec<&Pod> = pods
        .iter()
        .filter(|p| p.metadata.namespace == svc.metadata.namespace)
        .filter(|p| selector.iter().all(|(k, v)| meta::labels(&p.metadata).get(k) == Some(v)))
        .collect();
    let mut warnings = Vec::new();
    for port in spec.ports.iter().flatten() {
        let target = match &port.target_port {
            Some(IntOrString::Int(n)) => *n,
            Some(IntOrString::String(_)) => continue,
            None => port.port,
        };
        let missing: Vec<&str> = selected
            .iter()
            .filter(|p| !ports::pod_ports_to_publish(p, &[]).contains(&u16::try_from(target).unwrap_or(0)))
            .map(|p| meta::name(&p.metadata))
            .collect();
        if !missing.is_empty() {
            warnings.push(format!(
                "spec.ports[{}]: pods {} do not publish port {target} and this daemon cannot enter pod network \
                 namespaces; recreate them (kubectl rollout restart) so that they publish it",
                port.port,
                missing.join(", ")
            ));
        }
    }
    warnings
}

impl ServicePorts {
    /// A free address of the range (not the network address, not the first, which Kubernetes
    /// keeps for its own `kubernetes` Service) where every port of the Service can be bound now:
    /// other daemons on this host (a lab, parallel tests) may use the same range.
    fn allocate_cluster_ip(&self, ports: &[u16], used: &BTreeSet<String>) -> Ipv4Addr {
        let range = self.cluster_ip_range;
        let span = range.size().saturating_sub(3).max(1);
        let start = fastrand::u32(..span);
        let candidate = |i: u32| range.nth(2 + (start + i) % span);
        let free = |ip: &Ipv4Addr| {
            !used.contains(&ip.to_string()) && ports.iter().all(|p| TcpListener::bind((*ip, *p)).is_ok())
        };
        (0..span.min(4096)).map(candidate).find(free).unwrap_or_else(|| candidate(0))
    }

    /// An explicit cluster IP must lie in the range, as the apiserver requires.
    fn check_cluster_ip(&self, ip: &str) -> Result<(), ErrorList> {
        let range = self.cluster_ip_range;
        match ip.parse::<Ipv4Addr>() {
            Ok(addr) if range.contains(addr) => Ok(()),
            _ => Err(vec![FieldError::invalid(
                &FieldPath::new("spec").child("clusterIPs"),
                BadValue::Raw(format!("[]string{{{ip:?}}}")),
                &format!(
                    "failed to allocate IP {ip}: provided IP is not in the valid range. The range of valid IPs is {range}"
                ),
            )]),
        }
    }
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
        let ip: Ipv4Addr = a.spec.as_ref().unwrap().cluster_ip.as_ref().unwrap().parse().unwrap();
        assert!(ports.cluster_ip_range.contains(ip) && ip.is_loopback() && ip.octets()[3] != 0, "{ip}");
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
