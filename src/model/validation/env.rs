//! Container environment validation with Kubernetes' rules, messages and field paths
//! (`pkg/apis/core/validation` ValidateEnv, validateEnvVarValueFrom, ValidateEnvFrom):
//! variable names, the downward API field and resource selectors, ConfigMap and Secret
//! references. Used by `container`; never panics on any input.

use k8s_openapi::api::core::v1::{EnvFromSource, EnvVar, ObjectFieldSelector, ResourceFieldSelector};

use super::field::{ErrorList, FieldError, FieldPath};
use super::names::{
    invalid_each, is_config_map_key, is_qualified_name, is_relaxed_env_var_name, name_is_dns_subdomain,
};

/// What `fieldRef.fieldPath` may name in an environment variable (`validEnvDownwardAPIFieldPathExpressions`),
/// in upstream's sorted order; labels and annotations need a `['key']` subscript.
const ENV_FIELD_PATHS: [&str; 9] = [
    "metadata.name",
    "metadata.namespace",
    "metadata.uid",
    "spec.nodeName",
    "spec.serviceAccountName",
    "status.hostIP",
    "status.hostIPs",
    "status.podIP",
    "status.podIPs",
];

/// What `ConvertDownwardAPIFieldLabel` knows for pods (`spec.host` is the legacy `spec.nodeName`).
const POD_FIELD_LABELS: [&str; 16] = [
    "metadata.annotations",
    "metadata.labels",
    "metadata.name",
    "metadata.namespace",
    "metadata.uid",
    "spec.nodeName",
    "spec.restartPolicy",
    "spec.serviceAccountName",
    "spec.schedulerName",
    "status.phase",
    "status.hostIP",
    "status.hostIPs",
    "status.podIP",
    "status.podIPs",
    "spec.terminationGracePeriodSeconds",
    "spec.host",
];

/// What `resourceFieldRef.resource` may name (`validContainerResourceFieldPathExpressions`),
/// sorted; `requests.hugepages-*` and `limits.hugepages-*` are accepted too.
const RESOURCE_FIELD_PATHS: [&str; 6] = [
    "limits.cpu",
    "limits.ephemeral-storage",
    "limits.memory",
    "requests.cpu",
    "requests.ephemeral-storage",
    "requests.memory",
];

/// `ValidateEnv` with the relaxed name rule (any printable ASCII but `=`), which Kubernetes
/// enables by default since 1.32 (GA in 1.34).
pub(super) fn validate_env(vars: &[EnvVar], path: &FieldPath) -> ErrorList {
    let mut errs = ErrorList::new();
    for (i, var) in vars.iter().enumerate() {
        let idx = path.index(i);
        let name_path = idx.child("name");
        if var.name.is_empty() {
            errs.push(FieldError::required(&name_path, ""));
        } else {
            errs.extend(invalid_each(&name_path, &var.name, is_relaxed_env_var_name(&var.name)));
        }
        errs.extend(validate_value_from(var, &idx.child("valueFrom")));
    }
    errs
}

/// `validateEnvVarValueFrom`: each source checked, then exactly one source and no `value`.
fn validate_value_from(var: &EnvVar, path: &FieldPath) -> ErrorList {
    let Some(from) = var.value_from.as_ref() else {
        return ErrorList::new();
    };
    let mut errs = ErrorList::new();
    let mut sources = 0;
    if let Some(f) = from.field_ref.as_ref() {
        sources += 1;
        errs.extend(validate_object_field_selector(f, &path.child("fieldRef")));
    }
    if let Some(r) = from.resource_field_ref.as_ref() {
        sources += 1;
        errs.extend(validate_resource_field_selector(r, &path.child("resourceFieldRef")));
    }
    if let Some(k) = from.config_map_key_ref.as_ref() {
        sources += 1;
        errs.extend(validate_key_selector(&k.name, &k.key, &path.child("configMapKeyRef")));
    }
    if let Some(k) = from.secret_key_ref.as_ref() {
        sources += 1;
        errs.extend(validate_key_selector(&k.name, &k.key, &path.child("secretKeyRef")));
    }
    errs.extend(value_from_count(sources, var, path));
    errs
}

