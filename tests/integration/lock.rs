//! `lock PATH -- CMD` against a real server: mutual exclusion among zksh holders and with
//! Kazoo's Lock, WriteLock, ReadLock and Semaphore on the same path; the lock node gone
//! however the command or zksh ends; `--on-lost`; bad input.

use std::time::{Duration, Instant};

use crate::kazoo_agent::{Gate, Kazoo, assert_one_at_a_time};
use crate::support::{ZkServer, Zksh, namespace};

const T: Duration = Duration::from_secs(30);

/// The children of `path`, as zksh lists them.
fn children(server: &ZkServer, path: &str) -> Vec<String> {
    let out = Zksh::new(server).args(["ls", path]).run();
    out.success();
    out.lines().iter().map(|s| s.to_string()).collect()
}

#[test]
fn three_zksh_holders_never_overlap() {
    let (server, root) = namespace("lock-three");
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("log");
    let script = format!(
        "echo start $0 >> {log}; sleep 0.2; echo end $0 >> {log}",
        log = log.display()
    );
    let path = format!("{root}/l");
    let running: Vec<_> = (1..=3)
        .map(|i| {
            Zksh::new(server)
                .args(["lock", &path, "--", "sh", "-c", &script, &i.to_string()])
                .spawn()
        })
        .collect();
    for run in running {
        run.finish_within(T).success();
    }
    assert_one_at_a_time(&std::fs::read_to_string(&log).expect("log"), 3);
    assert!(children(server, &path).is_empty(), "no contender left");
}

#[test]
fn kazoo_lock_and_zksh_exclude_each_other_both_ways() {
    let (server, root) = namespace("lock-kazoo");
    let dir = tempfile::tempdir().expect("tempdir");
    let held = dir.path().join("held");
    let held = held.to_str().expect("utf-8");
    let path = format!("{root}/l");
    // Kazoo first: zksh waits, and runs only once Kazoo has released.
    let mut kazoo = Kazoo::start(server);
    assert_eq!(kazoo.ask(&format!("lock {path} {held}")), "locked held-file-absent");
    std::fs::write(held, "kazoo").expect("mark");
    let zksh = Zksh::new(server)
        .args([
            "lock",
            &path,
            "--",
            "sh",
            "-c",
            &format!("test ! -e {held} && echo alone"),
        ])
        .spawn();
    assert_eq!(kazoo.ask(&format!("children {path} 2")), "children 2");
    std::fs::remove_file(held).expect("unmark");
    assert_eq!(kazoo.ask("release"), "released");
    zksh.finish_within(T).success().stdout_is("alone\n");
    // zksh first: Kazoo waits, and gets it only once the command has ended.
    let gate = Gate::new(dir.path(), "gate");
    let mut zksh = Zksh::new(server)
        .args([
            "lock",
            &path,
            "--",
            "sh",
            "-c",
            &format!("touch {held}; echo in; read x < {}; rm {held}", gate.path()),
        ])
        .spawn();
    zksh.wait_stdout("in", T);
    kazoo.send(&format!("lock {path} {held}"));
    // The agent waits in acquire: another one watches the line form.
    let mut watcher = Kazoo::start(server);
    assert_eq!(watcher.ask(&format!("children {path} 2")), "children 2");
    gate.open();
    assert_eq!(kazoo.answer(), "locked held-file-absent");
    zksh.finish_within(T).success();
    assert_eq!(kazoo.ask("release"), "released");
}

