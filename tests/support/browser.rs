//! A headless Chromium driven over the DevTools protocol (one websocket to the page): open a
//! loopback page, evaluate JavaScript in it, click with the mouse, take screenshots, and list
//! the requests it made. Chromium is kept off the network: no proxy, every host name but
//! 127.0.0.1 unresolvable, background services and component updates off.

use super::eventually;
use serde_json::{Value, json};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use tungstenite::{Message, WebSocket};

/// Debian's `chromium` (installed by .ci/run), or `SKIFF_CHROMIUM`.
fn chromium() -> String {
    std::env::var("SKIFF_CHROMIUM").unwrap_or_else(|_| "chromium".into())
}

const FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--no-default-browser-check",
    "--remote-debugging-port=0",
    "--window-size=1280,800",
    "--hide-scrollbars",
    "--no-proxy-server",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-breakpad",
    "--disable-domain-reliability",
    "--no-pings",
    "--metrics-recording-only",
    "--password-store=basic",
    "--mute-audio",
    "--disable-features=Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider,AutofillServerCommunication",
];

pub struct Browser {
    child: Child,
    profile: tempfile::TempDir,
    socket: WebSocket<TcpStream>,
    next_id: u64,
    /// Every event Chromium sent while the test waited for answers.
    pub events: Vec<Value>,
}

impl Browser {
    /// Starts Chromium at 1280×800 and opens `url` (a loopback address).
    pub fn open(url: &str) -> Browser {
        assert!(url.starts_with("http://127.0.0.1:"), "the browser only opens loopback pages, not {url}");
        let profile = tempfile::tempdir().expect("profile dir");
        let log = std::fs::File::create(profile.path().join("chromium.log")).expect("log file");
        let child = Command::new(chromium())
            .args(FLAGS)
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start chromium: `apt-get install chromium` (.ci/run installs it)");
        let port_file = profile.path().join("DevToolsActivePort");
        let port: u16 = eventually(Duration::from_secs(30), "chromium's DevTools port", || {
            std::fs::read_to_string(&port_file).ok()?.lines().next()?.trim().parse().ok()
        });
        let page = eventually(Duration::from_secs(10), "chromium's page target", || {
            let list = super::web::blocking_get(&format!("http://127.0.0.1:{port}/json/list"));
            let targets: Vec<Value> = serde_json::from_str(&list).ok()?;
            let page = targets.into_iter().find(|t| t["type"] == "page")?;
            page["webSocketDebuggerUrl"].as_str().map(String::from)
        });
        let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to DevTools");
        stream.set_read_timeout(Some(Duration::from_secs(60))).expect("read timeout");
        let (socket, _) = tungstenite::client(page.as_str(), stream).expect("DevTools websocket");
        let mut b = Browser { child, profile, socket, next_id: 0, events: Vec::new() };
        for domain in ["Runtime.enable", "Page.enable", "Network.enable"] {
            b.call(domain, json!({}));
        }
        b.call(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": 1280, "height": 800, "deviceScaleFactor": 1, "mobile": false}),
        );
        b.call("Page.navigate", json!({"url": url}));
        let loaded = "location.protocol === 'http:' && document.readyState === 'complete'";
        b.wait_for(Duration::from_secs(30), &format!("{url} to load"), loaded);
        b
    }

