//! The interactive shell on a real pseudo-terminal: commands, prompt, connection events printed
//! above a half-typed line, a server that dies and comes back, Ctrl-C and Ctrl-D.

use std::time::Duration;

use crate::pty::{PtyShell, input_line};
use crate::support::{ZkServer, Zksh, namespace};

const T: Duration = Duration::from_secs(20);

fn count(screen: &str, needle: &str) -> usize {
    screen.matches(needle).count()
}

#[test]
fn repl_runs_commands_and_prompt_shows_server_and_node() {
    let (server, root) = namespace("repl-basic");
    let cs = server.connect_string();
    let mut sh = PtyShell::spawn(&["-s", &cs], &[]);
    sh.wait_for("CONNECTED", T);
    let node = format!("{root}/greeting");
    sh.line(&format!("create {node} 'hello from the repl'"));
    sh.wait_for(&format!("\n{node}"), T);
    sh.line(&format!("cd {node}"));
    sh.wait_for(&format!("{cs} {node}> "), T);
    sh.line("get .");
    sh.wait_for("hello from the repl", T);
    sh.line("gett x");
    sh.wait_for("unknown command 'gett' (did you mean 'get'?)", T);
    sh.line("quit");
    assert_eq!(sh.wait_exit(T), 0);
}

#[test]
fn state_event_leaves_the_half_typed_line_intact() {
    let mut server = ZkServer::start();
    let cs = server.connect_string();
    let mut sh = PtyShell::spawn(
        &["-s", &cs, "--session-timeout", "30s", "--request-timeout", "20s"],
        &[],
    );
    sh.wait_for("CONNECTED", T);
    // The cursor is left inside the text: it must come back there too.
    sh.type_text("get /half-typed-line\x1b[D\x1b[D\x1b[D\x1b[D\x1b[D");
    let typed = format!("{cs} /> get /half-typed-line");
    sh.wait_for(&typed, T);
    sh.wait_cursor_col(typed.len() - 5, T);
    server.stop();
    // The event is printed above the prompt, and the prompt is redrawn under it with the
    // state it announces and the text typed so far, once (no stale copy of the old prompt).
    let screen = sh.wait_until("the prompt redrawn as suspended", T, |s| {
        input_line(s) == format!("[SUSPENDED] {typed}")
    });
    let event_at = screen.find("[SUSPENDED] disconnected").expect("event shown");
    let prompt_at = screen.find(&format!("[SUSPENDED] {typed}")).expect("prompt shown");
    assert!(event_at < prompt_at, "event above the prompt:\n{screen}");
    assert_eq!(
        count(&screen, "/> get /half-typed"),
        1,
        "one prompt on screen:\n{screen}"
    );
    // The cursor is where it was: typing goes in the middle of the word.
    sh.type_text("X");
    sh.wait_until("X typed at the cursor", T, |s| {
        input_line(s) == format!("[SUSPENDED] {cs} /> get /half-typedX-line")
    });
    server.restart();
    // Connected again: the marker goes, the text stays.
    let screen = sh.wait_until("the prompt redrawn as connected", T, |s| {
        count(s, "CONNECTED") >= 2 && input_line(s) == format!("{cs} /> get /half-typedX-line")
    });
    assert_eq!(
        count(&screen, "/> get /half-typed"),
        1,
        "one prompt on screen:\n{screen}"
    );
    // Enter now submits exactly what was typed before and between the events.
    sh.type_text("\r");
    sh.wait_for("get /half-typedX-line: no such node", T);
}

