//! Keeping the worker's picture of the engine current: one instance is inspected again whenever
//! an event, a request of its own or a resync says it may have changed. Only what the engine
//! answers goes into the picture.

use super::Worker;
use crate::runtime::{ContainerSummary, RuntimeError};

impl Worker {
    /// Inspects `id` again: updated, added (an instance of this pod the worker did not know),
    /// or dropped when the engine no longer has it.
    pub(super) async fn refresh(&mut self, id: &str) {
        match self.env.runtime.inspect(id).await {
            Ok(info) => match self.instances.iter_mut().find(|i| i.id == info.id) {
                Some(known) => *known = info,
                None => self.instances.push(info),
            },
            Err(RuntimeError::NotFound(_)) => self.instances.retain(|i| i.id != id),
            Err(e) => tracing::warn!(container = %id, error = %e, "cannot inspect container; keeping what was known"),
        }
    }

    /// The safety net for missed events: anything the listing shows differently, or does not
    /// show, is inspected again (the listing may predate a container created since).
    pub(super) async fn resync(&mut self, listed: &[ContainerSummary]) {
        let mut stale: Vec<String> = listed
            .iter()
            .filter(|c| !self.instances.iter().any(|i| i.id == c.id && i.state == c.state))
            .map(|c| c.id.clone())
            .collect();
        stale.extend(self.instances.iter().filter(|i| !listed.iter().any(|c| c.id == i.id)).map(|i| i.id.clone()));
        for id in stale {
            self.refresh(&id).await;
        }
    }
}
