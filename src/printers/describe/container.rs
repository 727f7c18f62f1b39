//! The containers block of `describe`: image, ports, command, state, resources, probes, env, mounts.

use super::*;
use crate::model::validation::field::go_quote;

/// Go's `describeContainers`: the `Containers:` heading and each container's block.
/// `live` carries the statuses, the pod (for env resolution) and the time zone for a live pod.
pub(super) fn containers(w: &mut Writer, label: &str, containers: &[Container], live: Option<&Live>, space: &str) {
    let none = if containers.is_empty() { " <none>" } else { "" };
    w.w(0, &format!("{space}{label}:{none}\n"));
    for c in containers {
        let status = live.and_then(|l| l.statuses.iter().find(|s| s.name == c.name).map(|s| (s, l.tz)));
        container_basics(w, c, status.map(|(s, _)| s), space);
        container_command(w, c);
        if let Some((s, tz)) = status {
            container_state(w, s, tz);
        }
        describe_resources(w, &c.resources.clone().unwrap_or_default(), 2);
        container_probes(w, c);
        if c.env_from.as_ref().is_some_and(|e| !e.is_empty()) {
            container_env_from(w, c);
        }
        container_env(w, c, live.map(|l| l.pod));
        container_mounts(w, c);
    }
}

/// Name, IDs, image, ports and seccomp profile of a container.
fn container_basics(w: &mut Writer, c: &Container, status: Option<&ContainerStatus>, space: &str) {
    let indent = if space.is_empty() { "" } else { " " };
    w.w(1, &format!("{indent}{}:\n", c.name));
    if let Some(s) = status {
        w.kv(2, "Container ID", text(&s.container_id));
    }
    w.kv(2, "Image", text(&c.image));
    if let Some(s) = status {
        w.kv(2, "Image ID", &s.image_id);
    }
    let ports = c.ports.as_deref().unwrap_or(&[]);
    let port_list = |number: &dyn Fn(&k8s_openapi::api::core::v1::ContainerPort) -> i32| {
        let items: Vec<String> = ports
            .iter()
            .map(|p| {
                let base = format!("{}/{}", number(p), p.protocol.as_deref().unwrap_or("TCP"));
                match non_empty(&p.name) {
                    Some(name) => format!("{base} ({name})"),
                    None => base,
                }
            })
            .collect();
        items.join(", ")
    };
    for (single, plural, list) in [
        ("Port", "Ports", port_list(&|p| p.container_port)),
        ("Host Port", "Host Ports", port_list(&|p| p.host_port.unwrap_or(0))),
    ] {
        match (list.contains(','), list.is_empty()) {
            (true, _) => w.kv(2, plural, list),
            (false, true) => w.kv(2, single, "<none>"),
            (false, false) => w.kv(2, single, list),
        }
    }
    let seccomp = c.security_context.as_ref().and_then(|s| s.seccomp_profile.as_ref());
    if let Some(profile) = seccomp {
        w.kv(2, "SeccompProfile", &profile.type_);
        if profile.type_ == "Localhost" {
            w.kv(3, "LocalhostProfile", text(&profile.localhost_profile));
        }
    }
}

/// `Command:` and `Args:`, one line per argument line.
fn container_command(w: &mut Writer, c: &Container) {
    for (title, items) in [("Command", &c.command), ("Args", &c.args)] {
        let items = items.as_deref().unwrap_or(&[]);
        if items.is_empty() {
            continue;
        }
        w.w(2, &format!("{title}:\n"));
        for line in items.iter().flat_map(|i| i.split('\n')) {
            w.w(3, &format!("{line}\n"));
        }
    }
}

/// `State`, `Last State`, `Ready` and `Restart Count` of a container status.
fn container_state(w: &mut Writer, status: &ContainerStatus, tz: &TimeZone) {
    describe_state(w, "State", &status.state.clone().unwrap_or_default(), tz);
    let last = status.last_state.clone().unwrap_or_default();
    if last.terminated.is_some() {
        describe_state(w, "Last State", &last, tz);
    }
    w.kv(2, "Ready", if status.ready { "True" } else { "False" });
    w.kv(2, "Restart Count", status.restart_count);
}

