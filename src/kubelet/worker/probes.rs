//! Running due probes off the worker's loop and applying their results: readiness moves the
//! pod in and out of Service rotation, liveness and startup failures restart the container.

use super::Worker;
use crate::kubelet::status::State;
use crate::probe::{self, Kind, Outcome, Recorded, handler};
use crate::registry::events::EventType;
use futures_util::FutureExt;
use std::time::Duration;
use tokio::time::Instant;

/// A finished probe run.
pub(super) struct Done {
    slot: usize,
    kind: Kind,
    generation: u64,
    outcome: Outcome,
}

impl Worker {
    pub(super) fn launch_due_probes(&mut self) {
        let now = Instant::now();
        for i in 0..self.slots.len() {
            let slot = &self.slots[i];
            let (State::Running { started_at }, Some(id)) = (&slot.state, slot.id.clone()) else {
                continue;
            };
            let running_for = Duration::try_from(self.now().duration_since(*started_at)).unwrap_or(Duration::ZERO);
            let started = slot.started();
            for p in 0..slot.probes.len() {
                let ps = &self.slots[i].probes[p];
                if ps.in_flight || ps.next_at.is_none_or(|at| at > now) {
                    continue;
                }
                if !probe::should_probe(&ps.spec, &ps.counter, started, running_for) {
                    // Look again when the initial delay has passed, or at the next period.
                    let wait = ps
                        .spec
                        .initial_delay
                        .saturating_sub(running_for)
                        .max(Duration::from_millis(100))
                        .min(ps.spec.period);
                    self.slots[i].probes[p].next_at = Some(now + wait);
                    continue;
                }
                self.spawn_probe(i, p, id.clone());
            }
        }
    }

    fn spawn_probe(&mut self, i: usize, p: usize, id: String) {
        let runtime = self.env.runtime.clone();
        let slot = &mut self.slots[i];
        let (container, ports, generation) = (slot.spec.clone(), slot.ports.clone(), slot.generation);
        let ps = &mut slot.probes[p];
        ps.in_flight = true;
        let (probe, kind, timeout, period, first) =
            (ps.spec.probe.clone(), ps.spec.kind, ps.spec.timeout, ps.spec.period, ps.first);
        ps.first = false;
        self.probes.push(
            async move {
                let target =
                    handler::Target { runtime: &*runtime, container_id: &id, container: &container, ports: &ports };
                let outcome = if first {
                    handler::run_first(&probe, timeout, &target, period).await
                } else {
                    handler::run(&probe, timeout, &target).await
                };
                Done { slot: i, kind, generation, outcome }
            }
            .boxed(),
        );
    }

    pub(super) async fn on_probe(&mut self, done: Done) {
        let Some(slot) = self.slots.get_mut(done.slot) else {
            return;
        };
        if slot.generation != done.generation {
            return;
        }
        let was_started = slot.started();
        let name = slot.name().to_string();
        let Some(ps) = slot.probes.iter_mut().find(|p| p.spec.kind == done.kind) else {
            return;
        };
        ps.in_flight = false;
        ps.next_at = Some(Instant::now() + ps.spec.period);
        let changed = ps.counter.observe(&done.outcome);
        match &done.outcome {
            Outcome::Failure(out) => {
                let msg = format!("{} probe failed: {out}", done.kind.title());
                self.event(Some(&name), EventType::Warning, "Unhealthy", msg).await;
            }
            Outcome::Warning(out) => {
                let msg = format!("{} probe warning: {out}", done.kind.title());
                self.event(Some(&name), EventType::Warning, "ProbeWarning", msg).await;
            }
            Outcome::Unknown(e) => {
                tracing::debug!(container = %name, error = %e, "probe could not run")
            }
            Outcome::Success => {}
        }
        match (done.kind, changed) {
            (Kind::Liveness | Kind::Startup, Some(Recorded::Failure)) => {
                self.kill_unhealthy(done.slot, done.kind).await
            }
            (Kind::Startup, Some(Recorded::Success)) if !was_started => {
                // Started: liveness and readiness begin now.
                let now = Instant::now();
                for p in self.slots[done.slot].probes.iter_mut().filter(|p| p.spec.kind != Kind::Startup) {
                    p.next_at = Some(now);
                }
            }
            _ => {}
        }
    }

    /// A recorded liveness or startup failure: stop the container (probe-level grace if set);
    /// its exit then goes through the normal restart path.
    async fn kill_unhealthy(&mut self, i: usize, kind: Kind) {
        let slot = &mut self.slots[i];
        let Some(id) = slot.id.clone().filter(|_| !slot.stopping) else {
            return;
        };
        slot.stopping = true;
        let name = slot.name().to_string();
        let spec_grace = slot.probes.iter().find(|p| p.spec.kind == kind).and_then(|p| p.spec.termination_grace);
        let pod_grace = self.pod.spec.as_ref().and_then(|s| s.termination_grace_period_seconds).unwrap_or(30);
        let grace = Duration::from_secs(u64::try_from(spec_grace.unwrap_or(pod_grace)).unwrap_or(0).max(2));
        let msg = format!("Container {name} failed {} probe, will be restarted", kind.lower());
        self.event(Some(&name), EventType::Normal, "Killing", msg).await;
        let runtime = self.env.runtime.clone();
        self.background.push(
            async move {
                if let Err(e) = runtime.stop(&id, grace).await {
                    tracing::warn!(container = %id, error = %e, "could not stop unhealthy container");
                }
            }
            .boxed(),
        );
    }
}
