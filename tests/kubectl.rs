//! Real kubectl drives skiff (issue 7): kubectl 1.27, 1.30 and 1.33, each with a fresh HOME,
//! against a daemon on the real engine, through the lesson and beyond, checking the words a
//! real cluster would print. Fails (never skips) when kubectl is missing.

mod support;

use std::time::Duration;
use support::kubectl::{Kubectl, header};
use support::*;

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

#[test]
fn kubectl_1_33_sees_the_kubernetes_version_skiff_serves() {
    let d = Daemon::start();
    let k = Kubectl::new("1.33", &d);
    let out = k.run(&["version"]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stdout}{stderr}");
    let skiff = format!("v1.33.0+skiff.{}", env!("CARGO_PKG_VERSION"));
    assert!(stdout.contains(&format!("Server Version: {skiff}\n")), "{stdout}");
    assert!(!stderr.contains("WARNING"), "no version skew: {stderr}");
    let ours = d.ok(&["version"]);
    assert_eq!(ours, format!("Client Version: {skiff}\nServer Version: {skiff}\n"));
}

#[test]
fn describe_with_a_selector_prints_what_kubectl_prints() {
    let d = Daemon::start();
    let k = Kubectl::new("1.33", &d);
    let svc = |name: &str, tier: &str| {
        format!(
            "---\napiVersion: v1\nkind: Service\nmetadata: {{name: {name}, labels: {{tier: {tier}}}}}\nspec:\n  selector: {{app: {name}}}\n  ports: [{{port: 80, targetPort: 8080}}]\n"
        )
    };
    let file = d.state.path().join("services.yaml");
    std::fs::write(&file, [svc("api", "web"), svc("front", "web"), svc("db", "data")].concat()).unwrap();
    d.ok(&["apply", "-f", file.to_str().unwrap()]);
    let ours = d.ok(&["describe", "services", "-l", "tier=web"]);
    let names: Vec<&str> =
        ours.lines().filter(|l| l.starts_with("Name:")).filter_map(|l| l.split_whitespace().last()).collect();
    assert_eq!(names, ["api", "front"], "{ours}");
    assert_eq!(ours, k.ok(&["describe", "services", "-l", "tier=web"]));
    let none = d.skiff(&["describe", "svc", "--selector", "tier=none"]);
    assert!(none.status.success());
    assert_eq!(text(&none.stderr), text(&k.run(&["describe", "svc", "--selector", "tier=none"]).stderr));
    assert_eq!(text(&none.stderr), "No resources found in default namespace.\n");
    let named = d.skiff(&["describe", "svc", "api", "-l", "tier=web"]);
    assert_eq!(text(&named.stderr), text(&k.run(&["describe", "svc", "api", "-l", "tier=web"]).stderr));
}

/// Issue 18: `explain` reads the schemas skiff publishes in `/openapi/v3` (every version) and
/// `/openapi/v2` (`--output=plaintext-openapiv2`).
#[test]
fn kubectl_explains_fields_on_every_version() {
    let d = Daemon::start();
    for version in ["1.27", "1.30", "1.33"] {
        let k = Kubectl::new(version, &d);
        let strategy = k.ok(&["explain", "deployment.spec.strategy"]);
        assert!(strategy.contains("KIND:       Deployment\nVERSION:    v1\n"), "{version}: {strategy}");
        assert!(strategy.contains("FIELD: strategy <DeploymentStrategy>"), "{version}: {strategy}");
        assert!(strategy.contains("The deployment strategy to use to replace existing pods with new ones."));
        assert!(strategy.contains("  rollingUpdate\t<RollingUpdateDeployment>"), "{version}: {strategy}");
        assert!(strategy.contains("Can be \"Recreate\" or \"RollingUpdate\"."), "{version}: {strategy}");
        let rolling = k.ok(&["explain", "deploy.spec.strategy.rollingUpdate"]);
        assert!(rolling.contains("  maxSurge\t<IntOrString>\n    The maximum number of pods"), "{version}: {rolling}");
    }
    let k = Kubectl::new("1.33", &d);
    let ports = k.ok(&["explain", "service.spec.ports"]);
    assert!(ports.contains("FIELD: ports <[]ServicePort>"), "{ports}");
    assert!(
        ports.contains("  port\t<integer> -required-\n    The port that will be exposed by this service."),
        "{ports}"
    );
    assert!(ports.contains("  targetPort\t<IntOrString>"), "{ports}");
    let probe = k.ok(&["explain", "pod.spec.containers.readinessProbe"]);
    assert!(probe.contains("FIELD: readinessProbe <Probe>"), "{probe}");
    assert!(probe.contains("  httpGet\t<HTTPGetAction>") && probe.contains("  periodSeconds\t<integer>"), "{probe}");
    for field in ["deployment.spec.strategy", "service.spec.ports", "node.status"] {
        assert_eq!(d.ok(&["explain", field]), k.ok(&["explain", field]), "skiff explain reads the same schemas");
    }
    let missing = k.run(&["explain", "deployment.spec.nope"]);
    assert_eq!(text(&missing.stderr), "error: field \"nope\" does not exist\n");
    let v2 = Kubectl::new("1.27", &d).ok(&["explain", "deployment.spec.strategy", "--output=plaintext-openapiv2"]);
    assert!(v2.contains("RESOURCE: strategy <Object>") && v2.contains("rollingUpdate\t<Object>"), "{v2}");
}