#[test]
fn shared_holders_run_together_and_exclude_a_kazoo_write_lock() {
    let (server, root) = namespace("lock-shared");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = format!("{root}/rw");
    let gates: Vec<Gate> = (0..2).map(|i| Gate::new(dir.path(), &format!("g{i}"))).collect();
    let readers: Vec<_> = gates
        .iter()
        .enumerate()
        .map(|(i, gate)| {
            let marker = dir.path().join(format!("reading{i}"));
            let script = format!(
                "touch {m}; echo in; read x < {g}; rm {m}",
                m = marker.display(),
                g = gate.path()
            );
            Zksh::new(server)
                .args(["lock", "--shared", &path, "--", "sh", "-c", &script])
                .spawn()
        })
        .collect();
    // Both are in at once: each is blocked on its gate while the other comes in.
    let mut readers = readers;
    for reader in &mut readers {
        reader.wait_stdout("in", T);
    }
    let mut kazoo = Kazoo::start(server);
    let any_reader = dir.path().join("reading0");
    kazoo.send(&format!("wlock {path} {}", any_reader.display()));
    let mut watcher = Kazoo::start(server);
    assert_eq!(watcher.ask(&format!("children {path} 3")), "children 3");
    gates[0].open();
    readers.remove(0).finish_within(T).success();
    // One reader still in: the writer still waits (a reader node precedes it).
    assert_eq!(children(server, &path).len(), 2);
    let second_reader = dir.path().join("reading1");
    assert!(second_reader.exists(), "the second reader is still in");
    gates[1].open();
    readers.remove(0).finish_within(T).success();
    assert_eq!(kazoo.answer(), "locked held-file-absent");
    assert_eq!(kazoo.ask("release"), "released");
}

#[test]
fn a_semaphore_of_two_lets_two_in_and_counts_kazoo_holders() {
    let (server, root) = namespace("lock-sem");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = format!("{root}/pool");
    let gates: Vec<Gate> = (0..3).map(|i| Gate::new(dir.path(), &format!("g{i}"))).collect();
    let start = |i: usize| {
        let script = format!("echo in; read x < {}", gates[i].path());
        Zksh::new(server)
            .args([
                "lock",
                "--semaphore",
                "2",
                "--id",
                &format!("z{i}"),
                &path,
                "--",
                "sh",
                "-c",
                &script,
            ])
            .spawn()
    };
    let mut first = start(0);
    first.wait_stdout("in", T);
    let mut second = start(1);
    second.wait_stdout("in", T);
    let mut kazoo = Kazoo::start(server);
    // Kazoo's Semaphore sees the two leases and finds none free; it agrees on the maximum.
    assert_eq!(kazoo.ask(&format!("sem {path} 2")), "sem False");
    assert_eq!(kazoo.ask(&format!("holders {path} 2")), "holders z0,z1");
    // A third waits, holding the gate lock `PATH-__lock__`, until a lease is given back.
    let mut third = start(2);
    assert_eq!(kazoo.ask(&format!("children {path}-__lock__ 1")), "children 1");
    assert_eq!(children(server, &path).len(), 2, "still two leases out");
    gates[0].open();
    first.finish_within(T).success();
    third.wait_stdout("in", T);
    gates[1].open();
    gates[2].open();
    second.finish_within(T).success();
    third.finish_within(T).success();
    // All given back: Kazoo takes a lease of the same semaphore.
    assert!(children(server, &path).is_empty());
    assert_eq!(kazoo.ask(&format!("sem {path} 2")), "sem True");
    // Every holder must agree on the maximum, as Kazoo insists.
    Zksh::new(server)
        .args(["lock", "--semaphore", "3", &path, "--", "echo", "never"])
        .run()
        .code(1)
        .stdout_is("")
        .stderr_contains("holds 2 leases, not 3");
}

#[test]
fn the_lock_goes_when_the_command_ends_fails_or_zksh_is_terminated() {
    let (server, root) = namespace("lock-release");
    let path = format!("{root}/l");
    Zksh::new(server).args(["lock", &path, "--", "true"]).run().success();
    assert!(children(server, &path).is_empty());
    Zksh::new(server)
        .args(["lock", &path, "--", "sh", "-c", "exit 3"])
        .run()
        .code(3);
    assert!(children(server, &path).is_empty());
    // SIGTERM to zksh goes to the command; zksh exits as it did, then the lock is gone.
    let mut run = Zksh::new(server)
        .args([
            "lock",
            &path,
            "--",
            "sh",
            "-c",
            "trap 'echo stopping; kill $!; exit 5' TERM; echo in; sleep 60 & wait",
        ])
        .spawn();
    run.wait_stdout("in", T);
    assert_eq!(children(server, &path).len(), 1, "held while the command runs");
    run.signal(libc::SIGTERM);
    run.finish_within(T).code(5).stdout_contains("stopping");
    assert!(children(server, &path).is_empty());
    // A command killed by the signal: 128+15, as a shell says.
    let mut run = Zksh::new(server)
        .args(["lock", &path, "--", "sh", "-c", "echo in; exec sleep 60"])
        .spawn();
    run.wait_stdout("in", T);
    run.signal(libc::SIGINT);
    run.finish_within(T).code(130);
    assert!(children(server, &path).is_empty());
}

