//! `get [-s] [-x|-b|--raw|--out FILE] path`: read a znode's data.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use serde::Serialize;
use zookeeper_client::Stat;

use crate::commands::Run;
use crate::errors::ShellError;
use zookeeper_client::Client;

use crate::commands::each::{Labeled, Read, stream_each, watch_each};
use crate::output::data::{
    DataView, Payload, as_json_document, base64_text, display_data, fancy_stdout, hex_dump, one_line_data, pretty_json,
};
use crate::output::stat::render_stat;
use crate::output::{Render, Reply};
use crate::shell::Shell;
use crate::tree::glob::{self, Matches, Target};
use crate::watch::oneshot::NodeRead;

/// Print a znode's data.
///
/// A znode holds up to about 1 MB of bytes; ZooKeeper does not know or care whether they are
/// text. Text that is not UTF-8 is shown escaped (\x00\xff) so a terminal or a pipe never gets
/// raw control bytes; a JSON object or array is pretty-printed and coloured on a terminal (a
/// pipe gets the exact text). -x shows a hex dump, -b base64 (which set -b and create -b read
/// back), --raw the exact bytes, --out writes them to a file. -s adds the stat (version,
/// zxids, times...). In JSON, data that is not UTF-8 (or any data with -b) comes as dataBase64.
///
/// The path may be a glob, matched against the live tree (quote it in a system shell): *,
/// ? and [a-c] within a name, ** any number of levels, \* a plain star. Several matches
/// print 'path: data' one line each (a block under a 'path:' header with -s or -x), one JSON
/// document each; -w leaves a watch on every match; --raw and --out take one node. A glob
/// that matches nothing fails (exit 1).
///
/// Example: get -s /config/flag
///
/// Example: get '/services/*/config'
#[derive(Debug, Args)]
#[command(about = "Print a znode's data (and its stat with -s)", visible_alias = "cat")]
pub struct Get {
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
    /// Znode path, or a glob matching any number of them
    #[arg(add = crate::completion::path_completer())]
    pub path: String,
}

/// `get`: a node's data (and stat), shown as the view asks.
#[derive(Debug, Serialize)]
pub struct NodeData {
    pub path: String,
    #[serde(flatten)]
    pub data: Payload,
    #[serde(serialize_with = "crate::output::stat::serialize")]
    pub stat: Stat,
    #[serde(skip)]
    pub show_stat: bool,
    #[serde(skip)]
    pub view: DataView,
}

impl Render for NodeData {
    fn render_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        let data = &self.data.bytes;
        match self.view {
            DataView::Raw => out.write_all(data)?,
            DataView::Hex => out.write_all(hex_dump(data).as_bytes())?,
            DataView::Base64 => writeln!(out, "{}", base64_text(data))?,
            DataView::Text => match as_json_document(data) {
                Some(json) if fancy_stdout() => writeln!(out, "{}", pretty_json(json, true))?,
                _ => writeln!(out, "{}", display_data(data))?,
            },
        }
        if self.show_stat {
            render_stat(&self.stat, out)?;
        }
        Ok(())
    }
}

/// `get --out FILE`: the data went to a file.
#[derive(Debug, Serialize)]
pub struct SavedData {
    pub path: String,
    pub file: String,
    pub bytes: usize,
}

impl Render for SavedData {}

/// `get` of several matches: `path: data` on one line each (data as a watch event shows it),
/// or, when a match takes several lines (`-s`, `-x`), a block under a `path:` header.
#[derive(Debug)]
pub struct MatchData {
    pub node: NodeData,
    pub first: bool,
}

impl Serialize for MatchData {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.node.serialize(serializer)
    }
}

impl Render for MatchData {
    fn render_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        let node = &self.node;
        match node.view {
            DataView::Text if !node.show_stat => writeln!(out, "{}: {}", node.path, one_line_data(&node.data.bytes)),
            DataView::Base64 if !node.show_stat => writeln!(out, "{}: {}", node.path, base64_text(&node.data.bytes)),
            _ => Labeled {
                path: node.path.clone(),
                first: self.first,
                inner: Block(node),
            }
            .render_text(out),
        }
    }
}

