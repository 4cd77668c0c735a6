//! Reading one snapshot file (`snapshot.<zxid>`): the file header (`ZKSN`, version 2, dbid),
//! the sessions (id, timeout), the ACL cache (long -> ACL list), the DataTree's nodes in
//! depth-first order (path, data, ACL reference, StatPersisted) up to the "/" that ends them,
//! the Adler32 seal, and the 3.6+ digest trailer with its own seal.

use std::collections::{BTreeMap, HashMap};
use std::io::BufRead;
use std::path::Path;

use super::FormatError;
use super::jute::{Decoded, JuteReader};
use super::stream;
use super::tree::{AclEntry, ROOT, StatPersisted, Tree};

pub const SNAP_MAGIC: i32 = i32::from_be_bytes(*b"ZKSN");

/// ZooKeeper's id for the world-readable-and-writable ACL list, never stored in the cache.
const OPEN_ACL_ID: i64 = -1;

/// The digest 3.6+ servers write after the tree: the tree's digest at `zxid`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZxidDigest {
    pub zxid: i64,
    pub version: i32,
    pub digest: i64,
}

/// A loaded snapshot.
#[derive(Debug)]
pub struct Snapshot {
    pub dbid: i64,
    /// Session id -> timeout in ms.
    pub sessions: BTreeMap<i64, i32>,
    pub tree: Tree,
    pub digest: Option<ZxidDigest>,
}

/// The zxid in a snapshot or log file name (`snapshot.1a2b`, `log.1a2b`, `snapshot.1a2b.gz`).
pub fn zxid_of_name(name: &str, prefix: &str) -> Option<i64> {
    let rest = name.strip_prefix(prefix)?.strip_prefix('.')?;
    let hex = rest.split('.').next()?;
    u64::from_str_radix(hex, 16).ok().map(|z| z as i64)
}

/// Loads the snapshot at `path`.
pub fn read(path: &Path) -> Result<Snapshot, FormatError> {
    let (reader, compression) = stream::open(path).map_err(|e| FormatError::io(path, e))?;
    let mut r = JuteReader::new(reader);
    decode(&mut r).map_err(|e| FormatError::decode(path, e, compression.offset_note()))
}

fn decode<R: BufRead>(r: &mut JuteReader<R>) -> Decoded<Snapshot> {
    let magic = r.i32()?;
    if magic != SNAP_MAGIC {
        return Err(r.invalid_at(0, "not a ZooKeeper snapshot (no ZKSN magic)"));
    }
    let version = r.i32()?;
    if version != 2 {
        return Err(r.invalid_at(4, format!("unsupported snapshot version {version}")));
    }
    let dbid = r.i64()?;
    let sessions = read_sessions(r)?;
    let mut acls = AclTable::default();
    let mut tree = read_acls(r, &mut acls)?;
    read_nodes(r, &mut acls, &mut tree)?;
    check_seal(r)?;
    let digest = read_trailer(r)?;
    tree.seal();
    Ok(Snapshot {
        dbid,
        sessions,
        tree,
        digest,
    })
}

fn read_sessions<R: BufRead>(r: &mut JuteReader<R>) -> Decoded<BTreeMap<i64, i32>> {
    let count = r.i32()?;
    if count < 0 {
        return r.invalid(format!("impossible session count {count}"));
    }
    let mut sessions = BTreeMap::new();
    for _ in 0..count {
        let id = r.i64()?;
        let timeout = r.i32()?;
        sessions.insert(id, timeout);
    }
    Ok(sessions)
}

/// The snapshot's ACL ids mapped to the tree's interned lists.
#[derive(Default)]
struct AclTable {
    by_id: HashMap<i64, u32>,
}

/// An ACL list in Jute: a vector of (perms, scheme, id).
pub fn read_acl_list<R: std::io::Read>(r: &mut JuteReader<R>) -> Decoded<Vec<AclEntry>> {
    let count = r.count()?;
    let mut list = Vec::with_capacity(count.min(64));
    for _ in 0..count {
        let perms = r.i32()?;
        let scheme = r.string()?;
        let id = r.string()?;
        list.push(AclEntry { perms, scheme, id });
    }
    Ok(list)
}

