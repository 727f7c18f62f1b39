//! `kubectl describe` text for Deployments, ReplicaSets, Pods, Services, ConfigMaps, Secrets and
//! Namespaces, and the pod-template block `kubectl rollout history --revision` prints, following
//! kubectl's `describe.go` line by line.
//!
//! Everything is first written as Go's `PrefixWriter` would (two spaces per level, tab-separated
//! cells, terminal escapes neutralised) and then aligned by the `tabbedString` tabwriter.

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use k8s_openapi::api::apps::v1::{Deployment, DeploymentStrategy, ReplicaSet};
use k8s_openapi::api::core::v1::{
    Container, ContainerState, ContainerStatus, EnvVar, Event, Pod, PodTemplateSpec, Probe, ProjectedVolumeSource,
    ResourceRequirements, Service, ServicePort, Toleration, TopologySpreadConstraint, Volume,
};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::duration::since;
use super::table::{format_label_selector, format_labels, selector_string};
use super::text_table::{escape_terminal, tabbed};
use crate::model::qos::qos_class;
use crate::model::quantity::nanos;

use container::*;
use service::*;
use volumes::*;
use workloads::*;

pub use config::{describe_config_map, describe_namespace, describe_secret};
pub use hpa::describe_hpa;
pub use node::describe_node;
pub use pod::describe_pod;
pub use service::describe_service;
pub use workloads::{describe_deployment, describe_pod_template, describe_replica_set};

mod config;
mod container;
mod hpa;
mod node;
mod pod;
mod service;
#[cfg(test)]
mod tests;
mod volumes;
mod workloads;

/// Go's `PrefixWriter`: every write is indented two spaces per level and terminal-escaped.
#[derive(Default)]
struct Writer {
    buf: String,
}

impl Writer {
    /// Writes `text` (which may end mid-line) indented by `level`.
    fn w(&mut self, level: usize, text: &str) {
        let indented = format!("{}{text}", "  ".repeat(level));
        self.buf.push_str(&escape_terminal(&indented));
    }

    /// Writes `key:\tvalue\n` indented by `level`, the shape of most describe lines.
    fn kv(&mut self, level: usize, key: &str, value: impl std::fmt::Display) {
        self.w(level, &format!("{key}:\t{value}\n"));
    }
}

type Labels = BTreeMap<String, String>;

/// What is known about a running pod when describing its containers.
struct Live<'a> {
    pod: &'a Pod,
    statuses: &'a [ContainerStatus],
    tz: &'a TimeZone,
}

/// The annotation kubectl never shows in `describe`.
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Go's `printLabelsMultiline`: `Title:\tk=v` then `\tk2=v2` lines, or `<none>`.
fn labels_multiline(w: &mut Writer, title: &str, labels: Option<&Labels>) {
    w.w(0, &format!("{title}:\t"));
    let labels = labels.filter(|l| !l.is_empty());
    let Some(labels) = labels else {
        w.w(0, "<none>\n");
        return;
    };
    for (i, (k, v)) in labels.iter().enumerate() {
        if i != 0 {
            w.w(0, "\t");
        }
        w.w(0, &format!("{k}={v}\n"));
    }
}

/// Go's `printAnnotationsMultiline`: `key: value`, long or multi-line values on their own
/// lines cut at 140 bytes, the last-applied-configuration annotation hidden.
fn annotations_multiline(w: &mut Writer, title: &str, annotations: Option<&Labels>) {
    const MAX: usize = 140;
    w.w(0, &format!("{title}:\t"));
    let shown: Vec<(&String, &String)> =
        annotations.into_iter().flatten().filter(|(k, _)| k.as_str() != LAST_APPLIED).collect();
    if shown.is_empty() {
        w.w(0, "<none>\n");
        return;
    }
    for (i, (key, value)) in shown.into_iter().enumerate() {
        if i != 0 {
            w.w(0, "\t");
        }
        let value = value.strip_suffix('\n').unwrap_or(value);
        if value.len() + key.len() + 2 > MAX || value.contains('\n') {
            w.w(0, &format!("{key}:\n"));
            for line in value.split('\n') {
                w.w(0, &format!("\t  {}\n", shorten(line, MAX - 2)));
            }
        } else {
            w.w(0, &format!("{key}: {value}\n"));
        }
    }
}

/// Cuts `s` to at most `max` bytes (on a character boundary) and appends `...` if cut.
fn shorten(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &s[..end])
}

