//! The store: every accepted object, each with a resourceVersion from one monotonic counter,
//! durable before it is visible, with ordered change notifications (watch). It is the "etcd" of
//! skiff and knows nothing of Kubernetes semantics beyond keys and versions; the registry adds
//! those. Writers are serialized; readers take a short read lock and never wait on disk.

mod wal;
mod watch;

pub use watch::{EventType, Expired, WatchEvent};

use crate::model::{Kind, Object, ObjectKey};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, RwLock};
use tokio::sync::{Mutex, broadcast};
use wal::{Record, Wal};
use watch::History;

/// How many resourceVersions non-durable writes may use before a reservation is logged.
const RV_RESERVATION: u64 = 1000;
/// The most bytes of objects the watch history keeps.
pub const HISTORY_BYTES: usize = 16 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0} not found")]
    NotFound(ObjectKey),
    #[error("{0} already exists")]
    AlreadyExists(ObjectKey),
    #[error("{0} has been modified; resourceVersion or uid precondition failed")]
    Conflict(ObjectKey),
    #[error("state could not be written: {0}")]
    Io(#[from] std::io::Error),
    #[error("stored object {key} cannot be read: {message}")]
    Corrupt { key: String, message: String },
}

/// A precondition on an existing object.
#[derive(Debug, Clone, Default)]
pub struct Preconditions {
    pub resource_version: Option<u64>,
    pub uid: Option<String>,
}

/// One change in an atomic batch.
#[derive(Debug, Clone)]
pub enum Op {
    Create(Object),
    Update(Object, Preconditions),
    Delete(ObjectKey, Preconditions),
}

struct State {
    objects: BTreeMap<ObjectKey, Arc<Object>>,
    rv: u64,
    reserved: u64,
    history: History,
}

/// A live subscription: the events after the requested version, then everything new.
pub struct Watch {
    pub backlog: Vec<WatchEvent>,
    pub receiver: broadcast::Receiver<WatchEvent>,
}

pub struct Store {
    state: RwLock<State>,
    wal: Arc<Mutex<Option<Wal>>>,
    events: broadcast::Sender<WatchEvent>,
}

impl Store {
    /// A store that lives in memory only (tests, dry runs).
    pub fn in_memory(history: usize) -> Store {
        Self::build(None, BTreeMap::new(), 0, history)
    }

    /// Opens the durable store in `dir`, recovering everything that was committed.
    pub async fn open(dir: &Path, history: usize) -> Result<Store, StoreError> {
        let dir = dir.to_path_buf();
        let (wal, recovered) = tokio::task::spawn_blocking(move || Wal::open(&dir))
            .await
            .map_err(|e| StoreError::Io(std::io::Error::other(e)))??;
        if recovered.discarded_bytes > 0 {
            tracing::warn!(
                bytes = recovered.discarded_bytes,
                "discarded an incomplete write at the end of the state log"
            );
        }
        let mut objects = BTreeMap::new();
        for (key, json) in recovered.objects {
            let obj = crate::model::decode::object_from_json(json)
                .map_err(|e| StoreError::Corrupt { key: key.clone(), message: e.to_string() })?;
            objects.insert(obj.key(), Arc::new(obj));
        }
        Ok(Self::build(Some(wal), objects, recovered.rv, history))
    }

