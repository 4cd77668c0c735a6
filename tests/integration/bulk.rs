//! Bulk work stopped part way says exactly how far it got, in every mode: a signal in one-shot
//! use or in the REPL, a server that dies and stays down, a server that comes back. The trees
//! are large enough (tens of thousands of nodes) that batches are still in flight when the
//! work stops, which is when a count of acknowledged batches alone is wrong.

use std::time::Duration;

use crate::pty::PtyShell;
use crate::support::{ZkServer, Zksh, namespace};

const T: Duration = Duration::from_secs(30);

/// Branches of the test tree, each with `LEAVES` leaves.
const BRANCHES: usize = 150;
const LEAVES: usize = 200;

/// `root` (which must exist) with `BRANCHES` branches of `LEAVES` leaves; the node count.
fn build_tree(server: &ZkServer, root: &str) -> usize {
    crate::support::tree::build_tree(server, root, BRANCHES, LEAVES)
}

/// The node `delete -r root` deletes first: the first leaf of the first branch (the walk is
/// depth first and sorted, and a node goes once everything below it was seen).
fn first_to_go(root: &str) -> String {
    format!("{root}/b000/n000")
}

/// A watch that ends when `node` is deleted, started and set before this returns.
fn await_deletion_of(server: &ZkServer, node: &str) -> crate::support::run::Running {
    let mut watch = Zksh::new(server).args(["watch", node, "--count", "1"]).spawn();
    watch.wait_stdout("current", T);
    watch
}

/// How many nodes are left at or under `root`, counted by deleting them (`delete -r` says how
/// many it deleted); 0 when `root` itself is gone.
fn count_and_remove(server: &ZkServer, root: &str) -> usize {
    let out = Zksh::new(server)
        .args(["delete", "-r", root, "-o", "json"])
        .timeout(Duration::from_secs(60))
        .run();
    if out.code == 1 && out.stderr.contains("no such node") {
        return 0;
    }
    out.success();
    let deleted = out.json()["deleted"].as_u64().expect("deleted is a number");
    usize::try_from(deleted).expect("fits")
}

/// The numbers in `line` after `after`, in order: `9600 of 30151 nodes deleted, 20551 remain`
/// gives [9600, 30151, 20551].
fn numbers_after(line: &str, after: &str) -> Vec<usize> {
    let rest = line
        .split_once(after)
        .map(|(_, rest)| rest)
        .unwrap_or_else(|| panic!("{after:?} not in {line:?}"));
    rest.split(|c: char| !c.is_ascii_digit())
        .filter(|word| !word.is_empty())
        .map(|word| word.parse().expect("a number"))
        .collect()
}

/// One-shot `delete -r` of a large tree, stopped by `signal` once deletion has started: it
/// exits with `code` and says how many nodes went and how many remain, and both are true.
fn signal_mid_delete(name: &str, signal: libc::c_int, code: i32) {
    let (server, root) = namespace(name);
    let total = build_tree(server, &root);
    let watch = await_deletion_of(server, &first_to_go(&root));
    let delete = Zksh::new(server).args(["delete", "-r", &root]).spawn();
    watch.finish_within(T).success();
    delete.signal(signal);
    let out = delete.finish_within(T);
    out.code(code);
    let line = out
        .stderr
        .lines()
        .find(|l| l.starts_with(&format!("error: delete -r {root}: interrupted")))
        .unwrap_or_else(|| panic!("no interruption line:\n{}", out.stderr));
    let [deleted, of, remain] = numbers_after(line, "interrupted")[..] else {
        panic!("not `N of T nodes deleted, M remain`: {line}");
    };
    assert!(line.contains(" remain"), "{line}");
    assert!(
        !line.contains("at least"),
        "the server was reachable, so it re-counted: {line}"
    );
    assert_eq!(of, total, "{line}");
    assert!(deleted > 0, "deletion had started: {line}");
    let left = count_and_remove(server, &root);
    assert!(left > 0, "stopped before the end: {line}");
    assert_eq!(remain, left, "what remains, as really counted: {line}");
    assert_eq!(deleted, total - left, "what went: {line}");
}

#[test]
fn sigint_mid_delete_r_says_how_many_went_and_remain() {
    signal_mid_delete("bulk-int", libc::SIGINT, 130);
}

#[test]
fn sigterm_mid_delete_r_says_how_many_went_and_remain() {
    signal_mid_delete("bulk-term", libc::SIGTERM, 143);
}

