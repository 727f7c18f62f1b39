//! The shared harness for tests against the real Docker engine: each test gets its own daemon
//! (the real binary, port 0, a temporary state dir), the CLI pointed at it, polling with
//! deadlines, and cleanup of exactly the containers its daemon made, even when it fails.

#![allow(dead_code)]

pub mod browser;
pub mod kubectl;
pub mod load;

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_skiff");

/// Fails loudly (never skips) when no Docker engine answers: CI must have one.
pub fn require_docker() {
    let ok = Command::new("docker")
        .arg("info")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "these tests need a running Docker engine; `docker info` failed");
}

/// Builds the demo images once per test binary (a no-op when they hold this binary already).
pub fn demo_images() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        require_docker();
        let out = Command::new(BIN).args(["demo", "images"]).output().expect("run skiff demo images");
        assert!(out.status.success(), "building the demo images failed: {}", String::from_utf8_lossy(&out.stderr));
    });
}

pub struct Daemon {
    child: Option<Child>,
    pub state: tempfile::TempDir,
    pub server: String,
    pub instance: String,
    extra: Vec<String>,
    /// The open-file limit (soft and hard) the daemon starts with, if not inherited.
    nofile: Option<u64>,
}

impl Daemon {
    pub fn start() -> Daemon {
        Self::start_with(&[])
    }

    /// A daemon with extra flags, on a fresh state dir.
    pub fn start_with(extra: &[&str]) -> Daemon {
        Self::start_limited(None, extra)
    }

    /// A daemon whose open-file limit is `nofile` (soft and hard), as on a host configured so.
    pub fn start_limited(nofile: Option<u64>, extra: &[&str]) -> Daemon {
        demo_images();
        let state = tempfile::tempdir().expect("tempdir");
        let mut d = Daemon {
            child: None,
            state,
            server: String::new(),
            instance: String::new(),
            extra: extra.iter().map(|s| s.to_string()).collect(),
            nofile,
        };
        d.launch();
        d
    }

    fn launch(&mut self) {
        self.launch_with(&[]);
    }