    fn build(wal: Option<Wal>, objects: BTreeMap<ObjectKey, Arc<Object>>, rv: u64, history: usize) -> Store {
        let (events, _) = broadcast::channel(history.clamp(16, 65536));
        let state = State { objects, rv, reserved: rv, history: History::new(history, HISTORY_BYTES, rv) };
        Store { state: RwLock::new(state), wal: Arc::new(Mutex::new(wal)), events }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, State> {
        // A panic while holding the lock cannot leave State half-updated (publish is infallible).
        self.state.read().unwrap_or_else(|e| e.into_inner())
    }

    pub fn get(&self, key: &ObjectKey) -> Option<Arc<Object>> {
        self.read().objects.get(key).cloned()
    }

    /// Every object of `kind` (in `namespace`, or all namespaces), name order, with the list's
    /// resourceVersion.
    pub fn list(&self, kind: Kind, namespace: Option<&str>) -> (Vec<Arc<Object>>, u64) {
        let state = self.read();
        let items = state
            .objects
            .iter()
            .filter(|(k, _)| k.kind == kind && namespace.is_none_or(|ns| k.namespace == ns))
            .map(|(_, v)| v.clone())
            .collect();
        (items, state.rv)
    }

    /// Lets another process take the state over: the log (every write already synced) is
    /// closed, and what is written later lives in memory only. For the last moments of a
    /// daemon that handed over; nothing it writes then matters.
    pub async fn close(&self) {
        let wal = self.wal.lock().await.take();
        if let Some(wal) = wal {
            let _ = tokio::task::spawn_blocking(move || drop(wal)).await;
        }
    }

    pub fn resource_version(&self) -> u64 {
        self.read().rv
    }

    /// Subscribes to changes after `rv` (`None`: from now on).
    pub fn watch(&self, rv: Option<u64>) -> Result<Watch, Expired> {
        let state = self.read();
        let backlog = match rv {
            Some(rv) if rv < state.rv => state.history.since(rv)?,
            _ => Vec::new(),
        };
        // Subscribing under the read lock: publish needs the write lock, so nothing falls between.
        Ok(Watch { backlog, receiver: self.events.subscribe() })
    }

    pub async fn create(&self, obj: Object) -> Result<Arc<Object>, StoreError> {
        self.commit_one(Op::Create(obj)).await
    }

    pub async fn update(&self, obj: Object, pre: Preconditions) -> Result<Arc<Object>, StoreError> {
        self.commit_one(Op::Update(obj, pre)).await
    }

    /// Removes the object; returns it as it was, stamped with the deletion's resourceVersion.
    pub async fn delete(&self, key: ObjectKey, pre: Preconditions) -> Result<Arc<Object>, StoreError> {
        self.commit_one(Op::Delete(key, pre)).await
    }

    async fn commit_one(&self, op: Op) -> Result<Arc<Object>, StoreError> {
        let mut out = self.commit(vec![op]).await?;
        out.pop().ok_or_else(|| StoreError::Io(std::io::Error::other("empty commit")))
    }

    /// Applies every op or none. Each op gets the next resourceVersion. Durable kinds are
    /// fsynced before anything becomes visible to readers or watchers.
    pub async fn commit(&self, ops: Vec<Op>) -> Result<Vec<Arc<Object>>, StoreError> {
        let wal = self.wal.clone().lock_owned().await;
        let (events, record) = self.prepare(ops)?;
        let wal = match record {
            Some(record) if wal.is_some() => {
                let (wal, result) = tokio::task::spawn_blocking(move || {
                    let mut wal = wal;
                    let result = match wal.as_mut() {
                        Some(w) => w.append(&record),
                        None => Ok(()),
                    };
                    (wal, result)
                })
                .await
                .map_err(|e| StoreError::Io(std::io::Error::other(e)))?;
                result?;
                wal
            }
            _ => wal,
        };
        let out = events.iter().map(|e| e.object.clone()).collect();
        self.publish(events);
        self.compact_if_needed(wal).await;
        Ok(out)
    }

    /// Checks preconditions and builds the events and the log record, changing nothing.
    fn prepare(&self, ops: Vec<Op>) -> Result<(Vec<WatchEvent>, Option<Record>), StoreError> {
        let state = self.read();
        let mut rv = state.rv;
        let mut record = Record::default();
        let mut events = Vec::with_capacity(ops.len());
        let mut staged: BTreeMap<ObjectKey, Option<Arc<Object>>> = BTreeMap::new();
        for op in ops {
            rv += 1;
            let event = stage(&state.objects, &mut staged, op, rv)?;
            let key = event.object.key();
            if key.kind.info().durable {
                let stored = stored_key(&key);
                match event.event_type {
                    EventType::Deleted => record.delete.push(stored),
                    _ => record.put.push((stored, event.object.to_json())),
                }
            }
            events.push(event);
        }
        record.rv = rv;
        let needs_reservation = rv > state.reserved;
        if needs_reservation {
            record.reserve = rv + RV_RESERVATION;
        }
        let durable = !record.put.is_empty() || !record.delete.is_empty() || needs_reservation;
        Ok((events, durable.then_some(record)))
    }

    fn publish(&self, events: Vec<WatchEvent>) {
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        for event in events {
            let key = event.object.key();
            state.rv = event.rv;
            if state.rv > state.reserved {
                state.reserved = state.rv + RV_RESERVATION;
            }
            match event.event_type {
                EventType::Deleted => state.objects.remove(&key),
                _ => state.objects.insert(key, event.object.clone()),
            };
            state.history.push(event.clone());
            // No receivers is fine: nobody is watching.
            let _ = self.events.send(event);
        }
    }

    async fn compact_if_needed(&self, mut wal: tokio::sync::OwnedMutexGuard<Option<Wal>>) {
        if !wal.as_ref().is_some_and(Wal::needs_compaction) {
            return;
        }
        let (objects, rv) = {
            let state = self.read();
            let objects = state
                .objects
                .iter()
                .filter(|(k, _)| k.kind.info().durable)
                .map(|(k, v)| (stored_key(k), v.to_json()))
                .collect();
            (objects, state.reserved)
        };
        let result = tokio::task::spawn_blocking(move || wal.as_mut().map(|w| w.compact(objects, rv))).await;
        if let Ok(Some(Err(e))) | Err(e) = result.map_err(std::io::Error::other) {
            tracing::warn!(error = %e, "state log compaction failed; will retry after the next write");
        }
    }
}

fn stored_key(key: &ObjectKey) -> String {
    format!("{}/{}/{}", key.kind, key.namespace, key.name)
}

/// Applies one op against the current objects plus what this batch already staged.
fn stage(
    objects: &BTreeMap<ObjectKey, Arc<Object>>,
    staged: &mut BTreeMap<ObjectKey, Option<Arc<Object>>>,
    op: Op,
    rv: u64,
) -> Result<WatchEvent, StoreError> {
    let current = |key: &ObjectKey| staged.get(key).cloned().unwrap_or_else(|| objects.get(key).cloned());
    let (event_type, key, mut obj, previous) = match op {
        Op::Create(obj) => {
            let key = obj.key();
            if current(&key).is_some() {
                return Err(StoreError::AlreadyExists(key));
            }
            (EventType::Added, key, obj, None)
        }
        Op::Update(obj, pre) => {
            let key = obj.key();
            let existing = current(&key).ok_or_else(|| StoreError::NotFound(key.clone()))?;
            check(&existing, &pre, &key)?;
            (EventType::Modified, key, obj, Some(existing))
        }
        Op::Delete(key, pre) => {
            let existing = current(&key).ok_or_else(|| StoreError::NotFound(key.clone()))?;
            check(&existing, &pre, &key)?;
            (EventType::Deleted, key, (*existing).clone(), Some(existing))
        }
    };
    obj.meta_mut().resource_version = Some(rv.to_string());
    let size = obj.encoded_len();
    let obj = Arc::new(obj);
    staged.insert(key, (event_type != EventType::Deleted).then(|| obj.clone()));
    Ok(WatchEvent { event_type, object: obj, previous, rv, size })
}

fn check(existing: &Object, pre: &Preconditions, key: &ObjectKey) -> Result<(), StoreError> {
    let rv_ok = pre.resource_version.is_none_or(|rv| rv == existing.resource_version());
    let uid_ok = pre.uid.as_deref().is_none_or(|uid| existing.meta().uid.as_deref() == Some(uid));
    if rv_ok && uid_ok { Ok(()) } else { Err(StoreError::Conflict(key.clone())) }
}

#[cfg(test)]
mod tests;