fn value_from_count(sources: usize, var: &EnvVar, path: &FieldPath) -> Option<FieldError> {
    let detail = if sources == 0 {
        "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"
    } else if var.value.as_deref().is_some_and(|v| !v.is_empty()) {
        "may not be specified when `value` is not empty"
    } else if sources > 1 {
        "may not have more than one field specified at a time"
    } else {
        return None;
    };
    Some(FieldError::invalid(path, "", detail))
}

/// apimachinery `SplitMaybeSubscriptedPath`: `metadata.labels['app']` → (`metadata.labels`, `app`).
fn split_subscript(field_path: &str) -> Option<(&str, &str)> {
    let (path, key) = field_path.strip_suffix("']")?.split_once("['")?;
    (!path.is_empty()).then_some((path, key))
}

/// `ConvertDownwardAPIFieldLabel` for `v1`, returning its error text.
fn convert_field_label(api_version: &str, label: &str) -> Result<(), String> {
    if api_version != "v1" {
        return Err(format!("unsupported pod version: {api_version}"));
    }
    match split_subscript(label) {
        Some(("metadata.annotations" | "metadata.labels", _)) => Ok(()),
        Some(_) => Err(format!("field label does not support subscript: {label}")),
        None if POD_FIELD_LABELS.contains(&label) => Ok(()),
        None => Err(format!("field label not supported: {label}")),
    }
}

/// `validateObjectFieldSelector` with the environment's field paths.
fn validate_object_field_selector(f: &ObjectFieldSelector, path: &FieldPath) -> ErrorList {
    let api_version = f.api_version.as_deref().unwrap_or_default();
    if api_version.is_empty() {
        return vec![FieldError::required(&path.child("apiVersion"), "")];
    }
    let field_path = f.field_path.as_str();
    if field_path.is_empty() {
        return vec![FieldError::required(&path.child("fieldPath"), "")];
    }
    if let Err(e) = convert_field_label(api_version, field_path) {
        let detail = format!("error converting fieldPath: {e}");
        return vec![FieldError::invalid(&path.child("fieldPath"), field_path, &detail)];
    }
    // `spec.host` converts to `spec.nodeName`.
    let internal = if field_path == "spec.host" { "spec.nodeName" } else { field_path };
    match split_subscript(internal) {
        Some(("metadata.annotations", key)) => {
            let key = key.to_lowercase();
            invalid_each(path, &key, is_qualified_name(&key))
        }
        Some((_, key)) => invalid_each(path, key, is_qualified_name(key)),
        None if ENV_FIELD_PATHS.contains(&internal) => ErrorList::new(),
        None => vec![FieldError::not_supported(&path.child("fieldPath"), internal, &ENV_FIELD_PATHS)],
    }
}

/// `validateContainerResourceFieldSelector` for an environment variable (no container name
/// needed).
fn validate_resource_field_selector(r: &ResourceFieldSelector, path: &FieldPath) -> ErrorList {
    let resource = r.resource.as_str();
    let hugepages = resource.starts_with("requests.hugepages-") || resource.starts_with("limits.hugepages-");
    if resource.is_empty() {
        vec![FieldError::required(&path.child("resource"), "")]
    } else if RESOURCE_FIELD_PATHS.contains(&resource) || hugepages {
        ErrorList::new()
    } else {
        vec![FieldError::not_supported(&path.child("resource"), resource, &RESOURCE_FIELD_PATHS)]
    }
}

