//! Kubernetes' own validation test tables (`pkg/apis/apps/validation/validation_test.go`,
//! `pkg/apis/core/validation/validation_test.go`, apimachinery
//! `pkg/util/validation/validation_test.go`), carried over case by case for the fields skiff
//! serves. Each case is named `Test<Function>/<upstream case>` so it can be found upstream,
//! starts from the same valid object, and expects every error exactly as kubectl prints it.
//!
//! Upstream tables mostly check only a field path, an error type or an error count; the full
//! messages here are the text the validation.go code those cases exercise produces. Cases run
//! the way the API server runs a request: defaults, then validation (`registry::strategy`).
//! A few cases build objects that defaulting would repair (an empty `sessionAffinity`, say);
//! those run on an already defaulted object (`raw`), as upstream's do on internal objects.
//! Each file lists what it did not carry over, and why.

mod apps;
mod apps_status;
mod config;
mod containers;
mod env;
mod init_containers;
mod mounts;
mod names;
mod pod_spec;
mod probes;
mod service;
mod service_ips;
mod service_types;

use serde_json::{Value, json};

use crate::model::Object;
use crate::model::validation::PodSecurityPolicy;
use crate::registry::strategy;

/// One carried-over case: an edit of the valid base object and the errors it must produce.
pub(super) struct Case {
    pub name: String,
    pub edit: fn(&mut Value),
    pub want: Vec<String>,
}

pub(super) fn case<S: Into<String>>(name: &str, edit: fn(&mut Value), want: impl IntoIterator<Item = S>) -> Case {
    Case { name: name.to_string(), edit, want: want.into_iter().map(Into::into).collect() }
}

/// Runs every case through `run` and fails once, listing every case that did not match.
pub(super) fn check(cases: Vec<Case>, run: impl Fn(&Case) -> Vec<String>) {
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|c| {
            let got = run(c);
            (got != c.want).then(|| format!("{}\n    got:  {got:#?}\n    want: {:#?}", c.name, c.want))
        })
        .collect();
    assert!(failures.is_empty(), "{} of {} cases differ:\n{}", failures.len(), cases.len(), failures.join("\n"));
}

/// Skiff's default policy refuses host namespaces, hostPath and privileged containers;
/// upstream's tables assume a cluster that allows them.
pub(super) fn permissive() -> PodSecurityPolicy {
    PodSecurityPolicy { allow_privileged: true, allow_host_namespaces: true, allow_host_path: true }
}

fn decode(v: Value) -> Result<Object, String> {
    crate::model::decode::object_from_json(v).map_err(|e| format!("decode: {e}"))
}

fn rendered(errs: crate::model::validation::ErrorList) -> Vec<String> {
    errs.iter().map(ToString::to_string).collect()
}

/// Create: decode, default and validate the edited manifest, as a `kubectl create` does.
pub(super) fn create(base: Value, edit: fn(&mut Value), policy: &PodSecurityPolicy) -> Vec<String> {
    let mut v = base;
    edit(&mut v);
    match decode(v) {
        Ok(mut obj) => {
            strategy::prepare_create(&mut obj, jiff::Timestamp::UNIX_EPOCH);
            rendered(strategy::validate(&obj, None, policy))
        }
        Err(e) => vec![e],
    }
}

/// The base object as stored after create: defaulted, as JSON.
fn defaulted(base: Value) -> Value {
    let Ok(mut obj) = decode(base) else {
        return Value::Null;
    };
    strategy::prepare_create(&mut obj, jiff::Timestamp::UNIX_EPOCH);
    obj.to_json()
}

/// Validate an edit of the defaulted base without defaulting again (for cases that defaulting
/// would repair).
pub(super) fn raw(base: Value, edit: fn(&mut Value), policy: &PodSecurityPolicy) -> Vec<String> {
    let mut v = defaulted(base);
    edit(&mut v);
    match decode(v) {
        Ok(obj) => rendered(strategy::validate(&obj, None, policy)),
        Err(e) => vec![e],
    }
}

/// Update: the defaulted base is the old object; the edited manifest replaces it.
pub(super) fn update(base: Value, edit: fn(&mut Value), policy: &PodSecurityPolicy) -> Vec<String> {
    let Ok(old) = decode(defaulted(base.clone())) else {
        return vec!["bad base".into()];
    };
    let mut v = base;
    edit(&mut v);
    match decode(v) {
        Ok(mut new) => {
            strategy::prepare_update(&mut new, &old);
            rendered(strategy::validate(&new, Some(&old), policy))
        }
        Err(e) => vec![e],
    }
}

/// The first container of a workload's pod template.
pub(super) fn ctr(v: &mut Value) -> &mut Value {
    &mut v["spec"]["template"]["spec"]["containers"][0]
}

/// A workload's pod spec.
pub(super) fn pod_spec(v: &mut Value) -> &mut Value {
    &mut v["spec"]["template"]["spec"]
}

/// upstream `podtest.MakeContainer(name)`.
pub(super) fn make_container(name: &str) -> Value {
    json!({"name": name, "image": "image", "imagePullPolicy": "IfNotPresent", "terminationMessagePolicy": "File"})
}

/// upstream `podtest.MakeContainer(name)` with more fields.
pub(super) fn container_with(name: &str, extra: Value) -> Value {
    let mut c = make_container(name);
    if let (Some(c), Some(extra)) = (c.as_object_mut(), extra.as_object()) {
        c.extend(extra.clone());
    }
    c
}

/// A workload whose pod template (labels `a: b`) holds upstream's pod spec; a Deployment
/// unless `kind` says otherwise.
pub(super) fn workload_of(kind: &str) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": kind,
        "metadata": {"name": "abc", "namespace": "default"},
        "spec": {"selector": {"matchLabels": {"a": "b"}}, "template": {"metadata": {"labels": {"a": "b"}}, "spec": make_pod_spec()}}
    })
}

pub(super) fn workload() -> Value {
    workload_of("Deployment")
}

/// upstream `podtest.MakePodSpec()`.
pub(super) fn make_pod_spec() -> Value {
    json!({"containers": [make_container("ctr")], "restartPolicy": "Always", "dnsPolicy": "ClusterFirst"})
}

/// Apimachinery's messages, spelled out once for all tables.
pub(super) const LABEL_MSG: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
pub(super) const SUBDOMAIN_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
pub(super) const DNS1035_MSG: &str = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
pub(super) const NAME_PART_MSG: &str = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
pub(super) const PERCENT_MSG: &str = "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')";
pub(super) const PORT_RANGE_MSG: &str = "must be between 1 and 65535, inclusive";
pub(super) const NEGATIVE_MSG: &str = "must be greater than or equal to 0";
pub(super) const IP_MSG: &str = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)";
pub(super) const CIDR_MSG: &str = "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)";
/// The key every "invalid label" case uses.
pub(super) const BAD_KEY: &str = "NoUppercaseOrSpecialCharsLike=Equals";
