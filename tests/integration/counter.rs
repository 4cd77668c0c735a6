//! `counter`: concurrent increments lose nothing, Kazoo's `Counter` shares the value both
//! ways, negative steps, and a node that is no counter is left untouched.

use std::process::Command;
use std::time::Duration;

use crate::support::{ZkServer, Zksh, namespace};

const T: Duration = Duration::from_secs(60);

/// Runs Kazoo's `Counter` on `path`: adds `add`, then prints the value it reads.
fn kazoo_counter(server: &ZkServer, path: &str, add: i64) -> String {
    const SCRIPT: &str = r#"
import sys
from kazoo.client import KazooClient
zk = KazooClient(hosts=sys.argv[1])
zk.start(timeout=30)
counter = zk.Counter(sys.argv[2])
step = int(sys.argv[3])
if step:
    counter += step
print(counter.value, flush=True)
zk.stop()
"#;
    let out = Command::new("python3")
        .args(["-c", SCRIPT, &server.connect_string(), path, &add.to_string()])
        .output()
        .expect("python3 with kazoo");
    assert!(
        out.status.success(),
        "kazoo failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn twenty_concurrent_increments_end_at_twenty_and_kazoo_agrees() {
    let (server, root) = namespace("counter-race");
    let counter = format!("{root}/deploys/count");
    let racers: Vec<_> = (0..20)
        .map(|_| {
            Zksh::new(server)
                .args(["counter", &counter, "--add", "1"])
                .timeout(T)
                .spawn()
        })
        .collect();
    let mut seen: Vec<i64> = racers
        .into_iter()
        .map(|racer| {
            let out = racer.finish_within(T);
            out.success();
            out.stdout.trim().parse().expect("the new value")
        })
        .collect();
    seen.sort_unstable();
    // Each increment applied once: every value from 1 to 20 was someone's result.
    assert_eq!(seen, (1..=20).collect::<Vec<i64>>());
    // Stored as Kazoo stores it (the text of the integer), and read by Kazoo's Counter.
    Zksh::new(server)
        .args(["get", &counter])
        .run()
        .success()
        .stdout_is("20\n");
    assert_eq!(kazoo_counter(server, &counter, 0), "20");
    // Kazoo's increments are seen by zksh, and the other way round.
    assert_eq!(kazoo_counter(server, &counter, 5), "25");
    let out = Zksh::new(server).args(["counter", &counter, "-o", "json"]).run();
    assert_eq!(out.success().json(), serde_json::json!({"path": counter, "value": 25}));
    let out = Zksh::new(server)
        .args(["counter", &counter, "--add", "-3", "-o", "json"])
        .run();
    assert_eq!(
        out.success().json(),
        serde_json::json!({"path": counter, "value": 22, "previous": 25})
    );
    assert_eq!(kazoo_counter(server, &counter, 0), "22");
}

#[test]
fn get_set_and_a_node_made_by_kazoo() {
    let (server, root) = namespace("counter-forms");
    let fresh = format!("{root}/fresh");
    // --get on nothing: Kazoo's default, and nothing is created.
    Zksh::new(server)
        .args(["counter", &fresh, "--get"])
        .run()
        .success()
        .stdout_is("0\n");
    Zksh::new(server).args(["exists", &fresh]).run().code(1);
    // --set creates it; --add=-N works as well as --add -N.
    Zksh::new(server)
        .args(["counter", &fresh, "--set", "-7"])
        .run()
        .success()
        .stdout_is("-7\n");
    Zksh::new(server)
        .args(["counter", &fresh, "--add=-3"])
        .run()
        .success()
        .stdout_is("-10\n");
    // Kazoo's ensure_path leaves an empty node: that counts as 0.
    let kazoo_made = format!("{root}/kazoo");
    assert_eq!(kazoo_counter(server, &kazoo_made, 0), "0");
    Zksh::new(server)
        .args(["counter", &kazoo_made, "--add", "2"])
        .run()
        .success()
        .stdout_is("2\n");
}

#[test]
fn a_node_that_is_no_counter_is_refused_and_left_untouched() {
    let (server, root) = namespace("counter-bad");
    let node = format!("{root}/text");
    Zksh::new(server).args(["create", &node, "ready"]).run().success();
    let out = Zksh::new(server).args(["counter", &node, "--add", "1"]).run();
    out.code(1).one_line_error().stdout_is("");
    out.stderr_contains(&format!("counter {node}: the node holds 'ready', not a whole number"));
    let out = Zksh::new(server).args(["stat", &node, "-o", "json"]).run();
    assert_eq!(out.success().json()["stat"]["version"], 0, "not written");
    Zksh::new(server).args(["get", &node]).run().stdout_is("ready\n");
    // A float counter (Kazoo's Counter(path, default=0.0)) is refused too.
    Zksh::new(server).args(["set", &node, "1.5"]).run().success();
    Zksh::new(server)
        .args(["counter", &node, "--get"])
        .run()
        .code(1)
        .stderr_contains("holds '1.5', not a whole number");
    // Bad arguments: usage errors.
    for (args, needle) in [
        (vec!["--add", "one"], "'one' is not a whole number"),
        (vec!["--add", "1.5"], "'1.5' is not a whole number"),
        (vec!["--add", "1", "--set", "2"], "cannot be used with"),
    ] {
        Zksh::new(server)
            .args(["counter", &node])
            .args(&args)
            .run()
            .code(2)
            .stderr_contains(needle);
    }
    // Past the 64-bit range: refused, untouched.
    Zksh::new(server)
        .args(["set", &node, "9223372036854775807"])
        .run()
        .success();
    Zksh::new(server)
        .args(["counter", &node, "--add", "1"])
        .run()
        .code(1)
        .stderr_contains("does not fit in a 64-bit integer");
}
