//! `completions <shell>`: the bash, zsh or fish script that completes zksh's commands, flags
//! and live znode paths.

use clap::Args;
use serde::Serialize;

use crate::commands::Run;
use crate::completion::{self, Shell as TargetShell};
use crate::output::{Page, Reply};
use crate::shell::Shell;

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
#[command(about = "Print the bash, zsh or fish completion script (completes live znode paths)")]
pub struct Completions {
    /// The shell to print the script for
    #[arg(value_enum)]
    pub shell: TargetShell,
}

/// The script, as a shell sources it (JSON).
#[derive(Debug, Serialize)]
pub struct CompletionScript {
    pub shell: &'static str,
    pub script: String,
}

impl Run for Completions {
    async fn run(self, _shell: &mut Shell) -> anyhow::Result<Reply> {
        let script = completion::script(self.shell);
        Ok(Reply::value(Page {
            text: script.clone(),
            document: CompletionScript {
                shell: self.shell.name(),
                script,
            },
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::both;

    #[test]
    fn the_script_as_text_and_in_json() {
        let script = "complete -F _zksh zksh\n\n".to_string();
        let page = Page {
            text: script.clone(),
            document: CompletionScript { shell: "bash", script },
        };
        insta::assert_snapshot!(both(&page), @r#"
        --- text
        complete -F _zksh zksh
        --- json
        {"script":"complete -F _zksh zksh\n\n","shell":"bash"}
        "#);
    }
}
