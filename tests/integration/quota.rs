//! Quotas on zkCli's znodes: set, list and delete checked with Kazoo (the znodes themselves)
//! and with zkCli.sh's own `listquota`; exit codes that mean something; bad values refused.

use std::process::Command;

use crate::support::{ZkServer, Zksh, namespace};

const ZKCLI: &str = "/usr/share/zookeeper/bin/zkCli.sh";

/// The data of `path` as Kazoo reads it, or `absent`.
fn kazoo_get(server: &ZkServer, path: &str) -> String {
    let script = "import sys\nfrom kazoo.client import KazooClient\n\
                  zk = KazooClient(hosts=sys.argv[1]); zk.start()\n\
                  print(zk.get(sys.argv[2])[0].decode() if zk.exists(sys.argv[2]) else 'absent')\nzk.stop()\n";
    let out = Command::new("python3")
        .args(["-c", script, &server.connect_string(), path])
        .output()
        .expect("python3 with kazoo");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn zksh(server: &ZkServer, args: &[&str]) -> crate::support::Output {
    Zksh::new(server).args(args).run()
}

#[test]
fn set_list_and_delete_on_zkclis_znodes() {
    let (server, root) = namespace("quota");
    let app = format!("{root}/app");
    zksh(server, &["create", &app, "x"]).success();
    zksh(server, &["create", &format!("{app}/a"), "yy"]).success();
    let limits = format!("/zookeeper/quota{app}/zookeeper_limits");
    let stats = format!("/zookeeper/quota{app}/zookeeper_stats");

    zksh(server, &["setquota", "-n", "5", "-B", "100", &app])
        .success()
        .stdout_is("");
    assert_eq!(
        kazoo_get(server, &limits),
        "count=5,bytes=-1=;byteHardLimit=100;countHardLimit=-1"
    );
    // The server counts the subtree into the stats node: 2 nodes, 3 bytes.
    assert_eq!(kazoo_get(server, &stats), "count=2,bytes=3");

    // Limits not given keep their value.
    zksh(server, &["setquota", "-b", "4096", &app]).success();
    assert_eq!(
        kazoo_get(server, &limits),
        "count=5,bytes=4096=;byteHardLimit=100;countHardLimit=-1"
    );
    let json = zksh(server, &["-o", "json", "listquota", &app]).json();
    assert_eq!(
        json,
        serde_json::json!({"path": app, "limits": {"count": 5, "bytes": 4096, "countHardLimit": -1, "byteHardLimit": 100},
                           "usage": {"count": 2, "bytes": 3}})
    );
    let text = zksh(server, &["listquota", &app]);
    text.success();
    assert_eq!(
        text.lines()[2].split_whitespace().collect::<Vec<_>>(),
        ["nodes", "2", "5", "-"]
    );

    // zkCli.sh reads what we wrote (one call: it is slow).
    let zkcli = Command::new("timeout")
        .args(["120", ZKCLI, "-server", &server.connect_string(), "listquota", &app])
        .output()
        .expect("zkCli.sh");
    let said = String::from_utf8_lossy(&zkcli.stdout);
    assert!(
        said.contains(&format!(
            "Output quota for {app} count=5,bytes=4096=;byteHardLimit=100;countHardLimit=-1"
        )),
        "zkCli.sh said:\n{said}"
    );
    assert!(
        said.contains(&format!("Output stat for {app} count=2,bytes=3")),
        "zkCli.sh said:\n{said}"
    );

    // A quota above or below another is refused, as zkCli does.
    zksh(server, &["setquota", "-n", "3", &format!("{app}/a")])
        .code(1)
        .stderr_contains("above it has a quota");
    zksh(server, &["setquota", "-n", "3", &root])
        .code(1)
        .stderr_contains("below it has a quota");

    zksh(server, &["delquota", "-n", &app]).success();
    assert_eq!(
        kazoo_get(server, &limits),
        "count=-1,bytes=4096=;byteHardLimit=100;countHardLimit=-1"
    );
    zksh(server, &["delquota", &app]).success();
    assert_eq!(kazoo_get(server, &limits), "absent");
    // The quota tree's nodes left empty go too.
    assert_eq!(kazoo_get(server, &format!("/zookeeper/quota{root}")), "absent");
    assert_eq!(kazoo_get(server, "/zookeeper/quota"), "");

    // No quota: exit 1 (zkCli exits 0).
    zksh(server, &["listquota", &app])
        .code(1)
        .stderr_contains("no quota is set on it");
    zksh(server, &["delquota", &app]).code(1);
}

#[test]
fn bad_limits_are_refused_and_write_nothing() {
    let (server, root) = namespace("quota-bad");
    for args in [
        vec!["setquota", "-n", "-3"],
        vec!["setquota", "-b", "abc"],
        vec!["setquota", "-N", "0"],
        vec!["setquota"],
    ] {
        let mut args = args.clone();
        args.push(&root);
        zksh(server, &args).code(2);
    }
    zksh(server, &["setquota", "-n", "-3", &root])
        .code(2)
        .stderr_contains("'-3' is not a limit");
    zksh(server, &["setquota", "-b", "abc", &root])
        .code(2)
        .stderr_contains("'abc' is not a number");
    assert_eq!(kazoo_get(server, &format!("/zookeeper/quota{root}")), "absent");
    zksh(server, &["setquota", "-n", "5", &format!("{root}/nope")])
        .code(1)
        .stderr_contains("no such node");
    zksh(server, &["setquota", "-n", "5", "/zookeeper/quota"]).code(2);
}
