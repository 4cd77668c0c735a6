//! `elect PATH -- CMD` against a real server, beside a Kazoo `Election` on the same path:
//! one leader at a time, the next taking over when the leader's command exits; `--list`.

use std::time::Duration;

use crate::kazoo_agent::{Gate, Kazoo, assert_one_at_a_time};
use crate::support::{Zksh, namespace};

const T: Duration = Duration::from_secs(30);

#[test]
fn two_zksh_candidates_and_a_kazoo_one_lead_one_at_a_time() {
    let (server, root) = namespace("elect");
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("log");
    let log_text = log.to_str().expect("utf-8");
    let path = format!("{root}/e");
    let candidate = |id: &str, gate: &Gate| {
        let script = format!(
            "echo start {id} >> {log_text}; echo lead; read x < {}; echo end {id} >> {log_text}",
            gate.path()
        );
        Zksh::new(server)
            .args(["elect", &path, "--id", id, "--", "sh", "-c", &script])
            .spawn()
    };
    let (gate_a, gate_b) = (Gate::new(dir.path(), "a"), Gate::new(dir.path(), "b"));
    let mut a = candidate("a", &gate_a);
    a.wait_stdout("lead", T);
    let mut b = candidate("b", &gate_b);
    let mut kazoo = Kazoo::start(server);
    assert_eq!(kazoo.ask(&format!("children {path} 2")), "children 2");
    assert_eq!(kazoo.ask(&format!("elect {path} k {log_text}")), "standing");
    assert_eq!(kazoo.ask(&format!("children {path} 3")), "children 3");
    let listed = Zksh::new(server).args(["elect", "--list", &path, "-o", "json"]).run();
    listed.success();
    let rows = listed.json();
    let ids: Vec<(&str, bool)> = rows
        .as_array()
        .expect("an array")
        .iter()
        .map(|row| {
            (
                row["id"].as_str().unwrap_or(""),
                row["leader"].as_bool().unwrap_or(false),
            )
        })
        .collect();
    assert_eq!(ids, [("a", true), ("b", false), ("k", false)]);
    gate_a.open();
    a.finish_within(T).success();
    b.wait_stdout("lead", T);
    gate_b.open();
    b.finish_within(T).success();
    assert_eq!(kazoo.answer(), "lead k");
    assert_eq!(kazoo.ask("resign"), "resigned");
    // The leader's command ran alone each time, in the order the candidates stood.
    let logged = std::fs::read_to_string(&log).expect("log");
    assert_one_at_a_time(&logged, 3);
    assert_eq!(
        logged.lines().filter(|l| l.starts_with("start")).collect::<Vec<_>>(),
        ["start a", "start b", "start k"]
    );
}

#[test]
fn elect_list_of_nobody_and_bad_input() {
    let (server, root) = namespace("elect-bad");
    Zksh::new(server)
        .args(["elect", "--list", &format!("{root}/none"), "-o", "json"])
        .run()
        .success()
        .stdout_is("[]\n");
    let path = format!("{root}/e");
    Zksh::new(server)
        .args(["elect", &path])
        .run()
        .code(2)
        .stderr_contains("after `--`");
    Zksh::new(server)
        .args(["elect", "--list", &path, "--", "true"])
        .run()
        .code(2);
    Zksh::new(server)
        .args(["elect", &path, "--", "no-such-command-zksh"])
        .run()
        .code(127);
    Zksh::new(server)
        .args(["elect", "--list", &path])
        .run()
        .success()
        .stdout_is("");
}

#[test]
fn a_candidate_not_elected_within_its_timeout_withdraws_and_exits_1() {
    let (server, root) = namespace("elect-timeout");
    let dir = tempfile::tempdir().expect("tempdir");
    let gate = Gate::new(dir.path(), "g");
    let path = format!("{root}/e");
    let mut leader = Zksh::new(server)
        .args([
            "elect",
            &path,
            "--id",
            "leader",
            "--",
            "sh",
            "-c",
            &format!("echo lead; read x < {}", gate.path()),
        ])
        .spawn();
    leader.wait_stdout("lead", T);
    let ran = dir.path().join("ran");
    Zksh::new(server)
        .args(["elect", &path, "--id", "late", "--timeout", "1s", "--", "touch"])
        .arg(&ran)
        .run()
        .code(1)
        .stdout_is("")
        .stderr_contains(&format!(
            "elect {path}: not taken within 1s (--timeout); gave up waiting"
        ));
    assert!(!ran.exists(), "the command ran without leadership");
    // The late candidate's node went with it: only the leader stands.
    let listed = Zksh::new(server).args(["elect", "--list", &path, "-o", "json"]).run();
    listed.success();
    let ids: Vec<String> = listed
        .json()
        .as_array()
        .expect("an array")
        .iter()
        .map(|row| row["id"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(ids, ["leader"]);
    let children = Zksh::new(server).args(["ls", &path]).run();
    assert_eq!(children.success().lines().len(), 1, "{}", children.stdout);
    gate.open();
    leader.finish_within(T).success();
    for (args, needle) in [
        (
            vec!["elect", "--timeout", "soon", &path, "--", "true"],
            "not a duration",
        ),
        (vec!["elect", "--list", "--timeout", "1s", &path], "--timeout"),
    ] {
        Zksh::new(server).args(&args).run().code(2).stderr_contains(needle);
    }
}
