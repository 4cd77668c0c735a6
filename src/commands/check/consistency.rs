//! `check consistency [path]`: what each member of the ensemble serves for a subtree, compared
//! (zk-shell's `chkzk`): one session per member, `sync`, then the subtrees walked side by side
//! on the tree engine, in step (every walk hands out nodes in the same order), so memory stays
//! flat whatever the size. Differences are rows; any difference exits 1.

use std::cmp::Ordering;
use std::io::Write;

use clap::Args;
use serde::Serialize;
use zookeeper_client::{Client, Stat};

use crate::cluster::members::{from_config, from_connect_string, merge};
use crate::commands::Run;
use crate::errors::ShellError;
use crate::output::{Render, Reply, RowSender, RowStream};
use crate::progress::ProgressLine;
use crate::shell::Shell;
use crate::tree::{DEFAULT_PARALLEL, Visit, Walk, WalkOptions};
use crate::zk::Zk;

const OP: &str = "check consistency";

/// Compare what every member of the ensemble serves for a subtree: the node set, each node's
/// data, and its versions and zxids (version, cversion, aversion, czxid, mzxid, pzxid,
/// ephemeral owner, children).
///
/// Each member gets a session of its own (the shell's options and credentials, the member
/// alone in the connect string), syncs with the leader, and its subtree is walked; the
/// walks go in step, each member compared with the first one reached. The members are those
/// of the connect string and of /zookeeper/config. Each difference is a row naming the
/// member; a member that cannot be reached is one too. Exit 1 on any difference. On a tree
/// being written to, a write landing between two members' reads shows as a difference: run
/// it again, or on a quiet subtree.
///
/// Example: check consistency /app
#[derive(Debug, Args)]
#[command(about = "Compare what every member of the ensemble serves for a subtree")]
pub struct CheckConsistency {
    /// Subtree to compare (default: the current node)
    #[arg(add = crate::completion::path_completer())]
    pub path: Option<String>,
    /// Read requests in flight at once, per member
    #[arg(long, value_name = "N", default_value_t = DEFAULT_PARALLEL, value_parser = crate::cli::parse_parallel)]
    pub parallel: usize,
}

/// One way a member differs from the reference member (or could not be compared).
#[derive(Debug, Serialize)]
pub struct Difference {
    pub member: String,
    /// `missing` (the reference has the node, this member not), `extra` (the other way),
    /// `data`, `stat`, or `unreachable` (no session, or the walk failed).
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    pub detail: String,
}

impl Render for Difference {
    fn render_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        match &self.path {
            Some(path) => writeln!(out, "{}: {} {path}: {}", self.member, self.kind, self.detail),
            None => writeln!(out, "{}: {}: {}", self.member, self.kind, self.detail),
        }
    }
}

/// One member's walk, and the node it is at.
struct Side {
    member: String,
    walk: Walk,
    head: Option<Visit>,
    /// Keeps the member's session open while its walk runs.
    _client: Client,
}

impl Side {
    /// Moves to the next node; a failed walk ends the side with the row that says why.
    async fn advance(&mut self, rows: &RowSender, failures: &mut usize) {
        match self.walk.next().await {
            Ok(visit) => self.head = visit,
            Err(err) => {
                self.head = None;
                *failures += 1;
                rows.send(unreachable(&self.member, format!("the walk failed: {err:#}")))
                    .await;
            }
        }
    }
}

fn unreachable(member: &str, detail: String) -> Difference {
    Difference {
        member: member.to_string(),
        kind: "unreachable",
        path: None,
        detail,
    }
}

/// The walk's order: parents before children, siblings sorted (by name, component-wise).
fn walk_order(a: &str, b: &str) -> Ordering {
    a.split('/').cmp(b.split('/'))
}

