//! `skiff demo`: the lessons, narrated and checked, each on a fresh daemon with a temporary
//! state dir (`run`), with what every lesson shares (`Lesson`). The classic one is here: it
//! deploys "Hello world!", rolls it to v2 under live traffic (showing the split, confirming
//! nothing failed, and showing simulated users through a plain and a version-affine Service:
//! the lecture's "every user is served one version"), undoes it, then shows a broken v3 that
//! never becomes ready: the rollout stalls, v1 keeps serving, the deadline passes, undo
//! recovers. The next one, configuration, is in `config_lesson`. Everything is left running
//! until Ctrl-C (or removed, with --finish). The dashboard's address is given at the start, so
//! the student can watch each step there.

mod autoscale_lesson;
mod config_lesson;

use super::images;
use super::traffic::{Tally, Traffic};
use super::users::{Journey, Users};
use crate::daemon::{self, Config};
use crate::model::validation::PodSecurityPolicy;
use crate::registry::services::ServicePorts;
use crate::runtime::{ContainerRuntime, Docker};
use anyhow::{Context, bail};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

pub(super) const DEPLOYMENT: &str = "deployment/hello-kubernetes";

/// The lesson's manifest: the example, with a short progress deadline so that the broken v3
/// is declared failed within the demo, and a second Service over the same pods that keeps each
/// user on one version.
fn manifest() -> String {
    let example = include_str!("../../examples/hello-kubernetes.yaml");
    let example = example.replacen("  replicas: 3\n", "  replicas: 3\n  progressDeadlineSeconds: 15\n", 1);
    format!("{example}---\n{STICKY}")
}

const STICKY_SERVICE: &str = "hello-kubernetes-sticky";
const STICKY: &str = "apiVersion: v1
kind: Service
metadata:
  name: hello-kubernetes-sticky
  annotations:
    skiff.io/version-affinity: revision
spec:
  type: NodePort
  selector:
    app: hello-kubernetes
  ports:
    - port: 80
      targetPort: http
";

/// Users of one Service during a rollout: how many saw the version change more than once.
fn report_users(service: &str, journeys: &[Journey]) -> (usize, usize) {
    let flipped = journeys.iter().filter(|j| j.switches() > 1).count();
    let failed: usize = journeys.iter().map(Journey::failures).sum();
    say(&format!(
        "  {service}: {} users, \x1b[1m{flipped} saw the version change more than once\x1b[0m, {failed} failed requests",
        journeys.len()
    ));
    (flipped, failed)
}

/// The skiff CLI, handed in by it: the lessons drive skiff through its own commands, and so sit
/// below the CLI instead of calling back up into it.
#[async_trait::async_trait]
pub trait Shell: Send + Sync {
    /// Runs `skiff ARGS` in-process, its output on stdout; an error comes back as the message
    /// the command printed.
    async fn run(&self, args: Vec<String>) -> Result<(), String>;
    /// GETs `path` from the API at `server` as JSON.
    async fn get(&self, server: &str, path: &str) -> anyhow::Result<serde_json::Value>;
    /// The dashboard's address on the API at `server`.
    fn dashboard(&self, server: &str) -> String;
}

/// Which lesson to teach.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Chapter {
    /// Hello world! → v2 → rollback → a broken v3.
    Rollout,
    /// MESSAGE from a ConfigMap; a change of it rolls out; undo brings it back.
    Config,
    /// An HPA scales under CPU load and back down after its window.
    Autoscale,
}

pub(super) struct Lesson {
    pub(super) server: String,
    pub(super) dir: PathBuf,
    pub(super) url: String,
    /// The version-affine Service's address (the rollout lesson's second Service).
    pub(super) sticky_url: String,
    /// The namespace the lesson's commands work in (`-n`).
    pub(super) namespace: &'static str,
    pub(super) shell: Arc<dyn Shell>,
}

pub(super) fn say(text: &str) {
    println!("{text}");
}

pub(super) fn step(n: u32, of: u32, title: &str) {
    println!("\n\x1b[1mStep {n}/{of} · {title}\x1b[0m");
}

