//! `cp` and `mv`: a subtree with data and ACLs (Kazoo, authenticated, checks a digest ACL
//! and binary data), across two servers, an unreachable destination (exit 3, nothing
//! written), into itself (refused), mv of one node atomic as a concurrent reader sees it, a
//! node with children without -r refused.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::support::tree::build_tree;
use crate::support::{ZkServer, Zksh, closed_address, namespace};

const T: Duration = Duration::from_secs(60);

/// Kazoo, authenticated as alice: creates `root/secret` with a digest ACL for alice and
/// `root/bin` with binary data.
const KAZOO_CREATE: &str = r#"
import sys
from kazoo.client import KazooClient
from kazoo.security import make_digest_acl, OPEN_ACL_UNSAFE
zk = KazooClient(hosts=sys.argv[1], auth_data=[("digest", "alice:secret")])
zk.start()
root = sys.argv[2]
zk.create(root + "/bin", b"\x00\xff\xfe binary")
zk.create(root + "/secret", b"hidden", acl=[make_digest_acl("alice", "secret", all=True)])
zk.create(root + "/plain/child", b"c", makepath=True)
# Readable by anyone; its digest entry reads back redacted without alice's ADMIN right.
from kazoo.security import ACL, Id, Permissions
shared = [make_digest_acl("alice", "secret", all=True), ACL(Permissions.READ, Id("world", "anyone"))]
zk.create(root + "/shared", b"s", acl=shared)
zk.stop()
"#;

/// Kazoo, authenticated as alice: prints each node's data (hex) and ACL under argv[2].
const KAZOO_DUMP: &str = r#"
import sys
from kazoo.client import KazooClient
zk = KazooClient(hosts=sys.argv[1], auth_data=[("digest", "alice:secret")])
zk.start()
root = sys.argv[2]
def walk(path):
    data, _ = zk.get(path)
    acl, _ = zk.get_acls(path)
    acls = sorted("%s:%s:%d" % (a.id.scheme, a.id.id, a.perms) for a in acl)
    print(path[len(root):] or "/", data.hex(), ",".join(acls))
    for child in sorted(zk.get_children(path)):
        walk(path + "/" + child)
walk(root)
zk.stop()
"#;

fn kazoo(script: &str, server: &ZkServer, root: &str) -> String {
    let out = Command::new("python3")
        .args(["-c", script, &server.connect_string(), root])
        .stderr(Stdio::inherit())
        .output()
        .expect("python3 with kazoo");
    assert!(out.status.success(), "kazoo failed");
    String::from_utf8(out.stdout).expect("utf-8")
}

#[test]
fn cp_copies_data_and_acls_that_kazoo_sees_identical_and_refuses_itself() {
    let (server, ns) = namespace("cp");
    let src = format!("{ns}/src");
    Zksh::new(server).args(["create", &src, "top"]).run().success();
    kazoo(KAZOO_CREATE, server, &src);
    let dst = format!("{ns}/dst");
    // As alice, who may read her digest ACL unredacted.
    let script = format!("addauth digest alice:secret\ncp -r {src} {dst} -o json\n");
    let out = Zksh::new(server).stdin(script).timeout(T).run();
    out.success();
    assert_eq!(out.json()["created"], 6);
    assert_eq!(kazoo(KAZOO_DUMP, server, &src), kazoo(KAZOO_DUMP, server, &dst));

    // Without alice's rights: her node may not be read, and the digest entry of the shared
    // one comes back redacted: both refused and named, neither written.
    let other = format!("{ns}/other");
    let out = Zksh::new(server).args(["cp", "-r", &src, &other]).timeout(T).run();
    out.code(1)
        .stdout_contains(&format!("refused {src}/secret: the source node may not be read"))
        .stdout_contains(&format!("refused {other}/shared: its ACL came back redacted"));
    Zksh::new(server)
        .args(["exists", &format!("{other}/secret")])
        .run()
        .code(1);
    Zksh::new(server)
        .args(["exists", &format!("{other}/shared")])
        .run()
        .code(1);

    // Into itself: refused, nothing written.
    Zksh::new(server)
        .args(["cp", "-r", &src, &format!("{src}/plain/again")])
        .run()
        .code(1)
        .one_line_error()
        .stderr_contains("into itself");
    Zksh::new(server)
        .args(["exists", &format!("{src}/plain/again")])
        .run()
        .code(1);

    // One node without -r: the node alone.
    let single = format!("{ns}/single");
    Zksh::new(server)
        .args(["cp", &format!("{src}/plain"), &single])
        .run()
        .success();
    Zksh::new(server).args(["get", &single]).run().stdout_is("\n");
    Zksh::new(server).args(["ls", &single]).run().stdout_is("");
}

