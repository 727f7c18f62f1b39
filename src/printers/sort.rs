//! `--sort-by`: ordering objects, or Table rows by their objects, on a JSONPath field as
//! kubectl's `SortingPrinter` does: numbers by value, quantities by amount, other strings
//! bytewise (`a-10`, `a-52`, `a-5q`, `a-9`: what kubectl 1.33 prints, on names and on data
//! values alike, although its source reads as natural order; RFC 3339 times so sort
//! chronologically); objects without the field first.

use super::custom_columns::relaxed;
use super::jsonpath::Template;
use crate::model::quantity::Quantity;
use serde_json::Value;
use std::cmp::Ordering;

/// `items` sorted by the first result of `field` on `object(item)`; stable for equal keys.
/// Fails when the expression is malformed or no item has the field.
pub fn sort_by<T>(items: Vec<T>, field: &str, object: impl Fn(&T) -> &Value) -> Result<Vec<T>, String> {
    if items.len() < 2 {
        return Ok(items);
    }
    let expression = relaxed(field).unwrap_or_else(|_| field.to_string());
    let template = Template::parse(&expression).map_err(|e| format!("sorting error: {e}"))?;
    let keys = items
        .iter()
        .map(|item| template.results(object(item)).map(|r| r.into_iter().next()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    if keys.iter().all(Option::is_none) {
        return Err(format!("couldn't find any field with path {expression:?} in the list of objects"));
    }
    let mut keyed: Vec<(Option<Value>, T)> = keys.into_iter().zip(items).collect();
    keyed.sort_by(|(a, _), (b, _)| match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(a), Some(b)) => compare(a, b),
    });
    Ok(keyed.into_iter().map(|(_, item)| item).collect())
}

/// kubectl's `isLess` on decoded values; kinds it cannot order compare equal.
fn compare(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Null, Value::Null) => Ordering::Equal,
        (Value::Null, _) => Ordering::Less,
        (_, Value::Null) => Ordering::Greater,
        (Value::Number(x), Value::Number(y)) => {
            x.as_f64().zip(y.as_f64()).and_then(|(x, y)| x.partial_cmp(&y)).unwrap_or(Ordering::Equal)
        }
        (Value::String(x), Value::String(y)) => match (Quantity::parse(x), Quantity::parse(y)) {
            (Ok(qx), Ok(qy)) => qx.cmp(&qy),
            _ => x.cmp(y),
        },
        _ => Ordering::Equal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn names(items: &[Value]) -> Vec<&str> {
        items.iter().map(|i| i["metadata"]["name"].as_str().unwrap()).collect()
    }

    #[test]
    fn sorts_like_kubectl() {
        let items = vec![
            json!({"metadata": {"name": "web-10"}, "spec": {"replicas": 2}, "status": {"startTime": "2024-05-01T10:00:02Z"}}),
            json!({"metadata": {"name": "web-2"}, "spec": {"replicas": 10}, "status": {}}),
            json!({"metadata": {"name": "api"}, "spec": {"replicas": 1}, "status": {"startTime": "2024-05-01T10:00:01Z"}}),
        ];
        let items = sort_by(items, ".metadata.name", |v| v).unwrap();
        assert_eq!(names(&items), ["api", "web-10", "web-2"], "bytewise, as kubectl 1.33 prints");
        let items = sort_by(items, "{.spec.replicas}", |v| v).unwrap();
        assert_eq!(names(&items), ["api", "web-10", "web-2"]);
        let items = sort_by(items, ".status.startTime", |v| v).unwrap();
        assert_eq!(names(&items), ["web-2", "api", "web-10"]);
        assert_eq!(
            sort_by(items, ".nope", |v| v).unwrap_err(),
            "couldn't find any field with path \"{.nope}\" in the list of objects"
        );
        let memory = [json!({"m": "1Gi"}), json!({"m": "500Mi"}), json!({"m": "2"})];
        let sorted = sort_by(memory.to_vec(), "m", |v| v).unwrap();
        assert_eq!(sorted, [memory[2].clone(), memory[1].clone(), memory[0].clone()]);
    }
}
