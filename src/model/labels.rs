//! Kubernetes `LabelSelector` objects (matchLabels + matchExpressions) as selectors: matching
//! labels and printing the canonical string (`app=web,tier in (a,b)`).

use crate::model::selector::{Expression, LabelSelector, LabelSelectorError};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector as K8sSelector;
use std::collections::BTreeMap;

/// The selector an object declares.
pub fn selector(s: &K8sSelector) -> Result<LabelSelector, LabelSelectorError> {
    let labels = s.match_labels.clone().unwrap_or_default();
    let empty = Vec::new();
    let exprs: Vec<Expression<'_>> = s
        .match_expressions
        .iter()
        .flatten()
        .map(|e| Expression { key: &e.key, operator: &e.operator, values: e.values.as_ref().unwrap_or(&empty) })
        .collect();
    LabelSelector::from_parts(&labels, &exprs)
}

/// Whether `labels` match; an invalid selector matches nothing.
pub fn matches(s: &K8sSelector, labels: &BTreeMap<String, String>) -> bool {
    selector(s).is_ok_and(|sel| sel.matches(labels))
}

/// The canonical string form (`app=web`), as `kubectl get -o wide` and Scale show it.
pub fn selector_string(s: &K8sSelector) -> String {
    selector(s).map(|sel| sel.to_string()).unwrap_or_default()
}
