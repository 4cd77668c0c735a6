//! `counter PATH [--add N | --get | --set N]`: an atomic shared counter stored as Kazoo's
//! `Counter` stores it (the value as the text of an integer), changed by versioned
//! compare-and-set, retried until it applies.

use std::io::Write;
use std::time::Instant;

use clap::{ArgGroup, Args};
use serde::Serialize;
use zookeeper_client::{self as zk, Acls, CreateMode};

use crate::commands::Run;
use crate::errors::{ShellError, ZkError};
use crate::output::{Render, Reply};
use crate::path::parent_of;
use crate::shell::Shell;
use crate::zk::write::{NewNode, WriteOp};

/// Read or change an atomic shared counter (Kazoo's Counter, on the same node).
///
/// The value is stored as Kazoo's Counter stores it: the decimal text of an integer
/// (`repr(int)`), an empty or missing node counting as 0. So zksh, Kazoo's
/// `zk.Counter(path)` and any other client that follows that format share one counter.
///
/// --add N adds N (a negative N subtracts: `--add -3`) and prints the new value; --set N
/// replaces the value; --get (the default) prints it. --add and --set create the node (and
/// its missing parents) when it is not there; --get does not create anything. A change is a
/// versioned compare-and-set: when another client changed the counter in between, it is read
/// again and retried, so concurrent changes never lose an update.
///
/// Integers only (64-bit): a node that holds anything else (text, or a float counter made
/// with Kazoo's `Counter(path, default=0.0)`) is refused with exit 1 and left untouched.
/// Curator's SharedCount (4-byte binary) is not this format.
///
/// Example: zksh counter /app/deploys --add 1
#[derive(Debug, Args)]
#[command(
    about = "Read or change an atomic shared counter (Kazoo's Counter format)",
    group = ArgGroup::new("change").args(["add", "set", "get"])
)]
pub struct Counter {
    /// Add N to the counter (negative to subtract) and print the new value
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = parse_whole_number)]
    pub add: Option<i64>,
    /// Print the value (the default)
    #[arg(long)]
    pub get: bool,
    /// Set the counter to N and print it
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = parse_whole_number)]
    pub set: Option<i64>,
    /// Znode path of the counter
    #[arg(add = crate::completion::path_completer())]
    pub path: String,
}

/// A counter's value after the command; `previous` when it changed it.
#[derive(Debug, Serialize)]
pub struct CounterValue {
    pub path: String,
    pub value: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous: Option<i64>,
}

impl Render for CounterValue {
    fn render_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        writeln!(out, "{}", self.value)
    }
}

/// `--add 3`, `--set -2`: a whole number, said plainly when it is not one.
fn parse_whole_number(text: &str) -> Result<i64, String> {
    parse_counter(text.as_bytes()).ok_or_else(|| format!("'{text}' is not a whole number (try 1 or -3)"))
}

/// The value a counter node holds, read as Python's `int()` reads Kazoo's text: surrounding
/// whitespace and a sign allowed; None when it is not a 64-bit integer.
fn parse_counter(data: &[u8]) -> Option<i64> {
    let text = std::str::from_utf8(data).ok()?.trim();
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.strip_prefix('+').unwrap_or(text).parse().ok()
}

/// The value of a counter node's data: empty is Kazoo's default, 0.
fn counter_value(path: &str, data: &[u8]) -> anyhow::Result<i64> {
    if data.is_empty() {
        return Ok(0);
    }
    parse_counter(data).ok_or_else(|| {
        let shown = crate::output::data::one_line_data(data);
        let shown: String = shown.chars().take(40).collect();
        ShellError::refused(
            "counter",
            path,
            format!(
                "the node holds '{shown}', not a whole number (a counter holds the text of an integer, \
                 e.g. 42); nothing was changed"
            ),
        )
    })
}

impl Run for Counter {
    async fn run(self, shell: &mut Shell) -> anyhow::Result<Reply> {
        shell.refuse_in_txn("counter cannot be part of a transaction (it reads before it writes)")?;
        let path = shell.resolve(&self.path)?;
        let change = match (self.add, self.set) {
            (Some(n), _) => Change::Add(n),
            (None, Some(n)) => Change::Set(n),
            (None, None) => return Ok(Reply::value(read(shell, &path).await?)),
        };
        Ok(Reply::value(apply(shell, &path, change).await?))
    }
}

#[derive(Debug, Clone, Copy)]
enum Change {
    Add(i64),
    Set(i64),
}

/// `--get`: the value, 0 for a missing node (which is not created).
async fn read(shell: &Shell, path: &str) -> anyhow::Result<CounterValue> {
    let client = shell.zk().client().await?;
    let value = match shell.zk().call("counter", path, client.get_data(path)).await {
        Ok((data, _)) => counter_value(path, &data)?,
        Err(err) if is(&err, &zk::Error::NoNode) => 0,
        Err(err) => return Err(err),
    };
    Ok(CounterValue {
        path: path.to_string(),
        value,
        previous: None,
    })
}

