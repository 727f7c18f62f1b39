use super::*;
use crate::model::Object;
use k8s_openapi::api::core::v1::{Event, Service};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

fn svc(name: &str, label: &str) -> Object {
    Object::Service(Service {
        metadata: ObjectMeta {
            name: Some(name.into()),
            namespace: Some("default".into()),
            labels: Some([("v".to_string(), label.to_string())].into()),
            ..Default::default()
        },
        ..Default::default()
    })
}

fn event(name: &str) -> Object {
    Object::Event(Event {
        metadata: ObjectMeta { name: Some(name.into()), namespace: Some("default".into()), ..Default::default() },
        ..Default::default()
    })
}

fn label(obj: &Object) -> String {
    obj.meta().labels.as_ref().unwrap()["v"].clone()
}

#[tokio::test]
async fn versions_preconditions_and_atomic_batches() {
    let store = Store::in_memory(100);
    let a = store.create(svc("a", "1")).await.unwrap();
    assert_eq!(a.resource_version(), 1);
    assert!(matches!(store.create(svc("a", "x")).await, Err(StoreError::AlreadyExists(_))));
    let stale = Preconditions { resource_version: Some(99), uid: None };
    assert!(matches!(store.update(svc("a", "2"), stale).await, Err(StoreError::Conflict(_))));
    let fresh = Preconditions { resource_version: Some(1), uid: None };
    assert_eq!(store.update(svc("a", "2"), fresh).await.unwrap().resource_version(), 2);
    // One failing op rejects the whole batch.
    let batch = vec![Op::Create(svc("b", "1")), Op::Create(svc("a", "dup"))];
    assert!(store.commit(batch).await.is_err());
    assert!(store.get(&svc("b", "").key()).is_none());
    assert_eq!(store.resource_version(), 2);
    let deleted = store.delete(svc("a", "").key(), Preconditions::default()).await.unwrap();
    assert_eq!(deleted.resource_version(), 3);
    assert_eq!(store.list(Kind::Service, Some("default")).0.len(), 0);
}

#[tokio::test]
async fn watch_resumes_in_order_and_expires_when_too_old() {
    let store = Store::in_memory(3);
    for i in 0..5 {
        store.create(svc(&format!("s{i}"), "1")).await.unwrap();
    }
    let w = store.watch(Some(2)).unwrap();
    assert_eq!(w.backlog.iter().map(|e| e.rv).collect::<Vec<_>>(), vec![3, 4, 5]);
    assert!(store.watch(Some(1)).is_err(), "events after 1 were dropped from the history");
    let mut live = store.watch(None).unwrap();
    assert!(live.backlog.is_empty());
    store.update(svc("s0", "2"), Preconditions::default()).await.unwrap();
    let e = live.receiver.recv().await.unwrap();
    assert_eq!((e.event_type, e.rv), (EventType::Modified, 6));
}

#[tokio::test]
async fn state_and_versions_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path(), 100).await.unwrap();
        store.create(svc("a", "1")).await.unwrap();
        store.create(event("e1")).await.unwrap();
        store.update(svc("a", "2"), Preconditions::default()).await.unwrap();
    }
    let store = Store::open(dir.path(), 100).await.unwrap();
    let a = store.get(&svc("a", "").key()).unwrap();
    assert_eq!(label(&a), "2");
    assert!(store.get(&event("e1").key()).is_none(), "events are not durable");
    // Versions handed to events before the restart are never reused.
    assert!(store.resource_version() >= 3);
    let b = store.create(svc("b", "1")).await.unwrap();
    assert!(b.resource_version() > 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_read_modify_write_never_loses_an_update() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(dir.path(), 1000).await.unwrap());
    store.create(svc("counter", "0")).await.unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let store = store.clone();
        tasks.spawn(async move {
            loop {
                let current = store.get(&svc("counter", "").key()).unwrap();
                let n: u32 = label(&current).parse().unwrap();
                let pre = Preconditions { resource_version: Some(current.resource_version()), uid: None };
                match store.update(svc("counter", &(n + 1).to_string()), pre).await {
                    Ok(_) => break,
                    Err(StoreError::Conflict(_)) => continue,
                    Err(e) => panic!("{e}"),
                }
            }
        });
    }
    while let Some(r) = tasks.join_next().await {
        r.unwrap();
    }
    assert_eq!(label(&store.get(&svc("counter", "").key()).unwrap()), "20");
    drop(store);
    let reopened = Store::open(dir.path(), 10).await.unwrap();
    assert_eq!(label(&reopened.get(&svc("counter", "").key()).unwrap()), "20");
}
