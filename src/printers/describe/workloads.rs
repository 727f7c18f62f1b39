//! `kubectl describe` for Deployments and ReplicaSets, and the pod-template block they share
//! with `rollout history --revision`.

use super::*;

/// Describes a Deployment like `kubectl describe deployment`.
///
/// `replica_sets` are the ReplicaSets matching the Deployment's selector (those not controlled by
/// it are ignored); the one whose template equals the Deployment's (ignoring
/// `pod-template-hash`) is the NewReplicaSet, all others are OldReplicaSets. `events` are the
/// events about the Deployment (sorted here); timestamps print in `tz`, ages relative to `now`.
pub fn describe_deployment(
    d: &Deployment,
    replica_sets: &[ReplicaSet],
    events: &[Event],
    now: Timestamp,
    tz: &TimeZone,
) -> String {
    let mut w = Writer::default();
    let spec = d.spec.clone().unwrap_or_default();
    let status = d.status.clone().unwrap_or_default();
    w.kv(0, "Name", text(&d.metadata.name));
    w.kv(0, "Namespace", text(&d.metadata.namespace));
    w.kv(0, "CreationTimestamp", rfc1123z(d.metadata.creation_timestamp.as_ref(), tz));
    labels_multiline(&mut w, "Labels", d.metadata.labels.as_ref());
    annotations_multiline(&mut w, "Annotations", d.metadata.annotations.as_ref());
    w.kv(0, "Selector", selector_string(Some(&spec.selector)).unwrap_or_default());
    w.w(
        0,
        &format!(
            "Replicas:\t{} desired | {} updated | {} total | {} available | {} unavailable\n",
            spec.replicas.unwrap_or(1),
            status.updated_replicas.unwrap_or(0),
            status.replicas.unwrap_or(0),
            status.available_replicas.unwrap_or(0),
            status.unavailable_replicas.unwrap_or(0)
        ),
    );
    strategy(&mut w, spec.strategy.as_ref(), spec.min_ready_seconds.unwrap_or(0));
    pod_template(&mut w, &spec.template);
    let conditions = status.conditions.iter().flatten();
    condition_table(&mut w, conditions.map(|c| [&*c.type_, &*c.status, text(&c.reason)]));
    let (old, new) = split_replica_sets(d, replica_sets);
    if !old.is_empty() || new.is_some() {
        w.kv(0, "OldReplicaSets", replica_set_list(&old));
        w.kv(0, "NewReplicaSet", replica_set_list(&new.into_iter().collect::<Vec<_>>()));
    }
    describe_events(&mut w, events, now);
    tabbed(&w.buf)
}

/// `StrategyType`, `MinReadySeconds` and (for rolling updates) `RollingUpdateStrategy`, with the
/// API defaults (RollingUpdate, 25%/25%) filled in for an undefaulted object.
pub(super) fn strategy(w: &mut Writer, strategy: Option<&DeploymentStrategy>, min_ready_seconds: i32) {
    let type_ = strategy.and_then(|s| s.type_.as_deref()).unwrap_or("RollingUpdate");
    w.kv(0, "StrategyType", type_);
    w.kv(0, "MinReadySeconds", min_ready_seconds);
    let rolling = strategy.and_then(|s| s.rolling_update.as_ref());
    if rolling.is_none() && type_ != "RollingUpdate" {
        return;
    }
    let quarter = || IntOrString::String("25%".to_string());
    let unavailable = rolling.and_then(|r| r.max_unavailable.clone()).unwrap_or_else(quarter);
    let surge = rolling.and_then(|r| r.max_surge.clone()).unwrap_or_else(quarter);
    w.w(
        0,
        &format!(
            "RollingUpdateStrategy:\t{} max unavailable, {} max surge\n",
            int_or_string(&unavailable),
            int_or_string(&surge)
        ),
    );
}

/// The `Conditions:` table of a Deployment or ReplicaSet from `[type, status, reason]` rows.
fn condition_table<'a>(w: &mut Writer, rows: impl IntoIterator<Item = [&'a str; 3]>) {
    let rows: Vec<[&str; 3]> = rows.into_iter().collect();
    if rows.is_empty() {
        return;
    }
    w.w(0, "Conditions:\n  Type\tStatus\tReason\n");
    w.w(1, "----\t------\t------\n");
    for [type_, status, reason] in rows {
        w.w(1, &format!("{type_} \t{status}\t{reason}\n"));
    }
}

/// Splits the Deployment's ReplicaSets into all old ones and the new one, ordered by creation
/// time then name (kubectl's `GetAllReplicaSets`).
fn split_replica_sets<'a>(
    d: &Deployment,
    replica_sets: &'a [ReplicaSet],
) -> (Vec<&'a ReplicaSet>, Option<&'a ReplicaSet>) {
    let uid = d.metadata.uid.as_deref().unwrap_or("");
    let mut owned: Vec<&ReplicaSet> =
        replica_sets.iter().filter(|rs| controller_uid(&rs.metadata) == Some(uid)).collect();
    owned.sort_by(|a, b| {
        let key = |rs: &ReplicaSet| (rs.metadata.creation_timestamp.as_ref().map(|t| t.0), rs.metadata.name.clone());
        key(a).cmp(&key(b))
    });
    let template = d.spec.as_ref().map(|s| &s.template);
    let new = owned.iter().copied().find(|rs| {
        let rs_template = rs.spec.as_ref().and_then(|s| s.template.as_ref());
        equal_ignore_hash(rs_template, template)
    });
    let old = owned.into_iter().filter(|rs| !new.is_some_and(|n| std::ptr::eq(n, *rs))).collect();
    (old, new)
}