/// The members: the connect string's, and those /zookeeper/config names.
async fn members(shell: &Shell) -> Vec<String> {
    let connect = from_connect_string(&shell.zk().profile().server);
    let Ok(client) = shell.zk().client().await else {
        return connect;
    };
    match shell.zk().call(OP, "/zookeeper/config", client.get_config()).await {
        Ok((data, _)) => merge(connect, &from_config(&String::from_utf8_lossy(&data))),
        Err(_) => connect,
    }
}

/// A session on `member` alone (with the chroot, options and credentials of the shell's),
/// synced with the leader for `path`.
async fn open_member(zk: &Zk, member: &str, path: &str) -> Result<Client, String> {
    let server = format!("{member}{}", zk.profile().chroot().unwrap_or(""));
    let connect = zk.connection().connector().connect(&server);
    let client = match tokio::time::timeout(zk.profile().connect_timeout, connect).await {
        Ok(Ok(client)) => client,
        Ok(Err(err)) => return Err(format!("no session: {err}")),
        Err(_) => return Err("no session within the connect timeout".to_string()),
    };
    match tokio::time::timeout(zk.request_timeout(), client.sync(path)).await {
        Ok(Ok(())) => Ok(client),
        Ok(Err(err)) => Err(format!("sync {path}: {err}")),
        Err(_) => Err(format!("sync {path}: no answer")),
    }
}

/// What differs between two reads of one node: data, then each stat field.
fn compare(reference: &Visit, other: &Visit) -> Vec<(&'static str, String)> {
    let (Some((data_a, a)), Some((data_b, b))) = (&reference.node, &other.node) else {
        return match (reference.refused.is_some(), other.refused.is_some()) {
            (true, false) | (false, true) => vec![("stat", "readable on one member only".to_string())],
            _ => Vec::new(),
        };
    };
    let mut found = Vec::new();
    if data_a != data_b {
        found.push((
            "data",
            format!("{} bytes here, {} on the reference", data_b.len(), data_a.len()),
        ));
    }
    let fields = stat_differences(a, b);
    if !fields.is_empty() {
        found.push(("stat", fields.join(", ")));
    }
    found
}

fn stat_differences(a: &Stat, b: &Stat) -> Vec<String> {
    let pairs: [(&str, i64, i64); 8] = [
        ("version", a.version.into(), b.version.into()),
        ("cversion", a.cversion.into(), b.cversion.into()),
        ("aversion", a.aversion.into(), b.aversion.into()),
        ("czxid", a.czxid, b.czxid),
        ("mzxid", a.mzxid, b.mzxid),
        ("pzxid", a.pzxid, b.pzxid),
        ("ephemeralOwner", a.ephemeral_owner, b.ephemeral_owner),
        ("numChildren", a.num_children.into(), b.num_children.into()),
    ];
    pairs
        .iter()
        .filter(|(_, x, y)| x != y)
        .map(|(name, x, y)| format!("{name} {y} (reference {x})"))
        .collect()
}

impl Run for CheckConsistency {
    async fn run(self, shell: &mut Shell) -> anyhow::Result<Reply> {
        let path = shell.resolve(self.path.as_deref().unwrap_or("."))?;
        let members = members(shell).await;
        if members.is_empty() {
            return Err(ShellError::usage(
                "check consistency: the connect string names no member",
            ));
        }
        let zk = shell.zk().clone();
        let options = WalkOptions {
            parallel: self.parallel,
            data: true,
            ..WalkOptions::default()
        };
        let opened = futures_join(&zk, &members, &path).await;
        let mut sides = Vec::new();
        let mut unreachable_members = Vec::new();
        for (member, client) in members.iter().zip(opened) {
            match client {
                Ok(client) => sides.push(Side {
                    member: member.clone(),
                    walk: Walk::start(&zk, client.clone(), OP, &path, options.clone()),
                    head: None,
                    _client: client,
                }),
                Err(why) => unreachable_members.push(unreachable(member, why)),
            }
        }
        let seen = sides.first().map(|side| side.walk.seen());
        let label = format!("{OP} {path}");
        let stream = RowStream::spawn(OP, path.clone(), "difference", move |rows| async move {
            let mut differences = unreachable_members.len();
            for row in unreachable_members {
                rows.send(row).await;
            }
            let nodes = compare_sides(&mut sides, &rows, &mut differences).await;
            let compared = sides.len();
            if differences > 0 {
                return Err(ShellError::refused(
                    OP,
                    path,
                    format!("{differences} difference(s) between the {} members", members.len()),
                ));
            }
            let what = if compared == 1 {
                format!("1 member, nothing to compare it with ({nodes} nodes read)")
            } else {
                format!("{compared} members agree on {nodes} nodes")
            };
            Ok(vec![format!("{OP} {path}: {what}")])
        });
        Ok(Reply::Stream(match seen {
            Some(seen) => stream.with_progress(ProgressLine::walking(seen, label)),
            None => stream,
        }))
    }
}

