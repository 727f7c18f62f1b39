//! Name, label and identifier syntax checks with apimachinery's exact messages
//! (`pkg/util/validation`, `pkg/api/validate/content`), plus ObjectMeta, label and
//! annotation validation built on them. No regex crate: every format is checked by hand.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::field::{ErrorList, FieldError, FieldPath};
use crate::model::intstr::is_valid_percent;

const DNS1123_LABEL_MAX: usize = 63;
const DNS1123_SUBDOMAIN_MAX: usize = 253;
const LABEL_MAX: usize = 63;
const PORT_NAME_MAX: usize = 15;
/// Total size of all annotation keys and values (apimachinery `TotalAnnotationSizeLimitB`).
const ANNOTATIONS_MAX_BYTES: usize = 256 * 1024;

const DNS1123_LABEL_FMT: &str = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const DNS1123_LABEL_MSG: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
const DNS1123_SUBDOMAIN_FMT: &str = "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
const DNS1123_SUBDOMAIN_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const DNS1035_LABEL_FMT: &str = "[a-z]([-a-z0-9]*[a-z0-9])?";
const DNS1035_LABEL_MSG: &str = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character";
const QUALIFIED_NAME_FMT: &str = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const QUALIFIED_NAME_MSG: &str =
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_FMT: &str = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";
const LABEL_VALUE_MSG: &str = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const PERCENT_FMT: &str = "[0-9]+%";
const PERCENT_MSG: &str = "a valid percent string must be a numeric string followed by an ending '%'";
const HTTP_HEADER_FMT: &str = "[-A-Za-z0-9]+";
const HTTP_HEADER_MSG: &str = "a valid HTTP header must consist of alphanumeric characters or '-'";
const CONFIG_MAP_KEY_FMT: &str = "[-._a-zA-Z0-9]+";
const CONFIG_MAP_KEY_MSG: &str = "a valid config key must consist of alphanumeric characters, '-', '_' or '.'";
const RELAXED_ENV_MSG: &str =
    "a valid environment variable name must consist only of printable ASCII characters other than '='";

/// apimachinery `RegexError`: `msg (e.g. 'a',  or 'b', regex used for validation is 'fmt')`.
/// The double space before `or` is really there upstream.
pub fn regex_error(msg: &str, fmt: &str, examples: &[&str]) -> String {
    if examples.is_empty() {
        return format!("{msg} (regex used for validation is '{fmt}')");
    }
    let quoted: Vec<String> = examples.iter().map(|e| format!("'{e}', ")).collect();
    format!("{msg} (e.g. {}regex used for validation is '{fmt}')", quoted.join(" or "))
}

/// apimachinery `MaxLenError` (the current `content` package wording, in bytes).
pub fn max_len_error(length: usize) -> String {
    LengthUnit::Bytes.max_len_error(length)
}

/// How a length limit reads: object validation says bytes (apimachinery's `content` package),
/// label selector parsing still says characters (the older `validation.MaxLenError`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LengthUnit {
    Bytes,
    Characters,
}

impl LengthUnit {
    pub fn max_len_error(self, length: usize) -> String {
        match self {
            LengthUnit::Bytes => format!("must be no more than {length} bytes"),
            LengthUnit::Characters => format!("must be no more than {length} characters"),
        }
    }
}

/// apimachinery `InclusiveRangeError`.
pub fn inclusive_range_error(lo: i64, hi: i64) -> String {
    format!("must be between {lo} and {hi}, inclusive")
}

fn is_lower_alnum(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit()
}

fn matches_dns1123_label(value: &str) -> bool {
    let b = value.as_bytes();
    match (b.first(), b.last()) {
        (Some(&first), Some(&last)) => {
            is_lower_alnum(first) && is_lower_alnum(last) && b.iter().all(|&c| is_lower_alnum(c) || c == b'-')
        }
        _ => false,
    }
}

fn matches_dns1123_subdomain(value: &str) -> bool {
    value.split('.').all(matches_dns1123_label)
}

/// `IsDNS1123Label`: at most 63 lowercase alphanumerics or `-`, alphanumeric at both ends.
pub fn is_dns1123_label(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > DNS1123_LABEL_MAX {
        errs.push(max_len_error(DNS1123_LABEL_MAX));
    }
    if !matches_dns1123_label(value) {
        if matches_dns1123_subdomain(value) {
            errs.push("must not contain dots".to_string());
        } else {
            errs.push(regex_error(DNS1123_LABEL_MSG, DNS1123_LABEL_FMT, &["my-name", "123-abc"]));
        }
    }
    errs
}

