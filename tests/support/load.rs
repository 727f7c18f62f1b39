//! Steady HTTP traffic against a Service port on its own runtime while a test drives the CLI
//! synchronously: keep-alive and fresh-connection clients, every answer and failure tallied.

use skiff::demo::traffic::{Tally, Traffic};
use std::time::Duration;

/// Traffic on its own runtime while the test drives the CLI synchronously.
pub struct Load {
    rt: tokio::runtime::Runtime,
    traffic: Option<Traffic>,
}

impl Load {
    pub fn start(port: u16) -> Load {
        Self::start_at(&format!("http://127.0.0.1:{port}/"), 3, 3, Duration::from_millis(5))
    }

    /// `keep_alive` and `fresh` clients on `url`, each pausing `pace` between requests.
    pub fn start_at(url: &str, keep_alive: usize, fresh: usize, pace: Duration) -> Load {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        let traffic = {
            let _guard = rt.enter();
            Traffic::start(url, keep_alive, fresh, pace)
        };
        Load { rt, traffic: Some(traffic) }
    }

    pub fn stop(mut self) -> Tally {
        let traffic = self.traffic.take().unwrap();
        self.rt.block_on(traffic.stop())
    }
}
