//! The dashboard in a real browser (headless Chromium over the DevTools protocol) against a real
//! daemon on the real engine: it follows a rollout pod by pod as the API's watches report it,
//! shows the budget the server computes, draws the timeline and saves it, rolls back on a
//! confirmed click; and on a token-protected daemon nothing of it answers without the token.

mod support;

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;
use std::time::{Duration, Instant};
use support::browser::{self, Browser};
use support::load::Load;
use support::*;

const DEPLOYMENT: &str = "hello-kubernetes-10";
const CARD: &str = r#"article[data-deployment="default/hello-kubernetes-10"]"#;

/// hash → (pods, Ready pods) of the Deployment.
type PodCounts = BTreeMap<String, (usize, usize)>;

/// (status.replicas, availableReplicas, updatedReplicas) of the Deployment.
type Totals = (i64, i64, i64);

/// What the page shows of the Deployment, read from its DOM.
fn snapshot_js() -> String {
    format!(
        r#"(() => {{
  const card = document.querySelector('{CARD}');
  if (!card || !card.querySelector('[data-phase]')) return null;
  const revisions = [...card.querySelectorAll('li.revision')].map((r) => ({{
    revision: Number(r.dataset.revision), hash: r.dataset.hash,
    states: [...r.querySelectorAll('.tiles [data-state]')].map((t) => t.dataset.state) }}));
  const budget = {{}};
  for (const b of card.querySelectorAll('[data-budget]')) budget[b.dataset.budget] = Number(b.textContent);
  const traffic = {{}};
  for (const t of card.querySelectorAll('[data-traffic-hash]')) traffic[t.dataset.trafficHash] = Number(t.dataset.requests);
  return {{ phase: card.querySelector('[data-phase]').dataset.phase, revisions, budget, traffic,
    steps: card.querySelectorAll('figure.timeline g.step').length }};
}})()"#
    )
}

fn ten_replicas() -> String {
    std::fs::read_to_string(example("hello-kubernetes-10.yaml"))
        .unwrap()
        .replace("maxUnavailable: 50%", "maxUnavailable: 0")
        .replace("  minReadySeconds: 5\n", "")
}

/// The pods per revision the page shows (revisions without pods left out).
fn shown_pods(snapshot: &Value) -> PodCounts {
    let revisions = snapshot["revisions"].as_array().into_iter().flatten();
    revisions
        .filter_map(|r| {
            let states = r["states"].as_array().filter(|s| !s.is_empty())?;
            let ready = states.iter().filter(|s| *s == "ready").count();
            Some((r["hash"].as_str()?.to_string(), (states.len(), ready)))
        })
        .collect()
}

fn api_pods(pods: &BTreeMap<String, Value>) -> PodCounts {
    let mut counts = PodCounts::new();
    let ours = pods.values().filter(|p| {
        p["metadata"]["ownerReferences"][0]["name"].as_str().is_some_and(|o| o.starts_with(&format!("{DEPLOYMENT}-")))
    });
    for p in ours {
        let hash = p["metadata"]["labels"]["pod-template-hash"].as_str().unwrap_or_default().to_string();
        let entry = counts.entry(hash).or_default();
        entry.0 += 1;
        entry.1 += usize::from(is_ready(p) && p["metadata"]["deletionTimestamp"].is_null());
    }
    counts
}

fn totals(d: &Value) -> Totals {
    let s = &d["status"];
    let n = |f: &str| s[f].as_i64().unwrap_or(0);
    (n("replicas"), n("availableReplicas"), n("updatedReplicas"))
}

/// The objects at `path` now and the resourceVersion of that list.
fn list(d: &Daemon, path: &str) -> (Vec<Value>, String) {
    let l = d.api(path);
    (l["items"].as_array().cloned().unwrap_or_default(), l["metadata"]["resourceVersion"].as_str().unwrap().into())
}

/// The objects at `path` after each change since the list (`initial`, `rv`), replayed from
/// the daemon's watch history, the list itself first.
fn history(d: &Daemon, path: &str, (initial, rv): (Vec<Value>, String)) -> Vec<BTreeMap<String, Value>> {
    let mut objects: BTreeMap<String, Value> = initial.into_iter().map(|o| (name(&o), o)).collect();
    let mut seen = vec![objects.clone()];
    let body = web::blocking_get(&format!("{}{path}?watch=true&resourceVersion={rv}&timeoutSeconds=1", d.server));
    for event in body.lines().filter_map(|l| serde_json::from_str::<Value>(l).ok()) {
        assert_ne!(event["type"], "ERROR", "the watch history no longer reaches back: {event}");
        let o = &event["object"];
        if event["type"] == "DELETED" {
            objects.remove(&name(o));
        } else {
            objects.insert(name(o), o.clone());
        }
        seen.push(objects.clone());
    }
    seen
}

