//! Authentication without secrets on the command line: ZKSH_AUTH, --auth-file, a prompted
//! `addauth`; `whoami` as the server sees the session; credentials on every connection (a
//! reconnect, a new session, a second cluster, shell completion); and greps for the secrets
//! everywhere they must not be. (`connect` and `close`: connect_close.rs.)

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::pty::PtyShell;
use crate::support::{ZkServer, Zksh, closed_address, namespace};

const T: Duration = Duration::from_secs(20);

/// `digest:USER:HASH` for `user` and `password`, as `zksh digest` computes it.
pub fn digest_id(server: &ZkServer, user: &str, password: &str) -> String {
    let out = Zksh::new(server)
        .args(["digest", user])
        .stdin(format!("{password}\n"))
        .run();
    out.success();
    out.stdout.trim().to_string()
}

/// A node only `user:password` may read (or do anything with).
pub fn protected_node(server: &ZkServer, path: &str, data: &str, user: &str, password: &str) {
    let acl = format!("{}:cdrwa", digest_id(server, user, password));
    Zksh::new(server).args(["create", path, data, &acl]).run().success();
}

/// An auth file holding `line`, with `mode`.
fn auth_file(dir: &Path, line: &str, mode: u32) -> PathBuf {
    let file = dir.join("zk-auth");
    std::fs::write(&file, format!("{line}\n")).expect("write auth file");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(mode)).expect("chmod");
    file
}

#[test]
fn zksh_auth_reads_a_digest_protected_node() {
    let (server, root) = namespace("auth-env");
    let node = format!("{root}/secret");
    protected_node(server, &node, "for alice", "alice", "env-pw");
    Zksh::new(server)
        .args(["get", &node])
        .run()
        .code(1)
        .stderr_contains("not authorized");
    Zksh::new(server)
        .env("ZKSH_AUTH", "digest:alice:env-pw")
        .args(["get", &node])
        .run()
        .success()
        .stdout_is("for alice\n");
    // A wrong password is an identity too, just not one the ACL names.
    Zksh::new(server)
        .env("ZKSH_AUTH", "digest:alice:wrong")
        .args(["get", &node])
        .run()
        .code(1);
}

#[test]
fn an_auth_file_must_be_the_owners_alone() {
    let (server, root) = namespace("auth-file");
    let node = format!("{root}/secret");
    protected_node(server, &node, "for bob", "bob", "file-pw");
    let dir = tempfile::tempdir().expect("tempdir");
    let file = auth_file(dir.path(), "digest:bob:file-pw", 0o600);
    let shown = file.display().to_string();
    Zksh::new(server)
        .args(["--auth-file", &shown, "get", &node])
        .run()
        .success()
        .stdout_is("for bob\n");
    // Readable by others: refused before anything connects or is written.
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let out = Zksh::new(server)
        .args(["--auth-file", &shown, "create", &format!("{root}/never")])
        .run();
    out.code(2)
        .one_line_error()
        .stderr_contains(&format!("--auth-file {shown}: mode 0644"))
        .stderr_contains(&format!("chmod 600 {shown}"))
        .stderr_lacks("file-pw");
    Zksh::new(server)
        .args(["exists", &format!("{root}/never")])
        .run()
        .code(1);
    // Exit 2 even with no server at all: nothing was tried.
    Zksh::at(&closed_address())
        .args(["--auth-file", &shown, "ls", "/"])
        .run()
        .code(2);
}

/// Variables set for one run.
type Environment = Vec<(&'static str, &'static str)>;

