//! `session` (what the client knows about its session) and `--debug` (the client's tracing).

use crate::support::{Zksh, namespace};

#[test]
fn session_shows_id_timeout_state_server_and_credential_counts() {
    let (server, root) = namespace("session");
    let cs = server.connect_string();
    let script = format!("addauth digest alice:hunter2; addauth digest bob:pw; cd {root}; session");
    let out = Zksh::new(server).args(["--session-timeout", "6s", "-c", &script]).run();
    out.success()
        .stdout_contains(&format!("{root}\nsession id    0x"))
        .stdout_contains("\ntimeout       6s\n")
        .stdout_contains("\nstate         CONNECTED\n")
        .stdout_contains("\nread-only     no\n")
        .stdout_contains(&format!("\nserver        {cs}\n"))
        .stdout_contains(&format!("\ncurrent node  {root}\n"))
        .stdout_contains("\ncredentials   digest (2)\n")
        .stdout_contains("which server of the ensemble");
    assert!(!out.stdout.contains("hunter2") && !out.stdout.contains("alice"));

    let json = Zksh::new(server)
        .args(["-c", "addauth digest carol:pw; session -o json"])
        .run()
        .json();
    let keys: Vec<&str> = json
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "credentials",
            "cwd",
            "readOnly",
            "readOnlyAllowed",
            "server",
            "sessionId",
            "sessionIdHex",
            "state",
            "timeoutMs"
        ]
    );
    assert_eq!(json["credentials"], serde_json::json!({"digest": 1}));
    assert_eq!(json["state"], "CONNECTED");
    assert_eq!(json["timeoutMs"], 10000);
    assert_eq!(json["server"], cs);
    let id = json["sessionId"].as_i64().expect("a number");
    assert_eq!(json["sessionIdHex"], format!("0x{id:x}"));
}

#[test]
fn debug_traces_the_client_on_stderr_without_secrets() {
    let (server, root) = namespace("debug");
    Zksh::new(server)
        .args(["create", &format!("{root}/n"), "payload"])
        .run()
        .success();
    let script = format!("addauth digest alice:S3cretPassw0rd; get {root}/n");
    let out = Zksh::new(server).args(["--debug", "-c", &script]).run();
    out.success()
        .stdout_is("payload\n")
        .stderr_contains("zookeeper_client")
        .stderr_contains("DEBUG")
        .stderr_contains("(Auth, None)")
        .stderr_contains(&format!("op=\"get\" path=\"{root}/n\""))
        .stderr_lacks("S3cretPassw0rd")
        .stderr_lacks("\x1b[");
    // RUST_LOG alone turns it on, at any level: still no secret, even at trace.
    let out = Zksh::new(server).args(["-c", &script]).env("RUST_LOG", "trace").run();
    out.success()
        .stdout_is("payload\n")
        .stderr_contains("zookeeper_client")
        .stderr_lacks("S3cretPassw0rd")
        .stderr_lacks("UzNjcmV0UGFzc3cwcmQ");
    // Without either, stderr stays quiet.
    Zksh::new(server)
        .args(["-c", &script])
        .run()
        .success()
        .stderr_is_empty();
}
