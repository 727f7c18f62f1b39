//! `-o custom-columns=HEADER:.path,…` and `-o custom-columns-file=FILE`: one row per object,
//! each cell the JSONPath results joined by commas (`<none>` when there are none), padded like
//! `kubectl get` tables.

use super::go_format;
use super::jsonpath::Template;
use super::text_table::{TabWriter, escape_terminal};
use serde_json::Value;

/// One column: its header and the template of its cells.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub header: String,
    pub template: Template,
}

/// kubectl's `RelaxedJSONPathExpression`: `a.b`, `.a.b`, `{a.b}` and `{.a.b}` all mean `{.a.b}`.
pub fn relaxed(expression: &str) -> Result<String, String> {
    if expression.is_empty() {
        return Ok(String::new());
    }
    let inner = expression.strip_prefix('{').and_then(|e| e.strip_suffix('}')).unwrap_or(expression);
    let field = inner.strip_prefix('.').unwrap_or(inner);
    if field.is_empty() || field.contains(['{', '}']) {
        return Err(
            "unexpected path string, expected a 'name1.name2' or '.name1.name2' or '{name1.name2}' or '{.name1.name2}'"
                .into(),
        );
    }
    Ok(format!("{{.{field}}}"))
}

fn column(header: &str, expression: &str) -> Result<Column, String> {
    let template =
        Template::parse(&relaxed(expression)?).map_err(|e| format!("failed to parse JSONPath expression: {e}"))?;
    Ok(Column { header: header.to_string(), template })
}

/// Columns from `NAME:.metadata.name,IMAGE:.spec.containers[*].image`.
pub fn from_spec(spec: &str) -> Result<Vec<Column>, String> {
    if spec.is_empty() {
        return Err("custom-columns format specified but no custom columns given".into());
    }
    spec.split(',')
        .map(|part| {
            let (header, expression) = part
                .split_once(':')
                .ok_or_else(|| format!("unexpected custom-columns spec: {part}, expected <header>:<json-path-expr>"))?;
            column(header, expression)
        })
        .collect()
}

/// Columns from a file of two lines: the headers, then the paths, separated by whitespace.
pub fn from_file(text: &str) -> Result<Vec<Column>, String> {
    const FORMAT: &str =
        "Expected format is one line of space separated headers, one line of space separated column specs.";
    let mut lines = text.lines();
    let headers: Vec<&str> =
        lines.next().ok_or(format!("invalid template, missing header line. {FORMAT}"))?.split_whitespace().collect();
    let specs: Vec<&str> =
        lines.next().ok_or(format!("invalid template, missing spec line. {FORMAT}"))?.split_whitespace().collect();
    if headers.len() != specs.len() {
        return Err(format!(
            "number of headers ({}) and field specifications ({}) don't match",
            headers.len(),
            specs.len()
        ));
    }
    headers.iter().zip(&specs).map(|(h, s)| column(h, s)).collect()
}

/// The padded table for `objects`.
pub fn render(columns: &[Column], objects: &[Value], no_headers: bool) -> Result<String, String> {
    let mut text = String::new();
    if !no_headers {
        text.push_str(&columns.iter().map(|c| c.header.as_str()).collect::<Vec<_>>().join("\t"));
        text.push('\n');
    }
    for object in objects {
        let mut cells = Vec::with_capacity(columns.len());
        for c in columns {
            let values = c.template.results(object).map_err(|e| e.to_string())?;
            let shown: Vec<String> = values.iter().map(|v| escape_terminal(&go_format::sprint(v))).collect();
            cells.push(if shown.is_empty() { "<none>".to_string() } else { shown.join(",") });
        }
        text.push_str(&cells.join("\t"));
        text.push('\n');
    }
    let mut writer = TabWriter::kubectl_get();
    writer.write(&text);
    Ok(writer.flush())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn relaxed_paths() {
        for form in ["metadata.name", ".metadata.name", "{metadata.name}", "{.metadata.name}"] {
            assert_eq!(relaxed(form).unwrap(), "{.metadata.name}");
        }
        assert!(relaxed("{.a}{.b}").is_err());
    }

    #[test]
    fn renders_columns() {
        let columns = from_spec("NAME:.metadata.name,IMAGES:.spec.containers[*].image,PORT:.spec.ports").unwrap();
        let objects = [
            json!({"metadata": {"name": "web"}, "spec": {"containers": [{"image": "a:1"}, {"image": "b:2"}]}}),
            json!({"metadata": {"name": "database"}, "spec": {"containers": []}}),
        ];
        assert_eq!(
            render(&columns, &objects, false).unwrap(),
            "NAME       IMAGES    PORT\nweb        a:1,b:2   <none>\ndatabase   <none>    <none>\n"
        );
        assert_eq!(render(&columns, &objects[..1], true).unwrap(), "web   a:1,b:2   <none>\n");
        let file = from_file("NAME   LABELS\n.metadata.name  {.metadata.labels}\n").unwrap();
        let labelled = json!({"metadata": {"name": "x", "labels": {"app": "x", "tier": "web"}}});
        assert_eq!(render(&file, &[labelled], true).unwrap(), "x     map[app:x tier:web]\n");
        assert_eq!(
            from_spec("NAME").unwrap_err(),
            "unexpected custom-columns spec: NAME, expected <header>:<json-path-expr>"
        );
        assert_eq!(
            from_file("A B\n.a\n").unwrap_err(),
            "number of headers (2) and field specifications (1) don't match"
        );
    }
}
