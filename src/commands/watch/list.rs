//! Listing and removing watches: `watches`, `unwatch`, zkCli's `removewatches` and
//! `printwatches`.

use std::io::Write;

use clap::{Args, ValueEnum};
use serde::Serialize;

use crate::commands::Run;
use crate::errors::{ShellError, ZkError};
use crate::output::{Render, Reply};
use crate::shell::Shell;
use crate::watch::WatchInfo;

/// List the active watches: id, kind and path.
///
/// Kinds: data, children and recursive (from `watch`), persistent (`addWatch`), and the
/// one-shot watches (`get -w`, `ls -w`, `stat -w`, `exists -w`) that have not fired yet.
///
/// Example: watches
#[derive(Debug, Args)]
#[command(about = "List the active watches")]
pub struct Watches {}

/// Remove watches by id or path, or all of them; their server-side watches go too.
///
/// Example: unwatch 3
#[derive(Debug, Args)]
#[command(about = "Remove watches by id, path, or --all")]
pub struct Unwatch {
    /// Remove every watch
    #[arg(long, conflicts_with = "target")]
    pub all: bool,
    /// A watch id (see `watches`) or a znode path
    #[arg(required_unless_present = "all")]
    pub target: Option<String>,
}

/// Remove the watches on a path, as zkCli's removewatches (same as `unwatch PATH`).
///
/// Every watch of this shell on the path goes, one-shot or persistent, and with it the
/// server-side watch. zkCli's -c/-d/-a/-l flags are accepted and mean the same here.
///
/// Example: removewatches /app/config
#[derive(Debug, Args)]
#[command(about = "Remove the watches on a path, as zkCli", visible_alias = "remove-watches")]
pub struct RemoveWatches {
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
#[command(about = "Show or hide watch events between prompts", visible_alias = "print-watches")]
pub struct PrintWatches {
    /// on or off (no value: show the setting)
    #[arg(value_enum)]
    pub setting: Option<OnOff>,
}

/// A list of watches: in JSON `{"watches": [...]}` or `{"removed": [...]}`.
#[derive(Debug, Serialize)]
pub enum WatchList {
    /// `watches`: the active watches.
    #[serde(rename = "watches")]
    Active(Vec<WatchInfo>),
    /// `unwatch`, `removewatches`: what was removed.
    #[serde(rename = "removed")]
    Removed(Vec<WatchInfo>),
}

impl Render for WatchList {
    fn render_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        match self {
            WatchList::Active(watches) => {
                for w in watches {
                    let again = match w.count {
                        1 => String::new(),
                        n => format!("  (set {n} times; fires once)"),
                    };
                    writeln!(out, "{:>4}  {:<16}  {}{again}", w.id, w.kind.label(), w.path)?;
                }
            }
            WatchList::Removed(watches) => {
                for w in watches {
                    writeln!(out, "removed watch {} ({}) on {}", w.id, w.kind.label(), w.path)?;
                }
            }
        }
        Ok(())
    }
}

/// `printwatches`: the setting now.
#[derive(Debug, Serialize)]
pub struct Printing {
    pub printwatches: bool,
}

impl Render for Printing {
    fn render_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        writeln!(out, "printwatches is {}", if self.printwatches { "on" } else { "off" })
    }
}

impl Run for Watches {
    async fn run(self, shell: &mut Shell) -> anyhow::Result<Reply> {
        Ok(Reply::value(WatchList::Active(shell.watches().list())))
    }
}

impl Run for Unwatch {
    async fn run(self, shell: &mut Shell) -> anyhow::Result<Reply> {
        let registry = shell.watches();
        let removed = match (&self.target, self.all) {
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
                    let path = shell.resolve(target)?;
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
        Ok(Reply::value(WatchList::Removed(removed)))
    }
}

impl Run for RemoveWatches {
    async fn run(self, shell: &mut Shell) -> anyhow::Result<Reply> {
        let path = shell.resolve(&self.path)?;
        let removed = shell.watches().remove(|w| w.path == path);
        if removed.is_empty() {
            // zkCli reports this as the server's NoWatcher.
            return Err(ZkError::new("removewatches", path, zookeeper_client::Error::NoWatcher).into());
        }
        Ok(Reply::value(WatchList::Removed(removed)))
    }
}

impl Run for PrintWatches {
    async fn run(self, shell: &mut Shell) -> anyhow::Result<Reply> {
        if let Some(setting) = self.setting {
            shell.watches().set_printing(setting == OnOff::On);
        }
        Ok(Reply::value(Printing {
            printwatches: shell.watches().is_printing(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::both;
    use crate::watch::{OneshotKind, WatchKind};

    fn watches() -> Vec<WatchInfo> {
        vec![
            WatchInfo {
                id: 1,
                kind: WatchKind::Recursive,
                path: "/app".into(),
                count: 1,
            },
            WatchInfo {
                id: 7,
                kind: WatchKind::Oneshot(OneshotKind::Data),
                path: "/app/config".into(),
                count: 3,
            },
        ]
    }

    #[test]
    fn listed_and_removed() {
        insta::assert_snapshot!(both(&WatchList::Active(watches())), @r#"
        --- text
           1  recursive         /app
           7  oneshot-data      /app/config  (set 3 times; fires once)
        --- json
        {"watches":[{"count":1,"id":1,"kind":"recursive","path":"/app"},{"count":3,"id":7,"kind":"oneshot-data","path":"/app/config"}]}
        "#);
        insta::assert_snapshot!(both(&WatchList::Removed(watches())), @r#"
        --- text
        removed watch 1 (recursive) on /app
        removed watch 7 (oneshot-data) on /app/config
        --- json
        {"removed":[{"count":1,"id":1,"kind":"recursive","path":"/app"},{"count":3,"id":7,"kind":"oneshot-data","path":"/app/config"}]}
        "#);
    }

    #[test]
    fn printing_setting() {
        insta::assert_snapshot!(both(&Printing { printwatches: false }), @r#"
        --- text
        printwatches is off
        --- json
        {"printwatches":false}
        "#);
    }
}