/// `validateConfigMapKeySelector` / `validateSecretKeySelector`: the object name a DNS
/// subdomain, the key a valid ConfigMap key.
fn validate_key_selector(name: &str, key: &str, path: &FieldPath) -> ErrorList {
    let mut errs = invalid_each(&path.child("name"), name, name_is_dns_subdomain(name, false));
    if key.is_empty() {
        errs.push(FieldError::required(&path.child("key"), ""));
    } else {
        errs.extend(invalid_each(&path.child("key"), key, is_config_map_key(key)));
    }
    errs
}

/// `ValidateEnvFrom`: a prefix must be a valid variable name, exactly one source, named by a
/// DNS subdomain (a trailing `-` allowed, as upstream validates these names as prefixes).
pub(super) fn validate_env_from(sources: &[EnvFromSource], path: &FieldPath) -> ErrorList {
    let mut errs = ErrorList::new();
    for (i, source) in sources.iter().enumerate() {
        let idx = path.index(i);
        if let Some(prefix) = source.prefix.as_deref().filter(|p| !p.is_empty()) {
            errs.extend(invalid_each(&idx.child("prefix"), prefix, is_relaxed_env_var_name(prefix)));
        }
        let refs = [
            ("configMapRef", source.config_map_ref.as_ref().map(|r| r.name.as_str())),
            ("secretRef", source.secret_ref.as_ref().map(|r| r.name.as_str())),
        ];
        let present: Vec<(&str, &str)> = refs.into_iter().filter_map(|(f, n)| n.map(|n| (f, n))).collect();
        for (field, name) in &present {
            let name_path = idx.child(field).child("name");
            if name.is_empty() {
                errs.push(FieldError::required(&name_path, ""));
            } else {
                errs.extend(invalid_each(&name_path, name, name_is_dns_subdomain(name, true)));
            }
        }
        match present.len() {
            0 => errs.push(FieldError::invalid(path, "", "must specify one of: `configMapRef` or `secretRef`")),
            1 => {}
            _ => errs.push(FieldError::invalid(path, "", "may not have more than one field specified at a time")),
        }
    }
    errs
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::EnvVarSource;

    fn errors(from: EnvVarSource) -> Vec<String> {
        let var = EnvVar { name: "X".into(), value_from: Some(from), ..Default::default() };
        validate_env(&[var], &FieldPath::new("env")).iter().map(ToString::to_string).collect()
    }

    #[test]
    fn resource_field_refs_name_a_known_resource() {
        let resource = |r: &str| EnvVarSource {
            resource_field_ref: Some(ResourceFieldSelector { resource: r.into(), ..Default::default() }),
            ..Default::default()
        };
        assert!(errors(resource("limits.memory")).is_empty());
        assert!(errors(resource("requests.hugepages-2Mi")).is_empty());
        assert_eq!(
            errors(resource("limits.gpu")),
            vec![
                "env[0].valueFrom.resourceFieldRef.resource: Unsupported value: \"limits.gpu\": supported values: \"limits.cpu\", \"limits.ephemeral-storage\", \"limits.memory\", \"requests.cpu\", \"requests.ephemeral-storage\", \"requests.memory\""
            ]
        );
        assert_eq!(errors(resource("")), vec!["env[0].valueFrom.resourceFieldRef.resource: Required value"]);
    }

    #[test]
    fn field_refs_convert_like_the_v1_api() {
        let field = |version: &str, path: &str| EnvVarSource {
            field_ref: Some(ObjectFieldSelector { api_version: Some(version.into()), field_path: path.into() }),
            ..Default::default()
        };
        assert!(errors(field("v1", "spec.host")).is_empty(), "the legacy spelling of spec.nodeName");
        assert_eq!(
            errors(field("v2", "metadata.name")),
            vec![
                "env[0].valueFrom.fieldRef.fieldPath: Invalid value: \"metadata.name\": error converting fieldPath: unsupported pod version: v2"
            ]
        );
        assert!(errors(field("v1", "metadata.annotations['Example.COM/Key']")).is_empty(), "annotation keys fold case");
    }
}