#[test]
fn cp_across_two_servers_and_an_unreachable_destination_writes_nothing() {
    let (server, ns) = namespace("cp-remote");
    let src = format!("{ns}/tree");
    Zksh::new(server).args(["create", &src]).run().success();
    let total = build_tree(server, &src, 5, 20);
    let other = ZkServer::start();
    let remote = format!("zk://{}/copy", other.connect_string());
    let out = Zksh::new(server)
        .args(["cp", "-r", &src, &remote, "-o", "json"])
        .timeout(T)
        .run();
    out.success();
    assert_eq!(out.json()["created"], total);
    let listed = Zksh::new(&other).args(["ls", "-R", "/copy"]).run();
    assert_eq!(listed.lines().len(), total);
    // And back, to a fresh place here.
    let back = format!("{ns}/back");
    let from = format!("zk://{}/copy", other.connect_string());
    Zksh::new(server)
        .args(["cp", "-r", &from, &back])
        .timeout(T)
        .run()
        .success();
    assert_eq!(Zksh::new(server).args(["ls", "-R", &back]).run().lines().len(), total);

    let nowhere = format!("zk://{}/copy", closed_address());
    let out = Zksh::new(server).args(["cp", "-r", &src, &nowhere]).timeout(T).run();
    out.code(3).one_line_error();
    // From an unreachable source to here: nothing written here either.
    let out = Zksh::new(server)
        .args(["cp", "-r", &nowhere, &format!("{ns}/never")])
        .timeout(T)
        .run();
    out.code(3).one_line_error();
    Zksh::new(server).args(["exists", &format!("{ns}/never")]).run().code(1);
}

#[test]
fn mv_of_a_subtree_copies_then_deletes_and_refuses_itself_and_children_without_r() {
    let (server, ns) = namespace("mv-tree");
    let src = format!("{ns}/a");
    Zksh::new(server).args(["create", &src]).run().success();
    let total = build_tree(server, &src, 3, 10);
    Zksh::new(server)
        .args(["mv", &src, &format!("{ns}/b")])
        .run()
        .code(1)
        .one_line_error()
        .stderr_contains("mv -r");
    Zksh::new(server)
        .args(["mv", "-r", &src, &format!("{src}/b000/inside")])
        .run()
        .code(1)
        .stderr_contains("into itself");
    let out = Zksh::new(server)
        .args(["mv", "-r", &src, &format!("{ns}/b"), "-o", "json"])
        .run();
    out.success();
    assert_eq!(out.json()["moved"], total);
    Zksh::new(server).args(["exists", &src]).run().code(1);
    assert_eq!(
        Zksh::new(server)
            .args(["ls", "-R", &format!("{ns}/b")])
            .run()
            .lines()
            .len(),
        total
    );
}

/// Kazoo lists the parent (one read: a consistent view of its children) while zksh moves
/// the node back and forth: every listing must hold exactly one of the two names.
const KAZOO_POLL: &str = r#"
import sys
from kazoo.client import KazooClient
zk = KazooClient(hosts=sys.argv[1])
zk.start()
parent, a, b, done = sys.argv[2:6]
print("ready", flush=True)
polls = bad = 0
while True:
    children = set(zk.get_children(parent))
    polls += 1
    if (a in children) == (b in children):
        bad += 1
    if done in children:
        break
print("polls", polls, "bad", bad, flush=True)
zk.stop()
"#;

#[test]
fn mv_of_one_node_is_one_transaction() {
    let (server, ns) = namespace("mv-node");
    let (a, b, done) = (format!("{ns}/a"), format!("{ns}/b"), format!("{ns}/done"));
    Zksh::new(server).args(["create", &a, "payload"]).run().success();
    let mut poller = Command::new("python3")
        .args(["-c", KAZOO_POLL, &server.connect_string(), &ns, "a", "b", "done"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 with kazoo");
    let mut lines = BufReader::new(poller.stdout.take().expect("stdout")).lines();
    assert_eq!(lines.next().and_then(Result::ok).as_deref(), Some("ready"));
    let mut script = String::new();
    for _ in 0..50 {
        script.push_str(&format!("mv {a} {b}\nmv {b} {a}\n"));
    }
    script.push_str(&format!("create {done}\n"));
    Zksh::new(server).stdin(script).timeout(T).run().success();
    let summary = lines.next().and_then(Result::ok).expect("the poller's summary");
    poller.wait().expect("the poller ends");
    assert!(summary.ends_with("bad 0"), "{summary}");
    Zksh::new(server).args(["get", &a]).run().stdout_is("payload\n");

    // A move that cannot complete leaves the node where it was.
    Zksh::new(server)
        .args(["mv", &a, &format!("{ns}/missing/parent")])
        .run()
        .code(1);
    Zksh::new(server).args(["get", &a]).run().stdout_is("payload\n");
}
