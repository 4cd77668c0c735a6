//! Data display: hex dumps and base64 (`get -x`, `get -b`, `set -b`, `create -b`), JSON
//! pretty-printed only on a terminal, and colour only where it belongs.

use std::process::Command;
use std::time::Duration;

use crate::pty::PtyShell;
use crate::support::{Zksh, namespace};

const T: Duration = Duration::from_secs(20);

#[test]
fn base64_and_hex_round_trip_binary_data() {
    let (server, root) = namespace("b64");
    let node = format!("{root}/bin");
    // The bytes 00 ff, given as base64.
    Zksh::new(server).args(["create", "-b", &node, "AP8="]).run().success();
    let raw = Zksh::new(server).args(["get", "--raw", &node]).run();
    raw.success();
    assert_eq!(raw.stdout_bytes, [0x00, 0xff], "create -b stored the decoded bytes");
    Zksh::new(server)
        .args(["get", "-b", &node])
        .run()
        .success()
        .stdout_is("AP8=\n");
    Zksh::new(server)
        .args(["get", "-x", &node])
        .run()
        .success()
        .stdout_is("00000000  00 ff                                             |..|\n00000002\n");
    // set -b, from a file with a line break (as `base64` writes it).
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("data.b64");
    std::fs::write(&file, "aGVs\nbG8=\n").unwrap();
    Zksh::new(server)
        .args(["set", "-b", &node, "--file"])
        .arg(&file)
        .run()
        .success()
        .stdout_is("");
    Zksh::new(server)
        .args(["get", &node])
        .run()
        .success()
        .stdout_is("hello\n");
    // A longer dump: offsets, two groups of eight, the ASCII column.
    Zksh::new(server)
        .args(["set", &node, "Hello, world!\n\u{1}"])
        .run()
        .success();
    Zksh::new(server)
        .args(["get", "-x", &node])
        .run()
        .success()
        .stdout_is("00000000  48 65 6c 6c 6f 2c 20 77  6f 72 6c 64 21 0a 01     |Hello, world!..|\n0000000f\n");
    // JSON: -b asks for the bytes, so they come as dataBase64 even when they are text.
    let json = Zksh::new(server).args(["get", "-b", "-o", "json", &node]).run().json();
    assert_eq!(json["dataBase64"], "SGVsbG8sIHdvcmxkIQoB");
    assert!(json.get("data").is_none(), "{json}");
    let json = Zksh::new(server).args(["get", "-o", "json", &node]).run().json();
    assert_eq!(json["data"], "Hello, world!\n\u{1}");
}

#[test]
fn bad_base64_is_a_usage_error_and_writes_nothing() {
    let (server, root) = namespace("bad-b64");
    let node = format!("{root}/n");
    Zksh::new(server).args(["create", &node, "kept"]).run().success();
    Zksh::new(server)
        .args(["set", "-b", &node, "not base64!"])
        .run()
        .code(2)
        .one_line_error()
        .stderr_contains(&format!("set {node}: the data is not valid base64"))
        .stderr_contains("nothing written");
    Zksh::new(server)
        .args(["get", "-s", &node])
        .run()
        .success()
        .stdout_contains("kept\n")
        .stdout_contains("dataVersion = 0");
    let other = format!("{root}/other");
    Zksh::new(server)
        .args(["create", "-b", &other, "A"])
        .run()
        .code(2)
        .one_line_error()
        .stderr_contains("not valid base64");
    Zksh::new(server).args(["exists", &other]).run().code(1);
}

#[test]
fn json_data_is_exact_in_a_pipe_and_pretty_on_a_terminal() {
    let (server, root) = namespace("json-data");
    let node = format!("{root}/conf");
    let text = r#"{"zeta":1.50,"alpha":[true,null],"s":"x"}"#;
    Zksh::new(server).args(["create", &node, text]).run().success();
    // A pipe gets the stored text, byte for byte (key order and number spelling included).
    Zksh::new(server)
        .args(["get", &node])
        .run()
        .success()
        .stdout_is(&format!("{text}\n"));

    let cs = server.connect_string();
    let mut sh = PtyShell::spawn(&["-s", &cs, "get", &node], &[]);
    sh.wait_for("\"s\": \"x\"", T);
    assert_eq!(sh.wait_exit(T), 0);
    let screen = sh.screen();
    for line in [
        "{",
        "  \"zeta\": 1.50,",
        "  \"alpha\": [",
        "    true,",
        "    null",
        "  ],",
        "  \"s\": \"x\"",
        "}",
    ] {
        assert!(
            screen.lines().any(|l| l.trim_end() == line),
            "{line:?} on the screen:\n{screen}"
        );
    }
    assert!(sh.coloured_cells() > 0, "keys and values are coloured:\n{screen}");

    // No colour asked for: the text as it is, even on a terminal.
    let mut sh = PtyShell::spawn(&["-s", &cs, "--color", "never", "get", &node], &[]);
    sh.wait_for(text, T);
    assert_eq!(sh.wait_exit(T), 0);
    let screen = sh.screen();
    assert!(screen.contains(text), "compact text:\n{screen}");
    assert_eq!(sh.coloured_cells(), 0, "no colour:\n{screen}");
}

