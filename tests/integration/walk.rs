//! The tree engine under `ls -R`: depth-first sorted order, zkCli's set of paths, a super node
//! whose batched replies weigh megabytes, nodes deleted during the walk, unreadable nodes,
//! the single-request fallback, and memory that stays flat as the tree grows.

use std::collections::BTreeSet;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::support::tree::{build_tree, create_all};
use crate::support::{ZkServer, Zksh, namespace};

const T: Duration = Duration::from_secs(120);

fn ls_r(server: &ZkServer, root: &str) -> Vec<String> {
    let out = Zksh::new(server).args(["ls", "-R", root]).timeout(T).run();
    out.success();
    out.lines().iter().map(|line| line.to_string()).collect()
}

#[test]
fn ls_r_prints_full_paths_depth_first_and_sorted() {
    let (server, root) = namespace("walk-order");
    let paths: Vec<String> = ["b", "a", "a/z", "a/y", "a/y/deep", "c"]
        .iter()
        .map(|p| format!("{root}/{p}"))
        .collect();
    create_all(server, &paths);
    let expected: Vec<String> = ["", "/a", "/a/y", "/a/y/deep", "/a/z", "/b", "/c"]
        .iter()
        .map(|p| format!("{root}{p}"))
        .collect();
    assert_eq!(ls_r(server, &root), expected);
    // NDJSON rows, one per node, in the same order.
    let out = Zksh::new(server).args(["ls", "-R", &root, "-o", "json"]).run();
    out.success();
    let rows: Vec<String> = out
        .lines()
        .iter()
        .map(|line| {
            let row: serde_json::Value = serde_json::from_str(line).expect("a JSON row");
            row["path"].as_str().expect("a path").to_string()
        })
        .collect();
    assert_eq!(rows, expected);
    // -l reads each node's stat.
    let out = Zksh::new(server)
        .args(["ls", "-R", "-l", &format!("{root}/a"), "-o", "json"])
        .run();
    out.success();
    let first: serde_json::Value = serde_json::from_str(out.lines()[0]).expect("a JSON row");
    assert_eq!(first["stat"]["numChildren"], 2);
}

#[test]
fn ls_r_of_a_missing_node_fails_with_one_line() {
    let (server, root) = namespace("walk-missing");
    Zksh::new(server)
        .args(["ls", "-R", &format!("{root}/nope")])
        .run()
        .code(1)
        .one_line_error()
        .stderr_contains("no such node");
}

/// Names of 40 characters: 20,000 of them make a getChildren reply of about 880 KB, under
/// the 1 MB packet limit alone and far past it in a batch with its siblings.
fn long_name(i: usize) -> String {
    format!("child-{i:0>34}")
}

#[test]
fn a_super_node_with_megabyte_replies_is_walked_whole() {
    let (server, root) = namespace("walk-super");
    let mut paths = Vec::new();
    for parent in ["p1", "p2", "p3"] {
        paths.push(format!("{root}/{parent}"));
    }
    for i in 0..20_000 {
        paths.push(format!("{root}/p1/{}", long_name(i)));
    }
    for i in 0..15_000 {
        paths.push(format!("{root}/p3/{}", long_name(i)));
    }
    create_all(server, &paths);
    let listed = ls_r(server, &root);
    assert_eq!(listed.len(), 1 + 3 + 20_000 + 15_000);
    assert_eq!(listed[1], format!("{root}/p1"));
    assert_eq!(listed[2], format!("{root}/p1/{}", long_name(0)));
    assert_eq!(listed[20_002], format!("{root}/p2"));
    assert_eq!(listed.last(), Some(&format!("{root}/p3/{}", long_name(14_999))));
    // The same walk with one request per read (servers older than 3.6 have no multi-read).
    let single = Zksh::new(server)
        .env("ZKSH_NO_MULTI_READ", "1")
        .args(["ls", "-R", &root])
        .timeout(T)
        .run();
    single.success();
    assert_eq!(single.lines(), listed.iter().map(String::as_str).collect::<Vec<_>>());
}

