//! The kubelet's atomic writer: a volume directory whose files change all at once. The files
//! live in a timestamped directory (`..2026_12_02_05_51_39.482915083`); `..data` is a symlink
//! to the current one, swapped with a rename; each top-level name is a symlink into `..data`.
//! A reader never sees half of an update, and a key removed from the object disappears.
//! Blocking file I/O: call it off the async threads.

use super::payload::Payload;
use std::collections::BTreeSet;
use std::io;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Component, Path};

const DATA_DIR: &str = "..data";
const DATA_DIR_TMP: &str = "..data_tmp";

/// A payload path must stay inside the volume: relative, no `..`, not hidden behind `..`.
fn valid_path(path: &str) -> bool {
    !path.is_empty()
        && !path.starts_with("..")
        && Path::new(path).components().all(|c| matches!(c, Component::Normal(_)))
}

/// The first component of each payload path: the names visible in the volume directory.
fn top_level(payload: &Payload) -> BTreeSet<String> {
    payload.keys().filter_map(|p| p.split('/').next().map(String::from)).collect()
}

/// What the current timestamped directory holds, as a payload.
fn current(dir: &Path) -> Option<Payload> {
    let ts = dir.join(std::fs::read_link(dir.join(DATA_DIR)).ok()?);
    let mut payload = Payload::new();
    read_tree(&ts, &ts, &mut payload).ok()?;
    Some(payload)
}

fn read_tree(root: &Path, dir: &Path, payload: &mut Payload) -> io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            read_tree(root, &path, payload)?;
        } else {
            let rel = path.strip_prefix(root).map_err(io::Error::other)?.to_string_lossy().into_owned();
            let mode = entry.metadata()?.permissions().mode() & 0o777;
            payload.insert(rel, super::payload::File { data: std::fs::read(&path)?, mode });
        }
    }
    Ok(())
}

/// Makes `dir` hold exactly `payload`; `stamp` names the new timestamped directory. Returns
/// whether anything changed.
pub fn write(dir: &Path, payload: &Payload, stamp: &str) -> io::Result<bool> {
    if let Some(bad) = payload.keys().find(|p| !valid_path(p)) {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, format!("invalid path {bad:?} in volume")));
    }
    std::fs::create_dir_all(dir)?;
    let old = current(dir);
    let old_link = std::fs::read_link(dir.join(DATA_DIR)).ok();
    let changed = old.as_ref() != Some(payload);
    if changed {
        let ts_name = format!("..{stamp}");
        let ts = dir.join(&ts_name);
        write_tree(&ts, payload)?;
        let tmp = dir.join(DATA_DIR_TMP);
        let _ = std::fs::remove_file(&tmp);
        symlink(&ts_name, &tmp)?;
        std::fs::rename(&tmp, dir.join(DATA_DIR))?;
    }
    let visible = top_level(payload);
    for name in &visible {
        let link = dir.join(name);
        if link.symlink_metadata().is_err() {
            symlink(Path::new(DATA_DIR).join(name), &link)?;
        }
    }
    for stale in old.as_ref().map(top_level).unwrap_or_default().difference(&visible) {
        std::fs::remove_file(dir.join(stale))?;
    }
    if let Some(old_ts) = old_link.filter(|_| changed) {
        std::fs::remove_dir_all(dir.join(old_ts))?;
    }
    Ok(changed)
}

fn write_tree(ts: &Path, payload: &Payload) -> io::Result<()> {
    std::fs::create_dir(ts)?;
    std::fs::set_permissions(ts, std::fs::Permissions::from_mode(0o755))?;
    for (path, file) in payload {
        let target = ts.join(path);
        if let Some(parent) = target.parent().filter(|p| *p != ts) {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&target, &file.data)?;
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(file.mode))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::payload::File;
    use super::*;

    fn payload(files: &[(&str, &str, u32)]) -> Payload {
        files.iter().map(|(p, d, m)| (p.to_string(), File { data: d.as_bytes().to_vec(), mode: *m })).collect()
    }

    fn read(dir: &Path, name: &str) -> String {
        std::fs::read_to_string(dir.join(name)).unwrap()
    }

    #[test]
    fn updates_swap_at_once_and_drop_removed_keys() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("vol");
        let first = payload(&[("MESSAGE", "v1", 0o644), ("conf/app.yaml", "a: 1", 0o400)]);
        assert!(write(&dir, &first, "2026_12_02_00_00_00.1").unwrap());
        assert_eq!(read(&dir, "MESSAGE"), "v1");
        assert_eq!(read(&dir, "conf/app.yaml"), "a: 1");
        assert_eq!(std::fs::read_link(dir.join("MESSAGE")).unwrap(), Path::new("..data/MESSAGE"));
        let mode = std::fs::metadata(dir.join("conf/app.yaml")).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o400);
        assert!(!write(&dir, &first, "2026_12_02_00_00_01.2").unwrap(), "unchanged: nothing written");

        let second = payload(&[("MESSAGE", "v2", 0o644)]);
        assert!(write(&dir, &second, "2026_12_02_00_00_02.3").unwrap());
        assert_eq!(read(&dir, "MESSAGE"), "v2");
        assert!(dir.join("conf").symlink_metadata().is_err(), "a removed key disappears");
        let mut names: Vec<String> =
            std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into()).collect();
        names.sort();
        assert_eq!(names, ["..2026_12_02_00_00_02.3", "..data", "MESSAGE"], "the old version is gone");
    }

    #[test]
    fn paths_stay_inside_the_volume() {
        let tmp = tempfile::tempdir().unwrap();
        for bad in ["../escape", "/abs", "..hidden", "a/../../b"] {
            let err = write(tmp.path(), &payload(&[(bad, "x", 0o644)]), "t").unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{bad}");
        }
    }
}
