//! Holding under abuse (issue 19), against the real engine on 127.0.0.1: idle and slowloris
//! connections never lock clients out of a Service; 20,000 idle connections to the API cannot
//! make probes fail or the Service stop answering; a full listener says so in an event;
//! oversized objects and doubling patches are refused in Kubernetes' words while memory stays
//! bounded; the API answers malformed requests as the apiserver does; and the CLI ends
//! quietly when its output pipe closes. The heavy tests print their figures (README,
//! "Reliability") and run one at a time: each is bounded to about a minute on a loaded
//! 2-core machine.

mod support;

use serde_json::{Value, json};
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use support::*;

const UP: Duration = Duration::from_secs(90);
/// The open-file limit the daemon gets in the heavy tests: four times the common default.
const DAEMON_NOFILE: u64 = 4096;

/// The heavy tests hold tens of thousands of sockets: one at a time.
static HEAVY: Mutex<()> = Mutex::new(());

fn heavy() -> std::sync::MutexGuard<'static, ()> {
    HEAVY.lock().unwrap_or_else(|e| e.into_inner())
}

fn addr(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

/// One GET on a fresh connection: whether it got a 200, and how long it took.
fn fresh_get(port: u16) -> (bool, Duration) {
    let started = Instant::now();
    let ok = (|| {
        let mut s = TcpStream::connect_timeout(&addr(port), Duration::from_secs(5)).ok()?;
        s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
        s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").ok()?;
        let mut reply = Vec::new();
        s.read_to_end(&mut reply).ok()?;
        Some(reply.starts_with(b"HTTP/1.1 200"))
    })()
    .unwrap_or(false);
    (ok, started.elapsed())
}

/// What normal clients saw.
struct Figures {
    requests: usize,
    ok: usize,
    p50: Duration,
    p99: Duration,
    max: Duration,
}

impl Figures {
    fn of(mut results: Vec<(bool, Duration)>) -> Figures {
        results.sort_by_key(|r| r.1);
        let at = |q: f64| results[((results.len() as f64 * q) as usize).min(results.len() - 1)].1;
        Figures {
            requests: results.len(),
            ok: results.iter().filter(|r| r.0).count(),
            p50: at(0.50),
            p99: at(0.99),
            max: results.last().map_or(Duration::ZERO, |r| r.1),
        }
    }

    fn success(&self) -> f64 {
        self.ok as f64 / self.requests.max(1) as f64
    }

    fn print(&self, what: &str) {
        eprintln!(
            "{what}: {} requests, {:.2}% answered 200, p50 {:?}, p99 {:?}, max {:?}",
            self.requests,
            100.0 * self.success(),
            self.p50,
            self.p99,
            self.max
        );
    }
}

/// `threads` clients sending fresh-connection GETs to `port` until `stop`.
fn clients(port: u16, threads: usize, stop: &Arc<AtomicBool>) -> Vec<JoinHandle<Vec<(bool, Duration)>>> {
    (0..threads)
        .map(|_| {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut results = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    results.push(fresh_get(port));
                    std::thread::sleep(Duration::from_millis(2));
                }
                results
            })
        })
        .collect()
}

fn collect(handles: Vec<JoinHandle<Vec<(bool, Duration)>>>) -> Figures {
    Figures::of(handles.into_iter().flat_map(|h| h.join().unwrap()).collect())
}

/// How an attacker's connections behave.
#[derive(Clone, Copy)]
enum Attack {
    /// Connect and send nothing.
    Idle,
    /// Send a request head a header line at a time, one a second, never finishing it.
    Slowloris,
}

fn attack_connection(port: u16, attack: Attack) -> Option<TcpStream> {
    let mut s = TcpStream::connect_timeout(&addr(port), Duration::from_secs(2)).ok()?;
    if let Attack::Slowloris = attack {
        s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").ok()?;
    }
    s.set_nonblocking(true).ok()?;
    Some(s)
}

/// Holds `n` attacking connections to `port` until `stop`, opening a new one for each the
/// server closes (as a real attacker would); returns how many were opened in all.
fn attacker(port: u16, n: usize, attack: Attack, stop: Arc<AtomicBool>) -> JoinHandle<usize> {
    std::thread::spawn(move || {
        let mut held: Vec<Option<TcpStream>> = (0..n).map(|_| attack_connection(port, attack)).collect();
        let mut opened = n;
        while !stop.load(Ordering::Relaxed) {
            for slot in held.iter_mut() {
                let alive = slot.as_mut().is_some_and(|s| {
                    let mut b = [0u8; 256];
                    let open = matches!(s.read(&mut b), Err(e) if e.kind() == ErrorKind::WouldBlock);
                    open && (matches!(attack, Attack::Idle) || s.write_all(b"X-a: b\r\n").is_ok())
                });
                if !alive && !stop.load(Ordering::Relaxed) {
                    *slot = attack_connection(port, attack);
                    opened += 1;
                }
            }
            std::thread::sleep(Duration::from_secs(1));
        }
        opened
    })
}

