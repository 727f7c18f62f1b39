//! The durable half of the store: an append-only log of checksummed records (one JSON line
//! each, fsynced) plus a snapshot that compaction writes atomically. Recovery keeps every
//! complete record and drops a torn tail, so an interrupted write leaves the old state or the
//! new one, never a mix. Blocking I/O: callers run it off the async threads.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

const SNAPSHOT: &str = "snapshot.json";
const LOG: &str = "wal.log";
/// Compact once the log grows past this many bytes.
const COMPACT_AT: u64 = 8 * 1024 * 1024;

/// Identifies a stored object across restarts: `Kind/namespace/name`.
pub type StoredKey = String;

/// One atomic batch of changes.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Record {
    /// The highest resourceVersion this batch assigned.
    pub rv: u64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub put: Vec<(StoredKey, serde_json::Value)>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub delete: Vec<StoredKey>,
    /// resourceVersions up to here may have been handed out to objects that are not logged
    /// (events), so the counter must restart above it.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub reserve: u64,
}

fn is_zero(v: &u64) -> bool {
    *v == 0
}

#[derive(Serialize, Deserialize)]
struct Snapshot {
    rv: u64,
    objects: BTreeMap<StoredKey, serde_json::Value>,
}

/// What recovery found.
#[derive(Debug, Default)]
pub struct Recovered {
    pub objects: BTreeMap<StoredKey, serde_json::Value>,
    /// The counter must continue above this.
    pub rv: u64,
    /// Bytes of torn tail that were discarded.
    pub discarded_bytes: u64,
}

pub struct Wal {
    dir: PathBuf,
    log: File,
    log_bytes: u64,
    /// A failed append could not be undone: refuse further writes rather than corrupt.
    poisoned: bool,
}

impl Wal {
    /// Opens (or creates) the log in `dir`, replaying the snapshot and every complete record.
    pub fn open(dir: &Path) -> io::Result<(Wal, Recovered)> {
        fs::create_dir_all(dir)?;
        let _ = fs::remove_file(dir.join(format!("{SNAPSHOT}.tmp")));
        let mut recovered = read_snapshot(dir)?;
        let log_path = dir.join(LOG);
        let good_len = replay_log(&log_path, &mut recovered)?;
        let log = OpenOptions::new().create(true).append(true).open(&log_path)?;
        let actual = log.metadata()?.len();
        if actual > good_len {
            recovered.discarded_bytes = actual - good_len;
            log.set_len(good_len)?;
            log.sync_all()?;
        }
        sync_dir(dir)?;
        Ok((Wal { dir: dir.to_path_buf(), log, log_bytes: good_len, poisoned: false }, recovered))
    }

    /// Appends one record and makes it durable before returning. On failure the log is
    /// truncated back so the next append starts clean.
    pub fn append(&mut self, record: &Record) -> io::Result<()> {
        if self.poisoned {
            return Err(io::Error::other("the state log is unusable after an earlier write failure"));
        }
        let line = encode_line(record)?;
        let result = self.log.write_all(&line).and_then(|()| self.log.sync_data());
        if let Err(e) = result {
            if self.log.set_len(self.log_bytes).and_then(|()| self.log.sync_all()).is_err() {
                self.poisoned = true;
            }
            return Err(e);
        }
        self.log_bytes += line.len() as u64;
        Ok(())
    }

    pub fn needs_compaction(&self) -> bool {
        self.log_bytes > COMPACT_AT
    }

    /// Writes `objects` as the new snapshot (atomically) and starts an empty log. A crash
    /// between the two steps is harmless: replay skips records the snapshot already holds.
    pub fn compact(&mut self, objects: BTreeMap<StoredKey, serde_json::Value>, rv: u64) -> io::Result<()> {
        let snapshot = serde_json::to_vec(&Snapshot { rv, objects })?;
        write_atomically(&self.dir, SNAPSHOT, &snapshot)?;
        write_atomically(&self.dir, LOG, b"")?;
        self.log = OpenOptions::new().append(true).open(self.dir.join(LOG))?;
        self.log_bytes = 0;
        Ok(())
    }
}

fn encode_line(record: &Record) -> io::Result<Vec<u8>> {
    let json = serde_json::to_vec(record)?;
    let mut line = format!("{:08x} ", crc32fast::hash(&json)).into_bytes();
    line.extend_from_slice(&json);
    line.push(b'\n');
    Ok(line)
}

/// Parses one complete line; `None` if it is torn or corrupt.
fn decode_line(line: &[u8]) -> Option<Record> {
    let body = line.strip_suffix(b"\n")?;
    let (crc, json) = (body.get(..8)?, body.get(9..)?);
    let crc = u32::from_str_radix(std::str::from_utf8(crc).ok()?, 16).ok()?;
    if crc32fast::hash(json) != crc {
        return None;
    }
    serde_json::from_slice(json).ok()
}

fn read_snapshot(dir: &Path) -> io::Result<Recovered> {
    match fs::read(dir.join(SNAPSHOT)) {
        Ok(bytes) => {
            let s: Snapshot = serde_json::from_slice(&bytes)?;
            Ok(Recovered { objects: s.objects, rv: s.rv, discarded_bytes: 0 })
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Recovered::default()),
        Err(e) => Err(e),
    }
}

