//! Waiting for a node to reach a condition (`wait`): a persistent watch on the node wakes a
//! re-check at every change of it; after a reconnect or a new session the watch is placed
//! again and the condition re-checked, since changes in the gap send no event.

use std::time::Instant;

use zookeeper_client::{self as zk, AddWatchMode, Client, EventType, PersistentWatcher, SessionState, Stat};

use crate::errors::{ShellError, ZkError, exit_code_of};
use crate::exit::ExitCode;
use crate::output::data::one_line_data;
use crate::output::human_duration;
use crate::zk::Zk;

/// What the node must come to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    Exists,
    Gone,
    Value(Vec<u8>),
    ChildrenAtLeast(usize),
    VersionAbove(i32),
}

impl Condition {
    /// The option that asked for it: `--children-at-least 3`.
    pub fn option(&self) -> String {
        match self {
            Condition::Exists => "--exists".into(),
            Condition::Gone => "--gone".into(),
            Condition::Value(value) => format!("--value '{}'", one_line_data(value)),
            Condition::ChildrenAtLeast(n) => format!("--children-at-least {n}"),
            Condition::VersionAbove(n) => format!("--version-above {n}"),
        }
    }

    /// What is waited for, in words: `at least 3 children`.
    pub fn wanted(&self) -> String {
        match self {
            Condition::Exists => "the node to exist".into(),
            Condition::Gone => "the node to be deleted".into(),
            Condition::Value(value) => format!("data '{}'", one_line_data(value)),
            Condition::ChildrenAtLeast(1) => "at least 1 child".into(),
            Condition::ChildrenAtLeast(n) => format!("at least {n} children"),
            Condition::VersionAbove(n) => format!("a version above {n}"),
        }
    }

    /// Reads what the condition needs; the node's stat when it holds (None for `--gone`), and
    /// in `seen` what was found otherwise.
    async fn check(
        &self,
        zk: &Zk,
        client: &Client,
        path: &str,
        seen: &mut String,
    ) -> anyhow::Result<Option<Option<Stat>>> {
        const OP: &str = "wait";
        let absent = |seen: &mut String| {
            *seen = "the node does not exist".into();
            Ok(None)
        };
        match self {
            Condition::Exists | Condition::Gone | Condition::VersionAbove(_) => {
                let stat = zk.call(OP, path, client.check_stat(path)).await?;
                match (self, stat) {
                    (Condition::Exists, Some(stat)) => Ok(Some(Some(stat))),
                    (Condition::Gone, None) => Ok(Some(None)),
                    (Condition::Gone, Some(_)) => {
                        *seen = "the node still exists".into();
                        Ok(None)
                    }
                    (Condition::VersionAbove(n), Some(stat)) if stat.version > *n => Ok(Some(Some(stat))),
                    (Condition::VersionAbove(_), Some(stat)) => {
                        *seen = format!("version {}", stat.version);
                        Ok(None)
                    }
                    _ => absent(seen),
                }
            }
            Condition::Value(value) => match zk.call(OP, path, client.get_data(path)).await {
                Ok((data, stat)) if data == *value => Ok(Some(Some(stat))),
                Ok((data, _)) => {
                    *seen = format!("data '{}'", one_line_data(&data));
                    Ok(None)
                }
                Err(err) if is_no_node(&err) => absent(seen),
                Err(err) => Err(err),
            },
            Condition::ChildrenAtLeast(n) => match zk.call(OP, path, client.get_children(path)).await {
                Ok((children, stat)) if children.len() >= *n => Ok(Some(Some(stat))),
                Ok((children, _)) => {
                    let plural = if children.len() == 1 { "child" } else { "children" };
                    *seen = format!("{} {plural}", children.len());
                    Ok(None)
                }
                Err(err) if is_no_node(&err) => absent(seen),
                Err(err) => Err(err),
            },
        }
    }
}

fn is_no_node(err: &anyhow::Error) -> bool {
    err.downcast_ref::<ZkError>()
        .is_some_and(|e| matches!(e.source, zk::Error::NoNode))
}

