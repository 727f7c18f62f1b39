//! One message's wire fields into a JSON object, driven by the schema table: a field's label
//! decides what a zero and a repetition mean, its type (see `leaves`) the JSON form of a value.
//! Fields the schema does not know are skipped, as protobuf readers do.

use super::leaves;
use super::schema::{Field, Label, Message, Type};
use super::{FieldError, Segment};
use crate::protobuf::{self, Value as Wire};
use serde_json::{Map, Value};

/// The JSON object `bytes` encodes as a `message`.
pub(super) fn object(message: Message, bytes: &[u8]) -> Result<Map<String, Value>, FieldError> {
    let mut out = Map::new();
    for wire in protobuf::fields(bytes) {
        let (number, wire) = wire.map_err(|e| FieldError::here(e.into()))?;
        let Some(field) = message.field(number) else { continue };
        add(&mut out, field, wire).map_err(|e| e.within(Segment::Field(field.name)))?;
    }
    Ok(out)
}

fn add(out: &mut Map<String, Value>, field: &Field, wire: Wire<'_>) -> Result<(), FieldError> {
    match field.label {
        Label::Pointer => {
            out.insert(field.name.into(), value(field.ty, wire)?);
        }
        // A later occurrence replaces an earlier one, and a zero one unsets it.
        Label::Value => {
            let v = value(field.ty, wire)?;
            if leaves::is_zero_scalar(field.ty, &v) {
                out.remove(field.name);
            } else {
                out.insert(field.name.into(), v);
            }
        }
        Label::Repeated => {
            let list = out.entry(field.name).or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(items) = list {
                append(items, field.ty, wire)?;
            }
        }
        Label::Map => {
            let (key, v) = map_entry(field.ty, wire)?;
            let map = out.entry(field.name).or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(entries) = map {
                entries.insert(key, v);
            }
        }
    }
    Ok(())
}

fn value(ty: Type, wire: Wire<'_>) -> Result<Value, FieldError> {
    match (ty, wire) {
        (Type::Message(index), Wire::Bytes(b)) => Ok(Value::Object(object(Message::at(index), b)?)),
        _ => leaves::decode(ty, wire).map_err(FieldError::here),
    }
}

/// One element, or a packed run of varints, appended to a repeated field.
fn append(items: &mut Vec<Value>, ty: Type, wire: Wire<'_>) -> Result<(), FieldError> {
    let at = |i: usize, e: FieldError| e.within(Segment::Index(i));
    match wire {
        Wire::Bytes(packed) if leaves::is_varint(ty) => {
            for v in protobuf::varints(packed) {
                let v = v.map_err(|e| at(items.len(), FieldError::here(e.into())))?;
                items.push(value(ty, Wire::Varint(v)).map_err(|e| at(items.len(), e))?);
            }
        }
        wire => items.push(value(ty, wire).map_err(|e| at(items.len(), e))?),
    }
    Ok(())
}

/// A map entry `{1: key, 2: value}`; Go reads a missing part as its zero value.
fn map_entry(ty: Type, wire: Wire<'_>) -> Result<(String, Value), FieldError> {
    let entry = leaves::payload(Some(wire)).map_err(FieldError::here)?;
    let (mut key, mut v) = (String::new(), None);
    for part in protobuf::fields(entry) {
        match part.map_err(|e| FieldError::here(e.into()))? {
            (1, wire) => key = leaves::text(Some(wire)).map_err(FieldError::here)?,
            (2, wire) => v = Some(wire),
            _ => {}
        }
    }
    let v = match v {
        Some(wire) => value(ty, wire).map_err(|e| e.within(Segment::Key(key.clone())))?,
        None => leaves::zero(ty),
    };
    Ok((key, v))
}
