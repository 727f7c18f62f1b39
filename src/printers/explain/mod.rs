//! `explain`: a kind's or field's documentation from an OpenAPI v3 document in Kubernetes'
//! shape (`components.schemas`, `$ref`, `allOf`, `x-kubernetes-group-version-kind`), laid out
//! as kubectl's plaintext explain template lays it out. Pure: JSON in, text out.

use serde_json::{Map, Value};
use std::collections::BTreeSet;

/// The group, version and kind explained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gvk {
    pub group: String,
    pub version: String,
    pub kind: String,
}

/// Why nothing could be explained; the messages are kubectl's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExplainError {
    #[error("GVK map[group:{} kind:{} version:{}] not found in OpenAPI schema", .0.group, .0.kind, .0.version)]
    KindNotFound(Gvk),
    #[error("field {0:?} does not exist")]
    FieldNotFound(String),
}

/// The lines kubectl prints first, before it looks for the kind's schema.
pub fn header(gvk: &Gvk) -> String {
    let group = if gvk.group.is_empty() { String::new() } else { format!("GROUP:      {}\n", gvk.group) };
    format!("{group}KIND:       {}\nVERSION:    {}\n\n", gvk.kind, gvk.version)
}

/// What follows the header: the documentation of `path` (field names below the kind; empty
/// for the kind itself) of `gvk` in `doc`.
pub fn explain(doc: &Value, gvk: &Gvk, path: &[String], recursive: bool) -> Result<String, ExplainError> {
    let schema = kind_schema(doc, gvk).ok_or_else(|| ExplainError::KindNotFound(gvk.clone()))?;
    let walker = Walker { doc, recursive };
    let body = walker.output(schema, &BTreeSet::new(), path);
    if body.is_empty() {
        return Err(ExplainError::FieldNotFound(path.last().cloned().unwrap_or_default()));
    }
    Ok(format!("{body}\n"))
}

/// The component whose `x-kubernetes-group-version-kind` names `gvk`.
fn kind_schema<'a>(doc: &'a Value, gvk: &Gvk) -> Option<&'a Value> {
    doc["components"]["schemas"].as_object()?.values().find(|schema| {
        schema["x-kubernetes-group-version-kind"].as_array().into_iter().flatten().any(|g| {
            g["group"].as_str() == Some(&gvk.group)
                && g["version"] == gvk.version.as_str()
                && g["kind"] == gvk.kind.as_str()
        })
    })
}

struct Walker<'a> {
    doc: &'a Value,
    recursive: bool,
}

fn reference(schema: &Value) -> &str {
    schema["$ref"].as_str().unwrap_or_default()
}

/// A map-typed `additionalProperties` (not `true`/`false`).
fn map_values(schema: &Value) -> Option<&Value> {
    schema.get("additionalProperties").filter(|v| v.is_object())
}

fn properties(schema: &Value) -> Option<&Map<String, Value>> {
    schema.get("properties").and_then(Value::as_object).filter(|p| !p.is_empty())
}

