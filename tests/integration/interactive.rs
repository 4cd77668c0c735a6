//! The REPL's first minute: Tab completion of commands, flags and live paths (absolute and
//! relative), syntax hints, a Tab that stays fast on a dead server, history that persists
//! without secrets, `!!` and `redo`, pasted lines that run one by one.

use std::time::{Duration, Instant};

use crate::pty::{PtyShell, input_line};
use crate::support::{ZkServer, Zksh, namespace};

const T: Duration = Duration::from_secs(20);

fn repl(server: &ZkServer, data_home: &std::path::Path) -> PtyShell {
    let home = data_home.to_string_lossy().to_string();
    let mut sh = PtyShell::spawn(&["-s", &server.connect_string()], &[("XDG_DATA_HOME", &home)]);
    sh.wait_for("CONNECTED", T);
    sh
}

#[test]
fn tab_completes_commands_flags_and_live_paths() {
    let (server, root) = namespace("tab");
    Zksh::new(server)
        .args(["-c", &format!("create {root}/bench-unique; create {root}/other")])
        .run()
        .success();
    let home = tempfile::tempdir().expect("tempdir");
    let mut sh = repl(server, home.path());

    // (`ge` would stop at `get`: getAllChildrenNumber shares it.)
    sh.type_text("crea\t");
    // (The syntax hint follows the completed word on screen.)
    sh.wait_until("create completed", T, |s| input_line(s).contains("/> create [-s]"));
    sh.type_text("\x15get --ra\t");
    sh.wait_until("flag completed", T, |s| input_line(s).contains("/> get --raw [-s]"));
    sh.type_text("\x15"); // Ctrl-U: clear the line

    sh.type_text(&format!("get {root}/ben\t"));
    // A leaf: completed with a space after it (the syntax hint follows).
    sh.wait_until("absolute path completed", T, |s| {
        input_line(s).contains(&format!("get {root}/bench-unique [-s]"))
    });
    sh.type_text("\x15");

    sh.line(&format!("cd {root}"));
    sh.wait_for(&format!("{root}> "), T);
    sh.type_text("get ben\t");
    sh.wait_until("relative path completed", T, |s| {
        input_line(s).contains("get bench-unique [-s]")
    });
    // Completion in the middle of a line: move left over " tail" and complete there.
    sh.type_text("\x15get ot tail\x1b[D\x1b[D\x1b[D\x1b[D\x1b[D\t");
    sh.wait_until("mid-line completion", T, |s| input_line(s).ends_with("get other tail"));
}

#[test]
fn hint_shows_the_rest_of_the_syntax() {
    let (server, _root) = namespace("hint");
    let home = tempfile::tempdir().expect("tempdir");
    let mut sh = repl(server, home.path());
    sh.type_text("get ");
    let screen = sh.wait_until("the hint", T, |s| input_line(s).contains("[-s] [-w]"));
    assert!(input_line(&screen).ends_with("<path>"), "{screen}");
    sh.type_text("-s ");
    sh.wait_until("hint without -s", T, |s| {
        let line = input_line(s);
        line.contains("get -s") && !line.contains("[-s]") && line.contains("[-w]")
    });
}

#[test]
fn tab_on_a_dead_server_returns_quickly() {
    let mut server = ZkServer::start();
    let home = tempfile::tempdir().expect("tempdir");
    let mut sh = repl(&server, home.path());
    server.stop();
    sh.wait_for("SUSPENDED", T);
    // A parent never listed before: the cache has nothing, so Tab would have to ask the server.
    let start = Instant::now();
    sh.type_text("get /never-listed/x\tX");
    sh.wait_until("the typed X after Tab", T, |s| {
        input_line(s).ends_with("get /never-listed/xX")
    });
    assert!(
        start.elapsed() < Duration::from_secs(1),
        "Tab blocked for {:?}",
        start.elapsed()
    );
}