/// `zksh` with the given arguments and environment, nothing else added (the harness always
/// passes --color never, which these tests must choose themselves).
fn run_plain(args: &[&str], envs: &[(&str, &str)]) -> (String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_zksh"));
    command
        .args(args)
        .env_remove("NO_COLOR")
        .env_remove("ZKSH_SERVER")
        .env_remove("RUST_LOG");
    for (key, value) in envs {
        command.env(key, value);
    }
    let output = command.output().expect("run zksh");
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn colour_only_when_asked_for_or_on_a_terminal() {
    let (server, root) = namespace("colour");
    let cs = server.connect_string();
    let missing = format!("{root}/missing");
    let cases: [&[&str]; 4] = [
        &["stat", &root],
        &["get", &missing],
        &["get"],
        &["-c", "get --bogus /x"],
    ];
    for case in cases {
        let mut args = vec!["-s", cs.as_str()];
        args.extend_from_slice(case);
        // Pipes: no colour, with or without NO_COLOR.
        for envs in [&[][..], &[("NO_COLOR", "1")][..]] {
            let (out, err) = run_plain(&args, envs);
            assert!(!out.contains("\x1b["), "{args:?} {envs:?}: colour on stdout: {out:?}");
            assert!(!err.contains("\x1b["), "{args:?} {envs:?}: colour on stderr: {err:?}");
            assert!(!out.is_empty() || !err.is_empty(), "{args:?}: some output");
        }
        // --color always: colour even in a pipe.
        let mut always = vec!["--color", "always"];
        always.extend_from_slice(&args);
        let (out, err) = run_plain(&always, &[]);
        assert!(
            out.contains("\x1b[") || err.contains("\x1b["),
            "{always:?}: coloured output: {out:?} {err:?}"
        );
    }
    // On a terminal, --color never and NO_COLOR keep even clap's usage errors plain.
    for (args, envs) in [
        (vec!["--color", "never", "-s", cs.as_str(), "get"], vec![]),
        (vec!["-s", cs.as_str(), "get"], vec![("NO_COLOR", "1")]),
        (
            vec!["--color", "never", "-s", cs.as_str(), "get", missing.as_str()],
            vec![],
        ),
    ] {
        let mut sh = PtyShell::spawn(&args, &envs);
        sh.wait_for("error", T);
        assert_ne!(sh.wait_exit(T), 0);
        let screen = sh.screen();
        assert_eq!(sh.coloured_cells(), 0, "{args:?} {envs:?}: no colour:\n{screen}");
    }
    // ...and colour them by default.
    let mut sh = PtyShell::spawn(&["-s", &cs, "get"], &[]);
    sh.wait_for("error", T);
    assert_eq!(sh.wait_exit(T), 2);
    assert!(sh.coloured_cells() > 0, "a coloured usage error:\n{}", sh.screen());
}

#[test]
fn text_that_reads_as_an_escape_never_looks_like_the_byte() {
    let (server, root) = namespace("escape-ambiguity");
    let text = format!("{root}/text");
    let byte = format!("{root}/byte");
    let plain = format!("{root}/plain");
    // The four characters `\x1b` as text, and the ESC byte itself (base64 of "a" 0x1b).
    Zksh::new(server).args(["create", &text, r"a\x1b"]).run().success();
    Zksh::new(server).args(["create", "-b", &byte, "YRs="]).run().success();
    Zksh::new(server).args(["create", &plain, r"a\b"]).run().success();
    let get = |path: &str| Zksh::new(server).args(["get", path]).run().success().stdout.clone();
    assert_eq!(get(&byte), "a\\x1b\n");
    assert_eq!(get(&text), "a\\\\x1b\n", "the text's backslash is escaped");
    // Text with no escape-like backslash prints exactly as stored.
    assert_eq!(get(&plain), "a\\b\n");
}