/// Whether two pod templates are equal apart from the `pod-template-hash` label.
fn equal_ignore_hash(a: Option<&PodTemplateSpec>, b: Option<&PodTemplateSpec>) -> bool {
    let normalize = |t: Option<&PodTemplateSpec>| {
        let mut t = t.cloned().unwrap_or_default();
        let mut meta = t.metadata.take().unwrap_or_default();
        if let Some(labels) = meta.labels.as_mut() {
            labels.remove("pod-template-hash");
        }
        if meta.labels.as_ref().is_some_and(BTreeMap::is_empty) {
            meta.labels = None;
        }
        t.metadata = (meta != ObjectMeta::default()).then_some(meta);
        t
    };
    normalize(a) == normalize(b)
}

/// `name (current/desired replicas created)`, comma-joined, or `<none>`.
fn replica_set_list(sets: &[&ReplicaSet]) -> String {
    let items: Vec<String> = sets
        .iter()
        .map(|rs| {
            let current = rs.status.as_ref().map_or(0, |s| s.replicas);
            let desired = rs.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
            format!("{} ({current}/{desired} replicas created)", text(&rs.metadata.name))
        })
        .collect();
    if items.is_empty() { "<none>".to_string() } else { items.join(", ") }
}

/// Describes a ReplicaSet like `kubectl describe replicaset`.
///
/// `pods` are the pods matching its selector; only those it controls are counted in
/// `Pods Status`. Ages are relative to `now`.
pub fn describe_replica_set(rs: &ReplicaSet, pods: &[Pod], events: &[Event], now: Timestamp) -> String {
    let mut w = Writer::default();
    let spec = rs.spec.clone().unwrap_or_default();
    let status = rs.status.clone().unwrap_or_default();
    w.kv(0, "Name", text(&rs.metadata.name));
    w.kv(0, "Namespace", text(&rs.metadata.namespace));
    w.kv(0, "Selector", format_label_selector(Some(&spec.selector)));
    labels_multiline(&mut w, "Labels", rs.metadata.labels.as_ref());
    annotations_multiline(&mut w, "Annotations", rs.metadata.annotations.as_ref());
    if let Some(controller) = controlled_by(&rs.metadata) {
        w.kv(0, "Controlled By", controller);
    }
    let desired = spec.replicas.unwrap_or(1);
    w.kv(0, "Replicas", format!("{} current / {desired} desired", status.replicas));
    let [running, waiting, succeeded, failed] = pod_phase_counts(text(&rs.metadata.uid), pods);
    let counts = format!("{running} Running / {waiting} Waiting / {succeeded} Succeeded");
    w.kv(0, "Pods Status", format!("{counts} / {failed} Failed"));
    pod_template(&mut w, &spec.template.unwrap_or_default());
    let conditions = status.conditions.iter().flatten();
    condition_table(&mut w, conditions.map(|c| [&*c.type_, &*c.status, text(&c.reason)]));
    describe_events(&mut w, events, now);
    tabbed(&w.buf)
}

/// Running / Pending / Succeeded / Failed counts of the pods controlled by `owner_uid`.
fn pod_phase_counts(owner_uid: &str, pods: &[Pod]) -> [usize; 4] {
    let mut counts = [0; 4];
    for pod in pods.iter().filter(|p| controller_uid(&p.metadata) == Some(owner_uid)) {
        let slot = match pod.status.as_ref().and_then(|s| s.phase.as_deref()) {
            Some("Running") => 0,
            Some("Pending") => 1,
            Some("Succeeded") => 2,
            Some("Failed") => 3,
            _ => continue,
        };
        counts[slot] += 1;
    }
    counts
}

/// The UID of the controlling owner reference, if any.
fn controller_uid(meta: &ObjectMeta) -> Option<&str> {
    meta.owner_references.iter().flatten().find(|r| r.controller == Some(true)).map(|r| r.uid.as_str())
}

/// `Kind/name` of the controlling owner, if any.
pub(super) fn controlled_by(meta: &ObjectMeta) -> Option<String> {
    let owner = meta.owner_references.iter().flatten().find(|r| r.controller == Some(true))?;
    Some(format!("{}/{}", owner.kind, owner.name))
}

/// The `Pod Template:` block exactly as `kubectl rollout history --revision=N` prints it after
/// its first line (kubectl writes it without a tabwriter, so the tabs stay literal).
pub fn describe_pod_template(template: &PodTemplateSpec) -> String {
    let mut w = Writer::default();
    pod_template(&mut w, template);
    w.buf
}

/// Go's `DescribePodTemplate`.
fn pod_template(w: &mut Writer, template: &PodTemplateSpec) {
    let meta = template.metadata.clone().unwrap_or_default();
    let spec = template.spec.clone().unwrap_or_default();
    w.w(0, "Pod Template:\n");
    labels_multiline(w, "  Labels", meta.labels.as_ref());
    if meta.annotations.as_ref().is_some_and(|a| !a.is_empty()) {
        annotations_multiline(w, "  Annotations", meta.annotations.as_ref());
    }
    if let Some(sa) = non_empty(&spec.service_account_name) {
        w.kv(1, "Service Account", sa);
    }
    let init = spec.init_containers.as_deref().unwrap_or(&[]);
    if !init.is_empty() {
        containers(w, "Init Containers", init, None, "  ");
    }
    containers(w, "Containers", &spec.containers, None, "  ");
    volumes(w, spec.volumes.as_deref().unwrap_or(&[]), "  ");
    topology_spread(w, spec.topology_spread_constraints.as_deref().unwrap_or(&[]), "  ");
    if let Some(pc) = non_empty(&spec.priority_class_name) {
        w.kv(1, "Priority Class Name", pc);
    }
    labels_multiline(w, "  Node-Selectors", spec.node_selector.as_ref());
    tolerations_multiline(w, "  Tolerations", spec.tolerations.as_deref().unwrap_or(&[]));
}
