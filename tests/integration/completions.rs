//! Shell completion in real shells: the checked-in scripts load in bash, zsh and fish, complete
//! command names, and complete znode paths from the live test server; with no server they stay
//! quick and silent. On a terminal, bash, zsh and the REPL list command names (not aliases),
//! keep going down the tree after a node with children (`/app/config/`, no space), put a space
//! after a leaf, and type nothing on TAB after a complete path; bash does so with a
//! `host:port` on the line. Also: the scripts and the man page come from the binary.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::pty::PtyShell;
use crate::support::{Zksh, closed_address, namespace};

const T: Duration = Duration::from_secs(20);

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
    assert_eq!(
        offered.candidates,
        ["get", "getAllChildrenNumber", "getEphemerals", "getAcl"],
        "stderr: {}",
        offered.stderr
    );

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

    zsh.type_text("zksh crea\t");
    zsh.wait_for("zksh create ", Duration::from_secs(10));
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
    // A node with children ends in `/` (fish then adds no space).
    Zksh::new(server)
        .args(["create", &format!("{target}/stone")])
        .run()
        .success();
    let offered = complete(&format!("zksh -s {} get {root}/dam", server.connect_string()));
    assert_eq!(offered.trim_end(), format!("{target}/"), "{offered}");
    // Command names, not the aliases that sort before them.
    let offered = complete("zksh ");
    assert!(offered.lines().any(|l| l.starts_with("get\t")), "{offered}");
    assert!(!offered.lines().any(|l| l.starts_with("cat\t")), "{offered}");
}

/// `{root}/app/config/x`, `{root}/apple` and `{root}/banana`: a node with children, leaves, and
/// a prefix (`app`) shared by a node with children and a leaf.
fn tree(name: &str) -> (&'static crate::support::ZkServer, String) {
    let (server, root) = namespace(name);
    Zksh::new(server)
        .args([
            "-c",
            &format!("create {root}/app; create {root}/app/config; create {root}/app/config/x; create {root}/apple; create {root}/banana"),
        ])
        .run()
        .success();
    (server, root)
}

/// The last line of the screen that shows `prompt`: the line being edited, even with a list
/// of candidates printed under it.
fn prompt_line(screen: &str, prompt: &str) -> String {
    screen
        .lines()
        .rev()
        .find(|l| l.contains(prompt))
        .unwrap_or_default()
        .trim_end()
        .to_string()
}

/// Types `typed`, a TAB and a marker, and checks that the TAB left the line ending in `want`
/// (the marker shows whether a space follows). A path completion asks the live server under a
/// short deadline (half a second for a shell, a moment for the REPL's cache), so on a busy
/// machine a TAB may come back with less than the server holds: a line that is not `want` is
/// typed afresh a few times before the test fails.
fn tab_gives(sh: &mut PtyShell, prompt: &str, typed: &str, want: &str) {
    let mut last = String::new();
    for attempt in 0..4 {
        let marker = format!("Z{attempt}");
        sh.type_text("\x15"); // Ctrl-U: clear the line
        sh.type_text(&format!("{typed}\t{marker}"));
        let screen = sh.wait_until(&format!("{marker} after TAB on {typed:?}"), T, |s| {
            prompt_line(s, prompt).ends_with(&marker)
        });
        last = prompt_line(&screen, prompt);
        if last.ends_with(&format!("{want}{marker}")) {
            sh.type_text("\x15");
            return;
        }
    }
    panic!("TAB on {typed:?} never left the line ending in {want:?}; last: {last:?}");
}

/// The words of a listing of candidates shown under the prompt.
fn listed_words(screen: &str) -> Vec<String> {
    screen.split_whitespace().map(str::to_string).collect()
}

/// A listing of commands is on screen: the first and the last registered (no alias of either).
fn listing_shown(screen: &str) -> bool {
    screen.contains("create") && screen.contains("redo")
}

/// Names listed for an empty command word: the commands, by their names, and none of the
/// aliases that sort before them (`cat` for `get`, `exit` for `quit`).
fn assert_command_names_listed(screen: &str) {
    let words = listed_words(screen);
    for name in ["get", "ls", "addauth", "quit", "delete"] {
        assert!(words.iter().any(|w| w == name), "{name} not listed:\n{screen}");
    }
    for alias in ["cat", "dir", "add-auth", "exit", "rm", "mk"] {
        assert!(!words.iter().any(|w| w == alias), "alias {alias} listed:\n{screen}");
    }
}

fn bash_on_a_terminal() -> PtyShell {
    require("bash");
    // The PTY starts with echo off, and readline then shows nothing that is typed.
    let mut command = Command::new("bash");
    command
        .args([
            "--norc",
            "--noprofile",
            "-c",
            "stty echo; exec env PS1='bash> ' bash --norc --noprofile -i",
        ])
        .env("PATH", path_with_zksh())
        .env("TERM", "xterm")
        .env("INPUTRC", "/dev/null")
        .env("HISTFILE", "/dev/null")
        .env_remove("ZKSH_SERVER");
    let mut bash = PtyShell::spawn_command(command);
    bash.wait_for("bash> ", T);
    bash.line(&format!("source {}; echo READY", script_path("zksh.bash").display()));
    bash.wait_until("the script sourced", T, |s| s.lines().any(|l| l.trim() == "READY"));
    bash
}

