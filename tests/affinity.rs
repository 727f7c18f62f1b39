//! One version per user during a rollout (issue 17), against the real engine and real sockets:
//! twenty users with their own cookie jars through a version-affine Service each see the
//! version change at most once per rollout and never back, with no failed request, while the
//! same users through a plain Service over the same pods see versions interleave; a pinned user
//! whose revision goes away moves to the one left; foreign and garbage cookies are ignored.

mod support;

use skiff::demo::users::{Journey, Users};
use std::time::Duration;
use support::*;

const DEPLOY: &str = "deployment/hello";
const V1: &str = "Hello world!";
const V2: &str = "Hello world v2!";

fn manifest() -> &'static str {
    r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: hello
spec:
  replicas: 3
  selector:
    matchLabels: {app: hello}
  template:
    metadata:
      labels: {app: hello}
    spec:
      containers:
        - name: web
          image: hello-kubernetes:1.0
          ports: [{name: http, containerPort: 8080}]
          readinessProbe:
            httpGet: {path: /readyz, port: http}
            periodSeconds: 1
---
apiVersion: v1
kind: Service
metadata:
  name: plain
spec:
  type: NodePort
  selector: {app: hello}
  ports: [{port: 80, targetPort: http}]
---
apiVersion: v1
kind: Service
metadata:
  name: sticky
  annotations:
    skiff.io/version-affinity: revision
spec:
  type: NodePort
  selector: {app: hello}
  ports: [{port: 80, targetPort: http}]
"#
}

fn started() -> (Daemon, tokio::runtime::Runtime) {
    let d = Daemon::start();
    let file = d.state.path().join("hello.yaml");
    std::fs::write(&file, manifest()).unwrap();
    d.ok(&["apply", "-f", file.to_str().unwrap()]);
    d.ok(&["rollout", "status", DEPLOY, "--timeout=90s"]);
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    (d, rt)
}

fn users(rt: &tokio::runtime::Runtime, port: u16) -> Users {
    let _guard = rt.enter();
    Users::start(&format!("http://127.0.0.1:{port}/"), 20, Duration::from_millis(20))
}

/// Whether `versions` is one of `allowed`.
fn one_of(versions: &[&str], allowed: &[&[&str]]) -> bool {
    allowed.contains(&versions)
}

#[test]
fn each_user_sees_one_version_per_rollout_through_an_affine_service() {
    let (d, rt) = started();
    let (plain, sticky) = (users(&rt, d.node_port("plain")), users(&rt, d.node_port("sticky")));
    std::thread::sleep(Duration::from_secs(1)); // Traffic before the rollout, at rest.
    let t1 = rt.block_on(async { tokio::time::Instant::now() });
    d.ok(&["set", "image", DEPLOY, "web=hello-kubernetes:2.0"]);
    d.ok(&["rollout", "status", DEPLOY, "--timeout=90s"]);
    std::thread::sleep(Duration::from_secs(1));
    let t2 = rt.block_on(async { tokio::time::Instant::now() });
    d.ok(&["rollout", "undo", DEPLOY]);
    d.ok(&["rollout", "status", DEPLOY, "--timeout=90s"]);
    std::thread::sleep(Duration::from_secs(1));
    let t3 = rt.block_on(async { tokio::time::Instant::now() });
    let (plain, sticky): (Vec<Journey>, Vec<Journey>) =
        rt.block_on(async { (plain.stop().await, sticky.stop().await) });

    for (i, user) in sticky.iter().enumerate() {
        assert_eq!(user.failures(), 0, "sticky user {i} had failures: {:?}", user.seen);
        let forward = user.between(t1, t2);
        let back = user.between(t2, t3);
        assert!(one_of(&forward.versions(), &[&[V1], &[V2], &[V1, V2]]), "user {i} in v1→v2: {:?}", forward.versions());
        assert!(one_of(&back.versions(), &[&[V2], &[V1], &[V2, V1]]), "user {i} in the undo: {:?}", back.versions());
    }
    assert!(plain.iter().all(|u| u.failures() == 0), "the plain Service failed requests");
    let interleaved = plain.iter().filter(|u| u.between(t1, t2).switches() > 1).count();
    assert!(interleaved > 0, "no plain user saw versions interleave, so the test proves nothing");
    let metrics = web::blocking_get(&format!("{}/metrics", d.server));
    assert!(metrics.contains("skiff_proxy_pinned_clients{service=\"default/sticky\""), "{metrics}");
    assert!(metrics.contains("skiff_proxy_revision_requests_total{service=\"default/plain\""), "{metrics}");
}

/// (status, heading, Set-Cookie) of one GET with `cookie`.
fn visit(port: u16, cookie: Option<&str>) -> (u16, String, Option<String>) {
    let url = format!("http://127.0.0.1:{port}/");
    let cookie = cookie.map(String::from);
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let client = reqwest::Client::builder().no_proxy().build().unwrap();
            let mut req = client.get(&url);
            if let Some(c) = cookie {
                req = req.header("cookie", c);
            }
            let resp = req.send().await.unwrap();
            let set = resp.headers().get("set-cookie").and_then(|v| v.to_str().ok()).map(String::from);
            let status = resp.status().as_u16();
            let body = resp.text().await.unwrap();
            (status, skiff::demo::traffic::heading(&body).unwrap_or_default(), set)
        })
    })
    .join()
    .unwrap()
}

#[test]
fn a_pinned_user_moves_once_when_its_revision_is_gone_and_garbage_cookies_are_ignored() {
    let (d, _rt) = started();
    let port = d.node_port("sticky");
    let (_, first, set) = visit(port, None);
    assert_eq!(first, V1);
    let set = set.expect("a new client is pinned");
    assert!(set.starts_with("skiff-version=") && set.contains("HttpOnly") && set.contains("Path=/"), "{set}");
    let pinned = set.split(';').next().unwrap().to_string();
    for cookie in ["skiff-version=../../etc", "skiff-version=", "theme=dark", "skiff-version=bbbbbbbbbb"] {
        let (status, _, reset) = visit(port, Some(cookie));
        assert_eq!(status, 200, "{cookie}");
        assert!(reset.is_some_and(|r| r.starts_with("skiff-version=")), "{cookie} is replaced by a real pin");
    }
    let (_, again, none) = visit(port, Some(&pinned));
    assert_eq!((again.as_str(), none), (V1, None), "a pinned client stays, without a new cookie");
    // Its revision scaled to nothing: v2 alone serves, and the client moves to it once.
    d.ok(&["set", "image", DEPLOY, "web=hello-kubernetes:2.0"]);
    d.ok(&["rollout", "status", DEPLOY, "--timeout=90s"]);
    let (status, moved, repinned) = visit(port, Some(&pinned));
    assert_eq!((status, moved.as_str()), (200, V2));
    let repinned = repinned.expect("moved clients are pinned anew");
    let (_, stays, _) = visit(port, Some(repinned.split(';').next().unwrap()));
    assert_eq!(stays, V2);
    let (_, _, plain_cookie) = visit(d.node_port("plain"), None);
    assert_eq!(plain_cookie, None, "a plain Service sets no cookie");
}