/// How many times a ReplicaSet's desired size changed along `history` (a new one from 0).
fn scaling_steps(history: &[BTreeMap<String, Value>]) -> usize {
    let size = |rs: &Value| rs["spec"]["replicas"].as_i64().unwrap_or(1);
    history.windows(2).map(|w| w[1].iter().filter(|(n, rs)| w[0].get(*n).map_or(0, size) != size(rs)).count()).sum()
}

/// Samples the page every 100 ms until it shows the rollout complete on `hash` alone; takes
/// the mid-rollout screenshot when both revisions have at least four pods and four of the new
/// ones are Ready.
fn follow_rollout(b: &mut Browser, hash: &str) -> (Vec<Value>, bool) {
    let deadline = Instant::now() + Duration::from_secs(180);
    let (mut snapshots, mut shot) = (Vec::new(), false);
    loop {
        let s = b.eval(&snapshot_js());
        let pods = shown_pods(&s);
        if !shot && pods.len() == 2 && pods.values().all(|(n, _)| *n >= 4) && pods[hash].1 >= 4 {
            let path = b.screenshot("rollout-mid.png");
            eprintln!("mid-rollout screenshot: {}", path.display());
            shot = true;
        }
        let done = s["phase"] == "Complete" && pods == PodCounts::from([(hash.to_string(), (10, 10))]);
        snapshots.push(s);
        if done {
            return (snapshots, shot);
        }
        assert!(Instant::now() < deadline, "the page never showed the rollout complete: {:?}", snapshots.last());
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Clicks one of the timeline's save buttons; returns the file the browser saved.
fn save_timeline(b: &mut Browser, downloads: &std::path::Path, kind: &str) -> Vec<u8> {
    b.click(&format!("{CARD} button[data-action=save-{kind}]"));
    let file = downloads.join(format!("{DEPLOYMENT}-timeline.{kind}"));
    eventually(Duration::from_secs(20), &format!("the timeline saved as {kind}"), || {
        let bytes = std::fs::read(&file).ok()?;
        (!bytes.is_empty()).then_some(bytes)
    })
}

#[test]
fn the_dashboard_follows_a_rollout_and_rolls_it_back_on_a_confirmed_click() {
    let d = Daemon::start();
    let file = d.state.path().join("ten.yaml");
    std::fs::write(&file, ten_replicas()).unwrap();
    d.ok(&["apply", "-f", file.to_str().unwrap()]);
    d.ok(&["rollout", "status", &format!("deployment/{DEPLOYMENT}")]);
    let load = Load::start(d.node_port(DEPLOYMENT)); // users already there, through the rollout
    let address = d.ok(&["dashboard", "--no-open"]).trim().to_string();
    assert_eq!(address, format!("{}/ui/", d.server));
    let mut b = Browser::open(&address);
    let ready_v1 = format!(
        "(() => {{ const s = {}; return s && s.revisions.length === 1 && s.revisions[0].states.filter((x) => x === 'ready').length === 10 && s.budget.maxTotal ? s : null; }})()",
        snapshot_js()
    );
    let at_rest = b.wait_for(Duration::from_secs(60), "revision 1 with 10 Ready pods", &ready_v1);
    let v1 = at_rest["revisions"][0]["hash"].as_str().unwrap().to_string();
    // Readable without colour and at 1280×800: each tile says its state in a letter and in
    // words, and nothing spills sideways.
    let plain = b.eval(
        r#"[...document.querySelectorAll('.tiles [data-state]')].every((t) => t.textContent.trim() === 'R'
            && /^pod hello-kubernetes-10-\w+-\w+: Ready, 0 restarts$/.test(t.getAttribute('aria-label')))"#,
    );
    assert_eq!(plain, true, "tiles carry a letter and an aria-label");
    assert_eq!(b.eval("document.documentElement.scrollWidth <= 1280"), true, "no horizontal scrolling at 1280×800");
    let serving = format!("(() => {{ const s = {}; return s && s.traffic['{v1}'] > 100; }})()", snapshot_js());
    b.wait_for(Duration::from_secs(30), "the proxy's traffic through revision 1", &serving);

    // The server's plan for the change, then the change.
    let image = "hello-kubernetes=hello-kubernetes:2.0";
    let target = format!("deployment/{DEPLOYMENT}");
    let plan: Value =
        serde_json::from_str(&d.ok(&["rollout", "plan", &target, "--image", image, "-o", "json"])).unwrap();
    let pods_path = "/api/v1/namespaces/default/pods";
    let deployments_path = "/apis/apps/v1/namespaces/default/deployments";
    let replica_sets_path = "/apis/apps/v1/namespaces/default/replicasets";
    let (pods_before, deployments_before) = (list(&d, pods_path), list(&d, deployments_path));
    let replica_sets_before = list(&d, replica_sets_path);
    d.ok(&["set", "image", &target, image]);
    let v2 = eventually(Duration::from_secs(30), "the new ReplicaSet", || {
        let rss = d.api(replica_sets_path)["items"].as_array().cloned()?;
        let new = rss.iter().find(|rs| rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "2")?;
        new["metadata"]["labels"]["pod-template-hash"].as_str().map(String::from)
    });
    let (snapshots, mid_shot) = follow_rollout(&mut b, &v2);
    let tally = load.stop();
    eprintln!("{} page snapshots; traffic: {} requests, {} failed", snapshots.len(), tally.total(), tally.failures);

    // Every count of pods the page showed is one the API's pods went through, and it followed
    // them as they changed, both revisions at once.
    let pod_states: BTreeSet<PodCounts> = history(&d, pods_path, pods_before).iter().map(api_pods).collect();
    let shown: BTreeSet<PodCounts> = snapshots.iter().map(shown_pods).collect();
    for s in &shown {
        assert!(pod_states.contains(s), "the page showed pods {s:?}, which the API never had");
    }
    assert!(shown.len() >= 8, "the page followed the rollout: only {} distinct states", shown.len());
    assert!(mid_shot, "the page never showed both revisions with at least four pods each, four new Ready");
    for s in &snapshots {
        let order: Vec<i64> =
            s["revisions"].as_array().unwrap().iter().filter_map(|r| r["revision"].as_i64()).collect();
        assert!(order.windows(2).all(|w| w[0] > w[1]), "revisions newest first: {order:?}");
    }

    // The budget: the server's numbers (Kubernetes' rounding) and the live totals, each a
    // state the Deployment's status went through, within the budget.
    let status_states: BTreeSet<Totals> = history(&d, deployments_path, deployments_before)
        .iter()
        .filter_map(|ds| ds.get(DEPLOYMENT).map(totals))
        .collect();
    for s in snapshots.iter().filter(|s| s["budget"]["maxTotal"].is_number()) {
        let budget = &s["budget"];
        for (shown_as, planned) in
            [("replicas", 10), ("maxSurge", 2), ("maxUnavailable", 0), ("maxTotal", 12), ("minAvailable", 10)]
        {
            assert_eq!(budget[shown_as], plan[shown_as], "{shown_as} as the server plans it");
            assert_eq!(budget[shown_as], planned, "{shown_as}: Kubernetes' arithmetic");
        }
        let now = (
            budget["total"].as_i64().unwrap(),
            budget["available"].as_i64().unwrap(),
            budget["updated"].as_i64().unwrap(),
        );
        assert!(status_states.contains(&now), "the page showed totals {now:?}, which the status never had");
        assert!(now.0 <= 12 && now.1 >= 10, "{now:?} outside the budget");
    }

    // The traffic the proxy measured reached both revisions within the last minute.
    let done = snapshots.last().unwrap();
    for hash in [&v1, &v2] {
        assert!(
            done["traffic"][hash].as_f64().unwrap_or(0.0) > 0.0,
            "no traffic shown for {hash}: {}",
            done["traffic"]
        );
    }
    b.screenshot("rollout-done.png");

    // The timeline marks every scaling step the ReplicaSets took (at least the plan's, which
    // assumes each wave's pods ready together), and saves as SVG and as PNG.
    let steps = scaling_steps(&history(&d, replica_sets_path, replica_sets_before));
    let marked = b.eval(&format!(
        "[...document.querySelectorAll('{CARD} figure.timeline g.step title')].map((t) => t.textContent)"
    ));
    assert_eq!(done["steps"].as_u64(), Some(steps as u64), "one marker per scaling step: {marked}");
    assert!(steps >= plan["waves"].as_array().unwrap().len(), "{marked} vs the plan's {}", plan["waves"]);
    let downloads = tempfile::tempdir().unwrap();
    b.call(
        "Browser.setDownloadBehavior",
        serde_json::json!({"behavior": "allow", "downloadPath": downloads.path().to_str().unwrap()}),
    );
    let svg = String::from_utf8(save_timeline(&mut b, downloads.path(), "svg")).unwrap();
    assert!(svg.starts_with("<svg xmlns=") && svg.matches("class=\"step\"").count() == steps, "{svg}");
    browser::save("timeline.svg", svg.as_bytes());
    let png = save_timeline(&mut b, downloads.path(), "png");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "a PNG");
    assert_eq!(u32::from_be_bytes(png[16..20].try_into().unwrap()), 1920, "drawn at twice the SVG's width");
    browser::save("timeline.png", &png);

    // Undo: nothing happens until it is confirmed; confirmed, revision 1 comes back as 3.
    let undo = format!("{CARD} button[data-action=undo]");
    b.click(&undo);
    b.wait_for(Duration::from_secs(5), "the confirmation dialog", "document.getElementById('confirm').open");
    b.click("#confirm-cancel");
    assert_eq!(b.eval("document.getElementById('confirm').open"), false);
    let deployment = || d.api(&format!("{deployments_path}/{DEPLOYMENT}"));
    assert_eq!(deployment()["metadata"]["annotations"]["deployment.kubernetes.io/revision"], "2");
    b.click(&undo);
    b.wait_for(Duration::from_secs(5), "the confirmation dialog", "document.getElementById('confirm').open");
    assert_eq!(
        b.eval("document.querySelector('#confirm select').value"),
        "1",
        "the previous revision is offered first"
    );
    b.screenshot("undo-dialog.png");
    b.click("#confirm-ok");
    let notice =
        b.wait_for(Duration::from_secs(10), "the answer", "document.getElementById('notice').textContent || null");
    assert_eq!(notice, format!("deployment.apps/{DEPLOYMENT} rolled back"));
    let back = format!(
        "(() => {{ const s = {}; const top = s && s.revisions[0]; return top && top.revision === 3 && top.hash === '{v1}' && top.states.filter((x) => x === 'ready').length === 10 && s.phase === 'Complete' ? s : null; }})()",
        snapshot_js()
    );
    b.wait_for(Duration::from_secs(120), "revision 3 (revision 1's ReplicaSet) with 10 Ready pods", &back);
    let rolled_back = deployment();
    assert_eq!(rolled_back["metadata"]["annotations"]["deployment.kubernetes.io/revision"], "3");
    assert_eq!(rolled_back["spec"]["template"]["spec"]["containers"][0]["image"], "hello-kubernetes:1.0");
    b.screenshot("rolled-back.png");

    // The endpoint behind the button refuses what `rollout undo` refuses, in kubectl's words.
    let endpoint = format!("/apis/skiff.io/v1alpha1/namespaces/default/deployments/{DEPLOYMENT}/rollback");
    let (status, body) = raw(&d, "POST", &endpoint, "", br#"{"rollbackTo": {"revision": 7}}"#);
    assert_eq!((status, body["message"].as_str()), (400, Some("unable to find specified revision 7 in history")));
    let (status, body) = raw(&d, "POST", &endpoint, "", br#"{"rollbackTo": {"revision": 3}}"#);
    let skipped =
        format!("deployment.apps/{DEPLOYMENT} skipped rollback (current template already matches revision 3)");
    assert_eq!((status, body["message"].as_str()), (200, Some(skipped.as_str())));
    let (status, _) = raw(&d, "GET", "/apis/skiff.io/v1alpha1/namespaces/default/deployments/nowhere/plan", "", b"");
    assert_eq!(status, 404);

    // The page reads the proxy's per-revision series where the daemon has them, and its
    // per-pod series otherwise (mapped to revisions through the pods' hashes).
    let counted = b.eval(
        r#"(() => {
      const perPod = 'skiff_proxy_requests_total{service="default/web",pod="web-abc12-x1",code="2xx"} 5\n' +
        'skiff_proxy_requests_total{service="default/web",pod="web-abc12-x1",code="5xx"} 2\n' +
        'skiff_proxy_requests_total{service="default/web",pod="web-def34-y2",code="2xx"} 3\n';
      const perRevision = perPod +
        'skiff_proxy_revision_requests_total{service="default/web",pod_template_hash="abc12",revision="1"} 40\n' +
        'skiff_proxy_pinned_clients{service="default/web",pod_template_hash="abc12",revision="1"} 3\n';
      const sum = (text) => {
        const c = trafficCounts(parseSeries(text), (pod) => pod.split('-')[1]);
        const requests = [...c.requests].map(([h, m]) => [h, [...m.values()].reduce((a, b) => a + b, 0)]);
        return requests.concat([...c.pinned].map(([h, n]) => ['pinned ' + h, n]));
      };
      return [sum(perPod), sum(perRevision)];
    })()"#,
    );
    assert_eq!(counted, serde_json::json!([[["abc12", 7], ["def34", 3]], [["abc12", 40], ["pinned abc12", 3]]]));

    // The page made no request but to the daemon, and threw nothing.
    for (url, _) in b.requests() {
        assert!(url.starts_with(&d.server) || url.starts_with("blob:") || url == "about:blank", "the page asked {url}");
    }
    assert!(b.errors().is_empty(), "the page reported errors: {:?}\n{}", b.errors(), b.log());
}

