//! The progress line and Ctrl-C of a long walk in the REPL: a quick `ls -R` shows no line, a
//! long one shows its count on stderr without mixing it into the rows, Ctrl-C stops it with
//! what was printed kept and counted, the line is gone, and the prompt works again.

use std::time::Duration;

use crate::pty::PtyShell;
use crate::support::namespace;
use crate::support::tree::build_tree;

const T: Duration = Duration::from_secs(30);

#[test]
fn ctrl_c_stops_a_long_ls_r_and_the_prompt_comes_back() {
    let (server, root) = namespace("ls-stop");
    let total = build_tree(server, &root, 150, 200);
    let home = tempfile::tempdir().expect("tempdir");
    let home = home.path().to_string_lossy().to_string();
    let mut sh = PtyShell::spawn(&["-s", &server.connect_string()], &[("XDG_DATA_HOME", &home)]);
    sh.wait_for("CONNECTED", T);
    let line_label = format!("ls -R {root}: ");

    // Quick: done before a line would show.
    let (_, small) = namespace("ls-quick");
    build_tree(server, &small, 2, 10);
    sh.line(&format!("ls -R {small}"));
    sh.wait_for(&format!("{small}/b001/n009\n"), T);
    sh.line("pwd");
    sh.wait_for("\n/\n", T);
    assert!(
        !sh.transcript_text().contains(&format!("ls -R {small}: ")),
        "no progress line"
    );

    // Long: read slowly, as a slow terminal would, the walk lasts well over the second the
    // line waits for.
    sh.set_read_limit(Some(2048));
    sh.line(&format!("ls -R {root}"));
    sh.wait_transcript_text("the first rows", T, |text| text.contains(&format!("{root}/b000/n000")));
    sh.wait_transcript_text("the progress line", T, |text| text.contains(&line_label));
    sh.type_text("\x03");
    let lines = sh.wait_transcript("the stop", T, |lines| {
        lines
            .iter()
            .any(|l| l.contains(&format!("ls -R {root}: stopped after")))
    });
    let stop = lines
        .iter()
        .find(|l| l.contains("stopped after"))
        .expect("the line waited for");
    assert_eq!(stop.split_whitespace().last(), Some("nodes"), "{stop}");
    let stopped_after: usize = stop
        .split_whitespace()
        .rev()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("`stopped after N nodes`: {stop}"));
    // Every row printed is whole (no progress text inside it) and counted.
    sh.set_read_limit(None);
    let rows: Vec<&String> = lines.iter().filter(|l| l.starts_with(&root)).collect();
    for row in &rows {
        assert!(!row.contains(' '), "a row mixed with something else: {row:?}");
    }
    // Counted, all of them. (The terminal itself drops what it had not shown yet when Ctrl-C
    // is typed: a few more rows may have been written than reached the screen.)
    assert!(
        !rows.is_empty() && rows.len() <= stopped_after,
        "{} rows shown: {stop}",
        rows.len()
    );
    assert!(stopped_after < total, "{stop}");

    // The prompt works again, and no progress line is left on the screen.
    sh.line(&format!("exists {root}"));
    let screen = sh.wait_for(&format!("{root} exists"), T);
    for row in screen.lines().filter(|l| l.contains(&line_label)) {
        assert!(row.contains("stopped after"), "a progress line left behind: {row:?}");
    }
}

/// Outside the REPL a connection event is a diagnostic line on stderr: it must take a row of
/// its own, not land at the end of the progress line (which has no newline of its own).
#[test]
fn a_connection_event_in_a_one_shot_run_gets_its_own_row_beside_the_progress_line() {
    let server = crate::support::ZkServer::start();
    crate::support::Zksh::new(&server)
        .args(["-c", "create /big; create /big/a"])
        .run()
        .success();
    // The script waits on a FIFO after its first command: the server is frozen in between,
    // so the delete's count hangs (its progress line shows) until the client sees the server
    // gone and says so.
    let dir = tempfile::tempdir().expect("tempdir");
    let gate = dir.path().join("gate.zk");
    let made = std::process::Command::new("mkfifo")
        .arg(&gate)
        .status()
        .expect("mkfifo");
    assert!(made.success());
    let script = format!("exists /big; source {}", gate.display());
    let cs = server.connect_string();
    let mut sh = PtyShell::spawn(
        &[
            "-s",
            &cs,
            "--session-timeout",
            "6s",
            "--request-timeout",
            "60s",
            "-c",
            &script,
        ],
        &[],
    );
    sh.wait_for("/big exists", T);
    server.pause();
    std::fs::write(&gate, "delete -r /big\n").expect("the script's second part");
    let label = "delete -r /big (counting): 0 nodes";
    sh.wait_for(label, T);
    sh.wait_for("[SUSPENDED]", T);
    let rows = sh.screen_rows();
    let event: Vec<&String> = rows.iter().filter(|r| r.contains("[SUSPENDED]")).collect();
    assert_eq!(event.len(), 1, "{}", rows.join("\n"));
    assert!(
        event[0].starts_with("[SUSPENDED]") && !event[0].contains(label),
        "the event on a row of its own:\n{}",
        rows.join("\n")
    );
    // The progress line carries on, on the row below the event.
    sh.wait_until("the progress line below the event", T, |screen| {
        let rows: Vec<&str> = screen.lines().collect();
        let at = rows.iter().position(|r| r.starts_with("[SUSPENDED]"));
        at.is_some_and(|at| rows[at + 1..].iter().any(|r| r.starts_with(label)))
    });
    server.resume();
    sh.wait_exit(T);
}
