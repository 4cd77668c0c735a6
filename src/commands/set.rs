//! `set [-s] [-v version] path data`: replace a znode's data.

use std::path::PathBuf;

use clap::Args;

use crate::cli::OutputArg;
use crate::commands::data_source::read_data;
use crate::commands::txn::queue;
use crate::outcome::Outcome;
use crate::session::Session;
use crate::txn::TxnOp;

/// Replace a znode's data.
///
/// Every set increments the node's data version. With -v, the write happens only if the
/// version is still N (optimistic locking: read, change, write back with the version read).
/// With -b the data is base64 (as `get -b` prints it), for bytes that are not text.
///
/// Example: set -v 3 /config/flag on
#[derive(Debug, Args)]
pub struct SetArgs {
    /// Print the new stat
    #[arg(short = 's', long)]
    pub stat: bool,
    /// Only write if the node's data version is VERSION
    #[arg(short = 'v', long, value_name = "VERSION", allow_negative_numbers = true)]
    pub version: Option<i32>,
    /// Read the data from FILE ('-' for stdin)
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// The data (or the file) is base64: write the decoded bytes
    #[arg(short = 'b', long)]
    pub base64: bool,
    /// Znode path
    #[arg(add = crate::completion::path_completer())]
    pub path: String,
    /// New data ('-' reads stdin); may start with '-'
    #[arg(allow_hyphen_values = true)]
    pub data: Option<String>,
    #[command(flatten)]
    pub out: OutputArg,
}

pub async fn execute(args: SetArgs, session: &mut Session) -> anyhow::Result<Outcome> {
    let path = session.resolve(&args.path)?;
    let data = read_data(
        "set",
        &path,
        args.data.as_deref(),
        args.file.as_ref(),
        args.base64,
        session,
    )?;
    if session.txn().is_some() {
        return queue(
            session,
            TxnOp::Set {
                path,
                data,
                version: args.version,
            },
        );
    }
    let client = session.client().await?;
    let stat = session
        .call_versioned("set", &path, args.version, client.set_data(&path, &data, args.version))
        .await?;
    Ok(if args.stat {
        Outcome::Stat { path, stat }
    } else {
        Outcome::Done
    })
}
