//! Failover on a real 3-member ensemble: what zksh does when the member it talks to dies, is
//! partitioned, or loses its quorum.
//!
//! The client shuffles the connect string, so a test learns which member serves a session
//! from the members' `cons` (the session owns an ephemeral node, whose owner names it).

use std::time::Duration;

use crate::pty::PtyShell;
use crate::support::tree::create_all_at;
use crate::support::{Ensemble, Output, Zksh};

const T: Duration = Duration::from_secs(30);
const ELECTION: Duration = Duration::from_secs(60);

/// The session that owns an ephemeral node, as the server says.
fn ephemeral_owner(connect: &str, path: &str) -> i64 {
    let out = Zksh::at(connect).args(["stat", path, "-o", "json"]).run();
    out.success();
    out.json()["stat"]["ephemeralOwner"]
        .as_i64()
        .unwrap_or_else(|| panic!("no ephemeralOwner in {}", out.stdout))
}

/// The connect string of every member but `skip`.
fn others(ensemble: &Ensemble, skip: usize) -> String {
    let others: Vec<String> = (0..ensemble.size())
        .filter(|&i| i != skip)
        .map(|i| ensemble.address(i))
        .collect();
    others.join(",")
}

/// The member serving the session that owns `path`.
fn member_of(ensemble: &Ensemble, path: &str) -> usize {
    let owner = ephemeral_owner(&ensemble.connect_string(), path);
    ensemble
        .member_serving(owner)
        .unwrap_or_else(|| panic!("no member lists session 0x{owner:x} in cons"))
}

/// Runs `command` as the last line of a script and kills the member serving the script's
/// session once `under_way` (the arguments of a `wait`, e.g. `--gone /big/b000`) holds on the
/// other members: the script's output, and the connect string of the members left.
fn kill_its_member_under_way(ensemble: &mut Ensemble, command: &str, under_way: &[&str]) -> (Output, String) {
    let marker = "/kill-marker";
    let mut run = Zksh::at(&ensemble.connect_string())
        .args([
            "--request-timeout",
            "30s",
            "-c",
            &format!("create -e {marker}\nwait /go --timeout 60s\n{command}"),
        ])
        .timeout(Duration::from_secs(120))
        .spawn();
    run.wait_stdout(marker, T);
    let member = member_of(ensemble, marker);
    let rest = others(ensemble, member);
    let started = Zksh::at(&rest)
        .arg("wait")
        .args(under_way)
        .args(["--timeout", "60s"])
        .timeout(Duration::from_secs(90))
        .spawn();
    Zksh::at(&rest).args(["create", "/go"]).run().success();
    started.finish_within(Duration::from_secs(90)).success();
    ensemble.kill(member);
    (run.finish_within(Duration::from_secs(120)), rest)
}

#[test]
fn ensemble_elects_a_new_leader_after_the_leader_is_killed() {
    let mut ensemble = Ensemble::start();
    let leader = ensemble.leader().expect("a leader");
    let followers = (0..ensemble.size())
        .filter(|&i| ensemble.mode(i).as_deref() == Some("follower"))
        .count();
    assert_eq!(followers, 2);
    Zksh::at(&ensemble.connect_string())
        .args(["create", "/before", "x"])
        .run()
        .success();
    ensemble.kill(leader);
    ensemble.wait_for_quorum(ELECTION);
    let new_leader = ensemble.leader().expect("a new leader");
    assert_ne!(new_leader, leader);
    Zksh::at(&ensemble.connect_string())
        .args(["get", "/before"])
        .run()
        .success()
        .stdout_is("x\n");
    ensemble.restart(leader);
    assert_eq!(ensemble.mode(leader).as_deref(), Some("follower"));
}

#[test]
fn repl_carries_on_when_its_member_is_killed() {
    let mut ensemble = Ensemble::start();
    let cs = ensemble.connect_string();
    let mut sh = PtyShell::spawn(
        &["-s", &cs, "--session-timeout", "20s", "--request-timeout", "20s"],
        &[],
    );
    sh.wait_for("CONNECTED", T);
    sh.line("create -e /eph mine");
    sh.wait_for("\n/eph", T);
    let owner = ephemeral_owner(&cs, "/eph");
    let member = member_of(&ensemble, "/eph");
    ensemble.kill(member);
    sh.wait_for("[SUSPENDED]", T);
    sh.wait_for("[CONNECTED] connected", ELECTION);
    sh.line("get /eph");
    sh.wait_until("the ephemeral node read back", T, |s| {
        s.lines().any(|l| l.trim() == "mine")
    });
    sh.line("create /after-kill");
    sh.wait_for("\n/after-kill", T);
    // The same session, now on another member, still owns its ephemeral node.
    let rest = others(&ensemble, member);
    assert_eq!(ephemeral_owner(&rest, "/eph"), owner);
    let now = ensemble.member_serving(owner).expect("the session is served");
    assert_ne!(now, member);
    let screen = sh.screen();
    assert!(!screen.contains("[LOST]"), "no session lost:\n{screen}");
    sh.type_text("\x04");
    assert_eq!(sh.wait_exit(T), 0);
}