/// `IsDNS1123Subdomain`: dot-separated DNS labels, at most 253 bytes in all.
pub fn is_dns1123_subdomain(value: &str) -> Vec<String> {
    dns1123_subdomain_errors(value, LengthUnit::Bytes)
}

fn dns1123_subdomain_errors(value: &str, unit: LengthUnit) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > DNS1123_SUBDOMAIN_MAX {
        errs.push(unit.max_len_error(DNS1123_SUBDOMAIN_MAX));
    }
    if !matches_dns1123_subdomain(value) {
        errs.push(regex_error(DNS1123_SUBDOMAIN_MSG, DNS1123_SUBDOMAIN_FMT, &["example.com"]));
    }
    errs
}

/// `IsDNS1035Label`: like a DNS-1123 label but starting with a letter.
pub fn is_dns1035_label(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > DNS1123_LABEL_MAX {
        errs.push(max_len_error(DNS1123_LABEL_MAX));
    }
    let starts_with_letter = value.bytes().next().is_some_and(|b| b.is_ascii_lowercase());
    if !(starts_with_letter && matches_dns1123_label(value)) {
        errs.push(regex_error(DNS1035_LABEL_MSG, DNS1035_LABEL_FMT, &["my-name", "abc-123"]));
    }
    errs
}

/// apimachinery `maskTrailingDash`: a generateName prefix may end in `-`.
fn mask_trailing_dash(name: &str) -> String {
    match name.strip_suffix('-') {
        Some(rest) if name.len() > 1 => format!("{rest}a"),
        _ => name.to_string(),
    }
}

/// `NameIsDNSSubdomain(name, prefix)`, the rule for Deployment, ReplicaSet and Pod names.
pub fn name_is_dns_subdomain(name: &str, prefix: bool) -> Vec<String> {
    let name = if prefix { mask_trailing_dash(name) } else { name.to_string() };
    is_dns1123_subdomain(&name)
}

/// `NameIsDNSLabel(name, prefix)`, the rule for Namespace names.
pub fn name_is_dns_label(name: &str, prefix: bool) -> Vec<String> {
    let name = if prefix { mask_trailing_dash(name) } else { name.to_string() };
    is_dns1123_label(&name)
}

/// `NameIsDNS1035Label(name, prefix)`, the rule for Service names.
pub fn name_is_dns1035_label(name: &str, prefix: bool) -> Vec<String> {
    let name = if prefix { mask_trailing_dash(name) } else { name.to_string() };
    is_dns1035_label(&name)
}

fn is_alnum(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

/// `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`, i.e. a non-empty label key name or value.
fn matches_qualified_name(value: &str) -> bool {
    let b = value.as_bytes();
    match (b.first(), b.last()) {
        (Some(&first), Some(&last)) => {
            is_alnum(first) && is_alnum(last) && b.iter().all(|&c| is_alnum(c) || matches!(c, b'-' | b'_' | b'.'))
        }
        _ => false,
    }
}

fn qualified_name_regex_error() -> String {
    regex_error(QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, &["MyName", "my.name", "123-abc"])
}

/// `IsQualifiedName` (label keys, annotation keys, resource names): an optional DNS subdomain
/// prefix and `/`, then a name of at most 63 characters.
pub fn is_qualified_name(value: &str) -> Vec<String> {
    qualified_name_errors(value, LengthUnit::Bytes)
}

/// `IsQualifiedName` with its length limits worded in `unit`.
pub fn qualified_name_errors(value: &str, unit: LengthUnit) -> Vec<String> {
    let parts: Vec<&str> = value.split('/').collect();
    let mut errs = Vec::new();
    let name = match parts.as_slice() {
        [name] => *name,
        [prefix, name] => {
            if prefix.is_empty() {
                errs.push("prefix part must be non-empty".to_string());
            } else {
                let msgs = dns1123_subdomain_errors(prefix, unit);
                errs.extend(msgs.into_iter().map(|m| format!("prefix part {m}")));
            }
            *name
        }
        _ => {
            errs.push(format!(
                "a qualified name {} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
                qualified_name_regex_error()
            ));
            return errs;
        }
    };
    if name.is_empty() {
        errs.push("name part must be non-empty".to_string());
    } else if name.len() > LABEL_MAX {
        errs.push(format!("name part {}", unit.max_len_error(LABEL_MAX)));
    }
    if !matches_qualified_name(name) {
        errs.push(format!("name part {}", qualified_name_regex_error()));
    }
    errs
}

/// `IsValidLabelValue`: empty, or at most 63 characters of the label-key name charset.
pub fn is_valid_label_value(value: &str) -> Vec<String> {
    label_value_errors(value, LengthUnit::Bytes)
}

/// `IsValidLabelValue` with its length limit worded in `unit`.
pub fn label_value_errors(value: &str, unit: LengthUnit) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > LABEL_MAX {
        errs.push(unit.max_len_error(LABEL_MAX));
    }
    if !value.is_empty() && !matches_qualified_name(value) {
        errs.push(regex_error(LABEL_VALUE_MSG, LABEL_VALUE_FMT, &["MyValue", "my_value", "12345"]));
    }
    errs
}

