//! Computes the strategic merge patch `kubectl apply` sends: apimachinery's
//! `CreateThreeWayMergePatch(original, modified, current, schema, overwrite=true)` over JSON,
//! with list strategies from [`crate::patch::schema`]. Pure: no I/O, no typed objects.

use serde_json::{Map, Value};

use crate::patch::schema::{ListStrategy, MergeSchema};
use crate::patch::strategic::{
    self, DELETE_PRIMITIVE_PREFIX, DIRECTIVE, RETAIN_KEYS, SET_ORDER_PREFIX, StrategicPatchError, check_element_types,
    display_path, json_eq, kind_name, missing_key, normalize_slice_order,
};

/// Why a three-way patch could not be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ThreeWayError {
    #[error("the {which} configuration must be a JSON object, not {kind}")]
    NotObject { which: &'static str, kind: &'static str },
    /// A list element is malformed (no merge key, mixed types, nested lists) or a `$patch`
    /// value is not a string; the variant says which.
    #[error(transparent)]
    Patch(#[from] StrategicPatchError),
}

type Result<T> = std::result::Result<T, ThreeWayError>;

/// The strategic merge patch that turns `current` into an object holding every field of
/// `modified`, while removing what was in `original` (the last-applied configuration) but is no
/// longer in `modified`.
///
/// Guarantees (as apimachinery, with `overwrite = true`):
/// - additions and changes are computed from `current` to `modified`, ignoring fields only
///   `current` has (server defaults, `status`, fields set by other writers);
/// - deletions are computed from `original` to `modified`: `null` for a map key,
///   `{"$patch":"delete", <key>: v}` for a merge-key element, `$deleteFromPrimitiveList/<list>`
///   for a primitive set;
/// - every merge-key list in the patch gets a `$setElementOrder/<list>` giving the order of
///   `modified`; elements of `volumes` get `$retainKeys`;
/// - nothing to change gives `{}` (how `kubectl apply` decides to print `unchanged`).
///
/// `modified` is taken as is: to mimic kubectl fully, the caller puts the
/// `kubectl.kubernetes.io/last-applied-configuration` annotation into it. `$retainKeys` is not
/// built for retainKeys *maps* such as `spec.strategy`, matching the bodies kubectl sends (see
/// the `strategy_change_sends_no_retain_keys` test); otherwise apply would never be `unchanged`
/// once the server defaults `rollingUpdate`.
///
/// Fails when `modified` or `current` is not an object, `original` is neither absent, `null`
/// nor an object, or a merge-key list element lacks its key or a list mixes element types.
pub fn three_way(original: Option<&Value>, modified: &Value, current: &Value, schema: &MergeSchema) -> Result<Value> {
    let empty = Map::new();
    let original = match original {
        None | Some(Value::Null) => &empty,
        Some(other) => as_object(other, "original")?,
    };
    let modified = as_object(modified, "modified")?;
    let current = as_object(current, "current")?;
    let differ = Differ { schema };
    let additions = DiffOptions { ignore_changes: false, ignore_deletions: true, build_retain_keys: false };
    let delta = differ.diff_maps(current, modified, &mut Vec::new(), additions)?;
    let removals = DiffOptions { ignore_changes: true, ignore_deletions: false, build_retain_keys: false };
    let deletions = differ.diff_maps(original, modified, &mut Vec::new(), removals)?;
    Ok(Value::Object(strategic::combine(deletions, delta, schema)?))
}

fn as_object<'v>(value: &'v Value, which: &'static str) -> Result<&'v Map<String, Value>> {
    value.as_object().ok_or(ThreeWayError::NotObject { which, kind: kind_name(value) })
}

/// apimachinery `DiffOptions` (`SetElementOrder` is always on for three-way patches).
#[derive(Debug, Clone, Copy)]
struct DiffOptions {
    ignore_changes: bool,
    ignore_deletions: bool,
    build_retain_keys: bool,
}

/// What `diffLists` yields for one merge list.
#[derive(Default)]
struct ListDiff {
    /// Changed and added elements (or values), then `$patch: delete` elements.
    patch: Vec<Value>,
    /// Values removed from a primitive set list.
    deletions: Vec<Value>,
    /// The `$setElementOrder` list, empty when none is needed.
    order: Vec<Value>,
}

struct Differ<'s> {
    schema: &'s MergeSchema,
}

