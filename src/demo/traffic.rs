//! A traffic generator for demos, tests and benchmarks: keep-alive clients and
//! fresh-connection clients GET a URL in a loop and count what answered (v1, v2, …, by the
//! page's heading) and what failed. Loopback only, paced, stopped on request.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// What the clients saw so far.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Answers by the page's `<h1>` text (e.g. "Hello world v2!").
    pub answers: BTreeMap<String, u64>,
    pub failures: u64,
    /// The first few failures, for the report.
    pub failure_samples: Vec<String>,
}

impl Tally {
    pub fn total(&self) -> u64 {
        self.answers.values().sum::<u64>() + self.failures
    }

    /// `v1 60% · v2 40%`-style split of the answers.
    pub fn split(&self) -> String {
        let answered: u64 = self.answers.values().sum();
        if answered == 0 {
            return "no answers yet".into();
        }
        self.answers.iter().map(|(k, v)| format!("{k} {}%", v * 100 / answered)).collect::<Vec<_>>().join("  ")
    }

    fn add(&mut self, outcome: Result<String, String>) {
        match outcome {
            Ok(heading) => *self.answers.entry(heading).or_default() += 1,
            Err(e) => {
                self.failures += 1;
                if self.failure_samples.len() < 10 {
                    self.failure_samples.push(e);
                }
            }
        }
    }
}

/// Running clients; stop them with `stop`.
pub struct Traffic {
    tally: Arc<Mutex<Tally>>,
    stop: CancellationToken,
    tasks: JoinSet<()>,
}

/// An error and its causes, outermost first: "sending: client error: connection reset".
fn causes(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}

/// The page's heading, which says which version answered.
pub fn heading(body: &str) -> Option<String> {
    let start = body.find("<h1>")? + 4;
    let end = body[start..].find("</h1>")? + start;
    Some(body[start..end].to_string())
}

async fn one(client: &reqwest::Client, url: &str) -> Result<String, String> {
    let resp = client.get(url).send().await.map_err(|e| causes(&e))?;
    let status = resp.status();
    let body = resp.text().await.map_err(|e| format!("reading the body: {e}"))?;
    if !status.is_success() {
        return Err(format!("HTTP {status}: {}", body.trim()));
    }
    heading(&body).ok_or_else(|| format!("unexpected page: {body:.80}"))
}

impl Traffic {
    /// Starts `keep_alive` clients that reuse their connection and `fresh` clients that open a
    /// new one per request, each pausing `pace` between requests.
    pub fn start(url: &str, keep_alive: usize, fresh: usize, pace: Duration) -> Traffic {
        let tally = Arc::new(Mutex::new(Tally::default()));
        let stop = CancellationToken::new();
        let mut tasks = JoinSet::new();
        for i in 0..keep_alive + fresh {
            let reuse = i < keep_alive;
            let builder = reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(10));
            let builder = if reuse { builder.pool_max_idle_per_host(1) } else { builder.pool_max_idle_per_host(0) };
            let Ok(client) = builder.build() else {
                continue;
            };
            let (url, tally, stop) = (url.to_string(), tally.clone(), stop.clone());
            tasks.spawn(async move {
                while !stop.is_cancelled() {
                    let outcome = one(&client, &url).await;
                    tally.lock().unwrap_or_else(|e| e.into_inner()).add(outcome);
                    tokio::select! {
                        _ = stop.cancelled() => break,
                        _ = tokio::time::sleep(pace) => {}
                    }
                }
            });
        }
        Traffic { tally, stop, tasks }
    }

    /// The live tally, for a reporter that prints while the clients run.
    pub fn tally_handle(&self) -> Arc<Mutex<Tally>> {
        self.tally.clone()
    }

    pub fn tally(&self) -> Tally {
        self.tally.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Stops every client (each finishes its request in flight) and returns the final tally.
    pub async fn stop(mut self) -> Tally {
        self.stop.cancel();
        while self.tasks.join_next().await.is_some() {}
        self.tally()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_and_splits() {
        assert_eq!(heading("<html><h1>Hello world v2!</h1>").as_deref(), Some("Hello world v2!"));
        assert_eq!(heading("nope"), None);
        let mut t = Tally::default();
        t.add(Ok("v1".into()));
        t.add(Ok("v1".into()));
        t.add(Ok("v2".into()));
        t.add(Err("boom".into()));
        assert_eq!((t.total(), t.failures), (4, 1));
        assert_eq!(t.split(), "v1 66%  v2 33%");
    }
}
