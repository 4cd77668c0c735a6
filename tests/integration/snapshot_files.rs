//! Snapshots and transaction logs written by a real server, replayed by zksh: the tree at the
//! latest zxid and at an earlier one equals what Kazoo read live then; ZooKeeper's own
//! SnapshotFormatter agrees on the same file; gzip snapshots; damaged files are named.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use base64::Engine;
use serde_json::{Value, json};
use zksh::snapshot::point::Point;
use zksh::snapshot::tree::NodeKind;
use zksh::snapshot::{Replayed, open, snapfile};

use crate::support::{ZkServer, Zksh};

/// Every node of the live tree as Kazoo reads it (with alice's digest credentials, so her
/// ACLs come back whole): path -> {data, acl, stat}.
const DUMP: &str = r#"
import sys, json, base64
from kazoo.client import KazooClient
zk = KazooClient(hosts=sys.argv[1]); zk.start(); zk.add_auth("digest", "alice:pw")
out = {}
def walk(path):
    data, st = zk.get(path)
    acl, _ = zk.get_acls(path)
    out[path] = {"data": base64.b64encode(data or b"").decode(),
                 "acl": sorted([a.perms, a.id.scheme, a.id.id] for a in acl),
                 "stat": [st.czxid, st.mzxid, st.ctime, st.mtime, st.version, st.cversion,
                          st.aversion, st.ephemeralOwner, st.dataLength, st.numChildren, st.pzxid]}
    for child in zk.get_children(path):
        walk(path.rstrip("/") + "/" + child)
walk("/")
zk.stop()
print(json.dumps(out))
"#;

/// Changes through Kazoo: data, sets, deletes, ACLs, a sequential node, an ephemeral that
/// goes with its session, multis that succeed and fail.
const CHANGES: &str = r#"
import sys
from kazoo.client import KazooClient
from kazoo.security import make_digest_acl, make_acl
zk = KazooClient(hosts=sys.argv[1]); zk.start()
step = sys.argv[2]
if step == "a":
    zk.create("/app", b"v0")
    for i in range(150):
        zk.create("/app/n%03d" % i, b"data %d" % i)
    for i in range(0, 150, 3):
        zk.set("/app/n%03d" % i, b"changed %d" % i)
    for i in range(0, 150, 5):
        zk.delete("/app/n%03d" % i)
    zk.create("/app/secure", b"s", acl=[make_digest_acl("alice", "pw", all=True), make_acl("world", "anyone", read=True)])
    zk.set_acls("/app/n001", [make_acl("world", "anyone", read=True, write=True)])
    zk.create("/app/gone", b"e", ephemeral=True)
    zk.create("/app/seq-", b"", sequence=True)
else:
    t = zk.transaction(); t.create("/app/m1", b"a"); t.create("/app/m2", b"b"); t.set_data("/app", b"v1"); t.delete("/app/n001"); t.commit()
    t = zk.transaction(); t.create("/app/m3", b"a"); t.create("/app/m1", b"dup"); t.commit()
    for i in (i for i in range(3, 150, 7) if i % 5):
        zk.set("/app/n%03d" % i, b"later %d" % i)
    zk.delete("/app/n002")
zk.stop()
"#;

/// A session that holds /app/held (ephemeral) until its stdin closes (/app must exist).
const HOLDER: &str = r#"
import sys
from kazoo.client import KazooClient
zk = KazooClient(hosts=sys.argv[1]); zk.start()
zk.create("/app/held", b"h", ephemeral=True)
print(zk.client_id[0], flush=True)
sys.stdin.read()
"#;

