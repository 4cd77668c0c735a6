//! `wait PATH [--exists | --gone | --value V | --children-at-least N | --version-above N]
//! [--timeout D]`: block until a znode reaches a condition, woken by a watch (no polling).

use std::io::Write;
use std::time::{Duration, Instant};

use clap::{ArgGroup, Args};
use serde::Serialize;
use zookeeper_client::Stat;

use crate::cli::parse_duration;
use crate::commands::Run;
use crate::errors::ShellError;
use crate::output::{Render, Reply, human_duration};
use crate::shell::Shell;
use crate::watch::WatchKind;
use crate::watch::until::{Condition, until};

/// Wait until a znode exists (the default), is gone, holds a value, has enough children or
/// passes a version; exit 0 then, or 1 when --timeout passes first.
///
/// Waiting is driven by a watch on the node, not by polling: the condition is checked at the
/// start and at every change of the node, so it returns as soon as another client makes it
/// true. A success prints nothing (with -o json, a document: path, condition, met, elapsedMs
/// and the node's stat); a timeout says on stderr what was waited for and what was last seen.
///
/// It survives a lost connection: after a reconnect or a new session (the old one expired)
/// the watch is placed again and the condition checked again, since changes made while
/// disconnected send no event. A connection that stays down longer than --request-timeout
/// ends the wait with exit 3. Ctrl-C stops it (exit 130; in the shell, back to the prompt).
/// Needs ZooKeeper 3.6+ (persistent watches).
///
/// Example: zksh wait /services/api/ready --timeout 2m && ./deploy.sh
#[derive(Debug, Args)]
#[command(
    about = "Wait until a znode exists, is gone, holds a value or has enough children",
    group = ArgGroup::new("condition").args(["exists", "gone", "value", "children_at_least", "version_above"])
)]
pub struct Wait {
    /// Wait until the node exists (the default)
    #[arg(long)]
    pub exists: bool,
    /// Wait until the node does not exist
    #[arg(long)]
    pub gone: bool,
    /// Wait until the node's data is exactly V
    #[arg(long, value_name = "V", allow_hyphen_values = true)]
    pub value: Option<String>,
    /// Wait until the node has at least N children
    #[arg(long, value_name = "N", value_parser = parse_count)]
    pub children_at_least: Option<usize>,
    /// Wait until the node's data version is above N (it changed since version N)
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = parse_version)]
    pub version_above: Option<i32>,
    /// Give up after this long (exit 1), e.g. 30s, 2m; default: wait for ever
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub timeout: Option<Duration>,
    /// Znode path
    #[arg(add = crate::completion::path_completer())]
    pub path: String,
}

fn parse_count(text: &str) -> Result<usize, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("'{text}' is not a number of children (try 3)"))
}

fn parse_version(text: &str) -> Result<i32, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("'{text}' is not a version number (try 0)"))
}

/// The condition held.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Waited {
    pub path: String,
    pub condition: String,
    pub met: bool,
    pub elapsed_ms: u64,
    /// The node when the condition held; null for `--gone`.
    #[serde(serialize_with = "crate::output::stat::serialize_opt")]
    pub stat: Option<Stat>,
}

/// Quiet on success, as a script wants: `zksh wait /x && next-step`.
impl Render for Waited {
    fn render_text(&self, _out: &mut dyn Write) -> std::io::Result<()> {
        Ok(())
    }
}

impl Wait {
    fn condition(&self) -> Condition {
        if self.gone {
            Condition::Gone
        } else if let Some(value) = &self.value {
            Condition::Value(value.clone().into_bytes())
        } else if let Some(n) = self.children_at_least {
            Condition::ChildrenAtLeast(n)
        } else if let Some(n) = self.version_above {
            Condition::VersionAbove(n)
        } else {
            Condition::Exists
        }
    }
}

impl Run for Wait {
    async fn run(self, shell: &mut Shell) -> anyhow::Result<Reply> {
        let path = shell.resolve(&self.path)?;
        let condition = self.condition();
        // ZOOKEEPER-4466: the server keeps one watch mode per path and session, so a second
        // watch on the path of our recursive watch would change what that watch reports.
        if let Some(watch) = shell
            .watches()
            .list()
            .into_iter()
            .find(|w| w.kind == WatchKind::Recursive && w.path == path)
        {
            return Err(ShellError::refused(
                "wait",
                &path,
                format!(
                    "watch {} already watches this path recursively, and a second watch on the same \
                     path would silence it (ZOOKEEPER-4466): unwatch {} first, or wait from another shell",
                    watch.id, watch.id
                ),
            ));
        }
        // Waiting outlives a session expiry: the next session carries on.
        shell.zk().connection().set_renew(true);
        let started = Instant::now();
        let mut seen = String::new();
        let waiting = until(shell.zk(), &path, &condition, &mut seen);
        let stat = match self.timeout {
            None => waiting.await?,
            Some(limit) => match tokio::time::timeout(limit, waiting).await {
                Ok(result) => result?,
                Err(_) => {
                    let seen = if seen.is_empty() {
                        String::new()
                    } else {
                        format!(" (last seen: {seen})")
                    };
                    return Err(ShellError::refused(
                        "wait",
                        &path,
                        format!(
                            "timed out after {} waiting for {}{seen}",
                            human_duration(limit),
                            condition.wanted()
                        ),
                    ));
                }
            },
        };
        Ok(Reply::value(Waited {
            path,
            condition: condition.option(),
            met: true,
            elapsed_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            stat,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::both;
    use crate::output::stat::sample_stat;

    #[test]
    fn a_met_wait_is_quiet_in_text() {
        let waited = Waited {
            path: "/services/api".into(),
            condition: "--children-at-least 2".into(),
            met: true,
            elapsed_ms: 1520,
            stat: Some(sample_stat()),
        };
        insta::assert_snapshot!(both(&waited), @r#"
        --- text
        --- json
        {"condition":"--children-at-least 2","elapsedMs":1520,"met":true,"path":"/services/api","stat":{"aclVersion":0,"ctime":"2025-11-25T14:01:17.123Z","cversion":1,"czxid":26,"dataLength":5,"ephemeralOwner":0,"mtime":"2025-11-25T14:01:40.456Z","mzxid":43,"numChildren":2,"pzxid":44,"version":3}}
        "#);
        let gone = Waited {
            path: "/locks/job".into(),
            condition: "--gone".into(),
            met: true,
            elapsed_ms: 3,
            stat: None,
        };
        insta::assert_snapshot!(both(&gone), @r#"
        --- text
        --- json
        {"condition":"--gone","elapsedMs":3,"met":true,"path":"/locks/job","stat":null}
        "#);
    }
}
