//! `edit`: the node's data through $EDITOR and back, with a version check, and the terminal
//! handed to the editor in the REPL.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::pty::PtyShell;
use crate::support::{Zksh, namespace};

const T: Duration = Duration::from_secs(20);

/// An executable shell script in `dir`, usable as $EDITOR (it gets the file as "$1").
fn editor_script(dir: &Path, name: &str, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

fn data_version(server: &crate::support::ZkServer, node: &str) -> i64 {
    Zksh::new(server).args(["stat", "-o", "json", node]).run().json()["stat"]["version"]
        .as_i64()
        .expect("a version")
}

#[test]
fn edit_writes_back_what_the_editor_changed() {
    let (server, root) = namespace("edit");
    let node = format!("{root}/conf");
    Zksh::new(server).args(["create", &node, "mode=old"]).run().success();
    // An editor command with arguments, as $EDITOR often is.
    Zksh::new(server)
        .args(["edit", &node])
        .env("EDITOR", "sed -i s/old/new/")
        .env("VISUAL", "")
        .run()
        .success()
        .stdout_is("")
        .stderr_is_empty();
    Zksh::new(server)
        .args(["get", &node])
        .run()
        .success()
        .stdout_is("mode=new\n");
    assert_eq!(data_version(server, &node), 1);
    // $VISUAL comes first; JSON says what happened.
    let json = Zksh::new(server)
        .args(["edit", "-o", "json", &node])
        .env("VISUAL", "sed -i s/new/newer/")
        .env("EDITOR", "false")
        .run()
        .json();
    assert_eq!(json, serde_json::json!({"path": node, "changed": true, "version": 2}));
}

#[test]
fn an_unchanged_buffer_writes_nothing() {
    let (server, root) = namespace("edit-same");
    let node = format!("{root}/n");
    Zksh::new(server).args(["create", &node, "same"]).run().success();
    Zksh::new(server)
        .args(["edit", &node])
        .env("EDITOR", "true")
        .run()
        .success()
        .stdout_is("no changes (nothing written)\n");
    assert_eq!(data_version(server, &node), 0);
    let json = Zksh::new(server)
        .args(["-o", "json", "edit", &node])
        .env("EDITOR", "true")
        .run()
        .json();
    assert_eq!(json, serde_json::json!({"path": node, "changed": false}));
    // The newline an editor adds to data that had none is not a change.
    let dir = tempfile::tempdir().unwrap();
    let append_newline = editor_script(dir.path(), "nl.sh", "printf '\\n' >> \"$1\"");
    Zksh::new(server)
        .args(["edit", &node])
        .env("EDITOR", append_newline.to_str().unwrap())
        .run()
        .success()
        .stdout_is("no changes (nothing written)\n");
    assert_eq!(data_version(server, &node), 0);
}

#[test]
fn a_node_changed_during_the_edit_is_not_overwritten() {
    let (server, root) = namespace("edit-race");
    let node = format!("{root}/n");
    Zksh::new(server).args(["create", &node, "original"]).run().success();
    let dir = tempfile::tempdir().unwrap();
    // The "editor" lets someone else write the node first, then edits its file.
    let racer = editor_script(
        dir.path(),
        "racer.sh",
        &format!(
            "'{}' --color never -s {} set {node} concurrent || exit 9\nsed -i s/original/mine/ \"$1\"",
            env!("CARGO_BIN_EXE_zksh"),
            server.connect_string()
        ),
    );
    let out = Zksh::new(server)
        .args(["edit", &node])
        .env("EDITOR", racer.to_str().unwrap())
        .run();
    out.code(1).one_line_error().stderr_contains(&format!(
        "edit {node}: the node changed while you were editing (version 0 -> 1); nothing written"
    ));
    Zksh::new(server)
        .args(["get", &node])
        .run()
        .success()
        .stdout_is("concurrent\n");
    assert_eq!(data_version(server, &node), 1);
    // The edited text is not lost: the message says where it is.
    let kept = out
        .stderr
        .split("your text is kept in ")
        .nth(1)
        .map(str::trim)
        .expect("the message names the file");
    assert_eq!(std::fs::read_to_string(kept).unwrap(), "mine");
    std::fs::remove_file(kept).ok();
}

#[test]
fn binary_data_and_failing_editors_are_refused() {
    let (server, root) = namespace("edit-refuse");
    let bin = format!("{root}/bin");
    Zksh::new(server).args(["create", "-b", &bin, "AP8="]).run().success();
    Zksh::new(server)
        .args(["edit", &bin])
        .env("EDITOR", "sed -i s/a/b/")
        .run()
        .code(1)
        .one_line_error()
        .stderr_contains("not UTF-8")
        .stderr_contains("get -b / set -b");
    Zksh::new(server)
        .args(["get", "-b", &bin])
        .run()
        .success()
        .stdout_is("AP8=\n");

    let text = format!("{root}/text");
    Zksh::new(server).args(["create", &text, "abc"]).run().success();
    Zksh::new(server)
        .args(["edit", &text])
        .env("EDITOR", "sed -i s/abc/xyz/ \"$1\"; false")
        .run()
        .code(1)
        .one_line_error()
        .stderr_contains("exited with code 1; nothing written");
    Zksh::new(server)
        .args(["get", &text])
        .run()
        .success()
        .stdout_is("abc\n");
    Zksh::new(server)
        .args(["edit", &format!("{root}/missing")])
        .env("EDITOR", "true")
        .run()
        .code(1)
        .one_line_error()
        .stderr_contains("no such node");
}

#[test]
fn the_editor_gets_the_terminal_in_the_repl() {
    let (server, root) = namespace("edit-repl");
    let node = format!("{root}/n");
    Zksh::new(server).args(["create", &node, "before"]).run().success();
    let dir = tempfile::tempdir().unwrap();
    // A tiny interactive editor: shows the text, reads a new line from the terminal.
    let editor = editor_script(
        dir.path(),
        "ask.sh",
        "printf 'was [%s] now? ' \"$(cat \"$1\")\"\nread line\nprintf '%s' \"$line\" > \"$1\"",
    );
    let cs = server.connect_string();
    let mut sh = PtyShell::spawn(&["-s", &cs], &[("EDITOR", editor.to_str().unwrap())]);
    sh.wait_for("CONNECTED", T);
    sh.line(&format!("edit {node}"));
    sh.wait_for("was [before] now? ", T);
    sh.line("typed in the editor");
    sh.line(&format!("get {node}"));
    sh.wait_until("the new data", T, |s| {
        s.lines().any(|l| l.trim_end() == "typed in the editor")
    });
    sh.line("quit");
    assert_eq!(sh.wait_exit(T), 0);
    Zksh::new(server)
        .args(["get", &node])
        .run()
        .success()
        .stdout_is("typed in the editor\n");
}
