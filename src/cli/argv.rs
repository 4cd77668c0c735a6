//! Reading argv before (or without) clap: where the command starts, which options take a
//! value (from the clap tree), zkCli habits to rewrite, the colour and JSON choices that clap's
//! own errors must follow.

use std::sync::OnceLock;

use clap::{CommandFactory, ValueEnum};

use crate::cli::{Cli, ColorChoice, ShellLine};

/// Whether `word` is an option before the command that takes its value as the next word
/// (`-s HOST`, `--color never`). Read from the clap tree, so a new option cannot be missed.
fn takes_value(word: &str) -> bool {
    static SPELLINGS: OnceLock<Vec<String>> = OnceLock::new();
    let spellings = SPELLINGS.get_or_init(|| {
        Cli::command()
            .get_arguments()
            .filter(|arg| !arg.is_positional() && arg.get_action().takes_values())
            .flat_map(|arg| {
                let short = arg.get_short_and_visible_aliases().unwrap_or_default();
                let long = arg.get_long_and_visible_aliases().unwrap_or_default();
                let hidden_short = arg.get_all_short_aliases().unwrap_or_default();
                let hidden_long = arg.get_all_aliases().unwrap_or_default();
                short
                    .into_iter()
                    .chain(hidden_short)
                    .map(|c| format!("-{c}"))
                    .chain(long.into_iter().chain(hidden_long).map(|l| format!("--{l}")))
                    .collect::<Vec<_>>()
            })
            .collect()
    });
    spellings.iter().any(|s| s == word)
}

/// The words of `args` (program name first) before the command: the process options.
pub fn options_before_command(args: &[String]) -> &[String] {
    let mut end = args.len().min(1);
    while end < args.len() {
        let word = args[end].as_str();
        if takes_value(word) {
            end += 2;
        } else if word.starts_with('-') && word != "-" {
            end += 1;
        } else {
            break;
        }
    }
    &args[..end.min(args.len())]
}

/// Whether `-o json` appears among `words` (after the first, the program or the command name,
/// and before a `--`): read when clap refused the line, so that its usage error can still come
/// in the JSON error shape.
pub fn asks_for_json(words: &[String]) -> bool {
    let mut words = words.iter().skip(1).take_while(|w| *w != "--");
    while let Some(word) = words.next() {
        let value = match word.as_str() {
            "-o" | "--output" => words.next().map(String::as_str),
            w => w
                .strip_prefix("--output=")
                .or_else(|| w.strip_prefix("-o="))
                .or_else(|| w.strip_prefix("-o")),
        };
        if value == Some("json") {
            return true;
        }
    }
    false
}

/// The name of the command a line or argv is for (`addWatch` for `add-watch`), for errors
/// raised before it is parsed; empty when it names no known command.
pub fn command_name(word: Option<&str>) -> String {
    word.and_then(|word| {
        ShellLine::command()
            .find_subcommand(word)
            .map(|c| c.get_name().to_string())
    })
    .unwrap_or_default()
}

/// The command word of argv: the first word that is neither an option before the command nor
/// the value of one.
pub fn command_word(args: &[String]) -> Option<&str> {
    args.get(options_before_command(args).len()).map(String::as_str)
}

/// The `--color` given before the command, read before clap parses, so that clap's own
/// errors about the rest of the line follow it. Invalid values count as auto (clap reports
/// them).
pub fn color_choice_in(args: &[String]) -> ColorChoice {
    let mut choice = ColorChoice::Auto;
    let mut words = args.iter().skip(1);
    while let Some(word) = words.next() {
        let value = if word == "--color" {
            words.next().map(String::as_str)
        } else if let Some(value) = word.strip_prefix("--color=") {
            Some(value)
        } else if takes_value(word) {
            words.next();
            continue;
        } else if word.starts_with('-') {
            continue;
        } else {
            break;
        };
        choice = value
            .and_then(|v| ColorChoice::from_str(v, true).ok())
            .unwrap_or(ColorChoice::Auto);
    }
    choice
}

