//! `help [command]`: the command list by group, or one command's long help.

use clap::{Args, CommandFactory};
use serde_json::json;

use crate::cli::{OutputArg, ShellLine};
use crate::errors::ShellError;
use crate::outcome::Outcome;

/// List the commands, or explain one (same as `<command> --help`).
///
/// Example: help create
#[derive(Debug, Args)]
pub struct HelpArgs {
    /// The command to explain
    pub command: Option<String>,
    #[command(flatten)]
    pub out: OutputArg,
}

const GROUPS: &[(&str, &[&str])] = &[
    (
        "Read and write znodes",
        &[
            "create",
            "get",
            "set",
            "edit",
            "stat",
            "exists",
            "ls",
            "delete",
            "deleteall",
            "sync",
        ],
    ),
    (
        "Watch",
        &[
            "watch",
            "watches",
            "unwatch",
            "addWatch",
            "removewatches",
            "printwatches",
        ],
    ),
    ("Transactions", &["txn", "check"]),
    ("Move around", &["cd", "pwd"]),
    ("Session", &["session", "addauth"]),
    (
        "Shell",
        &[
            "help",
            "version",
            "source",
            "sleep",
            "quit",
            "completions",
            "man",
            "history",
            "redo",
        ],
    ),
];

pub fn execute(args: HelpArgs) -> anyhow::Result<Outcome> {
    let mut root = ShellLine::command();
    root.build();
    match args.command {
        None => {
            let mut text = String::from("Commands (paths are absolute or relative to the current node):\n");
            let mut listing = Vec::new();
            for (group, names) in GROUPS {
                text.push_str(&format!("\n{group}:\n"));
                for name in *names {
                    if let Some(cmd) = root.find_subcommand(name) {
                        let about = cmd.get_about().map(|a| a.to_string()).unwrap_or_default();
                        text.push_str(&format!("  {name:<11} {about}\n"));
                        listing.push(json!({"group": group, "command": name, "about": about}));
                    }
                }
            }
            text.push_str("\n`help <command>` or `<command> --help` explains one command, with an example.");
            Ok(Outcome::Text {
                text,
                json: json!({"commands": listing}),
            })
        }
        Some(name) => {
            let names: Vec<String> = root.get_subcommands().map(|c| c.get_name().to_string()).collect();
            let Some(cmd) = root.find_subcommand_mut(&name) else {
                let nearest = names
                    .iter()
                    .map(|n| (strsim::jaro_winkler(n, &name), n))
                    .filter(|(score, _)| *score > 0.7)
                    .max_by(|a, b| a.0.total_cmp(&b.0))
                    .map(|(_, n)| format!(" (did you mean '{n}'?)"))
                    .unwrap_or_default();
                return Err(ShellError::usage(format!("help: no command '{name}'{nearest}")));
            };
            let text = cmd.render_long_help().to_string();
            let about = cmd.get_about().map(|a| a.to_string()).unwrap_or_default();
            Ok(Outcome::Text {
                text: text.trim_end().to_string(),
                json: json!({"command": name, "about": about, "help": text}),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_is_in_a_group() {
        let root = ShellLine::command();
        for cmd in root.get_subcommands() {
            let name = cmd.get_name();
            assert!(
                GROUPS.iter().any(|(_, names)| names.contains(&name)),
                "{name} is in no help group"
            );
        }
    }

    #[test]
    fn every_command_explains_itself_with_an_example() {
        let mut root = ShellLine::command();
        root.build();
        for cmd in root.get_subcommands_mut() {
            let help = cmd.render_long_help().to_string();
            assert!(
                help.contains("Example:"),
                "`help {}` has no example:\n{help}",
                cmd.get_name()
            );
        }
    }
}
