//! A snapshot named as a tree source (`snapshot:DIR[@POINT]:/path`, wherever another cluster
//! may be named: `diff`, `cp`, `mirror`): the data dir replayed and served read-only on a
//! loopback server of its own, apart from the shell-wide `--snapshot` one. Each DIR and point
//! is opened once per process and kept: `diff` then `cp` from the same point in one shell
//! replays once. It reads as the live tree it was: containers and TTL nodes show as
//! persistent, so the copy engine copies them (as persistent nodes) like live ones.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::point::Point;

/// The prefix that marks a snapshot source.
pub const SCHEME: &str = "snapshot:";

/// A snapshot source as typed: the data dir (or version-2 dir, or snapshot file), the point,
/// and the path in the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    pub dir: PathBuf,
    pub point: Point,
    pub path: String,
}

/// `snapshot:DIR[@POINT][:/path]`, or None when `input` does not name a snapshot. The path
/// starts at the first `:/` (a point never holds a `/`); the point follows the last `@`
/// before it.
pub fn parse(input: &str) -> Option<Result<Named, String>> {
    let rest = input.strip_prefix(SCHEME)?;
    let (head, path) = match rest.find(":/") {
        Some(at) => (&rest[..at], &rest[at + 1..]),
        None => (rest, "/"),
    };
    let (dir, point) = match head.rsplit_once('@') {
        Some((dir, point)) => match point.parse::<Point>() {
            Ok(point) => (dir, point),
            Err(why) => return Some(Err(format!("'{input}': {why}"))),
        },
        None => (head, Point::Latest),
    };
    if dir.is_empty() {
        return Some(Err(format!(
            "'{input}': a snapshot source is snapshot:DIR[@ZXID|@TIME]:/path"
        )));
    }
    Some(Ok(Named {
        dir: PathBuf::from(dir),
        point,
        path: path.to_string(),
    }))
}

/// A snapshot being served: where, and what it holds (`snapshot@0x1a2b (time)`).
#[derive(Debug, Clone)]
pub struct Serving {
    pub address: SocketAddr,
    pub label: String,
}

type Key = (PathBuf, Point);

static SERVING: Mutex<Option<HashMap<Key, Serving>>> = Mutex::new(None);

/// Replays `dir` at `point` and serves it on a loopback port (or finds it already served).
/// Blocks its thread for the replay: the caller is a command on the multi-thread runtime.
pub fn open(dir: &Path, point: Point) -> anyhow::Result<Serving> {
    let key = (std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf()), point);
    if let Some(serving) = lock().as_ref().and_then(|map| map.get(&key)).cloned() {
        return Ok(serving);
    }
    let runtime = match tokio::runtime::Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => handle,
        _ => anyhow::bail!("a snapshot source needs the shell's runtime"),
    };
    let serving = tokio::task::block_in_place(|| -> anyhow::Result<Serving> {
        // Strict: a damaged log is an error here, not a silently shorter history.
        let replayed = super::open(dir, point, false)?;
        let label = super::serve::Opened {
            zxid: replayed.zxid,
            time: replayed.time,
            ..Default::default()
        }
        .label();
        let address = runtime.block_on(super::serve::listen(replayed, true))?;
        Ok(Serving { address, label })
    })?;
    lock().get_or_insert_with(HashMap::new).insert(key, serving.clone());
    Ok(serving)
}

fn lock() -> std::sync::MutexGuard<'static, Option<HashMap<Key, Serving>>> {
    SERVING.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(input: &str) -> Named {
        parse(input).expect("a snapshot source").expect("valid")
    }

    #[test]
    fn dir_point_and_path_are_told_apart() {
        assert_eq!(
            named("snapshot:/var/zk@0x1a2b:/app/config"),
            Named {
                dir: "/var/zk".into(),
                point: Point::Zxid(0x1a2b),
                path: "/app/config".into()
            }
        );
        let timed = named("snapshot:data@2026-11-25T14:01:59Z:/app");
        assert_eq!(timed.point, Point::Time(1_795_615_319_000));
        assert_eq!((timed.dir.to_str(), timed.path.as_str()), (Some("data"), "/app"));
        let local = named("snapshot:data@2026-11-25 14:01:/app");
        assert!(matches!(local.point, Point::Time(_)));
        assert_eq!(local.path, "/app");
        let plain = named("snapshot:./data");
        assert_eq!((plain.point, plain.path.as_str()), (Point::Latest, "/"));
        assert_eq!(named("snapshot:/d:/a@b").path, "/a@b");
    }

    #[test]
    fn other_places_and_bad_points() {
        assert!(parse("/app").is_none());
        assert!(parse("zk://a:1/app").is_none());
        let err = parse("snapshot:data@yesterday:/app").unwrap().unwrap_err();
        assert!(err.contains("invalid point"), "{err}");
        assert!(parse("snapshot::/app").unwrap().is_err());
    }
}
