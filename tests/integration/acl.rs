//! ACLs: `getAcl` in zkCli's layout and in JSON, `setAcl` checked by Kazoo, the aclVersion
//! check, refusals naming the permission they needed, bad ACL strings, and `digest` giving
//! an id that `addauth` then satisfies.

use std::process::{Command, Stdio};

use crate::pty::PtyShell;
use crate::support::tree::build_tree;
use crate::support::{ZkServer, Zksh, namespace};

/// Kazoo's id for alice:secret (kazoo.security.make_digest_acl_credential).
const ALICE: &str = "alice:aYXlLOpEooaV1cRAvUL1fp9Qt7E=";

/// Kazoo's view of a node's ACL: `scheme:id:perms` (perms as ZooKeeper's bit mask), sorted.
fn kazoo_acl(server: &ZkServer, path: &str) -> String {
    let script = r#"
import sys
from kazoo.client import KazooClient
zk = KazooClient(hosts=sys.argv[1]); zk.start()
zk.add_auth("digest", "alice:secret")
acl, _ = zk.get_acls(sys.argv[2])
print(",".join(sorted("%s:%s:%d" % (a.id.scheme, a.id.id, a.perms) for a in acl)))
zk.stop()
"#;
    let out = Command::new("python3")
        .args(["-c", script, &server.connect_string(), path])
        .stderr(Stdio::inherit())
        .output()
        .expect("python3 with kazoo");
    assert!(out.status.success(), "kazoo failed");
    String::from_utf8(out.stdout).expect("utf-8").trim().to_string()
}

#[test]
fn get_acl_prints_zkcli_lines_and_json() {
    let (server, root) = namespace("acl-get");
    let open = format!("{root}/open");
    Zksh::new(server).args(["create", &open, "x"]).run().success();
    Zksh::new(server)
        .args(["getAcl", &open])
        .run()
        .success()
        .stdout_is("'world,'anyone\n: cdrwa\n");
    let out = Zksh::new(server).args(["get-acl", &open, "-o", "json"]).run();
    out.success();
    assert_eq!(
        out.json(),
        serde_json::json!([{"scheme": "world", "id": "anyone", "perms": "cdrwa"}])
    );
    let out = Zksh::new(server).args(["getAcl", "-s", &open, "-o", "json"]).run();
    out.success();
    assert_eq!(out.json()["acl"][0]["perms"], "cdrwa");
    assert_eq!(out.json()["stat"]["aclVersion"], 0);
    Zksh::new(server)
        .args(["getAcl", "-s", &open])
        .run()
        .success()
        .stdout_contains("'world,'anyone\n: cdrwa\ncZxid = ");

    // digest + world: without ADMIN the server hides the hash; alice sees it.
    let shared = format!("{root}/shared");
    let acl = format!("digest:{ALICE}:cdrwa,world:anyone:r");
    Zksh::new(server).args(["create", &shared, "s", &acl]).run().success();
    Zksh::new(server)
        .args(["getAcl", &shared])
        .run()
        .success()
        .stdout_is("'digest,'alice:x\n: cdrwa\n'world,'anyone\n: r\n");
    Zksh::new(server)
        .stdin(format!("addauth digest alice:secret\ngetAcl {shared}\n"))
        .run()
        .success()
        .stdout_is(&format!("'digest,'{ALICE}\n: cdrwa\n'world,'anyone\n: r\n"));

    let missing = format!("{root}/missing");
    Zksh::new(server)
        .args(["getAcl", &missing])
        .run()
        .code(1)
        .one_line_error()
        .stderr_contains(&format!("getAcl {missing}: no such node"));
}

