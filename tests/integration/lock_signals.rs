//! Signals reach `lock PATH -- CMD`'s command exactly once: a Ctrl-C typed on the terminal
//! (which the terminal sends to zksh and the command alike) is not passed on again, while a
//! signal sent to zksh alone, or a Ctrl-C the command (in a group of its own) did not get,
//! still is.

use std::path::Path;
use std::time::Duration;

use crate::pty::PtyShell;
use crate::support::{Zksh, namespace};

const T: Duration = Duration::from_secs(30);

/// A command that counts the SIGINTs it gets, one line each in the file it is given, and
/// exits 3 on its own after the first, once a second has passed for a duplicate to show.
/// With a second argument it first leaves zksh's process group for one of its own.
const COUNTS_SIGINTS: &str = r#"
import os, signal, sys, time
if len(sys.argv) > 2: os.setpgid(0, 0)
got = []
def count(signum, frame):
    with open(sys.argv[1], "a") as log: log.write("SIGINT\n")
    got.append(signum)
signal.signal(signal.SIGINT, count)
print("ready", flush=True)
while not got: time.sleep(0.01)
time.sleep(1)
sys.exit(3)
"#;

fn sigints(log: &Path) -> usize {
    std::fs::read_to_string(log).unwrap_or_default().lines().count()
}

/// Runs `zksh lock` with the SIGINT-counting command on a terminal, types one Ctrl-C, and
/// checks that the command got exactly one and exited with its own code. Returns the server
/// and the lock path.
fn one_ctrl_c_reaches_the_command_once(name: &str, extra: &[&str]) -> (&'static crate::support::ZkServer, String) {
    let (server, root) = namespace(name);
    let cs = server.connect_string();
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("sigints");
    let path = format!("{root}/l");
    let log_text = log.to_str().expect("utf-8");
    let mut args = vec![
        "-s",
        &cs,
        "lock",
        &path,
        "--",
        "python3",
        "-c",
        COUNTS_SIGINTS,
        log_text,
    ];
    args.extend_from_slice(extra);
    let mut sh = PtyShell::spawn(&args, &[]);
    sh.wait_for("ready", T);
    sh.type_text("\x03");
    assert_eq!(sh.wait_exit(T), 3, "the command's own code");
    assert_eq!(sigints(&log), 1, "SIGINTs the command got from one Ctrl-C");
    (server, path)
}

#[test]
fn ctrl_c_on_the_terminal_reaches_the_command_once() {
    let (server, path) = one_ctrl_c_reaches_the_command_once("lock-ctrl-c", &[]);
    let left = Zksh::new(server).args(["ls", &path]).run();
    left.success().stdout_is("");
}

#[test]
fn ctrl_c_reaches_a_command_in_a_process_group_of_its_own_through_zksh() {
    // The terminal's Ctrl-C goes to its foreground group only: zksh, not the command.
    one_ctrl_c_reaches_the_command_once("lock-ctrl-c-own-group", &["own-group"]);
}

#[test]
fn a_sigint_sent_to_zksh_alone_is_passed_on_once() {
    let (server, root) = namespace("lock-kill-int");
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("sigints");
    let path = format!("{root}/l");
    let mut run = Zksh::new(server)
        .args(["lock", &path, "--", "python3", "-c", COUNTS_SIGINTS])
        .arg(&log)
        .spawn();
    run.wait_stdout("ready", T);
    run.signal(libc::SIGINT);
    run.finish_within(T).code(3);
    assert_eq!(sigints(&log), 1, "SIGINTs the command got from one kill -INT");
    Zksh::new(server).args(["ls", &path]).run().success().stdout_is("");
}
