//! `history [match]` and `redo N`: the REPL's past lines (the REPL expands `redo` and `!!`
//! before parsing, so these run here only to list, or to explain).

use clap::Args;
use serde_json::json;

use crate::cli::OutputArg;
use crate::errors::ShellError;
use crate::outcome::Outcome;
use crate::session::Session;

/// List the lines typed in the shell (newest last), or those containing MATCH.
///
/// The history is kept in ~/.local/share/zksh/history (or $XDG_DATA_HOME/zksh/history,
/// or $ZKSH_HISTORY); lines with credentials (addauth) are never written to it.
/// `redo N` runs line N again; `!!` runs the last line.
///
/// Example: history create
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Only lines containing this text
    #[arg(value_name = "MATCH")]
    pub pattern: Option<String>,
    #[command(flatten)]
    pub out: OutputArg,
}

/// Run history line N again (see `history`); `!!` runs the last line.
///
/// Example: redo 12
#[derive(Debug, Args)]
pub struct RedoArgs {
    /// The history number
    pub number: usize,
    #[command(flatten)]
    pub out: OutputArg,
}

pub fn execute_history(args: HistoryArgs, session: &Session) -> Outcome {
    let entries: Vec<(usize, &String)> = session
        .history
        .iter()
        .enumerate()
        .map(|(i, line)| (i + 1, line))
        .filter(|(_, line)| args.pattern.as_ref().is_none_or(|p| line.contains(p.as_str())))
        .collect();
    let text = entries
        .iter()
        .map(|(n, line)| format!("{n:>5}  {line}"))
        .collect::<Vec<_>>()
        .join("\n");
    let json =
        json!({"history": entries.iter().map(|(n, line)| json!({"number": n, "line": line})).collect::<Vec<_>>()});
    Outcome::Text { text, json }
}

pub fn execute_redo(_args: RedoArgs) -> anyhow::Result<Outcome> {
    Err(ShellError::usage(
        "redo: only in the interactive shell (history is not kept in scripts)",
    ))
}
