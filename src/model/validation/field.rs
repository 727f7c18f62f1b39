//! Field paths and field errors, rendered exactly as Kubernetes' apimachinery renders them.

use std::fmt;

/// A path into an object, printed the Kubernetes way: `spec.template.spec.containers[0].name`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldPath(String);

impl FieldPath {
    pub fn new(root: &str) -> Self {
        FieldPath(root.to_string())
    }

    /// A named child: `spec` → `spec.replicas`.
    pub fn child(&self, name: &str) -> Self {
        if self.0.is_empty() { FieldPath(name.to_string()) } else { FieldPath(format!("{}.{name}", self.0)) }
    }

    /// A list element: `containers` → `containers[0]`.
    pub fn index(&self, i: usize) -> Self {
        FieldPath(format!("{}[{i}]", self.0))
    }

    /// A map entry: `labels` → `labels[app]`.
    pub fn key(&self, k: &str) -> Self {
        FieldPath(format!("{}[{k}]", self.0))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The kinds of field error apimachinery knows, with their printed names and Status cause reasons.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorType {
    NotFound,
    Required,
    Duplicate,
    Invalid,
    NotSupported,
    Forbidden,
    TooLong,
    TooMany,
    Internal,
}

impl ErrorType {
    fn describe(self) -> &'static str {
        match self {
            ErrorType::NotFound => "Not found",
            ErrorType::Required => "Required value",
            ErrorType::Duplicate => "Duplicate value",
            ErrorType::Invalid => "Invalid value",
            ErrorType::NotSupported => "Unsupported value",
            ErrorType::Forbidden => "Forbidden",
            ErrorType::TooLong => "Too long",
            ErrorType::TooMany => "Too many",
            ErrorType::Internal => "Internal error",
        }
    }

    /// The `reason` of a `StatusCause` carrying this error.
    pub fn cause_reason(self) -> &'static str {
        match self {
            ErrorType::NotFound => "FieldValueNotFound",
            ErrorType::Required => "FieldValueRequired",
            ErrorType::Duplicate => "FieldValueDuplicate",
            ErrorType::Invalid => "FieldValueInvalid",
            ErrorType::NotSupported => "FieldValueNotSupported",
            ErrorType::Forbidden => "FieldValueForbidden",
            ErrorType::TooLong => "FieldValueTooLong",
            ErrorType::TooMany => "FieldValueTooMany",
            ErrorType::Internal => "InternalError",
        }
    }
}

/// A value as apimachinery prints it inside an error: strings quoted, numbers bare.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BadValue {
    Int(i64),
    Str(String),
    /// Printed verbatim, e.g. a Go map literal.
    Raw(String),
}

impl fmt::Display for BadValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BadValue::Int(i) => write!(f, "{i}"),
            BadValue::Str(s) => f.write_str(&go_quote(s)),
            BadValue::Raw(s) => f.write_str(s),
        }
    }
}

impl From<i32> for BadValue {
    fn from(v: i32) -> Self {
        BadValue::Int(v.into())
    }
}

impl From<i64> for BadValue {
    fn from(v: i64) -> Self {
        BadValue::Int(v)
    }
}

impl From<&str> for BadValue {
    fn from(v: &str) -> Self {
        BadValue::Str(v.to_string())
    }
}

impl From<String> for BadValue {
    fn from(v: String) -> Self {
        BadValue::Str(v)
    }
}

/// One validation failure at one field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub error_type: ErrorType,
    pub field: String,
    pub value: Option<BadValue>,
    pub detail: String,
}

impl FieldError {
    fn new(error_type: ErrorType, field: &FieldPath, value: Option<BadValue>, detail: &str) -> Self {
        FieldError { error_type, field: field.to_string(), value, detail: detail.to_string() }
    }

    pub fn required(field: &FieldPath, detail: &str) -> Self {
        Self::new(ErrorType::Required, field, None, detail)
    }

    pub fn invalid(field: &FieldPath, value: impl Into<BadValue>, detail: &str) -> Self {
        Self::new(ErrorType::Invalid, field, Some(value.into()), detail)
    }

