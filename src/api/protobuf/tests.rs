//! The decoder against hand-built messages (wire details, special types, errors) and against
//! bodies kubectl 1.33 really sent, compared with the JSON kubectl 1.30 sends for the same command.

use super::*;
use crate::protobuf::{bytes_field, message, varint, varint_field};
use serde_json::json;

/// `k8s\0` + a runtime.Unknown around `raw`.
fn envelope(api_version: &str, kind: &str, raw: &[u8]) -> Vec<u8> {
    let type_meta = message(&[(1, api_version.as_bytes()), (2, kind.as_bytes())]);
    let mut body = MAGIC.to_vec();
    body.extend(message(&[(1, &type_meta), (2, raw), (3, b""), (4, b"")]));
    body
}

fn varint_message(fields: &[(u64, u64)]) -> Vec<u8> {
    let mut out = Vec::new();
    for &(n, v) in fields {
        varint_field(&mut out, n, v);
    }
    out
}

fn concat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

fn deployment(spec: &[u8]) -> Result<Value, Error> {
    decode(&envelope("apps/v1", "Deployment", &message(&[(2, spec)])))
}

fn deployment_spec(spec: &[u8]) -> Value {
    deployment(spec).unwrap()["spec"].clone()
}

#[test]
fn envelope_names_the_object() {
    let meta = message(&[(1, b"web"), (2, b""), (3, b"default")]);
    let decoded = decode(&envelope("apps/v1", "Deployment", &message(&[(1, &meta)]))).unwrap();
    assert_eq!(
        decoded,
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "default"}})
    );
}

#[test]
fn varints_and_negatives() {
    // DeploymentSpec: 1 replicas (pointer int32), 5 minReadySeconds (value int32), 7 paused (value bool).
    assert_eq!(
        deployment_spec(&varint_message(&[(1, 300), (5, 7), (7, 1)])),
        json!({"replicas": 300, "minReadySeconds": 7, "paused": true})
    );
    // Negative int32s arrive sign-extended to 64 bits: ten varint bytes.
    let mut minus_one = Vec::new();
    varint(&mut minus_one, (-1i64) as u64);
    assert_eq!(minus_one.len(), 10);
    assert_eq!(deployment_spec(&varint_message(&[(1, (-5i64) as u64)])), json!({"replicas": -5}));
    // int64: ObjectMeta.generation (7) and deletionGracePeriodSeconds (10, pointer).
    let meta = varint_message(&[(7, (-2i64) as u64), (10, 1 << 40)]);
    let decoded = decode(&envelope("v1", "Pod", &message(&[(1, &meta)]))).unwrap();
    assert_eq!(decoded["metadata"], json!({"generation": -2, "deletionGracePeriodSeconds": 1_099_511_627_776_i64}));
}

#[test]
fn zero_means_unset_for_value_fields_only() {
    // replicas is a Go pointer: an explicit 0 stays. minReadySeconds and paused are values.
    assert_eq!(deployment_spec(&varint_message(&[(1, 0), (5, 0), (7, 0)])), json!({"replicas": 0}));
    // A later zero unsets an earlier value, as the last occurrence wins.
    assert_eq!(deployment_spec(&varint_message(&[(5, 3), (5, 0)])), json!({}));
    // Empty value messages stay (Go's omitempty never drops a struct): strategy {}.
    assert_eq!(deployment_spec(&message(&[(4, b"")])), json!({"strategy": {}}));
}

#[test]
fn nested_messages_repeated_and_packed() {
    let port = |p: u64| varint_message(&[(3, p)]); // ContainerPort.containerPort
    let container = message(&[(1, b"app"), (2, b"hello:1.0"), (6, &port(80)), (6, &port(443))]);
    let pod_spec = message(&[(2, &container)]);
    let pod = decode(&envelope("v1", "Pod", &message(&[(2, &pod_spec)]))).unwrap();
    assert_eq!(
        pod["spec"]["containers"],
        json!([{"name": "app", "image": "hello:1.0", "ports": [{"containerPort": 80}, {"containerPort": 443}]}])
    );
    // PodSecurityContext.supplementalGroups (4, repeated int64): packed, unpacked, or both.
    let mut packed = Vec::new();
    for g in [1u64, 2000, (-3i64) as u64] {
        varint(&mut packed, g);
    }
    let security = concat(&[&message(&[(4, &packed)]), &varint_message(&[(4, 7)])]);
    let pod = decode(&envelope("v1", "Pod", &message(&[(2, &message(&[(14, &security)]))]))).unwrap();
    assert_eq!(pod["spec"]["securityContext"], json!({"supplementalGroups": [1, 2000, -3, 7]}));
}