impl Differ<'_> {
    /// apimachinery `diffMaps`: the patch that takes `original` to `modified`, under `opts`.
    fn diff_maps(
        &self,
        original: &Map<String, Value>,
        modified: &Map<String, Value>,
        path: &mut Vec<String>,
        opts: DiffOptions,
    ) -> Result<Map<String, Value>> {
        let mut patch = Map::new();
        let mut retained = Vec::new();
        for (key, value) in modified {
            if opts.build_retain_keys && !value.is_null() {
                retained.push(key.clone());
            }
            match original.get(key) {
                None if !opts.ignore_changes => {
                    patch.insert(key.clone(), value.clone());
                }
                None => {}
                Some(old) => {
                    path.push(key.clone());
                    let diffed = self.diff_field(key, old, value, &mut patch, path, opts);
                    path.pop();
                    diffed?;
                }
            }
        }
        if !opts.ignore_deletions {
            for key in original.keys().filter(|key| !modified.contains_key(*key)) {
                patch.insert(key.clone(), Value::Null);
            }
        }
        if !retained.is_empty() && (!patch.is_empty() || has_additional_field(original, modified)) {
            retained.sort();
            let retained = retained.into_iter().map(Value::String).collect();
            patch.insert(RETAIN_KEYS.to_string(), Value::Array(retained));
        }
        Ok(patch)
    }

    /// Diffs one key present in both maps into `patch`.
    fn diff_field(
        &self,
        key: &str,
        old: &Value,
        new: &Value,
        patch: &mut Map<String, Value>,
        path: &mut Vec<String>,
        opts: DiffOptions,
    ) -> Result<()> {
        if key == DIRECTIVE {
            return diff_directive(old, new, patch, path);
        }
        match (old, new) {
            _ if kind_name(old) != kind_name(new) => replace_if_changed(key, old, new, patch, opts),
            (Value::Object(old), Value::Object(new)) => {
                let nested = DiffOptions { build_retain_keys: false, ..opts };
                let diff = self.diff_maps(old, new, path, nested)?;
                if !diff.is_empty() {
                    patch.insert(key.to_string(), Value::Object(diff));
                }
            }
            (Value::Array(old), Value::Array(new)) => {
                self.diff_list_field(key, old, new, patch, path, opts)?;
            }
            _ => replace_if_changed(key, old, new, patch, opts),
        }
        Ok(())
    }

    /// apimachinery `handleSliceDiff`: replace lists are compared whole, merge lists per element.
    fn diff_list_field(
        &self,
        key: &str,
        old: &[Value],
        new: &[Value],
        patch: &mut Map<String, Value>,
        path: &mut Vec<String>,
        opts: DiffOptions,
    ) -> Result<()> {
        let strategy = self.schema.list_strategy(path);
        if !strategy.is_merge() {
            replace_if_changed(key, &Value::from(old), &Value::from(new), patch, opts);
            return Ok(());
        }
        let opts = DiffOptions { build_retain_keys: self.schema.retain_keys(path), ..opts };
        let diff = self.diff_lists(old, new, strategy, path, opts)?;
        let mut put = |name: String, list: Vec<Value>| {
            if !list.is_empty() {
                patch.insert(name, Value::Array(list));
            }
        };
        put(key.to_string(), diff.patch);
        put(format!("{DELETE_PRIMITIVE_PREFIX}/{key}"), diff.deletions);
        put(format!("{SET_ORDER_PREFIX}/{key}"), diff.order);
        Ok(())
    }

    /// apimachinery `diffLists` for a merge list.
    fn diff_lists(
        &self,
        old: &[Value],
        new: &[Value],
        strategy: ListStrategy,
        path: &mut Vec<String>,
        opts: DiffOptions,
    ) -> Result<ListDiff> {
        if old.is_empty() {
            if new.is_empty() || opts.ignore_changes {
                return Ok(ListDiff::default());
            }
            let patch = new.to_vec();
            return Ok(ListDiff { patch, ..ListDiff::default() });
        }
        check_element_types(old, new, path)?;
        if old.iter().chain(new).any(Value::is_object) {
            let key = strategy.merge_key().ok_or_else(|| {
                ThreeWayError::Patch(StrategicPatchError::ElementType {
                    path: display_path(path),
                    expected: "primitives",
                })
            })?;
            self.diff_object_lists(old, new, key, path, opts)
        } else {
            diff_scalar_lists(old, new, path, opts)
        }
    }

    /// The object branch of apimachinery `diffLists`.
    fn diff_object_lists(
        &self,
        old: &[Value],
        new: &[Value],
        key: &'static str,
        path: &mut Vec<String>,
        opts: DiffOptions,
    ) -> Result<ListDiff> {
        let (changed, deleted) = self.diff_lists_of_maps(old, new, key, path, opts)?;
        let mut patch = normalize_slice_order(changed, new, Some(key), path)?;
        let order_same = old.len() == new.len()
            && old
                .iter()
                .zip(new)
                .all(|(a, b)| matches!((a.get(key), b.get(key)), (Some(a), Some(b)) if json_eq(a, b)));
        patch.extend(deleted);
        let changes = !opts.ignore_changes && (!patch.is_empty() || !order_same);
        let deletions = !opts.ignore_deletions && !patch.is_empty();
        let order = if changes || deletions {
            new.iter().map(|item| order_entry(item, key, path)).collect::<Result<_>>()?
        } else {
            Vec::new()
        };
        Ok(ListDiff { patch, deletions: Vec::new(), order })
    }

    /// apimachinery `diffListsOfMaps`: a merge join of both lists sorted by merge-key value.
    fn diff_lists_of_maps(
        &self,
        old: &[Value],
        new: &[Value],
        key: &'static str,
        path: &mut Vec<String>,
        opts: DiffOptions,
    ) -> Result<(Vec<Value>, Vec<Value>)> {
        let old = sorted_by_key(old, key, path)?;
        let new = sorted_by_key(new, key, path)?;
        let (mut changed, mut deleted) = (Vec::new(), Vec::new());
        let (mut o, mut n) = (old.iter().peekable(), new.iter().peekable());
        loop {
            let step = match (o.peek(), n.peek()) {
                (None, None) => return Ok((changed, deleted)),
                (Some(a), Some(b)) if a.rank == b.rank => Step::Both,
                (Some(a), Some(b)) if a.rank > b.rank => Step::Added,
                (None, Some(_)) => Step::Added,
                _ => Step::Removed,
            };
            match step {
                Step::Both => {
                    if let (Some(a), Some(b)) = (o.next(), n.next()) {
                        let mut diff = self.diff_maps(a.map, b.map, path, opts)?;
                        if !diff.is_empty() {
                            diff.insert(key.to_string(), b.id.clone());
                            changed.push(Value::Object(diff));
                        }
                    }
                }
                Step::Added => {
                    if let Some(b) = n.next().filter(|_| !opts.ignore_changes) {
                        changed.push(Value::Object(b.map.clone()));
                    }
                }
                Step::Removed => {
                    if let Some(a) = o.next().filter(|_| !opts.ignore_deletions) {
                        deleted.push(delete_directive(key, a.id));
                    }
                }
            }
        }
    }
}

