//! TLS against real ZooKeeper servers on their `secureClientPort`, with certificates the test
//! makes: with and without a client certificate (a server with `ssl.clientAuth=need` refuses
//! the one without, and one from another CA), the `tcp+tls://` form, each bad file or
//! certificate failing with one line that names the file (exit 3; inconsistent options exit
//! 2), a host the certificate does not name and a plain port saying so, Tab completion over
//! TLS, `cp`, `diff` and `mirror` to a second TLS server, and a reconnect after a restart.

use std::time::Duration;

use crate::support::tls::{ClientAuth, TlsServer, certs, need_client_cert, no_client_cert, tls_args};
use crate::support::{Zksh, closed_address, unique_root};

const T: Duration = Duration::from_secs(30);

fn zksh_tls(address: &str, client: bool) -> Zksh {
    Zksh::bare().args(tls_args(address, client)).timeout(T)
}

/// Runs `ls /` with `zksh`'s connection options and checks that the session is refused in
/// one line (exit 3) that says `why`.
fn refused_saying(zksh: Zksh, why: &str) {
    zksh.args(["ls", "/"])
        .run()
        .code(3)
        .one_line_error()
        .stderr_contains(why);
}

#[test]
fn a_client_certificate_reaches_a_server_that_needs_one_and_none_is_refused() {
    let server = need_client_cert();
    let root = unique_root("tls-need");
    let node = format!("{root}/n");
    zksh_tls(&server.tls_address(), true)
        .args(["-c", &format!("create {root}; create {node} over-tls")])
        .run()
        .success();
    zksh_tls(&server.tls_address(), true)
        .args(["get", &node])
        .run()
        .success()
        .stdout_is("over-tls\n");
    // The plain port of the same server sees the node: the TLS session wrote to it.
    Zksh::at(&server.server.connect_string())
        .args(["get", &node])
        .run()
        .success()
        .stdout_is("over-tls\n");

    let refused = zksh_tls(&server.tls_address(), false).args(["get", &node]).run();
    refused
        .code(3)
        .one_line_error()
        .stderr_contains("requires a client certificate (give --cert and --key)");
}

#[test]
fn without_a_client_certificate_a_server_that_needs_none_serves() {
    let server = no_client_cert();
    let root = unique_root("tls-none");
    zksh_tls(&server.tls_address(), false)
        .args(["-c", &format!("create {root} anon; get {root}")])
        .run()
        .success()
        .stdout_is(&format!("{root}\nanon\n"));
}

#[test]
fn tcp_tls_in_the_connect_string_turns_tls_on_for_that_host() {
    let server = need_client_cert();
    let certs = certs();
    let root = unique_root("tls-scheme");
    let connect = format!("tcp+tls://{}", server.tls_address());
    Zksh::at(&connect)
        .args(["--ca", &certs.arg("ca.pem")])
        .args(["--cert", &certs.arg("client.pem"), "--key", &certs.arg("client.key")])
        .args(["create", &root])
        .timeout(T)
        .run()
        .success()
        .stdout_is(&format!("{root}\n"));
    // A chroot after the scheme'd host is a chroot.
    let chrooted = format!("tcp+tls://{}{root}", server.tls_address());
    Zksh::at(&chrooted)
        .args(["--ca", &certs.arg("ca.pem")])
        .args(["--cert", &certs.arg("client.pem"), "--key", &certs.arg("client.key")])
        .args(["-c", "create /inside; ls /"])
        .timeout(T)
        .run()
        .success()
        .stdout_is("/inside\ninside\n");
    // Without a CA there is nothing to check the server against.
    Zksh::at(&connect)
        .args(["ls", "/"])
        .run()
        .code(2)
        .one_line_error()
        .stderr_contains("TLS needs --ca FILE");
}

#[test]
fn bad_files_fail_before_connecting_naming_the_file() {
    let certs = certs();
    let nowhere = closed_address();
    let ca = certs.arg("ca.pem");
    let missing = certs.arg("no-such.pem");
    let not_pem = certs.arg("not-pem.txt");
    let cases: [(Vec<String>, String); 6] = [
        (
            vec!["--ca".into(), missing.clone()],
            format!("--ca {missing}: no such file"),
        ),
        (
            vec!["--ca".into(), not_pem.clone()],
            format!("--ca {not_pem}: not a PEM file"),
        ),
        (
            vec![
                "--ca".into(),
                ca.clone(),
                "--cert".into(),
                not_pem.clone(),
                "--key".into(),
                certs.arg("client.key"),
            ],
            format!("--cert {not_pem}: not a PEM file"),
        ),
        (
            vec![
                "--ca".into(),
                ca.clone(),
                "--cert".into(),
                certs.arg("client.pem"),
                "--key".into(),
                missing.clone(),
            ],
            format!("--key {missing}: no such file"),
        ),
        (
            vec![
                "--ca".into(),
                ca.clone(),
                "--cert".into(),
                certs.arg("client.pem"),
                "--key".into(),
                certs.arg("stray.key"),
            ],
            format!(
                "--key {}: does not match the certificate in --cert {}",
                certs.arg("stray.key"),
                certs.arg("client.pem")
            ),
        ),
        (
            vec![
                "--ca".into(),
                ca.clone(),
                "--cert".into(),
                certs.arg("client-expired.pem"),
                "--key".into(),
                certs.arg("client-expired.key"),
            ],
            format!(
                "--cert {}: the certificate has expired",
                certs.arg("client-expired.pem")
            ),
        ),
    ];
    for (args, message) in cases {
        Zksh::at(&nowhere)
            .arg("--tls")
            .args(&args)
            .args(["ls", "/"])
            .run()
            .code(3)
            .one_line_error()
            .stderr_contains(&message);
    }
    // Inconsistent options are usage errors.
    for (args, message) in [
        (vec!["--tls"], "TLS needs --ca FILE"),
        (vec!["--tls", "--ca", ca.as_str(), "--cert", not_pem.as_str()], "--key"),
    ] {
        Zksh::at(&nowhere)
            .args(&args)
            .args(["ls", "/"])
            .run()
            .code(2)
            .clean_error()
            .stderr_contains(message);
    }
}