/// Go's `printTolerationsMultilineWithIndent`, sorted by key.
fn tolerations_multiline(w: &mut Writer, title: &str, tolerations: &[Toleration]) {
    w.w(0, &format!("{title}:\t"));
    if tolerations.is_empty() {
        w.w(0, "<none>\n");
        return;
    }
    let mut sorted: Vec<&Toleration> = tolerations.iter().collect();
    sorted.sort_by(|a, b| text(&a.key).cmp(text(&b.key)));
    for (i, t) in sorted.iter().enumerate() {
        if i != 0 {
            w.w(0, "\t");
        }
        let (key, value, effect) = (text(&t.key), text(&t.value), text(&t.effect));
        let mut line = key.to_string();
        if !value.is_empty() {
            line.push_str(&format!("={value}"));
        }
        if !effect.is_empty() {
            line.push_str(&format!(":{effect}"));
        }
        if t.operator.as_deref() == Some("Exists") && value.is_empty() {
            line.push_str(if key.is_empty() && effect.is_empty() { "op=Exists" } else { " op=Exists" });
        }
        if let Some(seconds) = t.toleration_seconds {
            line.push_str(&format!(" for {seconds}s"));
        }
        w.w(0, &format!("{line}\n"));
    }
}

/// Go's `DescribeEvents`: `Events:\t<none>` or a `Type Reason Age From Message` table, oldest
/// first.
fn describe_events(w: &mut Writer, events: &[Event], now: Timestamp) {
    if events.is_empty() {
        w.w(0, "Events:\t<none>\n");
        return;
    }
    let mut sorted: Vec<&Event> = events.iter().collect();
    sorted.sort_by_key(|e| sort_time(e));
    w.w(0, "Events:\n  Type\tReason\tAge\tFrom\tMessage\n");
    w.w(1, "----\t------\t----\t----\t-------\n");
    for e in sorted {
        let first = match e.event_time.as_ref() {
            Some(t) => since(Some(t.0), now),
            None => since(e.first_timestamp.as_ref().map(|t| t.0), now),
        };
        let count = e.count.unwrap_or(0);
        let age = if let Some(series) = e.series.as_ref() {
            let last = since(series.last_observed_time.as_ref().map(|t| t.0), now);
            format!("{last} (x{} over {first})", series.count.unwrap_or(0))
        } else if count > 1 {
            format!("{} (x{count} over {first})", since(e.last_timestamp.as_ref().map(|t| t.0), now))
        } else {
            first
        };
        let source = e.source.as_ref().and_then(|s| s.component.as_deref()).filter(|s| !s.is_empty());
        let source = source.or(e.reporting_component.as_deref()).unwrap_or("");
        let mut message = e.message.as_deref().unwrap_or("").trim().to_string();
        if let Some(path) = non_empty(&e.involved_object.field_path) {
            message = format!("{path}: {message}");
        }
        let (type_, reason) = (text(&e.type_), text(&e.reason));
        w.w(1, &format!("{type_}\t{reason}\t{age}\t{source}\t{message}\n"));
    }
}

/// The time kubectl sorts events by: series last observation, else last timestamp, else event time.
fn sort_time(e: &Event) -> Option<Timestamp> {
    if let Some(series) = e.series.as_ref() {
        return series.last_observed_time.as_ref().map(|t| t.0);
    }
    e.last_timestamp.as_ref().map(|t| t.0).or(e.event_time.as_ref().map(|t| t.0))
}

/// Go's `Time.Format(time.RFC1123Z)` in `tz`; Go's zero time for a missing timestamp.
fn rfc1123z(t: Option<&Time>, tz: &TimeZone) -> String {
    match t {
        Some(t) => t.0.to_zoned(tz.clone()).strftime("%a, %d %b %Y %H:%M:%S %z").to_string(),
        None => "Mon, 01 Jan 0001 00:00:00 +0000".to_string(),
    }
}

/// `IntOrString.String()`.
fn int_or_string(v: &IntOrString) -> String {
    match v {
        IntOrString::Int(i) => i.to_string(),
        IntOrString::String(s) => s.clone(),
    }
}

fn joined_or_none(items: Option<&[String]>, separator: &str) -> String {
    match items.filter(|i| !i.is_empty()) {
        Some(items) => items.join(separator),
        None => "<none>".to_string(),
    }
}

/// An optional string that is set and not empty.
fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().filter(|s| !s.is_empty())
}

/// An optional string as Go prints the zero value: empty.
fn text(s: &Option<String>) -> &str {
    s.as_deref().unwrap_or("")
}
