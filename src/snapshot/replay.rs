//! A data dir at a point in time: the newest snapshot at or before the point, with the
//! logged transactions after it applied up to the point (as ZooKeeper's restore does).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use super::apply::State;
use super::point::Point;
use super::snapfile::{self, zxid_of_name};
use super::tree::Tree;
use super::txnlog::LogReader;
use super::{FormatError, hex};
use crate::output::stat::readable_time;

/// The snapshot and log files of a `version-2` directory, by zxid.
#[derive(Debug, Clone)]
pub struct DataDir {
    pub dir: PathBuf,
    pub snapshots: Vec<(i64, PathBuf)>,
    pub logs: Vec<(i64, PathBuf)>,
}

impl DataDir {
    /// `path` is a `version-2` directory or a data dir holding one.
    pub fn scan(path: &Path) -> anyhow::Result<DataDir> {
        let dir = if path.join("version-2").is_dir() {
            path.join("version-2")
        } else {
            path.to_path_buf()
        };
        let entries = std::fs::read_dir(&dir).with_context(|| format!("cannot read {}", dir.display()))?;
        let mut snapshots = Vec::new();
        let mut logs = Vec::new();
        for entry in entries {
            let entry = entry.with_context(|| format!("cannot read {}", dir.display()))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(zxid) = zxid_of_name(&name, "snapshot") {
                snapshots.push((zxid, entry.path()));
            } else if let Some(zxid) = zxid_of_name(&name, "log") {
                logs.push((zxid, entry.path()));
            }
        }
        snapshots.sort();
        logs.sort();
        Ok(DataDir { dir, snapshots, logs })
    }
}

/// A tree replayed to a point.
#[derive(Debug)]
pub struct Replayed {
    pub tree: Tree,
    /// Session id -> timeout (ms), as the server knew them at `zxid`.
    pub sessions: BTreeMap<i64, i32>,
    /// The last transaction in the tree (the snapshot's zxid when none was replayed).
    pub zxid: i64,
    /// When that transaction happened (ms), if the logs say.
    pub time: Option<i64>,
    pub snapshot: PathBuf,
    pub snapshot_zxid: i64,
    /// Transactions applied on top of the snapshot.
    pub applied: usize,
    /// With `lenient`, the damage replay stopped at.
    pub stopped: Option<FormatError>,
    /// With `lenient`, the damage of a newer snapshot passed over for `snapshot`.
    pub damaged_snapshot: Option<FormatError>,
}

