//! Manifests: multi-document YAML (or JSON) turned into JSON objects, as kubectl reads them.
//! Empty and comment-only documents are skipped; `kind: List` is flattened into its items.
//! File modes written the YAML 1.1 way kubectl reads them (`defaultMode: 0400`) are octal.

use serde::Deserialize;
use serde_json::Value;

/// The objects in `text`, in order; the error says where the YAML is malformed.
pub fn parse(text: &str) -> Result<Vec<Value>, String> {
    let mut out = Vec::new();
    for doc in serde_yaml::Deserializer::from_str(text) {
        let yaml = serde_yaml::Value::deserialize(doc).map_err(|e| e.to_string())?;
        if yaml.is_null() {
            continue;
        }
        let mut json = serde_json::to_value(&yaml).map_err(|e| format!("error converting YAML to JSON: {e}"))?;
        octal_modes(&mut json);
        if !json.is_object() {
            return Err(format!("error converting YAML to JSON: a document must be an object, got {json}"));
        }
        match json.get("kind").and_then(Value::as_str) {
            Some("List") => out.extend(json["items"].as_array().cloned().unwrap_or_default()),
            _ => out.push(json),
        }
    }
    Ok(out)
}

/// `defaultMode: 0440` and `mode: 0600` are YAML 1.1 octal numbers to kubectl (the parser here
/// reads YAML 1.2, which leaves them strings): the volume file modes become their values.
fn octal_modes(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for (k, field) in map.iter_mut() {
                let octal = field.as_str().filter(|s| s.len() > 1 && s.starts_with('0'));
                match octal.and_then(|s| i64::from_str_radix(&s[1..], 8).ok()) {
                    Some(n) if k == "defaultMode" || k == "mode" => *field = Value::from(n),
                    _ => octal_modes(field),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(octal_modes),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_documents_and_skips_empty_ones() {
        let docs = parse("# comment only\n---\napiVersion: v1\nkind: Service\nmetadata: {name: a}\n---\n---\nkind: List\nitems:\n- {kind: Pod}\n").unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0]["metadata"]["name"], "a");
        assert_eq!(docs[1]["kind"], "Pod");
        assert!(parse("a: b: c").is_err());
        assert!(parse("- just\n- a list\n").is_err());
        // YAML 1.2 scalars: "on" stays a string, as kubectl's decoder leaves it.
        assert_eq!(parse("kind: X\nv: on\n").unwrap()[0]["v"], "on");
        let modes =
            parse("kind: X\nsecret: {defaultMode: 0400, items: [{mode: 0644}, {mode: 420}]}\nenv: 0400\n").unwrap();
        assert_eq!(modes[0]["secret"]["defaultMode"], 256);
        assert_eq!(modes[0]["secret"]["items"], serde_json::json!([{"mode": 420}, {"mode": 420}]));
        assert_eq!(modes[0]["env"], "0400", "only modes");
    }
}
