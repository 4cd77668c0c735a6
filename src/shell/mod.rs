//! The shell's state around the ZooKeeper handle: the current node, the open transaction
//! block, the lines typed, the bulk command under way, where `-` may read data from, and the
//! watches; plus the runners that feed it lines (commands, scripts).

pub mod runner;
pub mod script;
pub mod stop;
pub mod target;

use zookeeper_client::Client;

use crate::cli::OutputFormat;
use crate::errors::ShellError;
use crate::events::{ConnState, EventSender};
use crate::path::resolve_path;
use crate::progress::{BulkRun, Progress};
use crate::recipes::held::HeldLocks;
use crate::repl::asker::Asker;
use crate::watch::{WatchRegistry, WatchSink};
use crate::zk::write::{Applied, WriteOp};
use crate::zk::{Profile, Zk};

#[derive(Debug)]
pub struct Shell {
    zk: Zk,
    cwd: String,
    previous_cwd: Option<String>,
    /// Whether `-` may read data from stdin (not when stdin is the terminal or the script).
    stdin_is_free: bool,
    /// REPL: events print above the prompt and an expired session is rebuilt.
    interactive: bool,
    /// One command from argv, and the run ends with it: nothing lives on in the background.
    one_shot: bool,
    watches: WatchRegistry,
    /// The open `txn begin` block, if any.
    txn: Option<Vec<WriteOp>>,
    /// Lines typed in the REPL (secrets excluded), oldest first, for `history` and `redo`.
    history: Vec<String>,
    /// The bulk command under way, if any.
    bulk: Option<BulkRun>,
    /// The format the running command's result is rendered in (an option that only makes
    /// sense in text, such as `find --print0`, checks it).
    output: OutputFormat,
    /// REPL lines typed by the user: a command may ask them a question. Not in scripts,
    /// sourced files, `-c` or one-shot runs, which never wait for an answer.
    asker: Option<Asker>,
    /// Locks taken with `lock PATH` (REPL), held until `unlock` or the end of the shell.
    locks: HeldLocks,
}

/// What became of a write handed to [`Shell::submit`].
#[derive(Debug)]
pub enum Submitted {
    /// Queued in the open transaction block: its position there and what it is.
    Queued { position: usize, op: String },
    /// Run alone.
    Applied(Applied),
}

impl Shell {
    pub fn new(profile: Profile, events: EventSender) -> Shell {
        Shell {
            zk: Zk::new(profile, events),
            cwd: "/".into(),
            previous_cwd: None,
            stdin_is_free: false,
            interactive: false,
            one_shot: false,
            watches: WatchRegistry::new(),
            txn: None,
            history: Vec::new(),
            bulk: None,
            output: OutputFormat::Text,
            asker: None,
            locks: HeldLocks::default(),
        }
    }

    /// The format the running command's result will be rendered in.
    pub fn output_format(&self) -> OutputFormat {
        self.output
    }

    pub fn set_output_format(&mut self, format: OutputFormat) {
        self.output = format;
    }

    /// The ZooKeeper handle.
    pub fn zk(&self) -> &Zk {
        &self.zk
    }

    pub fn set_stdin_is_free(&mut self, free: bool) {
        self.stdin_is_free = free;
    }

    pub fn stdin_is_free(&self) -> bool {
        self.stdin_is_free
    }

    pub fn set_interactive(&mut self, interactive: bool) {
        self.interactive = interactive;
        self.zk.connection().set_renew(interactive);
    }

    pub fn is_interactive(&self) -> bool {
        self.interactive
    }

    pub fn set_one_shot(&mut self, one_shot: bool) {
        self.one_shot = one_shot;
    }

    pub fn is_one_shot(&self) -> bool {
        self.one_shot
    }

    pub fn watches(&self) -> &WatchRegistry {
        &self.watches
    }

    /// Where background watch events go: printed by the shell.
    pub fn shell_sink(&self) -> WatchSink {
        WatchSink::Shell {
            events: self.zk.connection().events().clone(),
            print: self.watches.print_flag(),
        }
    }

    /// Resolves a path typed by the user against the current node.
    pub fn resolve(&self, input: &str) -> anyhow::Result<String> {
        resolve_path(&self.cwd, input)
    }

