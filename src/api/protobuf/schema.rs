//! The shape of the generated schema table (`schema/table.rs`, made by
//! `tools/protobuf_schema.py` from kubectl's embedded descriptors) and lookups in it.

mod table;

use table::{KINDS, MESSAGES};

/// How a field's Go counterpart holds it, which decides what a zero on the wire means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Label {
    /// A Go value field: always on the wire, so its zero value means "unset" (`omitempty`).
    Value,
    /// A Go pointer field: on the wire only when set, so a zero is an explicit value.
    Pointer,
    Repeated,
    /// `map<string, T>`, on the wire as repeated entries {1: key, 2: value}.
    Map,
}

/// A field's value type (a map's value type for maps).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Type {
    Bool,
    Int32,
    Int64,
    String,
    /// Base64 in JSON.
    Bytes,
    /// An index into the table's messages.
    Message(u16),
    /// `metav1.Time`: {seconds, nanos} as an RFC 3339 string in whole seconds.
    Time,
    /// `metav1.MicroTime`: as `Time`, with microseconds.
    MicroTime,
    /// `intstr.IntOrString`: {type, intVal, strVal} as a number or a string.
    IntOrString,
    /// `resource.Quantity`: {string} as that string.
    Quantity,
    /// `runtime.RawExtension` and `metav1.FieldsV1`: {raw} holding JSON, embedded as is.
    RawJson,
}

#[derive(Debug)]
pub struct Field {
    pub number: u32,
    /// The JSON name (generated.proto names fields after their JSON names).
    pub name: &'static str,
    pub label: Label,
    pub ty: Type,
}

/// The table's constructor, to keep the generated file short.
pub const fn field(number: u32, name: &'static str, label: Label, ty: Type) -> Field {
    Field { number, name, label, ty }
}

/// A top-level object the table can decode, named as a `runtime.Unknown`'s TypeMeta names it.
#[derive(Debug)]
pub struct Kind {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub message: u16,
}

/// A message's fields, sorted by number.
#[derive(Clone, Copy, Debug)]
pub struct Message(&'static [Field]);

impl Message {
    /// The message at `index` (an index the table itself holds).
    pub fn at(index: u16) -> Message {
        Message(MESSAGES[usize::from(index)])
    }

    /// The top-level message for an object of `kind` in `api_version`.
    pub fn of_kind(api_version: &str, kind: &str) -> Option<Message> {
        KINDS.iter().find(|k| k.api_version == api_version && k.kind == kind).map(|k| Message::at(k.message))
    }

    /// The field numbered `number`; `None` for a field this schema does not know.
    pub fn field(self, number: u64) -> Option<&'static Field> {
        let i = self.0.binary_search_by_key(&number, |f| u64::from(f.number)).ok()?;
        Some(&self.0[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn children(m: &[Field]) -> impl Iterator<Item = u16> + '_ {
        m.iter().filter_map(|f| match f.ty {
            Type::Message(i) => Some(i),
            _ => None,
        })
    }

    /// Message indexes are in range, fields sorted by number, and no message contains itself,
    /// so decoding recursion is bounded by the schema's depth.
    #[test]
    fn table_is_well_formed_and_acyclic() {
        fn depth(i: u16, stack: &mut Vec<u16>) -> usize {
            assert!(!stack.contains(&i), "cycle through message {i}: {stack:?}");
            stack.push(i);
            let d = 1 + children(MESSAGES[usize::from(i)]).map(|c| depth(c, stack)).max().unwrap_or(0);
            stack.pop();
            d
        }
        for fields in MESSAGES {
            assert!(fields.windows(2).all(|w| w[0].number < w[1].number));
            assert!(children(fields).all(|i| usize::from(i) < MESSAGES.len()));
        }
        let deepest = KINDS.iter().map(|k| depth(k.message, &mut Vec::new())).max().unwrap();
        assert!(deepest < 20, "{deepest}");
    }

    #[test]
    fn looks_up_kinds_and_fields() {
        let deployment = Message::of_kind("apps/v1", "Deployment").unwrap();
        let spec = deployment.field(2).unwrap();
        assert_eq!((spec.name, spec.label), ("spec", Label::Value));
        let Type::Message(spec) = spec.ty else { panic!("{spec:?}") };
        let replicas = Message::at(spec).field(1).unwrap();
        assert_eq!((replicas.name, replicas.label, replicas.ty), ("replicas", Label::Pointer, Type::Int32));
        assert!(Message::at(spec).field(8).is_none(), "8 is not a DeploymentSpec field");
        assert!(Message::of_kind("v1", "Deployment").is_none());
        assert!(Message::of_kind("apps/v1", "DeleteOptions").is_some());
    }
}
