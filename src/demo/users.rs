//! Simulated users for demos and tests: each user keeps its own cookie jar (the one cookie a
//! version-affine Service sets) and its own keep-alive connection, asks for the page in a loop,
//! and remembers which version answered each time, so that we can count who saw the version
//! change more than once. Loopback only, paced, stopped on request.

use super::traffic::heading;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// One answer a user got: when, and which version (the page's heading), or why it failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seen {
    pub at: Instant,
    pub answer: Result<String, String>,
}

/// Running users; stop them with `stop`.
pub struct Users {
    seen: Vec<Arc<Mutex<Vec<Seen>>>>,
    stop: CancellationToken,
    tasks: JoinSet<()>,
}

/// What one user went through.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Journey {
    pub seen: Vec<Seen>,
}

impl Journey {
    /// The versions in the order they answered, each run of one version counted once.
    pub fn versions(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for s in &self.seen {
            if let Ok(v) = &s.answer
                && out.last() != Some(&v.as_str())
            {
                out.push(v);
            }
        }
        out
    }

    /// How many times the answering version changed.
    pub fn switches(&self) -> usize {
        self.versions().len().saturating_sub(1)
    }

    pub fn failures(&self) -> usize {
        self.seen.iter().filter(|s| s.answer.is_err()).count()
    }

    /// The part of the journey from `from` (inclusive) to `to` (exclusive).
    pub fn between(&self, from: Instant, to: Instant) -> Journey {
        Journey { seen: self.seen.iter().filter(|s| s.at >= from && s.at < to).cloned().collect() }
    }
}

/// The `skiff-version=…` pair out of a Set-Cookie header, if it sets one.
fn cookie_pair(set_cookie: &str) -> Option<String> {
    let pair = set_cookie.split(';').next()?.trim();
    pair.starts_with("skiff-version=").then(|| pair.to_string())
}

async fn visit(client: &reqwest::Client, url: &str, jar: &mut Option<String>) -> Result<String, String> {
    let mut req = client.get(url);
    if let Some(cookie) = jar.as_deref() {
        req = req.header(reqwest::header::COOKIE, cookie);
    }
    let resp = req.send().await.map_err(|e| format!("{e}"))?;
    let set = resp.headers().get_all(reqwest::header::SET_COOKIE).iter().filter_map(|v| v.to_str().ok());
    if let Some(pair) = set.filter_map(cookie_pair).next_back() {
        *jar = Some(pair);
    }
    let status = resp.status();
    let body = resp.text().await.map_err(|e| format!("reading the body: {e}"))?;
    if !status.is_success() {
        return Err(format!("HTTP {status}: {}", body.trim()));
    }
    heading(&body).ok_or_else(|| format!("unexpected page: {body:.80}"))
}

impl Users {
    /// Starts `n` users on `url`, each pausing `pace` between visits.
    pub fn start(url: &str, n: usize, pace: Duration) -> Users {
        let stop = CancellationToken::new();
        let mut tasks = JoinSet::new();
        let mut seen = Vec::with_capacity(n);
        for _ in 0..n {
            let Ok(client) = reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(10)).build() else {
                continue;
            };
            let log = Arc::new(Mutex::new(Vec::new()));
            seen.push(log.clone());
            let (url, stop) = (url.to_string(), stop.clone());
            tasks.spawn(async move {
                let mut jar = None;
                while !stop.is_cancelled() {
                    let answer = visit(&client, &url, &mut jar).await;
                    log.lock().unwrap_or_else(|e| e.into_inner()).push(Seen { at: Instant::now(), answer });
                    tokio::select! {
                        _ = stop.cancelled() => break,
                        _ = tokio::time::sleep(pace) => {}
                    }
                }
            });
        }
        Users { seen, stop, tasks }
    }

    /// Stops every user (each finishes its visit) and returns their journeys.
    pub async fn stop(mut self) -> Vec<Journey> {
        self.stop.cancel();
        while self.tasks.join_next().await.is_some() {}
        self.seen.iter().map(|s| Journey { seen: s.lock().unwrap_or_else(|e| e.into_inner()).clone() }).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_journey_counts_changes_of_version() {
        let at = Instant::now();
        let seen = |v: &str| Seen { at, answer: Ok(v.into()) };
        let j = Journey { seen: vec![seen("v1"), seen("v1"), seen("v2"), seen("v2"), seen("v1")] };
        assert_eq!((j.versions(), j.switches(), j.failures()), (vec!["v1", "v2", "v1"], 2, 0));
        assert_eq!(cookie_pair("skiff-version=7d9c; Path=/; HttpOnly").as_deref(), Some("skiff-version=7d9c"));
        assert_eq!(cookie_pair("session=1"), None);
    }
}
