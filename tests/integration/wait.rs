//! `wait`: returns as soon as another client makes the condition true (watch-driven), for each
//! condition; across a server restart and a session expiry; times out with exit 1, loses the
//! connection with exit 3, stops on Ctrl-C; bad input.

use std::time::{Duration, Instant};

use crate::pty::PtyShell;
use crate::support::{ZkServer, Zksh, namespace};
use crate::watch::wait_for_server_watch;

const T: Duration = Duration::from_secs(30);

#[test]
fn wait_returns_within_a_second_of_another_client_creating_the_node() {
    let (server, root) = namespace("wait-exists");
    let node = format!("{root}/ready");
    let waiting = Zksh::new(server)
        .args(["wait", &node, "--timeout", "30s", "-o", "json"])
        .spawn();
    // The watch is on the server: the creation below cannot slip past it.
    wait_for_server_watch(server.port(), &node);
    Zksh::new(server).args(["create", &node, "up"]).run().success();
    let created = Instant::now();
    let out = waiting.finish_within(T);
    let latency = created.elapsed();
    out.success();
    assert!(
        latency < Duration::from_secs(1),
        "returned {latency:?} after the creation"
    );
    let doc = out.json();
    assert_eq!(doc["path"], node.as_str());
    assert_eq!(doc["condition"], "--exists");
    assert_eq!(doc["met"], true);
    assert_eq!(doc["stat"]["version"], 0);
    assert!(doc["elapsedMs"].as_u64().is_some(), "{doc}");

    // Already true: at once, and quiet in text.
    let out = Zksh::new(server).args(["wait", &node]).run();
    out.success().stdout_is("").stderr_is_empty();
}

#[test]
fn each_condition_waits_for_its_own_change() {
    let (server, root) = namespace("wait-conditions");
    let node = format!("{root}/n");
    Zksh::new(server).args(["create", &node, "starting"]).run().success();

    // --value: a wrong value on the way does not end it (the stat shows which write did).
    let waiting = Zksh::new(server)
        .args(["wait", &node, "--value", "ready", "--timeout", "30s", "-o", "json"])
        .spawn();
    wait_for_server_watch(server.port(), &node);
    Zksh::new(server)
        .args(["-c", &format!("set {node} warming; set {node} ready")])
        .run()
        .success();
    let doc = waiting.finish_within(T);
    let doc = doc.success().json();
    assert_eq!(doc["stat"]["version"], 2, "met by the second write: {doc}");
    assert_eq!(doc["condition"], "--value 'ready'");

    // --version-above: three writes after version 2.
    let waiting = Zksh::new(server)
        .args(["wait", &node, "--version-above", "4", "-o", "json", "--timeout", "30s"])
        .spawn();
    wait_for_server_watch(server.port(), &node);
    Zksh::new(server)
        .args(["-c", &format!("set {node} a; set {node} b; set {node} c")])
        .run()
        .success();
    let out = waiting.finish_within(T);
    assert_eq!(out.success().json()["stat"]["version"], 5);

    // --children-at-least: the third child ends it.
    let waiting = Zksh::new(server)
        .args([
            "wait",
            &node,
            "--children-at-least",
            "3",
            "-o",
            "json",
            "--timeout",
            "30s",
        ])
        .spawn();
    wait_for_server_watch(server.port(), &node);
    Zksh::new(server)
        .args(["-c", &format!("create {node}/a; create {node}/b; create {node}/c")])
        .run()
        .success();
    let out = waiting.finish_within(T);
    assert_eq!(out.success().json()["stat"]["numChildren"], 3);

    // --gone: the delete ends it; the result has no stat.
    let waiting = Zksh::new(server)
        .args(["wait", &node, "--gone", "-o", "json", "--timeout", "30s"])
        .spawn();
    wait_for_server_watch(server.port(), &node);
    Zksh::new(server).args(["delete", "-r", &node]).run().success();
    let out = waiting.finish_within(T);
    let doc = out.success().json();
    assert_eq!(doc["condition"], "--gone");
    assert!(doc["stat"].is_null(), "{doc}");
}

#[test]
fn a_timeout_exits_1_and_says_what_was_seen() {
    let (server, root) = namespace("wait-timeout");
    let node = format!("{root}/never");
    let started = Instant::now();
    let out = Zksh::new(server).args(["wait", &node, "--timeout", "700ms"]).run();
    let took = started.elapsed();
    out.code(1).one_line_error().stdout_is("");
    out.stderr_contains(&format!(
        "wait {node}: timed out after 700ms waiting for the node to exist (last seen: the node does not exist)"
    ));
    assert!(took >= Duration::from_millis(700), "waited the whole timeout: {took:?}");

    Zksh::new(server).args(["create", &node, "x"]).run().success();
    let out = Zksh::new(server)
        .args([
            "wait",
            &node,
            "--children-at-least",
            "2",
            "--timeout",
            "300ms",
            "-o",
            "json",
        ])
        .run();
    out.code(1);
    let err = out.stderr_json();
    assert_eq!(err["error"]["op"], "wait");
    assert_eq!(err["error"]["code"], "REFUSED");
    assert!(
        err["error"]["message"]
            .as_str()
            .is_some_and(|m| m.ends_with("waiting for at least 2 children (last seen: 0 children)")),
        "{err}"
    );
}