/// Opens a session on every member at once.
async fn futures_join(zk: &Zk, members: &[String], path: &str) -> Vec<Result<Client, String>> {
    let tasks: Vec<_> = members
        .iter()
        .map(|member| {
            let (zk, member, path) = (zk.clone(), member.clone(), path.to_string());
            tokio::spawn(async move { open_member(&zk, &member, &path).await })
        })
        .collect();
    let mut opened = Vec::with_capacity(tasks.len());
    for task in tasks {
        opened.push(task.await.unwrap_or_else(|e| Err(format!("lost: {e}"))));
    }
    opened
}

/// Walks every side in step and sends a row per difference; the nodes the reference has.
async fn compare_sides(sides: &mut [Side], rows: &RowSender, differences: &mut usize) -> u64 {
    for side in sides.iter_mut() {
        side.advance(rows, differences).await;
    }
    let mut nodes = 0;
    loop {
        let Some(next) = sides
            .iter()
            .filter_map(|side| side.head.as_ref().map(|visit| visit.path.clone()))
            .min_by(|a, b| walk_order(a, b))
        else {
            return nodes;
        };
        let at = |side: &Side| side.head.as_ref().is_some_and(|visit| visit.path == next);
        let reference_has = sides.first().is_some_and(at);
        nodes += u64::from(reference_has);
        let reference_member = sides[0].member.clone();
        for i in 1..sides.len() {
            let found = match (reference_has, at(&sides[i])) {
                (true, false) => vec![("missing", format!("on {reference_member}, not here"))],
                (false, true) => vec![("extra", format!("here, not on {reference_member}"))],
                (true, true) => match (&sides[0].head, &sides[i].head) {
                    (Some(a), Some(b)) => compare(a, b),
                    _ => Vec::new(),
                },
                (false, false) => Vec::new(),
            };
            for (kind, detail) in found {
                *differences += 1;
                let row = Difference {
                    member: sides[i].member.clone(),
                    kind,
                    path: Some(next.clone()),
                    detail,
                };
                if !rows.send(row).await {
                    return nodes;
                }
            }
        }
        for side in sides.iter_mut() {
            if at(side) {
                side.advance(rows, differences).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::both;

    #[test]
    fn walk_order_is_parents_first_then_sorted_siblings() {
        let mut paths = vec!["/a-b", "/a/x", "/", "/a", "/b", "/a/x/y"];
        paths.sort_by(|a, b| walk_order(a, b));
        assert_eq!(paths, ["/", "/a", "/a/x", "/a/x/y", "/a-b", "/b"]);
    }

    #[test]
    fn a_difference_names_member_kind_and_path() {
        let row = Difference {
            member: "127.0.0.1:2182".into(),
            kind: "stat",
            path: Some("/app/x".into()),
            detail: "version 3 (reference 4)".into(),
        };
        insta::assert_snapshot!(both(&row), @r#"
        --- text
        127.0.0.1:2182: stat /app/x: version 3 (reference 4)
        --- json
        {"detail":"version 3 (reference 4)","kind":"stat","member":"127.0.0.1:2182","path":"/app/x"}
        "#);
    }
}