/// A match's data as `get` of that node alone shows it, minus the colours of a document.
struct Block<'n>(&'n NodeData);

impl Render for Block<'_> {
    fn render_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        let node = self.0;
        match node.view {
            DataView::Hex => out.write_all(hex_dump(&node.data.bytes).as_bytes())?,
            DataView::Base64 => writeln!(out, "{}", base64_text(&node.data.bytes))?,
            _ => writeln!(out, "{}", display_data(&node.data.bytes))?,
        }
        if node.show_stat {
            render_stat(&node.stat, out)?;
        }
        Ok(())
    }
}

impl Get {
    fn view(&self) -> DataView {
        if self.hex {
            DataView::Hex
        } else if self.base64 {
            DataView::Base64
        } else if self.raw {
            DataView::Raw
        } else {
            DataView::Text
        }
    }

    fn node(&self, path: String, data: Vec<u8>, stat: Stat) -> NodeData {
        let view = self.view();
        NodeData {
            path,
            data: Payload {
                bytes: data,
                // `get -b` asks for base64: the bytes come as dataBase64 even when they are text.
                force_base64: view == DataView::Base64,
            },
            stat,
            show_stat: self.stat,
            view,
        }
    }

    /// `get` of one node.
    async fn one(self, shell: &Shell, path: &str) -> anyhow::Result<Reply> {
        let read = NodeRead::new(shell, "get", path, self.watch).await?;
        let (data, stat) = read.data().await?;
        let path = read.path;
        if let Some(file) = self.out_file {
            std::fs::write(&file, &data)
                .map_err(|e| ShellError::refused("get", &path, format!("cannot write {}: {e}", file.display())))?;
            return Ok(Reply::value(SavedData {
                path,
                file: file.display().to_string(),
                bytes: data.len(),
            }));
        }
        Ok(Reply::value(self.node(path, data, stat)))
    }

    /// `get` of each match of a pattern.
    async fn many(self, shell: &Shell, matches: Matches) -> anyhow::Result<Reply> {
        if self.raw || self.out_file.is_some() {
            return Err(ShellError::usage(format!(
                "get {}: the pattern matches several znodes; --raw and --out write one node's bytes",
                matches.shown()
            )));
        }
        if self.watch {
            let read = async |shell: &Shell, path: &str| NodeRead::new(shell, "get", path, true).await?.data().await;
            let row = |first, path, (data, stat)| MatchData {
                node: self.node(path, data, stat),
                first,
            };
            return watch_each(shell, matches, read, row).await;
        }
        let read = |client: &Client, path: &str| -> Read<(Vec<u8>, Stat)> { Box::pin(client.get_data(path)) };
        Ok(stream_each(matches, read, move |first, path, (data, stat)| MatchData {
            node: self.node(path, data, stat),
            first,
        }))
    }
}