    pub fn forbidden(field: &FieldPath, detail: &str) -> Self {
        Self::new(ErrorType::Forbidden, field, None, detail)
    }

    pub fn duplicate(field: &FieldPath, value: impl Into<BadValue>) -> Self {
        Self::new(ErrorType::Duplicate, field, Some(value.into()), "")
    }

    pub fn not_found(field: &FieldPath, value: impl Into<BadValue>) -> Self {
        Self::new(ErrorType::NotFound, field, Some(value.into()), "")
    }

    pub fn too_long(field: &FieldPath, value: impl Into<BadValue>, max: usize) -> Self {
        Self::new(ErrorType::TooLong, field, Some(value.into()), &format!("may not be more than {max} bytes"))
    }

    /// `Unsupported value: "Never": supported values: "Always"`.
    pub fn not_supported(field: &FieldPath, value: impl Into<BadValue>, supported: &[&str]) -> Self {
        let list: Vec<String> = supported.iter().map(|s| go_quote(s)).collect();
        let detail = if list.is_empty() { String::new() } else { format!("supported values: {}", list.join(", ")) };
        Self::new(ErrorType::NotSupported, field, Some(value.into()), &detail)
    }

    /// The message without the field, as it appears in a Status cause.
    pub fn body(&self) -> String {
        let mut s = self.error_type.describe().to_string();
        match self.error_type {
            ErrorType::Required | ErrorType::Forbidden | ErrorType::TooLong | ErrorType::Internal => {}
            _ => {
                if let Some(v) = &self.value {
                    s = format!("{s}: {v}");
                }
            }
        }
        if !self.detail.is_empty() {
            s = format!("{s}: {}", self.detail);
        }
        s
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.body())
    }
}

/// Go's `%q` for a string.
pub fn go_quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_ascii_control() => out.push_str(&hex_escape("x", 2, c)),
            c if c.is_control() => out.push_str(&hex_escape("u", 4, c)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `\x01` / `\u0085`: a backslash, `marker`, and the code point in `width` hex digits.
fn hex_escape(marker: &str, width: usize, c: char) -> String {
    format!("\\{marker}{:0width$x}", u32::from(c))
}

/// Go's `%#v` for a `[]string` (`[]string(nil)` when empty, as the values slice then is).
pub fn go_string_slice(values: &[String]) -> String {
    if values.is_empty() {
        return "[]string(nil)".to_string();
    }
    let quoted: Vec<String> = values.iter().map(|v| go_quote(v)).collect();
    format!("[]string{{{}}}", quoted.join(", "))
}

/// The errors of one object; empty means valid.
pub type ErrorList = Vec<FieldError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_quoting() {
        assert_eq!(go_quote("a\"b\\c\n\u{1}"), "\"a\\\"b\\\\c\\n\\x01\"");
        assert_eq!(go_quote("é"), "\"é\"");
        assert_eq!(go_quote("\u{85}"), "\"\\u0085\"");
    }

    #[test]
    fn renders_like_apimachinery() {
        let p = FieldPath::new("spec").child("strategy").child("rollingUpdate").child("maxUnavailable");
        let e = FieldError::invalid(&p, 0, "may not be 0 when `maxSurge` is 0");
        assert_eq!(
            e.to_string(),
            "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0"
        );
        let p = FieldPath::new("spec").child("template").child("spec").child("restartPolicy");
        assert_eq!(
            FieldError::not_supported(&p, "Never", &["Always"]).to_string(),
            "spec.template.spec.restartPolicy: Unsupported value: \"Never\": supported values: \"Always\""
        );
        let p = FieldPath::new("spec").child("containers").index(1).child("name");
        assert_eq!(FieldError::duplicate(&p, "web").to_string(), "spec.containers[1].name: Duplicate value: \"web\"");
        assert_eq!(
            FieldError::required(&FieldPath::new("spec").child("selector"), "").to_string(),
            "spec.selector: Required value"
        );
    }
}
