//! Filtering lists and watches by `labelSelector` and `fieldSelector`, with the fields each
//! kind supports (others are rejected like the apiserver does).

use super::request::Query;
use crate::model::selector::{FieldSelector, LabelSelector};
use crate::model::{Kind, Object, meta};
use crate::registry::ApiError;
use serde_json::Value;

const COMMON: [&str; 2] = ["metadata.name", "metadata.namespace"];
const POD: [&str; 3] = ["status.phase", "spec.nodeName", "spec.restartPolicy"];
const EVENT: [&str; 11] = [
    "involvedObject.kind",
    "involvedObject.namespace",
    "involvedObject.name",
    "involvedObject.uid",
    "involvedObject.apiVersion",
    "involvedObject.resourceVersion",
    "involvedObject.fieldPath",
    "reason",
    "reportingComponent",
    "source",
    "type",
];

/// The parsed selectors of a list or watch request.
pub struct Filter {
    labels: LabelSelector,
    fields: FieldSelector,
}

impl Filter {
    pub fn from_query(kind: Kind, q: &Query) -> Result<Filter, ApiError> {
        let labels = LabelSelector::parse(q.get("labelSelector").unwrap_or_default())
            .map_err(|e| ApiError::BadRequest(e.to_string()))?;
        let fields = FieldSelector::parse(q.get("fieldSelector").unwrap_or_default())
            .map_err(|e| ApiError::BadRequest(e.to_string()))?;
        let mut supported: Vec<&str> = COMMON.to_vec();
        match kind {
            Kind::Pod => supported.extend(POD),
            Kind::Event => supported.extend(EVENT),
            _ => {}
        }
        fields.ensure_supported(&supported).map_err(|e| ApiError::BadRequest(e.to_string()))?;
        Ok(Filter { labels, fields })
    }

    pub fn matches(&self, obj: &Object) -> bool {
        if !self.labels.matches(&meta::labels(obj.meta())) {
            return false;
        }
        if self.fields.is_empty() {
            return true;
        }
        let json = obj.to_json();
        self.fields.matches(&|field| lookup(&json, field))
    }
}

/// A dotted field of the object's JSON as a string (`source` means source.component).
fn lookup(json: &Value, field: &str) -> Option<String> {
    let path = if field == "source" { "source.component" } else { field };
    let mut v = json;
    for part in path.split('.') {
        v = v.get(part)?;
    }
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}
