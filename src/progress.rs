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
                let counts = format!("{}/{} nodes", progress.done(), progress.total());
                // Asked each time: the terminal may be resized meanwhile.
                let width = crate::repl::terminal::columns(libc::STDERR_FILENO);
                let line = format!("\r\x1b[K{}", fit(&label, &counts, width));
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

/// `label: counts` in fewer columns than the terminal has: a line that wraps leaves its upper
/// rows behind at each redraw (`\r` only goes back to the start of the last row), and so does
/// one that fills the last column. The counts matter most, so the label gives way first, from
/// its start (`…/app/big: 41200/100000 nodes`).
fn fit(label: &str, counts: &str, columns: Option<usize>) -> String {
    let full = format!("{label}: {counts}");
    let Some(max) = columns.map(|c| c.saturating_sub(1)) else {
        return full;
    };
    if full.chars().count() <= max {
        return full;
    }
    let room = max.saturating_sub(counts.chars().count() + 3);
    if room == 0 {
        return full.chars().take(max).collect();
    }
    let tail: Vec<char> = label.chars().collect();
    let tail: String = tail[tail.len().saturating_sub(room)..].iter().collect();
    format!("…{tail}: {counts}")
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
    fn the_line_fits_the_terminal() {
        let label = "delete -r /app/big";
        let counts = "41/100 nodes";
        assert_eq!(fit(label, counts, None), "delete -r /app/big: 41/100 nodes");
        assert_eq!(fit(label, counts, Some(80)), "delete -r /app/big: 41/100 nodes");
        // Exactly the width would fill the last column: one less.
        assert_eq!(fit(label, counts, Some(32)), "…lete -r /app/big: 41/100 nodes");
        assert_eq!(fit(label, counts, Some(33)), "delete -r /app/big: 41/100 nodes");
        assert_eq!(fit(label, counts, Some(20)), "…/big: 41/100 nodes");
        assert_eq!(fit(label, counts, Some(10)), "delete -r");
        for width in 1..40 {
            assert!(fit(label, counts, Some(width)).chars().count() < width.max(2));
        }
    }

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
