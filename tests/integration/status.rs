//! `status`: a standalone server, a dead connect string (rows with errors, exit 1, quick), the
//! session's member marked, `--watch` in a pipe, and a 3-member ensemble before and after its
//! leader is killed.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::pty::PtyShell;
use crate::support::{Ensemble, Zksh, closed_address, shared_server};

fn modes(json: &Value) -> Vec<String> {
    let mut modes: Vec<String> = json["members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|m| m["mode"].as_str().unwrap_or("down").to_string())
        .collect();
    modes.sort();
    modes
}

#[test]
fn a_standalone_server_is_healthy() {
    let server = shared_server();
    let out = Zksh::new(server).arg("status").run();
    out.success()
        .stderr_is_empty()
        .stdout_contains("standalone")
        .stdout_contains("healthy");
    assert!(out.lines()[0].starts_with("MEMBER"), "{}", out.stdout);
    let json = Zksh::new(server).args(["-o", "json", "status"]).run().json();
    assert_eq!(json["healthy"], true);
    let member = &json["members"][0];
    assert_eq!(member["mode"], "standalone");
    assert_eq!(member["behind"], 0);
    // The shared server allows every word: mntr's columns are filled.
    assert!(
        member["znodes"].is_u64() && member["watches"].is_u64() && member["data_size"].is_u64(),
        "{json}"
    );
    assert!(member["latency"]["avg"].is_number(), "{json}");
}

#[test]
fn the_member_of_this_session_is_marked() {
    let server = shared_server();
    // A script's `status` runs after `ls` opened the session.
    let out = Zksh::new(server).args(["-c", "ls /; status"]).run();
    out.success().stdout_contains(&format!("{} *", server.connect_string()));
    let json = Zksh::new(server).args(["-o", "json", "-c", "ls /; status"]).run();
    let last = json.lines().last().copied().unwrap_or_default().to_string();
    let status: Value = serde_json::from_str(&last).expect("status JSON");
    assert_eq!(status["members"][0]["connected"], true, "{status}");
}

#[test]
fn a_dead_connect_string_gives_rows_with_errors_quickly() {
    let (a, b) = (closed_address(), closed_address());
    let started = Instant::now();
    let out = Zksh::at(&format!("{a},{b}")).arg("status").run();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    out.code(1).stdout_contains("unhealthy");
    assert_eq!(
        out.lines().iter().filter(|l| l.contains(" down ")).count(),
        2,
        "{}",
        out.stdout
    );
    let out = Zksh::at(&format!("{a},{b}"))
        .args(["-o", "json", "status", "--all"])
        .run();
    out.code(1);
    let json = out.json();
    assert_eq!(json["healthy"], false);
    for member in json["members"].as_array().unwrap() {
        assert!(member["error"].as_str().unwrap().contains("refused"), "{json}");
    }
}

#[test]
fn watch_prints_one_table_per_refresh_in_a_pipe() {
    let server = shared_server();
    let out = Zksh::new(server)
        .args(["status", "--watch", "100ms", "--count", "3"])
        .run();
    out.success();
    assert_eq!(
        out.lines().iter().filter(|l| l.starts_with("MEMBER")).count(),
        3,
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains('\x1b'), "no redraw in a pipe");
    let out = Zksh::new(server)
        .args(["-o", "json", "status", "--watch", "100ms", "--count", "2"])
        .run();
    out.success();
    assert_eq!(out.lines().len(), 2);
    Zksh::new(server).args(["status", "--count", "2"]).run().code(2);
}

#[test]
fn watch_redraws_in_place_on_a_terminal() {
    let server = shared_server();
    let cs = server.connect_string();
    let mut sh = PtyShell::spawn(&["-s", &cs, "status", "--watch", "100ms", "--count", "4"], &[]);
    assert_eq!(sh.wait_exit(Duration::from_secs(30)), 0);
    let transcript = sh.transcript_text();
    assert_eq!(transcript.matches("MEMBER").count(), 4, "four refreshes:\n{transcript}");
    let screen = sh.screen();
    assert_eq!(
        screen.matches("MEMBER").count(),
        1,
        "one table on the screen:\n{screen}"
    );
    assert!(screen.contains("healthy"), "{screen}");
}

#[test]
fn an_ensemble_shows_its_leader_and_a_killed_one_makes_it_unhealthy() {
    let mut ensemble = Ensemble::start();
    let one = ensemble.address(ensemble.follower());
    // One member in the connect string: --all finds the others in /zookeeper/config.
    let out = Zksh::at(&one).args(["-o", "json", "status", "--all"]).run();
    out.success();
    let json = out.json();
    assert_eq!(modes(&json), ["follower", "follower", "leader"], "{json}");
    assert_eq!(json["healthy"], true);
    let text = Zksh::at(&ensemble.connect_string()).arg("status").run();
    text.success().stdout_contains("leader").stdout_contains("healthy");

    let leader = ensemble.leader().expect("a leader");
    ensemble.kill(leader);
    ensemble.wait_for_quorum(Duration::from_secs(90));
    let out = Zksh::at(&ensemble.connect_string())
        .args(["-o", "json", "status"])
        .run();
    out.code(1);
    let json = out.json();
    assert_eq!(modes(&json), ["down", "follower", "leader"], "{json}");
    assert_eq!(json["healthy"], false);
    let killed = ensemble.address(leader);
    let problems = json["problems"].to_string();
    assert!(problems.contains(&format!("{killed} is down")), "{problems}");
}
