//! `connect` and `close` in the REPL: the new session first (a dead target changes nothing),
//! the old one closed in order with its watches, the credentials of ZKSH_AUTH carried over, and
//! a closed shell that says "not connected" at once.

use std::time::Duration;

use crate::auth::protected_node;
use crate::pty::PtyShell;
use crate::support::{ZkServer, Zksh, closed_address, namespace};

const T: Duration = Duration::from_secs(20);

#[test]
fn connect_and_close_in_the_repl() {
    let (server, root) = namespace("auth-connect");
    let other = ZkServer::start();
    protected_node(&other, "/only-alice", "other cluster", "alice", "conn-pw");
    let second = other.connect_string();
    let mut sh = PtyShell::spawn(
        &["-s", &server.connect_string()],
        &[("ZKSH_AUTH", "digest:alice:conn-pw")],
    );
    sh.wait_for("CONNECTED", T);
    sh.line(&format!("create -e {root}/eph"));
    sh.wait_for(&format!("\n{root}/eph"), T);
    sh.line(&format!("watch {root}"));
    sh.wait_for(&format!("on {root}"), T);
    sh.line(&format!("cd {root}"));

    sh.line(&format!("connect {second}"));
    sh.wait_for(&format!("connected to {second}"), T);
    sh.wait_for("1 watch of the old session stopped", T);
    // The old session closed in order: its ephemeral node went at once.
    Zksh::new(server).args(["exists", &format!("{root}/eph")]).run().code(1);
    // The prompt names the new server, at /; the credential of ZKSH_AUTH came along.
    sh.line("get /only-alice");
    sh.wait_for("\nother cluster", T);
    sh.wait_until("the new prompt", T, |s| {
        s.lines().any(|l| l.starts_with(&format!("{second} /> ")))
    });
    sh.line("watches -o json");
    sh.wait_for(r#"{"watches":[]}"#, T);

    sh.line("close");
    sh.wait_for("closed; not connected", T);
    sh.line("ls /");
    // At once, not after the request deadline.
    sh.wait_for("not connected (use connect)", Duration::from_secs(3));
    sh.wait_until("a CLOSED prompt", T, |s| s.lines().any(|l| l.starts_with("[CLOSED] ")));
    let dead = closed_address();
    sh.line(&format!("connect {dead}"));
    sh.wait_for("the shell stays without a session", T);
    sh.line("connect");
    sh.wait_transcript_text("a reconnect to the last target", T, |t| {
        t.matches(&format!("connected to {second}")).count() == 2
    });
    sh.line(&format!("connect {dead}"));
    sh.wait_for(&format!("still connected to {second}"), T);
    sh.line("get /only-alice");
    sh.wait_transcript_text("a read after the failed connect", T, |t| {
        t.matches("\nother cluster").count() == 2
    });
    sh.line("quit");
    assert_eq!(sh.wait_exit(T), 0);
}
