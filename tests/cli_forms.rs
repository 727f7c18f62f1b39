//! Issue 18, part 5: skiff's CLI takes kubectl's argument forms. Every form runs with skiff and
//! with kubectl 1.33 against the same daemon on the real engine, and the outputs must match:
//! exactly for templates, YAML and messages, by shape (header, row count, first column) for
//! tables whose ages tick. Forms that change objects run on two identical Deployments, `s` for
//! skiff and `k` for kubectl, whose names are replaced by APP before comparing.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;
use support::kubectl::Kubectl;
use support::*;

/// How two outputs must agree.
#[derive(Clone, Copy, Debug)]
enum Same {
    /// stdout, stderr and exit code, after naming the app APP and the pods APP-POD.
    Text,
    /// The same lines in any order (several pods' logs).
    Lines,
    /// A table: the same header, row count and first column.
    Shape,
    /// Only the lines a diff adds or removes, quotes aside (kubectl quotes YAML strings its way).
    Changes,
    /// The last line (progress lines before it depend on timing).
    LastLine,
}

struct Run {
    stdout: String,
    stderr: String,
    code: Option<i32>,
}

impl From<Output> for Run {
    fn from(o: Output) -> Run {
        Run { stdout: text(&o.stdout), stderr: text(&o.stderr), code: o.status.code() }
    }
}

/// Each tool's own Deployment.
const SKIFF_APP: &str = "s";
const KUBECTL_APP: &str = "k";

/// One word of output with the app named APP and its pods APP-POD (also after a `kind/`), and
/// temporary paths blanked.
fn normalize_word(word: &str, app: &str) -> String {
    let core = word.trim_matches(|c: char| "\"'[](),:".contains(c));
    if core.starts_with("/tmp/") {
        return word.replace(core, "/tmp/PATH");
    }
    let name = core.rsplit('/').next().unwrap_or(core);
    let parts: Vec<&str> = name.split('-').collect();
    let replaced = match parts.as_slice() {
        [a] if *a == app => "APP",
        [a, _, _] if *a == app => "APP-POD",
        _ => return word.replace(&format!("\"{app}\""), "\"APP\""),
    };
    let kind_prefix = &core[..core.len() - name.len()];
    word.replacen(core, &format!("{kind_prefix}{replaced}"), 1)
}