/// `IsValidPortName` (IANA_SVC_NAME): at most 15 of `[-a-z0-9]`, at least one letter,
/// no `--`, no leading or trailing `-`.
pub fn is_valid_port_name(port: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if port.len() > PORT_NAME_MAX {
        errs.push(max_len_error(PORT_NAME_MAX));
    }
    if port.is_empty() || !port.bytes().all(|b| is_lower_alnum(b) || b == b'-') {
        errs.push("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)".into());
    }
    if !port.bytes().any(|b| b.is_ascii_lowercase()) {
        errs.push("must contain at least one letter (a-z)".into());
    }
    if port.contains("--") {
        errs.push("must not contain consecutive hyphens".into());
    }
    if port.starts_with('-') || port.ends_with('-') {
        errs.push("must not begin or end with a hyphen".into());
    }
    errs
}

/// `IsValidPortNum`: 1..=65535.
pub fn is_valid_port_num(port: i64) -> Vec<String> {
    if (1..=65535).contains(&port) { Vec::new() } else { vec![inclusive_range_error(1, 65535)] }
}

/// `IsValidPercent`: `^[0-9]+%$`.
pub fn is_valid_percent_msgs(value: &str) -> Vec<String> {
    if is_valid_percent(value) { Vec::new() } else { vec![regex_error(PERCENT_MSG, PERCENT_FMT, &["1%", "93%"])] }
}

/// `IsHTTPHeaderName`: `[-A-Za-z0-9]+`.
pub fn is_http_header_name(value: &str) -> Vec<String> {
    if !value.is_empty() && value.bytes().all(|b| is_alnum(b) || b == b'-') {
        Vec::new()
    } else {
        vec![regex_error(HTTP_HEADER_MSG, HTTP_HEADER_FMT, &["X-Header-Name"])]
    }
}

/// `IsRelaxedEnvVarName`, the rule since RelaxedEnvironmentVariableValidation (beta and on by
/// default in 1.32, GA in 1.34): any printable ASCII character except `=`.
pub fn is_relaxed_env_var_name(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.is_empty() {
        errs.push("environment variable name must be non-empty".to_string());
    }
    if value.chars().any(|c| !(' '..='~').contains(&c) || c == '=') {
        errs.push(RELAXED_ENV_MSG.to_string());
    }
    errs
}

/// `IsConfigMapKey` (ConfigMap and Secret keys): at most 253 of `[-._a-zA-Z0-9]`, and not `.`,
/// `..` or anything starting with `..`.
pub fn is_config_map_key(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > DNS1123_SUBDOMAIN_MAX {
        errs.push(max_len_error(DNS1123_SUBDOMAIN_MAX));
    }
    if value.is_empty() || !value.bytes().all(|b| is_alnum(b) || matches!(b, b'-' | b'.' | b'_')) {
        errs.push(regex_error(CONFIG_MAP_KEY_MSG, CONFIG_MAP_KEY_FMT, &["key.name", "KEY_NAME", "key-name"]));
    }
    if value == "." {
        errs.push("must not be '.'".to_string());
    } else if value == ".." {
        errs.push("must not be '..'".to_string());
    } else if value.starts_with("..") {
        errs.push("must not start with '..'".to_string());
    }
    errs
}

/// One `Invalid` error per message, all at `path` with `value`.
pub fn invalid_each(path: &FieldPath, value: &str, msgs: Vec<String>) -> ErrorList {
    msgs.iter().map(|m| FieldError::invalid(path, value, m)).collect()
}

/// `ValidateDNS1123Label` at a field.
pub fn validate_dns1123_label(value: &str, path: &FieldPath) -> ErrorList {
    invalid_each(path, value, is_dns1123_label(value))
}

