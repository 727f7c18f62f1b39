//! The address fields of a Service, with Kubernetes' rules, messages and field paths
//! (`pkg/apis/core/validation` ValidateServiceClusterIPsRelatedFields, ValidateNonSpecialIP,
//! the source-range checks of ValidateService): clusterIP(s), ipFamilies, ipFamilyPolicy,
//! externalIPs and loadBalancerSourceRanges. Used by `service`; never panics on any input.

use std::net::IpAddr;

use k8s_openapi::api::core::v1::ServiceSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::field::{BadValue, ErrorList, FieldError, FieldPath};

const IP_MSG: &str = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)";
const CIDR_MSG: &str = "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)";
const LB_ONLY: &str = "may only be used when `type` is 'LoadBalancer'";
/// `core.AnnotationLoadBalancerSourceRangesKey`, the older spelling of `loadBalancerSourceRanges`.
const SOURCE_RANGES_ANNOTATION: &str = "service.beta.kubernetes.io/load-balancer-source-ranges";

/// The cluster IPs the registry acts on: `clusterIPs`, or `[clusterIP]` when only the singular
/// field is given (what the apiserver's PrepareForCreate does for older clients).
fn cluster_ips(spec: &ServiceSpec) -> Vec<&str> {
    match spec.cluster_ips.as_deref() {
        Some(ips) if !ips.is_empty() => ips.iter().map(String::as_str).collect(),
        _ => spec.cluster_ip.as_deref().filter(|ip| !ip.is_empty()).into_iter().collect(),
    }
}

/// A ClusterIP service with `clusterIP: None`.
pub(super) fn is_headless(spec: &ServiceSpec) -> bool {
    cluster_ips(spec) == ["None"]
}

/// Whether any cluster IP is given, for the ExternalName rule.
pub(super) fn has_cluster_ips(spec: &ServiceSpec) -> bool {
    !cluster_ips(spec).is_empty()
}

fn list_json(values: &[&str]) -> BadValue {
    BadValue::Raw(serde_json::to_string(values).unwrap_or_default())
}

/// `ValidateServiceClusterIPsRelatedFields`: clusterIP and clusterIPs agree, the families and
/// policy are known, every cluster IP parses (only the first may be `None`), at most one per
/// family, each matching its declared family.
pub(super) fn validate_cluster_ips(spec: &ServiceSpec, path: &FieldPath) -> ErrorList {
    let ips = cluster_ips(spec);
    let ips_path = path.child("clusterIPs");
    let mut errs = ErrorList::new();
    match spec.cluster_ip.as_deref().filter(|ip| !ip.is_empty()) {
        Some(ip) if ips.first().is_some_and(|first| *first != ip) => {
            errs.push(FieldError::invalid(&ips_path, list_json(&ips), "first value must match `clusterIP`"));
        }
        None if !ips.is_empty() => {
            let detail = "must be empty when `clusterIP` is not specified";
            errs.push(FieldError::invalid(&ips_path, list_json(&ips), detail));
        }
        _ => {}
    }
    let families = spec.ip_families.as_deref().unwrap_or_default();
    errs.extend(validate_families(families, spec.ip_family_policy.as_deref(), path));
    let mut invalid = false;
    for (i, ip) in ips.iter().enumerate() {
        if i == 0 && *ip == "None" {
            if ips.len() > 1 {
                invalid = true;
                errs.push(FieldError::invalid(&ips_path, list_json(&ips), "'None' must be the first and only value"));
            }
        } else if ip.parse::<IpAddr>().is_err() {
            invalid = true;
            errs.push(FieldError::invalid(&ips_path.index(i), *ip, IP_MSG));
        }
    }
    if ips.len() > 2 {
        errs.push(FieldError::invalid(&ips_path, list_json(&ips), "may only hold up to 2 values"));
    }
    if !invalid {
        errs.extend(validate_dual_stack(&ips, families, is_headless(spec), &ips_path));
    }
    errs
}

/// ipFamilies each IPv4 or IPv6 and not repeated; ipFamilyPolicy a known policy.
fn validate_families(families: &[String], policy: Option<&str>, path: &FieldPath) -> ErrorList {
    let mut errs = ErrorList::new();
    let families_path = path.child("ipFamilies");
    for (i, family) in families.iter().enumerate() {
        if family != "IPv4" && family != "IPv6" {
            errs.push(FieldError::not_supported(&families_path.index(i), family.as_str(), &["IPv4", "IPv6"]));
        }
        if families[..i].contains(family) {
            errs.push(FieldError::duplicate(&families_path.index(i), family.as_str()));
        }
    }
    let policies = ["PreferDualStack", "RequireDualStack", "SingleStack"];
    if let Some(policy) = policy.filter(|p| !policies.contains(p)) {
        errs.push(FieldError::not_supported(&path.child("ipFamilyPolicy"), policy, &policies));
    }
    errs
}

/// Several cluster IPs must be of both families, and each must match `ipFamilies[i]`.
fn validate_dual_stack(ips: &[&str], families: &[String], headless: bool, path: &FieldPath) -> ErrorList {
    let parsed: Vec<IpAddr> = ips.iter().filter_map(|ip| ip.parse().ok()).collect();
    let mut errs = ErrorList::new();
    let both = parsed.iter().any(IpAddr::is_ipv4) && parsed.iter().any(IpAddr::is_ipv6);
    if ips.len() > 1 && !both {
        let detail = "may specify no more than one IP for each IP family";
        errs.push(FieldError::invalid(path, list_json(ips), detail));
    }
    if headless {
        return errs;
    }
    for (i, (ip, family)) in parsed.iter().zip(families).enumerate() {
        let expected = match (family.as_str(), ip.is_ipv6()) {
            ("IPv4", true) => "IPv4",
            ("IPv6", false) => "IPv6",
            _ => continue,
        };
        let detail = format!("expected an {expected} value as indicated by `ipFamilies[{i}]`");
        errs.push(FieldError::invalid(&path.index(i), ips[i], &detail));
    }
    errs
}

