//! The API's errors and the one table that maps each to a Kubernetes `Status` (HTTP code,
//! reason, message, details) exactly as the apiserver words it, so kubectl prints it verbatim.

use crate::model::Kind;
use crate::model::validation::ErrorList;
use crate::store::StoreError;
use serde_json::{Value, json};
use std::sync::Arc;

#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    #[error("{} {name:?} not found", kind.qualified_plural())]
    NotFound { kind: Kind, name: String },
    #[error("namespaces {0:?} not found")]
    NamespaceNotFound(String),
    /// A pod or node without metrics (yet): `podmetrics.metrics.k8s.io "web-1" not found`.
    #[error("{resource}.metrics.k8s.io {name:?} not found")]
    MetricsNotFound { resource: &'static str, name: String },
    #[error("{} {name:?} already exists", kind.qualified_plural())]
    AlreadyExists { kind: Kind, name: String },
    #[error(
        "Operation cannot be fulfilled on {} {name:?}: the object has been modified; please apply your changes to the latest version and try again",
        kind.qualified_plural()
    )]
    Conflict { kind: Kind, name: String },
    #[error("{} {name:?} is invalid: {}", kind.qualified_kind(), render_causes(errors))]
    Invalid { kind: Kind, name: String, errors: ErrorList },
    /// Refused by policy (admission): `pods "x" is forbidden: ...`, or `pods is forbidden: ...`
    /// for an object without a name yet.
    #[error("{}", forbidden_message(*kind, name, message))]
    Forbidden { kind: Kind, name: String, message: String, cause: Option<Forbidden> },
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{0}")]
    MethodNotAllowed(String),
    #[error("{0}")]
    NotAcceptable(String),
    #[error("too old resource version: {requested} ({oldest})")]
    Expired { requested: u64, oldest: u64 },
    #[error(
        "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list."
    )]
    ContinueExpired,
    #[error("Unauthorized")]
    Unauthorized,
    #[error("Request entity too large: {0}")]
    TooLarge(String),
    /// A patch that cannot be applied; the apiserver's message does not say why, the cause does.
    #[error("the server rejected our request due to an error in our request")]
    PatchRejected(String),
    #[error("Too many requests, please try again later.")]
    TooManyRequests,
    #[error("Timeout: {0}")]
    Timeout(String),
    #[error("Request-URI too long: limit is {0}")]
    UriTooLong(usize),
    #[error("the server could not find the requested resource")]
    UnknownPath,
    #[error("Internal error occurred: {0}")]
    Internal(String),
    /// The store failed (a write, a corrupt object): kept as the cause, served as a 500.
    #[error("Internal error occurred: {0}")]
    Store(#[source] Arc<StoreError>),
}

/// Why an admission refused, as a Status cause (`NamespaceTerminating` on `metadata.namespace`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forbidden {
    pub reason: &'static str,
    pub message: String,
    pub field: &'static str,
}

fn forbidden_message(kind: Kind, name: &str, message: &str) -> String {
    match name {
        "" => format!("{} is forbidden: {message}", kind.qualified_plural()),
        name => format!("{} {name:?} is forbidden: {message}", kind.qualified_plural()),
    }
}

