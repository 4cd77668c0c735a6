//! Bad input gets one clear error, the right exit code, and changes nothing: malformed paths,
//! quoting, unknown commands and flags, oversized data, no server, a server that goes away.

use std::time::{Duration, Instant};

use crate::support::{ZkServer, Zksh, closed_address, namespace, unique_root};

#[test]
fn malformed_paths_are_usage_errors() {
    let (server, root) = namespace("paths");
    let cases = [
        (String::new(), "empty path"),
        (format!("{root}//b"), "empty component"),
        (format!("{root}/"), "ends with '/'"),
        (format!("{root}/a\u{1}b"), "forbids"),
        // Beyond U+FFFF: a surrogate pair to ZooKeeper, which answered a bare BADARGUMENTS.
        (
            format!("{root}/\u{1f600}"),
            "'\u{1f600}' (U+1F600), which ZooKeeper forbids",
        ),
        (format!("{root}/\u{e000}"), "private-use"),
    ];
    for (path, reason) in &cases {
        Zksh::new(server)
            .args(["get", path])
            .run()
            .code(2)
            .one_line_error()
            .stderr_contains(reason);
        Zksh::new(server)
            .args(["create", path, "x"])
            .run()
            .code(2)
            .one_line_error()
            .stderr_contains(reason);
    }
    // Nothing was created under the namespace.
    Zksh::new(server).args(["ls", &root]).run().success().stdout_is("");
}

#[test]
fn dot_dot_above_the_root_is_refused() {
    let (server, _) = namespace("dotdot");
    Zksh::new(server)
        .args(["-c", "cd /; get ../x"])
        .run()
        .code(2)
        .stdout_is("/\n")
        .stderr_contains("line 1")
        .stderr_contains("above the root");
}

#[test]
fn an_unterminated_quote_changes_nothing() {
    let (server, root) = namespace("quote");
    let x = format!("{root}/x");
    Zksh::new(server).args(["create", &x, "before"]).run().success();
    Zksh::new(server)
        .args(["-c", &format!("set {x} \"abc")])
        .run()
        .code(2)
        .one_line_error()
        .stderr_contains("unterminated \" quote");
    Zksh::new(server)
        .args(["get", &x])
        .run()
        .success()
        .stdout_is("before\n");
}

#[test]
fn an_unknown_command_suggests_the_nearest() {
    let (server, root) = namespace("gett");
    let x = format!("{root}/x");
    // As the command of a one-shot run...
    let out = Zksh::new(server).args(["gett", &x]).run();
    out.code(2)
        .clean_error()
        .stderr_contains("gett")
        .stderr_contains("'get'");
    // ...and as a script line.
    let out = Zksh::new(server).args(["-c", &format!("gett {x}")]).run();
    out.code(2)
        .clean_error()
        .stderr_contains("line 1")
        .stderr_contains("'get'");
}

#[test]
fn an_unknown_flag_shows_the_usage() {
    let (server, root) = namespace("flag");
    let out = Zksh::new(server).args(["get", "-z", &root]).run();
    out.code(2)
        .clean_error()
        .stderr_contains("'-z'")
        .stderr_contains("Usage:")
        .stderr_contains("get");
    let out = Zksh::new(server).args(["-c", &format!("get -z {root}")]).run();
    out.code(2).clean_error().stderr_contains("Usage:");
}

#[test]
fn a_missing_argument_shows_the_usage() {
    let (server, _) = namespace("missing-arg");
    Zksh::new(server)
        .args(["get"])
        .run()
        .code(2)
        .clean_error()
        .stderr_contains("<PATH>")
        .stderr_contains("Usage:");
    Zksh::new(server)
        .args(["-c", "get"])
        .run()
        .code(2)
        .clean_error()
        .stderr_contains("<PATH>");
}

#[test]
fn a_version_that_is_not_a_number_is_a_usage_error() {
    let (server, root) = namespace("version-nan");
    let x = format!("{root}/x");
    Zksh::new(server).args(["create", &x, "kept"]).run().success();
    Zksh::new(server)
        .args(["set", "-v", "abc", &x, "y"])
        .run()
        .code(2)
        .clean_error()
        .stderr_contains("abc");
    Zksh::new(server).args(["get", &x]).run().success().stdout_is("kept\n");
}

#[test]
fn data_over_the_packet_limit_is_refused_and_the_session_lives_on() {
    let (server, root) = namespace("big");
    let x = format!("{root}/x");
    Zksh::new(server).args(["create", &x, "small"]).run().success();
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big");
    std::fs::write(&big, vec![b'z'; 1_100_000]).unwrap();
    let script = format!("set {x} --file {}\nget {x}\n", big.display());
    let out = Zksh::new(server).args(["--keep-going", "-c", &script]).run();
    // The failing line is reported; the next line, on the same session, still works.
    out.code(1)
        .stdout_is("small\n")
        .stderr_contains("line 1")
        .stderr_contains("1100000 bytes");
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    // And as a one-shot command.
    Zksh::new(server)
        .args(["create", &format!("{root}/y"), "--file"])
        .arg(&big)
        .run()
        .code(1)
        .one_line_error()
        .stderr_contains("nothing was written");
    Zksh::new(server).args(["exists", &format!("{root}/y")]).run().code(1);
    Zksh::new(server).args(["get", &x]).run().success().stdout_is("small\n");
}

