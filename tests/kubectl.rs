//! Real kubectl drives skiff (issue 7): kubectl 1.27, 1.30 and 1.33, each with a fresh HOME,
//! against a daemon on the real engine, through the lesson and beyond, checking the words a
//! real cluster would print. Fails (never skips) when kubectl is missing.

mod support;

use std::time::Duration;
use support::kubectl::Kubectl;
use support::*;

fn header(table: &str) -> Vec<&str> {
    table.lines().next().unwrap_or_default().split_whitespace().collect()
}

fn revisions(k: &Kubectl) -> Vec<String> {
    k.ok(&["rollout", "history", "deployment/hello-kubernetes"])
        .lines()
        .skip(2)
        .filter_map(|l| l.split_whitespace().next().map(String::from))
        .collect()
}

fn lesson(version: &str) {
    let d = Daemon::start();
    let k = Kubectl::new(version, &d);
    let examples = example("");
    let examples = examples.to_str().unwrap();
    let applied = k.ok(&["apply", "-f", examples]);
    for line in [
        "deployment.apps/hello-kubernetes-10 created",
        "service/hello-kubernetes-10 created",
        "deployment.apps/hello-kubernetes created",
        "service/hello-kubernetes created",
        "service/hello-kubernetes-h2c created",
    ] {
        assert!(applied.contains(line), "{applied}");
    }
    for name in ["hello-kubernetes", "hello-kubernetes-10"] {
        let status = k.ok(&["rollout", "status", &format!("deployment/{name}"), "--timeout=180s"]);
        assert!(status.ends_with(&format!("deployment {name:?} successfully rolled out\n")), "{status}");
    }
    assert_eq!(header(&k.ok(&["get", "deploy"])), ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]);
    assert_eq!(header(&k.ok(&["get", "rs"])), ["NAME", "DESIRED", "CURRENT", "READY", "AGE"]);
    assert_eq!(header(&k.ok(&["get", "pods"])), ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]);
    assert_eq!(header(&k.ok(&["get", "svc"])), ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]);
    let deploys = k.ok(&["get", "deploy", "hello-kubernetes"]);
    assert!(deploys.contains("hello-kubernetes   3/3     3            3"), "{deploys}");
    let again = k.ok(&["apply", "-f", examples]);
    assert_eq!(again.matches(" unchanged").count(), 5, "{again}");
    let yaml = k.ok(&["get", "deployment", "hello-kubernetes", "-o", "yaml"]);
    assert!(
        yaml.contains("kind: Deployment") && yaml.contains("  replicas: 3") && yaml.contains("observedGeneration: 1"),
        "{yaml}"
    );
    let describe = k.ok(&["describe", "deployment", "hello-kubernetes"]);
    assert!(describe.contains("3 desired | 3 updated | 3 total | 3 available | 0 unavailable"), "{describe}");
    assert!(describe.contains("Scaled up replica set hello-kubernetes-"), "{describe}");

    // The lesson: v2, undo, and back to a chosen revision.
    assert_eq!(
        k.ok(&["set", "image", "deployment/hello-kubernetes", "hello-kubernetes=hello-kubernetes:2.0"]),
        "deployment.apps/hello-kubernetes image updated\n"
    );
    assert!(k.ok(&["rollout", "status", "deployment/hello-kubernetes"]).ends_with("successfully rolled out\n"));
    assert_eq!(revisions(&k), ["1", "2"]);
    assert_eq!(
        k.ok(&["rollout", "undo", "deployment/hello-kubernetes"]),
        "deployment.apps/hello-kubernetes rolled back\n"
    );
    k.ok(&["rollout", "status", "deployment/hello-kubernetes"]);
    assert_eq!(revisions(&k), ["2", "3"], "undo renumbers");
    assert_eq!(
        k.ok(&["rollout", "undo", "deployment/hello-kubernetes", "--to-revision=2"]),
        "deployment.apps/hello-kubernetes rolled back\n"
    );
    k.ok(&["rollout", "status", "deployment/hello-kubernetes"]);
    assert_eq!(revisions(&k), ["3", "4"]);
    let version2 = k.ok(&["rollout", "history", "deployment/hello-kubernetes", "--revision=4"]);
    assert!(version2.contains("Image:") && version2.contains("hello-kubernetes:2.0"), "{version2}");

    // Pause, resume, restart, scale, logs.
    assert_eq!(k.ok(&["rollout", "pause", "deployment/hello-kubernetes"]), "deployment.apps/hello-kubernetes paused\n");
    let paused_undo = k.run(&["rollout", "undo", "deployment/hello-kubernetes"]);
    assert!(text(&paused_undo.stderr).contains(
        "you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' and try again"
    ));
    assert_eq!(
        k.ok(&["rollout", "resume", "deployment/hello-kubernetes"]),
        "deployment.apps/hello-kubernetes resumed\n"
    );
    assert_eq!(
        k.ok(&["rollout", "restart", "deployment/hello-kubernetes"]),
        "deployment.apps/hello-kubernetes restarted\n"
    );
    k.ok(&["rollout", "status", "deployment/hello-kubernetes"]);
    assert_eq!(
        k.ok(&["scale", "deployment/hello-kubernetes", "--replicas=4"]),
        "deployment.apps/hello-kubernetes scaled\n"
    );
    k.ok(&["rollout", "status", "deployment/hello-kubernetes"]);
    let logs = k.ok(&["logs", "deployment/hello-kubernetes", "--tail=50"]);
    assert!(logs.contains("/readyz 200") || logs.contains("listening on :8080"), "{logs}");

    // A broken v3 with a short deadline: rollout status exits 1 with kubectl's words.
    assert_eq!(
        k.ok(&["patch", "deployment", "hello-kubernetes", "-p", "{\"spec\":{\"progressDeadlineSeconds\":10}}"]),
        "deployment.apps/hello-kubernetes patched\n"
    );
    k.ok(&["set", "image", "deployment/hello-kubernetes", "hello-kubernetes=hello-kubernetes:3.0"]);
    let stalled = k.run(&["rollout", "status", "deployment/hello-kubernetes"]);
    assert_eq!(stalled.status.code(), Some(1));
    assert_eq!(text(&stalled.stderr), "error: deployment \"hello-kubernetes\" exceeded its progress deadline\n");
    k.ok(&["rollout", "undo", "deployment/hello-kubernetes"]);
    k.ok(&["rollout", "status", "deployment/hello-kubernetes"]);

    // Re-apply the file: configured (replicas and the deadline go back to the manifest).
    let file = example("hello-kubernetes.yaml");
    let reapplied = k.ok(&["apply", "-f", file.to_str().unwrap()]);
    assert_eq!(reapplied, "deployment.apps/hello-kubernetes configured\nservice/hello-kubernetes unchanged\n");
    let deleted = k.ok(&["delete", "-f", examples]);
    assert!(
        deleted.contains("deployment.apps \"hello-kubernetes\" deleted")
            && deleted.contains("service \"hello-kubernetes-10\" deleted"),
        "{deleted}"
    );
    eventually(Duration::from_secs(90), "every container to be removed", || d.containers().is_empty().then_some(()));
    let none = k.run(&["get", "deploy"]);
    assert_eq!(text(&none.stderr), "No resources found in default namespace.\n");
}