#[test]
fn a_killed_zksh_loses_the_lock_at_the_session_timeout_and_the_next_proceeds() {
    let (server, root) = namespace("lock-kill");
    let path = format!("{root}/l");
    let mut holder = Zksh::new(server)
        .args([
            "--session-timeout",
            "4s",
            "lock",
            &path,
            "--",
            "sh",
            "-c",
            "echo in; exec sleep 60",
        ])
        .spawn();
    holder.wait_stdout("in", T);
    let mut next = Zksh::new(server).args(["lock", &path, "--", "echo", "next in"]).spawn();
    let mut kazoo = Kazoo::start(server);
    assert_eq!(kazoo.ask(&format!("children {path} 2")), "children 2");
    let killed = Instant::now();
    holder.signal(libc::SIGKILL);
    holder.finish_within(T);
    // Nothing said goodbye: the node stays until the server expires the session.
    assert_eq!(children(server, &path).len(), 2, "the killed holder's node outlives it");
    next.wait_stdout("next in", T);
    let waited = killed.elapsed();
    assert!(
        waited >= Duration::from_secs(3),
        "the next got in after {waited:?}, before the session timeout"
    );
    next.finish_within(T).success();
    assert!(children(server, &path).is_empty());
}

#[test]
fn a_lost_session_stops_the_command() {
    let server = ZkServer::start_with(&["tickTime=500"]);
    let cs = server.connect_string();
    let mut run = Zksh::at(&cs)
        .args([
            "--session-timeout",
            "2s",
            "lock",
            "/l",
            "--",
            "sh",
            "-c",
            "trap 'echo terminated; kill $!; exit 7' TERM; echo in; sleep 60 & wait",
        ])
        .spawn();
    run.wait_stdout("in", T);
    server.pause();
    run.wait_stderr(
        "connection to ZooKeeper lost; the lock is held only until the session times out",
        T,
    );
    run.wait_stderr("LOCK LOST", T);
    run.wait_stdout("terminated", T);
    server.resume();
    run.finish_within(T).code(7).stderr_contains("--on-lost term");
}

#[test]
fn a_timeout_gives_up_and_leaves_no_contender() {
    let (server, root) = namespace("lock-timeout");
    let path = format!("{root}/l");
    let dir = tempfile::tempdir().expect("tempdir");
    let gate = Gate::new(dir.path(), "g");
    let mut holder = Zksh::new(server)
        .args([
            "lock",
            &path,
            "--",
            "sh",
            "-c",
            &format!("echo in; read x < {}", gate.path()),
        ])
        .spawn();
    holder.wait_stdout("in", T);
    Zksh::new(server)
        .args(["lock", "--timeout", "300ms", &path, "--", "echo", "never"])
        .run()
        .code(1)
        .stdout_is("")
        .stderr_contains("not taken within 300ms");
    assert_eq!(children(server, &path).len(), 1, "only the holder's node");
    gate.open();
    holder.finish_within(T).success();
}

#[test]
fn bad_input_is_refused_and_changes_nothing() {
    let (server, root) = namespace("lock-bad");
    let path = format!("{root}/l");
    let out = Zksh::new(server)
        .args(["lock", &path, "--", "no-such-command-zksh"])
        .run();
    out.code(127).stderr_contains("cannot start no-such-command-zksh");
    assert!(children(server, &path).is_empty(), "released");
    for (args, needle) in [
        (vec!["lock", "--timeout", "soon", &path, "--", "true"], "not a duration"),
        (vec!["lock", &path, "true"], "unexpected argument"),
        (vec!["lock", &path], "after `--`"),
        (vec!["lock", "--semaphore", "0", &path, "--", "true"], "'0'"),
        (vec!["lock", "/a//b", "--", "true"], "empty component"),
        (
            vec!["lock", "--shared", "--semaphore", "2", &path, "--", "true"],
            "cannot be used with",
        ),
    ] {
        Zksh::new(server).args(&args).run().code(2).stderr_contains(needle);
    }
    assert!(children(server, &path).is_empty());
    assert!(children(server, &root).iter().all(|c| c == "l"), "nothing else created");
}

