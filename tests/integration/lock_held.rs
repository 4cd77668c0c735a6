//! A lock the REPL holds (`lock PATH` with no command) whose session is lost: the shell says
//! so above the prompt, stops listing it, and goes on working (the lock can be taken again).

use std::time::Duration;

use crate::pty::PtyShell;
use crate::support::ZkServer;

const T: Duration = Duration::from_secs(30);

#[test]
fn a_held_lock_whose_session_expires_is_reported_and_forgotten() {
    let server = ZkServer::start_with(&["tickTime=500"]);
    let cs = server.connect_string();
    let mut sh = PtyShell::spawn(&["-s", &cs, "--session-timeout", "2s"], &[]);
    sh.wait_for("CONNECTED", T);
    sh.line("lock /x");
    sh.wait_for("locked /x", T);
    sh.line("lock");
    sh.wait_for("/x    exclusive", T);
    server.pause();
    sh.wait_for(
        "lock /x: connection to ZooKeeper lost; the lock is held only until the session times out",
        T,
    );
    sh.wait_until("the held lock reported lost", T, |s| {
        s.contains("lock /x: LOCK LOST (/x/")
            && s.contains(
                "the session expired (no server for longer than its 2s timeout); another holder may take it now",
            )
    });
    server.resume();
    // The shell's own session is back, resumed or (expired too) replaced by a new one.
    sh.wait_until("the shell's session back", T, |s| {
        s.contains("[CONNECTED] session resumed") || s.contains("the session expired; new session")
    });
    sh.line("create /after-loss; ls /");
    sh.wait_until("the shell answers again", T, |s| {
        s.lines().any(|l| l.trim() == "after-loss")
    });
    sh.line("lock");
    sh.wait_for("no locks held", T);
    sh.line("lock /x");
    sh.wait_until("the lock taken again", T, |s| s.matches("locked /x").count() >= 2);
    sh.line("quit");
    assert_eq!(sh.wait_exit(T), 0);
}
