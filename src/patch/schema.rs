//! Strategic-merge-patch metadata for the kinds skiff serves: which lists merge by key, which are
//! primitive sets, and which maps honour `$retainKeys` (the Kubernetes Go struct tags, as a table).
//!
//! Paths are object keys from the root of the object, with list indices left out: the `env` list
//! of any container of a Deployment is `["spec", "template", "spec", "containers", "env"]`.

/// How a strategic merge patch combines a list found at some path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListStrategy {
    /// Elements are objects, matched on this key and merged one by one (`patchMergeKey`).
    MergeByKey(&'static str),
    /// Elements are primitives, merged as a set (`patchStrategy:"merge"` without a key).
    MergeSet,
    /// The patch list replaces the original list whole (no patch strategy).
    Replace,
}

impl ListStrategy {
    /// The merge key when elements merge by key, `None` otherwise.
    pub fn merge_key(self) -> Option<&'static str> {
        match self {
            ListStrategy::MergeByKey(key) => Some(key),
            ListStrategy::MergeSet | ListStrategy::Replace => None,
        }
    }

    /// True for both merging strategies, false for [`ListStrategy::Replace`].
    pub fn is_merge(self) -> bool {
        !matches!(self, ListStrategy::Replace)
    }
}

/// The kinds with a table of their own; every other kind only has the `ObjectMeta` rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Deployment,
    ReplicaSet,
    Pod,
    Service,
    Other,
}

/// Patch metadata for one object kind. Cheap to copy; built by [`for_kind`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MergeSchema {
    kind: Kind,
}

/// The schema for `kind` (`"Deployment"`, `"ReplicaSet"`, `"Pod"`, `"Service"`).
///
/// Any other kind gets a schema where only `metadata.ownerReferences` (by `uid`) and
/// `metadata.finalizers` (a set) merge and every other list is replaced. Never fails.
pub fn for_kind(kind: &str) -> MergeSchema {
    let kind = match kind {
        "Deployment" => Kind::Deployment,
        "ReplicaSet" => Kind::ReplicaSet,
        "Pod" => Kind::Pod,
        "Service" => Kind::Service,
        _ => Kind::Other,
    };
    MergeSchema { kind }
}

/// Lists directly under a pod spec.
const POD_SPEC_LISTS: &[(&str, ListStrategy)] = &[
    ("containers", ListStrategy::MergeByKey("name")),
    ("initContainers", ListStrategy::MergeByKey("name")),
    ("ephemeralContainers", ListStrategy::MergeByKey("name")),
    ("volumes", ListStrategy::MergeByKey("name")),
    ("imagePullSecrets", ListStrategy::MergeByKey("name")),
    ("hostAliases", ListStrategy::MergeByKey("ip")),
    ("topologySpreadConstraints", ListStrategy::MergeByKey("topologyKey")),
];

/// Pod spec lists whose elements are containers.
const CONTAINER_LISTS: &[&str] = &["containers", "initContainers", "ephemeralContainers"];

/// Lists inside a container.
const CONTAINER_FIELD_LISTS: &[(&str, ListStrategy)] = &[
    ("ports", ListStrategy::MergeByKey("containerPort")),
    ("env", ListStrategy::MergeByKey("name")),
    ("volumeMounts", ListStrategy::MergeByKey("mountPath")),
    ("volumeDevices", ListStrategy::MergeByKey("devicePath")),
];

/// Lists inside any `ObjectMeta`.
const OBJECT_META_LISTS: &[(&str, ListStrategy)] =
    &[("ownerReferences", ListStrategy::MergeByKey("uid")), ("finalizers", ListStrategy::MergeSet)];

const POD_TEMPLATE: &[&str] = &["spec", "template"];
const TEMPLATE_POD_SPEC: &[&str] = &["spec", "template", "spec"];
const POD_SPEC: &[&str] = &["spec"];

impl MergeSchema {
    /// How the list at `path` merges; [`ListStrategy::Replace`] for any path not in the table
    /// (including paths that do not name a list at all).
    pub fn list_strategy<S: AsRef<str>>(&self, path: &[S]) -> ListStrategy {
        let path: Vec<&str> = path.iter().map(AsRef::as_ref).collect();
        self.meta_list(&path)
            .or_else(|| self.pod_spec_rest(&path).and_then(pod_spec_list))
            .or_else(|| self.kind_list(&path))
            .unwrap_or(ListStrategy::Replace)
    }