#[test]
fn bad_credentials_are_usage_errors_that_never_echo_the_secret() {
    let (server, root) = namespace("auth-bad");
    let dir = tempfile::tempdir().expect("tempdir");
    let cases: Vec<(Vec<String>, Environment, &str)> = vec![
        (vec![], vec![("ZKSH_AUTH", "Hunter2-only")], "ZKSH_AUTH: no scheme"),
        (
            vec![],
            vec![("ZKSH_AUTH", "alice:Hunter2")],
            "ZKSH_AUTH: does not start with a scheme",
        ),
        (vec![], vec![("ZKSH_AUTH", "digest:Hunter2")], "digest:USER:PASSWORD"),
        (vec![], vec![("ZKSH_AUTH", "")], "ZKSH_AUTH is empty"),
        (
            vec!["--auth-file".into(), dir.path().join("missing").display().to_string()],
            vec![],
            "missing: no such file",
        ),
        (
            vec![
                "--auth-file".into(),
                auth_file(dir.path(), "", 0o600).display().to_string(),
            ],
            vec![],
            "zk-auth: empty",
        ),
    ];
    for (args, envs, expected) in cases {
        let mut run = Zksh::new(server).args(args).args(["create", &format!("{root}/never")]);
        for (key, value) in envs {
            run = run.env(key, value);
        }
        let out = run.run();
        out.code(2)
            .one_line_error()
            .stderr_contains(expected)
            .stderr_lacks("Hunter2")
            .stderr_lacks("alice");
    }
    Zksh::new(server)
        .args(["exists", &format!("{root}/never")])
        .run()
        .code(1);
    // The JSON error shape too, with the secret left out.
    let out = Zksh::new(server)
        .env("ZKSH_AUTH", "Hunter2-only")
        .args(["ls", "/", "-o", "json"])
        .run();
    out.code(2).stderr_lacks("Hunter2");
    assert_eq!(out.stderr_json()["error"]["code"], "USAGE");
}

#[test]
fn whoami_shows_what_the_server_holds_before_and_after_addauth() {
    let (server, _root) = namespace("auth-whoami");
    let out = Zksh::new(server)
        .env("ZKSH_AUTH", "digest:alice:w-pw")
        .args(["-o", "json", "-c", "whoami; addauth digest bob:w-pw2; whoami"])
        .run();
    out.success().stdout_lacks_secret("w-pw");
    let lines = out.lines();
    let before: serde_json::Value = serde_json::from_str(lines[0]).expect("json");
    let after: serde_json::Value = serde_json::from_str(lines[2]).expect("json");
    assert_eq!(
        before,
        serde_json::json!([{"scheme": "digest", "user": "alice"}, {"scheme": "ip", "user": "127.0.0.1"}])
    );
    assert_eq!(
        after,
        serde_json::json!([
            {"scheme": "digest", "user": "alice"},
            {"scheme": "digest", "user": "bob"},
            {"scheme": "ip", "user": "127.0.0.1"}
        ])
    );
    // Text as zkCli prints it.
    Zksh::new(server)
        .args(["whoami"])
        .run()
        .success()
        .stdout_is("Auth scheme: User\nip: 127.0.0.1\n");
}

/// Helpers on an output that would otherwise repeat in every leak check.
trait NoSecret {
    fn stdout_lacks_secret(&self, secret: &str) -> &Self;
}

impl NoSecret for crate::support::Output {
    fn stdout_lacks_secret(&self, secret: &str) -> &Self {
        assert!(!self.stdout.contains(secret), "secret on stdout:\n{}", self.stdout);
        assert!(!self.stderr.contains(secret), "secret on stderr:\n{}", self.stderr);
        self
    }
}

#[test]
fn a_prompted_addauth_is_not_echoed_nor_kept_and_reads_the_node() {
    let (server, root) = namespace("auth-prompt");
    let node = format!("{root}/secret");
    protected_node(server, &node, "prompted ok", "carol", "Typed-Pw-77");
    let home = tempfile::tempdir().expect("tempdir");
    let data_home = home.path().display().to_string();
    let mut sh = PtyShell::spawn(
        &["-s", &server.connect_string()],
        &[("XDG_DATA_HOME", &data_home), ("ZKSH_AUTH", "digest:dave:Env-Pw-88")],
    );
    sh.wait_for("CONNECTED", T);
    // ps shows what the shell was started with: no credential is ever there.
    let ps = std::process::Command::new("ps")
        .args(["-o", "args=", "-p", &sh.pid().to_string()])
        .output()
        .expect("ps");
    let ps = String::from_utf8_lossy(&ps.stdout);
    assert!(ps.contains("zksh"), "ps sees the shell: {ps}");
    assert!(!ps.contains("Env-Pw-88") && !ps.contains("dave"), "{ps}");
    sh.line(&format!("get {node}"));
    sh.wait_for("not authorized", T);
    sh.line("addauth digest");
    sh.wait_for("digest user:password: ", T);
    sh.line("carol:Typed-Pw-77");
    sh.line(&format!("get {node}"));
    sh.wait_for("\nprompted ok", T);
    sh.line("whoami");
    sh.wait_for("digest: carol", T);
    sh.line("quit");
    assert_eq!(sh.wait_exit(T), 0);
    let transcript = sh.transcript_text();
    assert!(
        !transcript.contains("Typed-Pw-77"),
        "the password was echoed:\n{transcript}"
    );
    assert!(!transcript.contains("Env-Pw-88"), "{transcript}");
    let history = std::fs::read_to_string(home.path().join("zksh/history")).expect("history file");
    assert!(history.contains(&format!("get {node}")), "{history}");
    assert!(
        !history.contains("Typed-Pw-77") && !history.contains("addauth"),
        "{history}"
    );
}