#[test]
fn kubectl_1_27_runs_the_lesson() {
    lesson("1.27");
}

#[test]
fn kubectl_1_30_runs_the_lesson() {
    lesson("1.30");
}

#[test]
fn kubectl_1_33_runs_the_lesson() {
    lesson("1.33");
}

#[test]
fn kubectl_errors_read_like_a_cluster() {
    let d = Daemon::start();
    let k = Kubectl::new("1.33", &d);
    let missing = k.run(&["get", "deployment", "nope"]);
    assert_eq!(text(&missing.stderr), "Error from server (NotFound): deployments.apps \"nope\" not found\n");
    let bad = fixture("bad/negative-replicas.yaml");
    let invalid = k.run(&["apply", "-f", bad.to_str().unwrap()]);
    assert!(
        text(&invalid.stderr).contains(
            "The Deployment \"web\" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0"
        ),
        "{}",
        text(&invalid.stderr)
    );
    let unknown = fixture("bad/unknown-field.yaml");
    let strict = k.run(&["apply", "-f", unknown.to_str().unwrap()]);
    assert!(
        text(&strict.stderr).contains("strict decoding error: unknown field \"spec.replicaz\""),
        "{}",
        text(&strict.stderr)
    );
    let ssa = k.run(&["apply", "--server-side", "-f", example("hello-kubernetes.yaml").to_str().unwrap()]);
    assert!(!ssa.status.success());
}
