//! Probes: their Kubernetes configuration resolved with defaults, the consecutive-result
//! threshold counter, startup gating, and the handlers that run them (HTTP, gRPC and TCP through
//! the pod's 127.0.0.1 published ports, exec through the runtime).

pub mod grpc;
pub mod handler;
pub mod http;
mod target;
pub mod transport;

use k8s_openapi::api::core::v1::{Container, Probe};
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Startup,
    Liveness,
    Readiness,
}

impl Kind {
    /// `Liveness`, as in "Liveness probe failed: …".
    pub fn title(self) -> &'static str {
        match self {
            Kind::Startup => "Startup",
            Kind::Liveness => "Liveness",
            Kind::Readiness => "Readiness",
        }
    }

    pub fn lower(self) -> &'static str {
        match self {
            Kind::Startup => "startup",
            Kind::Liveness => "liveness",
            Kind::Readiness => "readiness",
        }
    }
}

/// The outcome of one probe run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Success,
    /// Success with something worth an event (`ProbeWarning`), e.g. a cross-host redirect.
    Warning(String),
    Failure(String),
    /// The prober itself failed; ignored, like the kubelet does.
    Unknown(String),
}

/// A probe with Kubernetes' defaults applied.
#[derive(Clone, Debug, PartialEq)]
pub struct Spec {
    pub kind: Kind,
    pub probe: Probe,
    pub initial_delay: Duration,
    pub period: Duration,
    pub timeout: Duration,
    pub success_threshold: u32,
    pub failure_threshold: u32,
    /// Probe-level terminationGracePeriodSeconds (liveness and startup only).
    pub termination_grace: Option<i64>,
}

fn secs(v: Option<i32>, default: i32) -> Duration {
    let v = v.filter(|v| *v > 0).unwrap_or(default);
    Duration::from_secs(u64::try_from(v).unwrap_or(0))
}

impl Spec {
    pub fn new(kind: Kind, probe: &Probe) -> Spec {
        let threshold =
            |v: Option<i32>, default: i32| u32::try_from(v.filter(|v| *v > 0).unwrap_or(default)).unwrap_or(1);
        Spec {
            kind,
            probe: probe.clone(),
            initial_delay: Duration::from_secs(u64::try_from(probe.initial_delay_seconds.unwrap_or(0)).unwrap_or(0)),
            period: secs(probe.period_seconds, 10),
            timeout: secs(probe.timeout_seconds, 1),
            success_threshold: threshold(probe.success_threshold, 1),
            failure_threshold: threshold(probe.failure_threshold, 3),
            termination_grace: probe.termination_grace_period_seconds,
        }
    }

    /// The container's probes, startup first.
    pub fn for_container(c: &Container) -> Vec<Spec> {
        [(Kind::Startup, &c.startup_probe), (Kind::Liveness, &c.liveness_probe), (Kind::Readiness, &c.readiness_probe)]
            .into_iter()
            .filter_map(|(k, p)| p.as_ref().map(|p| Spec::new(k, p)))
            .collect()
    }
}

/// The recorded result of one probe for one container instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recorded {
    Success,
    Failure,
    Unknown,
}

/// Counts consecutive results and records a result only once its threshold is reached
/// (prober worker.go): readiness starts as Failure, liveness as Success, startup as Unknown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Counter {
    kind: Kind,
    success_threshold: u32,
    failure_threshold: u32,
    recorded: Recorded,
    last: Option<bool>,
    run: u32,
    /// After a recorded liveness or startup failure, probing stops until a new container.
    on_hold: bool,
}

impl Counter {
    pub fn new(spec: &Spec) -> Counter {
        let recorded = match spec.kind {
            Kind::Readiness => Recorded::Failure,
            Kind::Liveness => Recorded::Success,
            Kind::Startup => Recorded::Unknown,
        };
        Counter {
            kind: spec.kind,
            success_threshold: spec.success_threshold,
            failure_threshold: spec.failure_threshold,
            recorded,
            last: None,
            run: 0,
            on_hold: false,
        }
    }

    pub fn recorded(&self) -> Recorded {
        self.recorded
    }

    /// Takes Success as already recorded: a container adopted while it was serving.
    pub fn assume_success(&mut self) {
        self.recorded = Recorded::Success;
    }

    pub fn on_hold(&self) -> bool {
        self.on_hold
    }

    /// Feeds one result; returns the newly recorded result when it changes.
    pub fn observe(&mut self, outcome: &Outcome) -> Option<Recorded> {
        let success = match outcome {
            Outcome::Success | Outcome::Warning(_) => true,
            Outcome::Failure(_) => false,
            Outcome::Unknown(_) => return None,
        };
        if self.last == Some(success) {
            self.run = self.run.saturating_add(1);
        } else {
            self.last = Some(success);
            self.run = 1;
        }
        let threshold = if success { self.success_threshold } else { self.failure_threshold };
        if self.run < threshold {
            return None;
        }
        let new = if success { Recorded::Success } else { Recorded::Failure };
        if !success && matches!(self.kind, Kind::Liveness | Kind::Startup) {
            self.on_hold = true;
            self.run = 0;
        }
        (new != self.recorded).then(|| {
            self.recorded = new;
            new
        })
    }
}

/// Whether a probe of `kind` runs now: startup runs until the container has started, the
/// others only after; none before initialDelaySeconds; none while on hold.
pub fn should_probe(spec: &Spec, counter: &Counter, started: bool, running_for: Duration) -> bool {
    if counter.on_hold() || running_for < spec.initial_delay {
        return false;
    }
    match spec.kind {
        Kind::Startup => !started,
        Kind::Liveness | Kind::Readiness => started,
    }
}

#[cfg(test)]
mod tests;