/// Opens `path` (a snapshot file, or a data dir) at `point`. A snapshot file without a
/// point is opened as it is; with one, the logs beside it are replayed onto it.
pub fn open(path: &Path, point: Point, lenient: bool) -> anyhow::Result<Replayed> {
    let (data, pinned) = if path.is_file() {
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let zxid = zxid_of_name(&name, "snapshot").unwrap_or(0);
        let mut data = DataDir::scan(dir)?;
        data.snapshots = vec![(zxid, path.to_path_buf())];
        (data, point == Point::Latest)
    } else if path.is_dir() {
        (DataDir::scan(path)?, false)
    } else {
        bail!("{}: no such file or directory", path.display());
    };
    if data.snapshots.is_empty() {
        if data.logs.is_empty() {
            bail!("{}: no snapshot or transaction log here", data.dir.display());
        }
        bail!(
            "{}: transaction logs but no snapshot to replay them onto (ZooKeeper writes one at start-up; \
             it may have been purged)",
            data.dir.display()
        );
    }
    let target = match point {
        Point::Latest => i64::MAX,
        Point::Zxid(z) => z,
        Point::Time(t) => zxid_at_time(&data, t, lenient)?,
    };
    let candidates: Vec<(i64, PathBuf)> = data
        .snapshots
        .iter()
        .rev()
        .filter(|(z, _)| *z <= target)
        .cloned()
        .collect();
    let Some((mut snap_zxid, mut snap_path)) = candidates.first().cloned() else {
        let (oldest, file) = &data.snapshots[0];
        let when = file_time(file)
            .map(|t| format!(" ({})", readable_time(t)))
            .unwrap_or_default();
        bail!(
            "{point} is before the oldest snapshot: the oldest point available is {}{when}, {}",
            hex(*oldest),
            file.display()
        );
    };
    // A time before every logged transaction still has a snapshot at zxid 0 (the one a new
    // server writes): it only stands for that time if it was written by then.
    if let (Point::Time(t), 0) = (point, target)
        && file_time(&snap_path).is_some_and(|written| written > t)
    {
        let when = file_time(&snap_path).map(readable_time).unwrap_or_default();
        bail!(
            "{point} is before the oldest snapshot: the oldest point available is {} ({when}), {}",
            hex(snap_zxid),
            snap_path.display()
        );
    }
    // As ZooKeeper does, lenient replay falls back to an older snapshot when one is damaged.
    let mut damaged_snapshot = None;
    let mut older = candidates.iter().skip(1);
    let snapshot = loop {
        match snapfile::read(&snap_path) {
            Ok(snapshot) => break snapshot,
            Err(e) if lenient => match older.next() {
                Some((zxid, path)) => {
                    damaged_snapshot.get_or_insert(e);
                    (snap_zxid, snap_path) = (*zxid, path.clone());
                }
                None => return Err(damaged(e)),
            },
            Err(e) => return Err(damaged(e)),
        }
    };
    let mut state = State::new(snapshot.tree, snapshot.sessions);
    let mut replayed = Replayed {
        tree: Tree::with_root(Default::default(), None, 0),
        sessions: BTreeMap::new(),
        zxid: snap_zxid,
        time: None,
        snapshot: snap_path.clone(),
        snapshot_zxid: snap_zxid,
        applied: 0,
        stopped: None,
        damaged_snapshot,
    };
    if !pinned {
        replay_logs(&data, snap_zxid, target, lenient, &mut state, &mut replayed)?;
    }
    if replayed.time.is_none() {
        replayed.time = file_time(&snap_path);
    }
    replayed.tree = state.tree;
    replayed.sessions = state.sessions;
    Ok(replayed)
}

/// The logs that can hold transactions after `zxid`: the last one starting at or before
/// it, and every later one.
fn logs_after(data: &DataDir, zxid: i64) -> &[(i64, PathBuf)] {
    let first = data.logs.iter().rposition(|(start, _)| *start <= zxid + 1).unwrap_or(0);
    &data.logs[first..]
}

fn replay_logs(
    data: &DataDir,
    snap_zxid: i64,
    target: i64,
    lenient: bool,
    state: &mut State,
    out: &mut Replayed,
) -> anyhow::Result<()> {
    for (_, path) in logs_after(data, snap_zxid) {
        let mut log = match LogReader::open(path) {
            Ok(log) => log,
            Err(e) if lenient => {
                out.stopped = Some(e);
                return Ok(());
            }
            Err(e) => return Err(damaged(e)),
        };
        loop {
            let entry = match log.next_entry() {
                Ok(Some(entry)) => entry,
                Ok(None) => break,
                Err(e) if lenient => {
                    out.stopped = Some(e);
                    return Ok(());
                }
                Err(e) => return Err(damaged(e)),
            };
            let h = entry.header;
            if h.zxid == snap_zxid {
                out.time = Some(h.time);
            }
            if h.zxid <= snap_zxid {
                continue;
            }
            if h.zxid > target {
                return Ok(());
            }
            state.apply(&h, &entry.txn);
            out.zxid = h.zxid;
            out.time = Some(h.time);
            out.applied += 1;
        }
    }
    Ok(())
}

fn damaged(e: FormatError) -> anyhow::Error {
    anyhow::anyhow!("{e} (--lenient opens the tree as far as the files can be read)")
}