fn deployment(image: &str, app_env: &[(&str, &str)], replicas: &str) -> String {
    let env: String = app_env.iter().map(|(k, v)| format!("        - {{name: {k}, value: \"{v}\"}}\n")).collect();
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web}}\nspec:\n  {replicas}\n  selector: {{matchLabels: {{app: web}}}}\n  template:\n    metadata: {{labels: {{app: web}}}}\n    spec:\n      containers:\n      - name: app\n        image: {image}\n        env:\n{env}      - name: side\n        image: hello-kubernetes:1.0\n        env:\n        - {{name: C, value: \"3\"}}\n"
    )
}

/// With schemas published, kubectl computes apply patches from them (not from its built-in
/// types): containers and env vars still merge by name, so a field another client set survives.
fn apply_merges_lists_by_name(version: &str) {
    let d = Daemon::start();
    let k = Kubectl::new(version, &d);
    let file = d.state.path().join("web.yaml");
    let apply = |manifest: String| {
        std::fs::write(&file, manifest).unwrap();
        k.run(&["apply", "-f", file.to_str().unwrap()])
    };
    let created = apply(deployment("hello-kubernetes:1.0", &[("A", "1"), ("B", "2")], "replicas: 0"));
    assert_eq!(text(&created.stdout), "deployment.apps/web created\n", "{}", text(&created.stderr));
    k.ok(&["set", "env", "deployment/web", "-c", "side", "D=4"]);
    let configured = apply(deployment("hello-kubernetes:2.0", &[("A", "1")], "replicas: 0"));
    assert_eq!(text(&configured.stdout), "deployment.apps/web configured\n");
    assert_eq!(text(&configured.stderr), "", "no fallback from the published schema");
    let live: serde_json::Value = serde_json::from_str(&k.ok(&["get", "deployment", "web", "-o", "json"])).unwrap();
    let containers = &live["spec"]["template"]["spec"]["containers"];
    let env = |i: usize| -> Vec<&str> {
        containers[i]["env"].as_array().unwrap().iter().map(|e| e["name"].as_str().unwrap()).collect()
    };
    assert_eq!(
        (containers[0]["name"].as_str(), containers[0]["image"].as_str()),
        (Some("app"), Some("hello-kubernetes:2.0"))
    );
    assert_eq!(env(0), ["A"], "B was removed from the manifest");
    assert_eq!(containers[1]["image"], "hello-kubernetes:1.0");
    assert_eq!(env(1), ["C", "D"], "D, set by another client, is kept: env merges by name");
    let unknown = apply(deployment("hello-kubernetes:2.0", &[("A", "1")], "replicass: 0"));
    assert!(
        text(&unknown.stderr).contains("strict decoding error: unknown field \"spec.replicass\""),
        "{}",
        text(&unknown.stderr)
    );
}

#[test]
fn kubectl_1_27_apply_merges_lists_by_name_with_schemas_published() {
    apply_merges_lists_by_name("1.27");
}

#[test]
fn kubectl_1_33_apply_merges_lists_by_name_with_schemas_published() {
    apply_merges_lists_by_name("1.33");
}
