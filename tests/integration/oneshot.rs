//! One command per process (`zksh -s H get /x`): output shapes, exit codes, zkCli habits,
//! and the commands that need no server. (JSON and binary data: oneshot_data.rs.)

use std::time::Duration;

use serde_json::Value;

use crate::support::{Zksh, closed_address, namespace, shared_server};

/// Runs `zksh -s <shared server> <args>`.
pub(crate) fn zksh<const N: usize>(args: [&str; N]) -> crate::support::Output {
    Zksh::new(shared_server()).args(args).run()
}

const STAT_KEYS: [&str; 11] = [
    "czxid",
    "mzxid",
    "pzxid",
    "ctime",
    "mtime",
    "version",
    "cversion",
    "aclVersion",
    "ephemeralOwner",
    "dataLength",
    "numChildren",
];

#[track_caller]
pub(crate) fn assert_stat_json(stat: &Value) {
    for key in STAT_KEYS {
        assert!(stat.get(key).is_some(), "stat has no {key}: {stat}");
    }
    for key in [
        "czxid",
        "mzxid",
        "pzxid",
        "ephemeralOwner",
        "version",
        "dataLength",
        "numChildren",
    ] {
        assert!(stat[key].is_number(), "stat.{key} is not a number: {stat}");
    }
    for key in ["ctime", "mtime"] {
        let time = stat[key]
            .as_str()
            .unwrap_or_else(|| panic!("stat.{key} is not a string: {stat}"));
        assert!(
            time.len() >= 20 && time.as_bytes()[10] == b'T' && time.ends_with('Z'),
            "{key} not RFC 3339: {time}"
        );
    }
}

#[test]
fn create_prints_the_path_and_get_prints_the_data() {
    let (_, root) = namespace("create-get");
    let x = format!("{root}/x");
    zksh(["create", &x, "hello world"])
        .success()
        .stdout_is(&format!("{x}\n"))
        .stderr_is_empty();
    zksh(["get", &x]).success().stdout_is("hello world\n").stderr_is_empty();
    // An existing node is refused, and the data stays.
    zksh(["create", &x, "other"])
        .code(1)
        .one_line_error()
        .stderr_contains(&format!("create {x}: node already exists"));
    zksh(["get", &x]).success().stdout_is("hello world\n");
}

#[test]
fn get_s_prints_the_data_then_zkcli_stat_lines() {
    let (_, root) = namespace("get-s");
    let x = format!("{root}/x");
    zksh(["create", &x, "abc"]).success();
    let out = zksh(["get", "-s", &x]);
    out.success();
    let lines = out.lines();
    assert_eq!(lines[0], "abc");
    let keys: Vec<&str> = lines[1..]
        .iter()
        .map(|l| l.split(" = ").next().unwrap_or_default())
        .collect();
    assert_eq!(
        keys,
        [
            "cZxid",
            "ctime",
            "mZxid",
            "mtime",
            "pZxid",
            "cversion",
            "dataVersion",
            "aclVersion",
            "ephemeralOwner",
            "dataLength",
            "numChildren"
        ]
    );
    assert!(lines[1].starts_with("cZxid = 0x"), "{}", lines[1]);
    out.stdout_contains("\ndataVersion = 0\n")
        .stdout_contains("\ndataLength = 3\n")
        .stdout_contains("\nnumChildren = 0\n")
        .stdout_contains("\nephemeralOwner = 0x0\n");
}

#[test]
fn set_prints_nothing_and_bumps_the_version() {
    let (_, root) = namespace("set");
    let x = format!("{root}/x");
    zksh(["create", &x, "one"]).success();
    zksh(["set", &x, "two"]).success().stdout_is("").stderr_is_empty();
    zksh(["get", "-s", &x])
        .success()
        .stdout_contains("two\n")
        .stdout_contains("dataVersion = 1\n");
    // -v with the current version writes.
    zksh(["set", "-v", "1", &x, "three"]).success().stdout_is("");
    zksh(["get", &x]).success().stdout_is("three\n");
}

#[test]
fn set_with_a_wrong_version_is_refused_and_says_which() {
    let (_, root) = namespace("set-v");
    let x = format!("{root}/x");
    zksh(["create", &x, "kept"]).success();
    zksh(["set", "-v", "7", &x, "lost"])
        .code(1)
        .one_line_error()
        .stderr_contains(&format!("set {x}: version mismatch (expected 7)"));
    zksh(["get", &x]).success().stdout_is("kept\n");
}

#[test]
fn data_may_start_with_a_dash() {
    let (_, root) = namespace("dash");
    let n = format!("{root}/n");
    zksh(["create", &n, "-1"]).success();
    zksh(["get", &n]).success().stdout_is("-1\n");
    zksh(["set", &n, "-5"]).success();
    zksh(["get", &n]).success().stdout_is("-5\n");
}