    /// The resolved path and a connected client: how most commands start.
    pub async fn target(&self, input: &str) -> anyhow::Result<(String, Client)> {
        let path = self.resolve(input)?;
        Ok((path, self.zk.client().await?))
    }

    pub fn cwd(&self) -> &str {
        &self.cwd
    }

    pub fn previous_cwd(&self) -> Option<&str> {
        self.previous_cwd.as_deref()
    }

    pub fn set_cwd(&mut self, path: String) {
        if path != self.cwd {
            self.previous_cwd = Some(std::mem::replace(&mut self.cwd, path));
        }
    }

    /// The one write path: queued in the open `txn` block, else run alone.
    pub async fn submit(&mut self, op: WriteOp) -> anyhow::Result<Submitted> {
        if let Some(ops) = self.txn.as_mut() {
            let op_text = op.describe();
            ops.push(op);
            return Ok(Submitted::Queued {
                position: ops.len(),
                op: op_text,
            });
        }
        Ok(Submitted::Applied(self.zk.apply(&op).await?))
    }

    /// The queued operations of the open transaction block.
    pub fn txn(&self) -> Option<&[WriteOp]> {
        self.txn.as_deref()
    }

    /// Opens a transaction block.
    pub fn begin_txn(&mut self) -> anyhow::Result<()> {
        if self.txn.is_some() {
            return Err(ShellError::usage(
                "txn begin: a transaction is already open (txn commit or txn abort)",
            ));
        }
        self.txn = Some(Vec::new());
        Ok(())
    }

    /// Closes the block, handing back what was queued (None when no block was open).
    pub fn end_txn(&mut self) -> Option<Vec<WriteOp>> {
        self.txn.take()
    }

    /// Refuses, with `why`, a command that cannot be part of a transaction while a block is
    /// open.
    pub fn refuse_in_txn(&self, why: &str) -> anyhow::Result<()> {
        match self.txn {
            Some(_) => Err(ShellError::usage(why)),
            None => Ok(()),
        }
    }

    pub fn history(&self) -> &[String] {
        &self.history
    }

    pub fn set_history(&mut self, history: Vec<String>) {
        self.history = history;
    }

    pub fn push_history(&mut self, line: String) {
        self.history.push(line);
    }

    /// Lets commands ask the user (the REPL's line editor), or no longer (None).
    pub fn set_asker(&mut self, asker: Option<Asker>) -> Option<Asker> {
        std::mem::replace(&mut self.asker, asker)
    }

    /// Asks the user `question` (y/N) when someone is there to answer: None when not (a
    /// script, a one-shot command), else whether they said yes.
    pub async fn confirm(&self, question: String) -> Option<bool> {
        match &self.asker {
            Some(asker) => Some(asker.confirm(question).await),
            None => None,
        }
    }

    /// Records a bulk command starting; its progress is shared with whoever stops it.
    pub fn start_bulk(&mut self, op: &'static str, path: &str, verb: &'static str) -> Progress {
        let progress = Progress::default();
        self.bulk = Some(BulkRun {
            op,
            path: path.to_string(),
            verb,
            progress: progress.clone(),
            zk: self.zk.clone(),
            report: None,
        });
        progress
    }

    /// As [`Shell::start_bulk`], for a run that says itself how far it got when stopped
    /// (`import`, `cp`: what they wrote, not what remains of a subtree).
    pub fn start_bulk_reported(&mut self, run: BulkRun) {
        self.bulk = Some(run);
    }

    pub fn finish_bulk(&mut self) {
        self.bulk = None;
    }

    /// The bulk command that was under way when a command was stopped, if any.
    pub fn take_bulk(&mut self) -> Option<BulkRun> {
        self.bulk.take()
    }

    pub fn state(&self) -> Option<ConnState> {
        self.zk.state()
    }

    /// The locks held for the session (`lock PATH` in the REPL).
    pub fn locks(&mut self) -> &mut HeldLocks {
        &mut self.locks
    }

    /// Stops the watches (their tasks hold clients), releases held locks and closes the
    /// session.
    pub async fn close(&mut self) {
        self.locks.release_all(&self.zk).await;
        self.watches.remove(|_| true);
        self.zk.close().await;
    }
}
