//! Failover on a real 3-member ensemble: what zksh does when the member it talks to dies, is
//! partitioned, or loses its quorum.

use std::time::Duration;

use crate::support::{Ensemble, Zksh};

const ELECTION: Duration = Duration::from_secs(60);

#[test]
fn ensemble_elects_a_new_leader_after_the_leader_is_killed() {
    let mut ensemble = Ensemble::start();
    let leader = ensemble.leader().expect("a leader");
    let followers = (0..ensemble.size())
        .filter(|&i| ensemble.mode(i).as_deref() == Some("follower"))
        .count();
    assert_eq!(followers, 2);
    Zksh::at(&ensemble.connect_string())
        .args(["create", "/before", "x"])
        .run()
        .success();
    ensemble.kill(leader);
    ensemble.wait_for_quorum(ELECTION);
    let new_leader = ensemble.leader().expect("a new leader");
    assert_ne!(new_leader, leader);
    Zksh::at(&ensemble.connect_string())
        .args(["get", "/before"])
        .run()
        .success()
        .stdout_is("x\n");
    ensemble.restart(leader);
    assert_eq!(ensemble.mode(leader).as_deref(), Some("follower"));
}
