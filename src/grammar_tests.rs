//! Parser tests that need no server: the one grammar as argv and as REPL/script lines, and a
//! property test feeding random lines to the tokenizer and parser (errors fine, panics never).

use clap::Parser;
use proptest::prelude::*;

use crate::cli::{Cli, OutputFormat, ShellLine};
use crate::commands::{Command, With};
use crate::line::split_commands;

fn line(text: &str) -> Result<Command, String> {
    let words = split_commands(text).map_err(|e| e.to_string())?;
    let first = words.into_iter().next().ok_or("empty")?;
    ShellLine::try_parse_from(first)
        .map(|l| l.command)
        .map_err(|e| e.to_string())
}

fn argv(args: &[&str]) -> Cli {
    Cli::try_parse_from(std::iter::once("zksh").chain(args.iter().copied())).expect("parses")
}

#[test]
fn top_level_and_command_s_letters_in_one_line() {
    let cli = argv(&["-s", "zk1:2181,zk2:2181/app", "create", "-s", "-e", "/x", "data"]);
    assert_eq!(cli.server, "zk1:2181,zk2:2181/app");
    let Some(Command::Create(With { args: create, .. })) = cli.command else {
        panic!("not create")
    };
    assert!(create.sequential && create.ephemeral && !create.container);
    assert_eq!(create.path, "/x");
    assert_eq!(create.data.data.as_deref(), Some("data"));
}

#[test]
fn design_example_with_both_s_letters_parses() {
    // DESIGN.md: `zksh -s h create -s -c /x` must parse (refused later: no sequential containers).
    let cli = argv(&["-s", "h", "create", "-s", "-c", "/x"]);
    assert_eq!(cli.server, "h");
    let Some(Command::Create(With { args: create, .. })) = cli.command else {
        panic!("not create")
    };
    assert!(create.sequential && create.container);
}

#[test]
fn output_option_before_or_on_the_command() {
    let cli = argv(&["-o", "json", "get", "/x"]);
    assert_eq!(cli.output, Some(OutputFormat::Json));
    let cli = argv(&["get", "/x", "-o", "json"]);
    assert_eq!(cli.command.and_then(|c| c.output()), Some(OutputFormat::Json));
}

#[test]
fn every_flag_of_create() {
    let Ok(Command::Create(With { args: c, .. })) = line("create -s -e -p --file f /x") else {
        panic!()
    };
    assert!(c.sequential && c.ephemeral && c.parents);
    assert_eq!(c.data.file.as_deref(), Some(std::path::Path::new("f")));
    let Ok(Command::Create(With { args: c, .. })) = line("create -c /x") else {
        panic!()
    };
    assert!(c.container);
    let Ok(Command::Create(With { args: c, .. })) = line("create -t 5000 /x") else {
        panic!()
    };
    assert_eq!(c.ttl, Some(std::time::Duration::from_millis(5000)));
    let Ok(Command::Create(With { args: c, .. })) = line("create /x '' world:anyone:r") else {
        panic!()
    };
    assert_eq!(c.data.data.as_deref(), Some(""));
    assert_eq!(c.acl.as_deref(), Some("world:anyone:r"));
    assert!(line("create -c -e /x").is_err(), "container and ephemeral conflict");
}