impl Lesson {
    /// Runs one CLI command in-process, echoing it like a terminal would.
    pub(super) async fn skiff(&self, args: &[&str]) -> Result<(), String> {
        let ns: Vec<&str> = if self.namespace == "default" { Vec::new() } else { vec!["-n", self.namespace] };
        println!("\x1b[2m$ skiff {}\x1b[0m", ns.iter().chain(args).copied().collect::<Vec<_>>().join(" "));
        let mut argv = vec!["--server", self.server.as_str()];
        argv.extend_from_slice(&ns);
        argv.extend_from_slice(args);
        self.shell.run(argv.into_iter().map(String::from).collect()).await
    }

    pub(super) async fn must(&self, args: &[&str]) -> anyhow::Result<()> {
        self.skiff(args).await.map_err(|e| anyhow::anyhow!("`skiff {}` failed: {e}", args.join(" ")))
    }

    /// Runs `rollout status` while traffic flows, printing the live split every second.
    pub(super) async fn rollout_under_traffic(&self, traffic: &Traffic, expect_failure: bool) -> anyhow::Result<()> {
        let printer = {
            let tally = traffic_view(traffic);
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(Duration::from_secs(1));
                tick.tick().await;
                loop {
                    tick.tick().await;
                    let t = tally();
                    println!(
                        "  \x1b[36mtraffic: {} requests · {} · failed {}\x1b[0m",
                        t.total(),
                        t.split(),
                        t.failures
                    );
                }
            })
        };
        let result = self.skiff(&["rollout", "status", DEPLOYMENT]).await;
        printer.abort();
        match (result, expect_failure) {
            (Ok(()), false) | (Err(_), true) => Ok(()),
            (Ok(()), true) => bail!("the broken rollout was expected to fail"),
            (Err(e), false) => Err(anyhow::anyhow!("rollout failed: {e}")),
        }
    }

    /// Every answer right now comes from `heading`.
    pub(super) async fn only(&self, heading: &str) -> anyhow::Result<()> {
        let client = reqwest::Client::builder().no_proxy().build()?;
        for _ in 0..20 {
            let body = client.get(&self.url).send().await?.text().await?;
            let got = super::traffic::heading(&body).unwrap_or_default();
            if got != heading {
                bail!("expected only {heading:?}, but {got:?} answered");
            }
        }
        say(&format!("  every answer now says \"{heading}\""));
        Ok(())
    }
}

fn traffic_view(traffic: &Traffic) -> impl Fn() -> Tally + Send + 'static {
    let snapshot = traffic.tally_handle();
    move || snapshot.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

pub(super) fn report(t: &Tally, during: &str) -> anyhow::Result<()> {
    say(&format!("  ✓ {} requests during {during}: {} · \x1b[1m{} failed\x1b[0m", t.total(), t.split(), t.failures));
    if t.failures > 0 {
        bail!("{} requests failed during {during}: {:?}", t.failures, t.failure_samples);
    }
    Ok(())
}

/// The nodePort of one of the lesson's Services.
pub(super) async fn node_port(l: &Lesson, service: &str) -> anyhow::Result<u16> {
    let path = format!("/api/v1/namespaces/{}/services/{service}", l.namespace);
    let svc = l.shell.get(&l.server, &path).await?;
    svc["spec"]["ports"][0]["nodePort"]
        .as_u64()
        .and_then(|p| u16::try_from(p).ok())
        .context("the service has no nodePort")
}

