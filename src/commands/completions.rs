//! `completions <shell>`: the bash, zsh or fish script that completes zksh's commands, flags
//! and live znode paths.

use clap::Args;
use serde_json::json;

use crate::cli::OutputArg;
use crate::completion::{self, Shell};
use crate::outcome::Outcome;

/// Print the completion script for a shell.
///
/// The script completes commands and flags from zksh's own grammar, and znode paths from the
/// live server: the -s/--server typed earlier on the line, else ZKSH_SERVER, else
/// 127.0.0.1:2181 (nothing is offered when no server answers within half a second). It calls
/// `zksh` from PATH each time TAB is pressed.
///
/// Install: bash: source it from ~/.bashrc (source <(zksh completions bash)); zsh: save it as
/// _zksh in a directory of $fpath, or source it after compinit; fish: save it as
/// ~/.config/fish/completions/zksh.fish.
///
/// Example: zksh completions bash > ~/.local/share/bash-completion/completions/zksh
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to print the script for
    #[arg(value_enum)]
    pub shell: Shell,
    #[command(flatten)]
    pub out: OutputArg,
}

pub fn execute(args: CompletionsArgs) -> Outcome {
    let script = completion::script(args.shell);
    Outcome::Text {
        text: script.trim_end().to_string(),
        json: json!({"shell": args.shell.name(), "script": script}),
    }
}
