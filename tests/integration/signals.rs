//! Signals outside the REPL: a stopped command says how far it got, and zksh then ends as the
//! signal would have ended it, so that a shell loop around it stops too.

use std::io::{BufRead, BufReader};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Command, Stdio};

use crate::support::namespace;

/// `for n in 1 2 3; do zksh watch ...; done` in its own process group, as a terminal runs it:
/// Ctrl-C (SIGINT to the group) must end the loop, not only the zksh of the first round.
#[test]
fn ctrl_c_ends_a_shell_loop_around_zksh() {
    let (server, root) = namespace("sig-loop");
    let script = format!(
        "for n in 1 2 3; do \"$ZKSH\" --color never -s {} watch {root}; echo \"round $n over\"; done; echo loop-finished",
        server.connect_string()
    );
    let mut child = Command::new("bash")
        .args(["-c", &script])
        .env("ZKSH", env!("CARGO_BIN_EXE_zksh"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .expect("spawn bash");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut lines = BufReader::new(stdout).lines();
    // The watch prints the node's current value first: zksh is now running inside the loop.
    let first = lines.next().expect("a line").expect("readable");
    assert!(first.contains("current"), "first line: {first}");
    let group = -i32::try_from(child.id()).expect("pid fits");
    // SAFETY: kill(2) on the process group of a child we spawned.
    unsafe {
        libc::kill(group, libc::SIGINT);
    }
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let status = child.wait().expect("wait");
    assert!(
        !rest.iter().any(|l| l.contains("round") || l.contains("loop-finished")),
        "the loop went on after Ctrl-C: {rest:?}"
    );
    assert_eq!(status.signal(), Some(libc::SIGINT), "bash ended by SIGINT: {status:?}");
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut stderr).expect("stderr");
    assert!(
        stderr.contains(&format!("watch {root}: stopped after 1 event")),
        "the stream says how far it got:\n{stderr}"
    );
}
