//! `delete -r` on the streaming engine: what `--dry-run` lists (and that it deletes nothing),
//! the REPL's question before a large delete (and that nobody else asks), and a tree another
//! client keeps growing while it is deleted: everything goes, or the report is exact.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::pty::PtyShell;
use crate::support::tree::build_tree;
use crate::support::{ZkServer, Zksh, namespace};

const T: Duration = Duration::from_secs(30);

/// Nodes at or under `root` (0 when it is gone), listed afresh.
fn fresh_count(server: &ZkServer, root: &str) -> usize {
    let out = Zksh::new(server).args(["ls", "-R", root]).timeout(T).run();
    if out.code == 1 && out.stderr.contains("no such node") {
        return 0;
    }
    out.success();
    out.lines().len()
}

#[test]
fn dry_run_lists_children_before_parents_and_deletes_nothing() {
    let (server, root) = namespace("dry-run");
    let total = build_tree(server, &root, 2, 2);
    let out = Zksh::new(server).args(["delete", "-r", "--dry-run", &root]).run();
    out.success();
    let expected = [
        format!("{root}/b000/n000"),
        format!("{root}/b000/n001"),
        format!("{root}/b000"),
        format!("{root}/b001/n000"),
        format!("{root}/b001/n001"),
        format!("{root}/b001"),
        root.clone(),
    ];
    assert_eq!(out.lines(), expected);
    assert_eq!(
        out.stderr.trim_end(),
        format!("delete -r {root}: would delete {total} nodes")
    );
    assert_eq!(fresh_count(server, &root), total, "nothing was deleted");

    // JSON: a row per node, the note as an object on stderr.
    let out = Zksh::new(server)
        .args(["deleteall", "--dry-run", &root, "-o", "json"])
        .run();
    out.success();
    let rows: Vec<serde_json::Value> = out
        .lines()
        .iter()
        .map(|line| serde_json::from_str(line).expect("an NDJSON row"))
        .collect();
    assert_eq!(rows.len(), total);
    assert_eq!(rows[0], serde_json::json!({"path": expected[0]}));
    assert_eq!(rows[total - 1], serde_json::json!({"path": root}));
    assert_eq!(
        out.stderr_json(),
        serde_json::json!({"note": format!("delete -r {root}: would delete {total} nodes")})
    );
    assert_eq!(fresh_count(server, &root), total, "nothing was deleted");

    // Without -r there is no subtree to list.
    Zksh::new(server)
        .args(["delete", "--dry-run", &root])
        .run()
        .code(2)
        .stderr_contains("--dry-run");
    Zksh::new(server)
        .args(["delete", "-r", "--dry-run", &format!("{root}/absent")])
        .run()
        .code(1)
        .stderr_contains("no such node");
}

/// A REPL on `server`, its history kept in `home`.
fn repl(server: &ZkServer, home: &std::path::Path) -> PtyShell {
    let home = home.to_string_lossy().to_string();
    let mut sh = PtyShell::spawn(&["-s", &server.connect_string()], &[("XDG_DATA_HOME", &home)]);
    sh.wait_for("CONNECTED", T);
    sh
}