#[test]
fn script_goes_on_after_its_member_is_killed() {
    let mut ensemble = Ensemble::start();
    let cs = ensemble.connect_string();
    let script = "create -e /s-eph\nwait /go --timeout 60s\ncreate /s-after done\nget /s-after";
    let mut run = Zksh::at(&cs)
        .args(["--request-timeout", "30s", "-c", script])
        .timeout(Duration::from_secs(90))
        .spawn();
    run.wait_stdout("/s-eph", T);
    let member = member_of(&ensemble, "/s-eph");
    ensemble.kill(member);
    ensemble.wait_for_quorum(ELECTION);
    Zksh::at(&others(&ensemble, member))
        .args(["create", "/go"])
        .run()
        .success();
    let out = run.finish_within(ELECTION);
    out.success().stdout_contains("done");
}

#[test]
fn script_names_the_failing_line_when_no_member_is_left() {
    let mut ensemble = Ensemble::start();
    let cs = ensemble.connect_string();
    let script = "create /n-first\nwait /go --timeout 60s\ncreate /n-never";
    let mut run = Zksh::at(&cs)
        .args(["--request-timeout", "3s", "-c", script])
        .timeout(Duration::from_secs(60))
        .spawn();
    run.wait_stdout("/n-first", T);
    for i in 0..ensemble.size() {
        ensemble.kill(i);
    }
    let out = run.finish_within(T);
    out.code(3).stderr_contains("line 2").stderr_lacks("panicked");
    assert!(!out.stdout.contains("/n-never"), "{}", out.stdout);
}

#[test]
fn delete_r_through_a_member_kill_completes_or_says_what_it_did() {
    let mut ensemble = Ensemble::start();
    let cs = ensemble.connect_string();
    Zksh::at(&cs).args(["create", "/big"]).run().success();
    let mut paths = Vec::new();
    for b in 0..40 {
        paths.push(format!("/big/b{b:03}"));
        paths.extend((0..249).map(|l| format!("/big/b{b:03}/n{l:03}")));
    }
    create_all_at(&cs, &paths);
    let total = paths.len() + 1;
    // The kill lands once the deletion is under way: the first branch (deleted children
    // first, in order) is gone.
    let (out, rest) = kill_its_member_under_way(&mut ensemble, "delete -r -y /big -o json", &["--gone", "/big/b000"]);
    let left = Zksh::at(&rest).args(["count", "/big", "-o", "json"]).run();
    if out.code == 0 {
        // Completed after the reconnect: nothing is left, and every node is counted.
        left.code(1);
        assert!(out.stdout.contains(&format!("\"deleted\":{total}")), "{}", out.stdout);
    } else {
        // Cut short: the message says how many nodes went, and that is what went.
        out.stderr_lacks("panicked");
        let remaining = left.json()["nodes"].as_u64().expect("a count") as usize;
        let said = format!("{} of {total} nodes deleted", total - remaining);
        assert!(out.stderr.contains(&said), "expected {said:?} in:\n{}", out.stderr);
    }
}

#[test]
fn recursive_watch_survives_the_leader_and_flags_the_gap() {
    let mut ensemble = Ensemble::start();
    let cs = ensemble.connect_string();
    Zksh::at(&cs).args(["create", "/wr"]).run().success();
    let mut watch = Zksh::at(&cs)
        .args(["--request-timeout", "30s", "watch", "-R", "/wr"])
        .timeout(Duration::from_secs(120))
        .spawn();
    Zksh::at(&cs).args(["wait", "/wr"]).run().success();
    // Events arrive only once the watch is placed: keep creating until one shows.
    Zksh::at(&cs).args(["create", "/wr/a"]).run().success();
    watch.wait_stdout("/wr/a created", T);
    let leader = ensemble.leader().expect("a leader");
    ensemble.kill(leader);
    ensemble.wait_for_quorum(ELECTION);
    watch.wait_stdout("changes made while disconnected may be missing", ELECTION);
    Zksh::at(&others(&ensemble, leader))
        .args(["create", "/wr/b"])
        .run()
        .success();
    watch.wait_stdout("/wr/b created", T);
    watch.signal(libc::SIGINT);
    watch.finish_within(T).code(130);
}

