//! Evaluating parsed JSONPath steps over JSON values, as client-go's `JSONPath.walk` does with
//! missing keys allowed (kubectl's default): a missing key yields nothing rather than an error.

use super::JsonPathError;
use super::parser::{Node, Param};
use serde_json::Value;
use std::borrow::Cow;
use std::cmp::Ordering;

pub type Values<'a> = Vec<Cow<'a, Value>>;

fn err(message: impl Into<String>) -> JsonPathError {
    JsonPathError::Execute(message.into())
}

/// Applies `nodes` in turn, each to everything the previous one produced.
pub fn eval_list<'a>(nodes: &[Node], input: Values<'a>) -> Result<Values<'a>, JsonPathError> {
    nodes.iter().try_fold(input, |values, node| eval(node, values))
}

fn eval<'a>(node: &Node, input: Values<'a>) -> Result<Values<'a>, JsonPathError> {
    let literal = |v: Value| input.iter().map(|_| Cow::Owned(v.clone())).collect();
    Ok(match node {
        Node::Text(text) => vec![Cow::Owned(Value::String(text.clone()))],
        Node::Int(i) => literal(Value::from(*i)),
        Node::Float(f) => literal(Value::from(*f)),
        Node::Bool(b) => literal(Value::Bool(*b)),
        Node::Field(name) => input.into_iter().filter_map(|v| field(v, name)).collect(),
        Node::Array(params) => array(input, params)?,
        Node::Filter { left, op, right } => filter(input, left, op, right)?,
        Node::Wildcard => input.into_iter().flat_map(children).collect(),
        Node::Recursive => input.into_iter().flat_map(descendants).collect(),
        Node::Union(alternatives) => {
            let mut out = Vec::new();
            for nodes in alternatives {
                out.extend(eval_list(nodes, input.clone())?);
            }
            out
        }
        Node::Identifier(name) => return Err(err(format!("unrecognized identifier {name}"))),
    })
}

fn field<'a>(value: Cow<'a, Value>, name: &str) -> Option<Cow<'a, Value>> {
    match value {
        Cow::Borrowed(v) => v.as_object()?.get(name).map(Cow::Borrowed),
        Cow::Owned(v) => v.as_object()?.get(name).cloned().map(Cow::Owned),
    }
}

/// The elements of an array or the values of a map (in key order); nothing for a scalar.
fn children(value: Cow<'_, Value>) -> Values<'_> {
    match value {
        Cow::Borrowed(Value::Array(items)) => items.iter().map(Cow::Borrowed).collect(),
        Cow::Borrowed(Value::Object(map)) => map.values().map(Cow::Borrowed).collect(),
        Cow::Owned(Value::Array(items)) => items.into_iter().map(Cow::Owned).collect(),
        Cow::Owned(Value::Object(map)) => map.into_iter().map(|(_, v)| Cow::Owned(v)).collect(),
        _ => Vec::new(),
    }
}

/// `..`: every array or map at or beneath `value`, parents first; scalars are not included.
fn descendants(value: Cow<'_, Value>) -> Values<'_> {
    let kids = children(value.clone());
    if kids.is_empty() {
        return Vec::new();
    }
    let mut out = vec![value];
    out.extend(kids.into_iter().flat_map(descendants));
    out
}

fn array<'a>(input: Values<'a>, params: &[Param; 3]) -> Result<Values<'a>, JsonPathError> {
    let mut out = Vec::new();
    for value in input {
        let len = match value.as_ref() {
            Value::Null => continue,
            Value::Array(items) => items.len() as i64,
            other => return Err(err(format!("{} is not array or slice", go_type(other)))),
        };
        let mut start = if params[0].known { params[0].value } else { 0 };
        if start < 0 {
            start += len;
        }
        let mut end = if params[1].known { params[1].value } else { len };
        if end < 0 || (end == 0 && params[1].derived) {
            end += len;
        }
        if start == end {
            // kubectl stops here, dropping later inputs too.
            return Ok(out);
        }
        if start >= len || start < 0 {
            return Err(err(format!("array index out of bounds: index {start}, length {len}")));
        }
        if end > len || end < 0 {
            return Err(err(format!("array index out of bounds: index {}, length {len}", end - 1)));
        }
        if start > end {
            return Err(err(format!("starting index {start} is greater than ending index {end}")));
        }
        let step = if params[2].known { params[2].value } else { 1 };
        if step <= 0 {
            return Err(err("step must be > 0"));
        }
        let picked = (start..end).step_by(step as usize).map(|i| i as usize);
        match value {
            Cow::Borrowed(Value::Array(items)) => out.extend(picked.map(|i| Cow::Borrowed(&items[i]))),
            Cow::Owned(Value::Array(items)) => out.extend(picked.map(|i| Cow::Owned(items[i].clone()))),
            _ => {}
        }
    }
    Ok(out)
}

/// The name Go gives the type of a decoded JSON value, for error messages.
fn go_type(value: &Value) -> &'static str {
    match value {
        Value::Object(_) => "map[string]interface {}",
        Value::String(_) => "string",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float64",
        Value::Number(_) => "int64",
        Value::Null | Value::Array(_) => "interface {}",
    }
}

fn filter<'a>(input: Values<'a>, left: &[Node], op: &str, right: &[Node]) -> Result<Values<'a>, JsonPathError> {
    let mut out = Vec::new();
    for value in input {
        let candidates = match value.as_ref() {
            Value::Array(_) | Value::Object(_) => children(value),
            _ => vec![value],
        };
        for candidate in candidates {
            let lefts = eval_list(left, vec![candidate.clone()])?;
            let rights = eval_list(right, vec![candidate.clone()])?;
            let pass = match (lefts.as_slice(), rights.as_slice()) {
                ([], _) => false,
                ([_, _, ..], _) => return Err(err("can only compare one element at a time")),
                ([_], _) if op == "exists" => true,
                (_, []) => false,
                (_, [_, _, ..]) => return Err(err("can only compare one element at a time")),
                ([l], [r]) => compare(op, l, r)?,
            };
            if pass {
                out.push(candidate);
            }
        }
    }
    Ok(out)
}

/// Go template comparison: values of different kinds never compare (only `!=` holds then).
/// Unlike kubectl, whose decoded integers never equal a literal (an int64 against a float64),
/// numbers compare by value.
fn compare(op: &str, left: &Value, right: &Value) -> Result<bool, JsonPathError> {
    let order = match (left, right) {
        (Value::Number(a), Value::Number(b)) => a.as_f64().zip(b.as_f64()).and_then(|(a, b)| a.partial_cmp(&b)),
        (Value::String(a), Value::String(b)) => Some(a.cmp(b)),
        (Value::Bool(a), Value::Bool(b)) if matches!(op, "==" | "!=") => Some(a.cmp(b)),
        _ => None,
    };
    Ok(match (op, order) {
        ("==", o) => o == Some(Ordering::Equal),
        ("!=", o) => o != Some(Ordering::Equal),
        ("<", o) => o == Some(Ordering::Less),
        (">", o) => o == Some(Ordering::Greater),
        ("<=", o) => matches!(o, Some(Ordering::Less | Ordering::Equal)),
        (">=", o) => matches!(o, Some(Ordering::Greater | Ordering::Equal)),
        _ => return Err(err(format!("unrecognized filter operator {op}"))),
    })
}
