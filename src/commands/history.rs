//! `history [match]` and `redo N`: the REPL's past lines (the REPL expands `redo` and `!!`
//! before parsing, so these run here only to list, or to explain).

use std::io::Write;

use clap::Args;
use serde::Serialize;

use crate::commands::Run;
use crate::errors::ShellError;
use crate::output::{Render, Reply};
use crate::shell::Shell;

/// List the lines typed in the shell (newest last), or those containing MATCH.
///
/// The history is kept in ~/.local/share/zksh/history (or $XDG_DATA_HOME/zksh/history,
/// or $ZKSH_HISTORY); lines with credentials (addauth) are never written to it.
/// `redo N` runs line N again; `!!` runs the last line.
///
/// Example: history create
#[derive(Debug, Args)]
#[command(about = "List the lines typed in the shell, or those matching a text")]
pub struct History {
    /// Only lines containing this text
    #[arg(value_name = "MATCH")]
    pub pattern: Option<String>,
}

/// Run history line N again (see `history`); `!!` runs the last line.
///
/// Example: redo 12
#[derive(Debug, Args)]
#[command(about = "Run history line N again (`!!` runs the last one)")]
pub struct Redo {
    /// The history number
    pub number: usize,
}

/// `history`: numbered lines, as `redo` takes them.
#[derive(Debug, Serialize)]
pub struct HistoryLines {
    pub history: Vec<HistoryLine>,
}

#[derive(Debug, Serialize)]
pub struct HistoryLine {
    pub number: usize,
    pub line: String,
}

impl Render for HistoryLines {
    fn render_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        for entry in &self.history {
            writeln!(out, "{:>5}  {}", entry.number, entry.line)?;
        }
        Ok(())
    }
}

impl Run for History {
    async fn run(self, shell: &mut Shell) -> anyhow::Result<Reply> {
        let history = shell
            .history()
            .iter()
            .enumerate()
            .filter(|(_, line)| self.pattern.as_ref().is_none_or(|p| line.contains(p.as_str())))
            .map(|(i, line)| HistoryLine {
                number: i + 1,
                line: line.clone(),
            })
            .collect();
        Ok(Reply::value(HistoryLines { history }))
    }
}

impl Run for Redo {
    async fn run(self, _shell: &mut Shell) -> anyhow::Result<Reply> {
        // The REPL expands `redo N` before parsing; anywhere else there is no history.
        Err(ShellError::usage(
            "redo: only in the interactive shell (history is not kept in scripts)",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::both;

    #[test]
    fn numbered_lines() {
        let lines = HistoryLines {
            history: vec![
                HistoryLine {
                    number: 1,
                    line: "ls /".into(),
                },
                HistoryLine {
                    number: 12,
                    line: "get /a".into(),
                },
            ],
        };
        insta::assert_snapshot!(both(&lines), @r#"
        --- text
            1  ls /
           12  get /a
        --- json
        {"history":[{"line":"ls /","number":1},{"line":"get /a","number":12}]}
        "#);
        insta::assert_snapshot!(both(&HistoryLines { history: vec![] }), @r#"
        --- text
        --- json
        {"history":[]}
        "#);
    }
}
