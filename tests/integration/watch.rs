//! Watches against a real server: the seed's DefaultWatcher and Watcher examples, streaming
//! NDJSON, survival across a server restart and a session expiry, ZOOKEEPER-4466, bad input.

use std::time::{Duration, Instant};

use crate::pty::PtyShell;
use crate::support::{ZkServer, Zksh, namespace};

const T: Duration = Duration::from_secs(30);

/// Waits until the server lists a watch on `path` (4lw `wchp`), so changes made next are seen.
pub(crate) fn wait_for_server_watch(port: u16, path: &str) {
    let start = Instant::now();
    loop {
        let answer = zksh::sandbox::server::four_letter_word(port, "wchp").unwrap_or_default();
        if answer.lines().any(|line| line.trim() == path) {
            return;
        }
        assert!(
            start.elapsed() < T,
            "no watch on {path} appeared on the server:\n{answer}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn seed_default_watcher_one_shot_children_watch() {
    // DefaultWatcher.py: get_children("/node2", watch=...) then "Children has change".
    let (server, root) = namespace("defaultwatcher");
    let node2 = format!("{root}/node2");
    Zksh::new(server)
        .args(["-c", &format!("create {node2}; create {node2}/children0")])
        .run()
        .success();
    let mut watcher = Zksh::new(server)
        .args(["-c", &format!("ls -w {node2}; sleep 30")])
        .spawn();
    // ls answers after the server registered the watch.
    watcher.wait_stdout("children0", T);
    Zksh::new(server)
        .args(["create", &format!("{node2}/children1")])
        .run()
        .success();
    let line = watcher.wait_stderr("NodeChildrenChanged", T);
    assert!(line.contains(&node2), "names the path: {line}");
    // A one-shot watch fires once: a second change prints nothing more.
    Zksh::new(server)
        .args(["create", &format!("{node2}/children2")])
        .run()
        .success();
    watcher.signal(libc::SIGINT);
    let out = watcher.finish_within(T);
    out.code(130);
    assert_eq!(
        out.stderr.matches("NodeChildrenChanged").count(),
        1,
        "stderr:\n{}",
        out.stderr
    );
}

#[test]
fn seed_watcher_children_and_data_watches() {
    // Watcher.py: ChildrenWatch prints the children now and on change; DataWatch prints
    // version and data now and on change.
    let (server, root) = namespace("watcher");
    let node1 = format!("{root}/node1");
    let node2 = format!("{root}/node2");
    Zksh::new(server)
        .args([
            "-c",
            &format!("create {node1} v0; create {node2}; create {node2}/children1"),
        ])
        .run()
        .success();
    let mut children = Zksh::new(server).args(["watch", "-c", &node2, "--count", "1"]).spawn();
    let mut data = Zksh::new(server)
        .args(["watch", &node1, "--count", "1", "-o", "json"])
        .spawn();
    let first = children.wait_stdout("current", T);
    assert!(first.contains("[children1]"), "children now: {first}");
    let first = data.wait_stdout("current", T);
    let first: serde_json::Value = serde_json::from_str(first.trim()).expect("json");
    assert_eq!(first["data"], "v0");
    assert_eq!(first["version"], 0);
    Zksh::new(server)
        .args(["-c", &format!("create {node2}/children2; set {node1} v1")])
        .run()
        .success();
    let out = children.finish_within(T);
    out.success();
    assert!(out.stdout.contains("[children1, children2]"), "stdout:\n{}", out.stdout);
    let out = data.finish_within(T);
    out.success();
    let last: serde_json::Value = serde_json::from_str(out.lines().last().expect("a line")).expect("json");
    assert_eq!(last["event"], "changed");
    assert_eq!(last["data"], "v1");
    assert_eq!(last["version"], 1);
    assert_eq!(last["kind"], "data");
    assert_eq!(last["path"], node1.as_str());
    assert!(
        last["time"].as_str().is_some_and(|t| t.ends_with('Z')),
        "RFC 3339 time: {last}"
    );
}

#[test]
fn data_watch_waits_for_a_missing_node_and_follows_delete_and_recreate() {
    let (server, root) = namespace("watch-missing");
    let node = format!("{root}/later");
    let mut w = Zksh::new(server).args(["watch", &node, "--count", "3"]).spawn();
    w.wait_stdout("does not exist", T);
    // One change at a time: a data watch reports the value it reads after each event, so
    // changes faster than a read would merge (Kazoo's DataWatch behaves the same).
    Zksh::new(server).args(["create", &node, "one"]).run().success();
    w.wait_stdout("created", T);
    Zksh::new(server).args(["delete", &node]).run().success();
    w.wait_stdout("deleted", T);
    Zksh::new(server).args(["create", &node, "two"]).run().success();
    let out = w.finish_within(T);
    out.success();
    let events: Vec<&str> = out.lines().into_iter().skip(1).collect();
    assert_eq!(events.len(), 3, "{events:?}");
    assert!(events[0].contains("created") && events[0].contains("one"), "{events:?}");
    assert!(events[1].contains("deleted"), "{events:?}");
    assert!(events[2].contains("created") && events[2].contains("two"), "{events:?}");
}

#[test]
fn recursive_watch_streams_a_thousand_changes_in_order() {
    let (server, root) = namespace("watch-1000");
    let w = format!("{root}/w");
    Zksh::new(server).args(["create", &w]).run().success();
    let stream = Zksh::new(server)
        .args(["watch", "-R", &w, "-o", "json", "--count", "1000"])
        .spawn();
    wait_for_server_watch(server.port(), &w);
    // 334 creates, 333 sets, 333 deletes = 1000 changes, by another client.
    let mut script = String::new();
    let mut expected = Vec::new();
    for i in 0..334 {
        script.push_str(&format!("create {w}/n{i}\n"));
        expected.push(("created", format!("{w}/n{i}")));
    }
    for i in 0..333 {
        script.push_str(&format!("set {w}/n{i} v\n"));
        expected.push(("changed", format!("{w}/n{i}")));
    }
    for i in 0..333 {
        script.push_str(&format!("delete {w}/n{i}\n"));
        expected.push(("deleted", format!("{w}/n{i}")));
    }
    Zksh::new(server).args(["-f", "-"]).stdin(script).run().success();
    let out = stream.finish_within(Duration::from_secs(60));
    out.success();
    let lines = out.lines();
    assert_eq!(lines.len(), 1000, "one line per change");
    for (line, (event, path)) in lines.iter().zip(&expected) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert_eq!(v["event"], *event, "{line}");
        assert_eq!(v["path"], path.as_str(), "{line}");
        assert_eq!(v["kind"], "recursive");
    }
}

#[test]
fn persistent_watch_survives_a_server_restart() {
    let mut server = ZkServer::start();
    Zksh::new(&server).args(["create", "/p", "v0"]).run().success();
    let mut w = Zksh::new(&server)
        .args(["--session-timeout", "30s", "watch", "/p", "-o", "json"])
        .spawn();
    w.wait_stdout("\"current\"", T);
    server.restart();
    w.wait_stderr("SUSPENDED", T);
    w.wait_stderr("CONNECTED", T);
    Zksh::new(&server).args(["set", "/p", "after-restart"]).run().success();
    w.wait_stdout("after-restart", T);
    w.signal(libc::SIGINT);
    w.finish_within(T).code(130);
}

#[test]
fn persistent_watch_is_re_established_after_session_expiry() {
    let mut server = ZkServer::start();
    Zksh::new(&server).args(["create", "/e", "v0"]).run().success();
    let mut w = Zksh::new(&server)
        .args(["--session-timeout", "4s", "watch", "/e"])
        .spawn();
    w.wait_stdout("current", T);
    // Only the server can expire a session: one that lost its data says so on reconnect.
    server.restart_empty();
    w.wait_stderr("LOST", T);
    w.wait_stderr("new session", T);
    // The node is read again on the new session, so a change in between is not missed.
    w.wait_stdout("/e does not exist", T);
    wait_for_server_watch(server.port(), "/e");
    Zksh::new(&server)
        .args(["create", "/e", "after-expiry"])
        .run()
        .success();
    w.wait_stdout("after-expiry", T);
    w.signal(libc::SIGINT);
    w.finish_within(T).code(130);
}

#[test]
fn one_shot_watch_under_a_recursive_watch_keeps_both_working() {
    // ZOOKEEPER-4466: a server one-shot watch on a path covered by a recursive watch stops
    // the recursive watch's child events. zksh serves such one-shot watches itself.
    let (server, root) = namespace("zk4466");
    let r = format!("{root}/r");
    Zksh::new(server)
        .args(["-c", &format!("create {r}; create {r}/k")])
        .run()
        .success();
    let mut sh = PtyShell::spawn(&["-s", &server.connect_string()], &[]);
    sh.wait_for("CONNECTED", T);
    sh.line(&format!("watch -R {r}"));
    sh.wait_for("(recursive)", T);
    wait_for_server_watch(server.port(), &r);
    sh.line(&format!("get -w {r}/k"));
    sh.line(&format!("ls -w {r}"));
    sh.line("watches");
    sh.wait_for("oneshot-children", T);
    Zksh::new(server)
        .args(["-c", &format!("set {r}/k v; create {r}/k/deep; create {r}/k2")])
        .run()
        .success();
    let screen = sh.wait_for(&format!("{r}/k2 created"), T);
    assert!(
        screen.contains(&format!("oneshot-data] {r}/k changed")),
        "one-shot data watch fired:\n{screen}"
    );
    assert!(
        screen.contains(&format!("oneshot-children] {r} children")),
        "one-shot children fired:\n{screen}"
    );
    assert!(
        screen.contains(&format!("{r}/k/deep created")),
        "recursive still delivers:\n{screen}"
    );
}

#[test]
fn watch_event_leaves_the_half_typed_line_intact() {
    let (server, root) = namespace("watch-pty");
    let mut sh = PtyShell::spawn(&["-s", &server.connect_string()], &[]);
    sh.wait_for("CONNECTED", T);
    sh.line(&format!("watch {root}"));
    sh.wait_for("current", T);
    sh.type_text("get /half-typed");
    sh.wait_for("> get /half-typed", T);
    Zksh::new(server)
        .args(["set", &root, "changed-meanwhile"])
        .run()
        .success();
    // The event and the redrawn line reach the terminal in separate writes:
    // wait for both, in that order, rather than asserting on the first read.
    sh.wait_until("the half-typed line redrawn below the event", T, |screen| {
        screen
            .find("changed-meanwhile")
            .is_some_and(|at| screen[at..].contains("> get /half-typed"))
    });
    sh.type_text("\r");
    sh.wait_for("get /half-typed: no such node", T);
}

#[test]
fn watches_lists_and_unwatch_removes_server_side() {
    let (server, root) = namespace("unwatch");
    let mut sh = PtyShell::spawn(&["-s", &server.connect_string()], &[]);
    sh.wait_for("CONNECTED", T);
    sh.line(&format!("watch -c {root}"));
    sh.line(&format!("addWatch -m PERSISTENT_RECURSIVE {root}"));
    sh.line("watches");
    sh.wait_until("two watches listed", T, |s| {
        s.contains("children") && s.contains("recursive")
    });
    wait_for_server_watch(server.port(), &root);
    sh.line("unwatch --all");
    sh.wait_for("removed watch 2", T);
    let start = Instant::now();
    loop {
        let answer = zksh::sandbox::server::four_letter_word(server.port(), "wchp").unwrap_or_default();
        if !answer.lines().any(|line| line.trim() == root) {
            break;
        }
        assert!(start.elapsed() < T, "server still watches {root}:\n{answer}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn watch_bad_input() {
    let (server, root) = namespace("watch-bad");
    let missing = format!("{root}/missing");
    let out = Zksh::new(server).args(["watch", "-c", &missing]).run();
    out.code(1).one_line_error().stderr_contains("no such node");
    Zksh::new(server)
        .args(["unwatch", "42"])
        .run()
        .code(1)
        .one_line_error()
        .stderr_contains("no watch with that id");
    Zksh::new(server)
        .args(["watch", &root, "--count", "many"])
        .run()
        .code(2)
        .stderr_contains("--count");
    Zksh::new(server)
        .args(["addWatch", "-m", "SOMETIMES", &root])
        .run()
        .code(2)
        .stderr_contains("PERSISTENT");
}

/// One-shot watches set again and again on one path and kind before they fire are one watch
/// (the server keeps one): one entry with a count, and one event when it fires.
#[test]
fn one_shot_watches_set_again_share_one_entry() {
    let (server, root) = namespace("oneshot-pile");
    let mut script: String = (0..3000).map(|_| format!("stat -w {root}\n")).collect();
    script.push_str("watches -o json\n");
    // Stays up while the test changes the node and waits for the event.
    script.push_str("sleep 60s\n");
    let mut run = Zksh::new(server).args(["-o", "json", "-f", "-"]).stdin(script).spawn();
    let listed = run.wait_stdout("\"watches\"", T);
    let listed: serde_json::Value = serde_json::from_str(listed.trim()).expect("json");
    let watches = listed["watches"].as_array().expect("a list");
    assert_eq!(watches.len(), 1, "one entry for 3000 settings: {listed}");
    assert_eq!(watches[0]["count"], 3000);
    assert_eq!(watches[0]["kind"], "oneshot-exists");
    Zksh::new(server).args(["set", &root, "changed"]).run().success();
    run.wait_stderr("NodeDataChanged", T);
    run.signal(libc::SIGINT);
    let out = run.finish_within(T);
    assert_eq!(
        out.stderr.matches("NodeDataChanged").count(),
        1,
        "one event:\n{}",
        out.stderr
    );
}

#[test]
fn add_watch_in_a_script_returns_and_reports_events_on_stderr() {
    let (server, root) = namespace("addwatch-script");
    let x = format!("{root}/x");
    Zksh::new(server).args(["create", &x, "v0"]).run().success();
    // addWatch adds the watch and the script goes on to its next line, then ends.
    Zksh::new(server)
        .args(["-c", &format!("addWatch {x}; get {x}")])
        .timeout(Duration::from_secs(15))
        .run()
        .success()
        .stdout_is(&format!("watch 1 (persistent) on {x}; `unwatch 1` stops it\nv0\n"));
    // For the rest of the run, its events print on stderr while later lines run.
    let mut watcher = Zksh::new(server)
        .args(["-c", &format!("addWatch {x}\nget {x}\nsleep 60")])
        .spawn();
    watcher.wait_stdout("v0", T);
    wait_for_server_watch(server.port(), &x);
    Zksh::new(server).args(["set", &x, "v1"]).run().success();
    watcher.wait_stderr(&format!("[watch 1 persistent] {x} changed"), T);
    watcher.signal(libc::SIGINT);
    watcher.finish_within(T).code(130);
    // A one-shot addWatch would end before any event: refused, pointing at `watch`.
    Zksh::new(server)
        .args(["addWatch", &x])
        .timeout(Duration::from_secs(15))
        .run()
        .code(2)
        .one_line_error()
        .stderr_contains(&format!("zksh watch {x}"));
}
