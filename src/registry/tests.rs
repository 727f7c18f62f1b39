use super::*;
use crate::model::decode::FieldValidation;
use crate::model::validation::PodSecurityPolicy;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Pod, Service};
use serde_json::{Value, json};

async fn registry() -> Registry {
    let store = Arc::new(Store::in_memory(1000));
    let ports = ServicePorts { node_port_range: 31000..=31999, ..Default::default() };
    Registry::new(store, Clock::system(), PodSecurityPolicy::default(), ports, "node").await.expect("registry")
}

fn deployment_json(replicas: Value) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "annotations": {"kubernetes.io/change-cause": "first"}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "web", "image": "hello-kubernetes:1.0", "ports": [{"containerPort": 8080}]}]}
            }
        }
    })
}

fn key(kind: Kind, name: &str) -> ObjectKey {
    ObjectKey { kind, namespace: "default".into(), name: name.into() }
}

#[tokio::test]
async fn create_defaults_and_stamps_server_fields() {
    let r = registry().await;
    let written =
        r.create(Kind::Deployment, "default", deployment_json(json!(3)), &WriteOptions::default()).await.unwrap();
    let Object::Deployment(d) = written.object.as_ref() else { panic!() };
    assert_eq!(d.metadata.generation, Some(1));
    assert!(d.metadata.uid.is_some() && d.metadata.creation_timestamp.is_some());
    assert_eq!(d.metadata.namespace.as_deref(), Some("default"));
    let spec = d.spec.as_ref().unwrap();
    assert_eq!(spec.revision_history_limit, Some(10));
    assert_eq!(spec.progress_deadline_seconds, Some(600));
    let container = &spec.template.spec.as_ref().unwrap().containers[0];
    assert_eq!(container.image_pull_policy.as_deref(), Some("IfNotPresent"));
    assert_eq!(container.ports.as_ref().unwrap()[0].protocol.as_deref(), Some("TCP"));
    let again =
        r.create(Kind::Deployment, "default", deployment_json(json!(3)), &WriteOptions::default()).await.unwrap_err();
    assert_eq!(again.to_string(), "deployments.apps \"web\" already exists");
}

#[tokio::test]
async fn invalid_and_unknown_fields_are_rejected_with_paths_and_store_nothing() {
    let r = registry().await;
    let err =
        r.create(Kind::Deployment, "default", deployment_json(json!(-1)), &WriteOptions::default()).await.unwrap_err();
    assert_eq!(err.code_and_reason(), (422, "Invalid"));
    assert_eq!(
        err.to_string(),
        "Deployment.apps \"web\" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0"
    );
    let mut unknown = deployment_json(json!(1));
    unknown["spec"]["foo"] = json!(1);
    let err = r.create(Kind::Deployment, "default", unknown.clone(), &WriteOptions::default()).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "Deployment in version \"v1\" cannot be handled as a Deployment: strict decoding error: unknown field \"spec.foo\""
    );
    let warn = WriteOptions { field_validation: FieldValidation::Warn, dry_run: true };
    let written = r.create(Kind::Deployment, "default", unknown, &warn).await.unwrap();
    assert_eq!(written.warnings, vec!["unknown field \"spec.foo\"".to_string()]);
    assert!(r.store().list(Kind::Deployment, None).0.is_empty(), "dry run and failures store nothing");
}

