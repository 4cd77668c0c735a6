//! Export on one server, import on another: a second client (Kazoo, authenticated) reads the
//! same data bytes and the same ACLs, a digest ACL included, node by node; and the restored
//! parent of a sequential node hands out a number above it.

use serde_json::Value;

use crate::export::{AUTH, build_fixture, kazoo_view};
use crate::support::{ZkServer, Zksh, namespace};

/// What must survive the trip: a node's data and ACL (versions and times are the new
/// server's own).
fn content(view: &Value) -> (Value, Value) {
    (view["data"].clone(), view["acl"].clone())
}

#[test]
fn an_export_imported_on_another_server_is_what_an_authenticated_client_read_there() {
    let (source, root) = namespace("round-trip");
    build_fixture(source, &root);
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("backup.ndjson.gz");
    let script = format!("{AUTH}; export {root} --out {}", file.display());
    Zksh::new(source).args(["-c", &script]).run().success();

    let target = ZkServer::start();
    let restored = "/restored/app";
    let script = format!("{AUTH}; import {} {restored} -p", file.display());
    Zksh::new(&target)
        .args(["-c", &script])
        .run()
        .success()
        .stdout_contains("5 created");

    let before = kazoo_view(source, &root);
    let after = kazoo_view(&target, restored);
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>(),
        "the same nodes"
    );
    for (path, node) in &before {
        assert_eq!(content(node), content(&after[path]), "node {path:?}");
    }
    let acl = after["sec"]["acl"].to_string();
    assert!(acl.contains("digest:alice:") && !acl.contains("alice:x"), "{acl}");

    // The restored parent's next sequential child comes after seq-0000000007.
    let out = Zksh::new(&target)
        .args(["create", "-s", &format!("{restored}/seq-")])
        .run();
    out.success();
    let number: u64 = out
        .stdout
        .trim()
        .rsplit('-')
        .next()
        .unwrap()
        .parse()
        .expect("a sequence number");
    assert!(number > 7, "{}", out.stdout);
}

/// `/` exported and imported onto another server's `/`: ZooKeeper's own nodes (`/zookeeper`,
/// `/zookeeper/config`, `/zookeeper/quota`) are the server's, counted apart from the nodes
/// skipped because they are already there, in text and JSON; a dry run, a rerun and a
/// `mirror --once` of `/` count them the same way, and leave the server's own in place.
#[test]
fn zookeeper_own_nodes_are_counted_apart_from_those_already_there() {
    let source = ZkServer::start();
    for path in ["/a", "/a/b", "/c"] {
        Zksh::new(&source).args(["create", path, "x"]).run().success();
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("all.ndjson");
    let file = file.display().to_string();
    Zksh::new(&source).args(["export", "/", "--out", &file]).run().success();

    let target = ZkServer::start();
    // The root is there on every server, identical: the one node skipped as already there.
    let first = "/: 3 created, 0 changed, 1 skipped (already there), 3 skipped (ZooKeeper's own /zookeeper), 0 refused";
    Zksh::new(&target)
        .args(["import", "--dry-run", &file, "/"])
        .run()
        .success()
        .stderr_contains(
            "would create 3, change 0, skip 1 (already there), skip 3 (ZooKeeper's own /zookeeper), refuse 0",
        );
    Zksh::new(&target)
        .args(["import", &file, "/"])
        .run()
        .success()
        .stdout_is(&format!("{first}\n"));
    let again = Zksh::new(&target).args(["import", &file, "/", "-o", "json"]).run();
    let report = again.success().json();
    assert_eq!(
        (&report["created"], &report["skipped"], &report["zookeeperOwn"]),
        (&Value::from(0), &Value::from(4), &Value::from(3)),
        "{report}"
    );

    let copy = ZkServer::start();
    let from = format!("zk://{}/", source.connect_string());
    let copied = Zksh::new(&copy).args(["cp", "-r", &from, "/", "-o", "json"]).run();
    let report = copied.success().json();
    assert_eq!(
        (&report["created"], &report["skipped"], &report["zookeeperOwn"]),
        (&Value::from(3), &Value::from(1), &Value::from(3)),
        "{report}"
    );
    Zksh::new(&copy)
        .args(["mirror", "--once", &from, "/"])
        .run()
        .success()
        .stderr_contains("0 created, 0 changed, 0 deleted, 3 skipped (ZooKeeper's own /zookeeper), 0 refused");
    Zksh::new(&copy).args(["stat", "/zookeeper/quota"]).run().success();
}