#[test]
fn read_only_member_serves_reads_with_r_and_refuses_writes() {
    let mut ensemble = Ensemble::builder().read_only().start();
    let cs = ensemble.connect_string();
    Zksh::at(&cs).args(["create", "/ro", "kept"]).run().success();
    let survivor = ensemble.follower();
    for i in (0..ensemble.size()).filter(|&i| i != survivor) {
        ensemble.kill(i);
    }
    ensemble.wait_for_mode(survivor, &["read-only"], ELECTION);
    let alone = ensemble.address(survivor);
    let read = Zksh::at(&alone).args(["-r", "get", "/ro"]).run();
    read.success().stdout_is("kept\n").stderr_contains("READ_ONLY");
    let write = Zksh::at(&alone).args(["-r", "set", "/ro", "changed"]).run();
    write
        .code(1)
        .clean_error()
        .stderr_contains("error: set /ro: the server is read-only (write refused)");
    // Without -r the client will not take a read-only session.
    Zksh::at(&alone)
        .args(["--connect-timeout", "3s", "get", "/ro"])
        .run()
        .code(3)
        .clean_error();
}

#[test]
fn partitioned_member_expires_the_session_only_when_the_server_says_so() {
    let ensemble = Ensemble::builder().config("tickTime=500").start();
    let member = ensemble.follower();
    let alone = ensemble.address(member);
    // Only the one member: the client cannot move away from the partition.
    let mut sh = PtyShell::spawn(
        &["-s", &alone, "--session-timeout", "4s", "--request-timeout", "10s"],
        &[],
    );
    sh.wait_for("CONNECTED", T);
    sh.line("addauth digest alice:secret");
    sh.line("create -e /p-eph");
    sh.wait_for("\n/p-eph", T);
    ensemble.pause(member);
    sh.wait_for("[SUSPENDED]", T);
    // The client gives up on its own first: that is no expiry until a server says so.
    sh.wait_for("still trying to resume session", T);
    let rest = others(&ensemble, member);
    // The leader expires the session once its timeout passes without a word from it.
    Zksh::at(&rest)
        .args(["wait", "--gone", "/p-eph", "--timeout", "30s"])
        .run()
        .success();
    let screen = sh.screen();
    assert!(!screen.contains("[LOST]"), "LOST before the server said so:\n{screen}");
    ensemble.resume(member);
    sh.wait_for("[LOST] session expired", ELECTION);
    sh.wait_for("new session", T);
    sh.wait_for("credentials re-applied", T);
    // An `auth` ACL needs alice's identity to read back: re-applied on the new session.
    sh.line("create /p-guarded 'for alice' auth::cdrwa");
    sh.line("get /p-guarded");
    sh.wait_until("the data read back", T, |s| s.lines().any(|l| l.trim() == "for alice"));
}

#[test]
fn import_through_a_member_kill_completes_or_says_what_it_wrote() {
    use crate::import::{export_text, node, write_file};
    let mut ensemble = Ensemble::start();
    let mut nodes = vec![node("", b"")];
    for b in 0..20 {
        nodes.push(node(format!("b{b:03}"), b"branch"));
        nodes.extend((0..500).map(|l| node(format!("b{b:03}/n{l:03}"), b"leaf data")));
    }
    let total = nodes.len();
    let dir = tempfile::tempdir().expect("a temp dir");
    let file = write_file(&dir, "big.ndjson", export_text("/src", &nodes).as_bytes());
    // The kill lands once the import is under way: its first branch is there.
    let (out, rest) = kill_its_member_under_way(
        &mut ensemble,
        &format!("import {file} /dst --parallel 1 -o json"),
        &["--exists", "/dst/b000"],
    );
    let there = Zksh::at(&rest).args(["count", "/dst", "-o", "json"]).run();
    let there = there.json()["nodes"].as_u64().expect("a count") as usize;
    if out.code == 0 {
        // Completed after the reconnect: every node is there, each written once.
        assert_eq!(there, total, "{}", out.stdout);
        assert!(out.stdout.contains(&format!("\"created\":{total}")), "{}", out.stdout);
    } else {
        // Cut short: exit 3, and the count it gives (or its bounds) holds what is there.
        out.code(3).stderr_lacks("panicked");
        let error = out
            .stderr
            .lines()
            .find_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
            .unwrap_or_else(|| panic!("no JSON error in {:?}", out.stderr));
        let message = error["error"]["message"].as_str().expect("a message").to_string();
        let number_before = |marker: &str| -> Option<usize> {
            let head = message.split(marker).next()?;
            head.rsplit(|c: char| !c.is_ascii_digit())
                .find(|w| !w.is_empty())?
                .parse()
                .ok()
        };
        let created = number_before(" nodes created").unwrap_or_else(|| panic!("no count in {message:?}"));
        let doubt = message
            .split("and up to ")
            .nth(1)
            .and_then(|rest| rest.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        assert!(
            (created..=created + doubt).contains(&there),
            "{there} nodes there, the report says {created} (+{doubt} unsure): {}",
            out.stderr
        );
    }
}
