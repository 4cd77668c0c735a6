//! Shell completion in real shells: the checked-in scripts load in bash, zsh and fish, complete
//! command names, and complete znode paths from the live test server; with no server they stay
//! quick and silent. Also: the scripts and the man page come from the binary.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::pty::PtyShell;
use crate::support::{Zksh, closed_address, namespace};

const SHELLS: [(&str, &str); 3] = [("bash", "zksh.bash"), ("zsh", "_zksh"), ("fish", "zksh.fish")];

fn script_path(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("completions").join(file)
}

/// PATH with the tested zksh first: the scripts call `zksh` from PATH, as installed.
fn path_with_zksh() -> String {
    let bin = Path::new(env!("CARGO_BIN_EXE_zksh")).parent().expect("bin dir");
    format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default())
}

/// A shell the test needs; .ci/setup installs it.
fn require(shell: &str) {
    let found = Command::new(shell)
        .arg("-c")
        .arg("exit 0")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(found, "{shell} is not installed: run .ci/setup");
}

/// What bash offers for the line `words` (cursor at the end of the last word), by sourcing
/// completions/zksh.bash and calling its completion function as bash's TAB would.
struct BashCompletion {
    candidates: Vec<String>,
    stderr: String,
    took: Duration,
}

fn bash_complete(words: &[&str], server_env: Option<&str>) -> BashCompletion {
    require("bash");
    let driver = r#"
source "$ZKSH_TEST_SCRIPT"
COMP_WORDS=("$@")
COMP_CWORD=$(( $# - 1 ))
COMP_LINE="$*"
COMP_POINT=${#COMP_LINE}
COMP_TYPE=9
_clap_complete_zksh zksh "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\n' "${COMPREPLY[@]}"
"#;
    let mut command = Command::new("bash");
    command
        .args(["--norc", "--noprofile", "-c", driver, "bash"])
        .args(words)
        .env("ZKSH_TEST_SCRIPT", script_path("zksh.bash"))
        .env("PATH", path_with_zksh())
        .env_remove("ZKSH_SERVER")
        .stdin(Stdio::null());
    if let Some(server) = server_env {
        command.env("ZKSH_SERVER", server);
    }
    let started = Instant::now();
    let output = command.output().expect("run bash");
    let took = started.elapsed();
    assert!(output.status.success(), "bash failed: {output:?}");
    BashCompletion {
        candidates: String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        took,
    }
}

#[test]
fn checked_in_scripts_are_what_the_binary_prints() {
    for (shell, file) in SHELLS {
        let expected = std::fs::read_to_string(script_path(file)).expect("read checked-in script");
        Zksh::bare()
            .args(["completions", shell])
            .run()
            .success()
            .stderr_is_empty()
            .stdout_is(&expected);
    }
    let json = Zksh::bare().args(["completions", "zsh", "-o", "json"]).run().json();
    assert_eq!(json["shell"], "zsh");
    assert!(json["script"].as_str().is_some_and(|s| s.contains("compdef")));
}

#[test]
fn man_page_is_roff_with_every_command() {
    let out = Zksh::bare().arg("man").run();
    out.success().stderr_is_empty().stdout_contains(".TH zksh 1");
    for needle in [".SH COMMANDS", "deleteall", "addWatch", "completions", "\\-\\-server"] {
        out.stdout_contains(needle);
    }
}

#[test]
fn bash_completes_commands_and_live_paths() {
    let (server, root) = namespace("compl-bash");
    let target = format!("{root}/apple-tree");
    Zksh::new(server).args(["create", &target]).run().success();
    Zksh::new(server)
        .args(["create", &format!("{root}/banana")])
        .run()
        .success();
    let connect = server.connect_string();

    let offered = bash_complete(&["zksh", "ge"], None);
    assert_eq!(offered.candidates, ["get"], "stderr: {}", offered.stderr);

    // The server given earlier on the line.
    let prefix = format!("{root}/app");
    let offered = bash_complete(&["zksh", "-s", &connect, "get", &prefix], None);
    assert_eq!(offered.candidates, [target.as_str()], "stderr: {}", offered.stderr);
    assert!(offered.stderr.is_empty(), "stderr: {}", offered.stderr);

    // ZKSH_SERVER; the parent's children, every one, with the typed parent kept.
    let parent = format!("{root}/");
    let offered = bash_complete(&["zksh", "ls", &parent], Some(&connect));
    assert_eq!(offered.candidates, [target.clone(), format!("{root}/banana")]);

    // A relative path resolves against / in a one-shot line, and stays relative.
    let relative = format!("{}/app", root.trim_start_matches('/'));
    let offered = bash_complete(&["zksh", "--server", &connect, "stat", &relative], None);
    assert_eq!(offered.candidates, [target.trim_start_matches('/')]);

    // Flags still complete from the grammar.
    let offered = bash_complete(&["zksh", "-s", &connect, "get", "--ra"], None);
    assert_eq!(offered.candidates, ["--raw"]);
}

#[test]
fn completion_without_a_server_is_quick_and_silent() {
    // Nothing listens: refused at once.
    let closed = closed_address();
    let offered = bash_complete(&["zksh", "-s", &closed, "get", "/ap"], None);
    assert!(offered.candidates.is_empty(), "{:?}", offered.candidates);
    assert!(offered.stderr.is_empty(), "stderr: {}", offered.stderr);
    assert!(offered.took < Duration::from_secs(2), "took {:?}", offered.took);

    // Something accepts the connection but never answers: the deadline ends it.
    let silent = TcpListener::bind("127.0.0.1:0").expect("bind a silent listener");
    let silent_addr = format!("127.0.0.1:{}", silent.local_addr().expect("addr").port());
    let offered = bash_complete(&["zksh", "get", "/ap"], Some(&silent_addr));
    assert!(offered.candidates.is_empty(), "{:?}", offered.candidates);
    assert!(offered.stderr.is_empty(), "stderr: {}", offered.stderr);
    assert!(offered.took < Duration::from_secs(2), "took {:?}", offered.took);

    // The completion protocol itself, straight to the binary: nothing on either stream.
    let started = Instant::now();
    Zksh::bare()
        .env("ZKSH_COMPLETE", "bash")
        .env("_CLAP_COMPLETE_INDEX", "4")
        .args(["--", "zksh", "-s", &silent_addr, "get", "/ap"])
        .run()
        .success()
        .stdout_is("")
        .stderr_is_empty();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "took {:?}",
        started.elapsed()
    );
    drop(silent);
}

#[test]
fn zsh_completes_commands_and_live_paths() {
    require("zsh");
    let (server, root) = namespace("compl-zsh");
    let target = format!("{root}/cherry-blossom");
    Zksh::new(server).args(["create", &target]).run().success();

    // Installed the usual way: _zksh in a directory of $fpath, then compinit.
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::copy(script_path("_zksh"), dir.path().join("_zksh")).expect("copy _zksh");
    let mut command = Command::new("zsh");
    command
        .args(["-f", "-i"])
        .env("PATH", path_with_zksh())
        .env("HOME", dir.path())
        .env_remove("ZKSH_SERVER")
        .env("PS1", "zsh> ");
    let mut zsh = PtyShell::spawn_command(command);
    zsh.wait_for("zsh> ", Duration::from_secs(10));
    zsh.line(&format!(
        "bindkey -e; fpath=({} $fpath); autoload -Uz compinit; compinit -u -D; echo READY",
        dir.path().display()
    ));
    zsh.wait_until("compinit", Duration::from_secs(10), |s| {
        s.lines().any(|l| l.trim() == "READY")
    });

    zsh.type_text("zksh ge\t");
    zsh.wait_for("zksh get ", Duration::from_secs(10));
    zsh.type_text("\x15"); // Ctrl-U: clear the line

    zsh.type_text(&format!("zksh -s {} stat {root}/cher\t", server.connect_string()));
    zsh.wait_for(&target, Duration::from_secs(10));
}

#[test]
fn fish_completes_commands_and_live_paths() {
    require("fish");
    let (server, root) = namespace("compl-fish");
    let target = format!("{root}/damson");
    Zksh::new(server).args(["create", &target]).run().success();
    let complete = |line: &str| -> String {
        let output = Command::new("fish")
            .args(["--no-config", "-c"])
            .arg(format!(
                "source {}; complete -C '{line}'",
                script_path("zksh.fish").display()
            ))
            .env("PATH", path_with_zksh())
            .env_remove("ZKSH_SERVER")
            .stdin(Stdio::null())
            .output()
            .expect("run fish");
        assert!(output.status.success(), "fish failed: {output:?}");
        assert!(output.stderr.is_empty(), "fish stderr: {output:?}");
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let offered = complete("zksh ge");
    assert!(offered.lines().any(|l| l.starts_with("get\t")), "{offered}");
    let offered = complete(&format!("zksh -s {} get {root}/dam", server.connect_string()));
    assert_eq!(offered.trim_end(), target, "{offered}");
}
