//! `cd [path|-|..]`: change the current node.

use std::io::Write;

use clap::Args;
use serde::Serialize;

use crate::commands::Run;
use crate::errors::{ShellError, ZkError};
use crate::output::{Render, Reply};
use crate::shell::Shell;

/// Change the current node; relative paths resolve against it.
///
/// `cd` alone goes to /, `cd -` to the previous node, `cd ..` to the parent.
///
/// Example: cd /services/web
#[derive(Debug, Args)]
#[command(about = "Change the current node")]
pub struct Cd {
    /// Znode path, '..' or '-' (default: /)
    #[arg(allow_hyphen_values = true)]
    #[arg(add = crate::completion::path_completer())]
    pub path: Option<String>,
}

/// `cd`, `pwd`: the current node.
#[derive(Debug, Serialize)]
pub struct Cwd {
    pub cwd: String,
    /// Whether the text says it: `pwd` does; `cd` does in scripts (their output shows where
    /// the lines after it run) but not in the REPL, whose prompt already shows it.
    #[serde(skip)]
    pub shown: bool,
}

impl Render for Cwd {
    fn render_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        if !self.shown {
            return Ok(());
        }
        writeln!(out, "{}", self.cwd)
    }
}

impl Run for Cd {
    async fn run(self, shell: &mut Shell) -> anyhow::Result<Reply> {
        let target = match self.path.as_deref() {
            None => "/".to_string(),
            Some("-") => shell
                .previous_cwd()
                .map(str::to_string)
                .ok_or_else(|| ShellError::usage("cd -: no previous node"))?,
            Some(path) => shell.resolve(path)?,
        };
        let client = shell.zk().client().await?;
        if shell
            .zk()
            .call("cd", &target, client.check_stat(&target))
            .await?
            .is_none()
        {
            return Err(ZkError::new("cd", target, zookeeper_client::Error::NoNode).into());
        }
        shell.set_cwd(target.clone());
        Ok(Reply::value(Cwd {
            cwd: target,
            shown: !shell.is_interactive(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::both;

    #[test]
    fn the_current_node() {
        insta::assert_snapshot!(both(&Cwd { cwd: "/services/web".into(), shown: false }), @r#"
        --- text
        --- json
        {"cwd":"/services/web"}
        "#);
    }
}