#[test]
fn ctrl_c_in_the_repl_mid_delete_r_counts_the_batches_that_still_landed() {
    let (server, root) = namespace("bulk-repl");
    let total = build_tree(server, &root);
    let watch = await_deletion_of(server, &first_to_go(&root));
    let cs = server.connect_string();
    let mut sh = PtyShell::spawn(&["-s", &cs], &[]);
    sh.wait_for("CONNECTED", T);
    // -y: the REPL would ask first (more than 1,000 nodes).
    sh.line(&format!("delete -r -y {root}"));
    watch.finish_within(T).success();
    sh.type_text("\x03");
    let needle = format!("delete -r {root}: interrupted");
    let screen = sh.wait_until("the interruption line", T, |s| {
        s.lines().any(|l| l.contains(&needle) && l.contains("remain"))
    });
    let line = screen
        .lines()
        .find(|l| l.contains(&needle))
        .expect("the line waited for");
    let [deleted, of, remain] = numbers_after(line, "interrupted")[..] else {
        panic!("not `N of T nodes deleted, M remain`: {line}");
    };
    assert!(!line.contains("at least"), "{line}");
    assert_eq!(of, total, "{line}");
    // The REPL goes on after Ctrl-C, and it counts the same as anyone else.
    sh.line(&format!("delete -r -y {root} -o json"));
    let screen = sh.wait_for("\"deleted\":", T);
    let left = numbers_after(
        screen
            .lines()
            .find(|l| l.contains("\"deleted\":"))
            .expect("the line waited for"),
        "\"deleted\":",
    )[0];
    assert!(left > 0, "stopped before the end: {line}");
    assert_eq!(remain, left, "what remains, as really counted: {line}");
    assert_eq!(deleted, total - left, "what went: {line}");
}

/// Short ticks so that a session timeout of a few seconds is allowed (2 to 20 ticks).
const SHORT_TICKS: &[&str] = &["tickTime=500"];

#[test]
fn server_gone_mid_delete_r_exits_3_with_at_least_how_many_went() {
    let mut server = ZkServer::start_with(SHORT_TICKS);
    let root = "/gone".to_string();
    Zksh::new(&server).args(["create", &root]).run().success();
    let total = build_tree(&server, &root);
    let watch = await_deletion_of(&server, &first_to_go(&root));
    let delete = Zksh::new(&server)
        .args([
            "--session-timeout",
            "3s",
            "--request-timeout",
            "3s",
            "delete",
            "-r",
            &root,
        ])
        .spawn();
    watch.finish_within(T).success();
    server.stop();
    let out = delete.finish_within(T);
    out.code(3).clean_error();
    // Connection events aside, one error line.
    let errors: Vec<&str> = out.stderr.lines().filter(|l| l.starts_with("error:")).collect();
    let [line] = errors[..] else {
        panic!("one error line:\n{}", out.stderr);
    };
    assert!(line.contains(&format!("delete -r {root}: ")), "{line}");
    let [at_least, of, at_most] = numbers_after(line, "at least")[..] else {
        panic!("not `at least N of T nodes deleted, at most M remain`: {line}");
    };
    assert!(line.contains("at most"), "{line}");
    assert_eq!(of, total, "{line}");
    assert_eq!(at_least + at_most, total, "{line}");
    // Both bounds hold, as counted once the server is back.
    server.restart();
    let left = count_and_remove(&server, &root);
    assert!(
        total - left >= at_least,
        "{} deleted, said at least {at_least}",
        total - left
    );
    assert!(left <= at_most, "{left} left, said at most {at_most}");
}

#[test]
fn server_back_within_the_session_timeout_delete_r_reports_the_real_total() {
    let mut server = ZkServer::start();
    let root = "/back".to_string();
    Zksh::new(&server).args(["create", &root]).run().success();
    let total = build_tree(&server, &root);
    let watch = await_deletion_of(&server, &first_to_go(&root));
    let delete = Zksh::new(&server)
        .args([
            "--session-timeout",
            "30s",
            "--request-timeout",
            "30s",
            "delete",
            "-r",
            &root,
            "-o",
            "json",
        ])
        .timeout(Duration::from_secs(60))
        .spawn();
    watch.finish_within(T).success();
    // Killed with batches in flight, some of them written to the server's log but not yet
    // answered: they fail with a lost connection, and yet they were applied.
    server.restart();
    let out = delete.finish_within(Duration::from_secs(60));
    out.success();
    assert_eq!(out.json()["deleted"], total, "{}", out.stdout);
    assert_eq!(count_and_remove(&server, &root), 0);
}