/// world:anyone with every permission, what ZooKeeper means by ACL id -1.
pub fn open_acl() -> Vec<AclEntry> {
    vec![AclEntry {
        perms: 31,
        scheme: "world".into(),
        id: "anyone".into(),
    }]
}

fn read_acls<R: BufRead>(r: &mut JuteReader<R>, acls: &mut AclTable) -> Decoded<Tree> {
    let count = r.i32()?;
    if count < 0 {
        return r.invalid(format!("impossible ACL cache size {count}"));
    }
    // The root needs a tree to exist before its record is read; it gets its ACL below.
    let mut tree = Tree::with_root(StatPersisted::default(), None, 0);
    let open = tree.intern_acl(open_acl());
    acls.by_id.insert(OPEN_ACL_ID, open);
    for _ in 0..count {
        let id = r.i64()?;
        let list = read_acl_list(r)?;
        let interned = tree.intern_acl(list);
        acls.by_id.insert(id, interned);
    }
    Ok(tree)
}

fn read_stat<R: std::io::Read>(r: &mut JuteReader<R>) -> Decoded<StatPersisted> {
    Ok(StatPersisted {
        czxid: r.i64()?,
        mzxid: r.i64()?,
        ctime: r.i64()?,
        mtime: r.i64()?,
        version: r.i32()?,
        cversion: r.i32()?,
        aversion: r.i32()?,
        ephemeral_owner: r.i64()?,
        pzxid: r.i64()?,
    })
}

/// The nodes come parents first, each subtree whole before the next sibling (the server
/// writes them depth first), so the parent of each is on the stack of the path so far.
fn read_nodes<R: BufRead>(r: &mut JuteReader<R>, acls: &mut AclTable, tree: &mut Tree) -> Decoded<()> {
    let mut path = String::new();
    // (node, length of `path` when it was that node's path)
    let mut stack: Vec<(u32, usize)> = Vec::new();
    let mut first = true;
    loop {
        let at = r.offset();
        let next = r.string()?;
        if next == "/" {
            break;
        }
        let data = r.buffer_into(tree.data_arena())?;
        let acl_ref = r.i64()?;
        let stat = read_stat(r)?;
        let Some(&acl) = acls.by_id.get(&acl_ref) else {
            return Err(r.invalid_at(at, format!("node {next} refers to ACL {acl_ref}, not in the ACL cache")));
        };
        if first {
            if !next.is_empty() {
                return Err(r.invalid_at(at, format!("the first node is {next}, not the root")));
            }
            first = false;
            tree.load_root(stat, data, acl);
            stack.push((ROOT, 0));
            continue;
        }
        let Some(slash) = next.rfind('/') else {
            return Err(r.invalid_at(at, format!("node path {next:?} is not absolute")));
        };
        while stack.last().is_some_and(|&(_, len)| len > slash) {
            stack.pop();
        }
        path.truncate(stack.last().map_or(0, |&(_, len)| len));
        let Some(&(parent, _)) = stack.last().filter(|_| path == next[..slash]) else {
            return Err(r.invalid_at(at, format!("node {next} comes without its parent")));
        };
        let id = tree.push_loaded(parent, &next.as_bytes()[slash + 1..], data, acl, stat);
        path.push_str(&next[slash..]);
        stack.push((id, path.len()));
    }
    if first {
        return r.invalid("a snapshot without a root node");
    }
    Ok(())
}

/// The checksum of everything so far, then "/".
fn check_seal<R: BufRead>(r: &mut JuteReader<R>) -> Decoded<()> {
    let expected = r.checksum();
    let at = r.offset();
    let value = r.i64()?;
    let slash = r.string()?;
    if value as u64 != expected as u64 || slash != "/" {
        return Err(r.invalid_at(
            at,
            format!("checksum mismatch (file says {value:#x}, content sums to {expected:#x})"),
        ));
    }
    Ok(())
}

