//! The volumes and topology-spread blocks of `describe`.

use super::*;

/// Go's `describeVolumes` for the volume types a single-host runtime can offer; any other
/// type prints `<unknown>`.
pub(super) fn volumes(w: &mut Writer, volumes: &[Volume], space: &str) {
    if volumes.is_empty() {
        w.w(0, &format!("{space}Volumes:\t<none>\n"));
        return;
    }
    w.w(0, &format!("{space}Volumes:\n"));
    let indent = if space.is_empty() { "" } else { " " };
    for v in volumes {
        w.w(1, &format!("{indent}{}:\n", v.name));
        volume_source(w, v);
    }
}

/// The `Type:` line and details of one volume (four-space indented, as Go writes them).
fn volume_source(w: &mut Writer, v: &Volume) {
    let flag = |b: Option<bool>| b == Some(true);
    if let Some(h) = v.host_path.as_ref() {
        w.kv(2, "Type", "HostPath (bare host directory volume)");
        w.kv(2, "Path", &h.path);
        w.kv(2, "HostPathType", h.type_.as_deref().unwrap_or("<none>"));
    } else if let Some(e) = v.empty_dir.as_ref() {
        let positive = |q: &&Quantity| nanos(&q.0).unwrap_or(0) > 0;
        let limit = e.size_limit.as_ref().filter(positive);
        w.kv(2, "Type", "EmptyDir (a temporary directory that shares a pod's lifetime)");
        w.kv(2, "Medium", text(&e.medium));
        w.kv(2, "SizeLimit", limit.map_or("<unset>", |q| q.0.as_str()));
    } else if let Some(s) = v.secret.as_ref() {
        w.kv(2, "Type", "Secret (a volume populated by a Secret)");
        w.kv(2, "SecretName", text(&s.secret_name));
        w.kv(2, "Optional", flag(s.optional));
    } else if let Some(c) = v.config_map.as_ref() {
        w.kv(2, "Type", "ConfigMap (a volume populated by a ConfigMap)");
        w.kv(2, "Name", &c.name);
        w.kv(2, "Optional", flag(c.optional));
    } else if let Some(n) = v.nfs.as_ref() {
        w.kv(2, "Type", "NFS (an NFS mount that lasts the lifetime of a pod)");
        w.kv(2, "Server", &n.server);
        w.kv(2, "Path", &n.path);
        w.kv(2, "ReadOnly", flag(n.read_only));
    } else if let Some(p) = v.persistent_volume_claim.as_ref() {
        let type_ = "PersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)";
        w.kv(2, "Type", type_);
        w.kv(2, "ClaimName", &p.claim_name);
        w.kv(2, "ReadOnly", flag(p.read_only));
    } else if let Some(d) = v.downward_api.as_ref() {
        w.kv(2, "Type", "DownwardAPI (a volume populated by information about the pod)");
        w.w(2, "Items:\n");
        for item in d.items.iter().flatten() {
            if let Some(f) = item.field_ref.as_ref() {
                w.w(3, &format!("{} -> {}\n", f.field_path, item.path));
            }
            if let Some(r) = item.resource_field_ref.as_ref() {
                w.w(3, &format!("{} -> {}\n", r.resource, item.path));
            }
        }
    } else if let Some(p) = v.projected.as_ref() {
        projected_source(w, p);
    } else {
        w.w(1, "<unknown>\n");
    }
}

/// The sources of a projected volume (service-account token volumes are the common case).
fn projected_source(w: &mut Writer, projected: &ProjectedVolumeSource) {
    let type_ = "Projected (a volume that contains injected data from multiple sources)";
    w.kv(2, "Type", type_);
    for source in projected.sources.iter().flatten() {
        if let Some(s) = source.secret.as_ref() {
            w.kv(2, "SecretName", &s.name);
            w.kv(2, "Optional", s.optional == Some(true));
        } else if source.downward_api.is_some() {
            w.kv(2, "DownwardAPI", true);
        } else if let Some(c) = source.config_map.as_ref() {
            w.kv(2, "ConfigMapName", &c.name);
            w.kv(2, "Optional", c.optional == Some(true));
        } else if let Some(t) = source.service_account_token.as_ref() {
            w.kv(2, "TokenExpirationSeconds", t.expiration_seconds.unwrap_or(3600));
        }
    }
}

/// `Topology Spread Constraints:` sorted by topology key.
pub(super) fn topology_spread(w: &mut Writer, constraints: &[TopologySpreadConstraint], space: &str) {
    if constraints.is_empty() {
        return;
    }
    let mut sorted: Vec<&TopologySpreadConstraint> = constraints.iter().collect();
    sorted.sort_by(|a, b| a.topology_key.cmp(&b.topology_key));
    w.w(0, &format!("{space}Topology Spread Constraints:\t"));
    for (i, c) in sorted.iter().enumerate() {
        if i != 0 {
            w.w(0, &format!("{space}\t"));
        }
        let mut line = format!("{}:{} when max skew {} is exceeded", c.topology_key, c.when_unsatisfiable, c.max_skew);
        if let Some(selector) = c.label_selector.as_ref() {
            line.push_str(&format!(" for selector {}", format_label_selector(Some(selector))));
        }
        w.w(0, &format!("{line}\n"));
    }
}