/// Go's `describeStatus`, with start and finish times in `tz`.
fn describe_state(w: &mut Writer, name: &str, state: &ContainerState, tz: &TimeZone) {
    if let Some(running) = state.running.as_ref() {
        w.w(2, &format!("{name}:\tRunning\n"));
        w.kv(3, "Started", rfc1123z(running.started_at.as_ref(), tz));
    } else if let Some(waiting) = state.waiting.as_ref() {
        w.w(2, &format!("{name}:\tWaiting\n"));
        if let Some(reason) = non_empty(&waiting.reason) {
            w.kv(3, "Reason", reason);
        }
    } else if let Some(t) = state.terminated.as_ref() {
        w.w(2, &format!("{name}:\tTerminated\n"));
        if let Some(reason) = non_empty(&t.reason) {
            w.kv(3, "Reason", reason);
        }
        if let Some(message) = non_empty(&t.message) {
            w.kv(3, "Message", message);
        }
        w.kv(3, "Exit Code", t.exit_code);
        if let Some(signal) = t.signal.filter(|s| *s > 0) {
            w.kv(3, "Signal", signal);
        }
        w.kv(3, "Started", rfc1123z(t.started_at.as_ref(), tz));
        w.kv(3, "Finished", rfc1123z(t.finished_at.as_ref(), tz));
    } else {
        w.w(2, &format!("{name}:\tWaiting\n"));
    }
}

/// `Limits:` and `Requests:` with one sorted line per resource.
pub(super) fn describe_resources(w: &mut Writer, resources: &ResourceRequirements, level: usize) {
    for (title, list) in [("Limits", &resources.limits), ("Requests", &resources.requests)] {
        let Some(list) = list.as_ref().filter(|l| !l.is_empty()) else {
            continue;
        };
        w.w(level, &format!("{title}:\n"));
        for (name, quantity) in list {
            w.kv(level + 1, name, &quantity.0);
        }
    }
}

/// `Liveness:`, `Readiness:` and `Startup:` probe lines.
fn container_probes(w: &mut Writer, c: &Container) {
    for (title, probe) in
        [("Liveness", &c.liveness_probe), ("Readiness", &c.readiness_probe), ("Startup", &c.startup_probe)]
    {
        if let Some(p) = probe.as_ref() {
            w.kv(2, title, describe_probe(p));
        }
    }
}

/// Go's `DescribeProbe`, e.g. `http-get http://:8080/healthz delay=0s timeout=1s period=10s
/// #success=1 #failure=3`. Unset numbers take their API defaults.
pub fn describe_probe(probe: &Probe) -> String {
    let attrs = format!(
        "delay={}s timeout={}s period={}s #success={} #failure={}",
        probe.initial_delay_seconds.unwrap_or(0),
        probe.timeout_seconds.unwrap_or(1),
        probe.period_seconds.unwrap_or(10),
        probe.success_threshold.unwrap_or(1),
        probe.failure_threshold.unwrap_or(3)
    );
    if let Some(exec) = probe.exec.as_ref() {
        return format!("exec [{}] {attrs}", exec.command.clone().unwrap_or_default().join(" "));
    }
    if let Some(get) = probe.http_get.as_ref() {
        let scheme = get.scheme.as_deref().unwrap_or("HTTP").to_lowercase();
        let port = int_or_string(&get.port);
        let host = get.host.as_deref().unwrap_or("");
        let host = if port.is_empty() { host.to_string() } else { join_host_port(host, &port) };
        let path = escape_path(get.path.as_deref().unwrap_or(""));
        let slashes = if host.is_empty() && path.is_empty() { "" } else { "//" };
        let slash = if !path.is_empty() && !path.starts_with('/') && !host.is_empty() { "/" } else { "" };
        return format!("http-get {scheme}:{slashes}{host}{slash}{path} {attrs}");
    }
    if let Some(tcp) = probe.tcp_socket.as_ref() {
        return format!("tcp-socket {}:{} {attrs}", text(&tcp.host), int_or_string(&tcp.port));
    }
    if let Some(grpc) = probe.grpc.as_ref() {
        return format!("grpc <pod>:{} {} {attrs}", grpc.port, text(&grpc.service));
    }
    format!("unknown {attrs}")
}