/// Which side of a merge join advances.
enum Step {
    Both,
    Added,
    Removed,
}

/// A merge-list element with its merge-key value and the string it sorts by.
struct Keyed<'v> {
    rank: String,
    id: &'v Value,
    map: &'v Map<String, Value>,
}

fn sorted_by_key<'v>(list: &'v [Value], key: &'static str, path: &[String]) -> Result<Vec<Keyed<'v>>> {
    let mut keyed = list
        .iter()
        .map(|item| {
            let map = item
                .as_object()
                .ok_or_else(|| StrategicPatchError::ElementType { path: display_path(path), expected: "objects" })?;
            let id = map.get(key).ok_or_else(|| missing_key(path, item, key))?;
            Ok(Keyed { rank: sort_string(id), id, map })
        })
        .collect::<std::result::Result<Vec<_>, StrategicPatchError>>()?;
    keyed.sort_by(|a, b| a.rank.cmp(&b.rank));
    Ok(keyed)
}

/// apimachinery `diffListsOfScalars` plus the scalar branch of `diffLists`.
fn diff_scalar_lists(old: &[Value], new: &[Value], path: &[String], opts: DiffOptions) -> Result<ListDiff> {
    let mut old_sorted: Vec<&Value> = old.iter().collect();
    let mut new_sorted: Vec<&Value> = new.iter().collect();
    old_sorted.sort_by_key(|v| sort_string(v));
    new_sorted.sort_by_key(|v| sort_string(v));
    let (mut added, mut deleted) = (Vec::new(), Vec::<Value>::new());
    let (mut o, mut n) = (old_sorted.into_iter().peekable(), new_sorted.into_iter().peekable());
    loop {
        let (a, b) = (o.peek().map(|v| sort_string(v)), n.peek().map(|v| sort_string(v)));
        match (a, b) {
            (None, None) => break,
            (Some(a), Some(b)) if a == b => {
                o.next();
                n.next();
            }
            (Some(a), Some(b)) if a > b => added.extend(n.next().cloned()),
            (None, Some(_)) => added.extend(n.next().cloned()),
            _ => {
                if let Some(value) = o.next()
                    && !deleted.iter().any(|d| json_eq(d, value))
                {
                    deleted.push(value.clone());
                }
            }
        }
    }
    if opts.ignore_changes {
        added.clear();
    }
    if opts.ignore_deletions {
        deleted.clear();
    }
    let patch = normalize_slice_order(added, new, None, path)?;
    let order = if (!opts.ignore_deletions && !deleted.is_empty())
        || (!opts.ignore_changes && !json_eq(&Value::from(old), &Value::from(new)))
    {
        new.to_vec()
    } else {
        Vec::new()
    };
    Ok(ListDiff { patch, deletions: deleted, order })
}

