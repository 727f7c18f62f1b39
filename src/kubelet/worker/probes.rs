//! Running due probes off the worker's loop and recording their results in the worker's
//! memory; `decide` turns recorded results into readiness and restarts.

use super::Worker;
use crate::probe::{self, Kind, Outcome, Recorded, handler};
use crate::registry::events::EventType;
use crate::runtime::EngineState;
use futures_util::FutureExt;
use std::time::Duration;
use tokio::time::Instant;

/// A finished probe run of one instance.
pub(super) struct Done {
    index: usize,
    instance: String,
    kind: Kind,
    outcome: Outcome,
}

impl Worker {
    pub(super) fn launch_due_probes(&mut self) {
        let now = Instant::now();
        let wall = self.now();
        for index in 0..self.memory.containers.len() {
            let Some(id) = self.memory.containers[index].probes.instance.clone() else { continue };
            let Some(info) = self.instances.iter().find(|i| i.id == id && i.state == EngineState::Running) else {
                continue;
            };
            let started_at = info.started_at.unwrap_or(wall);
            let running_for = Duration::try_from(wall.duration_since(started_at)).unwrap_or(Duration::ZERO);
            let ports = info.ports.clone();
            let started = self.memory.containers[index].probes.started();
            for p in 0..self.memory.containers[index].probes.slots.len() {
                let slot = &mut self.memory.containers[index].probes.slots[p];
                if slot.in_flight || slot.next_at.is_none_or(|at| at > now) {
                    continue;
                }
                if !probe::should_probe(&slot.spec, &slot.counter, started, running_for) {
                    // Look again when the initial delay has passed, or at the next period.
                    let wait = slot
                        .spec
                        .initial_delay
                        .saturating_sub(running_for)
                        .max(Duration::from_millis(100))
                        .min(slot.spec.period);
                    slot.next_at = Some(now + wait);
                    continue;
                }
                self.spawn_probe(index, p, id.clone(), ports.clone());
            }
        }
    }

    fn spawn_probe(
        &mut self,
        index: usize,
        p: usize,
        id: String,
        ports: std::collections::BTreeMap<u16, std::net::SocketAddr>,
    ) {
        let (runtime, transport) = (self.env.runtime.clone(), self.env.probes.clone());
        let Some(container) = self.containers().get(index).cloned() else { return };
        let slot = &mut self.memory.containers[index].probes.slots[p];
        slot.in_flight = true;
        let (probe, kind, timeout, period, first) =
            (slot.spec.probe.clone(), slot.spec.kind, slot.spec.timeout, slot.spec.period, slot.first);
        slot.first = false;
        self.probes.push(
            async move {
                let target = handler::Target {
                    runtime: &*runtime,
                    container_id: &id,
                    container: &container,
                    ports: &ports,
                    transport: &*transport,
                };
                let outcome = if first {
                    handler::run_first(&probe, timeout, &target, period).await
                } else {
                    handler::run(&probe, timeout, &target).await
                };
                Done { index, instance: id, kind, outcome }
            }
            .boxed(),
        );
    }

    pub(super) async fn on_probe(&mut self, done: Done) {
        let name = self.container_name(done.index);
        let Some(memory) = self.memory.containers.get_mut(done.index) else { return };
        if memory.probes.instance.as_deref() != Some(&done.instance) {
            return;
        }
        let was_started = memory.probes.started();
        let Some(slot) = memory.probes.slots.iter_mut().find(|p| p.spec.kind == done.kind) else { return };
        slot.in_flight = false;
        slot.next_at = Some(Instant::now() + slot.spec.period);
        let changed = slot.counter.observe(&done.outcome);
        if done.kind == Kind::Startup && changed == Some(Recorded::Success) && !was_started {
            // Started: liveness and readiness begin now.
            let now = Instant::now();
            for p in memory.probes.slots.iter_mut().filter(|p| p.spec.kind != Kind::Startup) {
                p.next_at = Some(now);
            }
        }
        match &done.outcome {
            Outcome::Failure(out) => {
                let msg = format!("{} probe failed: {out}", done.kind.title());
                self.event(Some(&name), EventType::Warning, "Unhealthy", msg).await;
            }
            Outcome::Warning(out) => {
                let msg = format!("{} probe warning: {out}", done.kind.title());
                self.event(Some(&name), EventType::Warning, "ProbeWarning", msg).await;
            }
            Outcome::Unknown(e) => tracing::debug!(container = %name, error = %e, "probe could not run"),
            Outcome::Success => {}
        }
    }
}
