//! `tree`, `du`, `count`, `getAllChildrenNumber` and `survey` on a tree of known shape:
//! every number checked against what was built, and `getAllChildrenNumber` against zkCli.sh.

use std::process::Command;
use std::time::Duration;

use serde_json::Value;

use crate::support::run::Running;
use crate::support::tree::create_all;
use crate::support::{ZkServer, Zksh, namespace};

const T: Duration = Duration::from_secs(20);
/// Children of `many`.
const MANY: usize = 150;
/// Nodes of the known tree, its root included: root, config, blob, deep/a/b/c, locks and
/// its two ephemerals, many and its children.
const NODES: u64 = 1 + 2 + 4 + 3 + 1 + MANY as u64;
/// Data bytes: config 120, blob 5000, deep/a/b/c 3, the ephemerals 2 and 3.
const BYTES: u64 = 120 + 5000 + 3 + 2 + 3;
const ZKCLI: &str = "/usr/share/zookeeper/bin/zkCli.sh";

/// The known tree under a fresh namespace; the returned process holds the session that
/// owns the two ephemeral nodes under `locks` (they go when it is dropped).
fn known_tree(name: &str) -> (&'static ZkServer, String, Running) {
    let (server, root) = namespace(name);
    let script = [
        format!("create {root}/config {}", "c".repeat(120)),
        format!("create {root}/blob {}", "b".repeat(5000)),
        format!("create -p {root}/deep/a/b/c abc"),
        format!("create {root}/locks"),
        format!("create {root}/many"),
    ]
    .join("\n");
    Zksh::new(server).stdin(script).run().success();
    let children: Vec<String> = (0..MANY).map(|i| format!("{root}/many/c{i:03}")).collect();
    create_all(server, &children);
    let mut holder = Zksh::new(server)
        .args([
            "-c",
            &format!("create -e {root}/locks/l1 e1; create -e {root}/locks/l2 e22; sleep 300s"),
        ])
        .timeout(Duration::from_secs(300))
        .spawn();
    holder.wait_stdout("/locks/l2", T);
    (server, root, holder)
}

fn zksh(server: &ZkServer, args: &[&str]) -> crate::support::Output {
    Zksh::new(server).args(args).run()
}

fn ndjson(out: &crate::support::Output) -> Vec<Value> {
    out.lines()
        .iter()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect()
}

/// The session that owns the ephemeral `node`, as stat says.
fn owner_of(server: &ZkServer, node: &str) -> i64 {
    let stat = zksh(server, &["-o", "json", "stat", node]);
    stat.success();
    stat.json()["stat"]["ephemeralOwner"].as_i64().expect("an owner")
}

#[test]
fn tree_draws_every_node_with_its_size_and_children() {
    let (server, root, _holder) = known_tree("tree");
    let out = zksh(server, &["tree", &root]);
    out.success().stderr_is_empty();
    let lines = out.lines();
    assert_eq!(lines.len() as u64, NODES, "{}", out.stdout);
    let head = [
        format!("{root}  (0 B, 5 children)"),
        "├── blob  (4.9 KiB)".to_string(),
        "├── config  (120 B)".to_string(),
        "├── deep  (0 B, 1 child)".to_string(),
        "│   └── a  (0 B, 1 child)".to_string(),
        "│       └── b  (0 B, 1 child)".to_string(),
        "│           └── c  (3 B)".to_string(),
        "├── locks  (0 B, 2 children)".to_string(),
        "│   ├── l1  (2 B, ephemeral)".to_string(),
        "│   └── l2  (3 B, ephemeral)".to_string(),
        "└── many  (0 B, 150 children)".to_string(),
        "    ├── c000  (0 B)".to_string(),
    ];
    assert_eq!(lines[..head.len()], head, "{}", out.stdout);
    assert_eq!(lines.last(), Some(&"    └── c149  (0 B)"));

    // One level: nodes whose children are not drawn say so.
    let out = zksh(server, &["tree", "-d", "1", &root]);
    out.success();
    assert_eq!(
        out.lines(),
        [
            format!("{root}  (0 B, 5 children)").as_str(),
            "├── blob  (4.9 KiB)",
            "├── config  (120 B)",
            "├── deep  (0 B, 1 child) …",
            "├── locks  (0 B, 2 children) …",
            "└── many  (0 B, 150 children) …",
        ]
    );
    let out = zksh(server, &["tree", "-d", "0", "--parallel", "1", &root]);
    out.success().stdout_is(&format!("{root}  (0 B, 5 children) …\n"));

    let out = zksh(server, &["-o", "json", "tree", &root]);
    out.success();
    let rows = ndjson(&out);
    assert_eq!(rows.len() as u64, NODES);
    assert_eq!(rows[0]["path"], root.as_str());
    assert_eq!(rows[0]["numChildren"], 5);
    let c = &rows[6];
    assert_eq!(
        (c["path"].as_str(), c["depth"].as_u64()),
        (Some(format!("{root}/deep/a/b/c").as_str()), Some(4))
    );
    assert_eq!(c["dataLength"], 3);
    let l1 = &rows[8];
    assert_eq!(l1["path"], format!("{root}/locks/l1").as_str());
    assert_eq!(l1["ephemeralOwner"], owner_of(server, &format!("{root}/locks/l1")));
    assert_ne!(l1["ephemeralOwner"], 0);
}

