//! Connection profiles: `-P`/ZKSH_PROFILE reach the cluster a profile names, typed options win
//! over it, `profiles` lists them without secrets, `NAME:/path` is another cluster for `cp`,
//! the prompt shows the name, and a broken or secret-holding file is one clear usage error.

use std::path::Path;

use crate::pty::PtyShell;
use crate::support::{Zksh, closed_address, namespace};

const T: std::time::Duration = std::time::Duration::from_secs(20);

/// A profile-file home holding `text` as zksh/config.toml.
fn config_home(text: &str) -> tempfile::TempDir {
    let home = tempfile::tempdir().expect("temp dir");
    let dir = home.path().join("zksh");
    std::fs::create_dir_all(&dir).expect("config dir");
    std::fs::write(dir.join("config.toml"), text).expect("write config");
    home
}

fn xdg(home: &tempfile::TempDir) -> &str {
    home.path().to_str().expect("utf-8 temp path")
}

#[test]
fn a_profile_names_the_cluster_and_its_chroot() {
    let (server, root) = namespace("profile-use");
    Zksh::new(server)
        .args(["create", &format!("{root}/inside"), "v"])
        .run()
        .success();
    let home = config_home(&format!(
        "[profiles.dev]\nserver = \"{}{root}\"\nsession_timeout = \"8s\"\n",
        server.connect_string()
    ));
    Zksh::bare()
        .env("XDG_CONFIG_HOME", xdg(&home))
        .args(["-P", "dev", "get", "/inside"])
        .run()
        .success()
        .stdout_is("v\n");
    Zksh::bare()
        .env("XDG_CONFIG_HOME", xdg(&home))
        .env("ZKSH_PROFILE", "dev")
        .args(["ls", "/"])
        .run()
        .success()
        .stdout_is("inside\n");
    let session = Zksh::bare()
        .env("XDG_CONFIG_HOME", xdg(&home))
        .args(["-P", "dev", "session", "-o", "json"])
        .run()
        .success()
        .json();
    assert_eq!(session["timeoutMs"], 8000, "the profile's session timeout: {session}");
}

#[test]
fn options_typed_win_over_the_profile() {
    let (server, root) = namespace("profile-override");
    Zksh::new(server).args(["set", &root, "here"]).run().success();
    let home = config_home(&format!("[profiles.dead]\nserver = \"{}\"\n", closed_address()));
    Zksh::bare()
        .env("XDG_CONFIG_HOME", xdg(&home))
        .args(["-P", "dead", "-s", &server.connect_string(), "get", &root])
        .run()
        .success()
        .stdout_is("here\n");
    Zksh::bare()
        .env("XDG_CONFIG_HOME", xdg(&home))
        .args(["-P", "dead", "--connect-timeout", "1s", "get", &root])
        .run()
        .code(3);
}

#[test]
fn profiles_lists_names_servers_and_credential_sources_only() {
    let home = config_home(
        "[profiles.prod]\nserver = \"zk1:2181,zk2:2181/app\"\nauth_env = \"PROD_ZK_AUTH\"\ntls_ca = \"/etc/zk/ca.pem\"\n\
         [profiles.dev]\nserver = \"127.0.0.1:2181\"\nreadonly = true\n",
    );
    let out = Zksh::bare()
        .env("XDG_CONFIG_HOME", xdg(&home))
        .env("PROD_ZK_AUTH", "digest:alice:hunter2-in-env")
        .args(["profiles"])
        .run();
    out.success()
        .stdout_contains("prod  zk1:2181,zk2:2181/app")
        .stdout_contains("env PROD_ZK_AUTH")
        .stdout_contains("127.0.0.1:2181 (read-only)");
    let json = Zksh::bare()
        .env("XDG_CONFIG_HOME", xdg(&home))
        .env("PROD_ZK_AUTH", "digest:alice:hunter2-in-env")
        .args(["profiles", "-o", "json"])
        .run()
        .success()
        .json();
    let names: Vec<&str> = json["profiles"]
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|row| row["name"].as_str())
        .collect();
    assert_eq!(names, ["dev", "prod"]);
    assert!(!json.to_string().contains("hunter2"), "{json}");
    Zksh::bare()
        .args(["profiles"])
        .run()
        .success()
        .stdout_contains("no profiles in");
}

#[test]
fn a_profile_name_is_another_cluster_for_cp() {
    let (server, root) = namespace("profile-cp");
    Zksh::new(server)
        .args(["create", &format!("{root}/src"), "payload"])
        .run()
        .success();
    let home = config_home(&format!("[profiles.other]\nserver = \"{}\"\n", server.connect_string()));
    Zksh::new(server)
        .env("XDG_CONFIG_HOME", xdg(&home))
        .args(["cp", &format!("{root}/src"), &format!("other:{root}/dst")])
        .run()
        .success();
    Zksh::new(server)
        .args(["get", &format!("{root}/dst")])
        .run()
        .success()
        .stdout_is("payload\n");
}