#[test]
fn ls_r_lists_the_same_paths_as_zkcli() {
    let (server, root) = namespace("walk-zkcli");
    let total = build_tree(server, &root, 5, 40);
    let ours: BTreeSet<String> = ls_r(server, &root).into_iter().collect();
    assert_eq!(ours.len(), total);
    let zkcli = Command::new("/usr/share/zookeeper/bin/zkCli.sh")
        .args(["-server", &server.connect_string(), "ls", "-R", &root])
        .stdin(Stdio::null())
        .output()
        .expect("zkCli.sh runs");
    let text = String::from_utf8_lossy(&zkcli.stdout);
    // zkCli prints its own chatter on stdout too: keep the lines that are paths of the tree.
    let theirs: BTreeSet<String> = text
        .lines()
        .map(str::trim)
        .filter(|line| *line == root || line.starts_with(&format!("{root}/")))
        .map(str::to_string)
        .collect();
    assert_eq!(ours, theirs);
}

#[test]
fn nodes_deleted_during_a_walk_are_skipped() {
    let (server, root) = namespace("walk-vanish");
    let total = build_tree(server, &root, 60, 500);
    // A second client deletes half of the branches while the walk runs.
    let mut script = String::new();
    for b in (0..60).step_by(2) {
        script.push_str(&format!("delete -r {root}/b{b:03}\n"));
    }
    let deleter = Zksh::new(server).stdin(script).timeout(T).spawn();
    let out = Zksh::new(server)
        .args(["ls", "-R", "--parallel", "2", &root])
        .timeout(T)
        .run();
    deleter.finish_within(T).success();
    out.success().stderr_is_empty();
    let listed = out.lines();
    assert!(listed.len() <= total);
    // Every branch that stayed is listed whole, and a node is never listed without its parent.
    let seen: BTreeSet<&str> = listed.iter().copied().collect();
    for b in (1..60).step_by(2) {
        for l in [0, 499] {
            let path = format!("{root}/b{b:03}/n{l:03}");
            assert!(seen.contains(path.as_str()), "{path} missing");
        }
    }
    for path in &listed[1..] {
        let parent = &path[..path.rfind('/').expect("a parent")];
        assert!(seen.contains(parent), "{path} listed without its parent");
    }
}

#[test]
fn unreadable_nodes_are_listed_and_reported() {
    let (server, root) = namespace("walk-noauth");
    Zksh::new(server)
        .args(["create", &format!("{root}/open")])
        .run()
        .success();
    Zksh::new(server)
        .args(["create", &format!("{root}/closed"), "x", "world:anyone:c"])
        .run()
        .success();
    let out = Zksh::new(server).args(["ls", "-R", &root]).run();
    out.code(1).stderr_contains("1 node could not be read (not authorized)");
    assert_eq!(
        out.lines(),
        vec![root.clone(), format!("{root}/closed"), format!("{root}/open")]
    );
}

/// Peak resident memory of one `zksh` run (KiB), from the kernel's account of that child.
// The child is reaped by wait4, which is what reports its own peak (std's wait does not).
#[allow(clippy::zombie_processes)]
fn peak_rss_kib(server: &ZkServer, args: &[&str]) -> u64 {
    let child = Command::new(env!("CARGO_BIN_EXE_zksh"))
        .args(["-s", &server.connect_string()])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("zksh starts");
    let mut status = 0;
    // SAFETY: plain syscalls on our own child, reaped here and nowhere else.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        let pid = libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage);
        assert_eq!(pid, child.id() as libc::pid_t, "wait4");
        usage
    };
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "zksh {args:?} failed"
    );
    usage.ru_maxrss as u64
}

#[test]
fn memory_stays_flat_as_the_tree_grows() {
    let (server, root) = namespace("walk-memory");
    let small = format!("{root}/small");
    let large = format!("{root}/large");
    create_all(server, &[small.clone(), large.clone()]);
    build_tree(server, &small, 20, 1000);
    build_tree(server, &large, 200, 1000);
    let small_kib = peak_rss_kib(server, &["ls", "-R", &small]);
    let large_kib = peak_rss_kib(server, &["ls", "-R", &large]);
    // Ten times the nodes: a walk that kept every path would grow by tens of MB. A generous
    // bound here; bench/tree.sh measures the real figure.
    assert!(
        large_kib < small_kib + 8 * 1024,
        "ls -R peak RSS grew from {small_kib} KiB at 20k nodes to {large_kib} KiB at 200k"
    );
}