impl<'a> Walker<'a> {
    /// `#/components/schemas/X` in the document.
    fn resolve(&self, reference: &str) -> Option<&'a Value> {
        let fragment = reference.strip_prefix('#')?;
        fragment.split('/').filter(|k| !k.is_empty()).try_fold(self.doc, |cur, k| cur.get(k).filter(|v| v.is_object()))
    }

    fn resolved(&self, schema: &'a Value) -> &'a Value {
        self.resolve(reference(schema)).unwrap_or(schema)
    }

    /// The template's `output`: follows `path`, then describes where it ends.
    fn output(&self, schema: &'a Value, history: &BTreeSet<String>, path: &[String]) -> String {
        let reference = reference(schema);
        let mut next = history.clone();
        next.insert(reference.to_string());
        let resolved = self.resolved(schema);
        let Some((first, rest)) = path.split_first() else {
            return self.describe(resolved);
        };
        if !reference.is_empty() && history.contains(reference) {
            return String::new();
        }
        if let Some(sub) = properties(resolved).and_then(|p| p.get(first)) {
            let mut out = String::new();
            if rest.is_empty() {
                out.push_str(&format!("FIELD: {first} <{}>\n{}\n\n", self.type_guess(sub), self.enum_long(sub)));
            }
            out.push_str(&self.output(sub, &BTreeSet::new(), rest));
            return out;
        }
        if let Some(items) = resolved.get("items") {
            return self.output(items, &next, path);
        }
        if let Some(values) = map_values(resolved) {
            return self.output(values, &next, path);
        }
        resolved["allOf"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|alternative| self.output(alternative, &next, path))
            .find(|out| !out.is_empty())
            .unwrap_or_default()
    }

    fn describe(&self, resolved: &'a Value) -> String {
        let description = self.description(resolved);
        let text = if description.is_empty() { "<empty>".to_string() } else { description };
        let mut out = format!("DESCRIPTION:\n{}\n", indent(4, &wrap(76, &text)));
        let docs = external_docs(resolved, 0);
        if !docs.is_empty() {
            out.push('\n');
            out.push_str(&docs);
        }
        let fields = self.field_list(resolved, 1, &BTreeSet::new());
        if !fields.is_empty() {
            out.push_str("FIELDS:\n");
            out.push_str(&fields);
        }
        out
    }

    /// The descriptions of a schema and of what it refers to, one per line.
    fn description(&self, schema: &'a Value) -> String {
        let resolved = self.resolved(schema);
        let mut out = String::new();
        if let Some(d) = resolved["description"].as_str().filter(|d| !d.is_empty()) {
            out.push_str(d);
            out.push('\n');
        }
        for alternative in resolved["allOf"].as_array().into_iter().flatten() {
            out.push_str(&self.description(alternative));
        }
        if let Some(items) = resolved.get("items") {
            out.push_str(&self.description(items));
        }
        if let Some(values) = map_values(resolved) {
            out.push_str(&self.description(values));
        }
        out
    }

    fn field_list(&self, schema: &'a Value, level: usize, history: &BTreeSet<String>) -> String {
        let reference = reference(schema);
        if !reference.is_empty() && history.contains(reference) {
            return String::new();
        }
        let mut next = history.clone();
        next.insert(reference.to_string());
        let resolved = self.resolved(schema);
        let mut out = String::new();
        for (name, field) in properties(resolved).into_iter().flatten() {
            out.push_str(&self.field_detail(resolved, name, field, level));
            if self.recursive {
                out.push_str(&self.field_list(field, level + 1, &next));
            }
        }
        for alternative in resolved["allOf"].as_array().into_iter().flatten() {
            out.push_str(&self.field_list(alternative, level, &next));
        }
        if let Some(items) = resolved.get("items") {
            out.push_str(&self.field_list(items, level, &next));
        }
        if let Some(values) = map_values(resolved) {
            out.push_str(&self.field_list(values, level, &next));
        }
        out
    }

    fn field_detail(&self, parent: &Value, name: &str, field: &Value, level: usize) -> String {
        let pad = level * 2;
        let required = parent["required"].as_array().is_some_and(|r| r.iter().any(|n| n == name));
        let mut out = format!(
            "{}\t<{}>{}{}\n",
            indent(pad, name),
            self.type_guess(field),
            if required { " -required-" } else { "" },
            enum_short(field, pad)
        );
        if self.recursive {
            return out;
        }
        let description = field["description"].as_str().filter(|d| !d.is_empty()).unwrap_or("<no description>");
        out.push_str(&indent(pad + 2, &wrap(78 - pad, description)));
        out.push('\n');
        let docs = external_docs(field, pad);
        if !docs.is_empty() {
            out.push('\n');
            out.push_str(&docs);
        }
        out.push('\n');
        out
    }

    /// kubectl's type hint: `string`, `Object`, `[]Container`, `map[string]string`, a kind name.
    fn type_guess(&self, schema: &Value) -> String {
        if let Some(items) = schema.get("items") {
            return format!("[]{}", self.type_guess(items));
        }
        if let Some(values) = map_values(schema) {
            return format!("map[string]{}", self.type_guess(values));
        }
        if let Some([only]) = schema["allOf"].as_array().map(Vec::as_slice).filter(|_| properties(schema).is_none()) {
            return self.type_guess(only);
        }
        let reference = reference(schema);
        if !reference.is_empty() {
            let target = self.resolve(reference);
            return match target.and_then(|t| t["type"].as_str()) {
                Some(t) if t != "object" => t.to_string(),
                _ => reference
                    .rsplit('/')
                    .next()
                    .and_then(|n| n.rsplit('.').next())
                    .filter(|n| !n.is_empty())
                    .unwrap_or("Object")
                    .to_string(),
            };
        }
        match schema["type"].as_str() {
            None | Some("object") | Some("") => "Object".to_string(),
            Some(t) => t.to_string(),
        }
    }

    fn enum_long(&self, schema: &Value) -> String {
        let Some(values) = schema["enum"].as_array().filter(|e| !e.is_empty()) else { return String::new() };
        let mut out = "ENUM:".to_string();
        for v in values {
            out.push_str("\n    ");
            out.push_str(&enum_value(v));
        }
        out
    }
}