/// A second NodePort Service in front of the same pods.
fn second_service(d: &Daemon) -> u16 {
    let yaml = d.state.path().join("second.yaml");
    let svc = "apiVersion: v1\nkind: Service\nmetadata:\n  name: second\nspec:\n  type: NodePort\n  selector:\n    app: hello-kubernetes\n  ports:\n    - port: 80\n      targetPort: http\n";
    std::fs::write(&yaml, svc).unwrap();
    d.ok(&["apply", "-f", yaml.to_str().unwrap()]);
    d.node_port("second")
}

#[test]
fn idle_and_slowloris_connections_never_lock_clients_out_of_a_service() {
    let _one = heavy();
    assert!(raise_nofile() >= 8192, "5,300 attacking connections need more descriptors");
    let d = Daemon::start_limited(Some(DAEMON_NOFILE), &[]);
    d.ok(&["apply", "-f", example("hello-kubernetes.yaml").to_str().unwrap()]);
    ready_pods(&d, 3, UP);
    let (idle_port, slow_port) = (d.node_port("hello-kubernetes"), second_service(&d));
    eventually(Duration::from_secs(10), "the second Service answers", || fresh_get(slow_port).0.then_some(()));

    let stop = Arc::new(AtomicBool::new(false));
    let idle = attacker(idle_port, 5000, Attack::Idle, stop.clone());
    let slow = attacker(slow_port, 300, Attack::Slowloris, stop.clone());
    let (on_idle, on_slow) = (clients(idle_port, 2, &stop), clients(slow_port, 2, &stop));
    std::thread::sleep(Duration::from_secs(20));
    stop.store(true, Ordering::Relaxed);
    let (idle_port_figures, slow_port_figures) = (collect(on_idle), collect(on_slow));
    let (idle_opened, slow_opened) = (idle.join().unwrap(), slow.join().unwrap());
    eprintln!("attackers opened {idle_opened} idle and {slow_opened} slowloris connections in 20 s");
    idle_port_figures.print("Service port under 5,000 idle connections");
    slow_port_figures.print("Service port under 300 slowloris connections");
    for f in [&idle_port_figures, &slow_port_figures] {
        assert!(f.requests >= 100, "too few requests to judge: {}", f.requests);
        assert!(f.success() >= 0.99, "{:.2}% answered", 100.0 * f.success());
        assert!(f.p99 <= Duration::from_secs(1), "p99 {:?}", f.p99);
    }
}

#[test]
fn twenty_thousand_idle_api_connections_starve_neither_probes_nor_the_service() {
    let _one = heavy();
    let d = Daemon::start_limited(Some(DAEMON_NOFILE), &[]);
    d.ok(&["apply", "-f", example("hello-kubernetes.yaml").to_str().unwrap()]);
    let before = ready_pods(&d, 3, UP);
    let port = d.node_port("hello-kubernetes");
    let api = d.server.trim_start_matches("http://").to_string();

    let stop = Arc::new(AtomicBool::new(false));
    let service = clients(port, 1, &stop);
    // Two processes of 10,000 each: one process may not hold 20,000 descriptors.
    let flood = Instant::now();
    let mut holders: Vec<Holder> = (0..2).map(|_| Holder::start(&api, 10_000)).collect();
    let held: usize = holders.iter_mut().map(Holder::held).sum();
    eprintln!("held {held} idle connections against the API, opened in {:?}", flood.elapsed());
    assert!(held >= 19_000, "only {held} connections could be opened");
    std::thread::sleep(Duration::from_secs(5));
    holders.into_iter().for_each(Holder::release);
    let started = Instant::now();
    let pods = d.ok(&["get", "pods"]);
    let answered = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    let figures = collect(service);
    figures.print("Service while 20,000 idle connections hit the API");
    eprintln!("`skiff get pods` answered {answered:?} after the connections closed");
    assert_eq!(pods.lines().filter(|l| l.contains("1/1") && l.contains("Running")).count(), 3, "{pods}");
    assert!(answered <= Duration::from_secs(2), "get pods took {answered:?}");
    assert!(figures.success() >= 0.99, "{:.2}% answered", 100.0 * figures.success());
    // No pod ever left Ready: the same pods, Ready since before, never restarted.
    let ready_since = |p: &Value| {
        let conditions = p["status"]["conditions"].as_array().cloned().unwrap_or_default();
        conditions.into_iter().find(|c| c["type"] == "Ready").map(|c| c["lastTransitionTime"].clone())
    };
    let after = ready_pods(&d, 3, Duration::from_secs(5));
    for p in &before {
        let now = after.iter().find(|a| name(a) == name(p)).expect("the same pods");
        assert_eq!(ready_since(now), ready_since(p), "{} left Ready", name(p));
        assert_eq!(restart_count(now), 0);
    }
    assert!(!d.log().contains("Too many open files"), "{}", d.log());
}