#[test]
fn a_half_typed_line_wrapped_over_rows_is_redrawn_once_under_an_event() {
    let (server, root) = namespace("wrapped");
    let cs = server.connect_string();
    let watched = format!("{root}/w");
    Zksh::new(server).args(["create", &watched]).run().success();
    let mut sh = PtyShell::spawn_sized(&["-s", &cs], &[], 24, 40);
    sh.wait_for("CONNECTED", T);
    sh.line(&format!("addWatch {watched}"));
    sh.wait_for("watch 1", T);
    // (No other text on this screen has a q.)
    let qs = |s: &str| s.matches('q').count();
    // Prompt and text take three rows of 40 columns.
    sh.type_text(&format!("get /{}", "q".repeat(90)));
    sh.wait_until("the typed line", T, |s| qs(s) == 90);
    Zksh::new(server).args(["set", &watched, "1"]).run().success();
    // The event and the redrawn line are separate writes: wait for the line below the event.
    let screen = sh.wait_until("the event, the line redrawn below it", T, |s| {
        let event_row = s.lines().position(|l| l.contains("changed"));
        let last_q_row = s
            .lines()
            .enumerate()
            .filter(|(_, l)| l.contains('q'))
            .map(|(i, _)| i)
            .last();
        matches!((event_row, last_q_row), (Some(event), Some(line)) if event < line)
    });
    assert_eq!(qs(&screen), 90, "the old rows erased, the line drawn once:\n{screen}");
    let event_row = screen.lines().position(|l| l.contains("changed")).expect("event row");
    let line_row = screen.lines().position(|l| l.contains('q')).expect("line row");
    assert!(event_row < line_row, "the event above the line:\n{screen}");
    // Again with the cursor in the middle of the line; typing goes on there.
    sh.type_text(&"\x1b[D".repeat(10));
    sh.wait_cursor_col((cs.len() + " /> get /".len() + 80) % 40, T);
    Zksh::new(server).args(["set", &watched, "2"]).run().success();
    sh.wait_until("the second event", T, |s| s.matches("changed").count() == 2);
    sh.type_text("Y");
    let screen = sh.wait_for("Y", T);
    // (The screen model joins the rows of a wrapped line.)
    let line = format!("{cs} /> get /{}Y{}", "q".repeat(80), "q".repeat(10));
    assert!(
        screen.lines().any(|l| l.trim_end() == line),
        "one line, Y typed where the cursor was:\n{screen}"
    );
    assert_eq!(qs(&screen), 90, "{screen}");
}

#[test]
fn server_killed_while_the_repl_is_open() {
    let mut server = ZkServer::start();
    let cs = server.connect_string();
    let mut sh = PtyShell::spawn(&["-s", &cs, "--session-timeout", "30s", "--request-timeout", "2s"], &[]);
    sh.wait_for("CONNECTED", T);
    sh.wait_until("the prompt", T, |s| input_line(s) == format!("{cs} />"));
    server.stop();
    // The prompt says so before anything is typed: redrawn under the event, not one Enter later.
    sh.wait_until("a suspended prompt", T, |s| {
        s.contains("[SUSPENDED] disconnected") && input_line(s) == format!("[SUSPENDED] {cs} />")
    });
    sh.line("ls /");
    sh.wait_for("ls /: no answer within 2s", T);
    // Still alive: the server comes back and the same shell works again.
    server.restart();
    sh.wait_until("CONNECTED again, in the prompt too", T, |s| {
        count(s, "CONNECTED") >= 2 && input_line(s) == format!("{cs} />")
    });
    sh.line("ls /");
    sh.wait_until("a listing of /", T, |s| s.lines().any(|l| l.trim() == "zookeeper"));
    // Ctrl-D once the editor reads again: typed before, a loaded machine can lose it.
    sh.wait_until("the prompt after the listing", T, |s| {
        input_line(s) == format!("{cs} />")
    });
    sh.type_text("\x04");
    assert_eq!(sh.wait_exit(T), 0);
}

#[test]
fn events_never_split_a_command_line() {
    let (server, root) = namespace("no-split");
    let cs = server.connect_string();
    let watched = format!("{root}/w");
    Zksh::new(server).args(["create", &watched]).run().success();
    // A command that writes many error lines (each in several pieces) for a while.
    let dir = tempfile::tempdir().expect("tempdir");
    let script = dir.path().join("gets.zk");
    let gets: Vec<String> = (0..2000).map(|i| format!("get {root}/missing-{i}")).collect();
    std::fs::write(&script, gets.join("\n")).expect("write the script");
    let mut sh = PtyShell::spawn(&["-s", &cs, "--keep-going"], &[]);
    sh.wait_for("CONNECTED", T);
    sh.line(&format!("addWatch {watched}"));
    sh.wait_for("watch 1", T);
    sh.line(&format!("source {}", script.display()));
    sh.wait_transcript("the first error", T, |lines| {
        lines.iter().any(|l| l.contains("no such node"))
    });
    // Meanwhile, a flood of watch events from another client.
    let sets: Vec<String> = (0..5000).map(|i| format!("set {watched} v{i}")).collect();
    let _flood = Zksh::new(server).stdin(sets.join("\n")).spawn();
    // (Counted in the transcript: they scroll off the screen.)
    let lines = sh.wait_transcript("2000 errors", Duration::from_secs(60), |lines| {
        lines.iter().filter(|l| l.contains("no such node")).count() >= 2000
    });
    let event = format!("[watch 1 persistent] {watched} changed");
    let events = lines.iter().filter(|l| l.contains(&event)).count();
    assert!(events > 0, "events printed meanwhile");
    let broken: Vec<&String> = lines
        .iter()
        .filter(|l| {
            let error = l.contains("no such node") || l.contains("error:");
            let whole_error = l.starts_with("error: ") && l.ends_with(": no such node") && !l.contains("[watch");
            let whole_event = l.as_str() == event;
            (error && !whole_error) || (l.contains("[watch") && !whole_event)
        })
        .collect();
    assert!(
        broken.is_empty(),
        "{} lines broken, e.g. {:?}",
        broken.len(),
        &broken[..broken.len().min(6)]
    );
}

