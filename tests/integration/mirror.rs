//! `mirror`: a destination kept equal to its source through 1,000 changes Kazoo makes, and
//! after the server restarts; `--once`; a destination inside its source refused; a live
//! mirror of `/` leaving ZooKeeper's own tree alone.

use std::process::Command;
use std::time::Duration;

use crate::support::{ZkServer, Zksh, namespace};

const T: Duration = Duration::from_secs(90);

/// Kazoo makes `argv[3]` rounds of changes under `argv[2]`: creates, sets, deletes, then
/// creates `done-<argv[4]>`.
const KAZOO_CHANGES: &str = r#"
import sys
from kazoo.client import KazooClient
zk = KazooClient(hosts=sys.argv[1])
zk.start()
root, rounds, tag = sys.argv[2], int(sys.argv[3]), sys.argv[4]
for i in range(rounds):
    zk.create("%s/n%04d" % (root, i), b"v0", makepath=True)
    zk.set("%s/n%04d" % (root, i), b"v1 \xff")
    if i % 2 == 0:
        zk.delete("%s/n%04d" % (root, i))
zk.create("%s/done-%s" % (root, tag), b"")
zk.stop()
"#;

/// Each node under argv[2], relative, with its data (hex) and ACL, for comparing trees.
const KAZOO_DUMP: &str = r#"
import sys
from kazoo.client import KazooClient
zk = KazooClient(hosts=sys.argv[1])
zk.start()
root = sys.argv[2]
def walk(path):
    data, _ = zk.get(path)
    acl, _ = zk.get_acls(path)
    print(path[len(root):] or "/", data.hex(), sorted("%s:%s:%d" % (a.id.scheme, a.id.id, a.perms) for a in acl))
    for child in sorted(zk.get_children(path)):
        walk(path + "/" + child)
walk(root)
zk.stop()
"#;

fn python(script: &str, args: &[&str]) -> String {
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .expect("python3 with kazoo");
    assert!(out.status.success(), "kazoo: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8")
}

fn changes(server: &ZkServer, root: &str, rounds: usize, tag: &str) {
    python(
        KAZOO_CHANGES,
        &[&server.connect_string(), root, &rounds.to_string(), tag],
    );
}

fn dump(server: &ZkServer, root: &str) -> String {
    python(KAZOO_DUMP, &[&server.connect_string(), root])
}

#[test]
fn mirror_keeps_up_with_a_thousand_changes_and_resyncs_after_a_restart() {
    let mut server = ZkServer::start();
    let (src, dst) = ("/src", "/dst");
    Zksh::new(&server).args(["create", src, "top"]).run().success();
    Zksh::new(&server)
        .args(["create", "/src/old", "gone soon"])
        .run()
        .success();
    Zksh::new(&server).args(["create", dst]).run().success();
    Zksh::new(&server).args(["create", "/dst/stale", "x"]).run().success();

    let mut running = Zksh::new(&server).args(["mirror", src, dst]).spawn();
    running.wait_stdout("synced /dst", T);
    assert_eq!(dump(&server, src), dump(&server, dst), "the first sync");

    // 400 rounds: 400 creates, 400 sets, 200 deletes.
    changes(&server, src, 400, "a");
    running.wait_stdout("create /dst/done-a", T);
    assert_eq!(dump(&server, src), dump(&server, dst));

    // The server restarts: the watch is placed again and the tree synced again.
    server.restart();
    running.wait_stdout("synced /dst", T);
    changes(&server, "/src/after", 5, "b");
    running.wait_stdout("create /dst/after/done-b", T);
    assert_eq!(dump(&server, src), dump(&server, dst));
    running.signal(libc::SIGINT);
    running.finish_within(T).code(130);
}

#[test]
fn mirror_once_syncs_and_a_destination_inside_its_source_is_refused() {
    let (server, ns) = namespace("mirror-once");
    let (src, dst) = (format!("{ns}/src"), format!("{ns}/dst"));
    Zksh::new(server).args(["create", &src, "s"]).run().success();
    Zksh::new(server)
        .args(["create", &format!("{src}/a"), "1"])
        .run()
        .success();
    Zksh::new(server).args(["create", &dst]).run().success();
    Zksh::new(server)
        .args(["create", &format!("{dst}/extra"), "x"])
        .run()
        .success();
    let out = Zksh::new(server)
        .args(["mirror", "--once", &src, &dst, "-o", "json"])
        .run();
    out.success();
    let mut actions: Vec<String> = out
        .lines()
        .iter()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).expect("NDJSON")["action"].to_string())
        .collect();
    assert_eq!(
        actions.pop().as_deref(),
        Some("\"synced\""),
        "the sync ends with a synced row"
    );
    actions.sort();
    assert_eq!(actions, ["\"change\"", "\"create\"", "\"delete\""]);
    assert_eq!(dump(server, &src), dump(server, &dst));

    Zksh::new(server)
        .args(["mirror", &src, &format!("{src}/a/copy")])
        .run()
        .code(1)
        .one_line_error()
        .stderr_contains("inside");
    Zksh::new(server)
        .args(["mirror", &src, &ns])
        .run()
        .code(1)
        .one_line_error()
        .stderr_contains("inside");
}

#[test]
fn a_live_mirror_of_the_root_leaves_zookeepers_own_tree_alone() {
    let source = ZkServer::start();
    let target = ZkServer::start();
    let from = format!("zk://{}/", source.connect_string());
    let mut running = Zksh::new(&target).args(["mirror", "--count", "1", &from, "/"]).spawn();
    running.wait_stdout("synced /", T);
    // Where a quota goes: ZooKeeper's own tree, the destination server's to keep.
    Zksh::new(&source)
        .args(["create", "/zookeeper/quota/q", "x"])
        .run()
        .success();
    Zksh::new(&source).args(["create", "/after", "y"]).run().success();
    let out = running.finish_within(T);
    out.success()
        .stdout_contains("create /after")
        .stdout_lacks("/zookeeper");
    Zksh::new(&target).args(["exists", "/zookeeper/quota/q"]).run().code(1);
}
