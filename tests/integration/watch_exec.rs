//! `watch --exec` / `watch -- CMD`: one run per change, in order, with the event in the
//! environment and the value on stdin; failing runs reported while the watch goes on, or
//! stopping it with --exit-on-error; -c and -R watches; bad input.

use std::time::Duration;

use crate::support::{Zksh, namespace};
use crate::watch::wait_for_server_watch;

const T: Duration = Duration::from_secs(60);

/// A command line that appends one line per run to `log`: the event's variables, then the
/// stdin it got.
fn logger(log: &std::path::Path) -> Vec<String> {
    let script = format!(
        r#"printf '%s|%s|%s|%s|%s|' "$ZKSH_WATCH_EVENT" "$ZKSH_WATCH_TYPE" "$ZKSH_WATCH_VERSION" "$ZKSH_WATCH_PATH" "$ZKSH_WATCH_KIND" >> {0}; tr '\n' ',' >> {0}; echo >> {0}"#,
        log.display()
    );
    vec!["sh".into(), "-c".into(), script]
}

fn log_lines(log: &std::path::Path) -> Vec<Vec<String>> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .map(|line| line.split('|').map(str::to_string).collect())
        .collect()
}

#[test]
fn fifty_fast_changes_run_the_command_fifty_times_in_order() {
    let (server, root) = namespace("exec-fifty");
    let node = format!("{root}/config");
    Zksh::new(server).args(["create", &node, "d0"]).run().success();
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("runs");
    let watching = Zksh::new(server)
        .args(["watch", &node, "--count", "50", "--timeout", "60s", "--"])
        .args(logger(&log))
        .spawn();
    wait_for_server_watch(server.port(), &node);
    // As fast as one client can: each set waits only for its own reply.
    let script: Vec<String> = (1..=50).map(|n| format!("set {node} d{n}")).collect();
    Zksh::new(server).args(["-c", &script.join("\n")]).run().success();
    let out = watching.finish_within(T);
    out.success();
    let runs = log_lines(&log);
    assert_eq!(runs.len(), 50, "one run per change:\n{runs:?}");
    let mut last = 0;
    for run in &runs {
        assert_eq!(run[0], "changed");
        assert_eq!(run[1], "NodeDataChanged");
        assert_eq!(run[3], node);
        assert_eq!(run[4], "data");
        let version: i32 = run[2].parse().expect("a version");
        assert!(version >= last, "in order: {runs:?}");
        // The data on stdin is the data of that version.
        assert_eq!(run[5], format!("d{version}"), "{run:?}");
        last = version;
    }
    assert_eq!(last, 50, "the last run saw the last change");
    let distinct: std::collections::BTreeSet<&str> = runs.iter().map(|r| r[2].as_str()).collect();
    eprintln!("distinct versions seen by 50 runs: {}", distinct.len());
}

#[test]
fn each_run_gets_the_event_and_its_output_is_zkshs() {
    let (server, root) = namespace("exec-env");
    let node = format!("{root}/n");
    Zksh::new(server).args(["create", &node, "v0"]).run().success();
    // --exec in a script line; the command's stdout is zksh's.
    let mut watching = Zksh::new(server)
        .args([
            "-c",
            &format!(
                r#"watch {node} --count 3 --exec sh -c 'echo "run $ZKSH_WATCH_EVENT $ZKSH_WATCH_TYPE v=$ZKSH_WATCH_VERSION $(cat)"'"#
            ),
        ])
        .spawn();
    wait_for_server_watch(server.port(), &node);
    // One change at a time, each after the previous run was seen: exact versions.
    Zksh::new(server).args(["set", &node, "v1"]).run().success();
    watching.wait_stdout("run changed NodeDataChanged v=1 v1", T);
    Zksh::new(server).args(["delete", &node]).run().success();
    watching.wait_stdout("run deleted NodeDeleted v= ", T);
    Zksh::new(server).args(["create", &node, "again"]).run().success();
    let out = watching.finish_within(T);
    out.success().stderr_is_empty();
    assert_eq!(
        out.lines(),
        vec![
            "run changed NodeDataChanged v=1 v1",
            "run deleted NodeDeleted v= ",
            "run created NodeCreated v=0 again",
        ]
    );
}

