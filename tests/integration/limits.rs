//! What zksh refuses before it sends, and what it says when it cannot know: oversized requests
//! (measured as the server reads them), unbounded input, transactions left open, writes whose
//! connection broke under them.

use std::time::Duration;

use crate::support::{ZkServer, Zksh, namespace, unique_root};

/// A request of exactly the server's limit goes through (the measure is the server's own);
/// one byte more is refused before it is sent, and the session lives on.
#[test]
fn a_write_at_the_limit_passes_and_one_byte_more_is_refused() {
    let (server, root) = namespace("limit-exact");
    let x = format!("{root}/x");
    Zksh::new(server).args(["create", &x]).run().success();
    // SetData: header 8, path 4+len, data 4+len, version 4; default limit 0xfffff.
    let fits = 0xfffff - 8 - (4 + x.len()) - 4 - 4;
    let dir = tempfile::tempdir().expect("tempdir");
    let exact = dir.path().join("exact");
    std::fs::write(&exact, vec![b'a'; fits]).expect("write");
    let over = dir.path().join("over");
    std::fs::write(&over, vec![b'b'; fits + 1]).expect("write");
    let script = format!(
        "set {x} --file {}\nset {x} --file {}\nstat {x}\n",
        exact.display(),
        over.display()
    );
    let out = Zksh::new(server)
        .args(["--keep-going", "-o", "json", "-c", &script])
        .run();
    out.code(1);
    let err = out.stderr_json();
    assert_eq!(err["error"]["line"], 2, "{err}");
    assert_eq!(err["error"]["code"], "REFUSED", "{err}");
    let message = err["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains(&format!("{} bytes encoded", 0xfffff + 1)), "{message}");
    assert!(message.contains("nothing was written"), "{message}");
    // The first set was applied in full, the second not at all, and the session went on.
    let stat = serde_json::from_str::<serde_json::Value>(out.lines()[1]).expect("stat json");
    assert_eq!(stat["stat"]["dataLength"], fits, "{stat}");
    assert_eq!(stat["stat"]["version"], 1, "{stat}");
}

/// Two 600 kB creates in one transaction: refused before sending (it would cost the
/// connection), nothing applied, exit 1.
#[test]
fn an_oversized_transaction_is_refused_before_it_is_sent() {
    let (server, root) = namespace("limit-txn");
    let dir = tempfile::tempdir().expect("tempdir");
    let big = dir.path().join("big");
    std::fs::write(&big, vec![b'z'; 600_000]).expect("write");
    let script = format!(
        "txn begin\ncreate {root}/a --file {f}\ncreate {root}/b --file {f}\ntxn commit\n",
        f = big.display()
    );
    let out = Zksh::new(server).args(["-c", &script]).run();
    out.code(1)
        .stderr_contains("line 4")
        .stderr_contains("the transaction is")
        .stderr_contains("over the server's limit of 1048575 bytes")
        .stderr_contains("nothing was applied")
        .stderr_lacks("SUSPENDED");
    Zksh::new(server).args(["ls", &root]).run().success().stdout_is("");
}

/// --max-request-size follows the server's jute.maxbuffer: lower, it refuses sooner; higher,
/// zksh sends what it is told the server takes (here the server does not, and says so by
/// dropping the connection: exit 3, not a refusal).
#[test]
fn max_request_size_is_followed() {
    let (server, root) = namespace("limit-option");
    let x = format!("{root}/x");
    Zksh::new(server).args(["create", &x]).run().success();
    let data = "y".repeat(100_000);
    Zksh::new(server)
        .args(["--max-request-size", "64k", "set", &x, &data])
        .run()
        .code(1)
        .one_line_error()
        .stderr_contains("over the server's limit of 65536 bytes");
    let dir = tempfile::tempdir().expect("tempdir");
    let big = dir.path().join("big");
    std::fs::write(&big, vec![b'w'; 1_100_000]).expect("write");
    Zksh::new(server)
        .args([
            "--max-request-size",
            "2m",
            "--request-timeout",
            "3s",
            "set",
            &x,
            "--file",
        ])
        .arg(&big)
        .run()
        .code(3);
    Zksh::new(server)
        .args(["--max-request-size", "1.5m", "get", &x])
        .run()
        .code(2)
        .stderr_contains("invalid value '1.5m'");
}

/// `--file /dev/zero`, `-f /dev/zero`, `source /dev/zero`, 50 MB on stdin: read no further
/// than a request (or a script line) can be, then refused.
#[test]
fn endless_input_is_refused_without_reading_it_whole() {
    let (server, root) = namespace("limit-zero");
    let z = format!("{root}/z");
    Zksh::new(server)
        .args(["create", &z, "--file", "/dev/zero"])
        .run()
        .code(1)
        .one_line_error()
        .stderr_contains("more than 1048575 bytes");
    Zksh::new(server).args(["exists", &z]).run().code(1);
    Zksh::new(server)
        .args(["-f", "/dev/zero"])
        .run()
        .code(2)
        .one_line_error()
        .stderr_contains("line 1")
        .stderr_contains("longer than 4 MiB");
    Zksh::new(server)
        .args(["-c", "source /dev/zero"])
        .run()
        .code(2)
        .stderr_contains("/dev/zero line 1")
        .stderr_contains("longer than 4 MiB");
    Zksh::new(server)
        .args(["create", &z, "-"])
        .stdin(vec![b'q'; 50 << 20])
        .run()
        .code(1)
        .one_line_error()
        .stderr_contains("stdin holds more than 1048575 bytes");
    Zksh::new(server).args(["exists", &z]).run().code(1);
}

/// A `txn begin` block still open when a script ends was never sent: an error that says so
/// (exit 1), in every kind of script; nothing is applied.
#[test]
fn a_transaction_left_open_at_the_end_of_a_script_is_an_error() {
    let (server, root) = namespace("txn-open");
    let script = format!("txn begin\ncreate {root}/a\nset {root} x\n");
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("setup.zk");
    std::fs::write(&file, &script).expect("write");
    let runs = [
        (Zksh::new(server).args(["-c", &script]), "-c"),
        (Zksh::new(server).arg("-f").arg(&file), "setup.zk"),
        (Zksh::new(server).stdin(script.clone()), "stdin"),
        (Zksh::new(server).args(["-c", &format!("{script}quit\n")]), "-c"),
    ];
    for (run, name) in runs {
        let out = run.run();
        assert_eq!(out.stderr.lines().count(), 1, "one error line:\n{}", out.stderr);
        out.code(1)
            .stderr_contains(&format!(
                "still open at the end of {}",
                if name == "setup.zk" {
                    file.display().to_string()
                } else {
                    name.to_string()
                }
            ))
            .stderr_contains("2 queued operations")
            .stderr_contains("nothing was applied");
    }
    Zksh::new(server).args(["ls", &root]).run().success().stdout_is("");
    Zksh::new(server).args(["get", &root]).run().success().stdout_is("\n");
    // Committed or aborted, the block is no error.
    Zksh::new(server)
        .args(["-c", &format!("txn begin; create {root}/b; txn abort")])
        .run()
        .success();
}

/// A server killed while writes are in flight: every failure is a lost connection (exit 3,
/// NOCONNECTION), never a refusal, and a write whose answer never came says its outcome is
/// unknown rather than that it failed.
#[test]
fn writes_cut_off_by_a_dying_server_are_exit_3_and_unknown() {
    let mut server = ZkServer::start();
    let root = unique_root("reset");
    Zksh::new(&server).args(["create", &root]).run().success();
    let script: String = (0..20_000).map(|i| format!("create {root}/n{i}\n")).collect();
    let mut child = Zksh::new(&server)
        .args(["-o", "json", "--request-timeout", "3s"])
        .stdin(script)
        .spawn();
    // Writes are under way: kill the server under them.
    child.wait_stdout(&format!("{root}/n200\""), Duration::from_secs(30));
    server.stop();
    let out = child.finish_within(Duration::from_secs(30));
    out.code(3);
    // Connection events share stderr with the error: the error is the JSON line.
    let line = out
        .stderr
        .lines()
        .find(|l| l.starts_with('{'))
        .expect("a JSON error line");
    let err: serde_json::Value = serde_json::from_str(line).expect("JSON");
    assert_eq!(err["error"]["code"], "NOCONNECTION", "{err}");
    let message = err["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("whether it was applied is unknown"),
        "a write cut off mid-flight is not reported as failed: {message}"
    );
}

/// In the REPL, leaving with operations queued asks first: no keeps the shell (and the queue),
/// Ctrl-D at the question leaves; either way nothing queued was sent.
#[test]
fn leaving_the_repl_with_queued_operations_asks_first() {
    let (server, root) = namespace("txn-quit");
    let cs = server.connect_string();
    let history = tempfile::tempdir().expect("tempdir");
    let history_file = history.path().join("history");
    let history_file = history_file.to_string_lossy();
    let mut sh = crate::pty::PtyShell::spawn(&["-s", &cs], &[("ZKSH_HISTORY", history_file.as_ref())]);
    let t = Duration::from_secs(20);
    sh.wait_for("CONNECTED", t);
    sh.line("txn begin");
    sh.line(&format!("create {root}/a"));
    sh.wait_for("queued #1", t);
    sh.line("quit");
    sh.wait_for("1 queued operation in the open transaction will be dropped", t);
    sh.line("n");
    sh.line("txn show");
    sh.wait_for(&format!("1. create {root}/a"), t);
    // At the prompt again (a Ctrl-D typed before the editor reads would be the terminal's).
    sh.wait_until("the prompt", t, |s| s.trim_end().ends_with("txn(1)>"));
    // Ctrl-D asks too; a second Ctrl-D at the question leaves.
    sh.type_text("\x04");
    sh.wait_until("the question again", t, |s| s.matches("will be dropped").count() == 2);
    sh.type_text("\x04");
    assert_eq!(sh.wait_exit(t), 0);
    Zksh::new(server).args(["ls", &root]).run().success().stdout_is("");
}
