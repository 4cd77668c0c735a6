//! Four-letter words against real servers: every word on a server whose whitelist is `*` (the
//! shared one), a plain refusal (with the line that allows the word) on one with ZooKeeper's
//! default whitelist, a member that does not answer as a row of its own, unknown words.

use std::time::{Duration, Instant};

use crate::support::{ZkServer, Zksh, closed_address, shared_server};

#[test]
fn every_word_answers_when_the_whitelist_allows_all() {
    let server = shared_server();
    let expected = [
        (vec!["ruok"], "imok"),
        (vec!["srvr"], "Mode: standalone"),
        (vec!["mntr"], "zk_server_state\tstandalone"),
        (vec!["cons"], "queued="),
        (vec!["conf"], "clientPort="),
        (vec!["envi"], "java.version="),
        (vec!["wchs"], "watching"),
        (vec!["isro"], "rw"),
        (vec!["dirs"], "datadir_size"),
        (vec!["flw", "stat"], "Clients:"),
        (vec!["flw", "wchc"], ""),
    ];
    for (args, needle) in expected {
        let out = Zksh::new(server).args(&args).run();
        out.success().stderr_is_empty().stdout_contains(needle);
    }

    let srvr = Zksh::new(server).args(["-o", "json", "srvr"]).run().json();
    let fields = &srvr["members"][0]["fields"];
    assert_eq!(fields["mode"], "standalone", "{srvr}");
    assert!(fields["zxid"].is_u64() && fields["node_count"].is_u64(), "{srvr}");
    assert!(fields["latency_avg"].is_number(), "{srvr}");
    assert_eq!(srvr["members"][0]["member"], server.connect_string());

    let mntr = Zksh::new(server).args(["-o", "json", "mntr"]).run().json();
    let fields = &mntr["members"][0]["fields"];
    assert!(fields["zk_znode_count"].is_u64(), "{mntr}");
    assert!(fields["zk_avg_latency"].is_number(), "{mntr}");
    assert_eq!(fields["zk_server_state"], "standalone");

    let ruok = Zksh::new(server).args(["-o", "json", "ruok"]).run().json();
    assert_eq!(ruok["members"][0]["answer"], "imok");
}

#[test]
fn the_default_whitelist_refuses_plainly_and_says_how_to_allow() {
    // ZooKeeper's default: srvr only (a later line of zoo.cfg wins over the template's `*`).
    let server = ZkServer::start_with(&["4lw.commands.whitelist=srvr"]);
    Zksh::new(&server)
        .arg("srvr")
        .run()
        .success()
        .stdout_contains("Mode: standalone");
    for word in ["ruok", "mntr", "cons", "conf", "envi", "wchs", "isro", "dirs"] {
        let out = Zksh::new(&server).arg(word).run();
        out.code(1)
            .stdout_contains(&format!("{word} is not in the server's 4lw.commands.whitelist"))
            .stdout_contains(&format!("4lw.commands.whitelist=srvr,{word}"));
    }
    let out = Zksh::new(&server).args(["-o", "json", "mntr"]).run();
    out.code(1);
    let json = out.json();
    assert_eq!(json["members"][0]["allow"], "4lw.commands.whitelist=srvr,mntr");
    assert!(json["members"][0]["error"].as_str().unwrap().contains("whitelist"));
    // A script names the line and why.
    Zksh::new(&server)
        .args(["-c", "mntr"])
        .run()
        .code(1)
        .stderr_contains("line 1")
        .stderr_contains("1 of 1 members did not answer");
}

#[test]
fn a_member_that_does_not_answer_is_a_row_not_a_failure_of_all() {
    let server = shared_server();
    let dead = closed_address();
    let connect = format!("{},{dead}", server.connect_string());
    let started = Instant::now();
    let out = Zksh::at(&connect).args(["ruok", "--all"]).run();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    out.code(1);
    assert_eq!(
        out.lines(),
        [
            format!("{} imok", server.connect_string()),
            format!("{dead} error: connection refused (nothing listens there)")
        ]
    );
    // Without --all: the first member only; -s picks any member, in or out of the string.
    Zksh::at(&connect).arg("ruok").run().success().stdout_is("imok\n");
    Zksh::at(&dead)
        .args(["ruok", "-s", &server.connect_string()])
        .run()
        .success()
        .stdout_is("imok\n");
}

#[test]
fn a_word_that_does_not_exist_is_a_usage_error() {
    let server = shared_server();
    Zksh::new(server)
        .args(["flw", "xyzw"])
        .run()
        .code(2)
        .stderr_contains("'xyzw' is not a four-letter word");
    Zksh::new(server).args(["zzzz"]).run().code(2);
    Zksh::new(server).args(["ruok", "-s", "a:1,b:2"]).run().code(2);
}
