//! `find`: each test option against a known tree on the real server, --print0, --exec, JSON
//! rows, refused nodes, and bad input refused before any request.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;

use crate::support::{Output, ZkServer, Zksh, namespace};

const T: Duration = Duration::from_secs(20);

/// Under `root`: text, multi-line, binary, empty and 2 KiB data, two sequential-looking
/// locks, and a branch two levels deep. Returns every path, in the order find prints them.
pub fn known_tree(server: &ZkServer, root: &str) -> Vec<String> {
    let nodes: [(&str, &[u8]); 8] = [
        ("big", &[b'x'; 2048]),
        ("bin", &[0x00, 0xff, 0x00, 0xff]),
        ("config", b"timeout=5\nretries=3\nTIMEOUT_MS=5000"),
        ("config/db", b"host=db1\nport=5432"),
        ("empty", b""),
        ("locks", b""),
        ("locks/lock-0000000001", b"a.b"),
        ("locks/lock-0000000002", b"axb"),
    ];
    let script: String = nodes
        .iter()
        .map(|(name, data)| format!("create -b {root}/{name} '{}'\n", STANDARD.encode(data)))
        .collect();
    Zksh::new(server).stdin(script).run().success();
    std::iter::once(root.to_string())
        .chain(nodes.iter().map(|(name, _)| format!("{root}/{name}")))
        .collect()
}

fn find(server: &ZkServer, args: &[&str]) -> Output {
    Zksh::new(server).arg("find").args(args).run()
}

/// The stdout lines of a successful find.
#[track_caller]
fn found(server: &ZkServer, args: &[&str]) -> Vec<String> {
    let out = find(server, args);
    out.success().stderr_is_empty();
    out.lines().iter().map(|line| line.to_string()).collect()
}

/// `paths` whose names are in `names`, in order.
fn pick(paths: &[String], root: &str, names: &[&str]) -> Vec<String> {
    // "" is the root itself.
    let wanted: Vec<String> = names
        .iter()
        .map(|name| {
            if name.is_empty() {
                root.to_string()
            } else {
                format!("{root}/{name}")
            }
        })
        .collect();
    paths.iter().filter(|path| wanted.contains(path)).cloned().collect()
}

#[test]
fn names_and_regexes_pick_nodes_depth_first() {
    let (server, root) = namespace("find-name");
    let all = known_tree(server, &root);
    assert_eq!(found(server, &[&root]), all, "no test: every node, root first, sorted");
    assert_eq!(
        found(server, &[&root, "--name", "lock-*"]),
        pick(&all, &root, &["locks/lock-0000000001", "locks/lock-0000000002"])
    );
    assert_eq!(
        found(server, &[&root, "--name", "[bd]?*"]),
        pick(&all, &root, &["big", "bin", "config/db"]),
        "the base name only: 'config/db' matches as 'db'"
    );
    assert_eq!(
        found(server, &[&root, "--regex", "config/d"]),
        pick(&all, &root, &["config/db"]),
        "a match anywhere in the full path"
    );
    assert_eq!(
        found(server, &[&root, "--regex", "s$", "--name", "l*"]),
        pick(&all, &root, &["locks"]),
        "tests are ANDed"
    );
    let nothing = find(server, &[&root, "--name", "no-such-*"]);
    nothing.success().stdout_is("").stderr_is_empty();
}

#[test]
fn sizes_count_data_bytes() {
    let (server, root) = namespace("find-size");
    let all = known_tree(server, &root);
    assert_eq!(found(server, &[&root, "--min-size", "2k"]), pick(&all, &root, &["big"]));
    assert_eq!(
        found(server, &[&root, "--min-size", "4", "--max-size", "4"]),
        pick(&all, &root, &["bin"])
    );
    let empty = vec![root.clone(), format!("{root}/empty"), format!("{root}/locks")];
    assert_eq!(found(server, &[&root, "--max-size", "0"]), empty);
    assert_eq!(
        found(server, &[&root, "--min-size", "10", "--max-size", "1k"]),
        pick(&all, &root, &["config", "config/db"])
    );
}

