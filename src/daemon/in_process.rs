//! The daemon's reconcilers (controllers and kubelet) in-process, on the recording fake runtime
//! and an in-memory store, for tests on a paused clock: boot one, kill it where it stands, boot
//! another on the same store and engine.

use super::{Tasks, spawn_reconcilers};
use crate::clock::Clock;
use crate::kubelet::{self, endpoints::NoEndpoints};
use crate::model::validation::PodSecurityPolicy;
use crate::probe::transport::fake::Answering;
use crate::registry::Registry;
use crate::registry::services::ServicePorts;
use crate::runtime::fake::FakeRuntime;
use crate::store::Store;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

pub struct Daemon {
    pub registry: Arc<Registry>,
    stop: CancellationToken,
    tasks: Tasks,
}

impl Daemon {
    pub async fn boot(store: &Arc<Store>, fake: &Arc<FakeRuntime>, clock: Clock) -> Daemon {
        let ports = ServicePorts::default();
        let registry = Registry::new(store.clone(), clock, PodSecurityPolicy::default(), ports, "node").await;
        let registry = Arc::new(registry.expect("registry"));
        let env = Arc::new(kubelet::Env {
            runtime: fake.clone(),
            registry: registry.clone(),
            endpoints: Arc::new(NoEndpoints),
            instance: "in-process".into(),
            host_ip: "127.0.0.1".parse().unwrap(),
            engine: Arc::default(),
            volumes_dir: std::env::temp_dir().join("skiff-in-process-volumes"),
            probes: Arc::new(Answering::default()),
        });
        let (stop, mut tasks) = (CancellationToken::new(), Tasks::new());
        spawn_reconcilers(&mut tasks, env, &stop);
        Daemon { registry, stop, tasks }
    }

    /// `kill -9`: every task is dropped where it stands.
    pub fn kill(mut self) {
        self.tasks.abort_all();
        self.stop.cancel();
    }
}