/// `[a, b]` for several errors, the error itself for one, as apimachinery's aggregate prints.
fn render_causes(errors: &ErrorList) -> String {
    match errors.as_slice() {
        [one] => one.to_string(),
        many => format!("[{}]", many.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")),
    }
}

impl ApiError {
    pub fn invalid(kind: Kind, name: &str, errors: ErrorList) -> ApiError {
        ApiError::Invalid { kind, name: name.to_string(), errors }
    }

    pub fn not_found(kind: Kind, name: &str) -> ApiError {
        ApiError::NotFound { kind, name: name.to_string() }
    }

    /// Translates a store failure on `kind`/`name`.
    pub fn from_store(e: StoreError) -> ApiError {
        match e {
            StoreError::NotFound(k) => ApiError::NotFound { kind: k.kind, name: k.name },
            StoreError::AlreadyExists(k) => ApiError::AlreadyExists { kind: k.kind, name: k.name },
            StoreError::Conflict(k) => ApiError::Conflict { kind: k.kind, name: k.name },
            other => ApiError::Store(Arc::new(other)),
        }
    }

    /// The HTTP status code and `reason`.
    pub fn code_and_reason(&self) -> (u16, &'static str) {
        match self {
            ApiError::NotFound { .. }
            | ApiError::NamespaceNotFound(_)
            | ApiError::MetricsNotFound { .. }
            | ApiError::UnknownPath => (404, "NotFound"),
            ApiError::AlreadyExists { .. } => (409, "AlreadyExists"),
            ApiError::Conflict { .. } => (409, "Conflict"),
            ApiError::Invalid { .. } => (422, "Invalid"),
            ApiError::Forbidden { .. } => (403, "Forbidden"),
            ApiError::BadRequest(_) => (400, "BadRequest"),
            ApiError::UnsupportedMediaType(_) => (415, "UnsupportedMediaType"),
            ApiError::MethodNotAllowed(_) => (405, "MethodNotAllowed"),
            ApiError::NotAcceptable(_) => (406, "NotAcceptable"),
            ApiError::Expired { .. } | ApiError::ContinueExpired => (410, "Expired"),
            ApiError::Unauthorized => (401, "Unauthorized"),
            ApiError::TooLarge(_) => (413, "RequestEntityTooLarge"),
            ApiError::PatchRejected(_) => (422, "Invalid"),
            ApiError::TooManyRequests => (429, "TooManyRequests"),
            ApiError::Timeout(_) => (504, "Timeout"),
            ApiError::UriTooLong(_) => (414, "RequestURITooLong"),
            ApiError::Internal(_) | ApiError::Store(_) => (500, "InternalError"),
        }
    }

    fn details(&self) -> Option<Value> {
        match self {
            ApiError::NotFound { kind, name }
            | ApiError::AlreadyExists { kind, name }
            | ApiError::Conflict { kind, name } => {
                Some(json!({"name": name, "group": kind.info().group, "kind": kind.info().plural}))
            }
            ApiError::Forbidden { kind, name, cause, .. } => {
                let mut details = json!({"name": name, "group": kind.info().group, "kind": kind.info().plural});
                if let Some(c) = cause {
                    details["causes"] = json!([{"reason": c.reason, "message": c.message, "field": c.field}]);
                }
                Some(details)
            }
            ApiError::Invalid { kind, name, errors } => {
                let causes: Vec<Value> = errors
                    .iter()
                    .map(|e| json!({"reason": e.error_type.cause_reason(), "message": e.body(), "field": e.field}))
                    .collect();
                Some(json!({"name": name, "group": kind.info().group, "kind": kind.info().name, "causes": causes}))
            }
            ApiError::NamespaceNotFound(name) => Some(json!({"name": name, "kind": "namespaces"})),
            ApiError::PatchRejected(cause) => Some(json!({"causes": [{"message": cause}]})),
            ApiError::TooManyRequests | ApiError::Timeout(_) => Some(json!({"retryAfterSeconds": 1})),
            _ => None,
        }
    }

    /// The `Status` object the apiserver would return.
    pub fn to_status(&self) -> Value {
        let (code, reason) = self.code_and_reason();
        let mut status = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.to_string(),
            "reason": reason,
            "code": code,
        });
        if let Some(details) = self.details() {
            status["details"] = details;
        }
        status
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::validation::{FieldError, FieldPath};

    #[test]
    fn statuses_match_the_apiserver() {
        let s = ApiError::not_found(Kind::Deployment, "nope").to_status();
        assert_eq!(s["message"], "deployments.apps \"nope\" not found");
        assert_eq!((s["code"].as_u64(), s["reason"].as_str()), (Some(404), Some("NotFound")));
        assert_eq!(s["details"]["kind"], "deployments");
        assert_eq!(ApiError::not_found(Kind::Service, "web").to_string(), "services \"web\" not found");

        let e =
            FieldError::invalid(&FieldPath::new("spec").child("replicas"), -1, "must be greater than or equal to 0");
        let s = ApiError::invalid(Kind::Deployment, "web", vec![e.clone()]).to_status();
        assert_eq!(
            s["message"],
            "Deployment.apps \"web\" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0"
        );
        assert_eq!(s["details"]["causes"][0]["field"], "spec.replicas");
        assert_eq!(s["details"]["causes"][0]["reason"], "FieldValueInvalid");
        let two = ApiError::invalid(Kind::Deployment, "web", vec![e.clone(), e]).to_string();
        assert!(two.starts_with("Deployment.apps \"web\" is invalid: [spec.replicas: "), "{two}");

        let s = ApiError::NamespaceNotFound("nope".into()).to_status();
        assert_eq!((s["code"].as_u64(), s["message"].as_str()), (Some(404), Some("namespaces \"nope\" not found")));
        assert_eq!(s["details"], json!({"name": "nope", "kind": "namespaces"}));
        let s = ApiError::TooLarge("limit is 3145728".into()).to_status();
        assert_eq!(s["message"], "Request entity too large: limit is 3145728");
    }
}