#[test]
fn every_flag_of_get_set_ls_delete() {
    let Ok(Command::Get(With { args: g, .. })) = line("get -s --raw /x") else {
        panic!()
    };
    assert!(g.stat && g.raw);
    let Ok(Command::Get(With { args: g, .. })) = line("get --out f /x") else {
        panic!()
    };
    assert!(g.out_file.is_some());
    assert!(line("get --raw --out f /x").is_err());
    let Ok(Command::Set(With { args: s, .. })) = line("set -s -v 3 /x data") else {
        panic!()
    };
    assert!(s.stat);
    assert_eq!(s.version, Some(3));
    let Ok(Command::Set(With { args: s, .. })) = line("set /n -5") else {
        panic!()
    };
    assert_eq!(s.data.data.as_deref(), Some("-5"));
    let Ok(Command::Set(With { args: s, .. })) = line("set /n -- --flaglike") else {
        panic!()
    };
    assert_eq!(s.data.data.as_deref(), Some("--flaglike"));
    assert!(line("set -v abc /x y").is_err());
    // The data of `set` is required (an explicit '' empties the node); `create` may omit it.
    assert!(line("set /x").is_err(), "set without data");
    assert!(line("set /x ''").is_ok());
    assert!(line("set --file f /x").is_ok());
    assert!(line("create /x").is_ok());
    let Ok(Command::Ls(With { args: l, .. })) = line("ls -s -l /x") else {
        panic!()
    };
    assert!(l.stat && l.long);
    let Ok(Command::Ls(With { args: l, .. })) = line("ls") else {
        panic!()
    };
    assert!(l.path.is_none());
    let Ok(Command::Delete(With { args: d, .. })) = line("delete -r /x") else {
        panic!()
    };
    assert!(d.recursive);
    let Ok(Command::Delete(With { args: d, .. })) = line("delete -v 2 /x") else {
        panic!()
    };
    assert_eq!(d.version, Some(2));
    assert!(matches!(line("deleteall /x"), Ok(Command::DeleteAll(_))));
    assert!(matches!(line("rmr /x"), Ok(Command::DeleteAll(_))));
    assert!(matches!(line("deleteall /x -b 1000"), Ok(Command::DeleteAll(_))));
}

#[test]
fn navigation_and_shell_commands() {
    assert!(matches!(line("cd -"), Ok(Command::Cd(With { args: c, .. })) if c.path.as_deref() == Some("-")));
    assert!(matches!(line("cd"), Ok(Command::Cd(With { args: c, .. })) if c.path.is_none()));
    assert!(matches!(line("pwd"), Ok(Command::Pwd(_))));
    assert!(matches!(line("exit"), Ok(Command::Quit(_))));
    assert!(matches!(line("quit"), Ok(Command::Quit(_))));
    assert!(
        matches!(line("help create"), Ok(Command::Help(With { args: h, .. })) if h.command.as_deref() == Some("create"))
    );
    assert!(matches!(line("addauth digest u:p"), Ok(Command::AddAuth(_))));
    assert!(matches!(line("sync /x"), Ok(Command::Sync(_))));
    assert!(matches!(line("version"), Ok(Command::Version(_))));
}

#[test]
fn usage_errors() {
    assert!(line("gett /x").unwrap_err().contains("get"));
    assert!(line("get -z /x").unwrap_err().contains("-z"));
    assert!(line("get").is_err());
    assert!(line("set \"open").unwrap_err().contains("unterminated"));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, .. ProptestConfig::default() })]

    #[test]
    fn random_lines_never_panic(text in "\\PC{0,80}") {
        if let Ok(commands) = split_commands(&text) {
            for words in commands {
                let _ = ShellLine::try_parse_from(words);
            }
        }
    }

    #[test]
    fn shell_like_lines_never_panic(
        words in proptest::collection::vec(
            prop_oneof![
                Just("create".to_string()), Just("get".to_string()), Just("set".to_string()),
                Just("ls".to_string()), Just("delete".to_string()), Just("cd".to_string()),
                Just("-s".to_string()), Just("-e".to_string()), Just("-v".to_string()), Just("-r".to_string()),
                Just("-o".to_string()), Just("json".to_string()), Just("--".to_string()), Just("\"".to_string()),
                Just("'".to_string()), Just(";".to_string()), Just("\\".to_string()), Just("#".to_string()),
                "/[a-z/.]{0,12}", "-[a-zA-Z-]{1,6}", "[0-9-]{1,4}", any::<String>(),
            ],
            0..8,
        )
    ) {
        let text = words.join(" ");
        if let Ok(commands) = split_commands(&text) {
            for words in commands {
                let _ = ShellLine::try_parse_from(words);
            }
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        let text = String::from_utf8_lossy(&bytes);
        if let Ok(commands) = split_commands(&text) {
            for words in commands {
                let _ = crate::path::resolve_path("/a", words.last().map(String::as_str).unwrap_or(""));
                let _ = ShellLine::try_parse_from(words);
            }
        }
    }

    #[test]
    fn quoting_round_trips(word in "[^'\\u{0}]{0,20}") {
        let quoted = format!("set /x '{word}'");
        let commands = split_commands(&quoted).expect("single quotes always close");
        prop_assert_eq!(&commands[0][2], &word);
    }
}