fn read_trailer<R: BufRead>(r: &mut JuteReader<R>) -> Decoded<Option<ZxidDigest>> {
    if r.at_end()? {
        return Ok(None);
    }
    let digest = ZxidDigest {
        zxid: r.i64()?,
        version: r.i32()?,
        digest: r.i64()?,
    };
    check_seal(r)?;
    Ok(Some(digest).filter(|d| d.zxid > 0))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A snapshot written by hand: root, /a (data "x", ACL 1), /a/b, sealed, with a digest.
    pub fn sample_snapshot() -> Vec<u8> {
        let mut w = Writer::default();
        w.i32(SNAP_MAGIC).i32(2).i64(-1);
        w.i32(1).i64(0x100).i32(30000); // one session
        w.i32(1).i64(1).i32(1).i32(31).s("world").s("anyone"); // ACL cache
        w.s("").buf(Some(b"")).i64(-1).stat(0);
        w.s("/a").buf(Some(b"x")).i64(1).stat(2);
        w.s("/a/b").buf(None).i64(1).stat(3);
        w.s("/");
        w.seal();
        w.i64(3).i32(2).i64(0x1234);
        w.seal();
        w.0
    }

    /// What the tests write files with: jute values, plus a snapshot's stat and seal.
    pub type Writer = crate::snapshot::jute::JuteWriter;

    /// The parts of a snapshot file only its tests write.
    pub trait SnapshotParts {
        fn stat(&mut self, zxid: i64) -> &mut Self;
        fn seal(&mut self) -> &mut Self;
    }

    impl SnapshotParts for Writer {
        fn stat(&mut self, zxid: i64) -> &mut Self {
            self.i64(zxid).i64(zxid).i64(1000).i64(1000);
            self.i32(0).i32(0).i32(0).i64(0).i64(zxid)
        }
        fn seal(&mut self) -> &mut Self {
            let sum = adler2::adler32_slice(&self.0);
            self.i64(sum as i64).s("/")
        }
    }

    fn decode_bytes(bytes: &[u8]) -> Decoded<Snapshot> {
        decode(&mut JuteReader::new(bytes))
    }

    #[test]
    fn decodes_sessions_acls_nodes_and_digest() {
        let snap = decode_bytes(&sample_snapshot()).unwrap();
        assert_eq!(snap.sessions.get(&0x100), Some(&30000));
        let t = &snap.tree;
        assert_eq!(t.len(), 3);
        let a = t.lookup("/a").unwrap();
        assert_eq!(t.data(a), Some(&b"x"[..]));
        assert_eq!(t.acl(a)[0].scheme, "world");
        assert_eq!(t.data(t.lookup("/a/b").unwrap()), None);
        assert_eq!(t.acl(ROOT), &open_acl()[..]);
        assert_eq!(snap.digest.map(|d| d.digest), Some(0x1234));
    }

    #[test]
    fn damage_is_named_with_its_offset() {
        let mut bytes = sample_snapshot();
        bytes[0] = b'X';
        assert_eq!(
            decode_bytes(&bytes).unwrap_err().to_string(),
            "not a ZooKeeper snapshot (no ZKSN magic) at byte 0"
        );
        let whole = sample_snapshot();
        let err = decode_bytes(&whole[..100]).unwrap_err();
        assert_eq!(err.to_string(), "truncated at byte 100");
        let mut flipped = sample_snapshot();
        flipped[60] ^= 1;
        assert!(
            decode_bytes(&flipped)
                .unwrap_err()
                .to_string()
                .contains("checksum mismatch")
        );
    }

    #[test]
    fn names_carry_zxids() {
        assert_eq!(zxid_of_name("snapshot.1a2b", "snapshot"), Some(0x1a2b));
        assert_eq!(zxid_of_name("snapshot.1a2b.gz", "snapshot"), Some(0x1a2b));
        assert_eq!(zxid_of_name("log.100000001", "log"), Some(0x1_0000_0001));
        assert_eq!(zxid_of_name("snapshot.x", "snapshot"), None);
        assert_eq!(zxid_of_name("logfile", "log"), None);
    }
}
