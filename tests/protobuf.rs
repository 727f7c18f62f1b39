//! kubectl 1.33 sends typed create requests as Kubernetes protobuf; each must create the same
//! object kubectl 1.30 creates with JSON. One daemon, one namespace per kubectl version (each
//! created that way too); the objects compared are the ones the API answers the create with
//! (`-o json`), as stored then.

mod support;

use serde_json::Value;
use support::kubectl::Kubectl;
use support::*;

/// A command, `{ns}` standing for the kubectl version's namespace.
struct Case {
    command: &'static str,
    /// skiff serves this kind, so the command must succeed.
    served: bool,
}

const CASES: &[Case] = &[
    Case { command: "create namespace {ns}", served: true },
    Case { command: "create deployment x --image=hello-kubernetes:1.0 --replicas=2 --port=8080 -n {ns}", served: true },
    Case { command: "create service nodeport web --tcp=80:8080 -n {ns}", served: true },
    Case { command: "create configmap c --from-literal=a=b -n {ns}", served: true },
    Case { command: "create secret generic s --from-literal=p=q -n {ns}", served: true },
    Case { command: "autoscale deployment x --max=3 --cpu-percent=50 -n {ns}", served: true },
];

/// What may differ between two creations of one object: identity, times, allocations, status,
/// and the API version (kubectl 1.30 creates HPAs through autoscaling/v1, 1.33 through v2).
fn comparable(object: Value) -> Value {
    let mut object =
        if object["apiVersion"] == "autoscaling/v1" { skiff::model::hpa::v1::to_v2(&object) } else { object };
    let metadata = object["metadata"].as_object_mut().expect("metadata");
    for generated in ["name", "namespace", "uid", "creationTimestamp", "resourceVersion", "managedFields"] {
        metadata.remove(generated);
    }
    // A Namespace carries its own name as a label.
    if let Some(labels) = metadata.get_mut("labels").and_then(Value::as_object_mut) {
        labels.remove("kubernetes.io/metadata.name");
    }
    if let Some(spec) = object["spec"].as_object_mut() {
        spec.remove("clusterIP");
        spec.remove("clusterIPs");
        for port in spec.get_mut("ports").and_then(Value::as_array_mut).into_iter().flatten() {
            port.as_object_mut().expect("port").remove("nodePort");
        }
    }
    object.as_object_mut().expect("object").remove("status");
    object
}

/// kubectl's error line, past any `-v` logging; `None` when the command succeeded.
fn error_line(out: &std::process::Output) -> Option<String> {
    if out.status.success() {
        return None;
    }
    let stderr = text(&out.stderr);
    let line = stderr.lines().rfind(|l| l.starts_with("error: ") || l.starts_with("Error from server"));
    Some(line.unwrap_or(&stderr).to_string())
}

#[test]
fn kubectl_1_33_protobuf_creates_what_kubectl_1_30_json_creates() {
    let d = Daemon::start();
    let (new, old) = (Kubectl::new("1.33", &d), Kubectl::new("1.30", &d));
    for case in CASES {
        let args = |ns: &str| format!("{} -o json", case.command.replace("{ns}", ns));
        let new_out = new.run(&format!("{} -v=8", args("v133")).split(' ').collect::<Vec<_>>());
        let old_out = old.run(&args("v130").split(' ').collect::<Vec<_>>());

        let sent = text(&new_out.stderr);
        assert!(
            sent.contains("Content-Type: application/vnd.kubernetes.protobuf"),
            "kubectl 1.33 {}: expected a protobuf request:\n{sent}",
            case.command
        );
        let error = error_line(&new_out);
        assert_eq!(error, error_line(&old_out), "{}: kubectl 1.33 and 1.30 must end alike", case.command);
        if let Some(error) = error {
            // Not served yet (404/405 for both versions), never a body skiff could not read.
            assert!(!case.served && !error.contains("could not be decoded"), "{}: {error}", case.command);
            eprintln!("not served by skiff yet, both versions answered {error:?}: {}", case.command);
            continue;
        }
        let created = |out: &std::process::Output| comparable(serde_json::from_slice(&out.stdout).expect("-o json"));
        assert_eq!(created(&new_out), created(&old_out), "{}", case.command);
    }
}