#[test]
fn du_sums_subtrees_children_before_parents() {
    let (server, root, _holder) = known_tree("du");
    let out = zksh(server, &["du", &root]);
    out.success().stdout_is(&format!("   5.0 KiB  {NODES:>9}  {root}\n"));
    let out = zksh(server, &["du", "--bytes", "-d", "1", &root]);
    out.success();
    let rows: Vec<Vec<String>> = out
        .lines()
        .iter()
        .map(|line| line.split_whitespace().map(str::to_string).collect())
        .collect();
    let want: Vec<Vec<String>> = [
        ("5000", "1", "blob"),
        ("120", "1", "config"),
        ("3", "4", "deep"),
        ("5", "3", "locks"),
        ("0", "151", "many"),
    ]
    .iter()
    .map(|(b, n, p)| vec![b.to_string(), n.to_string(), format!("{root}/{p}")])
    .chain([vec![BYTES.to_string(), NODES.to_string(), root.clone()]])
    .collect();
    assert_eq!(rows, want, "{}", out.stdout);

    let out = zksh(server, &["-o", "json", "du", "-d", "4", &root]);
    out.success();
    let rows = ndjson(&out);
    // Every node is a subtree at this depth: post-order, the root last.
    assert_eq!(rows.len() as u64, NODES);
    assert_eq!(rows[0]["path"], format!("{root}/blob").as_str());
    assert_eq!(rows[2]["path"], format!("{root}/deep/a/b/c").as_str());
    assert_eq!(rows[5]["path"], format!("{root}/deep").as_str());
    assert_eq!(
        (rows[5]["nodes"].as_u64(), rows[5]["bytes"].as_u64()),
        (Some(4), Some(3))
    );
    let last = rows.last().expect("rows");
    assert_eq!(
        (last["nodes"].as_u64(), last["bytes"].as_u64()),
        (Some(NODES), Some(BYTES))
    );

    // A glob: each match measured on its own, in order.
    let out = zksh(server, &["du", "--bytes", &format!("{root}/[bc]*")]);
    out.success();
    assert_eq!(
        out.stdout,
        format!("      5000          1  {root}/blob\n       120          1  {root}/config\n")
    );
}

#[test]
fn count_and_get_all_children_number_agree_with_zkcli() {
    let (server, root, _holder) = known_tree("count");
    zksh(server, &["count", &root])
        .success()
        .stdout_is(&format!("{NODES} nodes, 5.0 KiB ({BYTES} bytes)\n"));
    let json = zksh(server, &["-o", "json", "count", &root]).json();
    assert_eq!(json, serde_json::json!({"path": root, "nodes": NODES, "bytes": BYTES}));
    zksh(server, &["count", &format!("{root}/config")])
        .success()
        .stdout_is("1 node, 120 bytes\n");

    let ours = zksh(server, &["getAllChildrenNumber", &root]);
    ours.success().stdout_is(&format!("{}\n", NODES - 1));
    let json = zksh(
        server,
        &["-o", "json", "get-all-children-number", &format!("{root}/many")],
    )
    .json();
    assert_eq!(
        json,
        serde_json::json!({"path": format!("{root}/many"), "descendants": MANY})
    );

    let zkcli = Command::new("timeout")
        .args([
            "120",
            ZKCLI,
            "-server",
            &server.connect_string(),
            "getAllChildrenNumber",
            &root,
        ])
        .output()
        .unwrap_or_else(|e| panic!("cannot run {ZKCLI}: {e}"));
    let stdout = String::from_utf8_lossy(&zkcli.stdout);
    // zkCli prints its connection chatter first; the answer is the last line.
    let theirs = stdout
        .lines()
        .rev()
        .find(|line| !line.trim().is_empty())
        .unwrap_or_default();
    assert_eq!(theirs.trim(), ours.stdout.trim(), "zkCli.sh said:\n{stdout}");
}