pub fn python(args: &[&str]) -> String {
    let out = Command::new("python3").args(args).output().expect("python3 with kazoo");
    assert!(
        out.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 from python")
}

fn live_tree(server: &ZkServer) -> Value {
    serde_json::from_str(&python(&["-c", DUMP, &server.connect_string()])).expect("the dump is JSON")
}

/// The replayed tree in the dump's shape; container and TTL owners masked as the server
/// masks them for clients.
fn replayed_tree(r: &Replayed) -> Value {
    let t = &r.tree;
    let mut out = serde_json::Map::new();
    for id in t.preorder() {
        let s = t.stat(id);
        let data = t.data(id).unwrap_or_default();
        let owner = match NodeKind::of_owner(s.ephemeral_owner) {
            NodeKind::Container | NodeKind::Ttl(_) => 0,
            _ => s.ephemeral_owner,
        };
        let mut acl: Vec<Value> = t.acl(id).iter().map(|a| json!([a.perms, a.scheme, a.id])).collect();
        acl.sort_by_key(|a| a.to_string());
        let stat = json!([
            s.czxid,
            s.mzxid,
            s.ctime,
            s.mtime,
            s.version,
            t.client_cversion(id),
            s.aversion,
            owner,
            data.len(),
            t.children(id).len(),
            s.pzxid
        ]);
        let data = base64::engine::general_purpose::STANDARD.encode(data);
        out.insert(t.path(id), json!({ "data": data, "acl": acl, "stat": stat }));
    }
    Value::Object(out)
}

/// Equal trees, or the first differing nodes named.
fn assert_same_tree(replayed: &Value, live: &Value) {
    let (r, l) = (replayed.as_object().unwrap(), live.as_object().unwrap());
    let mut differences = Vec::new();
    for (path, node) in l {
        match r.get(path) {
            None => differences.push(format!("{path}: missing from the replay")),
            Some(other) if other != node => differences.push(format!("{path}: replay {other} != live {node}")),
            _ => {}
        }
    }
    differences.extend(
        r.keys()
            .filter(|p| !l.contains_key(*p))
            .map(|p| format!("{p}: only in the replay")),
    );
    assert!(
        differences.is_empty(),
        "{} differences:\n{}",
        differences.len(),
        differences[..differences.len().min(8)].join("\n")
    );
}

fn version2(server: &ZkServer) -> PathBuf {
    server.data_dir().join("version-2")
}

fn files(dir: &Path, prefix: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with(prefix))
        .collect();
    let kind = prefix.trim_end_matches('.');
    out.sort_by_key(|p| snapfile::zxid_of_name(&p.file_name().unwrap().to_string_lossy(), kind));
    out
}

pub fn hold_ephemeral(server: &ZkServer) -> (Child, i64) {
    let mut child = Command::new("python3")
        .args(["-c", HOLDER, &server.connect_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 with kazoo");
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.as_mut().unwrap()), &mut line).unwrap();
    (child, line.trim().parse().expect("the holder prints its session id"))
}

#[test]
fn replay_equals_the_live_tree_now_and_at_an_earlier_zxid() {
    let server = ZkServer::start_with(&["snapCount=100", "extendedTypesEnabled=true"]);
    python(&["-c", CHANGES, &server.connect_string(), "a"]);
    Zksh::new(&server)
        .args([
            "-c",
            "create -c /app/box c; create /app/box/inner i; create -t 600000 /app/ttl t",
        ])
        .run()
        .success();
    let (mut holder, session) = hold_ephemeral(&server);
    let earlier = live_tree(&server);
    let earlier_zxid = server.last_zxid() as i64;
    python(&["-c", CHANGES, &server.connect_string(), "b"]);
    let now = live_tree(&server);

    let dir = version2(&server);
    assert!(files(&dir, "snapshot.").len() >= 3, "snapCount=100 rolls snapshots");
    let latest = open(&server.data_dir(), Point::Latest, false).unwrap();
    assert!(latest.applied > 0, "logs were replayed on the snapshot");
    assert_same_tree(&replayed_tree(&latest), &now);
    let then = open(&server.data_dir(), Point::Zxid(earlier_zxid), false).unwrap();
    assert_eq!(then.zxid, earlier_zxid);
    assert_same_tree(&replayed_tree(&then), &earlier);

    // What clients never see: the node types and the sessions that own ephemerals.
    let t = &latest.tree;
    let kind = |p: &str| NodeKind::of_owner(t.stat(t.lookup(p).unwrap()).ephemeral_owner);
    assert_eq!(kind("/app/box"), NodeKind::Container);
    assert_eq!(kind("/app/ttl"), NodeKind::Ttl(600_000));
    assert_eq!(kind("/app/held"), NodeKind::Ephemeral(session));
    assert!(latest.sessions.contains_key(&session));
    assert_eq!(
        t.lookup("/app/gone"),
        None,
        "the closed session's ephemeral went with it"
    );

    // At a time: the moment of the earlier zxid's transaction gives the same tree.
    let time = then.time.expect("the logs hold the time");
    let by_time = open(&server.data_dir(), Point::Time(time), false).unwrap();
    assert_eq!(by_time.zxid, earlier_zxid);

    formatter_agrees(files(&dir, "snapshot.").last().unwrap());
    bad_input(&dir);
    holder.kill().ok();
    holder.wait().ok();
}