/// `skiff` with the token in its environment.
fn with_token(d: &Daemon, token: &str, args: &[&str]) -> String {
    let out = Command::new(BIN).args(args).env("SKIFF_SERVER", &d.server).env("SKIFF_TOKEN", token).output().unwrap();
    assert!(out.status.success(), "skiff {args:?}: {}", text(&out.stderr));
    text(&out.stdout)
}

#[test]
fn on_a_token_daemon_the_dashboard_and_every_call_it_makes_need_the_token() {
    let token_file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(token_file.path(), "s3cret\n").unwrap();
    let d = Daemon::start_with(&["--token-file", token_file.path().to_str().unwrap()]);
    with_token(&d, "s3cret", &["apply", "-f", example("hello-kubernetes.yaml").to_str().unwrap()]);
    let address = with_token(&d, "s3cret", &["dashboard", "--no-open"]).trim().to_string();
    assert_eq!(address, format!("{}/ui/#token=s3cret", d.server));

    // With the token the page works: the Deployment, its budget from the server, traffic polls.
    let mut b = Browser::open(&address);
    let card = r#"article[data-deployment="default/hello-kubernetes"]"#;
    b.wait_for(
        Duration::from_secs(60),
        "the Deployment with its budget",
        &format!("document.querySelector('{card} [data-budget=maxTotal]')"),
    );
    assert_eq!(b.eval("location.href"), format!("{}/ui/", d.server), "the token left the address bar");
    let metrics = format!("{}/metrics", d.server);
    eventually(Duration::from_secs(10), "two polls of /metrics", || {
        b.eval("0"); // reads the events Chromium sent meanwhile
        (b.requests().iter().filter(|(u, _)| *u == metrics).count() >= 2).then_some(())
    });
    let calls: BTreeSet<String> = b.requests().into_iter().map(|(url, _)| url).collect();
    for kind in ["/apis/apps/v1/deployments", "/apis/apps/v1/replicasets", "/api/v1/pods", "/api/v1/events"] {
        assert!(calls.iter().any(|u| u.contains(&format!("{kind}?watch=true"))), "the page watches {kind}: {calls:?}");
    }
    assert!(calls.iter().any(|u| u.ends_with("/deployments/hello-kubernetes/plan")), "{calls:?}");
    for (url, headers) in b.requests() {
        assert!(!url.contains("s3cret"), "the token never travels in a URL: {url}");
        if url != format!("{}/ui/", d.server) {
            assert_eq!(headers["Authorization"], "Bearer s3cret", "{url} carries the token");
        }
    }

    // Without it (or with another), each of those calls is refused, and /ui/ gives only the
    // loader: no data, none of the app.
    let mut refused = calls.iter().map(|u| u.trim_start_matches(&d.server).to_string()).collect::<Vec<_>>();
    refused.extend(["/ui/app.js", "/ui/app.css"].map(String::from));
    for path in &refused {
        for auth in ["", "Authorization: Bearer wrong\r\n"] {
            assert_eq!(raw(&d, "GET", path, auth, b"").0, 401, "GET {path} with {auth:?}");
        }
    }
    let rollback = "/apis/skiff.io/v1alpha1/namespaces/default/deployments/hello-kubernetes/rollback";
    assert_eq!(raw(&d, "POST", rollback, "Content-Type: application/json\r\n", b"{}").0, 401);
    let page = web::get(&format!("{}/ui/", d.server)).unwrap();
    assert_eq!(page.0, 401);
    assert!(!page.1.contains("hello-kubernetes") && !page.1.contains("function renderDeployment"), "{}", page.1);

    // A browser without the token shows the lock and nothing else; every answer it got was 401.
    let mut locked = Browser::open(&format!("{}/ui/", d.server));
    locked.wait_for(Duration::from_secs(30), "the lock", "!document.getElementById('locked').hidden");
    assert_eq!(locked.eval("document.querySelectorAll('article[data-deployment]').length"), 0);
    locked.screenshot("locked.png");
    let answers = locked.responses();
    assert!(answers.len() >= 2 && answers.iter().all(|(_, status)| *status == 401), "{answers:?}");
}
