//! `lock PATH [--shared|--semaphore N] -- COMMAND`: a command run while a Kazoo-compatible
//! lock is held; in the REPL, `lock PATH` / `unlock PATH` hold one for the session, and
//! `lock` alone lists them. The holding and running is shared with `elect`.

use std::io::Write;
use std::time::Duration;

use clap::Args;
use serde::Serialize;

use crate::cli::OutputFormat;
use crate::commands::Run;
use crate::errors::{ShellError, error_json, error_label};
use crate::exit::ExitCode;
use crate::output::table::{Align, Table};
use crate::output::{Render, Reply, human_duration};
use crate::recipes::child::{self, Ended, OnLost};
use crate::recipes::lock::{self, Held, Kind};
use crate::recipes::session::RecipeSession;
use crate::shell::Shell;

/// Take a distributed lock on PATH and run COMMAND while holding it; release it when the
/// command exits, and exit with the command's code.
///
/// The lock is Kazoo's: contenders are ephemeral sequential children of PATH named
/// `<uuid>__lock__<seq>` (`__rlock__` for --shared), each waiting for the one before it, so
/// Kazoo's Lock, WriteLock and ReadLock and zksh exclude each other on the same path. PATH is
/// created if missing. --semaphore N lets N holders in at once (Kazoo's Semaphore: lease
/// nodes under PATH, taken under the lock PATH-__lock__; PATH holds N).
///
/// The command runs without a shell (write `sh -c '...'` for one); its stdout is zksh's, and
/// zksh's own lines go to stderr. Signals zksh receives (INT, TERM, HUP) are passed on to it,
/// and the lock is released after it exits. The lock lives in a session of its own: if that
/// session is lost while the command runs, another holder may take the lock, so zksh says so
/// and by default sends the command SIGTERM (--on-lost). Exit codes: the command's own (128+N
/// when signal N killed it, 127 when it cannot be started), 1 when --timeout passes first, 3
/// when the connection is lost before the lock is taken.
///
/// In the interactive shell, `lock PATH` without a command holds the lock until `unlock PATH`
/// or the end of the shell, and `lock` alone lists the locks held.
///
/// Example: lock /locks/deploy --timeout 5m -- ./deploy.sh production
#[derive(Debug, Args)]
#[command(about = "Run a command while holding a lock (Kazoo's Lock, ReadLock, Semaphore)")]
pub struct Lock {
    /// Lock path (created if missing); none lists the locks this shell holds
    #[arg(add = crate::completion::path_completer())]
    pub path: Option<String>,
    /// Give up (exit 1) if the lock is not taken within this long (e.g. 30s, 5m)
    #[arg(long, value_name = "DURATION", value_parser = crate::cli::parse_duration)]
    pub timeout: Option<Duration>,
    /// Share the lock with other --shared holders (Kazoo's ReadLock); exclusive holders wait
    #[arg(long, conflicts_with = "semaphore")]
    pub shared: bool,
    /// Let N holders in at once (Kazoo's Semaphore with max_leases N)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub semaphore: Option<u32>,
    /// What to do to the command if the session holding the lock is lost
    #[arg(long, value_enum, value_name = "ACTION", default_value = "term")]
    pub on_lost: OnLost,
    /// This holder's identifier, stored as the contender's data (default: host:pid)
    #[arg(long, value_name = "ID")]
    pub id: Option<String>,
    /// The command to run while holding the lock, after `--`
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

/// Release a lock this interactive shell holds (taken with `lock PATH`).
///
/// Example: unlock /locks/maintenance
#[derive(Debug, Args)]
#[command(about = "Release a lock held with `lock PATH` in the interactive shell")]
pub struct Unlock {
    /// Lock path
    #[arg(add = crate::completion::path_completer())]
    pub path: String,
}

impl Lock {
    fn kind(&self) -> Kind {
        match (self.shared, self.semaphore) {
            (_, Some(n)) => Kind::Semaphore(n),
            (true, None) => Kind::Shared,
            (false, None) => Kind::Exclusive,
        }
    }
}

impl Run for Lock {
    async fn run(self, shell: &mut Shell) -> anyhow::Result<Reply> {
        let kind = self.kind();
        let Some(input) = self.path.as_deref() else {
            if !self.command.is_empty() {
                return Err(ShellError::usage("lock: give the lock's PATH before `-- COMMAND`"));
            }
            return Ok(Reply::value(held_list(shell)));
        };
        let path = shell.resolve(input)?;
        let id = self.id.unwrap_or_else(default_id);
        if self.command.is_empty() {
            return hold(shell, path, kind, id, self.timeout).await;
        }
        let holding = Holding {
            op: "lock",
            path,
            kind,
            id,
            timeout: self.timeout,
            on_lost: self.on_lost,
        };
        holding.run(shell, &self.command).await
    }
}

impl Run for Unlock {
    async fn run(self, shell: &mut Shell) -> anyhow::Result<Reply> {
        let path = shell.resolve(&self.path)?;
        let zk = shell.zk().clone();
        if shell.locks().release(&zk, &path).await {
            return Ok(Reply::done());
        }
        Err(ShellError::refused(
            "unlock",
            path,
            "this shell holds no lock there (`lock` lists them)",
        ))
    }
}

/// `lock PATH` in the REPL: take the lock and keep it for the session.
async fn hold(
    shell: &mut Shell,
    path: String,
    kind: Kind,
    id: String,
    timeout: Option<Duration>,
) -> anyhow::Result<Reply> {
    if !shell.is_interactive() {
        return Err(ShellError::usage(format!(
            "lock {path}: give the command to run after `--` (lock {path} -- COMMAND); holding a lock \
             with no command is for the interactive shell, since the lock goes when zksh exits"
        )));
    }
    if shell.locks().holds(&path) {
        return Err(ShellError::refused(
            "lock",
            path,
            "this shell holds it already (`unlock` releases it)",
        ));
    }
    let held = take("lock", shell, &path, kind, id.as_bytes(), timeout).await?;
    let node = held.node.clone();
    let events = shell.zk().connection().events().clone();
    shell.locks().keep(path.clone(), kind, held, events);
    Ok(Reply::value(Taken { path, node }))
}

/// A lock to take, and the command to run while holding it (`lock` and `elect`).
pub(crate) struct Holding {
    pub op: &'static str,
    pub path: String,
    pub kind: Kind,
    pub id: String,
    pub timeout: Option<Duration>,
    pub on_lost: OnLost,
}

impl Holding {
    /// Takes the lock, runs `words`, releases the lock: the command's exit code, or 127 when
    /// it cannot be started (said on stderr; the lock is released all the same).
    pub async fn run(self, shell: &Shell, words: &[String]) -> anyhow::Result<Reply> {
        let held = take(self.op, shell, &self.path, self.kind, self.id.as_bytes(), self.timeout).await?;
        let json = shell.output_format() == OutputFormat::Json;
        let label = format!("{} {}", self.op, self.path);
        let say = |text: String| note(json, &format!("{label}: {text}"));
        let mut loss = held.session.loss();
        let ended = child::run(words, self.on_lost, loss.lost(&say), &say).await;
        held.release(shell.zk()).await;
        match ended {
            Ended::Exited(code) => Ok(Reply::Exit(code)),
            Ended::NotStarted(why) => {
                let err = ShellError::refused(self.op, &self.path, why);
                let mut stderr = std::io::stderr().lock();
                if json {
                    writeln!(stderr, "{}", error_json(&err)).ok();
                } else {
                    writeln!(stderr, "{} {err:#}", error_label()).ok();
                }
                Ok(Reply::Exit(ExitCode::Child(127)))
            }
        }
    }
}

/// Opens the lock's own session and waits for the lock, within `timeout` if given. On any
/// failure the session is closed, so no contender node is left behind.
async fn take(
    op: &'static str,
    shell: &Shell,
    path: &str,
    kind: Kind,
    id: &[u8],
    timeout: Option<Duration>,
) -> anyhow::Result<Held> {
    let zk = shell.zk();
    let session = RecipeSession::open(zk, op, path).await?;
    let acquiring = lock::acquire(zk, &session, path, kind, id);
    let acquired = match timeout {
        Some(limit) => match tokio::time::timeout(limit, acquiring).await {
            Ok(acquired) => acquired,
            Err(_) => Err(ShellError::refused(
                op,
                path,
                format!(
                    "not taken within {} (--timeout); gave up waiting",
                    human_duration(limit)
                ),
            )),
        },
        None => acquiring.await,
    };
    match acquired {
        Ok(node) => Ok(Held { session, node }),
        Err(err) => {
            session.close().await;
            Err(err)
        }
    }
}

/// One line of zksh's own on stderr, beside the command's output: `{"note": …}` in JSON.
fn note(json: bool, text: &str) {
    let line = if json {
        serde_json::json!({ "note": text }).to_string()
    } else {
        format!("zksh: {text}")
    };
    writeln!(std::io::stderr().lock(), "{line}").ok();
}

/// `host:pid`: who holds a lock, for `elect --list` and anyone reading the contender nodes.
pub(crate) fn default_id() -> String {
    let mut name = [0u8; 256];
    // SAFETY: the buffer is as long as we say; gethostname NUL-terminates within it or fails.
    let ok = unsafe { libc::gethostname(name.as_mut_ptr().cast(), name.len()) } == 0;
    let end = name.iter().position(|&b| b == 0).unwrap_or(0);
    let host = if ok {
        String::from_utf8_lossy(&name[..end]).into_owned()
    } else {
        "localhost".into()
    };
    format!("{host}:{}", std::process::id())
}

/// `lock PATH` (REPL): the lock taken.
#[derive(Debug, Serialize)]
pub struct Taken {
    pub path: String,
    pub node: String,
}

impl Render for Taken {
    fn render_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        writeln!(
            out,
            "locked {} (node {}; `unlock {}` releases it)",
            self.path, self.node, self.path
        )
    }
}