/// The output with [`normalize_word`] applied, and the times of diff's file lines dropped.
fn normalize(output: &str, app: &str) -> String {
    output
        .lines()
        .map(|line| {
            let line = if line.starts_with("---") || line.starts_with("+++") {
                line.split('\t').next().unwrap_or(line)
            } else {
                line
            };
            line.split(' ').map(|w| normalize_word(w, app)).collect::<Vec<_>>().join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn shape(table: &str) -> (Vec<String>, usize, Vec<String>) {
    let mut lines = table.lines();
    let header = lines.next().unwrap_or_default().split_whitespace().map(String::from).collect();
    let rows: Vec<&str> = lines.collect();
    let first = rows.iter().map(|r| r.split_whitespace().next().unwrap_or_default().to_string()).collect();
    (header, rows.len(), first)
}

/// The added and removed lines of a diff, without quotes and with the values the server makes
/// up for each object (uid, creation time) blanked.
fn changes(diff: &str) -> Vec<String> {
    diff.lines()
        .filter(|l| (l.starts_with('+') || l.starts_with('-')) && !l.starts_with("+++") && !l.starts_with("---"))
        .map(|l| {
            let l = l.replace(['\'', '"'], "");
            match l.split_once(": ") {
                Some((key, _)) if key.ends_with("uid") || key.ends_with("creationTimestamp") => format!("{key}: …"),
                _ => l,
            }
        })
        .collect()
}

struct Bench {
    d: Daemon,
    k: Kubectl,
}

impl Bench {
    fn skiff(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        Command::new(BIN)
            .args(args)
            .env("SKIFF_SERVER", &self.d.server)
            .envs(env.iter().copied())
            .output()
            .expect("skiff")
            .into()
    }

    fn kubectl(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        self.k.run_with(args, env).into()
    }

    /// Runs `form` (APP standing for each tool's Deployment) with both tools and compares.
    fn check(&self, form: &[&str], same: Same, env: &[(&str, &str)]) {
        self.compare(form, same, env, Some((SKIFF_APP, KUBECTL_APP)));
    }

    /// Runs `form` as is with both tools, on the same objects, and compares.
    fn check_shared(&self, form: &[&str], same: Same) {
        self.compare(form, same, &[], None);
    }

    fn compare(&self, form: &[&str], same: Same, env: &[(&str, &str)], apps: Option<(&str, &str)>) {
        let with = |app: Option<&str>| -> Vec<String> {
            form.iter().map(|a| app.map_or(a.to_string(), |app| a.replace("APP", app))).collect()
        };
        let (s_app, k_app) = (apps.map(|a| a.0), apps.map(|a| a.1));
        let (s_args, k_args) = (with(s_app), with(k_app));
        let s = self.skiff(&s_args.iter().map(String::as_str).collect::<Vec<_>>(), env);
        let k = self.kubectl(&k_args.iter().map(String::as_str).collect::<Vec<_>>(), env);
        let normalize = |out: &str, app: Option<&str>| app.map_or(out.to_string(), |app| normalize(out, app));
        let (s_out, k_out) = (normalize(&s.stdout, s_app), normalize(&k.stdout, k_app));
        let context = format!(
            "form {form:?}\n--- skiff (exit {:?}):\n{}{}\n--- kubectl (exit {:?}):\n{}{}",
            s.code, s.stdout, s.stderr, k.code, k.stdout, k.stderr
        );
        assert_eq!(s.code, k.code, "exit codes differ; {context}");
        match same {
            Same::Text => {
                assert_eq!(s_out, k_out, "stdout differs; {context}");
                let (s_err, k_err) = (normalize(&s.stderr, s_app), normalize(&k.stderr, k_app));
                assert_eq!(s_err, k_err, "stderr differs; {context}");
            }
            Same::Lines => {
                let sorted = |t: &str| {
                    let mut l: Vec<String> = t.lines().map(String::from).collect();
                    l.sort();
                    l
                };
                assert_eq!(sorted(&s_out), sorted(&k_out), "lines differ; {context}");
            }
            Same::Shape => assert_eq!(shape(&s_out), shape(&k_out), "table shapes differ; {context}"),
            Same::Changes => assert_eq!(changes(&s_out), changes(&k_out), "changed lines differ; {context}"),
            Same::LastLine => assert_eq!(s_out.lines().last(), k_out.lines().last(), "last lines differ; {context}"),
        }
    }
}

fn setup() -> Bench {
    let d = Daemon::start();
    let k = Kubectl::new("1.33", &d);
    d.ok(&["apply", "-f", example("hello-kubernetes.yaml").to_str().unwrap()]);
    for app in [SKIFF_APP, KUBECTL_APP] {
        d.ok(&["create", "deployment", app, "--image=hello-kubernetes:1.0", "--replicas=2"]);
    }
    for app in [SKIFF_APP, KUBECTL_APP, "hello-kubernetes"] {
        d.ok(&["wait", "--for=condition=Available", &format!("deployment/{app}"), "--timeout=90s"]);
    }
    Bench { d, k }
}

/// Reading forms, on the same objects for both tools.
const READ: &[(&[&str], Same)] = &[
    (&["get", "deploy,rs,pods,svc"], Same::Shape),
    (&["get", "deployment", "hello-kubernetes"], Same::Shape),
    (&["get", "deploy/hello-kubernetes", "-o", "wide"], Same::Shape),
    (&["get", "pods", "-o", "wide"], Same::Shape),
    (&["get", "pods", "-L", "app", "--show-labels"], Same::Shape),
    (&["get", "deploy", "-o", "name"], Same::Text),
    (&["get", "svc", "hello-kubernetes", "-o", "jsonpath={.spec.ports[0].nodePort}"], Same::Text),
    (&["get", "pods", "-o", "jsonpath={.items[*].metadata.name}"], Same::Text),
    (
        &["get", "pods", "-o", r#"jsonpath={range .items[*]}{.metadata.name}{"\t"}{.status.phase}{"\n"}{end}"#],
        Same::Text,
    ),
    (
        &["get", "pods", "-o", r#"jsonpath={.items[?(@.metadata.labels.app=="hello-kubernetes")].metadata.name}"#],
        Same::Text,
    ),
    (
        &["get", "deployment", "hello-kubernetes", "-o", "jsonpath={.spec.template.spec.containers[0].image}"],
        Same::Text,
    ),
    (&["get", "deploy", "hello-kubernetes", "-o", "jsonpath={.metadata.labels}"], Same::Text),
    (&["get", "deploy", "-o", "jsonpath-as-json={.items[*].spec.replicas}"], Same::Text),
    (&["get", "pods", "-o", "custom-columns=NAME:.metadata.name,IMAGE:.spec.containers[*].image"], Same::Text),
    (
        &["get", "deploy", "-o", "custom-columns=NAME:metadata.name,LABELS:{.metadata.labels}", "--no-headers"],
        Same::Text,
    ),
    (&["get", "pods", "--sort-by=.metadata.name", "-o", "name"], Same::Text),
    (&["get", "pods", "--sort-by=.metadata.name"], Same::Shape),
    (&["get", "pods", "--sort-by={.status.startTime}"], Same::Shape),
    (&["get", "deploy", "--sort-by=.metadata.name", "-o", "custom-columns=NAME:.metadata.name"], Same::Text),
    (&["get", "pods", "--field-selector=status.phase=Running"], Same::Shape),
    (
        &["get", "pods", "-l", "app=hello-kubernetes", "--field-selector", "status.phase=Running", "-o", "name"],
        Same::Text,
    ),
    (&["get", "pods", "--field-selector=status.phase=Pending"], Same::Text),
    (&["rollout", "history", "deployment/hello-kubernetes"], Same::Text),
    (&["get", "pods", "-o", "jsonpath={.items[0].nope}"], Same::Text),
    (&["get", "pods", "-o", "jsonpath={.items[0"], Same::Text),
    (&["get", "pods", "-o", "custom-columns=NAME"], Same::Text),
];

/// Changing forms, each tool on its own Deployment (APP).
const WRITE: &[(&[&str], Same)] = &[
    (
        &[
            "create",
            "deployment",
            "APP",
            "--image=hello-kubernetes:1.0",
            "--port=8080",
            "--dry-run=client",
            "-o",
            "yaml",
        ],
        Same::Text,
    ),
    (
        &["create", "deployment", "APP", "--image=registry.local:5000/hello-kubernetes:1.0", "--dry-run=client"],
        Same::Text,
    ),
    (&["expose", "deployment", "APP", "--port=80", "--target-port=8080", "--type=NodePort"], Same::Text),
    (&["get", "svc", "APP", "-o", "jsonpath={.spec.type} {.spec.ports[0].targetPort} {.spec.selector}"], Same::Text),
    (&["label", "pods", "-l", "app=APP", "checked=yes"], Same::Lines),
    (&["wait", "--for=condition=Ready", "pod", "-l", "app=APP", "--timeout=90s"], Same::Lines),
    (&["logs", "-l", "app=APP", "--tail=1"], Same::Lines),
    (&["logs", "deployment/APP", "--tail=1"], Same::Lines),
    (&["scale", "deployment", "APP", "--replicas=3"], Same::Text),
    (&["scale", "deploy/APP", "--replicas=2"], Same::Text),
    (&["label", "deployment", "APP", "tier=web"], Same::Text),
    (&["label", "deploy/APP", "tier=db"], Same::Text),
    (&["label", "deploy", "APP", "tier=db", "--overwrite"], Same::Text),
    (&["label", "deploy", "APP", "tier-"], Same::Text),
    (&["label", "deploy", "APP", "tier-"], Same::Text),
    (&["annotate", "deployment", "APP", "note=a"], Same::Text),
    (&["annotate", "deploy/APP", "note=b"], Same::Text),
    (&["annotate", "deploy", "APP", "note=b", "--overwrite"], Same::Text),
    (&["patch", "deployment", "APP", "-p", r#"{"spec":{"minReadySeconds":1}}"#], Same::Text),
    (&["patch", "deploy/APP", "-p", r#"{"spec":{"minReadySeconds":1}}"#], Same::Text),
    (&["patch", "deploy", "APP", "--type=merge", "-p", "metadata:\n  labels:\n    m: one"], Same::Text),
    (&["patch", "deploy", "APP", "--type=json", "-p", r#"[{"op":"remove","path":"/metadata/labels/m"}]"#], Same::Text),
    (&["patch", "deploy", "APP", "--type=nope", "-p", "{}"], Same::Text),
    (&["set", "image", "deploy", "APP", "hello-kubernetes=hello-kubernetes:2.0"], Same::Text),
    (&["set", "image", "deployment/APP", "hello-kubernetes=hello-kubernetes:2.0"], Same::Text),
    (&["set", "image", "deploy", "APP", "nope=hello-kubernetes:2.0"], Same::Text),
    (&["rollout", "status", "deployment", "APP", "--timeout=90s"], Same::LastLine),
    (&["wait", "--for=condition=Available", "deployment", "APP", "--timeout=90s"], Same::Text),
    (&["wait", "--for=jsonpath={.spec.replicas}=2", "deploy/APP", "--timeout=90s"], Same::Text),
    (&["wait", "--for=condition=Nope", "deploy/APP", "--timeout=1s"], Same::Text),
    (&["rollout", "history", "deployment", "APP"], Same::Text),
];

#[test]
fn every_form_reads_like_kubectl() {
    let b = setup();
    let columns = b.d.state.path().join("columns.txt");
    std::fs::write(&columns, "NAME          PHASE\n.metadata.name {.status.phase}\n").unwrap();
    let from_file = format!("custom-columns-file={}", columns.display());
    for (form, same) in READ {
        b.check_shared(form, *same);
    }
    b.check_shared(&["get", "pods", "-o", &from_file, "--sort-by=.metadata.name"], Same::Text);
    for (form, same) in WRITE {
        b.check(form, *same, &[]);
    }
}

#[test]
fn edit_diff_and_delete_read_like_kubectl() {
    let b = setup();
    let editor = |name: &str, script: &str| {
        let path = b.d.state.path().join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{script}\n")).unwrap();
        std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
        path.display().to_string()
    };
    let two = editor("two.sh", r#"sed -i 's/^  revisionHistoryLimit: .*/  revisionHistoryLimit: 2/' "$1""#);
    let unchanged = editor("unchanged.sh", "true");
    let invalid = editor("invalid.sh", r#"sed -i 's/^  replicas: .*/  replicas: -1/' "$1""#);
    b.check(&["edit", "deployment", "APP"], Same::Text, &[("EDITOR", &two)]);
    b.check(&["edit", "deploy/APP"], Same::Text, &[("KUBE_EDITOR", &unchanged)]);
    b.check(&["edit", "deploy", "APP"], Same::Text, &[("EDITOR", &invalid)]);
    let manifest = b.d.state.path().join("APP.yaml");
    let yaml = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: APP\nspec:\n  replicas: 4\n  selector:\n    matchLabels:\n      app: APP\n  template:\n    metadata:\n      labels:\n        app: APP\n    spec:\n      containers:\n      - image: hello-kubernetes:1.0\n        name: hello-kubernetes\n";
    for app in [SKIFF_APP, KUBECTL_APP] {
        std::fs::write(b.d.state.path().join(format!("{app}.yaml")), yaml.replace("APP", app)).unwrap();
    }
    let file = manifest.display().to_string();
    b.check(&["diff", "-f", &file], Same::Changes, &[]);
    b.check(&["delete", "deployment", "APP"], Same::Text, &[]);
    b.check(&["wait", "--for=delete", "deployment/APP", "--timeout=30s"], Same::Text, &[]);
    b.check(&["diff", "-f", &file], Same::Changes, &[]);
}

/// Every row `get -w` prints lines up as kubectl's do: the same column starts, line by line.
#[test]
fn watched_rows_line_up_like_kubectl() {
    let b = setup();
    let watch = |mut cmd: Command| {
        let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::null()).spawn().expect("watch");
        let (tx, rx) = mpsc::channel();
        let stdout = child.stdout.take().expect("stdout");
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        (child, rx)
    };
    let mut skiff = Command::new(BIN);
    skiff.args(["get", "deploy", "-w"]).env("SKIFF_SERVER", &b.d.server);
    let mut kubectl = Command::new(support::kubectl::kubectl_binary("1.33"));
    kubectl
        .args(["--server", &b.d.server, "get", "deploy", "-w"])
        .env("HOME", b.d.state.path())
        .env_remove("KUBECONFIG");
    let (mut s_child, s_rx) = watch(skiff);
    let (mut k_child, k_rx) = watch(kubectl);
    let until_scaled = |rx: &mpsc::Receiver<String>| {
        let mut lines = Vec::new();
        while let Ok(line) = rx.recv_timeout(Duration::from_secs(90)) {
            let done = line.starts_with("hello-kubernetes ") && line.split_whitespace().nth(1) == Some("5/5");
            lines.push(line);
            if done {
                return lines;
            }
        }
        panic!("the watch never showed hello-kubernetes at 5/5: {lines:#?}");
    };
    // Both watchers have listed before the change: each printed its header and three rows.
    for rx in [&s_rx, &k_rx] {
        for _ in 0..4 {
            rx.recv_timeout(Duration::from_secs(30)).expect("initial rows");
        }
    }
    b.d.ok(&["scale", "deployment", "hello-kubernetes", "--replicas=5"]);
    let (s_lines, k_lines) = (until_scaled(&s_rx), until_scaled(&k_rx));
    let _ = s_child.kill();
    let _ = k_child.kill();
    let _ = (s_child.wait(), k_child.wait());
    let starts = |line: &str| -> Vec<usize> {
        let mut at = Vec::new();
        let mut prev = ' ';
        for (i, c) in line.char_indices() {
            if c != ' ' && prev == ' ' {
                at.push(i);
            }
            prev = c;
        }
        at.truncate(4); // AGE, the last column, ticks differently for the two watchers.
        at
    };
    assert!(s_lines.len() > 1, "no change was watched: {s_lines:?}");
    assert_eq!(
        s_lines.iter().map(|l| starts(l)).collect::<Vec<_>>(),
        k_lines.iter().map(|l| starts(l)).collect::<Vec<_>>(),
        "skiff:\n{}\nkubectl:\n{}",
        s_lines.join("\n"),
        k_lines.join("\n")
    );
}

/// Mixing the two CLIs on one namespace-less file, both ways round.
#[test]
fn kubectl_then_skiff_apply_and_back() {
    let d = Daemon::start();
    let k = Kubectl::new("1.33", &d);
    let file = d.state.path().join("kapp.yaml");
    let manifest = |replicas: u32| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: kapp\nspec:\n  replicas: {replicas}\n  selector:\n    matchLabels: {{app: kapp}}\n  template:\n    metadata:\n      labels: {{app: kapp}}\n    spec:\n      containers:\n      - name: web\n        image: hello-kubernetes:1.0\n"
        )
    };
    let path = file.to_str().unwrap();
    std::fs::write(&file, manifest(1)).unwrap();
    assert_eq!(k.ok(&["apply", "-f", path]), "deployment.apps/kapp created\n");
    d.ok(&["apply", "-f", path]);
    std::fs::write(&file, manifest(2)).unwrap();
    assert_eq!(d.ok(&["apply", "-f", path]), "deployment.apps/kapp configured\n");
    std::fs::write(&file, manifest(3)).unwrap();
    assert_eq!(k.ok(&["apply", "-f", path]), "deployment.apps/kapp configured\n");
    std::fs::write(&file, manifest(1)).unwrap();
    assert_eq!(d.ok(&["apply", "-f", path]), "deployment.apps/kapp configured\n");
    assert_eq!(d.ok(&["get", "deploy", "kapp", "-o", "jsonpath={.spec.replicas}"]), "1");
    assert_eq!(k.ok(&["apply", "-f", path]), "deployment.apps/kapp unchanged\n");
    d.ok(&["delete", "-f", path]);
    std::fs::write(&file, manifest(2)).unwrap();
    assert_eq!(d.ok(&["apply", "-f", path]), "deployment.apps/kapp created\n");
    assert_eq!(k.ok(&["apply", "-f", path]), "deployment.apps/kapp unchanged\n");
}