/// Rewrites zkCli.sh habits (`-server h:p`, `-timeout ms`) found among the options before the
/// command into zksh's own, with a hint on stderr. Words after the command are left alone.
pub fn rewrite_zkcli_habits(args: Vec<String>, hint: &mut dyn FnMut(&str)) -> Vec<String> {
    let mut out = Vec::with_capacity(args.len());
    let mut iter = args.into_iter();
    if let Some(program) = iter.next() {
        out.push(program);
    }
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "-server" => {
                hint("zkCli's -server is spelled -s/--server here");
                out.push("--server".into());
                out.extend(iter.next());
            }
            "-timeout" => {
                hint("zkCli's -timeout (milliseconds) is spelled --session-timeout here");
                out.push("--session-timeout".into());
                if let Some(ms) = iter.next() {
                    out.push(if ms.chars().all(|c| c.is_ascii_digit()) {
                        format!("{ms}ms")
                    } else {
                        ms
                    });
                }
            }
            a if takes_value(a) => {
                out.push(arg);
                if let Some(value) = iter.next() {
                    out.push(value);
                }
            }
            a if a.starts_with('-') => out.push(arg),
            _ => {
                // The command starts here: everything else belongs to it.
                let start = out.len();
                out.push(arg);
                out.extend(iter);
                rewrite_command_words(&mut out[start..]);
                break;
            }
        }
    }
    out
}

/// zkCli's one-dash option words after a command (`reconfig -add ...`), in zksh's spelling:
/// clap would read `-add` as the flags `-a -d -d`.
pub fn rewrite_command_words(words: &mut [String]) {
    if words.first().map(String::as_str) != Some("reconfig") {
        return;
    }
    for word in words.iter_mut().skip(1) {
        if let Some((_, long)) = crate::commands::reconfig::ZKCLI_SPELLINGS
            .iter()
            .find(|(zkcli, _)| word == zkcli)
        {
            *word = long.to_string();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_found_on_a_line_clap_refused() {
        let words = |line: &str| line.split(' ').map(String::from).collect::<Vec<_>>();
        assert!(asks_for_json(&words("zksh -o json get -z /x")));
        assert!(asks_for_json(&words("get -z /x --output=json")));
        assert!(asks_for_json(&words("get -ojson -z")));
        assert!(asks_for_json(&words("get --output json")));
        assert!(!asks_for_json(&words("get -o text -z")));
        assert!(!asks_for_json(&words("set /x -- -o json")));
        assert!(!asks_for_json(&words("json -z")));
        assert_eq!(command_word(&words("zksh -s h -o json --debug get -z")), Some("get"));
        assert_eq!(command_word(&words("zksh -s h")), None);
        assert_eq!(command_name(Some("add-watch")), "addWatch");
        assert_eq!(command_name(Some("gett")), "");
    }

    #[test]
    fn zkcli_options_are_rewritten_only_before_the_command() {
        let args = ["zksh", "-server", "h:1", "-timeout", "3000", "get", "-server"]
            .map(String::from)
            .to_vec();
        let mut hints = Vec::new();
        let out = rewrite_zkcli_habits(args, &mut |h| hints.push(h.to_string()));
        assert_eq!(
            out,
            [
                "zksh",
                "--server",
                "h:1",
                "--session-timeout",
                "3000ms",
                "get",
                "-server"
            ]
        );
        assert_eq!(hints.len(), 2);
    }

    #[test]
    fn options_that_take_a_value_come_from_the_clap_tree() {
        for word in [
            "-s",
            "--server",
            "--session-timeout",
            "-c",
            "--command",
            "-f",
            "--file",
            "-o",
            "--output",
            "--color",
            "--sandbox-watchdog",
        ] {
            assert!(takes_value(word), "{word}");
        }
        for word in ["-r", "--readonly", "--keep-going", "--sandbox", "--debug", "get"] {
            assert!(!takes_value(word), "{word}");
        }
    }

    #[test]
    fn color_is_read_before_the_command_only() {
        let words = |line: &str| line.split(' ').map(String::from).collect::<Vec<_>>();
        assert_eq!(color_choice_in(&words("zksh --color never get /x")), ColorChoice::Never);
        assert_eq!(
            color_choice_in(&words("zksh -s h --color=always ls")),
            ColorChoice::Always
        );
        assert_eq!(color_choice_in(&words("zksh -c --color get")), ColorChoice::Auto);
        assert_eq!(color_choice_in(&words("zksh get --color never")), ColorChoice::Auto);
        assert_eq!(color_choice_in(&words("zksh --color bogus")), ColorChoice::Auto);
    }
}