    /// True when the map at `path` has the `retainKeys` patch strategy; for a list path it answers
    /// for every element of the list. Holds for a Deployment's `spec.strategy` and for pod-spec
    /// `volumes` elements. A patch carrying `$retainKeys` is honoured wherever it appears; this
    /// tells a patch *builder* where Kubernetes declares the strategy.
    pub fn retain_keys<S: AsRef<str>>(&self, path: &[S]) -> bool {
        let path: Vec<&str> = path.iter().map(AsRef::as_ref).collect();
        let strategy = self.kind == Kind::Deployment && path == ["spec", "strategy"];
        strategy || self.pod_spec_rest(&path) == Some(&["volumes"][..])
    }

    /// The rest of `path` below the pod spec, for kinds that have one.
    fn pod_spec_rest<'p>(self, path: &'p [&'p str]) -> Option<&'p [&'p str]> {
        let prefix = match self.kind {
            Kind::Deployment | Kind::ReplicaSet => TEMPLATE_POD_SPEC,
            Kind::Pod => POD_SPEC,
            Kind::Service | Kind::Other => return None,
        };
        path.strip_prefix(prefix)
    }

    /// `metadata.<list>` of the object itself or of a pod template.
    fn meta_list(self, path: &[&str]) -> Option<ListStrategy> {
        let in_template = matches!(self.kind, Kind::Deployment | Kind::ReplicaSet);
        let rest = match path.strip_prefix(POD_TEMPLATE) {
            Some(rest) if in_template => rest,
            _ => path,
        };
        match rest {
            ["metadata", field] => lookup(OBJECT_META_LISTS, field),
            _ => None,
        }
    }

    /// Lists outside the pod spec that belong to one kind.
    fn kind_list(self, path: &[&str]) -> Option<ListStrategy> {
        match (self.kind, path) {
            (Kind::Service, ["spec", "ports"]) => Some(ListStrategy::MergeByKey("port")),
            (Kind::Deployment | Kind::ReplicaSet | Kind::Pod, ["status", "conditions"]) => {
                Some(ListStrategy::MergeByKey("type"))
            }
            _ => None,
        }
    }
}

/// A list directly under the pod spec, inside one of its containers, or in the `ObjectMeta` of
/// an ephemeral volume's claim template.
fn pod_spec_list(rest: &[&str]) -> Option<ListStrategy> {
    match rest {
        [field] => lookup(POD_SPEC_LISTS, field),
        [containers, field] if CONTAINER_LISTS.contains(containers) => lookup(CONTAINER_FIELD_LISTS, field),
        ["volumes", "ephemeral", "volumeClaimTemplate", "metadata", field] => lookup(OBJECT_META_LISTS, field),
        _ => None,
    }
}

fn lookup(table: &[(&str, ListStrategy)], field: &str) -> Option<ListStrategy> {
    table.iter().find(|(name, _)| *name == field).map(|(_, strategy)| *strategy)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strategy(kind: &str, path: &str) -> ListStrategy {
        let segments: Vec<&str> = path.split('.').collect();
        for_kind(kind).list_strategy(&segments)
    }

    #[test]
    fn deployment_pod_spec_lists_live_under_the_template() {
        let d = "Deployment";
        assert_eq!(strategy(d, "spec.template.spec.containers"), ListStrategy::MergeByKey("name"));
        assert_eq!(strategy(d, "spec.template.spec.initContainers"), ListStrategy::MergeByKey("name"));
        assert_eq!(strategy(d, "spec.template.spec.ephemeralContainers"), ListStrategy::MergeByKey("name"));
        assert_eq!(strategy(d, "spec.template.spec.volumes"), ListStrategy::MergeByKey("name"));
        assert_eq!(strategy(d, "spec.template.spec.imagePullSecrets"), ListStrategy::MergeByKey("name"));
        assert_eq!(strategy(d, "spec.template.spec.hostAliases"), ListStrategy::MergeByKey("ip"));
        assert_eq!(
            strategy(d, "spec.template.spec.topologySpreadConstraints"),
            ListStrategy::MergeByKey("topologyKey")
        );
        assert_eq!(strategy(d, "spec.containers"), ListStrategy::Replace);
    }

    #[test]
    fn container_lists_merge_in_every_container_list() {
        for containers in ["containers", "initContainers", "ephemeralContainers"] {
            let base = format!("spec.template.spec.{containers}");
            let rs = |field: &str| strategy("ReplicaSet", &format!("{base}.{field}"));
            assert_eq!(rs("ports"), ListStrategy::MergeByKey("containerPort"));
            assert_eq!(rs("env"), ListStrategy::MergeByKey("name"));
            assert_eq!(rs("volumeMounts"), ListStrategy::MergeByKey("mountPath"));
            assert_eq!(rs("volumeDevices"), ListStrategy::MergeByKey("devicePath"));
            assert_eq!(rs("args"), ListStrategy::Replace);
            assert_eq!(rs("command"), ListStrategy::Replace);
        }
    }

    #[test]
    fn pod_spec_lives_at_spec_for_pods() {
        assert_eq!(strategy("Pod", "spec.containers"), ListStrategy::MergeByKey("name"));
        assert_eq!(strategy("Pod", "spec.containers.env"), ListStrategy::MergeByKey("name"));
        assert_eq!(strategy("Pod", "spec.tolerations"), ListStrategy::Replace);
        assert_eq!(strategy("Pod", "spec.template.spec.containers"), ListStrategy::Replace);
    }

    #[test]
    fn unlisted_paths_are_replaced() {
        let d = "Deployment";
        assert_eq!(strategy(d, "spec.template.spec.tolerations"), ListStrategy::Replace);
        assert_eq!(strategy(d, "spec.template.spec.containers.ports.name"), ListStrategy::Replace);
        assert_eq!(strategy(d, "spec.template.spec.volumes.env"), ListStrategy::Replace);
        assert_eq!(for_kind(d).list_strategy::<&str>(&[]), ListStrategy::Replace);
    }

    #[test]
    fn service_ports_merge_by_port() {
        assert_eq!(strategy("Service", "spec.ports"), ListStrategy::MergeByKey("port"));
        assert_eq!(strategy("Deployment", "spec.ports"), ListStrategy::Replace);
        assert_eq!(strategy("Service", "status.conditions"), ListStrategy::Replace);
    }

    #[test]
    fn object_meta_lists_apply_to_every_kind() {
        for kind in ["Deployment", "ReplicaSet", "Pod", "Service", "ConfigMap"] {
            assert_eq!(strategy(kind, "metadata.ownerReferences"), ListStrategy::MergeByKey("uid"));
            assert_eq!(strategy(kind, "metadata.finalizers"), ListStrategy::MergeSet);
        }
        assert_eq!(strategy("Deployment", "spec.template.metadata.finalizers"), ListStrategy::MergeSet);
        let claim = "volumes.ephemeral.volumeClaimTemplate.metadata";
        assert_eq!(strategy("Pod", &format!("spec.{claim}.ownerReferences")), ListStrategy::MergeByKey("uid"));
        assert_eq!(strategy("ReplicaSet", &format!("spec.template.spec.{claim}.finalizers")), ListStrategy::MergeSet);
        assert_eq!(strategy("Service", "spec.template.metadata.finalizers"), ListStrategy::Replace);
    }

    #[test]
    fn conditions_merge_by_type_for_workloads() {
        for kind in ["Deployment", "ReplicaSet", "Pod"] {
            assert_eq!(strategy(kind, "status.conditions"), ListStrategy::MergeByKey("type"));
        }
        assert_eq!(strategy("ConfigMap", "status.conditions"), ListStrategy::Replace);
    }

    #[test]
    fn unknown_kinds_replace_everything_but_metadata() {
        assert_eq!(strategy("DaemonSet", "spec.template.spec.containers"), ListStrategy::Replace);
        assert_eq!(strategy("DaemonSet", "spec.containers"), ListStrategy::Replace);
    }

    #[test]
    fn retain_keys_table() {
        let deployment = for_kind("Deployment");
        assert!(deployment.retain_keys(&["spec", "strategy"]));
        assert!(deployment.retain_keys(&["spec", "template", "spec", "volumes"]));
        assert!(!deployment.retain_keys(&["spec", "template", "spec", "containers"]));
        assert!(!deployment.retain_keys(&["spec", "template", "spec", "volumes", "hostPath"]));
        assert!(for_kind("Pod").retain_keys(&["spec", "volumes"]));
        assert!(!for_kind("ReplicaSet").retain_keys(&["spec", "strategy"]));
        assert!(!for_kind("Service").retain_keys(&["spec", "volumes"]));
        let owned = vec!["spec".to_string(), "strategy".to_string()];
        assert!(deployment.retain_keys(&owned));
    }

    #[test]
    fn strategy_helpers() {
        assert_eq!(ListStrategy::MergeByKey("name").merge_key(), Some("name"));
        assert_eq!(ListStrategy::MergeSet.merge_key(), None);
        assert!(ListStrategy::MergeSet.is_merge());
        assert!(ListStrategy::MergeByKey("x").is_merge());
        assert!(!ListStrategy::Replace.is_merge());
    }
}
