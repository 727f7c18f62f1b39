//! Printing objects the way kubectl prints them: `-o yaml|json|name|jsonpath=…|
//! jsonpath-file=…|jsonpath-as-json=…|custom-columns=…|custom-columns-file=…` (tables are
//! `get`'s). Several objects print as one `kind: List`.

use super::client::{CliError, Result};
use super::resource::qualified;
use crate::model::Kind;
use crate::printers::custom_columns::{self, Column};
use crate::printers::jsonpath::Template;
use serde::Serialize;
use serde_json::{Value, json};

/// What `-o` asked for.
#[derive(Debug)]
pub enum Format {
    /// The server's Table; `wide` adds the priority columns.
    Table {
        wide: bool,
    },
    Yaml,
    Json,
    Name,
    JsonPath {
        source: String,
        template: Template,
        as_json: bool,
    },
    Columns(Vec<Column>),
}

const ALLOWED: &str = "custom-columns,custom-columns-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,wide,yaml";

impl Format {
    /// Parses `-o`; `None` is the default table.
    pub fn parse(output: Option<&str>) -> Result<Format> {
        let Some(output) = output else { return Ok(Format::Table { wide: false }) };
        let (name, argument) = output.split_once('=').map_or((output, None), |(n, a)| (n, Some(a)));
        let read = |path: &str| {
            std::fs::read_to_string(path).map_err(|e| CliError::msg(format!("error reading --template {path}, {e}")))
        };
        let template = |source: String, as_json: bool| {
            if source.is_empty() {
                return Err(CliError::msg("template format specified but no template given"));
            }
            let template =
                Template::parse(&source).map_err(|e| CliError::msg(format!("error parsing jsonpath {source}, {e}")))?;
            Ok(Format::JsonPath { source, template, as_json })
        };
        match (name, argument) {
            ("wide", None) => Ok(Format::Table { wide: true }),
            ("yaml", None) => Ok(Format::Yaml),
            ("json", None) => Ok(Format::Json),
            ("name", None) => Ok(Format::Name),
            ("jsonpath", a) => template(a.unwrap_or_default().to_string(), false),
            ("jsonpath-as-json", a) => template(a.unwrap_or_default().to_string(), true),
            ("jsonpath-file", Some(path)) => template(read(path)?, false),
            ("custom-columns", a) => {
                custom_columns::from_spec(a.unwrap_or_default()).map(Format::Columns).map_err(CliError::msg)
            }
            ("custom-columns-file", Some(path)) => {
                custom_columns::from_file(&read(path)?).map(Format::Columns).map_err(CliError::msg)
            }
            _ => Err(CliError::msg(format!(
                "unable to match a printer suitable for the output format {output:?}, allowed formats are: {ALLOWED}"
            ))),
        }
    }

    pub fn is_table(&self) -> bool {
        matches!(self, Format::Table { .. })
    }
}

/// Prints `items` in `format` (not a table); `single` prints one object rather than a List.
pub fn print_objects(format: &Format, items: Vec<(Kind, Value)>, single: bool, no_headers: bool) -> Result<String> {
    if let Format::Name = format {
        return Ok(items.iter().map(|(kind, obj)| format!("{}\n", name(*kind, obj))).collect());
    }
    if let Format::Columns(columns) = format {
        let objects: Vec<Value> = items.into_iter().map(|(_, v)| v).collect();
        return custom_columns::render(columns, &objects, no_headers).map_err(CliError::msg);
    }
    let mut objects: Vec<Value> = items.into_iter().map(|(_, v)| v).collect();
    let value = if single && objects.len() == 1 { objects.remove(0) } else { list(objects) };
    match format {
        Format::Json => Ok(format!("{}\n", json(&value))),
        Format::JsonPath { source, template, as_json } => jsonpath(source, template, *as_json, &value),
        _ => yaml(&value),
    }
}

fn jsonpath(source: &str, template: &Template, as_json: bool, value: &Value) -> Result<String> {
    let failed = |e: crate::printers::jsonpath::JsonPathError| {
        CliError::msg(format!(
            "error executing jsonpath {source:?}: Error executing template: {e}. Printing more information for debugging the template:\n\ttemplate was:\n\t\t{source}\n\tobject given to jsonpath engine was:\n\t\t{value}\n\n"
        ))
    };
    if as_json {
        return Ok(format!("{}\n", json(&Value::Array(template.results(value).map_err(failed)?))));
    }
    template.execute(value).map_err(failed)
}

/// A `kind: List` around `items`, as kubectl prints several objects.
pub fn list(items: Vec<Value>) -> Value {
    json!({"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}})
}

pub fn yaml(v: &Value) -> Result<String> {
    serde_yaml::to_string(v).map_err(|e| CliError::msg(e.to_string()))
}

/// JSON indented by four spaces, like kubectl.
pub fn json(v: &Value) -> String {
    let mut out = Vec::new();
    let mut ser =
        serde_json::Serializer::with_formatter(&mut out, serde_json::ser::PrettyFormatter::with_indent(b"    "));
    let _ = v.serialize(&mut ser);
    String::from_utf8_lossy(&out).into_owned()
}

/// `deployment.apps/web`.
pub fn name(kind: Kind, obj: &Value) -> String {
    format!("{}/{}", qualified(kind), obj["metadata"]["name"].as_str().unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items() -> Vec<(Kind, Value)> {
        vec![
            (Kind::Deployment, json!({"metadata": {"name": "web"}, "spec": {"replicas": 2}})),
            (Kind::Deployment, json!({"metadata": {"name": "api"}, "spec": {"replicas": 1}})),
        ]
    }

    fn print(output: &str, single: bool) -> String {
        let format = Format::parse(Some(output)).unwrap();
        let items = if single { items()[..1].to_vec() } else { items() };
        print_objects(&format, items, single, false).unwrap()
    }

    #[test]
    fn formats() {
        assert_eq!(print("jsonpath={.items[*].metadata.name}", false), "web api");
        assert_eq!(print("jsonpath={.metadata.name}", true), "web");
        assert_eq!(
            print(r#"jsonpath={range .items[*]}{.metadata.name}{"\t"}{.spec.replicas}{"\n"}{end}"#, false),
            "web\t2\napi\t1\n"
        );
        assert_eq!(print("jsonpath-as-json={.items[*].spec.replicas}", false), "[\n    2,\n    1\n]\n");
        assert_eq!(
            print("custom-columns=NAME:.metadata.name,REPLICAS:spec.replicas", false),
            "NAME   REPLICAS\nweb    2\napi    1\n"
        );
        assert_eq!(print("name", false), "deployment.apps/web\ndeployment.apps/api\n");
        assert_eq!(
            Format::parse(Some("jsonpath=")).unwrap_err().to_string(),
            "error: template format specified but no template given"
        );
        assert_eq!(
            Format::parse(Some("jsonpath={.a")).unwrap_err().to_string(),
            "error: error parsing jsonpath {.a, unclosed action"
        );
        assert!(Format::parse(Some("table")).unwrap_err().to_string().starts_with("error: unable to match a printer"));
        assert!(matches!(Format::parse(Some("wide")).unwrap(), Format::Table { wide: true }));
    }
}