#[test]
fn create_s_prints_the_sequential_name() {
    let (_, root) = namespace("seq");
    let prefix = format!("{root}/job-");
    let first = zksh(["create", "-s", &prefix, "a"]);
    let second = zksh(["create", "-s", &prefix, "b"]);
    let mut names = Vec::new();
    for out in [&first, &second] {
        out.success();
        let name = out.stdout.strip_suffix('\n').expect("one line");
        let suffix = name
            .strip_prefix(&prefix)
            .unwrap_or_else(|| panic!("{name} does not start with {prefix}"));
        assert!(
            suffix.len() == 10 && suffix.bytes().all(|b| b.is_ascii_digit()),
            "suffix {suffix:?}"
        );
        zksh(["get", name]).success();
        names.push(name.to_string());
    }
    assert!(names[0] < names[1], "{names:?}");
}

#[test]
fn an_ephemeral_node_goes_with_the_process() {
    let (_, root) = namespace("eph");
    let e = format!("{root}/e");
    // It exists while its session lives...
    Zksh::new(shared_server())
        .args(["-c", &format!("create -e {e}; exists {e}")])
        .run()
        .success()
        .stdout_is(&format!("{e}\n{e} exists\n"));
    // ...and is gone as soon as the process has exited: the session was closed, not left to
    // time out (a 10 s session timeout would keep it well past this check).
    zksh(["exists", &e]).code(1).stdout_is(&format!("{e} does not exist\n"));
}

#[test]
fn top_level_s_and_create_s_on_one_line() {
    let (_, root) = namespace("s-s");
    let prefix = format!("{root}/lock-");
    let out = zksh(["create", "-s", "-e", &prefix]);
    out.success();
    let name = out.stdout.trim_end();
    assert!(name.starts_with(&prefix) && name.len() == prefix.len() + 10, "{name}");
    zksh(["exists", name]).code(1);
}

#[test]
fn create_p_makes_the_parents() {
    let (_, root) = namespace("mkdir");
    let c = format!("{root}/a/b/c");
    zksh(["create", &c, "deep"])
        .code(1)
        .one_line_error()
        .stderr_contains("create -p");
    zksh(["create", "-p", &c, "deep"])
        .success()
        .stdout_is(&format!("{c}\n"));
    zksh(["get", &c]).success().stdout_is("deep\n");
    zksh(["exists", &format!("{root}/a/b")]).success();
}

#[test]
fn ls_lists_children_sorted_one_per_line() {
    let (server, root) = namespace("ls");
    let script: String = ["zeta", "alpha", "mid", "Beta"]
        .iter()
        .map(|c| format!("create {root}/{c}\n"))
        .collect();
    Zksh::new(server).args(["-c", &script]).run().success();
    zksh(["ls", &root]).success().stdout_is("Beta\nalpha\nmid\nzeta\n");
    let empty = format!("{root}/zeta");
    zksh(["ls", &empty]).success().stdout_is("");
    zksh(["ls", &format!("{root}/nope")])
        .code(1)
        .one_line_error()
        .stderr_contains("no such node");
}

#[test]
fn ls_l_shows_size_and_the_ephemeral_mark() {
    let (server, root) = namespace("ls-l");
    let script = format!("create {root}/persist hello; create -e {root}/eph x; ls -l {root}");
    let out = Zksh::new(server).args(["-c", &script]).run();
    out.success();
    let lines: Vec<&str> = out.lines().into_iter().filter(|l| !l.starts_with('/')).collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    let eph: Vec<&str> = lines[0].split_whitespace().collect();
    let persist: Vec<&str> = lines[1].split_whitespace().collect();
    assert_eq!(
        (eph[0], eph[1], *eph.last().unwrap()),
        ("e", "1", "eph"),
        "{}",
        lines[0]
    );
    assert_eq!(
        (persist[0], persist[1], *persist.last().unwrap()),
        ("-", "5", "persist"),
        "{}",
        lines[1]
    );
}

#[test]
fn stat_prints_the_stat_and_fails_on_a_missing_node() {
    let (_, root) = namespace("stat");
    zksh(["create", &format!("{root}/kid")]).success();
    let out = zksh(["stat", &root]);
    out.success()
        .stdout_contains("cZxid = 0x")
        .stdout_contains("\nnumChildren = 1\n");
    assert_eq!(out.lines().len(), 11);
    zksh(["stat", &format!("{root}/missing")])
        .code(1)
        .one_line_error()
        .stderr_contains("no such node");
}

#[test]
fn exists_answers_with_the_exit_code() {
    let (_, root) = namespace("exists");
    zksh(["exists", &root]).success().stdout_is(&format!("{root} exists\n"));
    zksh(["exists", &format!("{root}/no")]).code(1).stderr_is_empty();
}

#[test]
fn delete_removes_a_node_and_refuses_a_parent() {
    let (_, root) = namespace("delete");
    let x = format!("{root}/x");
    zksh(["create", &format!("{x}/child")]).code(1);
    zksh(["create", "-p", &format!("{x}/child")]).success();
    zksh(["delete", &x])
        .code(1)
        .one_line_error()
        .stderr_contains("not empty (use delete -r)");
    zksh(["delete", &format!("{x}/child")]).success().stdout_is("");
    zksh(["delete", &x]).success();
    zksh(["exists", &x]).code(1);
    zksh(["delete", &x])
        .code(1)
        .one_line_error()
        .stderr_contains(&format!("delete {x}: no such node"));
}

