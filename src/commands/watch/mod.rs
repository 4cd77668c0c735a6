//! The watch family: `watch [-c|-R]` and zkCli's `addWatch` start persistent watches (in
//! the background in the REPL, as a stream of events elsewhere); `list` holds the commands
//! that list and remove them.

pub mod list;

use std::io::Write;
use std::time::Duration;

use clap::{Args, ValueEnum};
use serde::Serialize;
use zookeeper_client::AddWatchMode;

use crate::cli::parse_duration;
use crate::commands::Run;
use crate::errors::ShellError;
use crate::output::{Render, Reply, RowStream};
use crate::shell::Shell;
use crate::watch::tasks::{Watched, run_persistent};
use crate::watch::{Emitter, WatchKind, WatchSink};

/// Follow a znode: its data (default), its children (-c), or everything below it (-R).
///
/// Unlike ZooKeeper's one-shot watches (get -w), these are persistent watches (ZooKeeper
/// 3.6+): they stay until `unwatch`. `watch path` prints the data and version now and after
/// every change, deletion and re-creation (a missing node: it waits for the creation).
/// `watch -c path` prints the children now and whenever they change. `watch -R path` prints
/// every create/change/delete anywhere below path.
///
/// In the shell the watch runs in the background and prints between prompts. On the command
/// line it streams until Ctrl-C, --count changes or --timeout (text, or NDJSON with -o json).
/// After a reconnect the value is re-read; after a session expiry the watch is added again
/// on the new session and the value re-read, so no change is silently missed.
///
/// Example: zksh watch -R /app -o json --count 10
#[derive(Debug, Args)]
#[command(about = "Follow a znode's data, children (-c) or subtree (-R) with a persistent watch")]
pub struct Watch {
    /// Watch the children instead of the data
    #[arg(short = 'c', long, conflicts_with = "recursive")]
    pub children: bool,
    /// Watch every node below path (persistent recursive watch)
    #[arg(short = 'R', long)]
    pub recursive: bool,
    /// Stop after N changes (streaming mode; the initial value is not a change)
    #[arg(long, value_name = "N")]
    pub count: Option<u64>,
    /// Stop after this long (streaming mode), e.g. 30s
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub timeout: Option<Duration>,
    /// Znode path
    #[arg(add = crate::completion::path_completer())]
    pub path: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AddWatchModeArg {
    #[value(name = "PERSISTENT", alias = "persistent")]
    Persistent,
    #[value(
        name = "PERSISTENT_RECURSIVE",
        alias = "persistent_recursive",
        alias = "persistent-recursive"
    )]
    PersistentRecursive,
}

/// Add a persistent watch, as zkCli's addWatch (prints raw events).
///
/// PERSISTENT (default) watches the node's data, existence and children; PERSISTENT_RECURSIVE
/// every node below it. Same machinery as `watch`; see `help watch`.
///
/// As in zkCli, addWatch adds the watch and returns at once, in every mode: in the shell its
/// events print between prompts; in a script (-c, -f, stdin, source) the watch lasts for the
/// rest of the run and its events print on stderr as they come, while the next lines run. A
/// one-shot `zksh addWatch PATH` is refused (exit 2): the run would end before any event. To
/// follow a node from the command line, use `watch`, which streams until Ctrl-C, --count or
/// --timeout.
///
/// Example: addWatch -m PERSISTENT_RECURSIVE /app
#[derive(Debug, Args)]
#[command(
    about = "Add a persistent watch, as zkCli (PERSISTENT or PERSISTENT_RECURSIVE)",
    visible_alias = "add-watch",
    alias = "addwatch"
)]
pub struct AddWatch {
    /// Watch mode
    #[arg(short = 'm', long, value_enum, default_value = "PERSISTENT", value_name = "MODE")]
    pub mode: AddWatchModeArg,
    /// Znode path
    #[arg(add = crate::completion::path_completer())]
    pub path: String,
}

/// A persistent watch now runs in the background (REPL).
#[derive(Debug, Serialize)]
pub struct WatchAdded {
    pub id: u32,
    #[serde(serialize_with = "crate::watch::render::kind_label")]
    pub kind: WatchKind,
    pub path: String,
}

impl Render for WatchAdded {
    fn render_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        writeln!(
            out,
            "watch {} ({}) on {}; `unwatch {}` stops it",
            self.id,
            self.kind.label(),
            self.path,
            self.id
        )
    }
}