#[test]
fn repl_opens_on_a_server_that_is_down_and_connects_once_it_is_up() {
    let port = crate::support::server::reserve_port();
    let cs = format!("127.0.0.1:{port}");
    // Outside the REPL nothing waits for the server: exit 3 at once.
    Zksh::at(&cs).args(["ls", "/"]).run().code(3);
    Zksh::at(&cs).args(["-c", "ls /"]).run().code(3);
    Zksh::at(&cs).stdin("ls /\n").run().code(3);
    let mut sh = PtyShell::spawn(&["-s", &cs, "--request-timeout", "2s"], &[]);
    // The shell opens anyway, and its prompt says it has no session yet.
    sh.wait_for("retrying in the background", T);
    sh.wait_until("a CONNECTING prompt", T, |s| {
        input_line(s) == format!("[CONNECTING] {cs} />")
    });
    // A command fails as it would on a lost connection; the shell stays.
    sh.line("ls /");
    sh.wait_until("the command's error", T, |s| {
        s.matches("no server answered").count() == 2
    });
    sh.wait_until("the prompt again", T, |s| {
        input_line(s) == format!("[CONNECTING] {cs} />")
    });
    let _server = ZkServer::start_on(port, &[]);
    // Connected in the background: said above a prompt that no longer says CONNECTING.
    sh.wait_until("a connected prompt", Duration::from_secs(60), |s| {
        s.contains(&format!("CONNECTED to {cs}")) && input_line(s) == format!("{cs} />")
    });
    sh.line("create /made-after-start");
    sh.wait_for("\n/made-after-start", T);
    sh.wait_until("the prompt after the create", T, |s| {
        input_line(s) == format!("{cs} />")
    });
    sh.type_text("\x04");
    assert_eq!(sh.wait_exit(T), 0);
}

#[test]
fn expired_session_is_rebuilt_with_credentials() {
    let mut server = ZkServer::start();
    let cs = server.connect_string();
    let mut sh = PtyShell::spawn(&["-s", &cs, "--session-timeout", "4s", "--request-timeout", "10s"], &[]);
    sh.wait_for("CONNECTED", T);
    sh.line("addauth digest alice:secret");
    // `auth` ACL: only sessions authenticated as alice can read.
    sh.line("create /guarded 'for alice' auth::cdrwa");
    sh.wait_for("\n/guarded", T);
    // Only the server can expire a session: one that lost its data says so on reconnect.
    server.restart_empty();
    sh.wait_for("LOST", T);
    sh.wait_for("new session", T);
    sh.wait_for("credentials re-applied", T);
    // An `auth` ACL needs an authenticated identity, and reading it back needs alice's:
    // both hold only if her credentials were re-applied on the new session.
    sh.line("create /guarded 'for alice' auth::cdrwa");
    sh.line("get /guarded");
    sh.wait_until("the data read back", T, |s| s.lines().any(|l| l.trim() == "for alice"));
}

#[test]
fn ctrl_c_clears_the_line_or_cancels_the_command_and_ctrl_d_leaves() {
    let (server, _root) = namespace("repl-keys");
    let cs = server.connect_string();
    let mut sh = PtyShell::spawn(&["-s", &cs], &[]);
    sh.wait_for("CONNECTED", T);
    sh.type_text("get /never-submitted");
    sh.wait_for("get /never-submitted", T);
    sh.type_text("\x03");
    // rustyline drops what is typed between Ctrl-C and the next prompt: wait for the prompt.
    sh.wait_until("a fresh prompt", T, |s| s.matches(&format!("{cs} /> ")).count() == 2);
    sh.line("pwd");
    let screen = sh.wait_until("pwd output", T, |s| s.lines().any(|l| l.trim() == "/"));
    assert!(
        !screen.contains("never-submitted: no such node"),
        "Ctrl-C dropped the line:\n{screen}"
    );
    sh.line("sleep 60");
    sh.wait_for("> sleep 60", T);
    // The line shows before the editor has handed it over and left raw mode; a Ctrl-C still
    // queued as a byte then is no signal. Press it again until the command says it stopped
    // (sleep 60 would not end by itself within the wait).
    let started = std::time::Instant::now();
    loop {
        sh.type_text("\x03");
        if sh.try_wait_for("interrupted", Duration::from_millis(500)) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "Ctrl-C did not stop the command:\n{}",
            sh.screen()
        );
    }
    sh.wait_until("a fresh prompt", T, |s| s.trim_end().ends_with("/>"));
    sh.line("version");
    sh.wait_for("zksh 0.", T);
    sh.type_text("\x04");
    assert_eq!(sh.wait_exit(T), 0);
}

