//! Who runs on a state directory: a starting daemon takes its lock and, when another daemon
//! is shutting down there (or, with `--upgrade`, running there), that daemon's listening sockets.

use super::handover::{self, HandoverError, Inherited, Mode};
use super::lock::{LockError, StateLock};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What a daemon starts with: the state lock, and the sockets of the daemon it follows.
pub struct Succession {
    pub lock: StateLock,
    pub predecessor: Option<Inherited>,
}

#[derive(Debug, thiserror::Error)]
pub enum SuccessionError {
    #[error(
        "another skiff daemon{} serves {}; `skiff daemon --upgrade` replaces it without refusing a connection",
        pid_text(*.pid), .dir.display()
    )]
    Running { pid: Option<u32>, dir: PathBuf },
    #[error("taking over from the daemon{} on {}: {source}", pid_text(*.pid), .dir.display())]
    Handover { pid: Option<u32>, dir: PathBuf, source: HandoverError },
    #[error(transparent)]
    Lock(#[from] LockError),
}

fn pid_text(pid: Option<u32>) -> String {
    pid.map(|p| format!(" (pid {p})")).unwrap_or_default()
}

/// How long the old daemon may take to stop its components and let go of the state.
const RELEASE: Duration = Duration::from_secs(60);

/// Takes the state directory over: from nobody, from a daemon shutting down, or (`upgrade`)
/// from a running one.
pub async fn begin(dir: &Path, upgrade: bool) -> Result<Succession, SuccessionError> {
    let mode = if upgrade { Mode::Upgrade } else { Mode::Restart };
    match StateLock::try_acquire(dir) {
        Ok(lock) => {
            // The state is free, but a daemon that let go of it may still serve its Services.
            let predecessor = match ask(dir, mode).await {
                Ok(inherited) => Some(inherited),
                Err(e) => {
                    tracing::debug!(reason = %e, "no daemon to take sockets over from");
                    None
                }
            };
            Ok(Succession { lock, predecessor })
        }
        Err(LockError::Held(pid)) => {
            let inherited = ask(dir, mode).await.map_err(|source| match source {
                HandoverError::Refused | HandoverError::NoDaemon => {
                    SuccessionError::Running { pid, dir: dir.to_path_buf() }
                }
                source => SuccessionError::Handover { pid, dir: dir.to_path_buf(), source },
            })?;
            let lock = StateLock::acquire_within(dir, RELEASE).await?;
            Ok(Succession { lock, predecessor: Some(inherited) })
        }
        Err(e) => Err(e.into()),
    }
}

async fn ask(dir: &Path, mode: Mode) -> Result<Inherited, HandoverError> {
    let dir = dir.to_path_buf();
    tokio::task::spawn_blocking(move || handover::take_over(&dir, mode)).await.map_err(|_| HandoverError::Gone)?
}
