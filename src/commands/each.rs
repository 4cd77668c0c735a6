//! Running a one-node command (`get`, `ls`, `stat`, `exists`) on each match of a glob: the
//! reads pipelined and streamed as rows (one JSON document each), or made one by one when
//! each leaves a watch; a match gone by the time it is read is skipped, and what the server
//! would not let us see is said once, at the end.

use std::collections::VecDeque;
use std::future::Future;
use std::io::Write;
use std::pin::Pin;

use serde::Serialize;
use zookeeper_client::{self as zk, Client};

use crate::errors::{ShellError, ZkError};
use crate::output::{Document, Render, Reply, RowStream};
use crate::shell::Shell;
use crate::tree::glob::Matches;

/// Reads in flight at once.
const WINDOW: usize = 64;

/// A read of one match, sent when it was made.
pub type Read<T> = Pin<Box<dyn Future<Output = Result<T, zk::Error>> + Send>>;

/// One match's result in text, under a `path:` header, with a blank line before every header
/// but the first (GNU `ls a b`). Its JSON is the result's own (which names its path).
pub struct Labeled<T> {
    pub path: String,
    pub first: bool,
    pub inner: T,
}

impl<T: Serialize> Serialize for Labeled<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.inner.serialize(serializer)
    }
}

impl<T: Render> Render for Labeled<T> {
    fn render_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        if !self.first {
            writeln!(out)?;
        }
        writeln!(out, "{}:", self.path)?;
        self.inner.render_text(out)
    }
}

/// Streams `row(first, path, value)` for each match, `read` making each match's request (a
/// window of them in flight, answered in order).
pub fn stream_each<T, R>(
    mut matches: Matches,
    read: impl Fn(&Client, &str) -> Read<T> + Send + 'static,
    mut row: impl FnMut(bool, String, T) -> R + Send + 'static,
) -> Reply
where
    T: Send + 'static,
    R: Document + 'static,
{
    let (op, shown) = (matches.op(), matches.shown().to_string());
    Reply::Stream(RowStream::spawn(op, shown.clone(), "node", move |rows| async move {
        let client = matches.client().clone();
        let deadline = matches.zk().request_timeout();
        let mut window: VecDeque<(String, Read<T>)> = VecDeque::with_capacity(WINDOW);
        let (mut more, mut first, mut unread) = (true, true, 0usize);
        loop {
            while more && window.len() < WINDOW {
                match matches.next().await? {
                    Some(path) => {
                        let request = read(&client, &path);
                        window.push_back((path, request));
                    }
                    None => more = false,
                }
            }
            let Some((path, request)) = window.pop_front() else {
                break;
            };
            match tokio::time::timeout(deadline, request).await {
                Err(_) => return Err(matches.zk().deadline_error(op, &path)),
                Ok(Ok(value)) => {
                    if !rows.send(row(first, path, value)).await {
                        return Ok(Vec::new());
                    }
                    first = false;
                }
                Ok(Err(zk::Error::NoNode)) => {}
                Ok(Err(zk::Error::NoAuth)) => unread += 1,
                Ok(Err(err)) => return Err(ZkError::new(op, path, err).into()),
            }
        }
        match unseen(&matches, unread) {
            Some(err) => Err(err),
            None => Ok(Vec::new()),
        }
    }))
}

/// As [`stream_each`], for reads that leave a watch (`-w`): the matches are gathered, then
/// read one by one with the shell at hand (the watch is registered in it), and the rows
/// streamed once all are read.
pub async fn watch_each<T, R>(
    shell: &Shell,
    mut matches: Matches,
    read: impl AsyncFn(&Shell, &str) -> anyhow::Result<T>,
    mut row: impl FnMut(bool, String, T) -> R,
) -> anyhow::Result<Reply>
where
    R: Document + 'static,
{
    let mut paths = Vec::new();
    while let Some(path) = matches.next().await? {
        paths.push(path);
    }
    let mut found = Vec::with_capacity(paths.len());
    let mut unread = 0usize;
    for path in paths {
        match read(shell, &path).await {
            Ok(value) => found.push(row(found.is_empty(), path, value)),
            Err(err) => match err.downcast_ref::<ZkError>().map(|e| &e.source) {
                Some(zk::Error::NoNode) => {}
                Some(zk::Error::NoAuth) => unread += 1,
                _ => return Err(err),
            },
        }
    }
    let end = unseen(&matches, unread);
    Ok(Reply::Stream(RowStream::spawn(
        matches.op(),
        matches.shown().to_string(),
        "node",
        move |rows| async move {
            for row in found {
                if !rows.send(row).await {
                    return Ok(Vec::new());
                }
            }
            match end {
                Some(err) => Err(err),
                None => Ok(Vec::new()),
            }
        },
    )))
}

/// The error that ends a run in which some nodes could not be listed or read.
fn unseen(matches: &Matches, unread: usize) -> Option<anyhow::Error> {
    if unread == 0 {
        return matches.unseen();
    }
    let nodes = if unread == 1 { "match" } else { "matches" };
    let mut message = format!("{unread} {nodes} could not be read (not authorized)");
    let unlisted = matches.refused();
    if unlisted > 0 {
        let nodes = if unlisted == 1 { "node" } else { "nodes" };
        message.push_str(&format!(
            "; {unlisted} {nodes} could not be listed: matches below them are missing"
        ));
    }
    Some(ShellError::refused(matches.op(), matches.shown(), message))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::both;

    #[derive(Serialize)]
    struct Lines(&'static str);

    impl Render for Lines {
        fn render_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
            writeln!(out, "{}", self.0)
        }
    }

    #[test]
    fn labels_head_each_block_and_json_is_the_result() {
        let first = Labeled {
            path: "/a/x".into(),
            first: true,
            inner: Lines("one"),
        };
        insta::assert_snapshot!(both(&first), @r#"
        --- text
        /a/x:
        one
        --- json
        "one"
        "#);
        let second = Labeled {
            path: "/a/y".into(),
            first: false,
            inner: Lines("two"),
        };
        insta::assert_snapshot!(both(&second), @r#"
        --- text

        /a/y:
        two
        --- json
        "two"
        "#);
    }
}
