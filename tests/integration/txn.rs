//! Transactions against a real server: all or nothing, results per operation, blocks in the
//! REPL and in scripts, the one-line form, and bad input.

use std::time::Duration;

use crate::pty::PtyShell;
use crate::support::{Zksh, namespace};

const T: Duration = Duration::from_secs(30);

#[test]
fn failing_check_applies_nothing() {
    let (server, root) = namespace("txn-check");
    Zksh::new(server)
        .args(["-c", &format!("create {root}/a x; create {root}/c old")])
        .run()
        .success();
    let out = Zksh::new(server)
        .args([
            "txn",
            &format!("check {root}/a -v 3"),
            &format!("create {root}/b 'a value'"),
            &format!("set {root}/c new"),
        ])
        .run();
    out.code(1)
        .one_line_error()
        .stderr_contains("operation 1")
        .stderr_contains("nothing was applied");
    Zksh::new(server).args(["exists", &format!("{root}/b")]).run().code(1);
    Zksh::new(server)
        .args(["get", &format!("{root}/c")])
        .run()
        .success()
        .stdout_is("old\n");
}

#[test]
fn mixed_commit_with_sequential_names_as_text_and_json() {
    let (server, root) = namespace("txn-mixed");
    Zksh::new(server)
        .args([
            "-c",
            &format!("create {root}/a x; create {root}/c old; create {root}/d"),
        ])
        .run()
        .success();
    let out = Zksh::new(server)
        .args([
            "txn",
            &format!("check {root}/a -v 0"),
            &format!("create {root}/b 'a value'"),
            &format!("create -s {root}/b/seq- q"),
            &format!("set {root}/c new"),
            &format!("delete {root}/d"),
        ])
        .run();
    out.success();
    let lines = out.lines();
    assert_eq!(lines.len(), 5, "one line per operation:\n{}", out.stdout);
    assert_eq!(lines[0], format!("checked {root}/a"));
    assert_eq!(lines[1], format!("created {root}/b"));
    assert_eq!(lines[2], format!("created {root}/b/seq-0000000000"));
    assert_eq!(lines[3], format!("set {root}/c (version 1)"));
    assert_eq!(lines[4], format!("deleted {root}/d"));
    Zksh::new(server)
        .args(["get", &format!("{root}/b")])
        .run()
        .success()
        .stdout_is("a value\n");
    Zksh::new(server).args(["exists", &format!("{root}/d")]).run().code(1);

    let out = Zksh::new(server)
        .args([
            "-o",
            "json",
            "txn",
            &format!("create -s {root}/b/seq- r"),
            &format!("set {root}/c newer"),
        ])
        .run();
    out.success();
    let results = out.json();
    let results = results.as_array().expect("an array");
    assert_eq!(results[0]["op"], "create");
    assert_eq!(results[0]["created"], format!("{root}/b/seq-0000000001").as_str());
    assert_eq!(results[1]["op"], "set");
    assert_eq!(results[1]["version"], 2);
}

#[test]
fn block_in_a_script_file_with_relative_paths() {
    let (server, root) = namespace("txn-script");
    let dir = tempfile::tempdir().expect("tempdir");
    let script = dir.path().join("txn.zk");
    std::fs::write(
        &script,
        format!(
            "create {root}/app\ncd {root}/app\n# queued ops resolve against the current node\ntxn begin\n\
             create one 1\ncreate two 2\ntxn show\ntxn commit\nls\n"
        ),
    )
    .expect("write script");
    let out = Zksh::new(server).args(["-f", &script.to_string_lossy()]).run();
    out.success();
    assert!(
        out.stdout.contains(&format!("1. create {root}/app/one (1 bytes)")),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(&format!("created {root}/app/two")),
        "{}",
        out.stdout
    );
    assert!(out.stdout.ends_with("one\ntwo\n"), "{}", out.stdout);
}

#[test]
fn show_lists_and_abort_drops() {
    let (server, root) = namespace("txn-abort");
    let out = Zksh::new(server)
        .args([
            "-c",
            &format!("txn begin; create {root}/x; set {root} y; txn show; txn abort; exists {root}/x"),
        ])
        .run();
    out.code(1);
    assert!(out.stdout.contains(&format!("1. create {root}/x")), "{}", out.stdout);
    assert!(out.stdout.contains(&format!("2. set {root}")), "{}", out.stdout);
    assert!(out.stdout.contains("2 operations dropped"), "{}", out.stdout);
    Zksh::new(server).args(["get", &root]).run().success().stdout_is("\n");
}

#[test]
fn prompt_counts_queued_operations() {
    let (server, root) = namespace("txn-prompt");
    let mut sh = PtyShell::spawn(&["-s", &server.connect_string()], &[]);
    sh.wait_for("CONNECTED", T);
    sh.line("txn begin");
    sh.line(&format!("create {root}/p1"));
    sh.line(&format!("create {root}/p2"));
    sh.line(&format!("check {root} -v 0"));
    sh.wait_for(" txn(3)> ", T);
    sh.line("txn commit");
    sh.wait_for(&format!("created {root}/p2"), T);
    let screen = sh.wait_until("prompt without txn", T, |s| s.trim_end().ends_with("/>"));
    assert!(screen.contains(&format!("checked {root}")), "{screen}");
}

#[test]
fn txn_bad_input() {
    let (server, root) = namespace("txn-bad");
    Zksh::new(server)
        .args(["-c", "txn begin; txn commit"])
        .run()
        .code(2)
        .stderr_contains("nothing queued");
    Zksh::new(server)
        .args(["-c", "txn begin; txn begin"])
        .run()
        .code(2)
        .stderr_contains("already open");
    Zksh::new(server)
        .args(["txn", "commit"])
        .run()
        .code(2)
        .stderr_contains("no transaction open");
    Zksh::new(server)
        .args(["txn", &format!("ls {root}")])
        .run()
        .code(2)
        .stderr_contains("not a transaction operation");
    Zksh::new(server)
        .args(["txn", &format!("delete -r {root}")])
        .run()
        .code(2)
        .one_line_error();
}

#[test]
fn a_failed_commit_reports_zookeepers_code_and_the_operation() {
    let (server, root) = namespace("txn-code");
    Zksh::new(server)
        .args(["create", &format!("{root}/a"), "x"])
        .run()
        .success();
    let out = Zksh::new(server)
        .args([
            "-o",
            "json",
            "txn",
            &format!("create {root}/b"),
            &format!("set -v 7 {root}/a y"),
        ])
        .run();
    out.code(1);
    let err = out.stderr_json();
    assert_eq!(err["error"]["code"], "BADVERSION", "{err}");
    assert_eq!(err["error"]["op"], "txn commit");
    assert_eq!(err["error"]["path"], format!("{root}/a").as_str());
    let message = err["error"]["message"].as_str().unwrap_or_default();
    assert!(message.starts_with("operation 2 (set "), "{message}");
    assert!(
        message.ends_with("version mismatch (expected 7); nothing was applied"),
        "{message}"
    );
    Zksh::new(server).args(["exists", &format!("{root}/b")]).run().code(1);
}