/// `lock` alone: the locks this shell holds.
#[derive(Debug, Serialize)]
pub struct HeldList {
    pub locks: Vec<HeldRow>,
}

#[derive(Debug, Serialize)]
pub struct HeldRow {
    pub path: String,
    pub kind: String,
    pub node: String,
}

fn held_list(shell: &mut Shell) -> HeldList {
    let locks = shell
        .locks()
        .list()
        .into_iter()
        .map(|(path, kind, node)| HeldRow {
            path,
            kind: kind_name(kind),
            node,
        })
        .collect();
    HeldList { locks }
}

fn kind_name(kind: Kind) -> String {
    match kind {
        Kind::Exclusive => "exclusive".into(),
        Kind::Shared => "shared".into(),
        Kind::Leader => "leader".into(),
        Kind::Semaphore(n) => format!("semaphore {n}"),
    }
}

impl Render for HeldList {
    fn render_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        if self.locks.is_empty() {
            return writeln!(out, "no locks held");
        }
        let mut table = Table::new(&[("PATH", Align::Left), ("KIND", Align::Left), ("NODE", Align::Left)]);
        for lock in &self.locks {
            table.row(vec![lock.path.clone(), lock.kind.clone(), lock.node.clone()]);
        }
        table.write(out, "", true)
    }
}