#[test]
fn type_and_owner_find_the_ephemeral_of_a_live_session() {
    let (server, root) = namespace("find-eph");
    let all = known_tree(server, &root);
    let eph = format!("{root}/locks/holder");
    // A session that keeps its ephemeral node while the test runs.
    let mut holder = Zksh::new(server)
        .args(["-c", &format!("create -e {eph}\nsleep 120s")])
        .spawn();
    holder.wait_stdout(&eph, T);
    let owner = Zksh::new(server).args(["stat", "-o", "json", &eph]).run().json()["stat"]["ephemeralOwner"]
        .as_i64()
        .expect("an owner");
    assert_ne!(owner, 0);
    assert_eq!(found(server, &[&root, "--type", "ephemeral"]), vec![eph.clone()]);
    let persistent = found(server, &[&root, "--type", "persistent"]);
    assert_eq!(persistent, all, "every node but the ephemeral");
    let hex = format!("0x{owner:x}");
    assert_eq!(found(server, &[&root, "--ephemeral-owner", &hex]), vec![eph.clone()]);
    assert_eq!(
        found(server, &[&root, "--ephemeral-owner", &owner.to_string()]),
        vec![eph.clone()]
    );
    let other = format!("0x{:x}", owner + 1);
    assert!(found(server, &[&root, "--ephemeral-owner", &other]).is_empty());
    // JSON rows carry the stat the tests read.
    let out = find(server, &["-o", "json", &root, "--type", "ephemeral"]);
    out.success();
    let row: Value = serde_json::from_str(out.stdout.trim()).expect("one NDJSON row");
    assert_eq!(row["path"], eph.as_str());
    assert_eq!(row["stat"]["ephemeralOwner"], owner);
}

#[test]
fn mtime_counts_back_from_now() {
    let (server, root) = namespace("find-mtime");
    let all = known_tree(server, &root);
    assert_eq!(
        found(server, &[&root, "--mtime", "-1h"]),
        all,
        "all made within the hour"
    );
    assert_eq!(found(server, &[&root, "--mtime", "+0s"]), all, "all made before now");
    assert!(found(server, &[&root, "--mtime", "+1h"]).is_empty());
    assert!(found(server, &[&root, "--mtime", "-0s"]).is_empty());
    assert!(found(server, &[&root, "--mtime", "+1w"]).is_empty());
}

#[test]
fn depth_and_children_limit_the_walk() {
    let (server, root) = namespace("find-depth");
    let all = known_tree(server, &root);
    assert_eq!(found(server, &[&root, "-d", "0"]), vec![root.clone()]);
    assert_eq!(
        found(server, &[&root, "--max-depth", "1"]),
        pick(&all, &root, &["", "big", "bin", "config", "empty", "locks"])
    );
    assert_eq!(found(server, &[&root, "-d", "5"]), all);
    assert_eq!(
        found(server, &[&root, "--min-children", "2"]),
        vec![root.clone(), format!("{root}/locks")]
    );
    // At the depth limit the count comes from the node's stat.
    assert_eq!(
        found(server, &[&root, "-d", "1", "--min-children", "1"]),
        vec![root.clone(), format!("{root}/config"), format!("{root}/locks")]
    );
}

#[test]
fn print0_ends_paths_with_nul_and_json_rows_hold_paths() {
    let (server, root) = namespace("find-print0");
    known_tree(server, &root);
    let out = find(server, &[&root, "--name", "lock-*", "--print0"]);
    out.success();
    let expected = format!("{root}/locks/lock-0000000001\0{root}/locks/lock-0000000002\0");
    assert_eq!(out.stdout_bytes, expected.as_bytes());
    let out = find(server, &["-o", "json", &root, "--name", "c*"]);
    out.success();
    let rows: Vec<Value> = out
        .lines()
        .iter()
        .map(|line| serde_json::from_str(line).expect("NDJSON"))
        .collect();
    assert_eq!(rows, vec![serde_json::json!({"path": format!("{root}/config")})]);
    let out = find(server, &["-o", "json", &root, "--min-size", "2k"]);
    let row: Value = serde_json::from_str(out.stdout.trim()).expect("one row");
    assert_eq!(row["stat"]["dataLength"], 2048, "{row}");
}

#[test]
fn exec_runs_a_command_per_match_in_order_and_reports_failures() {
    let (server, root) = namespace("find-exec");
    known_tree(server, &root);
    // {} inside a word.
    let out = find(
        server,
        &[&root, "--name", "lock-*", "--exec", "sh", "-c", "echo got {}"],
    );
    out.success().stderr_is_empty().stdout_is(&format!(
        "got {root}/locks/lock-0000000001\ngot {root}/locks/lock-0000000002\n"
    ));
    // No {}: the path comes last ($0 of sh -c). A failure does not stop the walk.
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("log");
    let script = format!("echo \"$0\" >> '{}'; test \"$0\" != '{root}/config'", log.display());
    let out = find(server, &[&root, "-d", "1", "--exec", "sh", "-c", &script]);
    out.code(1)
        .stdout_is("")
        .stderr_contains(&format!("find {root}: --exec failed for 1 of 6 matches (first: "))
        .stderr_contains(&format!("{root}/config` exited with status 1)"));
    let logged = std::fs::read_to_string(&log).expect("the commands wrote the log");
    let expected: String = ["", "/big", "/bin", "/config", "/empty", "/locks"]
        .iter()
        .map(|name| format!("{root}{name}\n"))
        .collect();
    assert_eq!(logged, expected, "one run per match, in walk order");
    let out = find(server, &[&root, "-d", "0", "--exec", "/nonexistent/zksh-program", "x"]);
    out.code(1)
        .one_line_error()
        .stderr_contains("`/nonexistent/zksh-program x")
        .stderr_contains("could not start: No such file or directory");
}

