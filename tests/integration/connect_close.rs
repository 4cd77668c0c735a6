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

/// The REPL's listings (Tab, highlighting) are of one cluster: after `connect` to another, a
/// path only the old cluster has is no longer shown as existing.
#[test]
fn after_connect_the_line_is_highlighted_from_the_new_cluster() {
    let (server, root) = namespace("connect-cache");
    Zksh::new(server)
        .args(["create", &format!("{root}/only-on-the-first")])
        .run()
        .success();
    let other = ZkServer::start();
    let second = other.connect_string();
    let mut sh = PtyShell::spawn(&["-s", &server.connect_string()], &[]);
    sh.wait_for("CONNECTED", T);
    // At the prompt the shell lists its working node for Tab and highlighting.
    sh.line(&format!("cd {root}"));
    let typed = format!("get {root}/only-on-the-first");
    let needle = "/only-on-the-first";
    sh.type_text(&typed);
    let known = colour_once_listed(&mut sh, needle);
    assert_ne!(known, vt100::Color::Default, "a path the cache knows is coloured");

    sh.type_text("\x15");
    sh.line(&format!("connect {second}"));
    sh.wait_until("the new prompt", T, |s| {
        s.lines().any(|l| l.starts_with(&format!("{second} /> ")))
    });
    sh.type_text(&typed);
    sh.wait_until("the line typed again", T, |s| {
        s.lines().any(|l| l.starts_with(&format!("{second} /> {typed}")))
    });
    assert_eq!(
        sh.colour_of(needle),
        Some(vt100::Color::Default),
        "the first cluster's listing is not trusted on the second"
    );
}

/// The colour of `needle` on the line being typed once the cache's listing has come (typing a
/// space and erasing it redraws the line).
fn colour_once_listed(sh: &mut PtyShell, needle: &str) -> vt100::Color {
    let start = std::time::Instant::now();
    loop {
        if let Some(colour) = sh.colour_of(needle).filter(|c| *c != vt100::Color::Default) {
            return colour;
        }
        assert!(start.elapsed() < T, "{needle} never coloured:\n{}", sh.screen());
        sh.type_text(" \x7f");
        std::thread::sleep(Duration::from_millis(50));
    }
}