/// ZooKeeper's SnapshotFormatter on the same file: node count and every node's stat and data.
fn formatter_agrees(file: &Path) {
    let out = Command::new("java")
        .args(["-cp", "/usr/share/java/zookeeper.jar:/usr/share/java/slf4j-api.jar"])
        .args(["org.apache.zookeeper.server.SnapshotFormatter", "-d"])
        .arg(file)
        .output()
        .expect("java");
    let text = String::from_utf8_lossy(&out.stdout);
    let count: usize = text
        .lines()
        .find_map(|l| {
            l.strip_prefix("ZNode Details (count=")?
                .strip_suffix("):")?
                .parse()
                .ok()
        })
        .expect("SnapshotFormatter prints the node count");
    let snap = snapfile::read(file).unwrap();
    // Its count is the size of the DataTree's map, which holds the root twice ("" and "/").
    assert_eq!(snap.tree.len() + 1, count);
    let mut theirs: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut current = None;
    for line in text.lines() {
        if line.starts_with('/') {
            current = Some(line.to_string());
        } else if let (Some(path), Some((k, v))) = (&current, line.trim().split_once(" = ")) {
            theirs
                .entry(path.clone())
                .or_default()
                .insert(k.to_string(), v.to_string());
        } else if let (Some(path), Some(k)) = (&current, line.trim().strip_suffix(" =")) {
            theirs
                .entry(path.clone())
                .or_default()
                .insert(k.to_string(), String::new());
        }
    }
    assert_eq!(theirs.len(), snap.tree.len());
    let t = &snap.tree;
    let hex = |v: &str| u64::from_str_radix(v.trim_start_matches("0x"), 16).unwrap() as i64;
    for (path, fields) in &theirs {
        let id = t
            .lookup(path)
            .unwrap_or_else(|| panic!("{path} is not in zksh's reading"));
        let s = t.stat(id);
        assert_eq!(hex(&fields["cZxid"]), s.czxid, "{path}");
        assert_eq!(hex(&fields["mZxid"]), s.mzxid, "{path}");
        assert_eq!(hex(&fields["pZxid"]), s.pzxid, "{path}");
        assert_eq!(hex(&fields["ephemeralOwner"]), s.ephemeral_owner, "{path}");
        assert_eq!(fields["cversion"], s.cversion.to_string(), "{path}");
        assert_eq!(fields["dataVersion"], s.version.to_string(), "{path}");
        assert_eq!(fields["aclVersion"], s.aversion.to_string(), "{path}");
        let data = base64::engine::general_purpose::STANDARD.encode(t.data(id).unwrap_or_default());
        assert_eq!(fields["data"], data, "{path}");
    }
}

/// Not a snapshot, a truncated snapshot, a log with a flipped byte: each named with its
/// file and offset.
fn bad_input(dir: &Path) {
    let work = tempfile::tempdir().unwrap();
    let snapshot = files(dir, "snapshot.").pop().unwrap();
    let bytes = std::fs::read(&snapshot).unwrap();
    let log = files(dir, "log.").pop().unwrap();

    let not_snapshot = work.path().join("snapshot.5");
    std::fs::copy(&log, &not_snapshot).unwrap();
    let err = open(&not_snapshot, Point::Latest, false).unwrap_err().to_string();
    assert!(
        err.contains("snapshot.5: not a ZooKeeper snapshot (no ZKSN magic) (at byte 0)"),
        "{err}"
    );

    let truncated = work.path().join("snapshot.6");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let err = open(&truncated, Point::Latest, false).unwrap_err().to_string();
    assert!(
        err.contains(&format!("snapshot.6: truncated (at byte {})", bytes.len() / 2)),
        "{err}"
    );

    let damaged = work.path().join("damaged");
    std::fs::create_dir(&damaged).unwrap();
    let first_snapshot = files(dir, "snapshot.").remove(0);
    std::fs::copy(&first_snapshot, damaged.join(first_snapshot.file_name().unwrap())).unwrap();
    let first_log = files(dir, "log.").remove(0);
    let mut log_bytes = std::fs::read(&first_log).unwrap();
    log_bytes[40] ^= 0x01; // inside the first record, which starts after the 16-byte header
    std::fs::write(damaged.join(first_log.file_name().unwrap()), log_bytes).unwrap();
    let err = open(&damaged, Point::Latest, false).unwrap_err().to_string();
    assert!(err.contains("checksum mismatch in the record at byte 16"), "{err}");
    assert!(
        err.contains(&first_log.file_name().unwrap().to_string_lossy().to_string()),
        "{err}"
    );
    let partial = open(&damaged, Point::Latest, true).unwrap();
    assert!(partial.stopped.is_some());
    assert_eq!(
        (partial.zxid, partial.applied),
        (0, 0),
        "replay stopped at the first record"
    );
}

#[test]
fn gzip_snapshots_replay_to_the_live_tree() {
    let server = ZkServer::start_with(&["snapCount=100", "snapshot.compression.method=gz"]);
    let script = "create /gz; ".to_string()
        + &(0..250)
            .map(|i| format!("create /gz/n{i} v{i}"))
            .collect::<Vec<_>>()
            .join("; ");
    Zksh::new(&server).args(["-c", &script]).run().success();
    let now = live_tree(&server);
    let dir = version2(&server);
    let gz = files(&dir, "snapshot.");
    assert!(
        gz.iter().any(|p| p.to_string_lossy().ends_with(".gz")),
        "gzip snapshots: {gz:?}"
    );
    let latest = open(&server.data_dir(), Point::Latest, false).unwrap();
    assert!(latest.snapshot.to_string_lossy().ends_with(".gz"));
    assert_same_tree(&replayed_tree(&latest), &now);
}