#[test]
fn set_acl_is_what_kazoo_reads_and_checks_the_acl_version() {
    let (server, root) = namespace("acl-set");
    let node = format!("{root}/n");
    Zksh::new(server).args(["create", &node, "x"]).run().success();
    let acl = format!("digest:{ALICE}:cdrwa,ip:127.0.0.1:r");
    let out = Zksh::new(server)
        .args(["setAcl", "-s", &node, &acl, "-o", "json"])
        .run();
    out.success();
    assert_eq!(out.json()["stat"]["aclVersion"], 1);
    // Kazoo's bit mask: READ 1, WRITE 2, CREATE 4, DELETE 8, ADMIN 16.
    assert_eq!(kazoo_acl(server, &node), format!("digest:{ALICE}:31,ip:127.0.0.1:1"));
    Zksh::new(server)
        .stdin(format!("addauth digest alice:secret\ngetAcl {node}\n"))
        .run()
        .success()
        .stdout_is(&format!("'digest,'{ALICE}\n: cdrwa\n'ip,'127.0.0.1\n: r\n"));

    // A stale aclVersion: refused, naming both versions; the ACL stays.
    let out = Zksh::new(server)
        .stdin(format!(
            "addauth digest alice:secret\nset-acl -v 0 {node} world:anyone:cdrwa\n"
        ))
        .run();
    out.code(1)
        .stderr_contains(&format!("setAcl {node}: aclVersion mismatch (expected 0, is 1)"));
    assert_eq!(kazoo_acl(server, &node), format!("digest:{ALICE}:31,ip:127.0.0.1:1"));
    Zksh::new(server)
        .stdin(format!(
            "addauth digest alice:secret\nsetAcl -v 1 {node} world:anyone:cdrwa\n"
        ))
        .run()
        .success();
    assert_eq!(kazoo_acl(server, &node), "world:anyone:31");

    // setACL is no multi operation: refused inside a txn block, nothing queued.
    Zksh::new(server)
        .stdin(format!("txn begin\nsetAcl {node} world:anyone:r\n"))
        .run()
        .code(2)
        .stderr_contains("setAcl cannot be part of a transaction");
    assert_eq!(kazoo_acl(server, &node), "world:anyone:31");
}

#[test]
fn bad_acl_strings_are_usage_errors_and_write_nothing() {
    let (server, root) = namespace("acl-bad");
    let node = format!("{root}/n");
    Zksh::new(server).args(["create", &node, "x"]).run().success();
    for (acl, why) in [
        ("wrld:anyone:r", "unknown scheme 'wrld'"),
        ("world:anyone:rx", "unknown permission 'x'"),
        ("digest:alice:cdrwa", "USER:HASH"),
        ("ip:10.0.0.0/40:r", "ADDRESS/BITS"),
        ("nonsense", "not scheme:id:perms"),
    ] {
        Zksh::new(server)
            .args(["setAcl", &node, acl])
            .run()
            .code(2)
            .one_line_error()
            .stderr_contains(why);
    }
    assert_eq!(kazoo_acl(server, &node), "world:anyone:31");
}

