//! `set [-s] [-v version] path data`: replace a znode's data.

use clap::Args;

use crate::commands::Run;
use crate::commands::data_input::DataInput;
use crate::commands::stat::NodeStat;
use crate::output::Reply;
use crate::shell::Shell;
use crate::zk::write::WriteOp;

/// Replace a znode's data.
///
/// Every set increments the node's data version. With -v, the write happens only if the
/// version is still N (optimistic locking: read, change, write back with the version read).
/// With -b the data is base64 (as `get -b` prints it), for bytes that are not text.
/// The data is required, as in zkCli: `set path ''` empties the node, `--file FILE` or `-`
/// reads it.
///
/// Example: set -v 3 /config/flag on
#[derive(Debug, Args)]
// A forgotten data word must not empty the node: `set path` alone is a usage error (data
// stays optional for `create`, which shares the argument).
#[command(
    about = "Replace a znode's data, optionally only at a given version",
    mut_arg("data", |data| data.required_unless_present("file"))
)]
pub struct Set {
    /// Print the new stat
    #[arg(short = 's', long)]
    pub stat: bool,
    /// Only write if the node's data version is VERSION
    #[arg(short = 'v', long, value_name = "VERSION", allow_negative_numbers = true)]
    pub version: Option<i32>,
    #[command(flatten)]
    pub data: DataInput,
    /// Znode path
    #[arg(index = 1, add = crate::completion::path_completer())]
    pub path: String,
}

impl Run for Set {
    async fn run(self, shell: &mut Shell) -> anyhow::Result<Reply> {
        let path = shell.resolve(&self.path)?;
        let data = self.data.read("set", &path, shell)?;
        let op = WriteOp::Set {
            path,
            data,
            version: self.version,
        };
        let show_stat = self.stat;
        Ok(shell.submit(op).await?.reply(|applied| match applied.stat {
            Some(stat) if show_stat => Reply::value(NodeStat {
                path: applied.path,
                stat,
            }),
            _ => Reply::done(),
        }))
    }
}