impl Run for Watch {
    async fn run(self, shell: &mut Shell) -> anyhow::Result<Reply> {
        let (path, client) = shell.target(&self.path).await?;
        let kind = if self.recursive {
            WatchKind::Recursive
        } else if self.children {
            WatchKind::Children
        } else {
            WatchKind::Data
        };
        // A children watch on nothing would wait silently: say so instead.
        if kind == WatchKind::Children
            && shell
                .zk()
                .call("watch -c", &path, client.check_stat(&path))
                .await?
                .is_none()
        {
            return Err(ShellError::refused(
                "watch -c",
                &path,
                "no such node (a children watch needs the node; `watch PATH` waits for its creation)",
            ));
        }
        let stream = !shell.is_interactive();
        start(shell, kind, path, stream, self.count, self.timeout).await
    }
}

impl Run for AddWatch {
    async fn run(self, shell: &mut Shell) -> anyhow::Result<Reply> {
        let path = shell.resolve(&self.path)?;
        if shell.is_one_shot() {
            return Err(ShellError::usage(format!(
                "addWatch {path}: a one-shot run ends as soon as the watch is added, so no event would \
                 ever show; use `zksh watch {path}` (streams until Ctrl-C, --count or --timeout), or \
                 addWatch in a script or the shell"
            )));
        }
        let kind = match self.mode {
            AddWatchModeArg::Persistent => WatchKind::Persistent,
            AddWatchModeArg::PersistentRecursive => WatchKind::Recursive,
        };
        // Never a stream: as zkCli's addWatch, it adds the watch and returns, so a script goes
        // on to its next line (a stream would hold the script until Ctrl-C).
        start(shell, kind, path, false, None, None).await
    }
}

/// Events buffered between the watch task and the stream that renders them.
const EVENT_BUFFER: usize = 64;

/// Starts a persistent watch: in the background (its events printed by the shell), or with
/// `stream` as a stream for this command that ends after `count` changes or `timeout`.
async fn start(
    shell: &mut Shell,
    kind: WatchKind,
    path: String,
    stream: bool,
    count: Option<u64>,
    timeout: Option<Duration>,
) -> anyhow::Result<Reply> {
    let mode = match kind {
        WatchKind::Recursive => AddWatchMode::PersistentRecursive,
        _ => AddWatchMode::Persistent,
    };
    // Placed before anything says it was added: a watch the server never got is this
    // command's error, not a silent watch.
    let client = shell.zk().client().await?;
    let watcher = shell.zk().call("watch", &path, client.watch(&path, mode)).await?;
    let placed = (client, watcher);
    let (sink, events) = if stream {
        let (tx, rx) = tokio::sync::mpsc::channel(EVENT_BUFFER);
        (WatchSink::Stream(tx), Some(rx))
    } else {
        (shell.shell_sink(), None)
    };
    // A persistent watch must outlive a session expiry, in every mode.
    shell.zk().connection().set_renew(true);
    let registry = shell.watches().clone();
    let taps = (kind == WatchKind::Recursive).then(Default::default);
    let id = registry.register(kind, &path, taps.clone());
    let emit = Emitter::new(id, kind, sink);
    let conn = shell.zk().connection().clone();
    let watched = match kind {
        WatchKind::Data => Watched::Data,
        WatchKind::Children => Watched::Children,
        WatchKind::Recursive | WatchKind::Persistent | WatchKind::Oneshot(_) => Watched::Raw(taps),
    };
    let task = tokio::spawn(run_persistent(conn, path.clone(), mode, emit, placed, watched));
    registry.attach(id, task.abort_handle());
    let Some(mut events) = events else {
        return Ok(Reply::value(WatchAdded { id, kind, path }));
    };
    let (rows, stream) = RowStream::channel("watch", path, "event");
    // The stream ends after `count` changes (the first value is not one): forward events
    // until then, and stop the watch when the stream goes.
    tokio::spawn(async move {
        let mut changes = 0;
        while count != Some(changes) {
            let Some(event) = events.recv().await else { return };
            let change = event.event.is_change();
            if !rows.send(event).await {
                return;
            }
            if change {
                changes += 1;
            }
        }
    });
    Ok(Reply::Stream(stream.with_limit(timeout).on_end(move || {
        registry.remove(|w| w.id == id);
    })))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::both;

    #[test]
    fn an_added_watch_says_how_to_stop_it() {
        let added = WatchAdded {
            id: 4,
            kind: WatchKind::Recursive,
            path: "/app".into(),
        };
        insta::assert_snapshot!(both(&added), @r#"
        --- text
        watch 4 (recursive) on /app; `unwatch 4` stops it
        --- json
        {"id":4,"kind":"recursive","path":"/app"}
        "#);
    }
}