#[test]
fn refusals_name_the_permission_and_the_acl() {
    let (server, root) = namespace("acl-noauth");
    // alice only: nobody else may read its ACL either.
    let private = format!("{root}/private");
    Zksh::new(server)
        .args(["create", &private, "x", &format!("digest:{ALICE}:cdrwa")])
        .run()
        .success();
    Zksh::new(server)
        .args(["get", &private])
        .run()
        .code(1)
        .one_line_error()
        .stderr_contains(&format!("get {private}: not authorized (needs READ)"));
    Zksh::new(server)
        .args(["getAcl", &private])
        .run()
        .code(1)
        .stderr_contains(&format!("getAcl {private}: not authorized (needs READ or ADMIN)"));
    Zksh::new(server)
        .args(["setAcl", &private, "world:anyone:cdrwa"])
        .run()
        .code(1)
        .stderr_contains(&format!("setAcl {private}: not authorized (needs ADMIN)"));

    // Readable by all, written by alice: the refusal shows the ACL.
    let shared = format!("{root}/shared");
    Zksh::new(server)
        .args(["create", &shared, "x", &format!("digest:{ALICE}:cdrwa,world:anyone:r")])
        .run()
        .success();
    Zksh::new(server)
        .args(["set", &shared, "y"])
        .run()
        .code(1)
        .one_line_error()
        .stderr_contains(&format!(
            "set {shared}: not authorized (needs WRITE; ACL: digest:alice:x:cdrwa,world:anyone:r)"
        ));
    let child = format!("{shared}/child");
    Zksh::new(server)
        .args(["create", &child])
        .run()
        .code(1)
        .stderr_contains(&format!(
            "create {child}: not authorized (needs CREATE on the parent; ACL: digest:alice:x:cdrwa,world:anyone:r)"
        ));
    let out = Zksh::new(server).args(["-o", "json", "set", &shared, "y"]).run();
    out.code(1);
    let error = &out.stderr_json()["error"];
    assert_eq!(error["code"], "NOAUTH");
    assert_eq!(
        error["message"],
        "not authorized (needs WRITE; ACL: digest:alice:x:cdrwa,world:anyone:r)"
    );
}

#[test]
fn digest_ids_let_addauth_read() {
    let (server, root) = namespace("acl-digest");
    let out = Zksh::bare().args(["digest", "alice"]).stdin("secret\n").run();
    out.success().stdout_is(&format!("digest:{ALICE}\n"));
    let id = out.stdout.trim().to_string();
    let out = Zksh::bare()
        .args(["digest", "alice", "-o", "json"])
        .stdin("secret\n")
        .run();
    assert_eq!(
        out.success().json(),
        serde_json::json!({"scheme": "digest", "id": ALICE})
    );

    let node = format!("{root}/n");
    Zksh::new(server)
        .args(["create", &node, "hidden", &format!("{id}:cdrwa")])
        .run()
        .success();
    Zksh::new(server).args(["get", &node]).run().code(1);
    Zksh::new(server)
        .stdin(format!("addauth digest alice:secret\nget {node}\n"))
        .run()
        .success()
        .stdout_is("hidden\n");
    Zksh::bare().args(["digest", "al:ice"]).stdin("secret\n").run().code(2);
}

#[test]
fn set_acl_recursive_covers_the_subtree_and_lists_refusals() {
    let (server, root) = namespace("acl-recursive");
    let total = build_tree(server, &root, 3, 4);
    let out = Zksh::new(server)
        .args(["setAcl", "-R", &root, "world:anyone:cdrwa"])
        .run();
    out.success()
        .stdout_is(&format!("ACL set on {total} nodes, 0 refused\n"));
    let paths = [root.clone(), format!("{root}/b000"), format!("{root}/b002/n003")];
    for path in &paths {
        assert_eq!(kazoo_acl(server, path), "world:anyone:31", "{path}");
    }

    // A node only alice may administer: refused, listed, counted; the rest is set.
    let locked = format!("{root}/b001");
    Zksh::new(server)
        .args(["setAcl", &locked, &format!("digest:{ALICE}:cdrwa")])
        .run()
        .success();
    let out = Zksh::new(server)
        .args(["set-acl", "-R", &root, "world:anyone:rwa", "-o", "json"])
        .run();
    out.code(1);
    let done = out.lines()[0].to_string();
    let done: serde_json::Value = serde_json::from_str(&done).expect("one JSON document");
    assert_eq!(
        done["refused"],
        serde_json::json!([{"path": locked, "reason": "not authorized (needs ADMIN)"}])
    );
    // The locked node's children were not listed: the root, two branches and their leaves.
    assert_eq!(done["set"], 1 + 2 + 2 * 4);
    assert!(
        out.stderr.contains("1 of 12 nodes refused (listed above); 1 node could not be read (not authorized): what is below it is unchanged"),
        "{}",
        out.stderr
    );
    assert_eq!(kazoo_acl(server, &format!("{root}/b000/n000")), "world:anyone:19");
    assert_eq!(kazoo_acl(server, &format!("{locked}/n000")), "world:anyone:31");

    Zksh::new(server)
        .args(["setAcl", "-R", "-v", "1", &root, "world:anyone:r"])
        .run()
        .code(2);
}

