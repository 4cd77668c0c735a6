//! `source FILE`: run a script file inside the current shell (the runner does the work: a
//! command cannot run lines).

use std::path::PathBuf;

use clap::Args;

use crate::cli::OutputArg;

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
pub struct SourceArgs {
    /// The script file
    #[arg(value_hint = clap::ValueHint::FilePath)]
    pub file: PathBuf,
    #[command(flatten)]
    pub out: OutputArg,
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
