//! One daemon per state directory: an exclusive lock on `<state>/daemon.lock`, which the kernel
//! releases when the process ends however it ends (a `kill -9` never leaves it taken). Two
//! daemons writing one state log would corrupt it; a second one is refused, or takes over
//! through `handover`.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::Path;
use std::time::Duration;

pub struct StateLock {
    _file: File,
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("another skiff daemon{} uses this state directory", .0.map(|p| format!(" (pid {p})")).unwrap_or_default())]
    Held(Option<u32>),
    #[error("cannot lock the state directory: {0}")]
    Io(#[from] std::io::Error),
}

impl StateLock {
    /// Takes the lock now, or says who holds it.
    pub fn try_acquire(dir: &Path) -> Result<StateLock, LockError> {
        std::fs::create_dir_all(dir)?;
        let mut file =
            OpenOptions::new().read(true).write(true).create(true).truncate(false).open(dir.join("daemon.lock"))?;
        match file.try_lock() {
            Ok(()) => {
                file.set_len(0)?;
                file.rewind()?;
                write!(file, "{}", std::process::id())?;
                file.sync_all()?;
                Ok(StateLock { _file: file })
            }
            Err(TryLockError::WouldBlock) => {
                let mut pid = String::new();
                let _ = file.read_to_string(&mut pid);
                Err(LockError::Held(pid.trim().parse().ok()))
            }
            Err(TryLockError::Error(e)) => Err(LockError::Io(e)),
        }
    }

    /// Takes the lock once its holder lets go, trying every few milliseconds for `within`.
    pub async fn acquire_within(dir: &Path, within: Duration) -> Result<StateLock, LockError> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            match StateLock::try_acquire(dir) {
                Err(LockError::Held(_)) if tokio::time::Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                other => return other,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn one_holder_at_a_time_and_the_next_one_gets_it() {
        let dir = tempfile::tempdir().unwrap();
        let first = StateLock::try_acquire(dir.path()).unwrap();
        let held = StateLock::try_acquire(dir.path()).err().unwrap();
        assert_eq!(
            held.to_string(),
            format!("another skiff daemon (pid {}) uses this state directory", std::process::id())
        );
        drop(first);
        assert!(StateLock::acquire_within(dir.path(), Duration::from_secs(1)).await.is_ok());
    }
}