    /// Starts a daemon on this state dir with `once` added to its flags for this start only.
    fn launch_with(&mut self, once: &[&str]) {
        let mut command = Command::new(BIN);
        if let Some(limit) = self.nofile {
            use std::os::unix::process::CommandExt;
            // SAFETY: setrlimit is async-signal-safe; it only reads the struct it is given.
            unsafe {
                command.pre_exec(move || {
                    let rlimit = libc::rlimit { rlim_cur: limit, rlim_max: limit };
                    if libc::setrlimit(libc::RLIMIT_NOFILE, &rlimit) == 0 {
                        Ok(())
                    } else {
                        Err(std::io::Error::last_os_error())
                    }
                });
            }
        }
        let mut child = command
            .args(["daemon", "--listen", "127.0.0.1:0", "--state-dir"])
            .arg(self.state.path())
            .args(&self.extra)
            .args(once)
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log_file(&self.state.path().join("daemon.log"))))
            .spawn()
            .expect("start skiff daemon");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).expect("daemon prints its address");
        self.server = line.trim().rsplit(' ').next().unwrap_or_default().to_string();
        assert!(self.server.starts_with("http://"), "unexpected daemon output {line:?}; log: {}", self.log());
        self.instance =
            std::fs::read_to_string(self.state.path().join("instance-id")).expect("instance id").trim().to_string();
        self.child = Some(child);
    }

    /// The daemon's process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(Child::id).expect("the daemon is running")
    }

    /// The daemon's resident memory, in bytes.
    pub fn rss(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).expect("/proc status");
        let kib = status.lines().find_map(|l| l.strip_prefix("VmRSS:")).and_then(|v| v.trim().split(' ').next());
        kib.and_then(|k| k.parse::<u64>().ok()).expect("VmRSS") * 1024
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.state.path().join("daemon.log")).unwrap_or_default()
    }

    /// SIGKILL the daemon (workloads stay), then start it again on the same state dir.
    pub fn crash_and_restart(&mut self) {
        self.kill();
        self.launch();
    }

    /// SIGTERM, as an operator stopping the daemon would; waits for it to exit.
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = Command::new("kill").args(["-TERM", &c.id().to_string()]).status();
            let _ = c.wait();
        }
    }

    pub fn restart(&mut self) {
        self.stop();
        self.launch();
    }

    /// `skiff daemon --upgrade` on the same state dir: the new daemon takes the sockets over;
    /// waits until the old one has exited, and returns how it exited.
    pub fn upgrade(&mut self) -> std::process::ExitStatus {
        let mut old = self.child.take().expect("a running daemon");
        self.launch_with(&["--upgrade"]);
        old.wait().expect("the old daemon exits")
    }

    /// SIGTERM, and a new daemon started on the same state dir while the old one shuts down;
    /// waits until the old one has exited.
    pub fn restart_overlapping(&mut self) -> std::process::ExitStatus {
        let mut old = self.child.take().expect("a running daemon");
        let _ = Command::new("kill").args(["-TERM", &old.id().to_string()]).status();
        self.launch();
        old.wait().expect("the old daemon exits")
    }

    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Runs the CLI against this daemon.
    pub fn skiff(&self, args: &[&str]) -> Output {
        Command::new(BIN).args(args).env("SKIFF_SERVER", &self.server).output().expect("run skiff")
    }

    /// Runs the CLI and insists it succeeds; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.skiff(args);
        assert!(
            out.status.success(),
            "skiff {args:?} failed:\nstdout: {}\nstderr: {}",
            text(&out.stdout),
            text(&out.stderr)
        );
        text(&out.stdout)
    }

    /// GET on the API, as JSON.
    pub fn api(&self, path: &str) -> Value {
        let body = web::blocking_get(&format!("{}{path}", self.server));
        serde_json::from_str(&body).unwrap_or(Value::Null)
    }

    /// The value of one series on /metrics (`name{labels}` exactly as rendered), if present.
    pub fn metric(&self, series: &str) -> Option<u64> {
        let text = web::blocking_get(&format!("{}/metrics", self.server));
        text.lines().find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
    }

    /// The ids of containers this daemon's instance owns on the engine.
    pub fn containers(&self) -> Vec<String> {
        docker_ids(&format!("label=io.skiff.instance={}", self.instance), true)
    }

    pub fn running_containers(&self) -> Vec<String> {
        docker_ids(&format!("label=io.skiff.instance={}", self.instance), false)
    }

    pub fn node_port(&self, service: &str) -> u16 {
        let svc = self.api(&format!("/api/v1/namespaces/default/services/{service}"));
        svc["spec"]["ports"][0]["nodePort"].as_u64().expect("nodePort") as u16
    }

    /// Removes every container of this instance. A create the killed daemon had sent can still
    /// complete in the engine after it died (and be left `Created`), so the engine is asked
    /// again until it has shown none twice, half a second apart (for at most 10 s).
    fn remove_containers(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut empty_answers = 0;
        while empty_answers < 2 && Instant::now() < deadline {
            let ids = self.containers();
            if ids.is_empty() {
                empty_answers += 1;
            } else {
                empty_answers = 0;
                let _ = Command::new("docker")
                    .arg("rm")
                    .arg("-f")
                    .args(&ids)
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status();
            }
            if empty_answers < 2 {
                std::thread::sleep(Duration::from_millis(500));
            }
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.kill();
        self.remove_containers();
        if std::thread::panicking() {
            eprintln!("--- daemon log ---\n{}", self.log());
        }
    }
}

/// A raw HTTP request to the API on a fresh connection; returns (status, body as JSON).
/// The daemon log, appended to: every daemon on one state dir writes to the same file.
fn log_file(path: &std::path::Path) -> std::fs::File {
    std::fs::OpenOptions::new().create(true).append(true).open(path).expect("log file")
}

