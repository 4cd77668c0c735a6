//! One-shot watches (`get -w`, `ls -w`, `stat -w`, `exists -w`): the read that leaves one, and
//! its registration (served by one of our recursive watches when one covers the path).

use std::future::Future;

use zookeeper_client::OneshotWatcher;

use crate::shell::Shell;
use crate::watch::tasks::run_oneshot;
use crate::watch::{Emitter, OneshotKind, Tap, WatchKind, lock_taps};

/// Registers a one-shot watch after its read: `watcher` is the server's watch, or None when
/// a recursive watch of ours covers the path (then that watch serves it; ZOOKEEPER-4466).
fn register_oneshot(shell: &Shell, kind: OneshotKind, path: &str, watcher: Option<OneshotWatcher>) {
    let registry = shell.watches().clone();
    let cover = if watcher.is_none() {
        registry.recursive_cover(path)
    } else {
        None
    };
    let id = registry.register(WatchKind::Oneshot(kind), path, None);
    let emit = Emitter::new(id, WatchKind::Oneshot(kind), shell.shell_sink());
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
    shell: &Shell,
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
    if watch && shell.watches().recursive_cover(path).is_none() {
        let (value, watcher) = shell.zk().call(op, path, watched()).await?;
        register_oneshot(shell, kind, path, Some(watcher));
        return Ok(value);
    }
    let value = shell.zk().call(op, path, plain()).await?;
    if watch {
        register_oneshot(shell, kind, path, None);
    }
    Ok(value)
}