#[test]
fn a_piped_addauth_reads_the_credential_from_stdin() {
    let (server, root) = namespace("auth-pipe");
    let node = format!("{root}/secret");
    protected_node(server, &node, "piped ok", "erin", "Piped-Pw-5");
    Zksh::new(server)
        .args(["-c", &format!("addauth digest; get {node}")])
        .stdin("erin:Piped-Pw-5\n")
        .run()
        .success()
        .stdout_is("piped ok\n")
        .stdout_lacks_secret("Piped-Pw-5");
}

#[test]
fn credentials_come_back_after_a_reconnect_and_on_a_new_session() {
    let mut server = ZkServer::start();
    protected_node(&server, "/secret", "v1", "alice", "re-pw");
    let mut sh = PtyShell::spawn(
        &["-s", &server.connect_string(), "--request-timeout", "15s"],
        &[("ZKSH_AUTH", "digest:alice:re-pw")],
    );
    sh.wait_for("CONNECTED", T);
    sh.line("addauth digest bob:re-pw2");
    sh.line("get /secret");
    sh.wait_for("\nv1", T);

    // A restart on the same data: the client reconnects to the same session.
    server.restart();
    sh.line("whoami");
    sh.wait_transcript_text("whoami after the reconnect", T, |t| {
        t.matches("digest: bob").count() == 1
    });
    sh.line("get /secret");
    sh.wait_transcript_text("a read after the reconnect", T, |t| t.matches("\nv1").count() >= 2);

    // A server that lost its data lost the session: the shell builds a new one, with both
    // credentials (the environment's and the addauth'ed one).
    server.restart_empty();
    sh.wait_for("credentials re-applied", Duration::from_secs(40));
    protected_node(&server, "/secret", "v2", "alice", "re-pw");
    sh.line("get /secret");
    sh.wait_transcript_text("a read in the new session", T, |t| t.contains("\nv2"));
    sh.line("whoami");
    sh.wait_transcript_text("whoami in the new session", T, |t| {
        t.matches("digest: bob").count() == 2 && t.matches("digest: alice").count() == 2
    });
    sh.line("quit");
    assert_eq!(sh.wait_exit(T), 0);
}

#[test]
fn a_second_cluster_gets_the_main_sessions_credentials() {
    let (server, root) = namespace("auth-remote");
    let other = ZkServer::start();
    protected_node(&other, "/src", "remote secret", "alice", "cp-pw");
    Zksh::new(&other)
        .env("ZKSH_AUTH", "digest:alice:cp-pw")
        .args(["create", "/src/child", "c"])
        .run()
        .success();
    let remote = format!("zk://{}/src", other.connect_string());
    // Without credentials the other side refuses the read.
    Zksh::new(server)
        .args(["cp", "-r", &remote, &format!("{root}/denied")])
        .run()
        .code(1)
        .stderr_contains("not authorized");
    // ZKSH_AUTH reaches the second cluster.
    Zksh::new(server)
        .env("ZKSH_AUTH", "digest:alice:cp-pw")
        .args(["cp", "-r", &remote, &format!("{root}/from-env")])
        .run()
        .success();
    // (cp copies the ACL too: the copy is alice's as well.)
    Zksh::new(server)
        .env("ZKSH_AUTH", "digest:alice:cp-pw")
        .args(["get", &format!("{root}/from-env")])
        .run()
        .success()
        .stdout_is("remote secret\n");
    // So does a credential added with addauth.
    Zksh::new(server)
        .args([
            "-c",
            &format!("addauth digest alice:cp-pw; cp -r {remote} {root}/from-addauth"),
        ])
        .run()
        .success();
    Zksh::new(server)
        .env("ZKSH_AUTH", "digest:alice:cp-pw")
        .args(["get", &format!("{root}/from-addauth/child")])
        .run()
        .success()
        .stdout_is("c\n");
}