async fn teach(l: &mut Lesson) -> anyhow::Result<()> {
    step(1, 4, "Deploy \"Hello world!\" with three replicas");
    let file = l.dir.join("hello-kubernetes.yaml");
    std::fs::write(&file, manifest())?;
    let file = file.to_string_lossy().to_string();
    l.must(&["apply", "-f", &file]).await?;
    l.url = format!("http://127.0.0.1:{}/", node_port(l, "hello-kubernetes").await?);
    l.sticky_url = format!("http://127.0.0.1:{}/", node_port(l, STICKY_SERVICE).await?);
    l.must(&["rollout", "status", DEPLOYMENT]).await?;
    l.must(&["get", "pods"]).await?;
    say(&format!("  The Service answers at {} — open it in a browser.", l.url));
    l.only("Hello world!").await?;

    step(2, 4, "Roll out v2 while users keep coming");
    say("  traffic: 4 keep-alive clients and 4 clients opening a new connection per request, and");
    say(&format!("  10 users with their own cookies on each of hello-kubernetes and {STICKY_SERVICE}"));
    say("  (the same pods; the second Service has skiff.io/version-affinity: revision)");
    let traffic = Traffic::start(&l.url, 4, 4, Duration::from_millis(5));
    let (plain, sticky) = (
        Users::start(&l.url, 10, Duration::from_millis(20)),
        Users::start(&l.sticky_url, 10, Duration::from_millis(20)),
    );
    l.must(&["set", "image", DEPLOYMENT, "hello-kubernetes=hello-kubernetes:2.0"]).await?;
    l.rollout_under_traffic(&traffic, false).await?;
    report(&traffic.stop().await, "the rollout to v2")?;
    report_users("hello-kubernetes", &plain.stop().await);
    let (flipped, failed) = report_users(STICKY_SERVICE, &sticky.stop().await);
    if flipped + failed > 0 {
        bail!("the version-affine Service let {flipped} users flip versions and failed {failed} requests");
    }
    say("  Through the version-affine Service every user saw one version, then the other, never both in turn.");
    l.only("Hello world v2!").await?;
    l.must(&["rollout", "history", DEPLOYMENT]).await?;

    step(3, 4, "Changed your mind? Undo");
    let traffic = Traffic::start(&l.url, 4, 4, Duration::from_millis(5));
    l.must(&["rollout", "undo", DEPLOYMENT]).await?;
    l.rollout_under_traffic(&traffic, false).await?;
    report(&traffic.stop().await, "the rollback")?;
    l.only("Hello world!").await?;
    l.must(&["rollout", "history", DEPLOYMENT]).await?;
    say("  Revision 1 came back as revision 3: its ReplicaSet was reused, as in Kubernetes.");

    step(4, 4, "A broken v3 that never becomes ready");
    let traffic = Traffic::start(&l.url, 2, 2, Duration::from_millis(10));
    l.must(&["set", "image", DEPLOYMENT, "hello-kubernetes=hello-kubernetes:3.0"]).await?;
    say("  The new pod never passes its readiness probe, so it gets no traffic and the old");
    say("  pods stay; after progressDeadlineSeconds (15 s here) the rollout is declared failed.");
    l.rollout_under_traffic(&traffic, true).await?;
    l.must(&["get", "pods"]).await?;
    l.must(&["rollout", "undo", DEPLOYMENT]).await?;
    l.must(&["rollout", "status", DEPLOYMENT]).await?;
    let t = traffic.stop().await;
    report(&t, "the broken rollout and its undo")?;
    if t.answers.keys().any(|h| h != "Hello world!") {
        bail!("something other than v1 answered during the broken rollout: {:?}", t.answers);
    }
    say("  v1 served every request; the broken pods are gone.");
    Ok(())
}

/// Removes every container of this demo's daemon instance.
async fn clean(runtime: &dyn ContainerRuntime, instance: &str) {
    let filter = [(crate::kubelet::container::LABEL_INSTANCE.to_string(), instance.to_string())];
    for c in runtime.list(&filter).await.unwrap_or_default() {
        let _ = runtime.remove(&c.id).await;
    }
}