#[test]
fn maps_of_strings_bytes_and_quantities() {
    let entry = |k: &[u8], v: &[u8]| message(&[(1, k), (2, v)]);
    let meta = concat(&[&message(&[(11, &entry(b"app", b"web"))]), &message(&[(11, &entry(b"tier", b""))])]);
    let secret = concat(&[
        &message(&[(1, &meta)]),
        &message(&[(2, &entry(b"p", b"q\x00\xff"))]),
        &message(&[(2, &message(&[(1, b"empty")]))]),
    ]);
    let decoded = decode(&envelope("v1", "Secret", &secret)).unwrap();
    assert_eq!(decoded["metadata"]["labels"], json!({"app": "web", "tier": ""}));
    assert_eq!(decoded["data"], json!({"p": "cQD/", "empty": ""}));

    // ResourceRequirements.limits (1): map<string, Quantity>, a Quantity being {1: string}.
    let limits = concat(&[
        &message(&[(1, &entry(b"cpu", &message(&[(1, b"500m")])))]),
        &message(&[(1, &message(&[(1, b"memory"), (2, b"")]))]),
    ]);
    let container = message(&[(1, b"app"), (8, &limits)]);
    let pod = decode(&envelope("v1", "Pod", &message(&[(2, &message(&[(2, &container)]))]))).unwrap();
    assert_eq!(pod["spec"]["containers"][0]["resources"], json!({"limits": {"cpu": "500m", "memory": "0"}}));
}

#[test]
fn int_or_string() {
    // RollingUpdateDeployment: 1 maxUnavailable, 2 maxSurge; strategy is DeploymentSpec 4, rollingUpdate 2.
    let rolling = message(&[
        (1, &varint_message(&[(1, 0), (2, 3)])),
        (2, &concat(&[&varint_message(&[(1, 1)]), &message(&[(3, b"25%")])])),
    ]);
    let spec = message(&[(4, &message(&[(2, &rolling)]))]);
    assert_eq!(deployment_spec(&spec)["strategy"]["rollingUpdate"], json!({"maxUnavailable": 3, "maxSurge": "25%"}));
    let bad = message(&[(4, &message(&[(2, &message(&[(1, &varint_message(&[(1, 2)]))]))]))]);
    let e = deployment(&bad).unwrap_err();
    assert_eq!(
        e.to_string(),
        "spec.strategy.rollingUpdate.maxUnavailable: IntOrString type 2 is neither 0 (int) nor 1 (string)"
    );
}

#[test]
fn times() {
    // ObjectMeta: 8 creationTimestamp (value Time), 9 deletionTimestamp (pointer Time).
    let ts = varint_message(&[(1, 1_700_000_000), (2, 999_999_999)]);
    let go_zero = varint_message(&[(1, (-62_135_596_800i64) as u64)]);
    let meta = message(&[(8, &ts), (9, b"")]);
    let pod = decode(&envelope("v1", "Pod", &message(&[(1, &meta)]))).unwrap();
    assert_eq!(pod["metadata"], json!({"creationTimestamp": "2023-11-14T22:13:20Z", "deletionTimestamp": null}));
    let pod = decode(&envelope("v1", "Pod", &message(&[(1, &message(&[(8, &go_zero)]))]))).unwrap();
    assert_eq!(pod["metadata"], json!({"creationTimestamp": null}));
    // Event.eventTime (10) is a MicroTime.
    let event = decode(&envelope("v1", "Event", &message(&[(10, &ts)]))).unwrap();
    assert_eq!(event["eventTime"], "2023-11-14T22:13:20.999999Z");
    let far = varint_message(&[(1, 1 << 60)]);
    let e = decode(&envelope("v1", "Pod", &message(&[(1, &message(&[(8, &far)]))]))).unwrap_err();
    assert_eq!(e.to_string(), "metadata.creationTimestamp: time 1152921504606846976s 0ns is out of range");
}

