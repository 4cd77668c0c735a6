//! `check perf` on the shared server: figures and a grade, the scratch path removed afterwards
//! (also after Ctrl-C), an existing path refused unless --force.

use std::time::Duration;

use crate::support::{Zksh, namespace};

const T: Duration = Duration::from_secs(60);

#[test]
fn check_perf_prints_figures_and_removes_its_scratch_path() {
    let (server, root) = namespace("perf");
    let scratch = format!("{root}/perf");
    let out = Zksh::new(server)
        .args([
            "check",
            "perf",
            "--load",
            "s",
            "--duration",
            "5s",
            "--path",
            &scratch,
            "-o",
            "json",
        ])
        .timeout(T)
        .run();
    // PASS or FAIL is the machine's; the figures are there either way.
    assert!(out.code == 0 || out.code == 1, "exit {}:\n{}", out.code, out.stderr);
    let report = out.json();
    assert_eq!(report["load"], "s");
    assert_eq!(report["sessions"], 4);
    assert_eq!(report["targetOpsPerSec"], 200);
    let ops: Vec<&str> = report["operations"]
        .as_array()
        .expect("operations")
        .iter()
        .map(|o| o["op"].as_str().expect("op"))
        .collect();
    assert_eq!(ops, ["create", "set", "get", "delete"]);
    for op in report["operations"].as_array().expect("operations") {
        assert!(op["count"].as_u64().expect("count") > 100, "{op}");
        for key in ["p50Ms", "p90Ms", "p99Ms", "maxMs", "opsPerSec", "errors"] {
            assert!(op[key].is_number(), "{key} in {op}");
        }
        assert!(op["p50Ms"].as_f64() <= op["p99Ms"].as_f64(), "{op}");
    }
    assert!(report["opsPerSec"].as_f64().expect("rate") > 100.0, "{report}");
    assert_eq!(report["pass"].as_bool(), Some(out.code == 0));
    if out.code == 1 {
        out.stderr_contains("check perf");
        out.stderr_contains("FAIL");
    }
    Zksh::new(server).args(["exists", &scratch]).run().code(1);
}

#[test]
fn check_perf_text_shows_a_table_and_a_grade() {
    let (server, root) = namespace("perf-text");
    let scratch = format!("{root}/perf");
    let out = Zksh::new(server)
        .args(["check", "perf", "--duration", "2s", "--path", &scratch])
        .timeout(T)
        .run();
    assert!(out.code == 0 || out.code == 1, "exit {}:\n{}", out.code, out.stderr);
    out.stdout_contains(&format!("check perf {scratch}: load s, 4 sessions"))
        .stdout_contains("op      count  errors")
        .stdout_contains("p99 ms");
    assert!(
        out.stdout.contains("\nPASS: ") || out.stdout.contains("\nFAIL: "),
        "{}",
        out.stdout
    );
    Zksh::new(server).args(["exists", &scratch]).run().code(1);
}

#[test]
fn check_perf_refuses_an_existing_path_unless_forced() {
    let (server, root) = namespace("perf-exists");
    Zksh::new(server)
        .args(["create", &format!("{root}/keep"), "mine"])
        .run()
        .success();
    Zksh::new(server)
        .args(["check", "perf", "--duration", "2s", "--path", &root])
        .run()
        .code(1)
        .one_line_error()
        .stderr_contains(&format!("check perf {root}: the path exists"))
        .stderr_contains("--force");
    let forced = Zksh::new(server)
        .args(["check", "perf", "--duration", "2s", "--path", &root, "--force"])
        .timeout(T)
        .run();
    assert!(forced.code == 0 || forced.code == 1, "{}", forced.stderr);
    // The path and what was there stay; what check perf made is gone.
    let ls = Zksh::new(server).args(["ls", &root]).run();
    ls.success().stdout_is("keep\n");
    Zksh::new(server)
        .args(["get", &format!("{root}/keep")])
        .run()
        .stdout_is("mine\n");
}

#[test]
fn check_perf_bad_input() {
    let (server, root) = namespace("perf-bad");
    let scratch = format!("{root}/p");
    Zksh::new(server)
        .args(["check", "perf", "--duration", "0", "--path", &scratch])
        .run()
        .code(2)
        .stderr_contains("--duration");
    Zksh::new(server)
        .args(["check", "perf", "--load", "xl", "--path", &scratch])
        .run()
        .code(2);
    Zksh::new(server)
        .args(["check", "perf", "--path", "/zookeeper"])
        .run()
        .code(2);
    Zksh::new(server).args(["exists", &scratch]).run().code(1);
    // The transaction condition keeps its grammar.
    Zksh::new(server).args(["check", &root, "-v", "0"]).run().success();
    Zksh::new(server).args(["check", &root]).run().code(2);
}

#[test]
fn ctrl_c_stops_check_perf_and_removes_its_scratch_path() {
    let (server, root) = namespace("perf-int");
    let scratch = format!("{root}/perf");
    let run = Zksh::new(server)
        .args(["check", "perf", "--duration", "60s", "--path", &scratch])
        .timeout(T)
        .spawn();
    // The load is under way once the run's node exists.
    Zksh::new(server)
        .args(["wait", &scratch, "--children-at-least", "1", "--timeout", "30s"])
        .run()
        .success();
    run.signal(libc::SIGINT);
    let out = run.finish_within(T);
    out.code(130).stderr_contains("was removed");
    Zksh::new(server).args(["exists", &scratch]).run().code(1);
}

#[test]
fn check_perf_shows_its_progress_on_a_terminal() {
    let (server, root) = namespace("perf-tty");
    let scratch = format!("{root}/perf");
    let cs = server.connect_string();
    let command = format!("check perf --duration 3s --path {scratch}");
    let mut sh = crate::pty::PtyShell::spawn(&["-s", &cs, "-c", &command], &[]);
    // `check perf <run node>: 231/600 ops, 198/s, ETA 2s`, redrawn in place, then erased.
    sh.wait_transcript_text("the progress line", T, |text| text.contains("/600 ops"));
    let code = sh.wait_exit(T);
    assert!(code == 0 || code == 1, "exit {code}");
    let screen = sh.screen();
    assert!(screen.contains("p99 ms"), "{screen}");
    assert!(!screen.contains("/600 ops"), "the line erased:\n{screen}");
}