fn is(err: &anyhow::Error, which: &zk::Error) -> bool {
    ZkError::is(err, which)
}

/// Read, compute, write if the version is still the one read; again while another client
/// gets in between. Bounded by the request deadline, so heavy contention ends in an error
/// rather than a hang.
async fn apply(shell: &Shell, path: &str, change: Change) -> anyhow::Result<CounterValue> {
    let started = Instant::now();
    let mut attempts = 0u32;
    loop {
        attempts += 1;
        if attempts > 1 && started.elapsed() > shell.zk().request_timeout() {
            return Err(ShellError::refused(
                "counter",
                path,
                format!("other clients changed the counter {attempts} times in a row; gave up (nothing was changed)"),
            ));
        }
        let client = shell.zk().client().await?;
        let read = shell.zk().call("counter", path, client.get_data(path)).await;
        let (previous, version) = match read {
            Ok((data, stat)) => (counter_value(path, &data)?, Some(stat.version)),
            Err(err) if is(&err, &zk::Error::NoNode) => (0, None),
            Err(err) => return Err(err),
        };
        let value = match change {
            Change::Add(n) => previous.checked_add(n).ok_or_else(|| {
                ShellError::refused(
                    "counter",
                    path,
                    format!("{previous} + {n} does not fit in a 64-bit integer; nothing was changed"),
                )
            })?,
            Change::Set(n) => n,
        };
        let data = value.to_string().into_bytes();
        let op = match version {
            Some(version) => WriteOp::Set {
                path: path.to_string(),
                data,
                version: Some(version),
            },
            None => {
                make_parents(shell, &client, path).await?;
                WriteOp::Create(NewNode::persistent(path, data))
            }
        };
        match shell.zk().apply(&op).await {
            Ok(_) => {
                return Ok(CounterValue {
                    path: path.to_string(),
                    value,
                    previous: Some(previous),
                });
            }
            // Someone else got in between (changed, created or deleted it): read again.
            Err(err)
                if is(&err, &zk::Error::BadVersion)
                    || is(&err, &zk::Error::NodeExists)
                    || (version.is_some() && is(&err, &zk::Error::NoNode)) =>
            {
                tracing::debug!(path, attempts, "counter: changed meanwhile, retrying");
            }
            Err(err) => return Err(err),
        }
    }
}

/// The missing parents of a new counter, as Kazoo's `ensure_path` makes them.
async fn make_parents(shell: &Shell, client: &zk::Client, path: &str) -> anyhow::Result<()> {
    let parent = parent_of(path);
    if parent == "/" {
        return Ok(());
    }
    let options = CreateMode::Persistent.with_acls(Acls::anyone_all());
    shell.zk().call("counter", parent, client.mkdir(parent, &options)).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::both;

    #[test]
    fn counter_text_is_read_as_python_int_reads_it() {
        assert_eq!(parse_counter(b"42"), Some(42));
        assert_eq!(parse_counter(b"-3"), Some(-3));
        assert_eq!(parse_counter(b" +7\n"), Some(7));
        assert_eq!(parse_counter(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(parse_counter(b"9223372036854775808"), None);
        assert_eq!(parse_counter(b"3.0"), None, "a float counter");
        assert_eq!(parse_counter(b"abc"), None);
        assert_eq!(parse_counter(b"-"), None);
        assert_eq!(parse_counter(b"--1"), None);
        assert_eq!(parse_counter(b"\xff"), None);
        assert_eq!(
            counter_value("/c", b"").ok(),
            Some(0),
            "Kazoo's ensure_path leaves it empty"
        );
        let err = counter_value("/c", b"ready").expect_err("not a number");
        assert_eq!(
            err.to_string(),
            "counter /c: the node holds 'ready', not a whole number (a counter holds the text of an \
             integer, e.g. 42); nothing was changed"
        );
        assert_eq!(
            parse_whole_number("x1"),
            Err("'x1' is not a whole number (try 1 or -3)".to_string())
        );
    }

    #[test]
    fn the_value_is_printed_alone() {
        let value = CounterValue {
            path: "/app/deploys".into(),
            value: 20,
            previous: Some(19),
        };
        insta::assert_snapshot!(both(&value), @r#"
        --- text
        20
        --- json
        {"path":"/app/deploys","previous":19,"value":20}
        "#);
        let read = CounterValue {
            path: "/app/deploys".into(),
            value: 0,
            previous: None,
        };
        insta::assert_snapshot!(both(&read), @r#"
        --- text
        0
        --- json
        {"path":"/app/deploys","value":0}
        "#);
    }
}