pub fn raw(d: &Daemon, method: &str, path: &str, headers: &str, body: &[u8]) -> (u16, Value) {
    let addr = d.server.trim_start_matches("http://").to_string();
    let mut s = TcpStream::connect(&addr).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n{headers}\r\n",
        body.len()
    )
    .unwrap();
    let _ = s.write_all(body);
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out);
    let status = text.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let json = text.split("\r\n\r\n").nth(1).and_then(|b| serde_json::from_str(b).ok()).unwrap_or(Value::Null);
    (status, json)
}

/// Raises this process's soft open-file limit to its hard limit (tests that hold thousands of
/// connections need it) and returns it.
pub fn raise_nofile() -> u64 {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit and setrlimit only read or write the struct they are given.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit), 0);
        let raised = libc::rlimit { rlim_cur: limit.rlim_max, rlim_max: limit.rlim_max };
        assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &raised), 0, "{}", std::io::Error::last_os_error());
    }
    limit.rlim_max
}

pub fn docker_ids(filter: &str, all: bool) -> Vec<String> {
    let mut cmd = Command::new("docker");
    cmd.args(["ps", "-q", "--no-trunc", "--filter", filter]);
    if all {
        cmd.arg("-a");
    }
    let out = cmd.output().expect("docker ps");
    text(&out.stdout).lines().map(String::from).filter(|l| !l.is_empty()).collect()
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Polls `check` every 100 ms until it returns `Some`, or panics with `what` at the deadline.
pub fn eventually<T>(within: Duration, what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + within;
    loop {
        if let Some(v) = check() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out after {within:?} waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

pub fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples").join(name)
}

pub fn fixture(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("fixtures").join(path)
}

/// Plain HTTP GET helpers for tests (a blocking client on its own thread).
pub mod web {
    /// The body of `url`, or an empty string on failure.
    pub fn blocking_get(url: &str) -> String {
        get(url).map(|(_, body, _)| body).unwrap_or_default()
    }

    /// (status, body, x-pod-name) of one fresh-connection GET.
    pub fn get(url: &str) -> Option<(u16, String, String)> {
        let url = url.to_string();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
            rt.block_on(async {
                let resp = ::reqwest::Client::builder().no_proxy().build().ok()?.get(&url).send().await.ok()?;
                let status = resp.status().as_u16();
                let pod =
                    resp.headers().get("x-pod-name").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
                Some((status, resp.text().await.ok()?, pod))
            })
        })
        .join()
        .ok()?
    }
}

/// The pods of the default namespace as JSON objects.
pub fn pods(d: &Daemon) -> Vec<Value> {
    d.api("/api/v1/namespaces/default/pods")["items"].as_array().cloned().unwrap_or_default()
}

/// The events of the default namespace as JSON objects.
pub fn events(d: &Daemon) -> Vec<Value> {
    d.api("/api/v1/namespaces/default/events")["items"].as_array().cloned().unwrap_or_default()
}

pub fn is_ready(pod: &Value) -> bool {
    pod["status"]["conditions"].as_array().into_iter().flatten().any(|c| c["type"] == "Ready" && c["status"] == "True")
}

pub fn restart_count(pod: &Value) -> i64 {
    pod["status"]["containerStatuses"][0]["restartCount"].as_i64().unwrap_or(0)
}

pub fn name(obj: &Value) -> String {
    obj["metadata"]["name"].as_str().unwrap_or_default().to_string()
}

/// Waits until `n` pods exist, all Ready and none terminating; returns them.
pub fn ready_pods(d: &Daemon, n: usize, within: Duration) -> Vec<Value> {
    eventually(within, &format!("{n} ready pods"), || {
        let pods = pods(d);
        let live: Vec<Value> = pods.into_iter().filter(|p| p["metadata"]["deletionTimestamp"].is_null()).collect();
        (live.len() == n && live.iter().all(is_ready)).then_some(live)
    })
}