/// apimachinery `handleDirectiveMarker`: a changed `$patch` value is copied into the patch.
fn diff_directive(old: &Value, new: &Value, patch: &mut Map<String, Value>, path: &[String]) -> Result<()> {
    let (Some(old), Some(new)) = (old.as_str(), new.as_str()) else {
        return Err(ThreeWayError::Patch(StrategicPatchError::BadDirective {
            path: display_path(path),
            value: new.to_string(),
        }));
    };
    if old != new {
        patch.insert(DIRECTIVE.to_string(), Value::from(new));
    }
    Ok(())
}

/// apimachinery `replacePatchFieldIfNotEqual`.
fn replace_if_changed(key: &str, old: &Value, new: &Value, patch: &mut Map<String, Value>, opts: DiffOptions) {
    if !opts.ignore_changes && !json_eq(old, new) {
        patch.insert(key.to_string(), new.clone());
    }
}

/// apimachinery `hasAdditionalNewField`: `original` has a non-null key `modified` lacks.
fn has_additional_field(original: &Map<String, Value>, modified: &Map<String, Value>) -> bool {
    original.iter().any(|(key, value)| !value.is_null() && !modified.contains_key(key))
}

/// `{<key>: v, "$patch": "delete"}`.
fn delete_directive(key: &str, id: &Value) -> Value {
    let mut element = Map::new();
    element.insert(key.to_string(), id.clone());
    element.insert(DIRECTIVE.to_string(), Value::from("delete"));
    Value::Object(element)
}

/// `{<key>: v}` for a `$setElementOrder` list.
fn order_entry(item: &Value, key: &'static str, path: &[String]) -> Result<Value> {
    let id = item.get(key).ok_or_else(|| missing_key(path, item, key))?;
    let mut entry = Map::new();
    entry.insert(key.to_string(), id.clone());
    Ok(Value::Object(entry))
}

