//! `cd`, `pwd`, `quit`: moving around the tree and leaving the shell.

use clap::Args;

use crate::cli::OutputArg;
use crate::errors::{ShellError, ZkError};
use crate::outcome::Outcome;
use crate::session::Session;

/// Change the current node; relative paths resolve against it.
///
/// `cd` alone goes to /, `cd -` to the previous node, `cd ..` to the parent.
///
/// Example: cd /services/web
#[derive(Debug, Args)]
pub struct CdArgs {
    /// Znode path, '..' or '-' (default: /)
    #[arg(allow_hyphen_values = true)]
    #[arg(add = crate::completion::path_completer())]
    pub path: Option<String>,
    #[command(flatten)]
    pub out: OutputArg,
}

/// Print the current node.
///
/// Relative paths in every command resolve against it; the prompt shows it too.
///
/// Example: pwd
#[derive(Debug, Args)]
pub struct PwdArgs {
    #[command(flatten)]
    pub out: OutputArg,
}

/// Leave the shell (Ctrl-D does too).
///
/// The session is closed on the way out, so this session's ephemeral nodes go at once
/// rather than when the session timeout runs out. In a script, quit ends the script.
///
/// Example: quit
#[derive(Debug, Args)]
pub struct QuitArgs {
    #[command(flatten)]
    pub out: OutputArg,
}

pub async fn execute_cd(args: CdArgs, session: &mut Session) -> anyhow::Result<Outcome> {
    let target = match args.path.as_deref() {
        None => "/".to_string(),
        Some("-") => session
            .previous_cwd()
            .map(str::to_string)
            .ok_or_else(|| ShellError::usage("cd -: no previous node"))?,
        Some(path) => session.resolve(path)?,
    };
    let client = session.client().await?;
    if session.call("cd", &target, client.check_stat(&target)).await?.is_none() {
        return Err(ZkError::new("cd", target, zookeeper_client::Error::NoNode).into());
    }
    session.set_cwd(target.clone());
    Ok(Outcome::Cwd { path: target })
}

pub fn execute_pwd(session: &Session) -> Outcome {
    Outcome::Cwd {
        path: session.cwd().to_string(),
    }
}