/// Another process holding idle connections (this test binary, running `hold_connections`).
struct Holder(std::process::Child);

impl Holder {
    fn start(target: &str, count: usize) -> Holder {
        let child = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "hold_connections", "--ignored", "--nocapture", "--test-threads=1"])
            .env("HOLD_TARGET", target)
            .env("HOLD_COUNT", count.to_string())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        Holder(child)
    }

    /// Waits until the connections are open; returns how many.
    fn held(&mut self) -> usize {
        let out = std::io::BufReader::new(self.0.stdout.as_mut().unwrap());
        // The harness prints "test hold_connections ... " on the same line first.
        let line = std::io::BufRead::lines(out).map_while(Result::ok).find_map(|l| {
            let (_, count) = l.rsplit_once("held ")?;
            count.trim().parse().ok()
        });
        line.unwrap_or(0)
    }

    /// Closes the connections (by closing the holder's stdin) and waits for it.
    fn release(mut self) {
        drop(self.0.stdin.take());
        let _ = self.0.wait();
    }
}

/// Not a test: the body of a `Holder` process. Opens HOLD_COUNT idle connections to
/// HOLD_TARGET and keeps them until its stdin closes.
#[test]
#[ignore]
fn hold_connections() {
    let (Ok(target), Ok(count)) = (std::env::var("HOLD_TARGET"), std::env::var("HOLD_COUNT")) else {
        return;
    };
    raise_nofile();
    let target: SocketAddr = target.parse().unwrap();
    let count: usize = count.parse().unwrap();
    let openers: Vec<JoinHandle<Vec<TcpStream>>> = (0..32)
        .map(|_| {
            std::thread::spawn(move || {
                let each = count / 32;
                (0..each).filter_map(|_| TcpStream::connect_timeout(&target, Duration::from_secs(3)).ok()).collect()
            })
        })
        .collect();
    let held: Vec<TcpStream> = openers.into_iter().flat_map(|h| h.join().unwrap()).collect();
    println!("held {}", held.len());
    let _ = std::io::stdout().flush();
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
    drop(held);
}

#[test]
fn a_full_listener_says_which_in_an_event() {
    let d = Daemon::start_with(&["--api-max-connections", "20", "--header-timeout", "2s"]);
    let api: SocketAddr = d.server.trim_start_matches("http://").parse().unwrap();
    // Slowloris connections (a request line, never a whole head) until the API is full of
    // them and one more waits: none is idle, so none can be closed for it.
    let mut slow = Vec::new();
    eventually(Duration::from_secs(20), "the log to report a full API", || {
        for _ in 0..5 {
            let mut s = TcpStream::connect(api).ok()?;
            let _ = s.write_all(b"GET /api/v1/namespaces/default/pods HTTP/1.1\r\n");
            slow.push(s);
        }
        d.log().contains("ConnectionLimitReached").then_some(())
    });
    let events = eventually(Duration::from_secs(20), "a ConnectionLimitReached event", || {
        let list = d.api("/api/v1/namespaces/default/events");
        let items = list["items"].as_array().cloned().unwrap_or_default();
        items.into_iter().find(|e| e["reason"] == "ConnectionLimitReached")
    });
    assert_eq!(events["type"], "Warning");
    assert_eq!(events["involvedObject"]["kind"], "Node");
    assert_eq!(events["message"], "the API has 20 connections open (its limit), none idle; new connections wait");
}

const JSON: &str = "Content-Type: application/json\r\n";

/// A Deployment of no replicas, `padding` bytes larger than it would be (in an environment
/// variable: annotations may hold 256 KiB at most).
fn deployment(name: &str, padding: usize) -> Vec<u8> {
    let container = json!({"name": "c", "image": "hello-kubernetes:1.0", "env": [{"name": "PADDING", "value": "x".repeat(padding)}]});
    serde_json::to_vec(&json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": 0,
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [container]}}
        }
    }))
    .unwrap()
}

