//! A session the client library gave up on is not a lost session: only the server can say
//! that. A rejected `addauth` ends the client, not the session: the shell goes on without it.

use std::time::Duration;

use crate::pty::PtyShell;
use crate::support::{ZkServer, Zksh, namespace};

const T: Duration = Duration::from_secs(20);

/// Short ticks so that a session timeout of a few seconds is allowed (2 to 20 ticks).
const SHORT_TICKS: &[&str] = &["tickTime=500"];

/// The client library gives up 1.4x the session timeout after the last answer: 8.4 s here.
const SESSION_TIMEOUT: &str = "6s";

/// The session that owns an ephemeral node, as the server says.
fn ephemeral_owner(server: &ZkServer, path: &str) -> i64 {
    let out = Zksh::new(server).args(["stat", path, "-o", "json"]).run();
    out.success();
    out.json()["stat"]["ephemeralOwner"]
        .as_i64()
        .unwrap_or_else(|| panic!("no ephemeralOwner in {}", out.stdout))
}

fn stderr_lines_starting(stderr: &str, prefix: &str) -> usize {
    stderr.lines().filter(|l| l.starts_with(prefix)).count()
}

#[test]
fn rejected_addauth_is_one_error_and_the_session_goes_on() {
    let (server, root) = namespace("authfail-script");
    let script = format!(
        "create -e {root}/eph\naddauth foo bar\ncreate {root}/after 'still working'\nget {root}/after\nstat {root}/eph -o json\nsession -o json"
    );
    let out = Zksh::new(server).args(["--keep-going", "-c", &script]).run();
    // --keep-going: the failed line makes the run exit 1, and every other line worked.
    out.code(1);
    assert_eq!(
        stderr_lines_starting(&out.stderr, "error:"),
        1,
        "one error line:\n{}",
        out.stderr
    );
    out.stderr_contains("error: line 2: addauth foo: authentication failed")
        .stderr_contains("dropped that credential")
        .stderr_lacks("panicked");
    let lines = out.lines();
    assert_eq!(lines[0], format!("{root}/eph"));
    assert_eq!(lines[1], format!("{root}/after"));
    assert_eq!(lines[2], "still working");
    // The same session goes on: its ephemeral node is still there and still its own.
    let stat: serde_json::Value = serde_json::from_str(lines[3]).expect("stat JSON");
    let session: serde_json::Value = serde_json::from_str(lines[4]).expect("session JSON");
    assert_eq!(stat["stat"]["ephemeralOwner"], session["sessionId"], "{}", out.stdout);
    assert_eq!(session["state"], "CONNECTED");
    // The rejected credential is not kept (nor re-sent on a later reconnect).
    assert_eq!(session["credentials"], serde_json::json!({}), "{}", out.stdout);
}

#[test]
fn rejected_addauth_stops_a_script_with_exit_3_and_one_line() {
    let (server, root) = namespace("authfail-stop");
    let out = Zksh::new(server)
        .args(["-c", &format!("addauth foo bar; create {root}/never")])
        .run();
    out.code(3)
        .one_line_error()
        .stderr_contains("addauth foo: authentication failed");
    Zksh::new(server)
        .args(["exists", &format!("{root}/never")])
        .run()
        .code(1);
}

#[test]
fn watch_after_a_rejected_addauth_delivers_instead_of_hanging() {
    let (server, root) = namespace("authfail-watch");
    let node = format!("{root}/x");
    // No --timeout: before the fix this watch was "added" on a dead client and hung forever.
    let mut w = Zksh::new(server)
        .args(["--keep-going", "-c", &format!("addauth foo bar\nwatch {node}")])
        .spawn();
    w.wait_stderr("addauth foo: authentication failed", T);
    w.wait_stdout("does not exist", T);
    Zksh::new(server).args(["create", &node, "arrived"]).run().success();
    w.wait_stdout("arrived", T);
    w.signal(libc::SIGINT);
    w.finish_within(T).code(130);
}

#[test]
fn rejected_addauth_in_the_repl_then_commands_and_watches_work() {
    let (server, root) = namespace("authfail-repl");
    let cs = server.connect_string();
    let mut sh = PtyShell::spawn(&["-s", &cs, "--request-timeout", "5s"], &[]);
    sh.wait_for("CONNECTED", T);
    sh.line("addauth foo bar");
    sh.wait_for("addauth foo: authentication failed", T);
    sh.wait_for("dropped that credential", T);
    sh.line(&format!("create {root}/n 'after the failure'"));
    sh.line(&format!("get {root}/n"));
    sh.wait_until("the data read back", T, |s| {
        s.lines().any(|l| l.trim() == "after the failure")
    });
    sh.line(&format!("watch {root}/w"));
    sh.wait_for(&format!("(data) on {root}/w"), T);
    Zksh::new(server)
        .args(["create", &format!("{root}/w"), "seen"])
        .run()
        .success();
    sh.wait_for(&format!("{root}/w created (version 0): seen"), T);
    // Every prompt since reads as connected: no state shown before the path.
    let screen = sh.screen();
    assert!(!screen.contains("[AUTH_FAILED] "), "{screen}");
}