/// `ValidateQualifiedName` at a field.
pub fn validate_qualified_name(value: &str, path: &FieldPath) -> ErrorList {
    invalid_each(path, value, is_qualified_name(value))
}

/// metav1 `ValidateLabels`: every key a qualified name and every value a label value; all
/// errors sit at `path` itself (e.g. `metadata.labels`), not at the key.
pub fn validate_labels(labels: Option<&BTreeMap<String, String>>, path: &FieldPath) -> ErrorList {
    let mut errs = ErrorList::new();
    for (k, v) in labels.into_iter().flatten() {
        errs.extend(validate_qualified_name(k, path));
        errs.extend(invalid_each(path, v, is_valid_label_value(v)));
    }
    errs
}

/// apimachinery `ValidateAnnotations`: keys are qualified names (case-insensitively) and all
/// keys and values together fit in 256 KiB.
pub fn validate_annotations(ann: Option<&BTreeMap<String, String>>, path: &FieldPath) -> ErrorList {
    let Some(ann) = ann else {
        return ErrorList::new();
    };
    let mut errs = ErrorList::new();
    for k in ann.keys() {
        errs.extend(invalid_each(path, k, is_qualified_name(&k.to_lowercase())));
    }
    let total: usize = ann.iter().map(|(k, v)| k.len() + v.len()).sum();
    if total > ANNOTATIONS_MAX_BYTES {
        errs.push(FieldError::too_long(path, "", ANNOTATIONS_MAX_BYTES));
    }
    errs
}

/// A name rule: `(name, is_generate_name_prefix) -> messages`.
pub type NameRule = fn(&str, bool) -> Vec<String>;

/// apimachinery `ValidateObjectMeta` for a namespaced object whose namespace skiff fills in:
/// generateName and name by `rule` (`metadata.name: Required value: name or generateName is
/// required` when empty), namespace (when set) as a DNS label, then labels and annotations.
pub fn validate_object_meta(meta: &ObjectMeta, rule: NameRule, path: &FieldPath) -> ErrorList {
    object_meta(meta, rule, path, true)
}

/// `ValidateObjectMeta` with `requiresNamespace` false, for cluster-scoped kinds (Namespace):
/// a namespace is `Forbidden: not allowed on this type`.
pub fn validate_cluster_object_meta(meta: &ObjectMeta, rule: NameRule, path: &FieldPath) -> ErrorList {
    object_meta(meta, rule, path, false)
}

fn object_meta(meta: &ObjectMeta, rule: NameRule, path: &FieldPath, namespaced: bool) -> ErrorList {
    let mut errs = ErrorList::new();
    if let Some(generate) = meta.generate_name.as_deref().filter(|g| !g.is_empty()) {
        errs.extend(invalid_each(&path.child("generateName"), generate, rule(generate, true)));
    }
    let name_path = path.child("name");
    match meta.name.as_deref().filter(|n| !n.is_empty()) {
        None => errs.push(FieldError::required(&name_path, "name or generateName is required")),
        Some(name) => errs.extend(invalid_each(&name_path, name, rule(name, false))),
    }
    match meta.namespace.as_deref().filter(|n| !n.is_empty()) {
        Some(ns) if namespaced => errs.extend(invalid_each(&path.child("namespace"), ns, is_dns1123_label(ns))),
        Some(_) => errs.push(FieldError::forbidden(&path.child("namespace"), "not allowed on this type")),
        None => {}
    }
    if meta.generation.is_some_and(|g| g < 0) {
        let generation = meta.generation.unwrap_or_default();
        errs.push(FieldError::invalid(&path.child("generation"), generation, NEGATIVE_MSG));
    }
    errs.extend(validate_labels(meta.labels.as_ref(), &path.child("labels")));
    errs.extend(validate_annotations(meta.annotations.as_ref(), &path.child("annotations")));
    errs
}

/// apimachinery `IsNegativeErrorMsg`.
pub const NEGATIVE_MSG: &str = "must be greater than or equal to 0";