#[test]
fn the_repl_asks_before_deleting_more_than_1000_nodes() {
    let (server, root) = namespace("confirm");
    let (no, yes, flag, small) = (
        format!("{root}/no"),
        format!("{root}/yes"),
        format!("{root}/flag"),
        format!("{root}/small"),
    );
    Zksh::new(server)
        .args([
            "-c",
            &format!("create {no}; create {yes}; create {flag}; create {small}"),
        ])
        .run()
        .success();
    let total = build_tree(server, &no, 5, 250);
    assert_eq!(build_tree(server, &yes, 5, 250), total);
    assert_eq!(build_tree(server, &flag, 5, 250), total);
    let few = build_tree(server, &small, 10, 10);
    assert!(total > 1000 && few <= 1000);
    let home = tempfile::tempdir().expect("tempdir");
    let mut sh = repl(server, home.path());

    // No: nothing deleted, exit 1, and the answer is not a line of history.
    sh.line(&format!("delete -r {no}"));
    sh.wait_for(&format!("delete -r {no}: delete 1,256 nodes? [y/N]"), T);
    sh.line("n");
    sh.wait_for(&format!("error: delete -r {no}: nothing deleted"), T);
    assert_eq!(fresh_count(server, &no), total);
    sh.line("history");
    // The history so far: the delete, then `history` itself (as line 2).
    let screen = sh.wait_until("the history listed", T, |s| s.contains("    2  history"));
    assert!(
        screen.contains(&format!("    1  delete -r {no}\n    2  history")),
        "the answer is no command:\n{screen}"
    );

    // Yes: the whole subtree goes.
    sh.line(&format!("delete -r {yes}"));
    sh.wait_for(&format!("delete -r {yes}: delete 1,256 nodes? [y/N]"), T);
    sh.line("y");
    sh.line(&format!("exists {yes}"));
    sh.wait_for(&format!("{yes} does not exist"), T);

    // -y, and small subtrees: no question.
    // (Each on its own line: a failing `exists` would stop a `;` chain.)
    sh.line(&format!("delete -r -y {flag}; delete -r {small}"));
    sh.line(&format!("exists {flag}"));
    sh.line(&format!("exists {small}"));
    sh.wait_for(&format!("{flag} does not exist"), T);
    let screen = sh.wait_for(&format!("{small} does not exist"), T);
    assert!(!screen.contains(&format!("delete -r {flag}: delete")), "{screen}");
    assert!(!screen.contains(&format!("delete -r {small}: delete")), "{screen}");
}

#[test]
fn one_shot_and_scripts_never_ask() {
    let (server, root) = namespace("no-question");
    let (script, oneshot) = (format!("{root}/script"), format!("{root}/oneshot"));
    Zksh::new(server)
        .args(["-c", &format!("create {script}; create {oneshot}")])
        .run()
        .success();
    let total = build_tree(server, &script, 5, 250);
    build_tree(server, &oneshot, 5, 250);
    let out = Zksh::new(server)
        .args(["-c", &format!("delete -r {script} -o json")])
        .run();
    out.success();
    assert_eq!(out.json()["deleted"], total);
    // Even with a terminal on stdin, a command given on the command line just runs.
    let mut sh = PtyShell::spawn(&["-s", &server.connect_string(), "delete", "-r", &oneshot], &[]);
    assert_eq!(sh.wait_exit(T), 0, "{}", sh.screen());
    assert!(!sh.transcript_text().contains("[y/N]"));
    assert_eq!(fresh_count(server, &oneshot), 0);
}

/// `N of T nodes deleted, M remain` in `line`, as (N, T, M).
fn how_far(line: &str) -> (usize, usize, usize) {
    let end = line
        .find(" remain")
        .unwrap_or_else(|| panic!("no ` remain` in {line:?}"));
    let numbers: Vec<usize> = line[..end]
        .rsplit(|c: char| !c.is_ascii_digit())
        .filter(|word| !word.is_empty())
        .take(3)
        .map(|word| word.parse().expect("a number"))
        .collect();
    let [remain, total, deleted] = numbers[..] else {
        panic!("not `N of T nodes deleted, M remain`: {line}");
    };
    (deleted, total, remain)
}

/// A kazoo client that creates children under `parents` in turn until its stdin closes (or
/// it has created `limit`), then prints how many it created.
fn start_creator(server: &ZkServer, parents: &[String], limit: usize) -> std::process::Child {
    const SCRIPT: &str = r#"
import select, sys
from kazoo.client import KazooClient
from kazoo.exceptions import NoNodeError
hosts, limit, parents = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
zk = KazooClient(hosts=hosts)
zk.start()
created = i = 0
while created < limit and not select.select([sys.stdin], [], [], 0)[0]:
    i += 1
    try:
        zk.create("%s/x%07d" % (parents[i % len(parents)], i))
        created += 1
    except NoNodeError:
        pass
    if created == 100:
        print("busy", flush=True)
print("created", created, flush=True)
zk.stop()
"#;
    Command::new("python3")
        .arg("-c")
        .arg(SCRIPT)
        .arg(server.connect_string())
        .arg(limit.to_string())
        .args(parents)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 with kazoo")
}