#[test]
fn digest_prompts_with_echo_off_on_a_terminal() {
    let t = std::time::Duration::from_secs(20);
    let mut sh = PtyShell::spawn(&["--color", "never", "digest", "alice"], &[]);
    sh.wait_for("Password for alice:", t);
    sh.line("secret");
    sh.wait_for(&format!("digest:{ALICE}"), t);
    assert!(!sh.transcript_text().contains("secret"), "the password was echoed");

    // In the REPL too: the line editor gives the terminal back between lines.
    let (server, _root) = namespace("acl-digest-pty");
    let mut sh = PtyShell::spawn(&["--color", "never", "-s", &server.connect_string()], &[]);
    sh.wait_for("CONNECTED", t);
    sh.line("digest bob");
    sh.wait_for("Password for bob:", t);
    sh.line("hunter2");
    sh.wait_for("digest:bob:", t);
    assert!(!sh.transcript_text().contains("hunter2"), "the password was echoed");
}

/// How many nodes of `build_tree(root, branches, leaves)` Kazoo reads with exactly `acl`
/// (`scheme:id:perms`, perms as ZooKeeper's bit mask); the reads are pipelined.
fn kazoo_count_with_acl(server: &ZkServer, root: &str, branches: usize, leaves: usize, acl: &str) -> usize {
    let script = r#"
import sys
from kazoo.client import KazooClient
zk = KazooClient(hosts=sys.argv[1]); zk.start()
root, branches, leaves, want = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
paths = [root]
for b in range(branches):
    paths.append("%s/b%03d" % (root, b))
    paths.extend("%s/b%03d/n%03d" % (root, b, l) for l in range(leaves))
replies = [zk.get_acls_async(p) for p in paths]
n = sum(",".join("%s:%s:%d" % (a.id.scheme, a.id.id, a.perms) for a in r.get()[0]) == want for r in replies)
print(n)
zk.stop()
"#;
    let out = Command::new("python3")
        .args([
            "-c",
            script,
            &server.connect_string(),
            root,
            &branches.to_string(),
            &leaves.to_string(),
            acl,
        ])
        .stderr(Stdio::inherit())
        .output()
        .expect("python3 with kazoo");
    assert!(out.status.success(), "kazoo failed");
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .trim()
        .parse()
        .expect("a count")
}

#[test]
fn a_stopped_set_acl_recursive_says_exactly_how_many_nodes_have_the_acl() {
    let (server, root) = namespace("acl-stop");
    let total = build_tree(server, &root, 10, 1000);
    let running = Zksh::new(server)
        .args(["setAcl", "-R", "--parallel", "1", &root, "world:anyone:cdrw"])
        .spawn();
    // The root is the first node set: once Kazoo sees its new ACL, the run is under way.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while kazoo_acl(server, &root) != "world:anyone:15" {
        assert!(std::time::Instant::now() < deadline, "setAcl -R never started");
    }
    running.signal(libc::SIGINT);
    let out = running.finish_within(std::time::Duration::from_secs(20));
    let there = kazoo_count_with_acl(server, &root, 10, 1000, "world:anyone:15");
    if out.code == 0 {
        // It finished before the signal landed: then every node has it.
        assert_eq!(there, total, "{}", out.stderr);
        return;
    }
    out.code(130).one_line_error();
    let said: usize = out
        .stderr
        .split("interrupted: ACL set on ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no exact count in {:?}", out.stderr));
    assert_eq!(said, there, "the report says what the server holds: {}", out.stderr);
    assert!(there < total, "stopped part way: {}", out.stderr);
}
