//! Watch commands: `watch [-c|-R]`, zkCli's `addWatch`/`removewatches`/`printwatches`,
//! `watches`, `unwatch`, and the one-shot `-w` of get/ls/stat/exists.

use std::future::Future;
use std::time::Duration;

use clap::{Args, ValueEnum};
use zookeeper_client::{AddWatchMode, OneshotWatcher};

use crate::cli::{OutputArg, parse_duration};
use crate::errors::{ShellError, ZkError};
use crate::outcome::Outcome;
use crate::session::Session;
use crate::watch::tasks::{run_children, run_data, run_oneshot, run_raw};
use crate::watch::{Emitter, OneshotKind, Tap, WatchKind, WatchSink, lock_taps};

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
pub struct WatchArgs {
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
    #[command(flatten)]
    pub out: OutputArg,
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
/// Example: addWatch -m PERSISTENT_RECURSIVE /app
#[derive(Debug, Args)]
pub struct AddWatchArgs {
    /// Watch mode
    #[arg(short = 'm', long, value_enum, default_value = "PERSISTENT", value_name = "MODE")]
    pub mode: AddWatchModeArg,
    /// Znode path
    #[arg(add = crate::completion::path_completer())]
    pub path: String,
    #[command(flatten)]
    pub out: OutputArg,
}

/// Remove the watches on a path, as zkCli's removewatches (same as `unwatch PATH`).
///
/// Every watch of this shell on the path goes, one-shot or persistent, and with it the
/// server-side watch. zkCli's -c/-d/-a/-l flags are accepted and mean the same here.
///
/// Example: removewatches /app/config
#[derive(Debug, Args)]
pub struct RemoveWatchesArgs {
    /// Accepted for zkCli compatibility: every kind of watch on the path is removed
    #[arg(short = 'c', hide = true)]
    pub child: bool,
    #[arg(short = 'd', hide = true)]
    pub data: bool,
    #[arg(short = 'a', hide = true)]
    pub any: bool,
    #[arg(short = 'l', hide = true)]
    pub local: bool,
    /// Znode path
    #[arg(add = crate::completion::path_completer())]
    pub path: String,
    #[command(flatten)]
    pub out: OutputArg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OnOff {
    On,
    Off,
}

/// Show or hide watch events between prompts, as zkCli's printwatches.
///
/// The watches stay in place while hidden; their events are simply not printed.
///
/// Example: printwatches off
#[derive(Debug, Args)]
pub struct PrintWatchesArgs {
    /// on or off (no value: show the setting)
    #[arg(value_enum)]
    pub setting: Option<OnOff>,
    #[command(flatten)]
    pub out: OutputArg,
}

/// List the active watches: id, kind and path.
///
/// Kinds: data, children and recursive (from `watch`), persistent (`addWatch`), and the
/// one-shot watches (`get -w`, `ls -w`, `stat -w`, `exists -w`) that have not fired yet.
///
/// Example: watches
#[derive(Debug, Args)]
pub struct WatchesArgs {
    #[command(flatten)]
    pub out: OutputArg,
}

/// Remove watches by id or path, or all of them; their server-side watches go too.
///
/// Example: unwatch 3
#[derive(Debug, Args)]
pub struct UnwatchArgs {
    /// Remove every watch
    #[arg(long, conflicts_with = "target")]
    pub all: bool,
    /// A watch id (see `watches`) or a znode path
    #[arg(required_unless_present = "all")]
    pub target: Option<String>,
    #[command(flatten)]
    pub out: OutputArg,
}

pub async fn execute_watch(args: WatchArgs, session: &mut Session) -> anyhow::Result<Outcome> {
    let path = session.resolve(&args.path)?;
    let kind = if args.recursive {
        WatchKind::Recursive
    } else if args.children {
        WatchKind::Children
    } else {
        WatchKind::Data
    };
    if kind == WatchKind::Children {
        // A children watch on nothing would wait silently: say so instead.
        let client = session.client().await?;
        if session
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
    }
    start(session, kind, path, args.count, args.timeout).await
}

pub async fn execute_add_watch(args: AddWatchArgs, session: &mut Session) -> anyhow::Result<Outcome> {
    let path = session.resolve(&args.path)?;
    let kind = match args.mode {
        AddWatchModeArg::Persistent => WatchKind::Persistent,
        AddWatchModeArg::PersistentRecursive => WatchKind::Recursive,
    };
    start(session, kind, path, None, None).await
}

/// Starts a persistent watch: in the background (REPL), or as a stream for this command.
async fn start(
    session: &mut Session,
    kind: WatchKind,
    path: String,
    count: Option<u64>,
    timeout: Option<Duration>,
) -> anyhow::Result<Outcome> {
    let mode = match kind {
        WatchKind::Recursive => AddWatchMode::PersistentRecursive,
        _ => AddWatchMode::Persistent,
    };
    // Placed before anything says it was added: a watch the server never got is this
    // command's error, not a silent watch.
    let client = session.client().await?;
    let watcher = session.call("watch", &path, client.watch(&path, mode)).await?;
    let placed = (client, watcher);
    let streaming = !session.is_interactive();
    let (sink, stream) = if streaming {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        (WatchSink::Stream(tx), Some(rx))
    } else {
        (session.shell_sink(), None)
    };
    // A persistent watch must outlive a session expiry, in every mode.
    session.connection().set_renew(true);
    let registry = session.watches().clone();
    let taps = (kind == WatchKind::Recursive).then(Default::default);
    let id = registry.register(kind, &path, taps.clone());
    let emit = Emitter::new(id, kind, sink);
    let conn = session.connection().clone();
    let task = match kind {
        WatchKind::Data => tokio::spawn(run_data(conn, path.clone(), emit, placed)),
        WatchKind::Children => tokio::spawn(run_children(conn, path.clone(), emit, placed)),
        WatchKind::Recursive | WatchKind::Persistent | WatchKind::Oneshot(_) => {
            tokio::spawn(run_raw(conn, path.clone(), mode, emit, placed, taps))
        }
    };
    registry.attach(id, task.abort_handle());
    Ok(match stream {
        Some(events) => Outcome::Stream {
            id,
            events,
            count,
            timeout,
        },
        None => Outcome::WatchAdded { id, kind, path },
    })
}

/// Registers a one-shot watch after its read: `watcher` is the server's watch, or None when
/// a recursive watch of ours covers the path (then that watch serves it; ZOOKEEPER-4466).
fn register_oneshot(session: &Session, kind: OneshotKind, path: &str, watcher: Option<OneshotWatcher>) {
    let registry = session.watches().clone();
    let cover = if watcher.is_none() {
        registry.recursive_cover(path)
    } else {
        None
    };
    let id = registry.register(WatchKind::Oneshot(kind), path, None);
    let emit = Emitter::new(id, WatchKind::Oneshot(kind), session.shell_sink());
    match (watcher, cover) {
        (Some(watcher), _) => {
            let task = tokio::spawn(run_oneshot(watcher, emit, registry.clone(), path.to_string()));
            registry.attach(id, task.abort_handle());
        }
        (None, Some(taps)) => {
            lock_taps(&taps).push(Tap {
                emitter: emit,
                registry: registry.clone(),
                path: path.to_string(),
                kind,
            });
        }
        (None, None) => registry.forget(id),
    }
}

/// A read that may leave a one-shot watch (`get -w`, `ls -w`, `stat -w`, `exists -w`).
/// The closures make the request only when called: the client sends a request as soon as
/// its future exists. Under one of our recursive watches the plain read is made and the
/// recursive watch serves the one-shot watch (ZOOKEEPER-4466).
pub async fn read_maybe_watched<T, Plain, PlainFut, Watched, WatchedFut>(
    session: &Session,
    op: &'static str,
    path: &str,
    kind: OneshotKind,
    watch: bool,
    plain: Plain,
    watched: Watched,
) -> anyhow::Result<T>
where
    Plain: FnOnce() -> PlainFut,
    PlainFut: Future<Output = Result<T, zookeeper_client::Error>>,
    Watched: FnOnce() -> WatchedFut,
    WatchedFut: Future<Output = Result<(T, OneshotWatcher), zookeeper_client::Error>>,
{
    if watch && session.watches().recursive_cover(path).is_none() {
        let (value, watcher) = session.call(op, path, watched()).await?;
        register_oneshot(session, kind, path, Some(watcher));
        return Ok(value);
    }
    let value = session.call(op, path, plain()).await?;
    if watch {
        register_oneshot(session, kind, path, None);
    }
    Ok(value)
}

pub fn execute_watches(session: &Session) -> Outcome {
    Outcome::Watches {
        watches: session.watches().list(),
    }
}

pub fn execute_unwatch(args: UnwatchArgs, session: &Session) -> anyhow::Result<Outcome> {
    let registry = session.watches();
    let removed = match (&args.target, args.all) {
        (_, true) => registry.remove(|_| true),
        (Some(target), false) => {
            if let Ok(id) = target.parse::<u32>() {
                let removed = registry.remove(|w| w.id == id);
                if removed.is_empty() {
                    return Err(ShellError::refused(
                        "unwatch",
                        target.as_str(),
                        "no watch with that id (see `watches`)",
                    ));
                }
                removed
            } else {
                let path = session.resolve(target)?;
                let removed = registry.remove(|w| w.path == path);
                if removed.is_empty() {
                    return Err(ShellError::refused(
                        "unwatch",
                        path,
                        "no watch on that path (see `watches`)",
                    ));
                }
                removed
            }
        }
        (None, false) => return Err(ShellError::usage("unwatch: give a watch id, a path, or --all")),
    };
    Ok(Outcome::Unwatched { watches: removed })
}

pub fn execute_remove_watches(args: RemoveWatchesArgs, session: &Session) -> anyhow::Result<Outcome> {
    let path = session.resolve(&args.path)?;
    let removed = session.watches().remove(|w| w.path == path);
    if removed.is_empty() {
        // zkCli reports this as the server's NoWatcher.
        return Err(ZkError::new("removewatches", path, zookeeper_client::Error::NoWatcher).into());
    }
    Ok(Outcome::Unwatched { watches: removed })
}

pub fn execute_print_watches(args: PrintWatchesArgs, session: &Session) -> Outcome {
    if let Some(setting) = args.setting {
        session.watches().set_printing(setting == OnOff::On);
    }
    Outcome::PrintWatches {
        on: session.watches().is_printing(),
    }
}