#[tokio::test]
async fn updates_bump_generation_only_for_spec_or_annotations() {
    let r = registry().await;
    r.create(Kind::Deployment, "default", deployment_json(json!(3)), &WriteOptions::default()).await.unwrap();
    let k = key(Kind::Deployment, "web");
    let set_image = br#"{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"web"}],"containers":[{"image":"hello-kubernetes:2.0","name":"web"}]}}}}"#;
    let w =
        r.patch(&k, PatchType::Strategic, set_image, patch::PatchTarget::Main, &WriteOptions::default()).await.unwrap();
    assert_eq!(w.object.meta().generation, Some(2));
    // Re-sending the same patch changes nothing, not even the resourceVersion.
    let rv = w.object.resource_version();
    let w =
        r.patch(&k, PatchType::Strategic, set_image, patch::PatchTarget::Main, &WriteOptions::default()).await.unwrap();
    assert_eq!(w.object.resource_version(), rv);
    let mut d: Deployment = r.get_typed("default", "web").unwrap();
    d.status = Some(Default::default());
    d.status.as_mut().unwrap().observed_generation = Some(2);
    r.update_status_object(Object::Deployment(d), None).await.unwrap();
    assert_eq!(r.get(&k).unwrap().meta().generation, Some(2), "status writes keep generation");
    let scale = r.set_scale(&k, 5, None, &WriteOptions::default()).await.unwrap();
    assert_eq!(scale["spec"]["replicas"], 5);
    assert_eq!(scale["status"]["selector"], "app=web");
    assert_eq!(r.get(&k).unwrap().meta().generation, Some(3));
}

#[tokio::test]
async fn stale_resource_version_is_a_conflict() {
    let r = registry().await;
    r.create(Kind::Deployment, "default", deployment_json(json!(3)), &WriteOptions::default()).await.unwrap();
    let mut body = r.get(&key(Kind::Deployment, "web")).unwrap().to_json();
    body["metadata"]["resourceVersion"] = json!("999");
    let err = r.update(&key(Kind::Deployment, "web"), body, &WriteOptions::default()).await.unwrap_err();
    assert_eq!(err.code_and_reason(), (409, "Conflict"));
}

#[tokio::test]
async fn pods_terminate_gracefully_and_generate_names() {
    let r = registry().await;
    let pod: Pod = serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"generateName": "web-abc-", "namespace": "default"},
        "spec": {"containers": [{"name": "web", "image": "hello-kubernetes:1.0"}]}
    }))
    .unwrap();
    let created = r.create_object(Object::Pod(pod), &WriteOptions::default()).await.unwrap();
    let name = meta::name(created.meta()).to_string();
    assert!(name.starts_with("web-abc-") && name.len() == 13, "{name}");
    let k = key(Kind::Pod, &name);
    let terminating = r.delete(&k, &DeleteOptions::default()).await.unwrap();
    assert_eq!(terminating.meta().deletion_grace_period_seconds, Some(30));
    assert!(r.get(&k).is_ok(), "the kubelet removes it once the containers stopped");
    r.delete(&k, &DeleteOptions { grace_period_seconds: Some(0), ..Default::default() }).await.unwrap();
    assert!(r.get(&k).is_err());
}

#[tokio::test]
async fn foreground_deletion_waits_on_a_finalizer() {
    let r = registry().await;
    r.create(Kind::Deployment, "default", deployment_json(json!(1)), &WriteOptions::default()).await.unwrap();
    let k = key(Kind::Deployment, "web");
    let opts = DeleteOptions { propagation: Some(Propagation::Foreground), ..Default::default() };
    let d = r.delete(&k, &opts).await.unwrap();
    assert!(meta::has_finalizer(d.meta(), meta::FOREGROUND_FINALIZER));
    let mut obj = d.as_ref().clone();
    meta::remove_finalizer(obj.meta_mut(), meta::FOREGROUND_FINALIZER);
    r.update_object(obj, None, &WriteOptions::default()).await.unwrap();
    assert!(r.get(&k).is_err(), "releasing the last finalizer completes the deletion");
}

#[tokio::test]
async fn node_ports_are_allocated_and_kept_across_updates() {
    let r = registry().await;
    let svc = json!({
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "web"},
        "spec": {"type": "NodePort", "selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}]}
    });
    let w = r.create(Kind::Service, "default", svc.clone(), &WriteOptions::default()).await.unwrap();
    let Object::Service(s) = w.object.as_ref() else { panic!() };
    let port = s.spec.as_ref().unwrap().ports.as_ref().unwrap()[0].node_port.unwrap();
    assert!((31000..=31999).contains(&port));
    let updated = r.update(&key(Kind::Service, "web"), svc, &WriteOptions::default()).await.unwrap();
    let s: &Service = Service::from_object(&updated.object).unwrap();
    assert_eq!(s.spec.as_ref().unwrap().ports.as_ref().unwrap()[0].node_port, Some(port));
}

