//! `source FILE`: run a script file inside the current shell: the command reads the file and
//! hands its lines to the runner (a command cannot run lines itself).

use std::path::PathBuf;

use clap::Args;

use crate::commands::Run;
use crate::errors::ShellError;
use crate::output::Reply;
use crate::shell::Shell;
use crate::shell::runner::Script;
use crate::shell::script::open_file;

/// Run a script file in this shell, as if its lines were typed here.
///
/// The lines follow the script rules of -f: `#` comments, `;` between commands, quotes; cd,
/// addauth and an open txn block carry over to the shell (and back). The first failing line
/// stops the file, with its name and line number in the error, unless zksh runs with
/// --keep-going. A relative FILE is found from the directory zksh was started in (`~/` is your
/// home directory). A file may
/// source another, up to 16 deep (a file that sources itself stops there).
///
/// Example: source ~/zk/setup.zk
#[derive(Debug, Args)]
#[command(about = "Run a script file in this shell (cd, auth and txn carry over)")]
pub struct Source {
    /// The script file
    #[arg(value_hint = clap::ValueHint::FilePath)]
    pub file: PathBuf,
}

impl Run for Source {
    async fn run(self, _shell: &mut Shell) -> anyhow::Result<Reply> {
        let name = self.file.display().to_string();
        let lines = open_file(&expand_home(&self.file))
            .await
            .map_err(|e| ShellError::usage(format!("source {name}: cannot read it: {e}")))?;
        Ok(Reply::Run(Script { name, lines }))
    }
}

/// `~/x` is `$HOME/x`, as a shell would have it; anything else is left as it is.
pub fn expand_home(file: &std::path::Path) -> PathBuf {
    match (file.strip_prefix("~"), std::env::var_os("HOME")) {
        (Ok(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => file.to_path_buf(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tilde_means_home() {
        let home = std::env::var_os("HOME").map(PathBuf::from);
        if let Some(home) = home {
            assert_eq!(expand_home(std::path::Path::new("~/a.zk")), home.join("a.zk"));
        }
        assert_eq!(expand_home(std::path::Path::new("a/~b")), PathBuf::from("a/~b"));
        assert_eq!(expand_home(std::path::Path::new("~user/x")), PathBuf::from("~user/x"));
    }
}
