//! Scripts: `-c`, `-f FILE`, a script piped on stdin; comments, quoting, `cd` across lines,
//! stopping at the first failure (or not, with --keep-going), `quit`.

use crate::support::{Zksh, namespace};

#[test]
fn c_runs_commands_separated_by_semicolons() {
    let (server, root) = namespace("c");
    Zksh::new(server)
        .args([
            "-c",
            &format!("create {root}/a one; create {root}/b two;get {root}/a ;get {root}/b"),
        ])
        .run()
        .success()
        .stdout_is(&format!("{root}/a\n{root}/b\none\ntwo\n"))
        .stderr_is_empty();
}

#[test]
fn f_runs_a_file_with_comments_quotes_and_cd() {
    let (server, root) = namespace("f");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("setup.zk");
    let script = format!(
        "# set up the service tree\n\
         \n\
         cd {root}\n\
         create svc   # a trailing comment\n\
         cd svc\n\
         create conf \"a; b # not a comment\"\n\
         create single 'x;y'\n\
         create escaped a\\;b\n\
         get conf\n"
    );
    std::fs::write(&file, script).unwrap();
    let out = Zksh::new(server).arg("-f").arg(&file).run();
    out.success().stderr_is_empty();
    assert_eq!(out.lines().last(), Some(&"a; b # not a comment"));
    // cd persisted from line to line: the nodes are under svc.
    let get = |name: &str| Zksh::new(server).args(["get", &format!("{root}/svc/{name}")]).run();
    get("conf").success().stdout_is("a; b # not a comment\n");
    get("single").success().stdout_is("x;y\n");
    get("escaped").success().stdout_is("a;b\n");
}

#[test]
fn the_first_failing_line_stops_the_script() {
    let (server, root) = namespace("stop");
    let script = format!("create {root}/a\nget {root}/missing\ncreate {root}/after\n");
    Zksh::new(server)
        .args(["-c", &script])
        .run()
        .code(1)
        .stdout_is(&format!("{root}/a\n"))
        .stderr_contains("line 2")
        .stderr_contains(&format!("get {root}/missing: no such node"));
    Zksh::new(server)
        .args(["exists", &format!("{root}/after")])
        .run()
        .code(1);

    // A usage error stops it too, with exit 2.
    let script = format!("create {root}/b\nget -z {root}/b\ncreate {root}/after\n");
    Zksh::new(server)
        .args(["-c", &script])
        .run()
        .code(2)
        .stderr_contains("line 2");
    Zksh::new(server)
        .args(["exists", &format!("{root}/after")])
        .run()
        .code(1);
}

#[test]
fn keep_going_runs_every_line_and_exits_1() {
    let (server, root) = namespace("keep-going");
    let script = format!("get {root}/missing\nbogus-command\ncreate {root}/after\nget {root}/after\n");
    let out = Zksh::new(server).args(["--keep-going", "-c", &script]).run();
    out.code(1)
        .stdout_is(&format!("{root}/after\n\n"))
        .stderr_contains("line 1")
        .stderr_contains("line 2");
    Zksh::new(server)
        .args(["exists", &format!("{root}/after")])
        .run()
        .success();
}

#[test]
fn a_script_piped_on_stdin_runs() {
    let (server, root) = namespace("piped");
    let script = format!("cd {root}\ncreate p \"piped data\"\nget p\n");
    Zksh::new(server)
        .stdin(script)
        .run()
        .success()
        .stdout_is(&format!("{root}\n{root}/p\npiped data\n"));
    // The same with -f -.
    let script = format!("get {root}/p\n");
    Zksh::new(server)
        .args(["-f", "-"])
        .stdin(script)
        .run()
        .success()
        .stdout_is("piped data\n");
}

#[test]
fn quit_ends_the_script_with_success() {
    let (server, root) = namespace("quit");
    let script = format!("create {root}/a\nquit\ncreate {root}/b\n");
    Zksh::new(server)
        .args(["-c", &script])
        .run()
        .success()
        .stdout_is(&format!("{root}/a\n"));
    Zksh::new(server).args(["exists", &format!("{root}/b")]).run().code(1);
    // With --keep-going, a line that failed before quit still makes the run exit 1.
    let script = format!("get {root}/missing\nexit\ncreate {root}/b\n");
    Zksh::new(server).args(["--keep-going", "-c", &script]).run().code(1);
    Zksh::new(server).args(["exists", &format!("{root}/b")]).run().code(1);
}

#[test]
fn a_missing_script_file_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.zk");
    let (server, _) = namespace("missing-file");
    Zksh::new(server)
        .arg("-f")
        .arg(&missing)
        .run()
        .code(2)
        .one_line_error()
        .stderr_contains("nope.zk");
}

#[test]
fn a_script_stopped_by_exists_says_which_line() {
    let (server, root) = namespace("exists-stop");
    let script = format!("create {root}/a\nexists {root}/a\nexists {root}/missing\ncreate {root}/after\n");
    let out = Zksh::new(server).args(["-c", &script]).run();
    out.code(1)
        .stdout_is(&format!("{root}/a\n{root}/a exists\n{root}/missing does not exist\n"))
        .stderr_contains(&format!("line 3: exists {root}/missing: no such node"));
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    Zksh::new(server)
        .args(["exists", &format!("{root}/after")])
        .run()
        .code(1);
    // In JSON, the error shape with its line.
    let out = Zksh::new(server)
        .args(["-o", "json", "-c", &format!("exists {root}/missing")])
        .run();
    out.code(1);
    let error = out.stderr_json();
    assert_eq!(error["error"]["op"], "exists", "{error}");
    assert_eq!(error["error"]["code"], "NONODE", "{error}");
    assert_eq!(error["error"]["line"], 1, "{error}");
    // A one-shot `exists` answers on stdout alone: its exit code is the answer.
    Zksh::new(server)
        .args(["exists", &format!("{root}/missing")])
        .run()
        .code(1)
        .stdout_is(&format!("{root}/missing does not exist\n"))
        .stderr_is_empty();
}