#[test]
fn a_closed_port_fails_fast_with_exit_3() {
    let address = closed_address();
    let started = Instant::now();
    let out = Zksh::at(&address)
        .args(["get", "/"])
        .timeout(Duration::from_secs(20))
        .run();
    let took = started.elapsed();
    out.code(3).one_line_error().stderr_contains(&address);
    assert!(took < Duration::from_secs(8), "took {took:?}");
}

#[test]
fn a_server_killed_during_a_script_ends_it_with_exit_3() {
    let mut server = ZkServer::start();
    let root = unique_root("killed");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("script.zk");
    std::fs::write(&file, format!("create {root} x\nsleep 3\nget {root}\n")).unwrap();
    let mut child = Zksh::new(&server)
        .args(["--request-timeout", "2s", "-f"])
        .arg(&file)
        .spawn();
    // Line 1 printed the created path: the node exists, the script sleeps.
    child.wait_stdout(&root, Duration::from_secs(20));
    server.stop();
    let out = child.finish_within(Duration::from_secs(30));
    out.code(3)
        .stderr_contains("line 3")
        .stderr_contains(&format!("get {root}"))
        .stderr_lacks("panicked");
}

#[test]
fn set_without_data_is_a_usage_error_and_writes_nothing() {
    let (server, root) = namespace("set-nodata");
    let x = format!("{root}/x");
    Zksh::new(server).args(["create", &x, "kept"]).run().success();
    // One-shot and as a script line: usage (exit 2), the node untouched (data and version).
    Zksh::new(server)
        .args(["set", &x])
        .run()
        .code(2)
        .clean_error()
        .stderr_contains("<DATA>")
        .stderr_contains("Usage:");
    Zksh::new(server)
        .args(["-c", &format!("set {x}")])
        .run()
        .code(2)
        .clean_error()
        .stderr_contains("line 1");
    let out = Zksh::new(server).args(["get", "-s", "-o", "json", &x]).run();
    out.success();
    let doc = out.json();
    assert_eq!(doc["data"], "kept", "{doc}");
    assert_eq!(doc["stat"]["version"], 0, "{doc}");
    // Empty data stays possible when asked for, and `create` without data is still an empty node.
    Zksh::new(server).args(["set", &x, ""]).run().success();
    Zksh::new(server).args(["get", &x]).run().success().stdout_is("\n");
    let y = format!("{root}/y");
    Zksh::new(server).args(["create", &y]).run().success();
    Zksh::new(server)
        .args(["set", &y, "--file", "-"])
        .stdin("from stdin")
        .run()
        .success();
    Zksh::new(server)
        .args(["get", &y])
        .run()
        .success()
        .stdout_is("from stdin\n");
}

#[test]
fn a_ttl_out_of_zookeepers_range_is_a_usage_error() {
    let (server, root) = namespace("ttl-range");
    let x = format!("{root}/x");
    for ttl in ["0", "0s", "1099511627776", "-5"] {
        let out = Zksh::new(server).args(["create", "-t", ttl, &x, "v"]).run();
        out.code(2).clean_error().stderr_contains("TTL");
    }
    Zksh::new(server)
        .args(["create", "-t", "0", &x])
        .run()
        .code(2)
        .stderr_contains("at least 1ms");
    Zksh::new(server).args(["exists", &x]).run().code(1);
}

#[test]
fn a_connect_string_with_an_empty_port_is_a_usage_error() {
    let (server, root) = namespace("empty-port");
    let x = format!("{root}/x");
    // Would have connected to port 2181 (another server, or none) and created the node there.
    let out = Zksh::at("127.0.0.1:").args(["create", &x, "v"]).run();
    out.code(2)
        .clean_error()
        .stderr_contains("host '127.0.0.1' has an empty port");
    // The same check for the environment variable, a later host and a bad chroot.
    Zksh::bare()
        .env("ZKSH_SERVER", &format!("{},127.0.0.1:", server.connect_string()))
        .args(["create", &x, "v"])
        .run()
        .code(2)
        .clean_error()
        .stderr_contains("empty port");
    Zksh::at(&format!("{}{root}/", server.connect_string()))
        .args(["create", "/x", "v"])
        .run()
        .code(2)
        .clean_error()
        .stderr_contains("chroot");
    Zksh::new(server).args(["exists", &x]).run().code(1);
    // A valid chroot still works.
    Zksh::at(&format!("{}{root}", server.connect_string()))
        .args(["create", "/x", "v"])
        .run()
        .success()
        .stdout_is("/x\n");
    Zksh::new(server).args(["get", &x]).run().success().stdout_is("v\n");
}