/// The one-line enum of a field in a list: at most four values.
fn enum_short(schema: &Value, pad: usize) -> String {
    let Some(values) = schema["enum"].as_array().filter(|e| !e.is_empty()) else { return String::new() };
    let mut shown: Vec<String> = values.iter().take(4).map(enum_value).collect();
    if values.len() > 4 {
        shown.push("....".to_string());
    }
    format!("\n{}enum: {}", " ".repeat(pad), shown.join(", "))
}

fn enum_value(v: &Value) -> String {
    match v {
        Value::String(s) if s.is_empty() => "\"\"".to_string(),
        other => crate::printers::go_format::sprint(other),
    }
}

/// `EXTERNAL DOCS:` of a kind (`pad` 0) or of a field indented by `pad`.
fn external_docs(schema: &Value, pad: usize) -> String {
    let Some(docs) = schema.get("externalDocs").filter(|d| d.is_object()) else { return String::new() };
    let heading = if pad == 0 { 0 } else { pad + 2 };
    let mut out = format!("{}\n", indent(heading, "EXTERNAL DOCS:"));
    if let Some(d) = docs["description"].as_str().filter(|d| !d.is_empty()) {
        out.push_str(&format!("{}\n", indent(pad + 4, &wrap(76 - pad, d))));
    }
    if let Some(url) = docs["url"].as_str().filter(|u| !u.is_empty()) {
        out.push_str(&format!("{}\n", indent(pad + 4, &format!("URL: {url}"))));
    }
    out
}

/// The template's `indent`: every line, the last included, gets `amount` spaces.
fn indent(amount: usize, text: &str) -> String {
    let pad = " ".repeat(amount);
    format!("{pad}{}", text.replace('\n', &format!("\n{pad}")))
}

/// What a line keeps of its pending `space` and `word` where it ends: the word, or trailing
/// space that still fits.
fn end_line(out: &mut String, current: usize, space: &str, word: &str, limit: usize) {
    if !word.is_empty() || current + space.chars().count() <= limit {
        out.push_str(space);
        out.push_str(word);
    }
}

/// The template's `wrap`: words wrapped at `limit` columns as `github.com/mitchellh/go-wordwrap`
/// wraps them (line breaks kept, a word longer than the limit left whole).
pub fn wrap(limit: usize, text: &str) -> String {
    let mut out = String::new();
    let (mut current, mut word, mut space) = (0usize, String::new(), String::new());
    let len = |s: &String| s.chars().count();
    for c in text.chars() {
        if c == '\n' {
            end_line(&mut out, current, &space, &word, limit);
            space.clear();
            word.clear();
            out.push('\n');
            current = 0;
        } else if c.is_whitespace() && c != '\u{a0}' {
            if space.is_empty() || !word.is_empty() {
                current += len(&space) + len(&word);
                out.push_str(&space);
                out.push_str(&word);
                space.clear();
                word.clear();
            }
            space.push(c);
        } else {
            word.push(c);
            if current + len(&space) + len(&word) > limit && len(&word) < limit {
                out.push('\n');
                current = 0;
                space.clear();
            }
        }
    }
    end_line(&mut out, current, &space, &word, limit);
    out
}

#[cfg(test)]
mod tests;
