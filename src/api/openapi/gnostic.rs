//! Swagger 2.0 JSON to the gnostic `openapi.v2.Document` protobuf that kubectl 1.27 and 1.28 ask
//! `/openapi/v2` for (`github.com/google/gnostic-models/openapiv2/OpenAPIv2.proto`). Encodes the
//! fields skiff's documents use: info, paths with their operations' query parameters and
//! extensions, and definitions. Vendor extensions travel as YAML, as gnostic carries them.

use crate::protobuf;
use serde_json::Value;

/// One protobuf message being written.
#[derive(Default)]
struct Message(Vec<u8>);

impl Message {
    /// A length-delimited field (strings, bytes, messages).
    fn bytes(&mut self, number: u64, bytes: &[u8]) {
        protobuf::bytes_field(&mut self.0, number, bytes);
    }

    fn message(&mut self, number: u64, m: Message) {
        self.bytes(number, &m.0);
    }

    /// A string field taken from JSON; absent or non-string values write nothing.
    fn string(&mut self, number: u64, v: &Value) {
        if let Some(s) = v.as_str() {
            self.bytes(number, s.as_bytes());
        }
    }

    fn boolean(&mut self, number: u64, v: bool) {
        protobuf::varint_field(&mut self.0, number, u64::from(v));
    }
}

/// Encodes a Swagger 2.0 document.
pub fn document(doc: &Value) -> Vec<u8> {
    let mut out = Message::default();
    out.string(1, &doc["swagger"]);
    let mut info = Message::default();
    info.string(1, &doc["info"]["title"]);
    info.string(2, &doc["info"]["version"]);
    out.message(2, info);
    let mut paths = Message::default();
    for (name, item) in doc["paths"].as_object().into_iter().flatten() {
        paths.message(2, named(name, path_item(item)));
    }
    out.message(8, paths);
    let mut definitions = Message::default();
    for (name, s) in doc["definitions"].as_object().into_iter().flatten() {
        definitions.message(1, named(name, schema(s)));
    }
    out.message(9, definitions);
    out.0
}

/// The `Named*` messages: name 1, value 2.
fn named(name: &str, value: Message) -> Message {
    let mut m = Message::default();
    m.bytes(1, name.as_bytes());
    m.message(2, value);
    m
}

fn path_item(item: &Value) -> Message {
    let mut m = Message::default();
    for (method, number) in [("get", 2), ("put", 3), ("post", 4), ("delete", 5), ("patch", 8)] {
        if let Some(op) = item.get(method) {
            m.message(number, operation(op));
        }
    }
    m
}

fn operation(op: &Value) -> Message {
    let mut m = Message::default();
    m.string(5, &op["operationId"]);
    for p in op["parameters"].as_array().into_iter().flatten().filter(|p| p["in"] == "query") {
        let mut query = Message::default();
        query.string(2, &p["in"]);
        query.string(4, &p["name"]);
        query.string(6, &p["type"]);
        if p["uniqueItems"] == true {
            query.boolean(20, true);
        }
        let mut non_body = Message::default();
        non_body.message(3, query);
        let mut parameter = Message::default();
        parameter.message(2, non_body);
        let mut item = Message::default();
        item.message(1, parameter);
        m.message(8, item);
    }
    extensions(&mut m, 13, op);
    m
}

/// Every `x-` key of `object` as a `NamedAny` whose `Any` holds YAML.
fn extensions(m: &mut Message, number: u64, object: &Value) {
    for (key, value) in object.as_object().into_iter().flatten().filter(|(k, _)| k.starts_with("x-")) {
        let mut any = Message::default();
        any.bytes(2, serde_yaml::to_string(value).unwrap_or_default().as_bytes());
        m.message(number, named(key, any));
    }
}

fn schema(s: &Value) -> Message {
    let mut m = Message::default();
    let Some(map) = s.as_object() else { return m };
    for (key, value) in map {
        match key.as_str() {
            "$ref" => m.string(1, value),
            "format" => m.string(2, value),
            "description" => m.string(4, value),
            "required" => value.as_array().into_iter().flatten().for_each(|r| m.string(19, r)),
            "additionalProperties" => {
                let mut item = Message::default();
                match value.as_bool() {
                    Some(b) => item.boolean(2, b),
                    None => item.message(1, schema(value)),
                }
                m.message(21, item);
            }
            "type" => {
                let mut types = Message::default();
                types.string(1, value);
                m.message(22, types);
            }
            "items" => {
                let mut items = Message::default();
                items.message(1, schema(value));
                m.message(23, items);
            }
            "allOf" => value.as_array().into_iter().flatten().for_each(|v| m.message(24, schema(v))),
            "properties" => {
                let mut properties = Message::default();
                for (name, v) in value.as_object().into_iter().flatten() {
                    properties.message(1, named(name, schema(v)));
                }
                m.message(25, properties);
            }
            x if x.starts_with("x-") => {}
            other => debug_assert!(false, "schema keyword {other:?} has no gnostic encoding here"),
        }
    }
    extensions(&mut m, 31, s);
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn encodes_fields_with_gnostic_numbers() {
        let doc = json!({
            "swagger": "2.0",
            "info": {"title": "Kubernetes", "version": "v1"},
            "paths": {},
            "definitions": {"T": {"type": "object", "required": ["a"], "x-k": "v"}},
        });
        let bytes = document(&doc);
        assert_eq!(&bytes[..5], &[0x0a, 3, b'2', b'.', b'0'], "field 1 = \"2.0\"");
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("Kubernetes") && text.contains("object"));
        // definitions (9) > NamedSchema (1) > name "T"
        let t = bytes.windows(3).position(|w| w == [0x0a, 1, b'T']).unwrap();
        assert_eq!(bytes[t - 2], 0x0a, "NamedSchema is field 1 of Definitions");
        assert!(text.contains("x-k") && text.contains("v\n"), "extensions carry YAML");
    }

    #[test]
    fn booleans_are_varints() {
        let mut m = Message::default();
        m.boolean(20, true);
        assert_eq!(m.0, [0xa0, 0x01, 0x01]);
    }
}