/// The zxid of the last transaction at or before `time` (0 when none is).
fn zxid_at_time(data: &DataDir, time: i64, lenient: bool) -> anyhow::Result<i64> {
    let mut found = 0;
    for (_, path) in &data.logs {
        let mut log = match LogReader::open(path) {
            Ok(log) => log,
            Err(_) if lenient => return Ok(found),
            Err(e) => return Err(damaged(e)),
        };
        loop {
            match log.next_entry() {
                Ok(Some(entry)) if entry.header.time > time => return Ok(found),
                Ok(Some(entry)) => found = entry.header.zxid,
                Ok(None) => break,
                Err(_) if lenient => return Ok(found),
                Err(e) => return Err(damaged(e)),
            }
        }
    }
    Ok(found)
}

fn file_time(path: &Path) -> Option<i64> {
    let modified = std::fs::metadata(path).ok()?.modified().ok()?;
    let since = modified.duration_since(std::time::UNIX_EPOCH).ok()?;
    Some(since.as_millis() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::snapfile::tests::sample_snapshot;
    use crate::snapshot::txnlog::tests::sample_log;

    fn data_dir() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let v2 = dir.path().join("version-2");
        std::fs::create_dir(&v2).unwrap();
        std::fs::write(v2.join("snapshot.1"), sample_snapshot()).unwrap();
        std::fs::write(v2.join("log.2"), sample_log()).unwrap();
        dir
    }

    #[test]
    fn replays_the_logs_up_to_the_point() {
        let dir = data_dir();
        let latest = open(dir.path(), Point::Latest, false).unwrap();
        assert_eq!((latest.zxid, latest.applied, latest.time), (3, 2, Some(5003)));
        let a = latest.tree.lookup("/a").unwrap();
        assert_eq!(latest.tree.data(a), Some(&b"y"[..]));
        let earlier = open(dir.path(), Point::Zxid(2), false).unwrap();
        assert_eq!(earlier.tree.data(earlier.tree.lookup("/a").unwrap()), Some(&b"x"[..]));
        let by_time = open(dir.path(), Point::Time(5002), false).unwrap();
        assert_eq!(by_time.zxid, 2);
    }

    #[test]
    fn points_before_the_oldest_snapshot_and_missing_snapshots_are_named() {
        let dir = data_dir();
        let err = open(dir.path(), Point::Zxid(0), false).unwrap_err().to_string();
        assert!(
            err.starts_with("0x0 is before the oldest snapshot: the oldest point available is 0x1"),
            "{err}"
        );
        std::fs::remove_file(dir.path().join("version-2/snapshot.1")).unwrap();
        let err = open(dir.path(), Point::Latest, false).unwrap_err().to_string();
        assert!(err.contains("transaction logs but no snapshot"), "{err}");
    }

    #[test]
    fn lenient_replay_passes_over_a_damaged_snapshot() {
        let dir = data_dir();
        let whole = sample_snapshot();
        std::fs::write(dir.path().join("version-2/snapshot.2"), &whole[..whole.len() / 2]).unwrap();
        let err = open(dir.path(), Point::Latest, false).unwrap_err().to_string();
        assert!(err.contains("snapshot.2: truncated"), "{err}");
        let older = open(dir.path(), Point::Latest, true).unwrap();
        assert_eq!((older.snapshot_zxid, older.zxid), (1, 3));
        assert!(
            older
                .damaged_snapshot
                .unwrap()
                .to_string()
                .contains("snapshot.2: truncated")
        );
    }

    #[test]
    fn lenient_replay_stops_at_damage_and_says_where() {
        let dir = data_dir();
        let log = dir.path().join("version-2/log.2");
        let mut bytes = std::fs::read(&log).unwrap();
        let second = bytes.len() - 64 - 20;
        bytes[second] ^= 1;
        std::fs::write(&log, bytes).unwrap();
        assert!(open(dir.path(), Point::Latest, false).is_err());
        let partial = open(dir.path(), Point::Latest, true).unwrap();
        assert_eq!(partial.zxid, 2);
        assert!(partial.stopped.unwrap().to_string().contains("checksum mismatch"));
    }
}