#[test]
fn big_objects_and_doubling_patches_are_refused_and_memory_stays_bounded() {
    let _one = heavy();
    let d = Daemon::start();
    let deployments = "/apis/apps/v1/namespaces/default/deployments";
    let (status, body) = raw(&d, "POST", deployments, JSON, &deployment("huge", 2_900_000));
    assert_eq!(
        (status, body["message"].as_str()),
        (413, Some("Request entity too large: etcdserver: request is too large"))
    );
    assert_eq!(raw(&d, "POST", deployments, JSON, &deployment("small", 10)).0, 201);
    // 1.4 KB of JSON patch: an array of 1,000 bytes, then copies that would double it 16 times.
    let seed = "/spec/template/metadata/labels/seed";
    let mut ops = vec![json!({"op": "add", "path": seed, "value": ["y".repeat(1000)]})];
    ops.extend((0..16).map(|_| json!({"op": "copy", "from": seed, "path": format!("{seed}/-")})));
    let patch = serde_json::to_vec(&ops).unwrap();
    let rss_before = d.rss();
    for dry in ["", "?dryRun=All"] {
        let path = format!("{deployments}/small{dry}");
        let (status, body) = raw(&d, "PATCH", &path, "Content-Type: application/json-patch+json\r\n", &patch);
        assert_eq!(status, 422, "{body}");
        assert_eq!(body["message"], "the server rejected our request due to an error in our request");
        let cause = body["details"]["causes"][0]["message"].as_str().unwrap_or_default();
        assert!(cause.contains("exceeding the limit 3145728"), "{body}");
    }
    eprintln!("the doubling patch: RSS {} MB → {} MB", rss_before >> 20, d.rss() >> 20);

    assert_eq!(raw(&d, "POST", deployments, JSON, &deployment("big", 1_000_000)).0, 201);
    let rss_before = d.rss();
    let started = Instant::now();
    for i in 0..150 {
        let patch = format!(r#"{{"metadata":{{"annotations":{{"round":"{i}"}}}}}}"#);
        let (status, body) = raw(
            &d,
            "PATCH",
            &format!("{deployments}/big"),
            "Content-Type: application/merge-patch+json\r\n",
            patch.as_bytes(),
        );
        assert_eq!(status, 200, "{body}");
    }
    let growth = d.rss().saturating_sub(rss_before);
    eprintln!(
        "150 patches to a 1 MB object in {:?}: RSS {} MB → {} MB (+{} MB)",
        started.elapsed(),
        rss_before >> 20,
        (rss_before + growth) >> 20,
        growth >> 20
    );
    assert!(growth < 50 << 20, "RSS grew by {} MB", growth >> 20);
}

#[test]
fn the_api_answers_malformed_requests_as_the_apiserver_does() {
    let d = Daemon::start();
    let services = "/api/v1/namespaces/default/services";
    let svc = br#"{"apiVersion":"v1","kind":"Service","metadata":{"name":"web"},"spec":{"ports":[{"port":80}]}}"#;
    let (status, body) = raw(&d, "POST", services, "Content-Type: text/plain\r\n", svc);
    assert_eq!((status, body["reason"].as_str()), (415, Some("UnsupportedMediaType")), "{body}");
    assert_eq!(raw(&d, "POST", services, "", svc).0, 201, "no Content-Type means JSON");
    let (status, body) = raw(&d, "GET", "/api/v1/namespaces/nope", "", b"");
    assert_eq!((status, body["message"].as_str()), (404, Some("namespaces \"nope\" not found")));
    let (status, body) = raw(&d, "GET", &format!("{services}?continue=garbage"), "", b"");
    assert_eq!(status, 400, "{body}");
    assert!(body["message"].as_str().unwrap().starts_with("invalid continue token: continue key is not valid"));
    assert_eq!(raw(&d, "GET", &format!("{services}?resourceVersion=abc"), "", b"").0, 400);
    let (status, body) = raw(&d, "GET", &format!("/api/v1/{}", "a".repeat(100_000)), "", b"");
    assert_eq!((status, body["kind"].as_str(), body["code"].as_u64()), (414, Some("Status"), Some(414)), "{body}");
    let uid = br#"{"metadata":{"uid":"00000000-0000-0000-0000-000000000000"}}"#;
    let merge = "Content-Type: application/merge-patch+json\r\n";
    let (status, body) = raw(&d, "PATCH", &format!("{services}/web"), merge, uid);
    assert_eq!(status, 422);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .ends_with("metadata.uid: Invalid value: \"00000000-0000-0000-0000-000000000000\": field is immutable"),
        "{body}"
    );
}

#[test]
fn the_cli_ends_quietly_when_its_output_pipe_closes() {
    use std::os::unix::process::ExitStatusExt;
    let d = Daemon::start();
    let svc = br#"{"apiVersion":"v1","kind":"Service","metadata":{"name":"web"},"spec":{"ports":[{"port":80}]}}"#;
    assert_eq!(raw(&d, "POST", "/api/v1/namespaces/default/services", JSON, svc).0, 201);
    // `skiff get svc | head -0`: the reader is gone before skiff writes a byte.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = std::process::Command::new(BIN)
        .args(["get", "svc"])
        .env("SKIFF_SERVER", &d.server)
        .stdout(writer)
        .output()
        .unwrap();
    let stderr = text(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), None, "ended by the signal, not an exit code: {:?}", out.status);
    assert_eq!(out.status.signal(), Some(libc::SIGPIPE));
}
