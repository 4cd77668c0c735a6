//! `config` and `reconfig` on real ensembles: the members as the servers list them, a member
//! removed and added back, and the servers' refusals said plainly.

use crate::support::{Ensemble, Zksh};

/// The superuser's digest id for `super:secret` (zksh's `digest`, checked against the
/// server's own hashing by the test that uses it).
fn super_digest() -> String {
    let out = Zksh::bare().args(["digest", "super"]).stdin("secret\n").run();
    out.success();
    out.stdout.trim().trim_start_matches("digest:").to_string()
}

fn members(out: &crate::support::Output) -> Vec<u64> {
    out.json()["members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|m| m["id"].as_u64().expect("id"))
        .collect()
}

#[test]
fn config_lists_the_members_and_reconfig_removes_and_adds_one_back() {
    let ensemble = Ensemble::builder()
        .reconfig()
        .jvm_option(&format!(
            "-Dzookeeper.DigestAuthenticationProvider.superDigest={}",
            super_digest()
        ))
        .start();
    let cs = ensemble.connect_string();
    let config = Zksh::at(&cs).args(["config", "-o", "json"]).run();
    config.success();
    assert_eq!(members(&config), vec![1, 2, 3]);
    let doc = config.json();
    let (quorum, election) = ensemble.peer_ports(0);
    assert_eq!(doc["members"][0]["quorumPort"], quorum);
    assert_eq!(doc["members"][0]["electionPort"], election);
    assert_eq!(doc["members"][0]["role"], "participant");
    assert_eq!(doc["members"][0]["client"], ensemble.address(0));
    let version = doc["version"].as_str().expect("a version").to_string();
    Zksh::at(&cs)
        .args(["config"])
        .run()
        .success()
        .stdout_contains("id  host       quorum  election  role         client");
    Zksh::at(&cs)
        .args(["config", "-c"])
        .run()
        .success()
        .stdout_is(&format!("{cs}\n"));

    let gone = ensemble.follower();
    let id = (gone + 1).to_string();
    // Without the superuser the server refuses, and the message says what is needed.
    Zksh::at(&cs)
        .args(["reconfig", "--remove", &id])
        .run()
        .code(1)
        .one_line_error()
        .stderr_contains("superDigest");
    let removed = Zksh::at(&cs)
        .args([
            "-c",
            &format!("addauth digest super:secret\nreconfig -remove {id} -o json"),
        ])
        .run();
    removed.success();
    let left: Vec<u64> = (1..=3).filter(|&m| m != gone as u64 + 1).collect();
    assert_eq!(members(&removed), left);
    assert_eq!(removed.json()["committed"], true);
    // The old version no longer matches.
    Zksh::at(&cs)
        .args([
            "-c",
            &format!(
                "addauth digest super:secret\nreconfig --add '{}' -v {version}",
                ensemble.server_line(gone)
            ),
        ])
        .run()
        .code(1)
        .stderr_contains("no longer at that version");
    let added = Zksh::at(&cs)
        .args([
            "-c",
            &format!(
                "addauth digest super:secret\nreconfig -add '{}' -o json",
                ensemble.server_line(gone)
            ),
        ])
        .run();
    added.success();
    assert_eq!(members(&added), vec![1, 2, 3]);
    let config = Zksh::at(&cs).args(["config", "-o", "json"]).run();
    assert_eq!(members(&config), vec![1, 2, 3]);
}

#[test]
fn reconfig_without_reconfig_enabled_says_what_the_servers_need() {
    let ensemble = Ensemble::builder().config("skipACL=yes").start();
    let out = Zksh::at(&ensemble.connect_string())
        .args(["reconfig", "--remove", "3"])
        .run();
    out.code(1)
        .one_line_error()
        .stderr_contains("reconfig /zookeeper/config: the ensemble does not allow dynamic reconfiguration")
        .stderr_contains("reconfigEnabled=true");
    // Still three members.
    let config = Zksh::at(&ensemble.connect_string())
        .args(["config", "-o", "json"])
        .run();
    assert_eq!(members(&config), vec![1, 2, 3]);
}

#[test]
fn reconfig_bad_input_is_a_usage_error() {
    let server = crate::support::shared_server();
    for args in [
        vec!["reconfig"],
        vec!["reconfig", "--remove", "x"],
        vec!["reconfig", "--remove", "1", "-v", "zz"],
        vec!["reconfig", "--members", "server.1=h:1:2", "--add", "server.2=h:3:4"],
    ] {
        Zksh::new(server).args(&args).run().code(2);
    }
}