impl Run for Get {
    async fn run(self, shell: &mut Shell) -> anyhow::Result<Reply> {
        match glob::target(shell, "get", &self.path).await? {
            Target::One(path) => self.one(shell, &path).await,
            Target::Many(matches) => self.many(shell, *matches).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::both;
    use crate::output::stat::sample_stat;

    fn node(bytes: &[u8], view: DataView, show_stat: bool) -> NodeData {
        NodeData {
            path: "/config/flag".into(),
            data: Payload {
                bytes: bytes.to_vec(),
                force_base64: view == DataView::Base64,
            },
            stat: sample_stat(),
            show_stat,
            view,
        }
    }

    #[test]
    fn text_and_binary_data() {}

    #[test]
    fn hex_base64_and_raw_views() {
        insta::assert_snapshot!(both(&node(b"hello, world!\x01", DataView::Hex, false)), @r#"
        --- text
        00000000  68 65 6c 6c 6f 2c 20 77  6f 72 6c 64 21 01        |hello, world!.|
        0000000e
        --- json
        {"data":"hello, world!\u0001","path":"/config/flag","stat":{"aclVersion":0,"ctime":"2025-11-25T14:01:17.123Z","cversion":1,"czxid":26,"dataLength":5,"ephemeralOwner":0,"mtime":"2025-11-25T14:01:40.456Z","mzxid":43,"numChildren":2,"pzxid":44,"version":3}}
        "#);
        insta::assert_snapshot!(both(&node(b"on", DataView::Base64, false)), @r#"
        --- text
        b24=
        --- json
        {"dataBase64":"b24=","path":"/config/flag","stat":{"aclVersion":0,"ctime":"2025-11-25T14:01:17.123Z","cversion":1,"czxid":26,"dataLength":5,"ephemeralOwner":0,"mtime":"2025-11-25T14:01:40.456Z","mzxid":43,"numChildren":2,"pzxid":44,"version":3}}
        "#);
        insta::assert_snapshot!(both(&node(b"exact bytes", DataView::Raw, false)), @r#"
        --- text
        exact bytes--- json
        {"data":"exact bytes","path":"/config/flag","stat":{"aclVersion":0,"ctime":"2025-11-25T14:01:17.123Z","cversion":1,"czxid":26,"dataLength":5,"ephemeralOwner":0,"mtime":"2025-11-25T14:01:40.456Z","mzxid":43,"numChildren":2,"pzxid":44,"version":3}}
        "#);
    }

    #[test]
    fn matches_of_a_pattern_take_one_line_each_unless_they_need_more() {
        let matched = |bytes: &[u8], view, show_stat, first| MatchData {
            node: node(bytes, view, show_stat),
            first,
        };
        let text = |m: &MatchData| crate::output::rendered(m, crate::cli::OutputFormat::Text);
        insta::assert_snapshot!(text(&matched(b"on", DataView::Text, false, true)), @"/config/flag: on");
        insta::assert_snapshot!(text(&matched(b"two\nlines\x00", DataView::Text, false, false)), @r"/config/flag: two\nlines\x00");
        insta::assert_snapshot!(text(&matched(b"on", DataView::Base64, false, false)), @"/config/flag: b24=");
        insta::assert_snapshot!(both(&matched(b"on", DataView::Hex, false, false)), @r#"
        --- text

        /config/flag:
        00000000  6f 6e                                             |on|
        00000002
        --- json
        {"data":"on","path":"/config/flag","stat":{"aclVersion":0,"ctime":"2025-11-25T14:01:17.123Z","cversion":1,"czxid":26,"dataLength":5,"ephemeralOwner":0,"mtime":"2025-11-25T14:01:40.456Z","mzxid":43,"numChildren":2,"pzxid":44,"version":3}}
        "#);
        let with_stat = text(&matched(b"on", DataView::Text, true, true))
            .replace(&crate::output::stat::readable_time(sample_stat().ctime), "<ctime>")
            .replace(&crate::output::stat::readable_time(sample_stat().mtime), "<mtime>");
        insta::assert_snapshot!(with_stat, @"
        /config/flag:
        on
        cZxid = 0x1a
        ctime = <ctime>
        mZxid = 0x2b
        mtime = <mtime>
        pZxid = 0x2c
        cversion = 1
        dataVersion = 3
        aclVersion = 0
        ephemeralOwner = 0x0
        dataLength = 5
        numChildren = 2
        ");
    }

    #[test]
    fn saved_data_is_silent_in_text() {
        insta::assert_snapshot!(both(&SavedData { path: "/a".into(), file: "out.bin".into(), bytes: 12 }), @r#"
        --- text
        --- json
        {"bytes":12,"file":"out.bin","path":"/a"}
        "#);
    }
}
