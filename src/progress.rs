//! How far a bulk command got: counters the tree engine updates, a one-line display on a
//! terminal while it runs, and the sentence a Ctrl-C leaves behind.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::task::JoinHandle;

/// Nodes done out of nodes known, shared between the engine and whoever reports it.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    done: Arc<AtomicUsize>,
    total: Arc<AtomicUsize>,
}

impl Progress {
    pub fn done(&self) -> usize {
        self.done.load(Ordering::Relaxed)
    }

    pub fn total(&self) -> usize {
        self.total.load(Ordering::Relaxed)
    }

    pub fn add_done(&self, n: usize) {
        self.done.fetch_add(n, Ordering::Relaxed);
    }

    /// The total is what is already done plus what is left to do.
    pub fn set_remaining(&self, remaining: usize) {
        self.total.store(self.done() + remaining, Ordering::Relaxed);
    }

    /// What a Ctrl-C leaves behind, for a command that `verb`s nodes.
    pub fn stopped_message(&self, verb: &str) -> String {
        match (self.done(), self.total()) {
            (_, 0) => format!("interrupted while listing the subtree: nothing was {verb}"),
            (done, total) => format!("interrupted after {done} of {total} nodes were {verb}; the rest is still there"),
        }
    }
}

/// A bulk command under way, recorded in the session so that whoever stops it (Ctrl-C drops
/// the command's future) can still say how far it got.
#[derive(Debug, Clone)]
pub struct BulkRun {
    pub op: &'static str,
    pub path: String,
    /// What happens to each node, for the message: "deleted".
    pub verb: &'static str,
    pub progress: Progress,
}

impl BulkRun {
    /// The error a Ctrl-C turns this run into.
    pub fn stopped(&self) -> crate::errors::ShellError {
        crate::errors::ShellError::Stopped {
            op: self.op,
            path: self.path.clone(),
            message: self.progress.stopped_message(self.verb),
        }
    }
}

/// `delete -r /app: 41200/100000 nodes` on stderr, redrawn while the command runs, erased
/// when it ends. Only on a terminal, and only for commands that last long enough to matter.
pub struct ProgressLine {
    task: Option<JoinHandle<()>>,
    drawn: Arc<AtomicBool>,
}

impl ProgressLine {
    pub fn start(progress: Progress, label: String) -> ProgressLine {
        let drawn = Arc::new(AtomicBool::new(false));
        if !std::io::stderr().is_terminal() {
            return ProgressLine { task: None, drawn };
        }
        let shown = Arc::clone(&drawn);
        let task = tokio::spawn(async move {
            // Quick commands finish before anything flickers.
            tokio::time::sleep(Duration::from_millis(300)).await;
            loop {
                let line = format!("\r\x1b[K{label}: {}/{} nodes", progress.done(), progress.total());
                if std::io::stderr().write_all(line.as_bytes()).is_err() {
                    return;
                }
                shown.store(true, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        });
        ProgressLine {
            task: Some(task),
            drawn,
        }
    }
}

impl Drop for ProgressLine {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
        if self.drawn.load(Ordering::Relaxed) {
            std::io::stderr().write_all(b"\r\x1b[K").ok();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn says_how_far_it_got() {
        let p = Progress::default();
        assert!(p.stopped_message("deleted").contains("nothing was deleted"));
        p.set_remaining(10);
        p.add_done(4);
        assert_eq!(
            p.stopped_message("deleted"),
            "interrupted after 4 of 10 nodes were deleted; the rest is still there"
        );
    }
}