/// Runs a lesson; with `finish`, returns when it is done instead of waiting for Ctrl-C.
pub async fn run(chapter: Chapter, finish: bool, shell: Arc<dyn Shell>) -> anyhow::Result<()> {
    match chapter {
        Chapter::Rollout => say("\x1b[1mskiff demo: the rolling-update lesson (Hello world! → v2 → rollback)\x1b[0m"),
        Chapter::Config => {
            say("\x1b[1mskiff demo config: configuration that rolls out (ConfigMap → new message → undo)\x1b[0m")
        }
        Chapter::Autoscale => {
            say("\x1b[1mskiff demo autoscale: a HorizontalPodAutoscaler under load (1 → more → 1)\x1b[0m")
        }
    }
    let docker = Arc::new(Docker::connect().await.context("cannot reach the Docker engine")?);
    say("Building the demo images (FROM scratch, nothing pulled)...");
    images::ensure(&*docker).await?;
    let dir = std::env::temp_dir().join(format!("skiff-demo-{}", uuid::Uuid::new_v4().simple()));
    let instance = daemon::instance_id(&dir)?;
    let listener = crate::conn::bind("127.0.0.1:0".parse()?)?;
    let server = format!("http://{}", listener.local_addr()?);
    let config = Config {
        state_dir: dir.clone(),
        instance: instance.clone(),
        services: ServicePorts::default(),
        token: None,
        policy: PodSecurityPolicy::default(),
        connections: daemon::Connections::with_defaults(crate::conn::budget::raise_nofile_limit().unwrap_or(1024)),
        watch_history: 10_000,
        manifests: None,
        shutdown_grace: Duration::ZERO,
    };
    let succession = daemon::succession(&dir, false).await?;
    let shutdown = CancellationToken::new();
    let network = daemon::Network::host();
    let daemon = tokio::spawn(daemon::run(config, listener, docker.clone(), network, shutdown.clone(), succession));
    let result = async {
        let of = if chapter == Chapter::Rollout { 4 } else { 3 };
        step(0, of, "Start a daemon on a temporary state dir");
        say(&format!("  skiff daemon --state-dir {} (API at {server})", dir.display()));
        say(&format!(
            "  \x1b[1mOpen the live dashboard now: {}\x1b[0m — it shows every step below as it happens.",
            shell.dashboard(&server)
        ));
        let namespace = if chapter == Chapter::Config { config_lesson::NAMESPACE } else { "default" };
        let mut lesson = Lesson {
            server: server.clone(),
            dir: dir.clone(),
            url: String::new(),
            sticky_url: String::new(),
            namespace,
            shell,
        };
        match chapter {
            Chapter::Rollout => teach(&mut lesson).await?,
            Chapter::Config => config_lesson::teach(&mut lesson).await?,
            Chapter::Autoscale => autoscale_lesson::teach(&mut lesson).await?,
        }
        closing(&lesson, finish).await
    }
    .await;
    shutdown.cancel();
    let _ = daemon.await;
    clean(&*docker, &instance).await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

async fn closing(l: &Lesson, finish: bool) -> anyhow::Result<()> {
    let exe = std::env::current_exe().map(|p| p.display().to_string()).unwrap_or_else(|_| "skiff".into());
    println!("\n\x1b[1mYour turn.\x1b[0m The daemon keeps running; in another terminal:");
    println!("  export SKIFF_SERVER={}", l.server);
    let exe = if l.namespace == "default" { exe } else { format!("{exe} -n {}", l.namespace) };
    println!("  {exe} get pods -w");
    if l.url.contains("/work") {
        println!("  {exe} get hpa -w                          # and load it: curl {} in a loop", l.url);
        println!("  {exe} top pods");
    } else if l.namespace == "default" {
        println!("  {exe} set image deployment/hello-kubernetes hello-kubernetes=hello-kubernetes:2.0");
    } else {
        println!("  {exe} edit configmap hello-config");
    }
    println!("  {exe} rollout status deployment/hello-kubernetes");
    println!("  {exe} rollout history deployment/hello-kubernetes");
    println!("  {exe} rollout undo deployment/hello-kubernetes");
    println!("  {exe} dashboard                          # the live dashboard's address");
    println!("  curl {}", l.url);
    let ns = if l.namespace == "default" { String::new() } else { format!(" -n {}", l.namespace) };
    println!("  kubectl --server {}{ns} get pods          # plain kubectl works too", l.server);
    if finish {
        println!("(--finish: cleaning up now)");
        return Ok(());
    }
    println!("Press Ctrl-C to stop the daemon and remove everything the demo created.");
    tokio::signal::ctrl_c().await?;
    println!("Cleaning up...");
    Ok(())
}
