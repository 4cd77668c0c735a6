//! `source FILE`: a script file run inside the current shell, with the script rules.

use std::time::Duration;

use crate::pty::PtyShell;
use crate::support::{Zksh, namespace};

const T: Duration = Duration::from_secs(20);

#[test]
fn source_runs_a_file_in_the_current_shell() {
    let (server, root) = namespace("source");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("setup.zk");
    std::fs::write(
        &file,
        format!("# set up\ncd {root}\ncreate svc \"a; b\"   # comment\ncreate svc/x; txn begin\n"),
    )
    .unwrap();
    let file = file.to_str().unwrap();
    // cd and an open txn block carry over to the lines after `source`.
    Zksh::new(server)
        .args(["-c", &format!("source {file}; pwd; get svc; create svc/y; txn commit")])
        .run()
        .success()
        .stderr_is_empty()
        .stdout_contains(&format!("{root}/svc\n{root}/svc/x\n"))
        .stdout_contains(&format!("{root}\na; b\n"))
        .stdout_contains(&format!("created {root}/svc/y"));
}

#[test]
fn the_first_failing_line_of_a_sourced_file_stops_it() {
    let (server, root) = namespace("source-stop");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("steps.zk");
    std::fs::write(&file, format!("create {root}/a\nget {root}/missing\ncreate {root}/b\n")).unwrap();
    let name = file.to_str().unwrap();
    let out = Zksh::new(server)
        .args(["-c", &format!("source {name}\ncreate {root}/after")])
        .run();
    out.code(1).stdout_is(&format!("{root}/a\n"));
    assert_eq!(
        out.stderr,
        format!("error: {name} line 2: get {root}/missing: no such node\n")
    );
    Zksh::new(server).args(["exists", &format!("{root}/b")]).run().code(1);
    Zksh::new(server)
        .args(["exists", &format!("{root}/after")])
        .run()
        .code(1);
    // With --keep-going every line runs, and the run still fails.
    Zksh::new(server)
        .args(["--keep-going", "-c", &format!("source {name}\ncreate {root}/after")])
        .run()
        .code(1)
        .stderr_contains(&format!("{name} line 1: create {root}/a: node already exists"))
        .stderr_contains(&format!("{name} line 2:"));
    Zksh::new(server).args(["exists", &format!("{root}/b")]).run().success();
    Zksh::new(server)
        .args(["exists", &format!("{root}/after")])
        .run()
        .success();
    // JSON errors name the file and the line.
    let err = Zksh::new(server)
        .args(["-o", "json", "source", name])
        .run()
        .code(1)
        .stderr_json();
    assert_eq!(err["error"]["file"], name);
    assert_eq!(err["error"]["line"], 1);
}

#[test]
fn a_file_that_sources_itself_stops_with_a_clear_error() {
    let (server, _root) = namespace("source-loop");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("loop.zk");
    std::fs::write(&file, format!("source {}\n", file.display())).unwrap();
    Zksh::new(server)
        .args(["source", file.to_str().unwrap()])
        .run()
        .code(2)
        .one_line_error()
        .stderr_contains("sourced files nest more than 16 deep (does a file source itself?)");
    Zksh::new(server)
        .args(["source", &dir.path().join("nope.zk").display().to_string()])
        .run()
        .code(2)
        .one_line_error()
        .stderr_contains("nope.zk: cannot read it");
}

#[test]
fn source_in_the_repl() {
    let (server, root) = namespace("source-repl");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("repl.zk");
    std::fs::write(&file, format!("cd {root}\ncreate from-file 'sourced data'\n")).unwrap();
    let cs = server.connect_string();
    let mut sh = PtyShell::spawn(&["-s", &cs], &[]);
    sh.wait_for("CONNECTED", T);
    sh.line(&format!("source {}", file.display()));
    sh.wait_for(&format!("{root}/from-file"), T);
    // The cd inside the file moved the shell.
    sh.wait_for(&format!("{cs} {root}> "), T);
    sh.line("get from-file");
    sh.wait_for("\nsourced data", T);
    sh.line("quit");
    assert_eq!(sh.wait_exit(T), 0);
}