#[test]
fn repl_resumes_its_session_after_the_client_gave_up() {
    let mut server = ZkServer::start_with(SHORT_TICKS);
    let cs = server.connect_string();
    let mut sh = PtyShell::spawn(
        &[
            "-s",
            &cs,
            "--session-timeout",
            SESSION_TIMEOUT,
            "--request-timeout",
            "2s",
        ],
        &[],
    );
    sh.wait_for("CONNECTED", T);
    sh.line("create -e /eph");
    sh.wait_for("\n/eph", T);
    sh.line("create /w v0");
    sh.line("watch /w");
    sh.wait_for("(data) on /w", T);
    let owner = ephemeral_owner(&server, "/eph");

    server.stop();
    sh.wait_for("SUSPENDED", T);
    // The client library gives up; the shell keeps trying the same session.
    sh.wait_for("still trying to resume session", T);
    // The prompt says what the shell knows: disconnected, not lost.
    sh.line("");
    sh.wait_until("a SUSPENDED prompt", T, |s| {
        s.lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .is_some_and(|l| l.starts_with("[SUSPENDED] "))
    });
    // A command waits for the session at most the request deadline.
    sh.line("ls /");
    sh.wait_for("no answer within 2s", T);

    server.restart();
    sh.wait_for("session resumed", T);
    let screen = sh.screen();
    assert!(
        !screen.contains("LOST"),
        "no LOST while the server held the session:\n{screen}"
    );
    assert!(!screen.contains("new session"), "{screen}");
    // The same session owns the ephemeral node, and the server counts it as connected.
    assert_eq!(ephemeral_owner(&server, "/eph"), owner);
    assert!(
        server.connected_sessions().contains(&owner),
        "session 0x{owner:x} not connected: {:?}",
        server.connected_sessions()
    );
    // The watch was placed again on the resumed client.
    Zksh::new(&server).args(["set", "/w", "after-resume"]).run().success();
    sh.wait_for("/w changed (version 1): after-resume", T);
    sh.line("ls /");
    sh.wait_until("a listing of /", T, |s| s.lines().any(|l| l.trim() == "eph"));
}

#[test]
fn watch_run_loses_its_session_only_when_the_server_says_so() {
    let mut server = ZkServer::start_with(SHORT_TICKS);
    Zksh::new(&server).args(["create", "/w", "v0"]).run().success();
    let mut w = Zksh::new(&server)
        .args(["--session-timeout", SESSION_TIMEOUT, "-c", "create -e /eph; watch /w"])
        .timeout(Duration::from_secs(60))
        .spawn();
    w.wait_stdout("/w current", T);
    server.stop();
    w.wait_stderr("still trying to resume session", T);
    // A server that lost its data lost the session too: it says so on reconnect.
    server.restart_empty();
    w.wait_stderr("[LOST]", T);
    w.wait_stderr("new session", T);
    Zksh::new(&server).args(["exists", "/eph"]).run().code(1);
    // The watch carries on in the new session.
    w.wait_stdout("/w does not exist", T);
    Zksh::new(&server).args(["create", "/w", "v-new"]).run().success();
    w.wait_stdout("v-new", T);
    w.signal(libc::SIGINT);
    let out = w.finish_within(T);
    out.code(130).stderr_lacks("session resumed");
}

#[test]
fn script_fails_at_the_request_deadline_while_the_session_is_unresolved() {
    let mut server = ZkServer::start_with(SHORT_TICKS);
    let mut run = Zksh::new(&server)
        .args([
            "--session-timeout",
            SESSION_TIMEOUT,
            "--request-timeout",
            "2s",
            "-c",
            "create -e /eph\nsleep 12\nget /eph",
        ])
        .timeout(Duration::from_secs(60))
        .spawn();
    run.wait_stdout("/eph", T);
    server.stop();
    // Line 3 runs after the client library gave up on the session: the shell waits for a
    // server's word, up to the request deadline, then says the connection is down.
    run.wait_stderr("still trying to resume session", T);
    let out = run.finish_within(T);
    out.code(3)
        .stderr_contains("line 3")
        .stderr_contains("no answer within 2s")
        .stderr_lacks("LOST")
        .stderr_lacks("panicked");
}