#[test]
fn the_repl_holds_locks_until_unlock_or_quit() {
    let (server, root) = namespace("lock-repl");
    let cs = server.connect_string();
    let (a, b) = (format!("{root}/a"), format!("{root}/b"));
    let mut sh = crate::pty::PtyShell::spawn(&["-s", &cs], &[]);
    sh.wait_for("CONNECTED", T);
    sh.line(&format!("lock {a}"));
    sh.wait_for(&format!("locked {a}"), T);
    sh.line(&format!("lock --shared {b}"));
    sh.wait_for(&format!("locked {b}"), T);
    // Held: another holder gives up at its timeout.
    Zksh::new(server)
        .args(["lock", "--timeout", "200ms", &a, "--", "true"])
        .run()
        .code(1);
    sh.line("lock");
    sh.wait_until("both locks listed", T, |s| {
        s.contains(&format!("{a}  exclusive")) && s.contains(&format!("{b}  shared"))
    });
    sh.line(&format!("unlock {a}"));
    sh.line(&format!("unlock {a}"));
    sh.wait_for("this shell holds no lock there", T);
    Zksh::new(server).args(["lock", &a, "--", "true"]).run().success();
    assert_eq!(children(server, &b).len(), 1, "still held");
    sh.line("quit");
    assert_eq!(sh.wait_exit(T), 0);
    assert!(children(server, &b).is_empty(), "released on quit");
}

#[test]
fn no_server_before_the_lock_is_taken_exits_3() {
    Zksh::at(&crate::support::closed_address())
        .args(["--connect-timeout", "1s", "lock", "/l", "--", "echo", "never"])
        .run()
        .code(3)
        .stdout_is("");
}

#[test]
fn waiting_for_a_lock_in_the_repl_leaves_its_recursive_watch_working() {
    // ZOOKEEPER-4466: a one-shot watch on a path the same session watches recursively stops
    // the recursive watch's child events. A semaphore waits with a children watch on PATH;
    // it is set from the lock's own session, so the shell's recursive watch on PATH goes on.
    let (server, root) = namespace("lock-zk4466");
    let pool = format!("{root}/pool");
    let dir = tempfile::tempdir().expect("tempdir");
    let gate = Gate::new(dir.path(), "g");
    let mut holder = Zksh::new(server)
        .args([
            "lock",
            "--semaphore",
            "1",
            &pool,
            "--",
            "sh",
            "-c",
            &format!("echo in; read x < {}", gate.path()),
        ])
        .spawn();
    holder.wait_stdout("in", T);
    let mut sh = crate::pty::PtyShell::spawn(&["-s", &server.connect_string()], &[]);
    sh.wait_for("CONNECTED", T);
    sh.line(&format!("watch -R {pool}"));
    sh.wait_for("(recursive)", T);
    sh.line(&format!("lock --semaphore 1 {pool} -- true"));
    let mut kazoo = Kazoo::start(server);
    assert_eq!(kazoo.ask(&format!("children {pool}-__lock__ 1")), "children 1");
    gate.open();
    holder.finish_within(T).success();
    sh.line(&format!("create {pool}/x; create {pool}/x/deep"));
    sh.wait_for(&format!("{pool}/x/deep created"), T);
}

#[test]
fn a_terminated_script_stops_after_the_command_it_passed_the_signal_to() {
    let (server, root) = namespace("lock-script-term");
    let path = format!("{root}/l");
    let script = format!(
        "lock {path} -- sh -c \"trap 'echo first stopped; kill $!; exit 0' TERM; echo in; sleep 60 & wait\"\n\
         lock {path} -- echo second ran\n"
    );
    let mut run = Zksh::new(server).args(["-c", &script]).spawn();
    run.wait_stdout("in", T);
    run.signal(libc::SIGTERM);
    let out = run.finish_within(T);
    // The command's code (0) is zksh's, and the script went no further.
    out.success().stdout_contains("first stopped");
    assert!(!out.stdout.contains("second ran"), "{}", out.stdout);
    assert!(children(server, &path).is_empty());
}
