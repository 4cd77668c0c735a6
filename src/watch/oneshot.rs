//! One-shot watches (`get -w`, `ls -w`, `stat -w`, `exists -w`): the read that leaves one, and
//! its registration (served by one of our recursive watches when one covers the path).

use std::future::Future;

use zookeeper_client::{Client, OneshotWatcher, Stat};

use crate::shell::Shell;
use crate::watch::tasks::run_oneshot;
use crate::watch::{Emitter, OneshotKind, Tap, WatchKind, lock_taps};

/// Registers a one-shot watch after its read: `watcher` is the server's watch, or None when
/// a recursive watch of ours covers the path (then that watch serves it; ZOOKEEPER-4466).
fn register_oneshot(shell: &Shell, kind: OneshotKind, path: &str, watcher: Option<OneshotWatcher>) {
    let registry = shell.watches().clone();
    // Set again before it fired: the same server watch (the client keeps one per path and
    // kind), so the new watcher goes and the waiting entry counts it.
    if registry.set_again(WatchKind::Oneshot(kind), path) {
        return;
    }
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

/// A read of one node that may leave a one-shot watch on it (`-w`): the path resolved and a
/// client connected, then `data`, `children` or `stat`.
pub struct NodeRead<'s> {
    shell: &'s Shell,
    op: &'static str,
    pub path: String,
    pub client: Client,
    watch: bool,
}

impl<'s> NodeRead<'s> {
    pub async fn new(shell: &'s Shell, op: &'static str, input: &str, watch: bool) -> anyhow::Result<NodeRead<'s>> {
        let (path, client) = shell.target(input).await?;
        Ok(NodeRead {
            shell,
            op,
            path,
            client,
            watch,
        })
    }

    /// `get`: the data and stat; a watch fires on a data change or deletion.
    pub async fn data(&self) -> anyhow::Result<(Vec<u8>, Stat)> {
        self.read(OneshotKind::Data, Client::get_data, Client::get_and_watch_data)
            .await
    }

    /// `ls`: the children and the node's stat; a watch fires on a change of children.
    pub async fn children(&self) -> anyhow::Result<(Vec<String>, Stat)> {
        self.read(
            OneshotKind::Children,
            Client::get_children,
            Client::get_and_watch_children,
        )
        .await
    }

    /// `stat`, `exists`: the stat, None when absent; the watch fires on creation too, so it
    /// works on a missing node.
    pub async fn stat(&self) -> anyhow::Result<Option<Stat>> {
        self.read(OneshotKind::Exists, Client::check_stat, Client::check_and_watch_stat)
            .await
    }

    /// Makes the plain read, or the watched one when a server watch is wanted (the client
    /// sends a request as soon as its future exists, so only one of them is called). Under one
    /// of our recursive watches the plain read is made and the recursive watch serves the
    /// one-shot watch (ZOOKEEPER-4466).
    async fn read<'a, W: WithWatcher, Plain, Watched>(
        &'a self,
        kind: OneshotKind,
        plain: impl FnOnce(&'a Client, &'a str) -> Plain,
        watched: impl FnOnce(&'a Client, &'a str) -> Watched,
    ) -> anyhow::Result<W::Value>
    where
        Plain: Future<Output = Result<W::Value, zookeeper_client::Error>>,
        Watched: Future<Output = Result<W, zookeeper_client::Error>>,
    {
        let (shell, op, path) = (self.shell, self.op, self.path.as_str());
        if self.watch && shell.watches().recursive_cover(path).is_none() {
            let (value, watcher) = shell.zk().call(op, path, watched(&self.client, path)).await?.split();
            register_oneshot(shell, kind, path, Some(watcher));
            return Ok(value);
        }
        let value = shell.zk().call(op, path, plain(&self.client, path)).await?;
        if self.watch {
            register_oneshot(shell, kind, path, None);
        }
        Ok(value)
    }
}

/// What a watched read answers: the value, and the watcher beside it.
trait WithWatcher {
    type Value;
    fn split(self) -> (Self::Value, OneshotWatcher);
}

impl<A, B> WithWatcher for (A, B, OneshotWatcher) {
    type Value = (A, B);
    fn split(self) -> ((A, B), OneshotWatcher) {
        ((self.0, self.1), self.2)
    }
}

impl<A> WithWatcher for (A, OneshotWatcher) {
    type Value = A;
    fn split(self) -> (A, OneshotWatcher) {
        (self.0, self.1)
    }
}
