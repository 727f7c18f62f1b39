//! A pod's volumes on this host, under `<state>/volumes/<pod-uid>/<volume>`: `configMap` and
//! `secret` volumes written with the atomic writer (and rewritten in place when their object
//! changes), `emptyDir` as a plain directory, `hostPath` as given; and the bind mounts each
//! container gets. Other volume types are not mounted.

pub mod payload;
pub mod writer;

use super::environment::ConfigSource;
use crate::model::meta;
use crate::runtime::Mount;
use k8s_openapi::api::core::v1::{Container, Pod, Volume};
use payload::{Payload, VolumeError};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// Why a volume could not be set up, as the kubelet's FailedMount event says it.
#[derive(Debug, thiserror::Error)]
#[error("MountVolume.SetUp failed for volume {volume:?} : {reason}")]
pub struct SetUpError {
    pub volume: String,
    pub reason: String,
}

/// The volumes of one pod.
pub struct PodVolumes {
    root: PathBuf,
}

/// What a volume is on this host.
enum Source {
    /// Written by skiff from a ConfigMap or Secret.
    Projected(Result<Payload, VolumeError>),
    EmptyDir,
    /// Bound as it is: nothing to set up.
    HostPath,
}

fn source_of(v: &Volume, objects: &impl ConfigSource) -> Option<Source> {
    if let Some(cm) = v.config_map.as_ref() {
        return Some(Source::Projected(payload::config_map_payload(cm, objects.config_map(&cm.name).as_ref())));
    }
    if let Some(s) = v.secret.as_ref() {
        let secret = s.secret_name.as_deref().and_then(|n| objects.secret(n));
        return Some(Source::Projected(payload::secret_payload(s, secret.as_ref())));
    }
    if v.empty_dir.is_some() {
        return Some(Source::EmptyDir);
    }
    v.host_path.as_ref().map(|_| Source::HostPath)
}

/// True when `v` is written from a ConfigMap or Secret (and so is read-only).
fn is_projected(v: &Volume) -> bool {
    v.config_map.is_some() || v.secret.is_some()
}

impl PodVolumes {
    pub fn new(volumes_dir: &Path, pod: &Pod) -> PodVolumes {
        PodVolumes { root: volumes_dir.join(meta::uid(&pod.metadata)) }
    }

    fn volumes(pod: &Pod) -> &[Volume] {
        pod.spec.as_ref().and_then(|s| s.volumes.as_deref()).unwrap_or_default()
    }

    /// True when the pod has volumes skiff writes (and so something to keep up to date).
    pub fn has_projected(pod: &Pod) -> bool {
        Self::volumes(pod).iter().any(is_projected)
    }

    /// Brings every volume of `pod` up to date: unchanged ones are left alone, changed ones
    /// swapped atomically. The first volume that cannot be set up is the error; the others are
    /// still written. `stamp` names new versions (a timestamp).
    pub async fn set_up(&self, pod: &Pod, objects: &impl ConfigSource, stamp: &str) -> Result<(), SetUpError> {
        let mut first_error = None;
        for v in Self::volumes(pod) {
            let dir = self.root.join(&v.name);
            let result = match source_of(v, objects) {
                Some(Source::Projected(Ok(payload))) => write_blocking(dir, payload, stamp.to_string()).await,
                Some(Source::Projected(Err(e))) => Err(e.to_string()),
                Some(Source::EmptyDir) => empty_dir(&dir).map_err(|e| e.to_string()),
                Some(Source::HostPath) | None => Ok(()),
            };
            if let Err(reason) = result {
                first_error.get_or_insert(SetUpError { volume: v.name.clone(), reason });
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    /// The bind mounts of `container`: its volumeMounts of the volumes skiff can offer.
    pub fn mounts(&self, pod: &Pod, container: &Container) -> Vec<Mount> {
        let volumes = Self::volumes(pod);
        let mut mounts = Vec::new();
        for vm in container.volume_mounts.iter().flatten() {
            let Some(v) = volumes.iter().find(|v| v.name == vm.name) else { continue };
            let source = match v.host_path.as_ref() {
                Some(h) => PathBuf::from(&h.path),
                None if is_projected(v) || v.empty_dir.is_some() => self.root.join(&v.name),
                None => {
                    tracing::warn!(pod = meta::name(&pod.metadata), volume = %v.name, "volume type not supported; not mounted");
                    continue;
                }
            };
            let source = match vm.sub_path.as_deref().filter(|s| !s.is_empty()) {
                Some(sub) => source.join(sub),
                None => source,
            };
            let read_only = vm.read_only == Some(true) || is_projected(v);
            mounts.push(Mount { source, target: vm.mount_path.clone(), read_only });
        }
        mounts
    }

    /// Removes every volume of the pod from this host.
    pub async fn tear_down(&self) {
        let root = self.root.clone();
        let removed = tokio::task::spawn_blocking(move || match std::fs::remove_dir_all(&root) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        })
        .await;
        if let Ok(Err(e)) = removed {
            tracing::warn!(dir = %self.root.display(), error = %e, "could not remove the pod's volumes");
        }
    }
}

async fn write_blocking(dir: PathBuf, payload: Payload, stamp: String) -> Result<(), String> {
    let written = tokio::task::spawn_blocking(move || writer::write(&dir, &payload, &stamp)).await;
    match written {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(e) => Err(e.to_string()),
    }
}

/// An emptyDir: a directory anyone in the pod may write (0777, as the kubelet makes it).
fn empty_dir(dir: &Path) -> std::io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::create_dir_all(dir)?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o777))
}

/// Creates the root of all pods' volumes, readable by this user only (Secrets live there).
pub fn prepare_root(volumes_dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(volumes_dir)?;
    std::fs::set_permissions(volumes_dir, std::fs::Permissions::from_mode(0o700))
}

/// Removes the volumes of pods that no longer exist (`keep`: the uids of pods that do).
pub fn sweep(volumes_dir: &Path, keep: &std::collections::BTreeSet<String>) {
    let Ok(entries) = std::fs::read_dir(volumes_dir) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !keep.contains(&name)
            && let Err(e) = std::fs::remove_dir_all(entry.path())
        {
            tracing::warn!(dir = %entry.path().display(), error = %e, "could not remove an orphaned pod's volumes");
        }
    }
}