#[test]
fn a_server_the_ca_did_not_sign_is_refused_naming_the_ca_file() {
    let server = no_client_cert();
    let other = certs().arg("other-ca.pem");
    refused_saying(
        Zksh::bare()
            .args(["-s", &server.tls_address(), "--tls", "--ca", &other])
            .timeout(T),
        &format!("the server's certificate is not signed by the CA in --ca {other}"),
    );
}

#[test]
fn an_expired_server_certificate_is_refused() {
    let expired = TlsServer::start(ClientAuth::None, "server-expired-keystore.pem");
    refused_saying(
        zksh_tls(&expired.tls_address(), false),
        "the server's certificate has expired",
    );
}

#[test]
fn tab_completion_lists_live_paths_over_tls() {
    let server = need_client_cert();
    let root = unique_root("tls-compl");
    zksh_tls(&server.tls_address(), true)
        .args(["-c", &format!("create {root}; create {root}/secure-child")])
        .run()
        .success();
    // The completion protocol, straight to the binary: the word to complete is the last one.
    let mut line = vec!["zksh".to_string()];
    line.extend(tls_args(&server.tls_address(), true));
    line.extend(["get".to_string(), format!("{root}/sec")]);
    let index = (line.len() - 1).to_string();
    Zksh::bare()
        .env("ZKSH_COMPLETE", "bash")
        .env("_CLAP_COMPLETE_INDEX", &index)
        .arg("--")
        .args(&line)
        .run()
        .success()
        .stdout_contains(&format!("{root}/secure-child"));
}

#[test]
fn cp_mirror_and_diff_reach_a_second_tls_server_with_the_same_files() {
    let from = need_client_cert();
    let to = no_client_cert();
    let root = unique_root("tls-cp");
    zksh_tls(&from.tls_address(), true)
        .args([
            "-c",
            &format!("create {root}; create {root}/a one; create {root}/b two"),
        ])
        .run()
        .success();
    let remote = format!("zk://{}{root}", to.tls_address());
    let copied = zksh_tls(&from.tls_address(), true)
        .args(["cp", "-r", &root, &remote, "-o", "json"])
        .run();
    copied.success();
    assert_eq!(copied.json()["created"], 3);
    zksh_tls(&to.tls_address(), false)
        .args(["get", &format!("{root}/b")])
        .run()
        .success()
        .stdout_is("two\n");
    // mirror and diff reach the other side the same way.
    zksh_tls(&from.tls_address(), true)
        .args(["set", &format!("{root}/a"), "changed"])
        .run()
        .success();
    zksh_tls(&from.tls_address(), true)
        .args(["diff", &root, &remote])
        .run()
        .code(1)
        .stdout_is("~ a  data\n");
    zksh_tls(&from.tls_address(), true)
        .args(["mirror", "--once", &root, &remote])
        .run()
        .success();
    zksh_tls(&from.tls_address(), true)
        .args(["diff", &root, &remote])
        .run()
        .success()
        .stdout_is("");
}

#[test]
fn tls_to_a_plain_port_says_so() {
    let server = no_client_cert();
    let plain = server.server.connect_string();
    refused_saying(
        zksh_tls(&plain, false),
        "closed the connection during the TLS handshake (a plain clientPort?",
    );
}

#[test]
fn a_client_certificate_of_another_ca_is_rejected_naming_it() {
    let server = need_client_cert();
    let certs = certs();
    let stranger = certs.arg("client-stranger.pem");
    refused_saying(
        Zksh::bare()
            .args(["-s", &server.tls_address(), "--tls", "--ca", &certs.arg("ca.pem")])
            .args(["--cert", &stranger, "--key", &certs.arg("client-stranger.key")])
            .timeout(T),
        &format!("the server rejected the client certificate --cert {stranger}"),
    );
}

#[test]
fn a_host_the_server_certificate_does_not_name_is_refused() {
    // 127.0.0.2 reaches the same server (loopback), but the certificate names 127.0.0.1 only.
    let server = no_client_cert();
    let other_name = format!("127.0.0.2:{}", server.tls_port);
    refused_saying(
        zksh_tls(&other_name, false),
        "the server's certificate is not valid for '127.0.0.2'",
    );
}

#[test]
fn a_watch_over_tls_reconnects_after_a_server_restart() {
    let mut tls = TlsServer::start(ClientAuth::Need, "server-keystore.pem");
    let address = tls.tls_address();
    zksh_tls(&address, true).args(["create", "/p", "v0"]).run().success();
    let mut w = zksh_tls(&address, true)
        .args(["--session-timeout", "30s", "watch", "/p", "-o", "json"])
        .spawn();
    w.wait_stdout("\"current\"", T);
    tls.server.restart();
    w.wait_stderr("SUSPENDED", T);
    // The reconnect shakes hands again, with the same files.
    w.wait_stderr("CONNECTED", T);
    zksh_tls(&address, true)
        .args(["set", "/p", "after-restart"])
        .run()
        .success();
    w.wait_stdout("after-restart", T);
    w.signal(libc::SIGINT);
    w.finish_within(T).code(130);
}