    /// Sends one DevTools command and returns its result; panics on a protocol error.
    pub fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let message = json!({"id": id, "method": method, "params": params}).to_string();
        self.socket.send(Message::text(message)).expect("send to chromium");
        loop {
            let Message::Text(text) = self.socket.read().expect("chromium answers") else { continue };
            let v: Value = serde_json::from_str(text.as_str()).expect("DevTools sends JSON");
            if v["id"] == id {
                assert!(v["error"].is_null(), "{method} failed: {}", v["error"]);
                return v["result"].clone();
            }
            if v["method"].is_string() {
                self.events.push(v);
            }
        }
    }

    /// The value of a JavaScript expression in the page (promises awaited); panics if it throws.
    pub fn eval(&mut self, expression: &str) -> Value {
        let r = self
            .call("Runtime.evaluate", json!({"expression": expression, "returnByValue": true, "awaitPromise": true}));
        assert!(r["exceptionDetails"].is_null(), "{expression} threw: {}", r["exceptionDetails"]);
        r["result"]["value"].clone()
    }

    /// Polls `expression` every 100 ms until it is neither null nor false; returns it.
    pub fn wait_for(&mut self, within: Duration, what: &str, expression: &str) -> Value {
        eventually(within, what, || {
            let v = self.eval(expression);
            (!v.is_null() && v != Value::Bool(false)).then_some(v)
        })
    }

    /// A real mouse click at the middle of the element `selector`, which must be the element
    /// found at that point (visible, not covered).
    pub fn click(&mut self, selector: &str) {
        let selector_js = serde_json::to_string(selector).unwrap();
        let at = self.eval(&format!(
            "(() => {{ const el = document.querySelector({selector_js}); if (!el) return null;
               el.scrollIntoView({{block: 'center'}}); const r = el.getBoundingClientRect();
               const [x, y] = [r.x + r.width / 2, r.y + r.height / 2];
               const hit = document.elementFromPoint(x, y);
               return hit && (hit === el || el.contains(hit)) ? [x, y] : 'covered'; }})()"
        ));
        let (Some(x), Some(y)) = (at[0].as_f64(), at[1].as_f64()) else {
            panic!("cannot click {selector}: {at}");
        };
        for kind in ["mouseMoved", "mousePressed", "mouseReleased"] {
            self.call(
                "Input.dispatchMouseEvent",
                json!({"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1}),
            );
        }
    }

    /// Saves what the page shows (1280×800) as a PNG under `target/dashboard-screenshots/`.
    pub fn screenshot(&mut self, name: &str) -> PathBuf {
        let shot = self.call("Page.captureScreenshot", json!({"format": "png"}));
        save(name, &decode_base64(shot["data"].as_str().expect("screenshot data")))
    }

    /// The requests the page made: (URL, request headers).
    pub fn requests(&self) -> Vec<(String, Value)> {
        self.events_named("Network.requestWillBeSent")
            .map(|p| (p["request"]["url"].as_str().unwrap_or_default().to_string(), p["request"]["headers"].clone()))
            .collect()
    }

    /// The responses the page received: (URL, status).
    pub fn responses(&self) -> Vec<(String, u64)> {
        self.events_named("Network.responseReceived")
            .map(|p| {
                (
                    p["response"]["url"].as_str().unwrap_or_default().to_string(),
                    p["response"]["status"].as_u64().unwrap_or(0),
                )
            })
            .collect()
    }

    /// Uncaught exceptions and console errors in the page.
    pub fn errors(&self) -> Vec<Value> {
        let thrown = self.events_named("Runtime.exceptionThrown").cloned();
        let console = self.events_named("Runtime.consoleAPICalled").filter(|p| p["type"] == "error").cloned();
        thrown.chain(console).collect()
    }

    fn events_named<'a>(&'a self, method: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
        self.events.iter().filter(move |e| e["method"] == method).map(|e| &e["params"])
    }

    /// Chromium's own log, for failures.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.profile.path().join("chromium.log")).unwrap_or_default()
    }
}

impl Drop for Browser {
    /// SIGTERM (Chromium takes its helper processes down with it), then SIGKILL if it lingers.
    fn drop(&mut self) {
        let pid = self.child.id() as libc::pid_t;
        // SAFETY: kill only sends a signal to the process this Browser started.
        unsafe { libc::kill(pid, libc::SIGTERM) };
        let exited = eventually_quietly(Duration::from_secs(10), || self.child.try_wait().ok().flatten().is_some());
        if !exited {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn eventually_quietly(within: Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = std::time::Instant::now() + within;
    while std::time::Instant::now() < deadline {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

/// The directory CI keeps as artefacts.
pub fn screenshots_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target").join("dashboard-screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    dir
}

pub fn save(name: &str, bytes: &[u8]) -> PathBuf {
    let path = screenshots_dir().join(name);
    std::fs::write(&path, bytes).expect("write screenshot");
    path
}

pub fn decode_base64(text: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(text).expect("base64 from chromium")
}