#[test]
fn bash_on_a_terminal_completes_with_host_port_on_the_line_and_descends_the_tree() {
    let (server, root) = tree("compl-bash-pty");
    let on = format!("zksh -s {}", server.connect_string());
    let mut bash = bash_on_a_terminal();
    // bash splits `127.0.0.1:port` at the colon; the server still comes from the line.
    tab_gives(
        &mut bash,
        "bash> ",
        &format!("{on} get {root}/ban"),
        &format!("{root}/banana "),
    );
    tab_gives(
        &mut bash,
        "bash> ",
        &format!("zksh --server={} ls {root}/ban", server.connect_string()),
        &format!("{root}/banana "),
    );
    // A node with children: `/`, no space, and the next TAB goes on below it.
    tab_gives(
        &mut bash,
        "bash> ",
        &format!("{on} get {root}/app/c"),
        &format!("{root}/app/config/"),
    );
    tab_gives(
        &mut bash,
        "bash> ",
        &format!("{on} get {root}/app/config/"),
        &format!("{root}/app/config/x "),
    );
    // A shared prefix: as far as the candidates agree.
    tab_gives(
        &mut bash,
        "bash> ",
        &format!("{on} get {root}/ap"),
        &format!("{root}/app"),
    );
    // After a complete path, TAB types nothing (no `--` from the flags' common prefix).
    tab_gives(
        &mut bash,
        "bash> ",
        &format!("{on} get {root}/app/config/x "),
        &format!("{root}/app/config/x "),
    );
}

#[test]
fn bash_on_a_terminal_lists_command_names_not_aliases() {
    let mut bash = bash_on_a_terminal();
    bash.type_text("\x0czksh \t\t"); // Ctrl-L first: only the listing on screen
    let screen = bash.wait_until("the listing", T, listing_shown);
    assert_command_names_listed(&screen);
    // No flags on an empty word either.
    assert!(!listed_words(&screen).iter().any(|w| w.starts_with("--")), "{screen}");
    // An alias still completes when only it matches.
    tab_gives(&mut bash, "bash> ", "zksh ca", "zksh cat ");
}

#[test]
fn zsh_on_a_terminal_descends_the_tree_and_lists_command_names() {
    require("zsh");
    let (server, root) = tree("compl-zsh-pty");
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::copy(script_path("_zksh"), dir.path().join("_zksh")).expect("copy _zksh");
    let mut command = Command::new("zsh");
    command
        .args(["-f", "-i"])
        .env("PATH", path_with_zksh())
        .env("HOME", dir.path())
        .env("TERM", "xterm")
        .env_remove("ZKSH_SERVER")
        .env("PS1", "zsh> ");
    // zsh lists one command per line, with its summary: the whole list must fit on screen.
    let mut zsh = PtyShell::spawn_command_sized(command, 120, 160);
    zsh.wait_for("zsh> ", T);
    zsh.line(&format!(
        "bindkey -e; fpath=({} $fpath); autoload -Uz compinit; compinit -u -D; echo READY",
        dir.path().display()
    ));
    zsh.wait_until("compinit", T, |s| s.lines().any(|l| l.trim() == "READY"));

    let on = format!("zksh -s {}", server.connect_string());
    tab_gives(
        &mut zsh,
        "zsh> ",
        &format!("{on} get {root}/app/c"),
        &format!("{root}/app/config/"),
    );
    tab_gives(
        &mut zsh,
        "zsh> ",
        &format!("{on} get {root}/app/config/"),
        &format!("{root}/app/config/x "),
    );
    tab_gives(
        &mut zsh,
        "zsh> ",
        &format!("{on} get {root}/app/config/x "),
        &format!("{root}/app/config/x "),
    );

    zsh.type_text("\x0czksh \t");
    let screen = zsh.wait_until("the listing", T, listing_shown);
    assert_command_names_listed(&screen);
}

#[test]
fn repl_tab_descends_the_tree_and_lists_command_names() {
    let (server, root) = tree("compl-repl");
    let home = tempfile::tempdir().expect("tempdir");
    let home = home.path().to_string_lossy().to_string();
    let mut sh = PtyShell::spawn(&["-s", &server.connect_string()], &[("XDG_DATA_HOME", &home)]);
    sh.wait_for("CONNECTED", T);
    tab_gives(
        &mut sh,
        "/> ",
        &format!("get {root}/app/c"),
        &format!("{root}/app/config/"),
    );
    tab_gives(
        &mut sh,
        "/> ",
        &format!("get {root}/app/config/"),
        &format!("{root}/app/config/x "),
    );
    tab_gives(&mut sh, "/> ", &format!("get {root}/ban"), &format!("{root}/banana "));
    tab_gives(&mut sh, "/> ", &format!("get {root}/ap"), &format!("{root}/app"));

    sh.type_text("\x0c\t\t");
    let screen = sh.wait_until("the listing", T, listing_shown);
    assert_command_names_listed(&screen);
}