#[test]
fn history_persists_without_secrets_and_bang_bang_repeats() {
    let (server, root) = namespace("history");
    let home = tempfile::tempdir().expect("tempdir");
    let mut sh = repl(server, home.path());
    sh.line(&format!("create {root}/remembered"));
    sh.wait_for(&format!("\n{root}/remembered"), T);
    sh.line("addauth digest alice:s3cret-pass");
    sh.line("pwd");
    sh.wait_until("pwd output", T, |s| s.lines().any(|l| l.trim() == "/"));
    sh.line("!!");
    sh.wait_until("pwd again", T, |s| s.lines().filter(|l| l.trim() == "/").count() >= 2);
    sh.line("quit");
    assert_eq!(sh.wait_exit(T), 0);

    let file = home.path().join("zksh/history");
    let saved = std::fs::read_to_string(&file).expect("history file written");
    assert!(saved.contains(&format!("create {root}/remembered")), "{saved}");
    assert!(!saved.contains("s3cret"), "a secret reached the history file:\n{saved}");
    assert!(!saved.contains("addauth"), "{saved}");

    // A new shell sees the old lines: `history` lists them and `redo` runs one.
    let mut sh = repl(server, home.path());
    sh.line("history remembered");
    let screen = sh.wait_for(&format!("create {root}/remembered"), T);
    let number: usize = screen
        .lines()
        .find(|l| l.contains(&format!("create {root}/remembered")) && !l.contains("> "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("a numbered history line:\n{screen}"));
    sh.line(&format!("redo {number}"));
    sh.wait_for(&format!("create {root}/remembered: node already exists"), T);
    // Up arrow recalls the previous line from the file.
    sh.type_text("\x1b[A");
    sh.wait_until("recalled line", T, |s| {
        input_line(s).ends_with(&format!("redo {number}"))
    });
}

#[test]
fn the_line_is_highlighted_as_it_is_typed() {
    let (server, _root) = namespace("highlight");
    let home = tempfile::tempdir().expect("tempdir");
    let mut sh = repl(server, home.path());
    // List / once so the cache knows which paths exist.
    sh.line("ls /");
    sh.wait_until("the listing", T, |s| s.lines().any(|l| l.trim() == "zookeeper"));
    sh.type_text("get -s /zookeeper /no-such-node 'open");
    sh.wait_for("'open", T);
    let plain = vt100::Color::Default;
    let green = sh.colour_of("get -s").expect("command on screen");
    let flag = sh.colour_of("-s /zoo").expect("flag on screen");
    let known = sh.colour_of("/zookeeper /no").expect("known path on screen");
    let unknown = sh.colour_of("/no-such-node").expect("unknown path on screen");
    let quote = sh.colour_of("'open").expect("open quote on screen");
    let colours = [green, flag, known, unknown, quote];
    assert!(colours.iter().all(|c| *c != plain), "every part coloured: {colours:?}");
    for (i, a) in colours.iter().enumerate() {
        for b in &colours[i + 1..] {
            assert_ne!(a, b, "parts told apart: {colours:?}");
        }
    }
    sh.type_text("\x15gett");
    sh.wait_for("/> gett", T);
    assert_ne!(
        sh.colour_of("gett"),
        Some(green),
        "an unknown command is not coloured as a known one"
    );
}

#[test]
fn a_mistyped_addauth_stays_out_of_the_history() {
    let (server, root) = namespace("history-typo");
    let home = tempfile::tempdir().expect("tempdir");
    let mut sh = repl(server, home.path());
    sh.line("adauth digest eve:typo-s3cret");
    sh.wait_for("'adauth'", T);
    sh.line(&format!("create {root}/after-the-typo"));
    sh.wait_for(&format!("\n{root}/after-the-typo"), T);
    sh.line("quit");
    assert_eq!(sh.wait_exit(T), 0);
    let saved = std::fs::read_to_string(home.path().join("zksh/history")).expect("history file written");
    assert!(saved.contains("after-the-typo"), "the history was saved:\n{saved}");
    assert!(
        !saved.contains("typo-s3cret"),
        "a secret reached the history file:\n{saved}"
    );
    assert!(!saved.contains("adauth"), "{saved}");
}

/// What a terminal sends for pasted text with bracketed paste on (rustyline turns it on).
fn paste(text: &str) -> String {
    format!("\x1b[200~{text}\x1b[201~")
}

#[test]
fn pasted_lines_run_as_separate_commands_each_in_history() {
    let (server, root) = namespace("paste");
    let home = tempfile::tempdir().expect("tempdir");
    let mut sh = repl(server, home.path());
    let pm1 = format!("{root}/pm1");
    let pm2 = format!("{root}/pm2");
    sh.type_text(&paste(&format!("create {pm1}\nset {pm1} hello\ncreate {pm2}\n")));
    sh.type_text("\r");
    sh.wait_for(&format!("\n{pm2}"), T);
    Zksh::new(server)
        .args(["get", &pm1])
        .run()
        .success()
        .stdout_is("hello\n");
    // Each pasted line is an entry of its own: two steps up is the middle line, alone.
    sh.type_text("\x1b[A\x1b[A");
    sh.wait_until("the middle line recalled", T, |s| {
        input_line(s).ends_with(&format!("/> set {pm1} hello"))
    });
}

#[test]
fn five_hundred_pasted_lines_create_five_hundred_nodes() {
    let (server, root) = namespace("paste-many");
    let home = tempfile::tempdir().expect("tempdir");
    let mut sh = repl(server, home.path());
    // A terminal sends a pasted newline as a carriage return.
    let mut text = format!("create {root}/many\r");
    for i in 0..500 {
        text.push_str(&format!("create {root}/many/n{i:03}\r"));
    }
    sh.type_text(&paste(&text));
    sh.type_text("\r");
    sh.wait_for(&format!("\n{root}/many/n499"), Duration::from_secs(60));
    let listed = Zksh::new(server).args(["ls", &format!("{root}/many")]).run();
    listed.success();
    let names = listed.lines();
    assert_eq!(names.len(), 500, "{names:?}");
    assert_eq!((names[0], names[499]), ("n000", "n499"));
}

/// On a terminal `ls -l` names its columns (a pipe gets rows only: see the one-shot tests), and
/// `cd` says nothing in the shell, whose prompt already shows where it went.
#[test]
fn ls_long_has_a_header_and_cd_is_quiet_in_the_shell() {
    let (server, root) = namespace("ls-header");
    Zksh::new(server)
        .args(["create", &format!("{root}/child"), "abc"])
        .run()
        .success();
    let home = tempfile::tempdir().expect("tempdir");
    let mut sh = repl(server, home.path());
    sh.line(&format!("cd {root}"));
    sh.wait_until("the prompt at the new node", T, |s| {
        s.trim_end().ends_with(&format!("{root}>"))
    });
    let screen = sh.screen();
    assert!(
        !screen.lines().any(|l| l.trim() == root),
        "cd echoed the path in the shell:\n{screen}"
    );
    sh.line("ls -l");
    let screen = sh.wait_for("child", T);
    let header = screen
        .lines()
        .position(|l| l.starts_with("t ") && l.contains("bytes") && l.contains("modified") && l.ends_with("name"))
        .unwrap_or_else(|| panic!("no header row:\n{screen}"));
    let row = screen
        .lines()
        .position(|l| l.ends_with("child"))
        .expect("the child's row");
    assert_eq!(row, header + 1, "the header comes right above the rows:\n{screen}");
    // In a pipe, the same listing has no header.
    let piped = Zksh::new(server).args(["ls", "-l", &root]).run();
    piped.success();
    assert_eq!(piped.lines().len(), 1, "{}", piped.stdout);
}