#[test]
fn wait_survives_a_server_restart_and_sees_a_node_created_meanwhile() {
    let mut server = ZkServer::start();
    let mut waiting = Zksh::new(&server)
        .args([
            "--session-timeout",
            "30s",
            "--request-timeout",
            "60s",
            "wait",
            "/after-restart",
            "--timeout",
            "90s",
        ])
        .spawn();
    wait_for_server_watch(server.port(), "/after-restart");
    server.stop();
    waiting.wait_stderr("SUSPENDED", T);
    server.restart();
    // Created by another client as soon as the server is back, most likely before zksh has
    // reconnected: no event reaches zksh for it, so only the re-check after the reconnect
    // can see it.
    Zksh::new(&server).args(["create", "/after-restart"]).run().success();
    let out = waiting.finish_within(T);
    out.success().stdout_is("");
}

#[test]
fn wait_goes_on_in_a_new_session_after_an_expiry() {
    let mut server = ZkServer::start();
    let mut waiting = Zksh::new(&server)
        .args([
            "--session-timeout",
            "4s",
            "--request-timeout",
            "60s",
            "wait",
            "/after-expiry",
        ])
        .spawn();
    wait_for_server_watch(server.port(), "/after-expiry");
    // The server forgets every session: zksh learns that its own expired when it reconnects.
    server.restart_empty();
    Zksh::new(&server).args(["create", "/after-expiry"]).run().success();
    waiting.wait_stderr("new session", T);
    let out = waiting.finish_within(T);
    out.success().stdout_is("");
}

#[test]
fn a_connection_that_stays_down_exits_3_and_ctrl_c_exits_130() {
    let mut server = ZkServer::start();
    let waiting = Zksh::new(&server)
        .args(["--request-timeout", "2s", "wait", "/down", "--timeout", "60s"])
        .spawn();
    wait_for_server_watch(server.port(), "/down");
    server.stop();
    let out = waiting.finish_within(T);
    out.code(3)
        .stderr_contains("wait /down: connection to ZooKeeper lost and not back within 2s");

    server.restart();
    let waiting = Zksh::new(&server).args(["wait", "/never"]).spawn();
    wait_for_server_watch(server.port(), "/never");
    waiting.signal(libc::SIGINT);
    let out = waiting.finish_within(T);
    out.code(130).stdout_is("");
}

#[test]
fn bad_input_is_refused_before_waiting() {
    let (server, root) = namespace("wait-bad");
    for (args, needle) in [
        (vec!["wait", "/x", "--timeout", "soon"], "'soon' is not a duration"),
        (vec!["wait", "/a//b"], "empty component"),
        (vec!["wait", "/x", "--gone", "--exists"], "cannot be used with"),
        (
            vec!["wait", "/x", "--children-at-least", "many"],
            "'many' is not a number of children",
        ),
        (
            vec!["wait", "/x", "--version-above", "v2"],
            "'v2' is not a version number",
        ),
    ] {
        let out = Zksh::new(server).args(&args).run();
        out.code(2).stderr_contains(needle);
    }
    // A recursive watch of this very shell on the path would be silenced (ZOOKEEPER-4466).
    let out = Zksh::new(server)
        .args([
            "-c",
            &format!("addWatch -m PERSISTENT_RECURSIVE {root}\nwait {root} --timeout 5s"),
        ])
        .run();
    out.code(1).stderr_contains("ZOOKEEPER-4466");
}

#[test]
fn in_the_shell_ctrl_c_cancels_a_wait_and_the_next_one_works() {
    let (server, root) = namespace("wait-repl");
    let node = format!("{root}/later");
    let home = tempfile::tempdir().expect("tempdir");
    let home = home.path().to_string_lossy().to_string();
    let mut sh = PtyShell::spawn(&["-s", &server.connect_string()], &[("XDG_DATA_HOME", &home)]);
    sh.wait_for("CONNECTED", T);
    sh.line(&format!("wait {node}"));
    wait_for_server_watch(server.port(), &node);
    sh.type_text("\x03");
    sh.wait_for("interrupted", T);
    // The shell goes on.
    sh.line(&format!("wait {node} -o json"));
    wait_for_server_watch(server.port(), &node);
    Zksh::new(server).args(["create", &node]).run().success();
    sh.wait_for("\"met\":true", T);
    sh.line("quit");
    assert_eq!(sh.wait_exit(T), 0);
}

#[test]
fn a_wait_below_a_recursive_watch_leaves_that_watch_working() {
    // ZOOKEEPER-4466 bites a one-shot watch under a recursive one; wait's persistent watch on
    // a node below the recursive watch must leave it reporting, during the wait and after.
    let (server, root) = namespace("wait-under-recursive");
    let script =
        format!("addWatch -m PERSISTENT_RECURSIVE {root}\nwait {root}/x\ncreate {root}/x/after\nwait {root}/stop");
    let mut shell = Zksh::new(server).args(["-c", &script]).spawn();
    wait_for_server_watch(server.port(), &format!("{root}/x"));
    Zksh::new(server).args(["create", &format!("{root}/x")]).run().success();
    shell.wait_stderr(&format!("{root}/x created"), T);
    shell.wait_stderr(&format!("{root}/x/after created"), T);
    Zksh::new(server)
        .args(["create", &format!("{root}/stop")])
        .run()
        .success();
    shell.finish_within(T).success();
}