/// Blocks until `condition` holds on `path`; returns the node's stat then (None when it is
/// gone). `seen` says what the last check found, for a caller that gives up first.
///
/// No polling: a check runs at the start, at every event of the node's watch, and after each
/// reconnect. A connection that stays down longer than the request deadline ends the wait
/// with a connection error (exit 3); a session that expires is replaced (the caller turns
/// renewal on) and the wait goes on in the new one.
pub async fn until(zk: &Zk, path: &str, condition: &Condition, seen: &mut String) -> anyhow::Result<Option<Stat>> {
    let deadline = zk.request_timeout();
    let mut down_since: Option<Instant> = None;
    // The watch of the previous connection, dropped only once the new one is placed: a path
    // left with no watcher makes the client remove the server's watch.
    let mut previous: Option<PersistentWatcher> = None;
    loop {
        let client = zk.client().await?;
        let mut watcher = match zk
            .call("wait", path, client.watch(path, AddWatchMode::Persistent))
            .await
        {
            Ok(watcher) => watcher,
            Err(err) => {
                retry_later(explain_watch_error(err, path), path, &mut down_since, deadline).await?;
                continue;
            }
        };
        drop(previous.take());
        down_since = None;
        let mut checked = condition.check(zk, &client, path, seen).await;
        loop {
            match checked {
                Ok(Some(stat)) => return Ok(stat),
                Ok(None) => {}
                Err(err) => {
                    retry_later(err, path, &mut down_since, deadline).await?;
                    if !client.state().is_terminated() {
                        previous = Some(watcher);
                    }
                    break;
                }
            }
            let event = match down_since {
                Some(since) => match tokio::time::timeout_at((since + deadline).into(), watcher.changed()).await {
                    Ok(event) => event,
                    Err(_) => return Err(lost(path, deadline)),
                },
                None => watcher.changed().await,
            };
            if event.event_type != EventType::Session {
                checked = condition.check(zk, &client, path, seen).await;
                continue;
            }
            checked = Ok(None);
            match event.session_state {
                SessionState::Disconnected => {
                    down_since.get_or_insert_with(Instant::now);
                }
                SessionState::SyncConnected | SessionState::ConnectedReadOnly => {
                    if down_since.is_some() {
                        // Same session: the server forgot the persistent watch
                        // (zookeeper-client 0.11.2 does not re-send it) and events in the gap
                        // are lost: place it again and re-check.
                        previous = Some(watcher);
                        break;
                    }
                }
                // The client ended (terminal: not polled again): the connection resumes the
                // session or makes a new one, and the watch is placed there.
                _ => {
                    down_since.get_or_insert_with(Instant::now);
                    break;
                }
            }
        }
    }
}

/// A request that failed for want of a connection is tried again, after a pause that keeps
/// this from spinning while the session is resumed or renewed, as long as the connection has
/// not been down for the whole deadline; any other error ends the wait.
async fn retry_later(
    err: anyhow::Error,
    path: &str,
    down_since: &mut Option<Instant>,
    deadline: std::time::Duration,
) -> anyhow::Result<()> {
    if exit_code_of(&err) != ExitCode::NoConnection {
        return Err(err);
    }
    let since = *down_since.get_or_insert_with(Instant::now);
    if since.elapsed() >= deadline {
        return Err(lost(path, deadline));
    }
    tracing::debug!(path, error = %format!("{err:#}"), "wait: no connection, trying again");
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    Ok(())
}

fn lost(path: &str, deadline: std::time::Duration) -> anyhow::Error {
    ShellError::NoConnection {
        op: "wait",
        path: path.to_string(),
        message: format!(
            "connection to ZooKeeper lost and not back within {} (--request-timeout)",
            human_duration(deadline)
        ),
    }
    .into()
}

/// A server without persistent watches (before 3.6, ClickHouse Keeper) says "unimplemented".
fn explain_watch_error(err: anyhow::Error, path: &str) -> anyhow::Error {
    match err.downcast_ref::<ZkError>().map(|e| &e.source) {
        Some(zk::Error::Unimplemented) => ShellError::refused(
            "wait",
            path,
            "the server has no persistent watches (ZooKeeper 3.6+ needed), which wait is built on",
        ),
        _ => err,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_in_words() {
        assert_eq!(Condition::Value(b"up".to_vec()).option(), "--value 'up'");
        assert_eq!(Condition::ChildrenAtLeast(3).wanted(), "at least 3 children");
        assert_eq!(Condition::ChildrenAtLeast(1).wanted(), "at least 1 child");
        assert_eq!(Condition::VersionAbove(-1).option(), "--version-above -1");
        assert_eq!(Condition::Gone.wanted(), "the node to be deleted");
    }
}