/// Percent-encodes a path the way Go's `URL.EscapedPath` does for a URL built from parts.
fn escape_path(path: &str) -> String {
    let mut out = String::new();
    for byte in path.bytes() {
        let keep = byte.is_ascii_alphanumeric() || b"-_.~$&+,/:;=@".contains(&byte);
        if keep {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `Environment Variables from:` lines.
fn container_env_from(w: &mut Writer, c: &Container) {
    w.w(2, "Environment Variables from:\n");
    for source in c.env_from.iter().flatten() {
        let (from, name, optional) = if let Some(cm) = source.config_map_ref.as_ref() {
            ("ConfigMap", cm.name.as_str(), cm.optional == Some(true))
        } else if let Some(secret) = source.secret_ref.as_ref() {
            ("Secret", secret.name.as_str(), secret.optional == Some(true))
        } else {
            ("", "", false)
        };
        match non_empty(&source.prefix) {
            None => w.w(3, &format!("{name}\t{from}\tOptional: {optional}\n")),
            Some(prefix) => w.w(3, &format!("{name}\t{from} with prefix '{prefix}'\tOptional: {optional}\n")),
        }
    }
}

/// `Environment:` lines; field references resolve against `pod` when describing a live pod.
fn container_env(w: &mut Writer, c: &Container, pod: Option<&Pod>) {
    let env = c.env.as_deref().unwrap_or(&[]);
    w.w(2, &format!("Environment:{}\n", if env.is_empty() { "\t<none>" } else { "" }));
    for e in env {
        let Some(from) = e.value_from.as_ref() else {
            for (i, line) in e.value.as_deref().unwrap_or("").split('\n').enumerate() {
                let key = if i == 0 { format!("{}:", e.name) } else { String::new() };
                w.w(3, &format!("{key}\t{line}\n"));
            }
            continue;
        };
        if let Some(field) = from.field_ref.as_ref() {
            let api_version = field.api_version.as_deref().unwrap_or("v1");
            let value = pod.map_or(String::new(), |p| pod_field(p, &field.field_path));
            let path = &field.field_path;
            w.kv(3, &e.name, format!("{value} ({api_version}:{path})"));
        } else if let Some(resource) = from.resource_field_ref.as_ref() {
            let mut value = container_resource_value(c, e).unwrap_or_default();
            if value == "0" && (resource.resource == "limits.cpu" || resource.resource == "limits.memory") {
                value = "node allocatable".to_string();
            }
            w.kv(3, &e.name, format!("{value} ({})", resource.resource));
        } else if let Some(secret) = from.secret_key_ref.as_ref() {
            let optional = secret.optional == Some(true);
            w.w(
                3,
                &format!(
                    "{}:\t<set to the key '{}' in secret '{}'>\tOptional: {optional}\n",
                    e.name, secret.key, secret.name
                ),
            );
        } else if let Some(cm) = from.config_map_key_ref.as_ref() {
            let optional = cm.optional == Some(true);
            w.w(
                3,
                &format!(
                    "{}:\t<set to the key '{}' of config map '{}'>\tOptional: {optional}\n",
                    e.name, cm.key, cm.name
                ),
            );
        }
    }
}

/// The fields kubectl can resolve for a `fieldRef` (its scheme only converts these two).
fn pod_field(pod: &Pod, path: &str) -> String {
    match path {
        "metadata.name" => text(&pod.metadata.name).to_string(),
        "metadata.namespace" => text(&pod.metadata.namespace).to_string(),
        _ => String::new(),
    }
}

/// kubectl's `ExtractContainerResourceValue`: the container's cpu (in divisor units, rounded
/// up) or memory / ephemeral storage (in divisor bytes, rounded up).
fn container_resource_value(c: &Container, e: &EnvVar) -> Option<String> {
    let selector = e.value_from.as_ref()?.resource_field_ref.as_ref()?;
    let (kind, name) = selector.resource.split_once('.')?;
    let resources = c.resources.as_ref();
    let list = match kind {
        "limits" => resources.and_then(|r| r.limits.as_ref()),
        "requests" => resources.and_then(|r| r.requests.as_ref()),
        _ => return None,
    };
    let value = list.and_then(|l| l.get(name)).and_then(|q| nanos(&q.0)).unwrap_or(0);
    let divisor = selector.divisor.as_ref().and_then(|q| nanos(&q.0)).filter(|d| *d != 0).unwrap_or(1_000_000_000);
    let unit: i128 = match name {
        "cpu" => 1_000_000,
        "memory" | "ephemeral-storage" => 1_000_000_000,
        _ => return None,
    };
    let (value, divisor) = (ceil_div(value, unit), ceil_div(divisor, unit));
    (divisor != 0).then(|| ceil_div(value, divisor).to_string())
}

fn ceil_div(a: i128, b: i128) -> i128 {
    let q = a / b;
    if a % b != 0 && (a > 0) == (b > 0) { q + 1 } else { q }
}

/// `Mounts:` (sorted by mount path) and `Devices:`.
fn container_mounts(w: &mut Writer, c: &Container) {
    let mut mounts = c.volume_mounts.clone().unwrap_or_default();
    w.w(2, &format!("Mounts:{}\n", if mounts.is_empty() { "\t<none>" } else { "" }));
    mounts.sort_by(|a, b| a.mount_path.cmp(&b.mount_path));
    for m in &mounts {
        let mut flags = vec![if m.read_only == Some(true) { "ro".to_string() } else { "rw".to_string() }];
        if let Some(sub) = non_empty(&m.sub_path) {
            flags.push(format!("path={}", go_quote(sub)));
        }
        w.w(3, &format!("{} from {} ({})\n", m.mount_path, m.name, flags.join(",")));
    }
    let mut devices = c.volume_devices.clone().unwrap_or_default();
    if !devices.is_empty() {
        w.w(2, "Devices:\n");
        devices.sort_by(|a, b| a.device_path.cmp(&b.device_path));
        for d in &devices {
            w.w(3, &format!("{} from {}\n", d.device_path, d.name));
        }
    }
}
