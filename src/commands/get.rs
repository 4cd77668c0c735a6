//! `get [-s] [-x|-b|--raw|--out FILE] path`: read a znode's data.

use std::path::PathBuf;

use clap::Args;

use crate::cli::OutputArg;
use crate::commands::watch::read_maybe_watched;
use crate::errors::ShellError;
use crate::outcome::Outcome;
use crate::render::data::DataView;
use crate::session::Session;
use crate::watch::OneshotKind;

/// Print a znode's data.
///
/// A znode holds up to about 1 MB of bytes; ZooKeeper does not know or care whether they are
/// text. Text that is not UTF-8 is shown escaped (\x00\xff) so a terminal or a pipe never gets
/// raw control bytes; a JSON object or array is pretty-printed and coloured on a terminal (a
/// pipe gets the exact text). -x shows a hex dump, -b base64 (which set -b and create -b read
/// back), --raw the exact bytes, --out writes them to a file. -s adds the stat (version,
/// zxids, times...). In JSON, data that is not UTF-8 (or any data with -b) comes as dataBase64.
///
/// Example: get -s /config/flag
#[derive(Debug, Args)]
pub struct GetArgs {
    /// Also print the stat
    #[arg(short = 's', long)]
    pub stat: bool,
    /// Leave a one-shot watch: the next change prints an event (re-arm by repeating)
    #[arg(short = 'w', long)]
    pub watch: bool,
    /// Show a hex dump: offsets, bytes in hex, printable ASCII
    #[arg(short = 'x', long, conflicts_with_all = ["raw", "out_file", "base64"])]
    pub hex: bool,
    /// Show the data as base64, on one line
    #[arg(short = 'b', long, conflicts_with_all = ["raw", "out_file"])]
    pub base64: bool,
    /// Write the exact bytes, unescaped, with no trailing newline
    #[arg(long, conflicts_with = "out_file")]
    pub raw: bool,
    /// Write the exact bytes to FILE instead of stdout
    #[arg(long = "out", value_name = "FILE")]
    pub out_file: Option<PathBuf>,
    /// Znode path
    #[arg(add = crate::completion::path_completer())]
    pub path: String,
    #[command(flatten)]
    pub out: OutputArg,
}

pub async fn execute(args: GetArgs, session: &mut Session) -> anyhow::Result<Outcome> {
    let path = session.resolve(&args.path)?;
    let client = session.client().await?;
    let (data, stat) = read_maybe_watched(
        session,
        "get",
        &path,
        OneshotKind::Data,
        args.watch,
        || client.get_data(&path),
        || async {
            client
                .get_and_watch_data(&path)
                .await
                .map(|(data, stat, w)| ((data, stat), w))
        },
    )
    .await?;
    if let Some(file) = args.out_file {
        std::fs::write(&file, &data)
            .map_err(|e| ShellError::refused("get", &path, format!("cannot write {}: {e}", file.display())))?;
        return Ok(Outcome::Saved {
            path,
            file: file.display().to_string(),
            bytes: data.len(),
        });
    }
    Ok(Outcome::Data {
        path,
        data,
        stat,
        show_stat: args.stat,
        view: if args.hex {
            DataView::Hex
        } else if args.base64 {
            DataView::Base64
        } else if args.raw {
            DataView::Raw
        } else {
            DataView::Text
        },
    })
}