#[test]
fn the_prompt_shows_the_profile_name() {
    let (server, _root) = namespace("profile-prompt");
    let home = config_home(&format!(
        "[profiles.staging]\nserver = \"{}\"\n",
        server.connect_string()
    ));
    let mut sh = PtyShell::spawn(&["-P", "staging"], &[("XDG_CONFIG_HOME", xdg(&home))]);
    sh.wait_for("staging /> ", T);
    sh.line("quit");
    assert_eq!(sh.wait_exit(T), 0);
}

#[test]
fn profile_mistakes_are_one_line_usage_errors() {
    let missing = config_home("[profiles.a]\nserver = \"127.0.0.1:1\"\n");
    Zksh::bare()
        .env("XDG_CONFIG_HOME", xdg(&missing))
        .args(["-P", "nope", "ls", "/"])
        .run()
        .code(2)
        .one_line_error()
        .stderr_contains("no profile 'nope'")
        .stderr_contains("(it has: a)");
    let not_toml = config_home("[profiles.a]\nserver = \"127.0.0.1:1\"\nreadonly = maybe\n");
    Zksh::bare()
        .env("XDG_CONFIG_HOME", xdg(&not_toml))
        .args(["-P", "a", "ls", "/"])
        .run()
        .code(2)
        .one_line_error()
        .stderr_contains("config.toml: line 3, column 12");
    let secret = config_home("[profiles.a]\nserver = \"127.0.0.1:1\"\nsasl_password = \"hunter2-inline\"\n");
    let out = Zksh::bare()
        .env("XDG_CONFIG_HOME", xdg(&secret))
        .args(["-P", "a", "ls", "/"])
        .run();
    out.code(2)
        .one_line_error()
        .stderr_contains("profile 'a' holds a secret in 'sasl_password'")
        .stderr_lacks("hunter2");
    Zksh::bare()
        .env("XDG_CONFIG_HOME", xdg(&secret))
        .args(["profiles"])
        .run()
        .code(2)
        .stderr_lacks("hunter2");
    let no_file = Path::new(xdg(&missing)).join("elsewhere");
    Zksh::bare()
        .env("XDG_CONFIG_HOME", no_file.to_str().expect("utf-8"))
        .args(["-P", "a", "ls", "/"])
        .run()
        .code(2)
        .stderr_contains("does not exist");
}

#[test]
fn a_profile_carries_tls_files_and_a_credential_from_the_environment() {
    use crate::support::tls::{certs, need_client_cert, tls_args};
    let server = need_client_cert();
    let root = crate::support::unique_root("profile-tls");
    let node = format!("{root}/alices");
    // Only alice (digest alice:secret) may read it.
    let alice = "digest:alice:aYXlLOpEooaV1cRAvUL1fp9Qt7E=:cdrwa";
    Zksh::bare()
        .args(tls_args(&server.tls_address(), true))
        .args(["-c", &format!("create {root}; create {node} for-alice {alice}")])
        .run()
        .success();
    let c = certs();
    let home = config_home(&format!(
        "[profiles.secure]\nserver = \"{}\"\ntls_ca = \"{}\"\ntls_cert = \"{}\"\ntls_key = \"{}\"\nauth_env = \"SECURE_ZK_AUTH\"\n",
        server.tls_address(),
        c.arg("ca.pem"),
        c.arg("client.pem"),
        c.arg("client.key"),
    ));
    Zksh::bare()
        .env("XDG_CONFIG_HOME", xdg(&home))
        .env("SECURE_ZK_AUTH", "digest:alice:secret")
        .args(["-P", "secure", "get", &node])
        .run()
        .success()
        .stdout_is("for-alice\n");
    // The variable the profile names is unset: a usage error naming it, nothing connected.
    Zksh::bare()
        .env("XDG_CONFIG_HOME", xdg(&home))
        .args(["-P", "secure", "get", &node])
        .run()
        .code(2)
        .one_line_error()
        .stderr_contains("SECURE_ZK_AUTH is not set");
    // Without the credential the node is refused: the profile's credential did the reading.
    Zksh::bare()
        .args(tls_args(&server.tls_address(), true))
        .args(["get", &node])
        .run()
        .code(1)
        .stderr_contains("not authorized");
}

#[test]
fn connect_switches_to_a_profile_by_name() {
    let (server, root) = namespace("profile-connect");
    Zksh::new(server).args(["set", &root, "reached"]).run().success();
    let home = config_home(&format!(
        "[profiles.other]\nserver = \"{}{root}\"\n",
        server.connect_string()
    ));
    let mut sh = PtyShell::spawn(&["-s", &server.connect_string()], &[("XDG_CONFIG_HOME", xdg(&home))]);
    sh.wait_for("CONNECTED", T);
    sh.line("connect other");
    sh.wait_for("other /> ", T);
    sh.line("get /");
    sh.wait_for("reached", T);
    sh.line("quit");
    assert_eq!(sh.wait_exit(T), 0);
}