#[tokio::test]
async fn objects_past_the_storage_limit_are_refused_with_kubernetes_words() {
    let r = registry().await;
    let mut big = deployment_json(json!(1));
    big["metadata"]["annotations"]["padding"] = json!("x".repeat(MAX_OBJECT_BYTES));
    let dry_run = WriteOptions { dry_run: true, ..WriteOptions::default() };
    for opts in [&dry_run, &WriteOptions::default()] {
        let err = r.create(Kind::Deployment, "default", big.clone(), opts).await.unwrap_err();
        assert_eq!(err.code_and_reason(), (413, "RequestEntityTooLarge"));
        assert_eq!(err.to_string(), "Request entity too large: etcdserver: request is too large");
    }
    assert!(r.get(&key(Kind::Deployment, "web")).is_err(), "nothing stored");
}

#[tokio::test]
async fn json_patches_are_bounded_in_operations_and_in_what_copies_add() {
    let r = registry().await;
    r.create(Kind::Deployment, "default", deployment_json(json!(1)), &WriteOptions::default()).await.unwrap();
    let k = key(Kind::Deployment, "web");
    let run = |patch: Value| {
        let body = serde_json::to_vec(&patch).unwrap();
        let r = &r;
        let k = &k;
        async move { r.patch(k, PatchType::Json, &body, patch::PatchTarget::Main, &WriteOptions::default()).await }
    };
    let too_many: Vec<Value> =
        (0..10_001).map(|i| json!({"op": "add", "path": format!("/metadata/labels/l{i}"), "value": "x"})).collect();
    let err = run(json!(too_many)).await.unwrap_err();
    assert_eq!(err.code_and_reason(), (413, "RequestEntityTooLarge"));
    assert_eq!(
        err.to_string(),
        "Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001"
    );
    // Each copy doubles the document: refused long before it is large, however many there are.
    let mut doubling = vec![json!({"op": "add", "path": "/metadata/annotations/a", "value": ["x".repeat(1000)]})];
    for _ in 0..16 {
        doubling.push(json!({"op": "copy", "from": "/metadata/annotations/a", "path": "/metadata/annotations/a/-"}));
        doubling.push(json!({"op": "copy", "from": "/metadata/annotations/a", "path": "/metadata/annotations/b"}));
    }
    let err = run(json!(doubling)).await.unwrap_err();
    assert_eq!(err.code_and_reason(), (422, "Invalid"));
    assert_eq!(err.to_string(), "the server rejected our request due to an error in our request");
    let cause = err.to_status()["details"]["causes"][0]["message"].as_str().unwrap().to_string();
    assert!(cause.starts_with("Unable to complete the copy, the accumulated size increase of copy is "), "{cause}");
    assert!(cause.ends_with(", exceeding the limit 3145728"), "{cause}");
}

#[tokio::test]
async fn a_patch_cannot_change_the_uid_and_a_put_with_another_uid_conflicts() {
    let r = registry().await;
    r.create(Kind::Deployment, "default", deployment_json(json!(1)), &WriteOptions::default()).await.unwrap();
    let k = key(Kind::Deployment, "web");
    let uid_patch = br#"{"metadata":{"uid":"00000000-0000-0000-0000-000000000000"}}"#;
    let err =
        r.patch(&k, PatchType::Merge, uid_patch, patch::PatchTarget::Main, &WriteOptions::default()).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "Deployment.apps \"web\" is invalid: metadata.uid: Invalid value: \"00000000-0000-0000-0000-000000000000\": field is immutable"
    );
    let mut put = deployment_json(json!(2));
    put["metadata"]["uid"] = json!("00000000-0000-0000-0000-000000000000");
    let err = r.update(&k, put, &WriteOptions::default()).await.unwrap_err();
    assert_eq!(err.code_and_reason(), (409, "Conflict"));
}
