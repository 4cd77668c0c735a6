//! SASL DIGEST-MD5 against a real ZooKeeper with a JAAS file the test writes: the right
//! password logs in (a node with a `sasl:alice` ACL is readable by that session only), a wrong
//! one fails at once with AUTH_FAILED and exit 3, and the password shows nowhere in the output
//! (not in a trace log, not echoed when typed at the prompt).

use std::time::Duration;

use crate::pty::PtyShell;
use crate::support::Zksh;
use crate::support::tls::{SASL_PASSWORD, SASL_USER, sasl_server};
use crate::support::unique_root;

const T: Duration = Duration::from_secs(30);

#[test]
fn the_right_password_logs_in_as_the_sasl_user() {
    let server = sasl_server();
    let node = unique_root("sasl-own");
    let acl = format!("sasl:{SASL_USER}:cdrwa");
    let run = Zksh::new(&server.server)
        .args(["--sasl-user", SASL_USER])
        .env("ZKSH_SASL_PASSWORD", SASL_PASSWORD)
        // The most the client logs: the password must not be in it either.
        .env("RUST_LOG", "trace")
        .args(["-c", &format!("create {node} mine {acl}; get {node}")])
        .timeout(T)
        .run();
    run.success().stdout_is(&format!("{node}\nmine\n"));
    assert!(run.stderr.contains("sasl"), "no trace log to search: {}", run.stderr);
    assert!(!run.stderr.contains(SASL_PASSWORD) && !run.stdout.contains(SASL_PASSWORD));
    // Without the login the ACL keeps the node closed: the session above really was alice's.
    Zksh::new(&server.server)
        .args(["get", &node])
        .run()
        .code(1)
        .stderr_contains("not authorized");
}

#[test]
fn a_wrong_password_fails_once_with_auth_failed_and_is_never_shown() {
    let server = sasl_server();
    let wrong = "not-the-password-7";
    let started = std::time::Instant::now();
    let run = Zksh::new(&server.server)
        .args(["--sasl-user", SASL_USER])
        .env("ZKSH_SASL_PASSWORD", wrong)
        .args(["ls", "/"])
        .timeout(T)
        .run();
    run.code(3)
        .one_line_error()
        .stderr_contains("AUTH_FAILED")
        .stderr_contains(SASL_USER);
    assert!(
        !run.stderr.contains(wrong) && !run.stdout.contains(wrong),
        "{}",
        run.stderr
    );
    // No retry loop: one refusal ends the run well within the connect timeout.
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn without_a_password_and_no_terminal_it_is_a_usage_error() {
    let server = sasl_server();
    Zksh::new(&server.server)
        .args(["--sasl-user", SASL_USER, "ls", "/"])
        .run()
        .code(2)
        .one_line_error()
        .stderr_contains("ZKSH_SASL_PASSWORD");
}

#[test]
fn on_a_terminal_the_password_is_prompted_with_echo_off() {
    let server = sasl_server();
    let node = unique_root("sasl-pty");
    let acl = format!("sasl:{SASL_USER}:cdrwa");
    let mut sh = PtyShell::spawn(
        &[
            "--color",
            "never",
            "-s",
            &server.server.connect_string(),
            "--sasl-user",
            SASL_USER,
            "create",
            &node,
            "typed",
            &acl,
        ],
        &[],
    );
    sh.wait_for(&format!("SASL password for {SASL_USER}:"), T);
    sh.line(SASL_PASSWORD);
    sh.wait_for(&node, T);
    assert!(!sh.transcript_text().contains(SASL_PASSWORD), "the password was echoed");
    Zksh::new(&server.server)
        .args(["--sasl-user", SASL_USER])
        .env("ZKSH_SASL_PASSWORD", SASL_PASSWORD)
        .args(["get", &node])
        .run()
        .success()
        .stdout_is("typed\n");
}