/// Applies every complete record newer than the snapshot; returns the length of the good prefix.
fn replay_log(path: &Path, recovered: &mut Recovered) -> io::Result<u64> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    let snapshot_rv = recovered.rv;
    let mut reader = BufReader::new(file);
    let mut good = 0u64;
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        let Some(record) = decode_line(&line) else {
            break;
        };
        good += line.len() as u64;
        if record.rv > snapshot_rv {
            for key in record.delete {
                recovered.objects.remove(&key);
            }
            recovered.objects.extend(record.put);
        }
        recovered.rv = recovered.rv.max(record.rv).max(record.reserve);
    }
    Ok(good)
}

/// temp file → fsync → rename → fsync the directory.
fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<()> {
    let tmp = dir.join(format!("{name}.tmp"));
    let mut f = File::create(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    fs::rename(&tmp, dir.join(name))?;
    sync_dir(dir)
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn put(rv: u64, key: &str, v: serde_json::Value) -> Record {
        Record { rv, put: vec![(key.into(), v)], ..Default::default() }
    }

    #[test]
    fn replays_records_and_snapshots() {
        let dir = tempfile::tempdir().unwrap();
        let (mut wal, rec) = Wal::open(dir.path()).unwrap();
        assert_eq!(rec.rv, 0);
        wal.append(&put(1, "a", json!(1))).unwrap();
        wal.append(&put(2, "b", json!(2))).unwrap();
        wal.append(&Record { rv: 3, delete: vec!["a".into()], reserve: 1000, ..Default::default() }).unwrap();
        drop(wal);
        let (mut wal, rec) = Wal::open(dir.path()).unwrap();
        assert_eq!(rec.objects, BTreeMap::from([("b".to_string(), json!(2))]));
        assert_eq!(rec.rv, 1000);
        wal.compact(rec.objects, 1000).unwrap();
        wal.append(&put(1001, "c", json!(3))).unwrap();
        drop(wal);
        let (_, rec) = Wal::open(dir.path()).unwrap();
        assert_eq!(rec.objects.len(), 2);
        assert_eq!(rec.rv, 1001);
    }

    /// Cut the last write at every byte: recovery yields exactly the old or the new object.
    #[test]
    fn an_interrupted_append_leaves_old_or_new_never_torn() {
        let dir = tempfile::tempdir().unwrap();
        let (mut wal, _) = Wal::open(dir.path()).unwrap();
        wal.append(&put(1, "web", json!({"image": "v1"}))).unwrap();
        let before = fs::metadata(dir.path().join(LOG)).unwrap().len();
        wal.append(&put(2, "web", json!({"image": "v2", "pad": "x".repeat(100)}))).unwrap();
        drop(wal);
        let full = fs::read(dir.path().join(LOG)).unwrap();
        for cut in before..=full.len() as u64 {
            let case = tempfile::tempdir().unwrap();
            fs::write(case.path().join(LOG), &full[..cut as usize]).unwrap();
            let (mut wal, rec) = Wal::open(case.path()).unwrap();
            let image = &rec.objects["web"]["image"];
            if cut == full.len() as u64 {
                assert_eq!(image, "v2");
            } else {
                assert_eq!(image, "v1", "cut at {cut}");
                assert_eq!(rec.discarded_bytes, cut - before);
            }
            // The torn tail is gone, so the next append is readable.
            wal.append(&put(3, "other", json!(true))).unwrap();
            drop(wal);
            let (_, again) = Wal::open(case.path()).unwrap();
            assert_eq!(again.objects["other"], json!(true), "cut at {cut}");
        }
    }

    /// Every intermediate state of compaction recovers to the same objects.
    #[test]
    fn an_interrupted_compaction_loses_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let (mut wal, _) = Wal::open(dir.path()).unwrap();
        wal.append(&put(1, "a", json!(1))).unwrap();
        wal.append(&put(2, "b", json!(2))).unwrap();
        drop(wal);
        let log = fs::read(dir.path().join(LOG)).unwrap();
        let objects = BTreeMap::from([("a".to_string(), json!(1)), ("b".to_string(), json!(2))]);
        let snapshot = serde_json::to_vec(&Snapshot { rv: 2, objects: objects.clone() }).unwrap();
        // 1: temp snapshot half written; 2: snapshot in place, old log still there;
        // 3: snapshot in place, temp log created; 4: done.
        type TmpSnapshotLogTmpLog<'a> = (&'a [u8], Option<&'a [u8]>, &'a [u8], bool);
        let states: [TmpSnapshotLogTmpLog; 4] = [
            (&snapshot[..snapshot.len() / 2], None, &log, false),
            (b"", Some(&snapshot), &log, false),
            (b"", Some(&snapshot), &log, true),
            (b"", Some(&snapshot), b"", false),
        ];
        for (i, (tmp, snap, log_bytes, tmp_log)) in states.into_iter().enumerate() {
            let case = tempfile::tempdir().unwrap();
            if !tmp.is_empty() {
                fs::write(case.path().join(format!("{SNAPSHOT}.tmp")), tmp).unwrap();
            }
            if let Some(s) = snap {
                fs::write(case.path().join(SNAPSHOT), s).unwrap();
            }
            fs::write(case.path().join(LOG), log_bytes).unwrap();
            if tmp_log {
                fs::write(case.path().join(format!("{LOG}.tmp")), b"").unwrap();
            }
            let (_, rec) = Wal::open(case.path()).unwrap();
            assert_eq!(rec.objects, objects, "state {i}");
            assert_eq!(rec.rv, 2, "state {i}");
        }
    }
}
