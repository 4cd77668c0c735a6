//! `grep`: lines of node data matched on the real server, -i/-F/-l, JSON rows, binary data
//! skipped and counted, and grep's exit codes.

use serde_json::{Value, json};

use crate::find::known_tree;
use crate::support::{Output, ZkServer, Zksh, namespace};

fn grep(server: &ZkServer, args: &[&str]) -> Output {
    Zksh::new(server).arg("grep").args(args).run()
}

fn rows(out: &Output) -> Vec<Value> {
    out.lines()
        .iter()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect()
}

/// The note every search of the known tree ends with: its one binary node.
fn binary_note(root: &str) -> String {
    format!("grep {root}: skipped 1 node whose data is not UTF-8 text")
}

#[test]
fn matching_lines_print_with_their_paths() {
    let (server, root) = namespace("grep-lines");
    known_tree(server, &root);
    let out = grep(server, &["timeout", &root]);
    out.success()
        .stdout_is(&format!("{root}/config: timeout=5\n"))
        .stderr_contains(&binary_note(&root));
    assert_eq!(out.stderr.trim_end().lines().count(), 1, "one note: {}", out.stderr);
    // -i: both spellings, in line order.
    grep(server, &["-i", "timeout", &root])
        .success()
        .stdout_is(&format!("{root}/config: timeout=5\n{root}/config: TIMEOUT_MS=5000\n"));
    // A regex across nodes; depth first, as find walks.
    grep(server, &["^(host|retries)=", &root])
        .success()
        .stdout_is(&format!("{root}/config: retries=3\n{root}/config/db: host=db1\n"));
    // -F: the dot is a dot.
    grep(server, &["a.b", &format!("{root}/locks")])
        .success()
        .stdout_is(&format!(
            "{root}/locks/lock-0000000001: a.b\n{root}/locks/lock-0000000002: axb\n"
        ));
    grep(server, &["-F", "a.b", &format!("{root}/locks")])
        .success()
        .stderr_is_empty()
        .stdout_is(&format!("{root}/locks/lock-0000000001: a.b\n"));
    // -l: each node once.
    grep(server, &["-l", "=", &root])
        .success()
        .stdout_is(&format!("{root}/config\n{root}/config/db\n"));
}

#[test]
fn json_rows_carry_the_line_number() {
    let (server, root) = namespace("grep-json");
    known_tree(server, &root);
    let out = grep(server, &["-o", "json", "-i", "timeout", &root]);
    out.success();
    let config = format!("{root}/config");
    assert_eq!(
        rows(&out),
        vec![
            json!({"path": config, "line": 1, "text": "timeout=5"}),
            json!({"path": config, "line": 3, "text": "TIMEOUT_MS=5000"}),
        ]
    );
    let note: Value = serde_json::from_str(out.stderr.trim()).expect("the note as JSON");
    assert_eq!(note["note"], binary_note(&root).as_str());
    let out = grep(server, &["-o", "json", "-l", "port", &root]);
    out.success();
    assert_eq!(rows(&out), vec![json!({"path": format!("{root}/config/db")})]);
}

#[test]
fn no_match_exits_1_quietly_and_still_counts_binary_data() {
    let (server, root) = namespace("grep-none");
    known_tree(server, &root);
    // The bytes 00 ff 00 ff would match '.' as text: they are skipped, not searched. As GNU
    // grep, no match is exit 1 with nothing on stdout; the summary still says what was skipped.
    let out = grep(server, &["nothing-like-this", &root]);
    out.code(1).stdout_is("");
    assert_eq!(out.stderr.trim(), binary_note(&root));
    let bin = format!("{root}/bin");
    grep(server, &["-l", ".", &bin])
        .code(1)
        .stderr_contains("skipped 1 node whose data is not UTF-8 text");
    // Empty data has no lines.
    grep(server, &["^$", &format!("{root}/empty")])
        .code(1)
        .stdout_is("")
        .stderr_is_empty();
    // A script says which line stopped it.
    Zksh::new(server)
        .stdin(format!("grep nothing-like-this {root}/empty\n"))
        .run()
        .code(1)
        .stderr_contains("line 1")
        .stderr_contains("no line matched");
}

#[test]
fn bad_input_exits_2_before_any_request() {
    let (server, root) = namespace("grep-bad");
    grep(server, &["(", &root])
        .code(2)
        .one_line_error()
        .stderr_contains("grep: invalid regex '(': unclosed group");
    grep(server, &["--parallel", "0", "x", &root])
        .code(2)
        .stderr_contains("at least 1 request in flight");
    grep(server, &["x", &format!("{root}/missing")])
        .code(1)
        .one_line_error()
        .stderr_contains(&format!("grep {root}/missing: no such node"));
    // -F takes the same pattern as text.
    Zksh::new(server).args(["set", &root, "f(x)"]).run().success();
    grep(server, &["-F", "(", &root])
        .success()
        .stdout_is(&format!("{root}: f(x)\n"));
}