/// The string Go's `fmt.Sprintf("%v", v)` gives a merge-key value or scalar, which apimachinery
/// sorts by. Integral numbers print without a fraction; other values print as JSON.
fn sort_string(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
            _ => n.to_string(),
        },
        Value::Null => "<nil>".to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::patch::schema::for_kind;
    use crate::patch::strategic::apply;

    fn patch_for(kind: &str, original: Option<Value>, modified: Value, current: &Value) -> Value {
        match three_way(original.as_ref(), &modified, current, &for_kind(kind)) {
            Ok(patch) => patch,
            Err(e) => panic!("three_way failed: {e}"),
        }
    }

    fn applied(kind: &str, current: &Value, patch: &Value) -> Value {
        match apply(current, patch, &for_kind(kind)) {
            Ok(value) => value,
            Err(e) => panic!("apply failed: {e}"),
        }
    }

    /// Every field of `wanted` holds in `got` (lists of objects compared element by element).
    fn assert_holds(got: &Value, wanted: &Value, at: &str) {
        match (got, wanted) {
            (Value::Object(got), Value::Object(wanted)) => {
                for (key, value) in wanted {
                    let child = got.get(key).unwrap_or(&Value::Null);
                    assert_holds(child, value, &format!("{at}.{key}"));
                }
            }
            (Value::Array(got), Value::Array(wanted)) if wanted.iter().all(Value::is_object) => {
                assert_eq!(got.len(), wanted.len(), "length of {at}");
                for (g, w) in got.iter().zip(wanted) {
                    assert_holds(g, w, at);
                }
            }
            _ => assert!(json_eq(got, wanted), "{at}: got {got}, wanted {wanted}"),
        }
    }

    fn last_applied() -> Value {
        json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "labels": {"app": "web", "tier": "fe"}},
            "spec": {
                "replicas": 3,
                "selector": {"matchLabels": {"app": "web"}},
                "strategy": {"type": "RollingUpdate"},
                "template": {
                    "metadata": {"labels": {"app": "web"}},
                    "spec": {
                        "containers": [
                            {"name": "web", "image": "hello:2", "args": ["--x"],
                             "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
                             "ports": [{"containerPort": 8080}, {"containerPort": 9090}]},
                            {"name": "side", "image": "busybox:1"}
                        ],
                        "volumes": [{"name": "v1", "emptyDir": {}}]
                    }
                }
            }
        })
    }

    /// `manifest` as the server stores it: defaults, identity and status added.
    fn live(manifest: &Value, annotation: &str) -> Value {
        let mut live = manifest.clone();
        live["metadata"]["uid"] = json!("5f0c-uid");
        live["metadata"]["resourceVersion"] = json!("42");
        live["metadata"]["generation"] = json!(1);
        live["metadata"]["annotations"] = json!({"kubectl.kubernetes.io/last-applied-configuration": annotation});
        live["spec"]["revisionHistoryLimit"] = json!(10);
        live["spec"]["progressDeadlineSeconds"] = json!(600);
        live["spec"]["strategy"]["rollingUpdate"] = json!({"maxSurge": "25%", "maxUnavailable": "25%"});
        live["spec"]["template"]["metadata"]["creationTimestamp"] = Value::Null;
        let pod = &mut live["spec"]["template"]["spec"];
        pod["restartPolicy"] = json!("Always");
        pod["dnsPolicy"] = json!("ClusterFirst");
        pod["securityContext"] = json!({});
        if let Some(containers) = pod["containers"].as_array_mut() {
            for container in containers {
                container["imagePullPolicy"] = json!("IfNotPresent");
                container["terminationMessagePath"] = json!("/dev/termination-log");
                container["resources"] = json!({});
                if let Some(ports) = container["ports"].as_array_mut() {
                    for port in ports {
                        port["protocol"] = json!("TCP");
                    }
                }
            }
        }
        live["status"] = json!({"replicas": 3, "readyReplicas": 3, "observedGeneration": 1});
        live
    }

    fn modified_manifest() -> Value {
        json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "labels": {"app": "web"},
                         "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{\"new\":1}"}},
            "spec": {
                "replicas": 3,
                "selector": {"matchLabels": {"app": "web"}},
                "strategy": {"type": "Recreate"},
                "template": {
                    "metadata": {"labels": {"app": "web"}},
                    "spec": {
                        "containers": [
                            {"name": "web", "image": "hello:2", "args": ["--y"],
                             "env": [{"name": "B", "value": "3"}, {"name": "C", "value": "4"}],
                             "ports": [{"containerPort": 8080}]}
                        ],
                        "volumes": [{"name": "v1", "hostPath": {"path": "/tmp"}}]
                    }
                }
            }
        })
    }

    #[test]
    fn reproduces_the_body_kubectl_sent() {
        let current = live(&last_applied(), "{old}");
        let patch = patch_for("Deployment", Some(last_applied()), modified_manifest(), &current);
        let expected = json!({"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"new\":1}"},"labels":{"tier":null}},
         "spec":{"strategy":{"type":"Recreate"},
          "template":{"spec":{
           "$setElementOrder/containers":[{"name":"web"}],
           "$setElementOrder/volumes":[{"name":"v1"}],
           "containers":[
             {"$setElementOrder/env":[{"name":"B"},{"name":"C"}],"$setElementOrder/ports":[{"containerPort":8080}],
              "args":["--y"],
              "env":[{"name":"B","value":"3"},{"name":"C","value":"4"},{"$patch":"delete","name":"A"}],
              "name":"web",
              "ports":[{"$patch":"delete","containerPort":9090}]},
             {"$patch":"delete","name":"side"}],
           "volumes":[{"$retainKeys":["hostPath","name"],"emptyDir":null,"hostPath":{"path":"/tmp"},"name":"v1"}]}}}});
        assert_eq!(patch, expected);
    }

    #[test]
    fn applying_the_patch_yields_modified_without_removed_fields() {
        let current = live(&last_applied(), "{old}");
        let modified = modified_manifest();
        let patch = patch_for("Deployment", Some(last_applied()), modified.clone(), &current);
        let result = applied("Deployment", &current, &patch);
        assert_holds(&result, &modified, "");
        assert_eq!(result["metadata"]["labels"], json!({"app": "web"}));
        let web = &result["spec"]["template"]["spec"]["containers"][0];
        assert_eq!(web["env"], json!([{"name":"B","value":"3"},{"name":"C","value":"4"}]));
        assert_eq!(web["ports"], json!([{"containerPort":8080,"protocol":"TCP"}]));
        assert_eq!(web["imagePullPolicy"], "IfNotPresent");
        assert_eq!(result["spec"]["template"]["spec"]["volumes"], json!([{"name":"v1","hostPath":{"path":"/tmp"}}]));
        assert_eq!(result["status"], current["status"]);
        assert_eq!(result["metadata"]["uid"], "5f0c-uid");
        // Applying the same manifest again now changes nothing.
        let again = patch_for("Deployment", Some(modified.clone()), modified, &result);
        assert_eq!(again, json!({}));
    }

    #[test]
    fn unchanged_manifest_gives_an_empty_patch() {
        let manifest = last_applied();
        let current = live(&manifest, "{same}");
        let mut modified = manifest.clone();
        modified["metadata"]["annotations"] = json!({"kubectl.kubernetes.io/last-applied-configuration": "{same}"});
        assert_eq!(patch_for("Deployment", Some(manifest), modified, &current), json!({}));
    }

    #[test]
    fn first_apply_without_last_applied_only_adds() {
        let manifest = last_applied();
        let current = live(&manifest, "{x}");
        let mut modified = manifest;
        modified["metadata"]["labels"] = json!({"app": "web"});
        // No original: the extra live label is not deleted, nothing else differs.
        assert_eq!(patch_for("Deployment", None, modified.clone(), &current), json!({}));
        assert_eq!(patch_for("Deployment", Some(Value::Null), modified, &current), json!({}));
    }

    #[test]
    fn image_change_touches_only_that_container() {
        let manifest = last_applied();
        let current = live(&manifest, "{x}");
        let mut modified = manifest.clone();
        modified["spec"]["template"]["spec"]["containers"][1]["image"] = json!("busybox:2");
        let patch = patch_for("Deployment", Some(manifest), modified, &current);
        assert_eq!(
            patch,
            json!({"spec":{"template":{"spec":{
                "$setElementOrder/containers":[{"name":"web"},{"name":"side"}],
                "containers":[{"image":"busybox:2","name":"side"}]}}}})
        );
        let result = applied("Deployment", &current, &patch);
        let containers = &result["spec"]["template"]["spec"]["containers"];
        assert_eq!(containers[1]["image"], "busybox:2");
        assert_eq!(containers[0], current["spec"]["template"]["spec"]["containers"][0]);
    }

    #[test]
    fn removed_label_becomes_null() {
        let manifest = last_applied();
        let current = live(&manifest, "{x}");
        let mut modified = manifest.clone();
        modified["metadata"]["labels"] = json!({"app": "web"});
        let patch = patch_for("Deployment", Some(manifest), modified, &current);
        assert_eq!(patch, json!({"metadata":{"labels":{"tier":null}}}));
    }

    #[test]
    fn fields_set_by_others_are_left_alone() {
        let mut manifest = last_applied();
        if let Some(spec) = manifest["spec"].as_object_mut() {
            spec.remove("replicas");
        }
        let mut current = live(&manifest, "{x}");
        current["spec"]["replicas"] = json!(7);
        current["metadata"]["labels"]["team"] = json!("ops");
        let patch = patch_for("Deployment", Some(manifest.clone()), manifest, &current);
        assert_eq!(patch, json!({}));
    }

    #[test]
    fn changes_made_by_others_to_applied_fields_are_overwritten() {
        let manifest = last_applied();
        let mut current = live(&manifest, "{x}");
        current["spec"]["replicas"] = json!(7);
        let patch = patch_for("Deployment", Some(manifest.clone()), manifest, &current);
        assert_eq!(patch, json!({"spec":{"replicas":3}}));
    }

    #[test]
    fn strategy_change_sends_no_retain_keys() {
        let manifest = last_applied();
        let current = live(&manifest, "{x}");
        let mut modified = manifest.clone();
        modified["spec"]["strategy"] = json!({"type": "Recreate"});
        let patch = patch_for("Deployment", Some(manifest.clone()), modified, &current);
        assert_eq!(patch, json!({"spec":{"strategy":{"type":"Recreate"}}}));
        // A manifest naming only the type stays unchanged although the server added
        // rollingUpdate.
        let patch = patch_for("Deployment", Some(manifest.clone()), manifest, &current);
        assert_eq!(patch, json!({}));
    }

    #[test]
    fn container_order_change_sends_only_the_order() {
        let manifest = last_applied();
        let current = live(&manifest, "{x}");
        let mut modified = manifest.clone();
        if let Some(containers) = modified["spec"]["template"]["spec"]["containers"].as_array_mut() {
            containers.reverse();
        }
        let patch = patch_for("Deployment", Some(manifest), modified, &current);
        assert_eq!(
            patch,
            json!({"spec":{"template":{"spec":{
                "$setElementOrder/containers":[{"name":"side"},{"name":"web"}]}}}})
        );
        let result = applied("Deployment", &current, &patch);
        assert_eq!(result["spec"]["template"]["spec"]["containers"][0]["name"], "side");
    }

    #[test]
    fn added_list_is_sent_whole() {
        let original = json!({"spec":{"containers":[{"name":"a","image":"x"}]}});
        let current = json!({"spec":{"containers":[{"name":"a","image":"x","imagePullPolicy":"Always"}]}});
        let modified = json!({"spec":{"containers":[{"name":"a","image":"x",
            "env":[{"name":"E","value":"1"}]}]}});
        let patch = patch_for("Pod", Some(original), modified, &current);
        assert_eq!(
            patch,
            json!({"spec":{"$setElementOrder/containers":[{"name":"a"}],
                "containers":[{"env":[{"name":"E","value":"1"}],"name":"a"}]}})
        );
    }

    #[test]
    fn finalizers_removed_since_last_apply() {
        let original = json!({"metadata":{"finalizers":[1,2,3]}});
        let current = json!({"metadata":{"finalizers":[1,2,3,4]}});
        let modified = json!({"metadata":{"finalizers":[1,2]}});
        let patch = patch_for("Pod", Some(original), modified, &current);
        assert_eq!(
            patch,
            json!({"metadata":{"$setElementOrder/finalizers":[1,2],
                               "$deleteFromPrimitiveList/finalizers":[3]}})
        );
        assert_eq!(applied("Pod", &current, &patch), json!({"metadata":{"finalizers":[1,2,4]}}));
    }

    #[test]
    fn finalizer_added() {
        let original = json!({"metadata":{"finalizers":["a"]}});
        let current = original.clone();
        let modified = json!({"metadata":{"finalizers":["a","b"]}});
        let patch = patch_for("Pod", Some(original), modified, &current);
        assert_eq!(patch, json!({"metadata":{"$setElementOrder/finalizers":["a","b"],"finalizers":["b"]}}));
        assert_eq!(applied("Pod", &current, &patch), json!({"metadata":{"finalizers":["a","b"]}}));
    }

    #[test]
    fn service_port_changes() {
        let original = json!({"spec":{"ports":[{"port":80,"targetPort":8080},{"port":443}]}});
        let current = json!({"spec":{"type":"ClusterIP","clusterIP":"10.0.0.9","ports":[
            {"port":80,"targetPort":8080,"protocol":"TCP"},
            {"port":443,"targetPort":443,"protocol":"TCP"}]}});
        let modified = json!({"spec":{"ports":[{"port":80,"targetPort":9090}]}});
        let patch = patch_for("Service", Some(original), modified.clone(), &current);
        assert_eq!(
            patch,
            json!({"spec":{"$setElementOrder/ports":[{"port":80}],
                "ports":[{"port":80,"targetPort":9090},{"$patch":"delete","port":443}]}})
        );
        let result = applied("Service", &current, &patch);
        assert_eq!(result["spec"]["ports"], json!([{"port":80,"targetPort":9090,"protocol":"TCP"}]));
        assert_eq!(result["spec"]["clusterIP"], "10.0.0.9");
    }

    #[test]
    fn apimachinery_map_cases() {
        // "nil original"
        let patch = patch_for("Pod", None, json!({"name":1,"value":1}), &json!({"name":1,"other":"a"}));
        assert_eq!(patch, json!({"value":1}));
        // "add field and delete field from map with conflict"
        let patch = patch_for("Pod", Some(json!({"name":1})), json!({"value":1}), &json!({"name":"a","other":"a"}));
        assert_eq!(patch, json!({"name":null,"value":1}));
        // "delete field from nested map with conflict"
        let patch = patch_for(
            "Pod",
            Some(json!({"simpleMap":{"key1":1,"key2":1}})),
            json!({"simpleMap":{"key1":1}}),
            &json!({"simpleMap":{"key1":"a","key2":1,"other":"a"}}),
        );
        assert_eq!(patch, json!({"simpleMap":{"key1":1,"key2":null}}));
        // "defined null values should propagate overwrite current fields (with conflict)"
        let patch = patch_for(
            "Pod",
            Some(json!({"name":2})),
            json!({"name":1,"value":1,"other":null}),
            &json!({"name":"a","other":"a"}),
        );
        assert_eq!(patch, json!({"name":1,"value":1,"other":null}));
    }

    #[test]
    fn apimachinery_list_cases() {
        // "merge lists of maps with conflict"
        let patch = patch_for(
            "Pod",
            Some(json!({"spec":{"containers":[{"name":"1"},{"name":"2","image":"2"}]}})),
            json!({"spec":{"containers":[{"name":"1"},{"name":"2","image":"2"},{"name":"3","image":"3"}]}}),
            &json!({"spec":{"containers":[{"name":"1","other":"a"},{"name":"2","image":"3","other":"b"}]}}),
        );
        assert_eq!(
            patch,
            json!({"spec":{"$setElementOrder/containers":[{"name":"1"},{"name":"2"},{"name":"3"}],
                "containers":[{"name":"2","image":"2"},{"name":"3","image":"3"}]}})
        );
        // "delete all maps from merging list with conflict"
        let patch = patch_for(
            "Pod",
            Some(json!({"spec":{"containers":[{"name":"1"},{"name":"2"}]}})),
            json!({"spec":{"containers":[]}}),
            &json!({"spec":{"containers":[{"name":"1","other":"a"},{"name":"2","other":"b"}]}}),
        );
        assert_eq!(
            patch,
            json!({"spec":{"containers":[{"$patch":"delete","name":"1"},{"$patch":"delete","name":"2"}]}})
        );
        // "replace list of scalars with conflict"
        let patch = patch_for(
            "Pod",
            Some(json!({"spec":{"tolerations":[1,2]}})),
            json!({"spec":{"tolerations":[2,3]}}),
            &json!({"spec":{"tolerations":[1,4]}}),
        );
        assert_eq!(patch, json!({"spec":{"tolerations":[2,3]}}));
    }

    #[test]
    fn removed_whole_list_becomes_null() {
        let original = json!({"spec":{"containers":[{"name":"a","args":["x"]}]}});
        let current = json!({"spec":{"containers":[{"name":"a","args":["x"],"imagePullPolicy":"Always"}]}});
        let modified = json!({"spec":{"containers":[{"name":"a"}]}});
        let patch = patch_for("Pod", Some(original), modified, &current);
        assert_eq!(
            patch,
            json!({"spec":{"$setElementOrder/containers":[{"name":"a"}],
                "containers":[{"args":null,"name":"a"}]}})
        );
        let result = applied("Pod", &current, &patch);
        assert_eq!(result, json!({"spec":{"containers":[{"name":"a","imagePullPolicy":"Always"}]}}));
    }

    #[test]
    fn errors() {
        let schema = for_kind("Pod");
        assert_eq!(
            three_way(None, &json!([]), &json!({}), &schema),
            Err(ThreeWayError::NotObject { which: "modified", kind: "array" })
        );
        assert_eq!(
            three_way(None, &json!({}), &json!(1), &schema),
            Err(ThreeWayError::NotObject { which: "current", kind: "number" })
        );
        assert_eq!(
            three_way(Some(&json!("x")), &json!({}), &json!({}), &schema),
            Err(ThreeWayError::NotObject { which: "original", kind: "string" })
        );
        let missing_key = three_way(
            None,
            &json!({"spec":{"containers":[{"image":"x"}]}}),
            &json!({"spec":{"containers":[{"name":"a"}]}}),
            &schema,
        );
        assert!(matches!(
            missing_key,
            Err(ThreeWayError::Patch(StrategicPatchError::MissingMergeKey { key: "name", .. }))
        ));
        let mixed = three_way(
            None,
            &json!({"metadata":{"finalizers":["a", 1]}}),
            &json!({"metadata":{"finalizers":["a"]}}),
            &schema,
        );
        assert!(matches!(mixed, Err(ThreeWayError::Patch(StrategicPatchError::MixedElements { .. }))));
        let set_of_maps = three_way(
            None,
            &json!({"metadata":{"finalizers":[{"a":1}]}}),
            &json!({"metadata":{"finalizers":[{"b":1}]}}),
            &schema,
        );
        assert!(matches!(set_of_maps, Err(ThreeWayError::Patch(StrategicPatchError::ElementType { .. }))));
    }

    #[test]
    fn sort_strings_follow_go() {
        assert_eq!(sort_string(&json!(8080)), "8080");
        assert_eq!(sort_string(&json!(8080.0)), "8080");
        assert_eq!(sort_string(&json!(1.5)), "1.5");
        assert_eq!(sort_string(&json!("x")), "x");
        assert_eq!(sort_string(&Value::Null), "<nil>");
    }
}