#[test]
fn raw_json_is_embedded() {
    // ManagedFieldsEntry.fieldsV1 (7) is a FieldsV1 {1: raw JSON}.
    let entry = message(&[(1, b"kubectl"), (7, &message(&[(1, br#"{"f:spec":{}}"#)]))]);
    let pod = decode(&envelope("v1", "Pod", &message(&[(1, &message(&[(17, &entry)]))]))).unwrap();
    assert_eq!(pod["metadata"]["managedFields"], json!([{"manager": "kubectl", "fieldsV1": {"f:spec": {}}}]));
    let bad = message(&[(1, b"kubectl"), (7, &message(&[(1, b"{nope")]))]);
    let e = decode(&envelope("v1", "Pod", &message(&[(1, &message(&[(17, &bad)]))]))).unwrap_err();
    assert!(e.to_string().starts_with("metadata.managedFields[0].fieldsV1: raw value is not JSON: "), "{e}");
}

#[test]
fn unknown_fields_are_skipped() {
    let spec = concat(&[&varint_message(&[(1, 2), (99, 5)]), &message(&[(100, b"future")])]);
    assert_eq!(deployment_spec(&spec), json!({"replicas": 2}));
}

#[test]
fn bad_input_is_a_clear_error() {
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (
            b"{\"kind\":\"Deployment\"}".to_vec(),
            "the body does not start with the Kubernetes protobuf prefix \"k8s\\x00\"",
        ),
        (envelope("v1", "Deployment", b""), "no kind \"Deployment\" is registered for version \"v1\""),
        (concat(&[MAGIC, &[0x0a, 9, 1]]), "runtime.Unknown envelope: proto: cannot parse invalid wire-format data"),
        (
            envelope("apps/v1", "Deployment", &message(&[(2, &message(&[(1, b"two")]))])),
            "spec.replicas: wire type length-delimited where varint was expected",
        ),
        (
            envelope("apps/v1", "Deployment", &message(&[(2, &[0x0a, 5, 1][..])])),
            "spec: proto: cannot parse invalid wire-format data",
        ),
        (
            envelope("v1", "Pod", &message(&[(2, &message(&[(2, &message(&[(1, b"\xff")]))]))])),
            "spec.containers[0].name: string is not valid UTF-8",
        ),
        (
            envelope("v1", "ConfigMap", &message(&[(2, &message(&[(1, b"k"), (2, b"\xc3")]))])),
            "data[k]: string is not valid UTF-8",
        ),
    ];
    for (body, message) in cases {
        assert_eq!(decode(&body).unwrap_err().to_string(), message);
    }
    let mut encoded = MAGIC.to_vec();
    bytes_field(&mut encoded, 3, b"gzip");
    assert!(matches!(decode(&encoded), Err(Error::ContentEncoding(e)) if e == "gzip"));
}

/// Random and randomly damaged bodies decode or fail; none panics.
#[test]
fn random_bytes_never_panic() {
    let fixture = include_bytes!("../../../tests/fixtures/protobuf/deployment.kubectl-1.33.pb");
    let mut rng = fastrand::Rng::with_seed(7);
    for _ in 0..20_000 {
        let mut body = fixture.to_vec();
        for _ in 0..rng.usize(1..8) {
            let i = rng.usize(..body.len());
            match rng.u8(..3) {
                0 => body[i] = rng.u8(..),
                1 => body.truncate(i.max(4)),
                _ => body.insert(i, rng.u8(..)),
            }
        }
        let _ = decode(&body);
        let noise: Vec<u8> = (0..rng.usize(..64)).map(|_| rng.u8(..)).collect();
        let _ = decode(&concat(&[MAGIC, &noise]));
    }
}

/// The fixture pairs: kubectl 1.33's protobuf body and kubectl 1.30's JSON body for one command.
fn fixture_pair(name: &str) -> (Value, Value) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/protobuf");
    let pb = std::fs::read(format!("{dir}/{name}.kubectl-1.33.pb")).unwrap();
    let json = std::fs::read(format!("{dir}/{name}.kubectl-1.30.json")).unwrap();
    (decode(&pb).unwrap(), serde_json::from_slice(&json).unwrap())
}

/// `kubectl create deployment|configmap|secret generic|namespace|service nodeport`: the 1.33
/// protobuf body decodes to exactly the JSON body 1.30 sends.
#[test]
fn kubectl_create_bodies_decode_to_what_kubectl_1_30_sends() {
    for name in ["deployment", "configmap", "secret", "namespace", "service"] {
        let (decoded, json) = fixture_pair(name);
        assert_eq!(decoded, json, "{name}");
    }
}

/// `kubectl autoscale`: HPA status fields without `omitempty` (currentReplicas: 0) are in 1.30's
/// JSON and absent from the decoded body; typed, both are the same object.
#[test]
fn kubectl_autoscale_bodies_are_the_same_object() {
    use k8s_openapi::api::autoscaling::v1::HorizontalPodAutoscaler;
    let (decoded, json) = fixture_pair("hpa-v1");
    let typed = |v: Value| serde_json::from_value::<HorizontalPodAutoscaler>(v).unwrap();
    assert_eq!(typed(decoded), typed(json));
    let v2 = include_bytes!("../../../tests/fixtures/protobuf/hpa-v2.kubectl-1.33.pb");
    assert_eq!(
        decode(v2).unwrap()["spec"]["metrics"],
        json!([{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}}}])
    );
}