#[test]
fn secrets_stay_out_of_logs_json_and_errors() {
    let (server, root) = namespace("auth-leak");
    let node = format!("{root}/secret");
    protected_node(server, &node, "leak test", "alice", "Leak-Env-1");
    let dir = tempfile::tempdir().expect("tempdir");
    let file = auth_file(dir.path(), "digest:bob:Leak-File-2", 0o600)
        .display()
        .to_string();
    let script = format!(
        "addauth digest carol:Leak-Typed-3; session; whoami; get {node}; connect {cs}; close; connect",
        cs = server.connect_string()
    );
    // --debug, then RUST_LOG=trace (everything zookeeper-client logs).
    for debug in [true, false] {
        let mut run = Zksh::new(server).env("ZKSH_AUTH", "digest:alice:Leak-Env-1");
        run = match debug {
            true => run.arg("--debug"),
            false => run.env("RUST_LOG", "trace"),
        };
        let run = run.args(["--auth-file", &file, "-o", "json", "-c", &script]);
        let out = run.run();
        out.success();
        assert!(out.stderr.lines().count() > 10, "a log was written:\n{}", out.stderr);
        for secret in ["Leak-Env-1", "Leak-File-2", "Leak-Typed-3"] {
            out.stdout_lacks_secret(secret);
        }
    }
    // A credential the server rejects: the error names the scheme, never the secret.
    for (envs, script) in [
        (vec![("ZKSH_AUTH", "x509:Leak-Rejected-4")], "ls /".to_string()),
        (vec![], "addauth x509 Leak-Rejected-4".to_string()),
    ] {
        let mut run = Zksh::new(server).args(["--debug", "-c", &script]);
        for (key, value) in envs {
            run = run.env(key, value);
        }
        let out = run.run();
        out.code(3)
            .stderr_contains("authentication failed")
            .stdout_lacks_secret("Leak-Rejected-4");
    }
}

#[test]
fn shell_completion_lists_protected_children_with_the_runs_credentials() {
    let (server, root) = namespace("auth-complete");
    let node = format!("{root}/locked");
    protected_node(server, &node, "", "alice", "tab-pw");
    Zksh::new(server)
        .env("ZKSH_AUTH", "digest:alice:tab-pw")
        .args(["create", &format!("{node}/apple")])
        .run()
        .success();
    let complete = |auth: Option<&str>| {
        let mut run = Zksh::bare()
            .env("ZKSH_COMPLETE", "bash")
            .env("_CLAP_COMPLETE_INDEX", "4")
            .args([
                "--",
                "zksh",
                "-s",
                &server.connect_string(),
                "get",
                &format!("{node}/ap"),
            ]);
        if let Some(auth) = auth {
            run = run.env("ZKSH_AUTH", auth);
        }
        let out = run.run();
        out.success();
        out.stdout.clone()
    };
    assert!(!complete(None).contains("apple"), "listed without a credential");
    assert!(complete(Some("digest:alice:tab-pw")).contains(&format!("{node}/apple")));
}

#[test]
fn a_repl_whose_credential_is_rejected_says_so_and_ends() {
    let (server, _root) = namespace("auth-repl-rejected");
    let mut sh = PtyShell::spawn(
        &["-s", &server.connect_string()],
        &[("ZKSH_AUTH", "x509:Repl-Rejected-6")],
    );
    sh.wait_for("authentication failed", T);
    // No retry loop in the background: the credential would be rejected again.
    assert_eq!(sh.wait_exit(T), 3);
    let transcript = sh.transcript_text();
    assert!(!transcript.contains("retrying"), "{transcript}");
    assert!(!transcript.contains("Repl-Rejected-6"), "{transcript}");
}