#[test]
fn children_and_recursive_watches_run_per_event() {
    let (server, root) = namespace("exec-kinds");
    let show = r#"echo "$ZKSH_WATCH_KIND $ZKSH_WATCH_EVENT $ZKSH_WATCH_PATH [$(tr '\n' ' ')]""#;
    let mut children = Zksh::new(server)
        .args(["watch", "-c", &root, "--count", "2", "--", "sh", "-c", show])
        .spawn();
    wait_for_server_watch(server.port(), &root);
    Zksh::new(server).args(["create", &format!("{root}/a")]).run().success();
    children.wait_stdout("children children", T);
    Zksh::new(server).args(["create", &format!("{root}/b")]).run().success();
    let out = children.finish_within(T);
    assert_eq!(
        out.success().lines(),
        vec![
            format!("children children {root} [a ]"),
            format!("children children {root} [a b ]"),
        ]
    );

    let mut recursive = Zksh::new(server)
        .args(["watch", "-R", &root, "--count", "2", "--exec", "sh", "-c", show])
        .spawn();
    wait_for_server_watch(server.port(), &root);
    Zksh::new(server)
        .args(["create", &format!("{root}/a/deep",)])
        .run()
        .success();
    recursive.wait_stdout("recursive created", T);
    Zksh::new(server)
        .args(["set", &format!("{root}/a/deep"), "x"])
        .run()
        .success();
    let out = recursive.finish_within(T);
    assert_eq!(
        out.success().lines(),
        vec![
            format!("recursive created {root}/a/deep []"),
            format!("recursive changed {root}/a/deep []"),
        ]
    );
}

#[test]
fn a_failing_run_is_reported_and_the_watch_goes_on() {
    let (server, root) = namespace("exec-fail");
    let node = format!("{root}/n");
    Zksh::new(server).args(["create", &node, "v0"]).run().success();
    // Fails on version 1 only.
    let check = r#"echo "ran $ZKSH_WATCH_VERSION"; [ "$ZKSH_WATCH_VERSION" != 1 ]"#;
    let mut watching = Zksh::new(server)
        .args(["watch", &node, "--count", "2", "--", "sh", "-c", check])
        .spawn();
    wait_for_server_watch(server.port(), &node);
    Zksh::new(server).args(["set", &node, "v1"]).run().success();
    let line = watching.wait_stderr("exited with status 1", T);
    assert!(
        line.contains(&format!("on changed {node} (version 1); watching on")),
        "{line}"
    );
    Zksh::new(server).args(["set", &node, "v2"]).run().success();
    let out = watching.finish_within(T);
    out.code(1);
    assert_eq!(out.lines(), vec!["ran 1", "ran 2"]);
    out.stderr_contains(&format!("watch {node}: --exec failed for 1 of 2 events (first: `sh -c"));

    // --exit-on-error: the first failure ends it, exit 1.
    let watching = Zksh::new(server)
        .args(["watch", &node, "--exit-on-error", "--exec", "sh", "-c", "exit 7"])
        .spawn();
    wait_for_server_watch(server.port(), &node);
    Zksh::new(server).args(["set", &node, "v3"]).run().success();
    let out = watching.finish_within(T);
    out.code(1).one_line_error();
    out.stderr_contains(&format!(
        "exited with status 7 on changed {node} (version 3); stopped (--exit-on-error)"
    ));
}

#[test]
fn ctrl_c_stops_the_watch_and_says_how_many_runs() {
    let (server, root) = namespace("exec-stop");
    let mut watching = Zksh::new(server)
        .args(["watch", &root, "--exec", "sh", "-c", "echo ran"])
        .spawn();
    wait_for_server_watch(server.port(), &root);
    Zksh::new(server).args(["set", &root, "x"]).run().success();
    watching.wait_stdout("ran", T);
    watching.signal(libc::SIGINT);
    let out = watching.finish_within(T);
    out.code(130)
        .stderr_contains(&format!("watch {root}: stopped after 1 run of --exec"));
}

#[test]
fn bad_exec_input_is_refused_before_watching() {
    let (server, root) = namespace("exec-bad");
    let out = Zksh::new(server)
        .args(["watch", &root, "--exec", "zksh-no-such-program", "x"])
        .run();
    out.code(2)
        .one_line_error()
        .stderr_contains("--exec 'zksh-no-such-program': command not found");
    for (args, needle) in [
        (vec!["watch", &root, "--exec"], "a value is required"),
        (
            vec!["watch", &root, "--exit-on-error"],
            "--exit-on-error goes with a command",
        ),
    ] {
        Zksh::new(server).args(&args).run().code(2).stderr_contains(needle);
    }
}

#[test]
fn initial_runs_once_for_the_value_at_the_start() {
    let (server, root) = namespace("exec-initial");
    let node = format!("{root}/conf");
    Zksh::new(server).args(["create", &node, "v0"]).run().success();
    let mut watching = Zksh::new(server)
        .args(["watch", &node, "--initial", "--count", "1", "--"])
        .args(["sh", "-c", r#"echo "$ZKSH_WATCH_EVENT $ZKSH_WATCH_VERSION $(cat)""#])
        .spawn();
    // The run for the start value comes without any change.
    watching.wait_stdout("current 0 v0", T);
    Zksh::new(server).args(["set", &node, "v1"]).run().success();
    let out = watching.finish_within(T);
    assert_eq!(out.success().lines(), vec!["current 0 v0", "changed 1 v1"]);
    Zksh::new(server)
        .args(["watch", &node, "--initial"])
        .run()
        .code(2)
        .stderr_contains("--initial goes with a command to run");
}
