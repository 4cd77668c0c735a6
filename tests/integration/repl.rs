//! The interactive shell on a real pseudo-terminal: commands, prompt, connection events printed
//! above a half-typed line, a server that dies and comes back, Ctrl-C and Ctrl-D.

use std::time::Duration;

use crate::pty::PtyShell;
use crate::support::{ZkServer, namespace};

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
    sh.type_text("get /half-typed-line");
    sh.wait_for("/> get /half-typed-line", T);
    server.stop();
    let screen = sh.wait_for("SUSPENDED", T);
    // The event is printed above the prompt, and the prompt is redrawn with the text typed so far.
    let event_at = screen.find("SUSPENDED").expect("event shown");
    assert!(
        screen[event_at..].contains("> get /half-typed-line"),
        "typed text redrawn below the event:\n{screen}"
    );
    server.restart();
    sh.wait_until("CONNECTED again", T, |s| count(s, "CONNECTED") >= 2);
    // Enter now submits exactly what was typed before the event.
    sh.type_text("\r");
    sh.wait_for("get /half-typed-line: no such node", T);
}

#[test]
fn server_killed_while_the_repl_is_open() {
    let mut server = ZkServer::start();
    let cs = server.connect_string();
    let mut sh = PtyShell::spawn(&["-s", &cs, "--session-timeout", "30s", "--request-timeout", "2s"], &[]);
    sh.wait_for("CONNECTED", T);
    server.stop();
    sh.wait_for("SUSPENDED", T);
    // The prompt says so before anything is typed.
    sh.line("");
    sh.wait_for("[SUSPENDED] ", T);
    sh.line("ls /");
    sh.wait_for("ls /: no answer within 2s", T);
    // Still alive: the server comes back and the same shell works again.
    server.restart();
    sh.wait_until("CONNECTED again", T, |s| count(s, "CONNECTED") >= 2);
    sh.line("ls /");
    sh.wait_until("a listing of /", T, |s| s.lines().any(|l| l.trim() == "zookeeper"));
    sh.type_text("\x04");
    assert_eq!(sh.wait_exit(T), 0);
}

#[test]
fn expired_session_is_rebuilt_with_credentials() {
    let server = ZkServer::start();
    let cs = server.connect_string();
    let mut sh = PtyShell::spawn(&["-s", &cs, "--session-timeout", "4s", "--request-timeout", "10s"], &[]);
    sh.wait_for("CONNECTED", T);
    sh.line("addauth digest alice:secret");
    // `auth` ACL: only sessions authenticated as alice can read.
    sh.line("create /guarded 'for alice' auth::cdrwa");
    sh.wait_for("\n/guarded", T);
    server.pause();
    sh.wait_for("LOST", T);
    server.resume();
    sh.line("get /guarded");
    // Readable only with alice's credentials: they were re-applied on the new session.
    sh.wait_for("for alice", T);
    // And the shell says so (through the event printer, so possibly just after the result).
    sh.wait_for("new session", T);
    sh.wait_for("credentials re-applied", T);
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
    sh.type_text("\x03");
    sh.wait_for("interrupted", Duration::from_secs(5));
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
    // On a terminal a bulk command shows its progress while it runs.
    sh.wait_for("delete -r /big: 0/0 nodes", T);
    sh.type_text("\x03");
    sh.wait_for(
        "delete -r /big: interrupted while listing the subtree: nothing was deleted",
        T,
    );
    server.resume();
    sh.line("ls /big");
    sh.wait_until("the tree still there", T, |s| s.lines().any(|l| l.trim() == "b"));
}
