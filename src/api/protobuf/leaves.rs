//! The JSON forms of single values: protobuf scalars, and Kubernetes' special types (Time,
//! MicroTime, IntOrString, Quantity, raw JSON) as their Go `MarshalJSON` writes them.

use super::Problem;
use super::schema::Type;
use crate::protobuf::{self, Value as Wire};
use k8s_openapi::ByteString;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, Time};
use serde_json::Value;

/// `time.Time{}` as Unix seconds: what Go writes for a zero `metav1.Time`, which reads back as
/// unset (JSON `null`), like an empty message.
const GO_ZERO_TIME: i64 = -62_135_596_800;

/// A scalar or special value; `Type::Message` is the caller's (it recurses).
pub(super) fn decode(ty: Type, wire: Wire<'_>) -> Result<Value, Problem> {
    Ok(match (ty, wire) {
        (Type::Bool, Wire::Varint(v)) => Value::Bool(v != 0),
        // Protobuf's int32 is the low 32 bits of the varint (negatives are sign-extended to 10 bytes).
        (Type::Int32, Wire::Varint(v)) => Value::from(v as i32),
        (Type::Int64, Wire::Varint(v)) => Value::from(v as i64),
        (Type::String, wire @ Wire::Bytes(_)) => Value::String(text(Some(wire))?),
        (Type::Bytes, Wire::Bytes(b)) => base64(b),
        (Type::Time, Wire::Bytes(b)) => time(b, false)?,
        (Type::MicroTime, Wire::Bytes(b)) => time(b, true)?,
        (Type::IntOrString, Wire::Bytes(b)) => int_or_string(b)?,
        (Type::Quantity, Wire::Bytes(b)) => quantity(b)?,
        (Type::RawJson, Wire::Bytes(b)) => raw_json(b)?,
        (ty, wire) => return Err(Problem::WireType { found: wire_name(wire), expected: expected_wire(ty) }),
    })
}

/// Whether `ty` travels as varints, and so may come packed in a repeated field.
pub(super) fn is_varint(ty: Type) -> bool {
    matches!(ty, Type::Bool | Type::Int32 | Type::Int64)
}

/// The value Go's zero value of `ty` marshals to (a map entry without its value).
pub(super) fn zero(ty: Type) -> Value {
    match ty {
        Type::Bool => Value::Bool(false),
        Type::Int32 | Type::Int64 | Type::IntOrString => Value::from(0),
        Type::String | Type::Bytes => Value::String(String::new()),
        Type::Message(_) => Value::Object(serde_json::Map::new()),
        Type::Time | Type::MicroTime | Type::RawJson => Value::Null,
        Type::Quantity => Value::String("0".into()),
    }
}

/// Whether `value` is the zero value of scalar `ty`, which a Go value field cannot tell from unset.
pub(super) fn is_zero_scalar(ty: Type, value: &Value) -> bool {
    matches!(ty, Type::Bool | Type::Int32 | Type::Int64 | Type::String | Type::Bytes)
        && (value == &Value::Bool(false) || value == &Value::from(0) || value == "")
}

fn base64(bytes: &[u8]) -> Value {
    serde_json::to_value(ByteString(bytes.to_vec())).unwrap_or_default()
}

/// `{1: seconds, 2: nanos}` as RFC 3339 in UTC: whole seconds, or microseconds for MicroTime.
fn time(bytes: &[u8], micro: bool) -> Result<Value, Problem> {
    let [seconds, nanos, _] = parts(bytes)?;
    let (seconds, nanos) = (varint(seconds)? as i64, varint(nanos)? as i32);
    if bytes.is_empty() || (seconds, nanos) == (GO_ZERO_TIME, 0) {
        return Ok(Value::Null);
    }
    let out_of_range = || Problem::Time { seconds, nanos };
    let ts = jiff::Timestamp::new(seconds, nanos).map_err(|_| out_of_range())?;
    let json = if micro { serde_json::to_value(MicroTime(ts)) } else { serde_json::to_value(Time(ts)) };
    json.map_err(|_| out_of_range())
}

/// `{1: type, 2: intVal, 3: strVal}`: type 0 is the number, 1 the string.
fn int_or_string(bytes: &[u8]) -> Result<Value, Problem> {
    let [ty, int_val, str_val] = parts(bytes)?;
    match varint(ty)? {
        0 => Ok(Value::from(varint(int_val)? as i32)),
        1 => Ok(Value::String(text(str_val)?)),
        other => Err(Problem::IntOrStringType(other)),
    }
}

/// `{1: string}`; Go reads a Quantity without one as zero.
fn quantity(bytes: &[u8]) -> Result<Value, Problem> {
    let [s, _, _] = parts(bytes)?;
    Ok(match s {
        None => zero(Type::Quantity),
        Some(_) => Value::String(text(s)?),
    })
}

/// `{1: raw}` holding JSON; empty is `null`, as Go marshals a RawExtension without one.
fn raw_json(bytes: &[u8]) -> Result<Value, Problem> {
    let [raw, _, _] = parts(bytes)?;
    let raw = payload(raw)?;
    if raw.is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_slice(raw).map_err(Problem::RawJson)
}

/// The last occurrence of fields 1, 2 and 3 of a small message (later ones win, as in protobuf).
fn parts(bytes: &[u8]) -> Result<[Option<Wire<'_>>; 3], Problem> {
    let mut parts = [None; 3];
    for field in protobuf::fields(bytes) {
        let (number, value) = field?;
        if let Some(slot) = number.checked_sub(1).and_then(|i| parts.get_mut(usize::try_from(i).ok()?)) {
            *slot = Some(value);
        }
    }
    Ok(parts)
}

fn varint(part: Option<Wire<'_>>) -> Result<u64, Problem> {
    match part {
        None => Ok(0),
        Some(Wire::Varint(v)) => Ok(v),
        Some(wire) => Err(Problem::WireType { found: wire_name(wire), expected: "varint" }),
    }
}

/// A length-delimited part's bytes (none when absent).
pub(super) fn payload(part: Option<Wire<'_>>) -> Result<&[u8], Problem> {
    match part {
        None => Ok(&[]),
        Some(Wire::Bytes(b)) => Ok(b),
        Some(wire) => Err(Problem::WireType { found: wire_name(wire), expected: "length-delimited" }),
    }
}

/// A length-delimited part as a UTF-8 string (empty when absent).
pub(super) fn text(part: Option<Wire<'_>>) -> Result<String, Problem> {
    String::from_utf8(payload(part)?.to_vec()).map_err(|_| Problem::Utf8)
}

fn wire_name(wire: Wire<'_>) -> &'static str {
    match wire {
        Wire::Varint(_) => "varint",
        Wire::Fixed64(_) => "fixed64",
        Wire::Bytes(_) => "length-delimited",
        Wire::Fixed32(_) => "fixed32",
    }
}

fn expected_wire(ty: Type) -> &'static str {
    if is_varint(ty) { "varint" } else { "length-delimited" }
}