#[test]
fn sigterm_in_the_repl_exits_143_and_restores_the_terminal() {
    let (server, _root) = namespace("repl-sigterm");
    // A shell reports the terminal's line mode (icanon: off in the line editor's raw mode), runs
    // zksh, then reports its exit code and the mode again: raw mode must not outlive zksh.
    let mode = "stty -a | tr ' ' '\\n' | grep -x -- '-\\?icanon' | sed 's/^/mode:/'";
    let script = format!(
        "{mode}; {} -s {} --color never; echo \"rc=$?\"; {mode}",
        env!("CARGO_BIN_EXE_zksh"),
        server.connect_string()
    );
    let mut command = std::process::Command::new("sh");
    command.args(["-c", &script]).env("TERM", "xterm");
    let mut sh = PtyShell::spawn_command(command);
    sh.wait_for("CONNECTED", T);
    sh.wait_for("/> ", T);
    let children = std::fs::read_to_string(format!("/proc/{0}/task/{0}/children", sh.pid())).expect("children");
    let zksh: i32 = children
        .split_whitespace()
        .next()
        .and_then(|p| p.parse().ok())
        .expect("zksh pid");
    // SAFETY: kill(2) on the zksh process this test started.
    unsafe {
        libc::kill(zksh, libc::SIGTERM);
    }
    sh.wait_for("rc=143", T);
    let screen = sh.wait_until("the mode after", T, |s| s.matches("mode:").count() == 2);
    let modes: Vec<&str> = screen.lines().filter(|l| l.starts_with("mode:")).collect();
    assert_eq!(
        modes[0], modes[1],
        "terminal mode changed by a SIGTERM'd REPL:\n{screen}"
    );
}

#[test]
fn ctrl_c_stops_delete_r_and_says_how_far_it_got() {
    let server = ZkServer::start();
    crate::support::Zksh::new(&server)
        .args(["-c", "create /big; create /big/a; create /big/b"])
        .run()
        .success();
    let cs = server.connect_string();
    let mut sh = PtyShell::spawn(
        &["-s", &cs, "--session-timeout", "30s", "--request-timeout", "60s"],
        &[],
    );
    sh.wait_for("CONNECTED", T);
    server.pause();
    sh.line("delete -r /big");
    // On a terminal a bulk command shows its progress while it runs (here: counting).
    sh.wait_for("delete -r /big (counting): 0 nodes", T);
    sh.type_text("\x03");
    sh.wait_for(
        "delete -r /big: interrupted while listing the subtree: nothing was deleted",
        T,
    );
    server.resume();
    sh.line("ls /big");
    sh.wait_until("the tree still there", T, |s| s.lines().any(|l| l.trim() == "b"));
}

#[test]
fn delete_r_progress_fits_a_narrow_terminal() {
    let server = ZkServer::start();
    let parent = "/a-parent-with-a-long-name/and-a-long-child";
    Zksh::new(&server)
        .args([
            "-c",
            &format!("create /a-parent-with-a-long-name; create {parent}; create {parent}/x"),
        ])
        .run()
        .success();
    let cs = server.connect_string();
    let mut sh = PtyShell::spawn_sized(
        &["-s", &cs, "--session-timeout", "30s", "--request-timeout", "60s"],
        &[],
        24,
        20,
    );
    sh.wait_for("CONNECTED", T);
    // A frozen server: the command stays in its listing, its progress line redrawn every
    // 100 ms, and far longer than the terminal is wide.
    server.pause();
    sh.line(&format!("delete -r {parent}"));
    sh.wait_transcript_text("three redraws", T, |text| text.matches(": 0 nodes").count() >= 3);
    let rows = sh.screen_rows();
    let progress: Vec<&String> = rows.iter().filter(|r| r.contains(": 0 nodes")).collect();
    assert_eq!(
        progress.len(),
        1,
        "one progress row, redrawn in place:\n{}",
        rows.join("\n")
    );
    assert!(
        progress[0].ends_with(": 0 nodes"),
        "the counts shown: {:?}",
        progress[0]
    );
    assert!(
        progress[0].chars().count() < 20,
        "the last column left free: {:?}",
        progress[0]
    );
    sh.type_text("\x03");
    sh.wait_for("interrupted", T);
    server.resume();
    let rows = sh.screen_rows();
    assert!(
        !rows.iter().any(|r| r.contains(": 0 nodes")),
        "the progress line erased:\n{}",
        rows.join("\n")
    );
}