/// externalIPs: each a valid IP, and not one `ValidateNonSpecialIP` refuses.
pub(super) fn validate_external_ips(spec: &ServiceSpec, path: &FieldPath) -> ErrorList {
    let mut errs = ErrorList::new();
    for (i, ip) in spec.external_ips.iter().flatten().enumerate() {
        let idx = path.child("externalIPs").index(i);
        match ip.parse::<IpAddr>() {
            Err(_) => errs.push(FieldError::invalid(&idx, ip.as_str(), IP_MSG)),
            Ok(addr) => errs
                .extend(special_ip_problems(addr, ip).into_iter().map(|m| FieldError::invalid(&idx, ip.as_str(), &m))),
        }
    }
    errs
}

/// What `ValidateNonSpecialIP` says about an address (IPv4-mapped IPv6 counts as IPv4).
fn special_ip_problems(addr: IpAddr, text: &str) -> Vec<String> {
    let addr = match addr {
        IpAddr::V6(v6) => v6.to_canonical(),
        v4 => v4,
    };
    let (link_local, link_local_multicast) = match addr {
        IpAddr::V4(v4) => (v4.is_link_local(), v4.octets()[..3] == [224, 0, 0]),
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            (first & 0xffc0 == 0xfe80, first & 0xff0f == 0xff02)
        }
    };
    let checks = [
        (addr.is_unspecified(), format!("may not be unspecified ({text})")),
        (addr.is_loopback(), "may not be in the loopback range (127.0.0.0/8, ::1/128)".to_string()),
        (link_local, "may not be in the link-local range (169.254.0.0/16, fe80::/10)".to_string()),
        (link_local_multicast, "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)".to_string()),
    ];
    checks.into_iter().filter(|(hit, _)| *hit).map(|(_, msg)| msg).collect()
}

/// `ParseCIDRSloppy`: an address, `/`, and a prefix length that fits its family.
fn is_cidr(value: &str) -> bool {
    let Some((ip, prefix)) = value.split_once('/') else {
        return false;
    };
    let max = match ip.parse::<IpAddr>() {
        Ok(IpAddr::V4(_)) => 32,
        Ok(IpAddr::V6(_)) => 128,
        Err(_) => return false,
    };
    !prefix.is_empty() && prefix.bytes().all(|b| b.is_ascii_digit()) && prefix.parse::<u32>().is_ok_and(|p| p <= max)
}

/// loadBalancerSourceRanges (or, without them, the older annotation): LoadBalancer only, and
/// each a CIDR, space padding allowed.
pub(super) fn validate_source_ranges(meta: &ObjectMeta, spec: &ServiceSpec, path: &FieldPath) -> ErrorList {
    let is_lb = spec.type_.as_deref() == Some("LoadBalancer");
    let mut errs = ErrorList::new();
    let ranges = spec.load_balancer_source_ranges.as_deref().unwrap_or_default();
    if !ranges.is_empty() {
        // Upstream spells this path with a capital L.
        let field = path.child("LoadBalancerSourceRanges");
        if !is_lb {
            errs.push(FieldError::forbidden(&field, LB_ONLY));
        }
        for (i, range) in ranges.iter().enumerate() {
            let range = range.trim();
            if !is_cidr(range) {
                errs.push(FieldError::invalid(&field.index(i), range, CIDR_MSG));
            }
        }
    } else if let Some(value) = meta.annotations.as_ref().and_then(|a| a.get(SOURCE_RANGES_ANNOTATION)) {
        let field = FieldPath::new("metadata").child("annotations").key(SOURCE_RANGES_ANNOTATION);
        if !is_lb {
            errs.push(FieldError::forbidden(&field, LB_ONLY));
        }
        let value = value.trim();
        for range in value.split(',').map(str::trim).filter(|_| !value.is_empty()) {
            if !is_cidr(range) {
                errs.push(FieldError::invalid(&field, range, CIDR_MSG));
            }
        }
    }
    errs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(ip: &str) -> Vec<String> {
        special_ip_problems(ip.parse().unwrap_or(IpAddr::from([0, 0, 0, 0])), ip)
    }

    #[test]
    fn special_addresses_of_both_families() {
        assert_eq!(problems("::1"), vec!["may not be in the loopback range (127.0.0.0/8, ::1/128)"]);
        assert_eq!(problems("::ffff:127.0.0.1"), vec!["may not be in the loopback range (127.0.0.0/8, ::1/128)"]);
        assert_eq!(problems("::"), vec!["may not be unspecified (::)"]);
        assert_eq!(problems("169.254.1.1"), vec!["may not be in the link-local range (169.254.0.0/16, fe80::/10)"]);
        assert_eq!(problems("fe80::1"), vec!["may not be in the link-local range (169.254.0.0/16, fe80::/10)"]);
        let multicast = vec!["may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)"];
        assert_eq!(problems("224.0.0.251"), multicast);
        assert_eq!(problems("ff02::1"), multicast);
        assert!(problems("224.0.1.1").is_empty() && problems("2001:db8::1").is_empty());
    }

    #[test]
    fn cidrs() {
        for ok in ["10.0.0.0/8", "1.2.3.4/32", "2001:db8::/64", "::/0"] {
            assert!(is_cidr(ok), "{ok}");
        }
        for bad in ["10.0.0.0", "1.2.3.4/33", "2001:db8::/129", "foo.bar/8", "1.2.3.4/", "1.2.3.4/+8", ""] {
            assert!(!is_cidr(bad), "{bad}");
        }
    }
}
