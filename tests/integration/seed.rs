//! The seed's Kazoo walk-through (CreatingAZNode, ReadingData, UpdatingData, recursive delete,
//! Listener), done with zksh: each example is one test, in its own namespace.

use std::time::Duration;

use crate::support::{ZkServer, Zksh, namespace, unique_root};

#[test]
fn creating_a_znode() {
    // zk.create("/node2"); zk.create("/node2/children1"); node_exists(...) x3
    let (server, root) = namespace("creating");
    let zk = |args: &[&str]| Zksh::new(server).args(args).run();
    zk(&["create", &format!("{root}/node2")]).success();
    zk(&["create", &format!("{root}/node2/children1")]).success();
    zk(&["exists", &format!("{root}/node2")]).code(0);
    zk(&["exists", &format!("{root}/node")]).code(1);
    zk(&["exists", &format!("{root}/node2/children1")]).code(0);
}

#[test]
fn reading_data() {
    // exists(path); data, stat = zk.get(path); zk.get_children(path)
    let (server, root) = namespace("reading");
    let path = format!("{root}/node2");
    let script = format!("create {path} \"node two\"\ncreate {path}/children1\ncreate {path}/children2 kid\n");
    Zksh::new(server).args(["-c", &script]).run().success();
    let zk = |args: &[&str]| Zksh::new(server).args(args).run();

    zk(&["exists", &path]).success();
    let out = zk(&["get", "-s", &path]);
    out.success().stdout_contains("dataVersion = 0\n");
    assert_eq!(out.lines()[0], "node two");
    let doc = zk(&["get", &path, "-o", "json"]).success().json();
    assert_eq!(
        (doc["stat"]["version"].as_i64(), doc["data"].as_str()),
        (Some(0), Some("node two"))
    );

    zk(&["ls", &path]).success().stdout_is("children1\nchildren2\n");
    let doc = zk(&["ls", &path, "-o", "json"]).success().json();
    let children = doc["children"].as_array().expect("children is an array");
    assert_eq!(children.len(), 2);
    assert_eq!(children, &["children1", "children2"]);
}

#[test]
fn updating_data() {
    // zk.set("/node1", b"some data")
    let (server, root) = namespace("updating");
    let node1 = format!("{root}/node1");
    let zk = |args: &[&str]| Zksh::new(server).args(args).run();
    zk(&["create", &node1]).success();
    zk(&["set", &node1, "some data"]).success().stdout_is("");
    zk(&["get", &node1]).success().stdout_is("some data\n");
    let doc = zk(&["stat", &node1, "-o", "json"]).success().json();
    assert_eq!(doc["stat"]["version"], 1);
    assert_eq!(doc["stat"]["dataLength"], 9);
}

#[test]
fn deleting_recursively() {
    // zk.delete("/my/favorite/node", recursive=True)
    let (server, root) = namespace("deleting");
    let node = format!("{root}/my/favorite/node");
    let zk = |args: &[&str]| Zksh::new(server).args(args).run();
    zk(&["create", "-p", &format!("{node}/a/b"), "leaf"]).success();
    zk(&["create", &format!("{node}/c"), "leaf"]).success();
    zk(&["delete", &node]).code(1).stderr_contains("delete -r");
    zk(&["delete", "-r", &node]).success().stdout_is("");
    zk(&["exists", &node]).code(1);
    zk(&["exists", &format!("{root}/my/favorite")]).success();
}

/// The connection states the seed's Listener prints, as a script run sees them on stderr.
#[test]
fn listener_sees_suspended_then_connected() {
    let mut server = ZkServer::start();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("listen.zk");
    // `exists /` connects (the session is made on first use); the sleep keeps it open.
    std::fs::write(&file, "exists /\nsleep 20\n").unwrap();
    let mut child = Zksh::new(&server)
        .args(["--session-timeout", "30s", "-f"])
        .arg(&file)
        .spawn();
    child.wait_stdout("/ exists", Duration::from_secs(20));

    server.stop();
    child.wait_stderr("SUSPENDED", Duration::from_secs(20));
    server.restart();
    child.wait_stderr("CONNECTED", Duration::from_secs(30));

    // SIGTERM ends the run in order: exit 143, and no LOST (the session was not lost).
    child.signal(libc::SIGTERM);
    let out = child.finish_within(Duration::from_secs(10));
    out.code(143).stderr_lacks("LOST").stderr_lacks("panicked");
}

/// A session that expires while the script runs: LOST on stderr, the next request fails with
/// exit 3 (scripts do not silently carry on with a new session).
#[test]
fn listener_sees_lost_when_the_session_expires() {
    let mut server = ZkServer::start();
    let root = unique_root("expired");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("expire.zk");
    std::fs::write(&file, format!("create -e {root}\nsleep 2\nexists {root}\n")).unwrap();
    let mut child = Zksh::new(&server).args(["-f"]).arg(&file).spawn();
    child.wait_stdout(&root, Duration::from_secs(20));

    server.restart_empty();
    child.wait_stderr("LOST", Duration::from_secs(30));
    let out = child.finish_within(Duration::from_secs(30));
    out.code(3)
        .stderr_contains("line 3")
        .stderr_contains("session expired")
        .stderr_lacks("panicked");
}
