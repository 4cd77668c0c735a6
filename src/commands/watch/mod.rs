//! The watch family: `watch [-c|-R]` and zkCli's `addWatch` start persistent watches (in
//! the background in the REPL, as a stream of events elsewhere); `list` holds the commands
//! that list and remove them.

mod exec;
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
use crate::watch::{Emitter, WatchEvent, WatchKind, WatchSink};
use exec::{ExecPlan, exec_stream};

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
/// --exec CMD [ARGS...] (or `-- CMD [ARGS...]`, as etcdctl's `watch -- cmd`) runs a local
/// command, without a shell, for every change instead of printing it: one run at a time, in
/// the order of the events, in the foreground in every mode (until Ctrl-C, --count runs or
/// --timeout). Events that come while a run is under way wait their turn; none is dropped.
/// The run gets the event in its environment:
///   ZKSH_WATCH_PATH     the node the event is about (with -R, the node below PATH)
///   ZKSH_WATCH_EVENT    created, changed, deleted, children, resync (re-read on a new
///                       session) or gap (-R: reconnected, changes may be missing)
///   ZKSH_WATCH_TYPE     ZooKeeper's event type: NodeCreated, NodeDataChanged, NodeDeleted,
///                       NodeChildrenChanged; empty for resync and gap
///   ZKSH_WATCH_VERSION  the data version of the value on stdin; empty when none was read
///   ZKSH_WATCH_KIND     data, children or recursive
/// and on stdin the node's data (a data watch) or its children, one per line (-c); nothing
/// with -R. The value is read when the event arrives: when changes come faster than that,
/// several events can carry the same, newer, value (ZooKeeper keeps no history). The
/// command's output is its own (on zksh's stdout and stderr). The value when the watch starts
/// is no change and runs nothing, unless --initial (then it runs once with EVENT=current, not
/// counted by --count; nothing for a missing node or with -R). A run that fails is reported in one line on stderr and the watch goes
/// on (the run then exits 1); --exit-on-error stops at the first failure (exit 1). A program
/// that cannot be found is refused before anything is watched (exit 2).
///
/// Example: zksh watch -R /app -o json --count 10
///
/// Example: zksh watch /app/config -- sh -c 'cat > app.conf && kill -HUP "$(cat app.pid)"'
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
    /// Run CMD [ARGS...] for every change (the event in ZKSH_WATCH_*, the value on stdin);
    /// must come last
    #[arg(long, value_name = "CMD", num_args = 1.., allow_hyphen_values = true, conflicts_with = "command")]
    pub exec: Option<Vec<String>>,
    /// With --exec: stop at the first run that fails (exit 1)
    #[arg(long)]
    pub exit_on_error: bool,
    /// With --exec: also run once for the value when the watch starts (ZKSH_WATCH_EVENT=current)
    #[arg(long)]
    pub initial: bool,
    /// Znode path
    #[arg(add = crate::completion::path_completer())]
    pub path: String,
    /// The command to run for every change, after `--` (the same as --exec)
    #[arg(last = true, value_name = "CMD")]
    pub command: Vec<String>,
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
        let words = match (self.exec, self.command) {
            (Some(words), _) => words,
            (None, words) => words,
        };
        if words.is_empty() {
            if self.exit_on_error || self.initial {
                let flag = if self.initial { "--initial" } else { "--exit-on-error" };
                return Err(ShellError::usage(format!(
                    "watch: {flag} goes with a command to run (--exec CMD or -- CMD)"
                )));
            }
            let stream = !shell.is_interactive();
            return start(shell, kind, path, stream, self.count, self.timeout).await;
        }
        let plan = ExecPlan {
            words,
            exit_on_error: self.exit_on_error,
            initial: self.initial,
            count: self.count,
            timeout: self.timeout,
        };
        plan.check(&path)?;
        start_exec(shell, kind, path, plan).await
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

/// Where a new watch's events go.
enum Destination {
    /// Printed by the shell, between prompts or on stderr.
    Shell,
    /// This command's stream of rows.
    Stream(Option<u64>, Option<Duration>),
    /// A command run for each (`--exec`).
    Exec(ExecPlan),
}

/// The receiving end of a new watch's events.
enum Receiving {
    Shell,
    Rows(tokio::sync::mpsc::Receiver<WatchEvent>, Option<u64>, Option<Duration>),
    Exec(tokio::sync::mpsc::UnboundedReceiver<WatchEvent>, ExecPlan),
}

/// `watch --exec`: in the foreground in every mode, since the command writes to the terminal.
async fn start_exec(shell: &mut Shell, kind: WatchKind, path: String, plan: ExecPlan) -> anyhow::Result<Reply> {
    place(shell, kind, path, Destination::Exec(plan)).await
}

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
    let destination = if stream {
        Destination::Stream(count, timeout)
    } else {
        Destination::Shell
    };
    place(shell, kind, path, destination).await
}

/// Places the watch, starts the task that follows it, and hands back what the command says:
/// the watch added, or the stream that lasts as long as the watch.
async fn place(shell: &mut Shell, kind: WatchKind, path: String, destination: Destination) -> anyhow::Result<Reply> {
    let mode = match kind {
        WatchKind::Recursive => AddWatchMode::PersistentRecursive,
        _ => AddWatchMode::Persistent,
    };
    // Placed before anything says it was added: a watch the server never got is this
    // command's error, not a silent watch.
    let client = shell.zk().client().await?;
    let watcher = shell.zk().call("watch", &path, client.watch(&path, mode)).await?;
    let placed = (client, watcher);
    let (sink, receiving) = match destination {
        Destination::Shell => (shell.shell_sink(), Receiving::Shell),
        Destination::Stream(count, timeout) => {
            let (tx, rx) = tokio::sync::mpsc::channel(EVENT_BUFFER);
            (WatchSink::Stream(tx), Receiving::Rows(rx, count, timeout))
        }
        Destination::Exec(plan) => {
            let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
            (WatchSink::Queue(tx), Receiving::Exec(rx, plan))
        }
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
    let forget = move || {
        registry.remove(|w| w.id == id);
    };
    let (mut events, count, timeout) = match receiving {
        Receiving::Shell => return Ok(Reply::value(WatchAdded { id, kind, path })),
        Receiving::Exec(queue, plan) => {
            let notices = shell.zk().connection().events().clone();
            return Ok(Reply::Stream(exec_stream(path, queue, plan, notices).on_end(forget)));
        }
        Receiving::Rows(events, count, timeout) => (events, count, timeout),
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
    Ok(Reply::Stream(stream.with_limit(timeout).on_end(forget)))
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