/// `ValidateNonnegativeField`.
pub fn validate_nonnegative(value: i64, path: &FieldPath) -> ErrorList {
    if value < 0 { vec![FieldError::invalid(path, value, NEGATIVE_MSG)] } else { ErrorList::new() }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LABEL_MSG: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
    const SUBDOMAIN_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
    const DNS1035_MSG: &str = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

    #[test]
    fn regex_error_has_upstream_double_space() {
        assert_eq!(regex_error("m", "f", &[]), "m (regex used for validation is 'f')");
        assert_eq!(regex_error("m", "f", &["a"]), "m (e.g. 'a', regex used for validation is 'f')");
        assert_eq!(
            regex_error("m", "f", &["a", "b", "c"]),
            "m (e.g. 'a',  or 'b',  or 'c', regex used for validation is 'f')"
        );
    }

    #[test]
    fn dns1123_labels() {
        for ok in ["a", "0", "my-name", "123-abc", &"a".repeat(63)] {
            assert!(is_dns1123_label(ok).is_empty(), "{ok}");
        }
        assert_eq!(is_dns1123_label("Hello_World"), vec![LABEL_MSG.to_string()]);
        assert_eq!(is_dns1123_label(""), vec![LABEL_MSG.to_string()]);
        assert_eq!(is_dns1123_label("-a"), vec![LABEL_MSG.to_string()]);
        assert_eq!(is_dns1123_label("a-"), vec![LABEL_MSG.to_string()]);
        assert_eq!(is_dns1123_label("my.app"), vec!["must not contain dots".to_string()]);
        assert_eq!(is_dns1123_label(&"a".repeat(64)), vec!["must be no more than 63 bytes".to_string()]);
        assert_eq!(is_dns1123_label("é").len(), 1);
    }

    #[test]
    fn dns1123_subdomains() {
        for ok in ["a", "a.b", "my-app.example.com", "1.2.3"] {
            assert!(is_dns1123_subdomain(ok).is_empty(), "{ok}");
        }
        for bad in ["", ".", "a..b", "a.", ".a", "A", "a_b", "a.-b"] {
            assert_eq!(is_dns1123_subdomain(bad), vec![SUBDOMAIN_MSG.to_string()], "{bad}");
        }
        let long = format!("{}.{}", "a".repeat(63), "b".repeat(190));
        assert_eq!(is_dns1123_subdomain(&long), vec!["must be no more than 253 bytes".to_string()]);
        assert!(name_is_dns_subdomain("web-", true).is_empty());
        assert_eq!(name_is_dns_subdomain("web-", false).len(), 1);
    }

    #[test]
    fn dns1035_labels() {
        assert!(is_dns1035_label("web").is_empty());
        assert!(is_dns1035_label("a-1").is_empty());
        assert_eq!(is_dns1035_label("1web"), vec![DNS1035_MSG.to_string()]);
        assert_eq!(is_dns1035_label("my.svc"), vec![DNS1035_MSG.to_string()]);
        assert_eq!(is_dns1035_label(""), vec![DNS1035_MSG.to_string()]);
        assert!(name_is_dns1035_label("svc-", true).is_empty());
    }

    #[test]
    fn qualified_names() {
        for ok in ["app", "App.Name_1", "example.com/app", "a/b", &"a".repeat(63)] {
            assert!(is_qualified_name(ok).is_empty(), "{ok}");
        }
        let name_regex = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
        assert_eq!(is_qualified_name("-app"), vec![name_regex.to_string()]);
        assert_eq!(is_qualified_name(""), vec!["name part must be non-empty".to_string(), name_regex.to_string()]);
        assert_eq!(is_qualified_name("/app"), vec!["prefix part must be non-empty".to_string()]);
        assert_eq!(is_qualified_name("Example.com/app"), vec![format!("prefix part {SUBDOMAIN_MSG}")]);
        assert_eq!(is_qualified_name(&"a".repeat(64)), vec!["name part must be no more than 63 bytes".to_string()]);
        assert_eq!(
            is_qualified_name("a/b/c"),
            vec!["a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')".to_string()]
        );
    }

    #[test]
    fn label_values() {
        for ok in ["", "web", "My_Value.1", &"v".repeat(63)] {
            assert!(is_valid_label_value(ok).is_empty(), "{ok}");
        }
        let msg = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
        assert_eq!(is_valid_label_value("web!"), vec![msg.to_string()]);
        assert_eq!(is_valid_label_value("_x"), vec![msg.to_string()]);
        assert_eq!(is_valid_label_value(&"v".repeat(64)), vec!["must be no more than 63 bytes".to_string()]);
    }

    #[test]
    fn port_names() {
        for ok in ["http", "h2c", "web-8080", "a"] {
            assert!(is_valid_port_name(ok).is_empty(), "{ok}");
        }
        assert_eq!(is_valid_port_name("8080"), vec!["must contain at least one letter (a-z)"]);
        assert_eq!(
            is_valid_port_name("HTTP"),
            vec![
                "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)",
                "must contain at least one letter (a-z)"
            ]
        );
        assert_eq!(is_valid_port_name("a--b"), vec!["must not contain consecutive hyphens"]);
        assert_eq!(is_valid_port_name("-ab"), vec!["must not begin or end with a hyphen"]);
        assert_eq!(is_valid_port_name("abcdefghijklmnop"), vec!["must be no more than 15 bytes"]);
        assert_eq!(is_valid_port_name("").len(), 2);
    }

    #[test]
    fn numbers_percent_headers_env() {
        assert!(is_valid_port_num(1).is_empty() && is_valid_port_num(65535).is_empty());
        assert_eq!(is_valid_port_num(70000), vec!["must be between 1 and 65535, inclusive"]);
        assert_eq!(is_valid_port_num(0).len(), 1);
        assert!(is_valid_percent_msgs("25%").is_empty());
        assert_eq!(
            is_valid_percent_msgs("20Percent"),
            vec![
                "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"
            ]
        );
        assert!(is_http_header_name("X-Custom-1").is_empty());
        assert_eq!(is_http_header_name("X_Bad").len(), 1);
        assert!(is_relaxed_env_var_name("MY.VAR-1 x").is_empty());
        assert!(is_relaxed_env_var_name("1ABC").is_empty());
        assert_eq!(
            is_relaxed_env_var_name("A=B"),
            vec!["a valid environment variable name must consist only of printable ASCII characters other than '='"]
        );
        assert_eq!(is_relaxed_env_var_name("tab\there").len(), 1);
        assert_eq!(is_relaxed_env_var_name("ü").len(), 1);
    }

    #[test]
    fn labels_and_annotations_at_field() {
        let path = FieldPath::new("metadata").child("labels");
        let labels = BTreeMap::from([("app".to_string(), "web!".to_string())]);
        let errs = validate_labels(Some(&labels), &path);
        assert_eq!(errs.len(), 1);
        assert!(errs[0].to_string().starts_with("metadata.labels: Invalid value: \"web!\": a valid label"));
        let bad_key = BTreeMap::from([("-app".to_string(), "web".to_string())]);
        let errs = validate_labels(Some(&bad_key), &path);
        assert!(errs[0].to_string().starts_with("metadata.labels: Invalid value: \"-app\": name part"));
        let ann_path = FieldPath::new("metadata").child("annotations");
        let ann = BTreeMap::from([("Example.COM/Thing".to_string(), "x".to_string())]);
        assert!(validate_annotations(Some(&ann), &ann_path).is_empty());
        let big = BTreeMap::from([("k".to_string(), "v".repeat(ANNOTATIONS_MAX_BYTES))]);
        assert_eq!(
            validate_annotations(Some(&big), &ann_path)[0].to_string(),
            "metadata.annotations: Too long: may not be more than 262144 bytes"
        );
    }

    #[test]
    fn object_meta() {
        let path = FieldPath::new("metadata");
        let empty = ObjectMeta::default();
        assert_eq!(
            validate_object_meta(&empty, name_is_dns_subdomain, &path)[0].to_string(),
            "metadata.name: Required value: name or generateName is required"
        );
        let meta = ObjectMeta { name: Some("Hello_World".into()), ..Default::default() };
        assert_eq!(
            validate_object_meta(&meta, name_is_dns_subdomain, &path)[0].to_string(),
            format!("metadata.name: Invalid value: \"Hello_World\": {SUBDOMAIN_MSG}")
        );
        let meta = ObjectMeta {
            name: Some("ok".into()),
            namespace: Some("Bad".into()),
            generation: Some(-1),
            ..Default::default()
        };
        let rendered: Vec<String> =
            validate_object_meta(&meta, name_is_dns_subdomain, &path).iter().map(|e| e.to_string()).collect();
        assert_eq!(
            rendered,
            vec![
                format!("metadata.namespace: Invalid value: \"Bad\": {LABEL_MSG}"),
                "metadata.generation: Invalid value: -1: must be greater than or equal to 0".to_string(),
            ]
        );
        let generated =
            ObjectMeta { generate_name: Some("web-".into()), name: Some("web-x1".into()), ..Default::default() };
        assert!(validate_object_meta(&generated, name_is_dns_subdomain, &path).is_empty());
    }
}