#[test]
fn survey_names_what_is_big_in_one_document() {
    let (server, root, _holder) = known_tree("survey");
    let owner = owner_of(server, &format!("{root}/locks/l1"));
    let out = zksh(server, &["survey", "--bytes", &root]);
    out.success().stderr_is_empty();
    let rows: Vec<Vec<&str>> = out.lines().iter().map(|l| l.split_whitespace().collect()).collect();
    let section =
        |key: &str| -> Vec<Vec<&str>> { rows.iter().filter(|r| r[0] == key).map(|r| r[1..].to_vec()).collect() };
    let (nodes, bytes) = (NODES.to_string(), BYTES.to_string());
    assert_eq!(
        section("total"),
        [
            vec!["nodes", nodes.as_str()],
            vec!["bytes", &bytes],
            vec!["ephemerals", "2"],
            vec!["sessions", "1"],
            vec!["max-depth", "4"],
        ]
    );
    let path = |p: &str| format!("{root}/{p}");
    // deep/a/b only wrap c: no entry for that chain.
    assert_eq!(
        section("subtree-nodes"),
        [vec!["151", "0", &path("many")], vec!["3", "5", &path("locks")]]
    );
    assert_eq!(section("subtree-bytes"), [vec!["3", "5", &path("locks")]]);
    assert_eq!(
        section("znode"),
        [
            vec!["5000", &path("blob")],
            vec!["120", &path("config")],
            vec!["3", &path("deep/a/b/c")],
            vec!["3", &path("locks/l2")],
            vec!["2", &path("locks/l1")],
        ]
    );
    assert_eq!(
        section("children")[..3],
        [vec!["150", &path("many")], vec!["5", &root], vec!["2", &path("locks")]]
    );
    let hex = format!("0x{owner:x}");
    assert_eq!(section("session"), [vec![hex.as_str(), "2", &path("locks/l1")]]);

    let json = zksh(server, &["-o", "json", "survey", "--top", "1", &root]).json();
    assert_eq!(json["totals"]["nodes"], NODES);
    assert_eq!(json["totals"]["bytes"], BYTES);
    assert_eq!(
        json["subtreesByNodes"],
        serde_json::json!([{"path": path("many"), "nodes": 151, "bytes": 0}])
    );
    assert_eq!(
        json["largestZnodes"],
        serde_json::json!([{"path": path("blob"), "dataLength": 5000}])
    );
    assert_eq!(
        json["mostChildren"],
        serde_json::json!([{"path": path("many"), "numChildren": 150}])
    );
    assert_eq!(json["ephemeralsBySession"][0]["sessionId"], owner);
    assert_eq!(json["ephemeralsBySession"][0]["sessionIdHex"], hex.as_str());
}

#[test]
fn unreadable_nodes_are_shown_then_reported() {
    let (server, root) = namespace("shape-noauth");
    Zksh::new(server)
        .args([
            "-c",
            &format!("create {root}/open 12345; create {root}/secret s world:anyone:c"),
        ])
        .run()
        .success();
    let secret = "1 node could not be read (not authorized)";
    let out = zksh(server, &["tree", &root]);
    out.code(1).stderr_contains(secret).stderr_contains("not drawn");
    assert_eq!(out.lines().last(), Some(&"└── secret  (not authorized)"));
    let out = zksh(server, &["du", "--bytes", &root]);
    out.code(1).stderr_contains(secret);
    assert_eq!(out.stdout.split_whitespace().collect::<Vec<_>>(), ["5", "3", &root]);
    zksh(server, &["count", &root])
        .code(1)
        .stdout_is("3 nodes, 5 bytes\n")
        .stderr_contains(secret);
    // The server counts every node below, unreadable ones included, as zkCli shows it.
    zksh(server, &["getAllChildrenNumber", &root])
        .success()
        .stdout_is("2\n");
    let out = zksh(server, &["-o", "json", "survey", &root]);
    out.code(1);
    assert_eq!(out.json()["totals"]["refused"], 1);
    assert_eq!(out.stderr_json()["error"]["code"], "REFUSED");
}

#[test]
fn bad_input_is_refused_before_any_request() {
    let (server, root) = namespace("shape-bad");
    for args in [
        vec!["tree", "-d", "-1"],
        vec!["tree", "-d", "x"],
        vec!["du", "-d", "-1"],
        vec!["survey", "--top", "0"],
        vec!["count", "--parallel", "0"],
        vec!["getAllChildrenNumber", "--parallel", "0"],
        vec!["getAllChildrenNumber"],
    ] {
        let mut args: Vec<String> = args.into_iter().map(str::to_string).collect();
        if args.len() > 1 {
            args.push(root.clone());
        }
        Zksh::new(server).args(&args).run().code(2);
    }
    let missing = format!("{root}/missing");
    for command in ["tree", "du", "count", "getAllChildrenNumber", "survey"] {
        zksh(server, &[command, &missing])
            .code(1)
            .one_line_error()
            .stderr_contains(&format!("{command} {missing}: no such node"));
    }
}