#[test]
fn delete_r_removes_a_tree_of_hundreds_of_nodes() {
    let (server, root) = namespace("rmr");
    let mut script = String::new();
    for dir in 0..10 {
        script.push_str(&format!("create {root}/d{dir}\n"));
        for leaf in 0..30 {
            script.push_str(&format!("create {root}/d{dir}/n{leaf} data-{leaf}\n"));
        }
    }
    Zksh::new(server).args(["-c", &script]).run().success();
    let kids = zksh(["ls", &format!("{root}/d9")]);
    assert_eq!(kids.success().lines().len(), 30);
    let out = zksh(["delete", "-r", &root, "-o", "json"]);
    assert_eq!(out.success().json()["deleted"], 311);
    zksh(["exists", &root]).code(1);
}

#[test]
fn the_root_and_zookeeper_tree_are_never_deleted() {
    let server = shared_server();
    let refused: [&[&str]; 4] = [
        &["delete", "/"],
        &["delete", "-r", "/"],
        &["delete", "-r", "/zookeeper"],
        &["deleteall", "/zookeeper"],
    ];
    for args in refused {
        Zksh::new(server)
            .args(args)
            .run()
            .code(2)
            .one_line_error()
            .stderr_contains("refusing");
    }
    zksh(["exists", "/zookeeper/config"]).success();
    zksh(["exists", "/zookeeper/quota"]).success();
}

#[test]
fn cd_and_relative_paths_in_a_script() {
    let (server, root) = namespace("cd");
    let script =
        format!("cd {root}; pwd; create a 1; create ./b 2; cd a; create ../c 3; pwd; get ../b; cd ..; ls; cd -; pwd");
    Zksh::new(server)
        .args(["-c", &script])
        .run()
        .success()
        .stdout_is(&format!(
            // cd prints the node it went to, as pwd does.
            "{root}\n{root}\n{root}/a\n{root}/b\n{root}/a\n{root}/c\n{root}/a\n2\n{root}\na\nb\nc\n{root}/a\n{root}/a\n"
        ));
    zksh(["get", &format!("{root}/c")]).success().stdout_is("3\n");
}

#[test]
fn zkcli_server_and_timeout_options_work_with_a_hint() {
    let (server, root) = namespace("zkcli");
    zksh(["create", &format!("{root}/x"), "old habits"]).success();
    Zksh::bare()
        .args([
            "-server",
            &server.connect_string(),
            "-timeout",
            "5000",
            "get",
            &format!("{root}/x"),
        ])
        .run()
        .success()
        .stdout_is("old habits\n")
        .stderr_contains("hint:")
        .stderr_contains("-s/--server")
        .stderr_contains("--session-timeout");
}

#[test]
fn zksh_server_variable_is_the_default_server() {
    let (server, root) = namespace("env");
    Zksh::bare()
        .env("ZKSH_SERVER", &server.connect_string())
        .args(["exists", &root])
        .run()
        .success()
        .stdout_is(&format!("{root} exists\n"));
}

#[test]
fn help_and_version_need_no_server() {
    // A port nobody listens on: any connection attempt would fail with exit 3.
    let closed = closed_address();
    let run = |args: &[&str]| Zksh::at(&closed).args(args).timeout(Duration::from_secs(10)).run();
    run(&["--help"])
        .success()
        .stdout_contains("Usage:")
        .stdout_contains("Exit codes");
    let help = run(&["help"]);
    help.success()
        .stdout_contains("create")
        .stdout_contains("delete")
        .stdout_contains("help");
    run(&["help", "create"])
        .success()
        .stdout_contains("sequential")
        .stdout_contains("Example:");
    run(&["create", "--help"]).success().stdout_contains("ephemeral");
    run(&["version"])
        .success()
        .stdout_is(&format!("zksh {}\n", env!("CARGO_PKG_VERSION")));
    run(&["--version"]).success().stdout_contains(env!("CARGO_PKG_VERSION"));
    run(&["help", "creat"])
        .code(2)
        .one_line_error()
        .stderr_contains("did you mean 'create'");
    // And a command that does need the server fails as it should.
    run(&["get", "/"]).code(3);
}

#[test]
fn a_sequential_container_is_refused_with_the_reason() {
    // DESIGN.md's example: both -s letters parse; ZooKeeper has no sequential containers.
    let (server, root) = namespace("seq-container");
    let node = format!("{root}/x");
    let out = Zksh::new(server).args(["create", "-s", "-c", &node]).run();
    out.code(2).one_line_error().stderr_contains("cannot be sequential");
    Zksh::new(server).args(["ls", &root]).run().success().stdout_is("");
}
