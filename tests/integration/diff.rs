//! `diff A B`: exit codes as diff(1), a row per added, removed and changed node (data, ACL),
//! `--stat` counts, JSON rows, a subtree against an export file, and digest ACLs the server
//! redacted reported as not comparable.

use serde_json::Value;

use crate::support::{Zksh, namespace};

fn zksh(server: &crate::support::ZkServer, script: &str) -> crate::support::Output {
    Zksh::new(server).args(["-c", script]).run()
}

#[test]
fn equal_trees_exit_0_and_each_kind_of_difference_is_a_row() {
    let (server, root) = namespace("diff-rows");
    let (a, b) = (format!("{root}/a"), format!("{root}/b"));
    for side in [&a, &b] {
        zksh(
            server,
            &format!("create {side}; create {side}/x 1; create {side}/x/y 2; create {side}/z 3; create {side}/w 4"),
        )
        .success();
    }
    Zksh::new(server).args(["diff", &a, &b]).run().success().stdout_is("");
    zksh(
        server,
        &format!(
            "create {b}/x/new n; delete {b}/w; set {b}/x/y changed; delete {b}/z; create {b}/z 3 world:anyone:r; create {b}/x-after"
        ),
    )
    .success();
    let out = Zksh::new(server).args(["diff", &a, &b]).run();
    out.code(1)
        .stdout_is("- w\n+ x/new\n~ x/y  data\n+ x-after\n~ z  acl\n")
        .stderr_contains("2 added, 1 removed, 2 changed (1 data, 1 acl), 2 same");
    let out = Zksh::new(server).args(["diff", "--stat", &a, &b]).run();
    out.code(1)
        .stdout_is("2 added, 1 removed, 2 changed (1 data, 1 acl), 2 same\n")
        .stderr_is_empty();
    let out = Zksh::new(server).args(["-o", "json", "diff", &a, &b]).run();
    out.code(1);
    let rows: Vec<Value> = out
        .lines()
        .iter()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(rows[0], serde_json::json!({"path": "w", "change": "removed"}));
    assert_eq!(rows[1], serde_json::json!({"path": "x/new", "change": "added"}));
    assert_eq!(
        rows[2],
        serde_json::json!({"path": "x/y", "change": "changed", "data": true, "acl": "same"})
    );
    assert_eq!(
        rows[4],
        serde_json::json!({"path": "z", "change": "changed", "data": false, "acl": "different"})
    );
    // Relative to the current node, as any path.
    Zksh::new(server)
        .args(["-c", &format!("cd {root}; diff a a")])
        .run()
        .success();
    Zksh::new(server)
        .args(["diff", &a, &format!("{root}/missing")])
        .run()
        .code(1)
        .one_line_error();
}

#[test]
fn a_subtree_against_its_export_file() {
    let (server, root) = namespace("diff-file");
    zksh(server, &format!("create {root}/a x; create {root}/a/b y")).success();
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("snap.ndjson.gz");
    let file_arg = format!("file:{}", file.display());
    Zksh::new(server)
        .args(["export", &root, "--out", &file.display().to_string()])
        .run()
        .success();
    Zksh::new(server).args(["diff", &file_arg, &root]).run().success();
    zksh(server, &format!("set {root}/a/b z; create {root}/c")).success();
    Zksh::new(server)
        .args(["diff", &file_arg, &root])
        .run()
        .code(1)
        .stdout_is("~ a/b  data\n+ c\n");
    // `file:` is what makes a file: without it, the same name is a znode path.
    Zksh::new(server)
        .args(["diff", &file.display().to_string(), &root])
        .run()
        .code(1)
        .one_line_error();
}

#[test]
fn redacted_acls_are_reported_as_not_comparable() {
    let (server, root) = namespace("diff-redacted");
    let script = format!(
        "create {root}/a; create {root}/a/s v digest:alice:aGFzaA==:cdrwa,world:anyone:r; create {root}/b; create {root}/b/s v digest:alice:b3RoZXI=:cdrwa,world:anyone:r"
    );
    zksh(server, &script).success();
    let out = Zksh::new(server)
        .args(["diff", &format!("{root}/a"), &format!("{root}/b")])
        .run();
    out.code(1)
        .stdout_is("~ s  acl? (redacted: cannot compare)\n")
        .stderr_contains("1 with ACLs that cannot be compared (redacted)");
}

#[test]
fn a_subtree_against_another_cluster() {
    let (server, root) = namespace("diff-remote");
    let other = crate::support::ZkServer::start();
    for side in [server, &other] {
        zksh(side, &format!("create -p {root}/a x; create {root}/a/b y")).success();
    }
    let there = format!("zk://{}{root}", other.connect_string());
    Zksh::new(server).args(["diff", &root, &there]).run().success();
    zksh(&other, &format!("set {root}/a/b z")).success();
    Zksh::new(server)
        .args(["diff", &root, &there])
        .run()
        .code(1)
        .stdout_is("~ a/b  data\n");
    let nowhere = format!("zk://{}/x", crate::support::closed_address());
    Zksh::new(server)
        .args(["--connect-timeout", "2s", "diff", &root, &nowhere])
        .run()
        .code(3)
        .one_line_error();
}