#[cfg(test)]
mod tests {
    use insta::assert_snapshot;

    use super::*;
    use crate::output::both;

    #[test]
    fn held_locks_render_as_a_table_and_rows() {
        let list = HeldList {
            locks: vec![
                HeldRow {
                    path: "/locks/a".into(),
                    kind: kind_name(Kind::Exclusive),
                    node: "/locks/a/0f__lock__0000000003".into(),
                },
                HeldRow {
                    path: "/pool".into(),
                    kind: kind_name(Kind::Semaphore(2)),
                    node: "/pool/0e".into(),
                },
            ],
        };
        assert_snapshot!(both(&list), @r#"
        --- text
        PATH      KIND         NODE
        /locks/a  exclusive    /locks/a/0f__lock__0000000003
        /pool     semaphore 2  /pool/0e
        --- json
        {"locks":[{"kind":"exclusive","node":"/locks/a/0f__lock__0000000003","path":"/locks/a"},{"kind":"semaphore 2","node":"/pool/0e","path":"/pool"}]}
        "#);
        assert_snapshot!(both(&HeldList { locks: vec![] }), @r#"
        --- text
        no locks held
        --- json
        {"locks":[]}
        "#);
        let taken = Taken {
            path: "/locks/a".into(),
            node: "/locks/a/0f__lock__0000000003".into(),
        };
        assert_snapshot!(both(&taken), @r#"
        --- text
        locked /locks/a (node /locks/a/0f__lock__0000000003; `unlock /locks/a` releases it)
        --- json
        {"node":"/locks/a/0f__lock__0000000003","path":"/locks/a"}
        "#);
    }
}