#[test]
fn unreadable_nodes_are_named_at_the_end() {
    let (server, root) = namespace("find-noauth");
    let closed = format!("{root}/closed");
    // Create-only for anyone: the node can hold children nobody can list.
    Zksh::new(server)
        .args(["create", &closed, "", "world:anyone:c"])
        .run()
        .success();
    Zksh::new(server)
        .args(["create", &format!("{closed}/inside")])
        .run()
        .success();
    let out = find(server, &[&root]);
    out.code(1)
        .stdout_is(&format!("{root}\n{closed}\n"))
        .stderr_contains(&format!(
            "find {root}: 1 node could not be read (not authorized): what is below it was not searched"
        ));
}

#[test]
fn bad_input_is_refused_before_any_request() {
    let (server, root) = namespace("find-bad");
    let usage = |args: &[&str], needle: &str| {
        let out = find(server, args);
        out.code(2).stdout_is("").stderr_contains(needle);
        out
    };
    usage(
        &[&root, "--min-size", "10", "--max-size", "5"],
        "--min-size 10 is more than --max-size 5",
    )
    .one_line_error();
    usage(&[&root, "--regex", "("], "find: invalid --regex '(': unclosed group").one_line_error();
    usage(&[&root, "--name", "[a"], "find: invalid --name glob '[a'").one_line_error();
    usage(&["-o", "json", &root, "--print0"], "--print0").one_line_error();
    usage(&[&root, "--print0", "-o", "json"], "--print0").one_line_error();
    usage(
        &[&root, "--mtime", "7d"],
        "'7d' needs a sign: -7d for modified within the last 7d",
    );
    usage(&[&root, "--mtime", "-7x"], "unknown unit 'x'");
    usage(&[&root, "--mtime", "soon"], "'soon' is not an age");
    usage(&[&root, "--min-size", "lots"], "not a size in bytes");
    usage(&[&root, "--ephemeral-owner", "0xzz"], "not a session id");
    usage(&[&root, "--parallel", "0"], "at least 1 request in flight");
    // A live server shows containers as persistent: only a snapshot can tell (said, not an
    // empty result).
    usage(&[&root, "--type", "container"], "only a snapshot knows them").one_line_error();
    usage(
        &[&root, "--type", "dir"],
        "possible values: persistent, ephemeral, container, ttl",
    );
    find(server, &[&format!("{root}/missing")])
        .code(1)
        .one_line_error()
        .stderr_contains(&format!("find {root}/missing: no such node"));
    // Nothing runs when the line is refused.
    let dir = tempfile::tempdir().expect("tempdir");
    let marker = dir.path().join("ran");
    let marker = marker.to_string_lossy();
    usage(&[&root, "--regex", "(", "--exec", "touch", &marker], "invalid --regex");
    usage(&[&root, "--mtime", "1h", "--exec", "touch", &marker], "needs a sign");
    assert!(!dir.path().join("ran").exists(), "no command ran");
}

#[test]
fn a_glob_searches_below_each_match() {
    let (server, root) = namespace("find-glob");
    known_tree(server, &root);
    // `*o*` matches config and locks; each subtree is searched once.
    assert_eq!(
        found(server, &[&format!("{root}/*o*"), "--max-depth", "1"]),
        vec![
            format!("{root}/config"),
            format!("{root}/config/db"),
            format!("{root}/locks"),
            format!("{root}/locks/lock-0000000001"),
            format!("{root}/locks/lock-0000000002"),
        ]
    );
    assert_eq!(
        found(server, &[&format!("{root}/**"), "--name", "lock-*2"]),
        vec![format!("{root}/locks/lock-0000000002")]
    );
    find(server, &[&format!("{root}/nothing-*")])
        .code(1)
        .one_line_error()
        .stderr_contains("no znode matches");
}