/// Deletes a tree while a creator adds nodes to it (under `root` too when `under_root`):
/// either everything went, or the error says exactly how many went and how many remain.
/// Checked against the creator's own count and a fresh count once it stopped.
fn delete_while_growing(name: &str, under_root: bool, limit: usize) {
    let (server, root) = namespace(name);
    let initial = build_tree(server, &root, 20, 200);
    let mut parents: Vec<String> = (0..20).map(|b| format!("{root}/b{b:03}")).collect();
    if under_root {
        parents.push(root.clone());
    }
    let mut creator = start_creator(server, &parents, limit);
    let mut creator_out = BufReader::new(creator.stdout.take().expect("stdout"));
    let mut line = String::new();
    creator_out.read_line(&mut line).expect("the creator's first line");
    assert_eq!(line.trim(), "busy", "the creator is creating");
    let out = Zksh::new(server)
        .args(["delete", "-r", &root, "-o", "json"])
        .timeout(Duration::from_secs(120))
        .run();
    // Stop creating: the creator checks its stdin between creations (unless it stopped at
    // its limit already, and the pipe is closed).
    if let Some(mut stdin) = creator.stdin.take() {
        stdin.write_all(b"stop\n").ok();
    }
    let mut last = String::new();
    creator_out.read_to_string(&mut last).expect("the creator's count");
    creator.wait().expect("the creator ends");
    let created: usize = last
        .trim()
        .strip_prefix("created ")
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("the creator's count: {last:?}"));
    let left = fresh_count(server, &root);
    if out.code == 0 {
        assert_eq!(left, 0, "{}", out.stdout);
        assert_eq!(out.json()["deleted"], initial + created - left, "{}", out.stdout);
        return;
    }
    out.code(1);
    let error = out.stderr_json();
    let message = error["error"]["message"].as_str().expect("a message");
    assert!(message.contains("the tree kept changing"), "{message}");
    let (deleted, total, remain) = how_far(message);
    assert_eq!(deleted, initial + created - left, "what went, exactly: {message}");
    assert_eq!(total, deleted + remain, "{message}");
    assert!(
        remain > 0 && remain <= left,
        "{left} left after the creator stopped: {message}"
    );
}

#[test]
fn a_tree_that_keeps_growing_under_its_root_is_reported_exactly() {
    delete_while_growing("grow-root", true, usize::MAX);
}

#[test]
fn a_tree_that_grows_for_a_while_is_deleted_or_reported_exactly() {
    delete_while_growing("grow-some", false, 150);
}

#[test]
fn a_glob_deletes_every_match_or_nothing() {
    let (server, root) = namespace("delete-glob");
    let paths: Vec<String> = ["a1", "a2", "a3", "a3/kid", "b1", "b1/x", "b1/x/y", "b2"]
        .iter()
        .map(|p| format!("{root}/{p}"))
        .collect();
    crate::support::tree::create_all(server, &paths);
    // a3 has a child: the matches go together or not at all.
    Zksh::new(server)
        .args(["delete", &format!("{root}/a*")])
        .run()
        .code(1)
        .one_line_error()
        .stderr_contains("not empty");
    let left = |server| {
        let out = Zksh::new(server).args(["ls", "-R", &root]).run();
        out.success();
        out.lines().len()
    };
    assert_eq!(left(server), 9, "nothing was deleted");
    Zksh::new(server)
        .args(["delete", &format!("{root}/a3/kid")])
        .run()
        .success();
    let out = Zksh::new(server)
        .args(["delete", &format!("{root}/a?"), "-o", "json"])
        .run();
    out.success();
    assert_eq!(out.json()["deleted"], 3);
    // -r: each match's subtree; the dry run first lists them, children before parents.
    let out = Zksh::new(server)
        .args(["delete", "-r", "--dry-run", &format!("{root}/b*")])
        .run();
    out.success();
    assert_eq!(
        out.lines(),
        vec![
            format!("{root}/b1/x/y"),
            format!("{root}/b1/x"),
            format!("{root}/b1"),
            format!("{root}/b2"),
        ]
    );
    let out = Zksh::new(server)
        .args(["delete", "-r", &format!("{root}/b*"), "-o", "json"])
        .run();
    out.success();
    assert_eq!(out.json()["deleted"], 4);
    assert_eq!(left(server), 1);
    // ZooKeeper's own tree is refused before anything is sent.
    Zksh::new(server)
        .args(["delete", "-r", "/zookeeper/*"])
        .run()
        .code(2)
        .stderr_contains("refusing to delete");
}
