//! Kubernetes' protobuf encoding of request bodies (`application/vnd.kubernetes.protobuf`, what
//! kubectl 1.33's typed clients send) decoded into the JSON the rest of the API takes. The body
//! is `k8s\0` and a `runtime.Unknown` {1: typeMeta {1: apiVersion, 2: kind}, 2: raw, 3:
//! contentEncoding, 4: contentType}; `raw` is the object's message, read through the schema
//! table generated from upstream's descriptors. Pure: bytes in, JSON or a typed error out.

mod leaves;
mod message;
mod schema;
#[cfg(test)]
mod tests;

use crate::protobuf::{self, Malformed};
use schema::Message;
use serde_json::Value;
use std::fmt;

/// What every Kubernetes protobuf body starts with.
const MAGIC: &[u8] = b"k8s\x00";

/// The media type, and the only `contentType` an envelope may name besides none.
pub const MEDIA_TYPE: &str = "application/vnd.kubernetes.protobuf";

/// Why a body could not be decoded.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the body does not start with the Kubernetes protobuf prefix \"k8s\\x00\"")]
    Prefix,
    #[error("runtime.Unknown envelope: {0}")]
    Envelope(#[source] Problem),
    #[error("no kind {kind:?} is registered for version {api_version:?}")]
    UnknownKind { api_version: String, kind: String },
    #[error("unsupported envelope contentEncoding {0:?} (only none is)")]
    ContentEncoding(String),
    #[error("unsupported envelope contentType {0:?} (only {MEDIA_TYPE} is)")]
    ContentType(String),
    #[error(transparent)]
    Field(#[from] FieldError),
}

/// What is wrong with one value.
#[derive(Debug, thiserror::Error)]
pub enum Problem {
    #[error(transparent)]
    Malformed(#[from] Malformed),
    #[error("wire type {found} where {expected} was expected")]
    WireType { found: &'static str, expected: &'static str },
    #[error("string is not valid UTF-8")]
    Utf8,
    #[error("time {seconds}s {nanos}ns is out of range")]
    Time { seconds: i64, nanos: i32 },
    #[error("IntOrString type {0} is neither 0 (int) nor 1 (string)")]
    IntOrStringType(u64),
    #[error("raw value is not JSON: {0}")]
    RawJson(#[source] serde_json::Error),
}

/// A problem and the JSON path of the value it is in (`spec.template.spec.containers[0].name`).
#[derive(Debug)]
pub struct FieldError {
    /// Innermost segment first: errors gain their path on the way out.
    reversed_path: Vec<Segment>,
    problem: Problem,
}

#[derive(Debug)]
enum Segment {
    Field(&'static str),
    Index(usize),
    Key(String),
}

impl FieldError {
    fn here(problem: Problem) -> FieldError {
        FieldError { reversed_path: Vec::new(), problem }
    }

    fn within(mut self, segment: Segment) -> FieldError {
        self.reversed_path.push(segment);
        self
    }

    /// The path in Kubernetes' field path notation; empty for the object itself.
    pub fn path(&self) -> String {
        let mut path = String::new();
        for segment in self.reversed_path.iter().rev() {
            match segment {
                Segment::Field(name) if path.is_empty() => path.push_str(name),
                Segment::Field(name) => path.extend([".", name]),
                Segment::Index(i) => path.push_str(&format!("[{i}]")),
                Segment::Key(key) => path.push_str(&format!("[{key}]")),
            }
        }
        path
    }
}

impl std::error::Error for FieldError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.problem)
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.path() {
            path if path.is_empty() => write!(f, "{}", self.problem),
            path => write!(f, "{path}: {}", self.problem),
        }
    }
}

/// The JSON object a Kubernetes protobuf body encodes, `apiVersion` and `kind` included.
/// Zero values of Go value fields are left out, as Go's `omitempty` leaves them out of JSON.
pub fn decode(body: &[u8]) -> Result<Value, Error> {
    let unknown = body.strip_prefix(MAGIC).ok_or(Error::Prefix)?;
    let envelope = Envelope::parse(unknown).map_err(Error::Envelope)?;
    if !envelope.content_encoding.is_empty() {
        return Err(Error::ContentEncoding(envelope.content_encoding));
    }
    if !envelope.content_type.is_empty() && envelope.content_type != MEDIA_TYPE {
        return Err(Error::ContentType(envelope.content_type));
    }
    let Some(message) = Message::of_kind(&envelope.api_version, &envelope.kind) else {
        return Err(Error::UnknownKind { api_version: envelope.api_version, kind: envelope.kind });
    };
    let mut object = message::object(message, envelope.raw)?;
    object.insert("apiVersion".into(), Value::String(envelope.api_version));
    object.insert("kind".into(), Value::String(envelope.kind));
    Ok(Value::Object(object))
}

/// A `runtime.Unknown`, the envelope around every object.
#[derive(Default)]
struct Envelope<'a> {
    api_version: String,
    kind: String,
    raw: &'a [u8],
    content_encoding: String,
    content_type: String,
}

impl<'a> Envelope<'a> {
    fn parse(unknown: &'a [u8]) -> Result<Envelope<'a>, Problem> {
        let mut envelope = Envelope::default();
        for field in protobuf::fields(unknown) {
            match field? {
                (1, wire) => {
                    for type_meta in protobuf::fields(leaves::payload(Some(wire))?) {
                        match type_meta? {
                            (1, wire) => envelope.api_version = leaves::text(Some(wire))?,
                            (2, wire) => envelope.kind = leaves::text(Some(wire))?,
                            _ => {}
                        }
                    }
                }
                (2, wire) => envelope.raw = leaves::payload(Some(wire))?,
                (3, wire) => envelope.content_encoding = leaves::text(Some(wire))?,
                (4, wire) => envelope.content_type = leaves::text(Some(wire))?,
                _ => {}
            }
        }
        Ok(envelope)
    }
}
