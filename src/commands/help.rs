//! `help [command]`: the command list by group, or one command's long help.

use std::io::Write;

use clap::{Args, CommandFactory};
use serde::Serialize;

use crate::cli::ShellLine;
use crate::commands::{Command, Group, Run};
use crate::errors::ShellError;
use crate::output::{Page, Render, Reply};
use crate::shell::Shell;

/// List the commands, or explain one (same as `<command> --help`).
///
/// Example: help create
#[derive(Debug, Args)]
#[command(about = "List the commands, or explain one")]
pub struct Help {
    /// The command to explain
    pub command: Option<String>,
}

/// `help`: every command, by group.
#[derive(Debug, Serialize)]
pub struct CommandList {
    pub commands: Vec<CommandSummary>,
}

#[derive(Debug, Serialize)]
pub struct CommandSummary {
    pub group: &'static str,
    pub command: String,
    pub about: String,
}

impl Render for CommandList {
    fn render_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        writeln!(out, "Commands (paths are absolute or relative to the current node):")?;
        let mut group = "";
        for entry in &self.commands {
            if entry.group != group {
                group = entry.group;
                writeln!(out, "\n{group}:")?;
            }
            writeln!(out, "  {:<11} {}", entry.command, entry.about)?;
        }
        writeln!(
            out,
            "\n`help <command>` or `<command> --help` explains one command, with an example."
        )
    }
}

/// `help COMMAND`: its long help (JSON; the text is the help itself).
#[derive(Debug, Serialize)]
pub struct CommandHelp {
    pub command: String,
    pub about: String,
    pub help: String,
}

impl Run for Help {
    async fn run(self, _shell: &mut Shell) -> anyhow::Result<Reply> {
        let mut root = ShellLine::command();
        root.build();
        let Some(name) = self.command else {
            return Ok(Reply::value(list(&root)));
        };
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
        let help = cmd.render_long_help().to_string();
        let about = cmd.get_about().map(|a| a.to_string()).unwrap_or_default();
        Ok(Reply::value(Page {
            text: help.clone(),
            document: CommandHelp {
                command: name,
                about,
                help,
            },
        }))
    }
}

/// The commands in registration order, which keeps each group together.
fn list(root: &clap::Command) -> CommandList {
    let commands = root
        .get_subcommands()
        .zip(Command::GROUPS)
        .map(|(cmd, group): (&clap::Command, &Group)| CommandSummary {
            group: group.title(),
            command: cmd.get_name().to_string(),
            about: cmd.get_about().map(|a| a.to_string()).unwrap_or_default(),
        })
        .collect();
    CommandList { commands }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::both;

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

    #[test]
    fn the_list_is_grouped() {
        let list = CommandList {
            commands: vec![
                CommandSummary {
                    group: "Read and write znodes",
                    command: "get".into(),
                    about: "Print a znode's data".into(),
                },
                CommandSummary {
                    group: "Read and write znodes",
                    command: "set".into(),
                    about: "Replace a znode's data".into(),
                },
                CommandSummary {
                    group: "Shell",
                    command: "quit".into(),
                    about: "Leave the shell".into(),
                },
            ],
        };
        insta::assert_snapshot!(both(&list), @r#"
        --- text
        Commands (paths are absolute or relative to the current node):

        Read and write znodes:
          get         Print a znode's data
          set         Replace a znode's data

        Shell:
          quit        Leave the shell

        `help <command>` or `<command> --help` explains one command, with an example.
        --- json
        {"commands":[{"about":"Print a znode's data","command":"get","group":"Read and write znodes"},{"about":"Replace a znode's data","command":"set","group":"Read and write znodes"},{"about":"Leave the shell","command":"quit","group":"Shell"}]}
        "#);
    }

    #[test]
    fn one_commands_help() {
        let text = "Leave the shell (Ctrl-D does too).\n\nUsage: quit\n\n".to_string();
        let help = Page {
            text: text.clone(),
            document: CommandHelp {
                command: "quit".into(),
                about: "Leave the shell".into(),
                help: text,
            },
        };
        insta::assert_snapshot!(both(&help), @r#"
        --- text
        Leave the shell (Ctrl-D does too).

        Usage: quit
        --- json
        {"about":"Leave the shell","command":"quit","help":"Leave the shell (Ctrl-D does too).\n\nUsage: quit\n\n"}
        "#);
    }
}
