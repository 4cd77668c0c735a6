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
