//! `check consistency`: a standalone server (one member, nothing to compare), a healthy
//! 3-member ensemble (every member serves the same subtree), and a member that cannot be
//! reached (a row naming it, exit 1).

use std::time::{Duration, Instant};

use crate::support::{Ensemble, Zksh, closed_address, namespace};

const CHECK: [&str; 2] = ["check", "consistency"];

#[test]
fn a_standalone_server_is_consistent_with_itself() {
    let (server, root) = namespace("consistency");
    Zksh::new(server)
        .args([
            "-c",
            &format!("create {root}/a x; create {root}/a/b y; create {root}/c"),
        ])
        .run()
        .success();
    let out = Zksh::new(server).args(CHECK).arg(&root).run();
    out.success()
        .stdout_is("")
        .stderr_contains("1 member, nothing to compare it with (4 nodes read)");
}

#[test]
fn a_member_that_cannot_be_reached_is_a_difference() {
    let (server, root) = namespace("consistency-down");
    let dead = closed_address();
    let started = Instant::now();
    let out = Zksh::at(&format!("{},{dead}", server.connect_string()))
        .args(["-o", "json"])
        .args(CHECK)
        .arg(&root)
        .run();
    assert!(started.elapsed() < Duration::from_secs(20));
    out.code(1);
    let row = out.json();
    assert_eq!(row["member"], dead);
    assert_eq!(row["kind"], "unreachable");
}

#[test]
fn a_healthy_ensemble_serves_the_same_tree_everywhere() {
    let ensemble = Ensemble::start();
    let connect = ensemble.connect_string();
    Zksh::at(&connect)
        .args([
            "-c",
            "create /app a; create /app/x 1; create /app/y 2; set /app/x 3; create /app/x/deep d; delete /app/y",
        ])
        .run()
        .success();
    let out = Zksh::at(&connect).args(CHECK).arg("/app").run();
    out.success()
        .stdout_is("")
        .stderr_contains("3 members agree on 3 nodes");
    // The whole tree, /zookeeper included.
    Zksh::at(&connect).args(CHECK).arg("/").run().success();

    // A member paused: no session on it, a row naming it, exit 1.
    let follower = ensemble.follower();
    ensemble.pause(follower);
    let out = Zksh::at(&connect)
        .args(["--connect-timeout", "2s"])
        .args(CHECK)
        .arg("/app")
        .run();
    ensemble.resume(follower);
    out.code(1)
        .stdout_contains(&format!("{}: unreachable", ensemble.address(follower)));
}
