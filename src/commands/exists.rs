//! `exists [-w] path`: whether a znode is there (exit 0) or not (exit 1).

use std::io::Write;

use clap::Args;
use serde::Serialize;
use zookeeper_client::Stat;

use crate::commands::Run;
use crate::commands::stat::WatchedNode;
use crate::errors::ZkError;
use crate::output::{Render, Reply};
use crate::shell::Shell;

/// Tell whether a znode exists: exit 0 if it does, 1 if not.
///
/// The path may be a glob (*, ?, [a-c] within a name, ** any number of levels, \* a
/// plain star; quote it in a system shell): each match is said to exist (one JSON document
/// each), and exit 0 means something matched, 1 that nothing did; -w leaves a watch on every
/// match (a pattern cannot watch for a node that is not there yet: use watch for that).
///
/// Example: exists /locks/job-42 && echo busy
///
/// Example: exists '/locks/job-*' || echo idle
#[derive(Debug, Args)]
#[command(about = "Exit 0 if a znode exists, 1 if not")]
pub struct Exists {
    #[command(flatten)]
    pub node: WatchedNode,
}

/// `exists`: absent is a condition not met (exit 1), not an error.
#[derive(Debug, Serialize)]
pub struct Existence {
    pub path: String,
    pub exists: bool,
    #[serde(serialize_with = "crate::output::stat::serialize_opt")]
    pub stat: Option<Stat>,
}

impl Render for Existence {
    fn render_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        if self.exists {
            writeln!(out, "{} exists", self.path)
        } else {
            writeln!(out, "{} does not exist", self.path)
        }
    }

    fn unmet(&self) -> Option<anyhow::Error> {
        // ZooKeeper's own words and code (NONODE), as `get` of the same node would say.
        (!self.exists).then(|| ZkError::new("exists", &self.path, zookeeper_client::Error::NoNode).into())
    }
}

impl Run for Exists {
    async fn run(self, shell: &mut Shell) -> anyhow::Result<Reply> {
        let one = |path, stat: Option<Stat>| {
            Ok(Reply::value(Existence {
                path,
                exists: stat.is_some(),
                stat,
            }))
        };
        let row = |_first, path, stat| Existence {
            path,
            exists: true,
            stat: Some(stat),
        };
        self.node.each("exists", shell, one, row).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exit::ExitCode;
    use crate::output::both;
    use crate::output::stat::sample_stat;

    #[test]
    fn present_and_absent() {
        let present = Existence {
            path: "/a".into(),
            exists: true,
            stat: Some(sample_stat()),
        };
        insta::assert_snapshot!(both(&present), @r#"
        --- text
        /a exists
        --- json
        {"exists":true,"path":"/a","stat":{"aclVersion":0,"ctime":"2025-11-25T14:01:17.123Z","cversion":1,"czxid":26,"dataLength":5,"ephemeralOwner":0,"mtime":"2025-11-25T14:01:40.456Z","mzxid":43,"numChildren":2,"pzxid":44,"version":3}}
        "#);
        assert_eq!(present.exit_code(), ExitCode::Success);
        let absent = Existence {
            path: "/b".into(),
            exists: false,
            stat: None,
        };
        insta::assert_snapshot!(both(&absent), @r#"
        --- text
        /b does not exist
        --- json
        {"exists":false,"path":"/b","stat":null}
        "#);
        assert_eq!(absent.exit_code(), ExitCode::Refused);
        assert_eq!(
            absent.unmet().map(|e| e.to_string()).as_deref(),
            Some("exists /b: no such node")
        );
        assert!(present.unmet().is_none());
    }
}
