//! Container resource requirements with Kubernetes' rules, messages and field paths
//! (`pkg/apis/core/validation` ValidateContainerResourceRequirements): resource names,
//! quantities, and requests against limits. Used by `container`; never panics on any input.

use k8s_openapi::api::core::v1::ResourceRequirements;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity as RawQuantity;

use super::field::{ErrorList, FieldError, FieldPath};
use super::names::{NEGATIVE_MSG, invalid_each, is_qualified_name};
use crate::model::quantity::Quantity;

/// `ValidateContainerResourceRequirements`: resource names, quantities that parse and are not
/// negative, requests no larger than limits (equal for hugepages and extended resources).
pub(super) fn validate_resources(r: &ResourceRequirements, path: &FieldPath) -> ErrorList {
    let mut errs = ErrorList::new();
    let (lim_path, req_path) = (path.child("limits"), path.child("requests"));
    for (name, q) in r.limits.iter().flatten() {
        errs.extend(validate_resource_entry(name, q, &lim_path.key(name)));
    }
    for (name, q) in r.requests.iter().flatten() {
        errs.extend(validate_resource_entry(name, q, &req_path.key(name)));
        let limit = r.limits.as_ref().and_then(|l| l.get(name));
        errs.extend(compare_request_to_limit(name, q, limit, &lim_path, &req_path));
    }
    errs
}

fn validate_resource_entry(name: &str, q: &RawQuantity, path: &FieldPath) -> ErrorList {
    let mut errs = validate_resource_name(name, path);
    match Quantity::parse(&q.0) {
        Err(e) => errs.push(FieldError::invalid(path, q.0.as_str(), &e.to_string())),
        Ok(parsed) if parsed.nanos() < 0 => errs.push(FieldError::invalid(path, q.0.as_str(), NEGATIVE_MSG)),
        Ok(parsed) if is_extended_resource(name) && parsed.nanos() % 1_000_000_000 != 0 => {
            errs.push(FieldError::invalid(path, q.0.as_str(), "must be an integer"));
        }
        Ok(_) => {}
    }
    errs
}

fn compare_request_to_limit(
    name: &str,
    request: &RawQuantity,
    limit: Option<&RawQuantity>,
    lim_path: &FieldPath,
    req_path: &FieldPath,
) -> Option<FieldError> {
    let overcommit = is_native_resource(name) && !name.starts_with("hugepages-");
    let Some(limit) = limit else {
        let detail = "Limit must be set for non overcommitable resources";
        return (!overcommit).then(|| FieldError::required(lim_path, detail));
    };
    let (Ok(req), Ok(lim)) = (Quantity::parse(&request.0), Quantity::parse(&limit.0)) else {
        return None;
    };
    let detail = if req != lim && !overcommit {
        format!("must be equal to {name} limit of {}", limit.0)
    } else if req > lim {
        format!("must be less than or equal to {name} limit of {}", limit.0)
    } else {
        return None;
    };
    Some(FieldError::invalid(req_path, request.0.as_str(), &detail))
}

/// Resource names without a domain, or in `kubernetes.io`, are Kubernetes' own.
fn is_native_resource(name: &str) -> bool {
    !name.contains('/') || name.contains("kubernetes.io/")
}

fn is_extended_resource(name: &str) -> bool {
    !is_native_resource(name) && !name.starts_with("requests.")
}

/// `validateContainerResourceName`.
fn validate_resource_name(name: &str, path: &FieldPath) -> ErrorList {
    let mut errs = invalid_each(path, name, is_qualified_name(name));
    let bare = !name.contains('/');
    let standard = ["cpu", "memory", "ephemeral-storage", "storage", "pods", "services"];
    if errs.is_empty() && bare && !standard.contains(&name) && !name.starts_with("hugepages-") {
        errs.push(FieldError::invalid(path, name, "must be a standard resource type or fully qualified"));
    }
    let container = ["cpu", "memory", "ephemeral-storage"];
    if bare && !container.contains(&name) && !name.starts_with("hugepages-") {
        errs.push(FieldError::invalid(path, name, "must be a standard resource for containers"));
    }
    errs
}
