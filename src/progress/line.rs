//! The progress line on stderr while a long command runs (indicatif underneath): count, rate
//! and, when the total is known, ETA; shown only on a terminal, only once the command has run
//! for a second, always narrower than the terminal, and erased when the command ends.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::Thread;
use std::time::{Duration, Instant};

use indicatif::{HumanCount, ProgressBar, ProgressDrawTarget, ProgressStyle, TermLike};

use super::Progress;

/// Commands that end sooner never show a line: nothing flickers.
const APPEAR_AFTER: Duration = Duration::from_secs(1);
/// How often the line is redrawn.
const REFRESH: Duration = Duration::from_millis(100);

/// What the line counts.
enum Source {
    /// Nodes done out of a known total (a bulk command).
    Bulk(Progress),
    /// Nodes found so far, total unknown (a walk: `Walk::seen()`).
    Walk(Arc<AtomicUsize>),
    /// Requests done out of those planned (`check perf`).
    Ops(Progress),
}

/// `delete -r /app: 41,200/100,000 nodes, 20,512/s, ETA 3s` or `ls -R /app: 41,200 nodes,
/// 20,512/s` on stderr, redrawn while the guard lives, erased when it is dropped. Anything
/// else written to the terminal meanwhile goes through [`ProgressLine::suspend`].
pub struct ProgressLine {
    bar: ProgressBar,
    /// The thread that redraws the line, when stderr is a terminal.
    updater: Option<Updater>,
}

struct Updater {
    thread: Thread,
    /// Set when the line is dropped; held while the line is updated, so that no update
    /// follows the erasure.
    ended: Arc<Mutex<bool>>,
}

impl ProgressLine {
    /// A bulk command's line: done out of total, rate, ETA.
    pub fn start(progress: Progress, label: String) -> ProgressLine {
        ProgressLine::spawn(Source::Bulk(progress), label, Instant::now())
    }

    /// As [`ProgressLine::start`], for a command that began at `since` (its line appears a
    /// second after that, not after this call).
    pub fn start_since(progress: Progress, label: String, since: Instant) -> ProgressLine {
        ProgressLine::spawn(Source::Bulk(progress), label, since)
    }

    /// A walk's line, fed by the count of nodes found (`Walk::seen()`): count and rate. The
    /// guard for value-returning walks (count, du): keep it alive while the walk runs.
    pub fn walking(seen: Arc<AtomicUsize>, label: String) -> ProgressLine {
        ProgressLine::spawn(Source::Walk(seen), label, Instant::now())
    }

    /// A load's line: requests done out of those planned, rate, ETA.
    pub fn ops(progress: Progress, label: String) -> ProgressLine {
        ProgressLine::spawn(Source::Ops(progress), label, Instant::now())
    }

    /// A line that never shows (stderr is not a terminal, or nothing to show).
    pub fn hidden() -> ProgressLine {
        ProgressLine {
            bar: ProgressBar::hidden(),
            updater: None,
        }
    }

    fn spawn(source: Source, label: String, since: Instant) -> ProgressLine {
        if !std::io::stderr().is_terminal() {
            return ProgressLine::hidden();
        }
        let style = ProgressStyle::with_template("{wide_msg}").unwrap_or_else(|_| ProgressStyle::default_spinner());
        let stderr = Stderr::default();
        let visible = Arc::clone(&stderr.visible);
        let target = ProgressDrawTarget::term_like_with_hz(Box::new(stderr), 20);
        let bar = ProgressBar::with_draw_target(None, target)
            .with_style(style)
            .with_message(fit(&label, &source.counts(0.0, None), stderr_columns()));
        let ended = Arc::new(Mutex::new(false));
        let (line, done) = (bar.clone(), Arc::clone(&ended));
        let spawned = std::thread::Builder::new()
            .name("zksh-progress".into())
            .spawn(move || redraw(&line, &source, &label, since, &visible, &done));
        match spawned {
            Ok(handle) => ProgressLine {
                bar,
                updater: Some(Updater {
                    thread: handle.thread().clone(),
                    ended,
                }),
            },
            // No thread, no line: the command itself does not need one.
            Err(_) => ProgressLine::hidden(),
        }
    }

    /// Runs `write` with the line out of the way (erased, then drawn again below what was
    /// written): rows and the line never share a row of the terminal.
    pub fn suspend<R>(&self, write: impl FnOnce() -> R) -> R {
        self.bar.suspend(write)
    }
}

impl Drop for ProgressLine {
    fn drop(&mut self) {
        if let Some(updater) = self.updater.take() {
            *lock(&updater.ended) = true;
            updater.thread.unpark();
        }
        self.bar.finish_and_clear();
    }
}

fn lock(ended: &Mutex<bool>) -> MutexGuard<'_, bool> {
    ended.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The updater thread: counts fed to the bar from the start (for the rate), the line shown
/// from `since + APPEAR_AFTER` on. A thread rather than a task: an update waits for the bar's
/// lock, which a row being written to a slow terminal holds. Being shown needs no lock: the
/// next redraw, by this thread or around the next rows written, draws the line.
fn redraw(bar: &ProgressBar, source: &Source, label: &str, since: Instant, visible: &AtomicBool, ended: &Mutex<bool>) {
    let appear_at = since + APPEAR_AFTER;
    loop {
        std::thread::park_timeout(REFRESH);
        if Instant::now() >= appear_at {
            visible.store(true, Ordering::Relaxed);
        }
        let ended = lock(ended);
        if *ended {
            return;
        }
        let counts = match source {
            Source::Bulk(progress) | Source::Ops(progress) => {
                let (done, total) = (progress.done(), progress.total().max(progress.done()));
                bar.update(|state| {
                    state.set_len(total as u64);
                    state.set_pos(done as u64);
                });
                let eta = (done > 0 && done < total).then(|| bar.eta());
                source.counts(bar.per_sec(), eta)
            }
            Source::Walk(seen) => {
                bar.set_position(seen.load(Ordering::Relaxed) as u64);
                source.counts(bar.per_sec(), None)
            }
        };
        bar.set_message(fit(label, &counts, stderr_columns()));
        drop(ended);
    }
}

fn stderr_columns() -> Option<usize> {
    crate::repl::terminal::columns(libc::STDERR_FILENO)
}

impl Source {
    /// What the line says now, at `per_sec`.
    fn counts(&self, per_sec: f64, eta: Option<Duration>) -> String {
        match self {
            Source::Bulk(progress) => {
                let done = progress.done();
                counts(done, Some(progress.total().max(done)), "nodes", per_sec, eta)
            }
            Source::Ops(progress) => {
                let done = progress.done();
                counts(done, Some(progress.total().max(done)), "ops", per_sec, eta)
            }
            Source::Walk(seen) => counts(seen.load(Ordering::Relaxed), None, "nodes", per_sec, None),
        }
    }
}

/// `41,200/100,000 nodes, 20,512/s, ETA 3s`; the rate once there is one.
fn counts(done: usize, total: Option<usize>, unit: &str, per_sec: f64, eta: Option<Duration>) -> String {
    let mut text = match total {
        Some(total) => format!("{}/{} {unit}", HumanCount(done as u64), HumanCount(total as u64)),
        None => format!("{} {unit}", HumanCount(done as u64)),
    };
    if per_sec.is_finite() && per_sec >= 1.0 {
        text.push_str(&format!(", {}/s", HumanCount(per_sec as u64)));
        if let Some(eta) = eta.filter(|eta| !eta.is_zero()) {
            text.push_str(&format!(", ETA {}", eta_text(eta)));
        }
    }
    text
}

/// `3s`, `2m05s`, `1h20m`.
fn eta_text(eta: Duration) -> String {
    let secs = eta.as_secs().max(1);
    match secs {
        0..60 => format!("{secs}s"),
        60..3600 => format!("{}m{:02}s", secs / 60, secs % 60),
        _ => format!("{}h{:02}m", secs / 3600, secs % 3600 / 60),
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

/// stderr as indicatif sees it: one column narrower than the terminal (the line never fills
/// the last column, see [`fit`]), silent until the line is to be seen, and each redraw
/// written in one piece under stderr's lock, so that a line printed by another thread (an
/// event) lands before or after it, not inside.
#[derive(Debug, Default)]
struct Stderr {
    pending: Mutex<String>,
    visible: Arc<AtomicBool>,
}

impl Stderr {
    fn push(&self, text: &str) {
        self.pending
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push_str(text);
    }

    fn moved(&self, n: usize, code: char) -> std::io::Result<()> {
        if n > 0 {
            self.push(&format!("\x1b[{n}{code}"));
        }
        Ok(())
    }
}

impl TermLike for Stderr {
    fn width(&self) -> u16 {
        let columns = stderr_columns().unwrap_or(80);
        u16::try_from(columns.saturating_sub(1).max(1)).unwrap_or(u16::MAX)
    }

    fn height(&self) -> u16 {
        // One line only: any height holds it.
        24
    }

    fn move_cursor_up(&self, n: usize) -> std::io::Result<()> {
        self.moved(n, 'A')
    }

    fn move_cursor_down(&self, n: usize) -> std::io::Result<()> {
        self.moved(n, 'B')
    }

    fn move_cursor_right(&self, n: usize) -> std::io::Result<()> {
        self.moved(n, 'C')
    }

    fn move_cursor_left(&self, n: usize) -> std::io::Result<()> {
        self.moved(n, 'D')
    }

    fn write_line(&self, s: &str) -> std::io::Result<()> {
        self.push(s);
        self.push("\n");
        Ok(())
    }

    fn write_str(&self, s: &str) -> std::io::Result<()> {
        self.push(s);
        Ok(())
    }

    fn clear_line(&self) -> std::io::Result<()> {
        self.push("\r\x1b[2K");
        Ok(())
    }

    fn flush(&self) -> std::io::Result<()> {
        let text = std::mem::take(&mut *self.pending.lock().unwrap_or_else(|poisoned| poisoned.into_inner()));
        if !self.visible.load(Ordering::Relaxed) {
            // Drawn into nothing: before the first visible draw, nothing was ever shown, and
            // clearing an empty line at the first one is harmless.
            return Ok(());
        }
        let mut stderr = std::io::stderr().lock();
        stderr.write_all(text.as_bytes())?;
        stderr.flush()
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
    fn counts_say_rate_and_eta_once_known() {
        assert_eq!(counts(0, Some(100_000), "nodes", 0.0, None), "0/100,000 nodes");
        assert_eq!(
            counts(
                41_200,
                Some(100_000),
                "nodes",
                20_512.7,
                Some(Duration::from_millis(2900))
            ),
            "41,200/100,000 nodes, 20,512/s, ETA 2s"
        );
        assert_eq!(counts(41_200, None, "nodes", 9_999.0, None), "41,200 nodes, 9,999/s");
        assert_eq!(eta_text(Duration::from_secs(125)), "2m05s");
        assert_eq!(eta_text(Duration::from_secs(4800)), "1h20m");
    }

    #[test]
    fn off_a_terminal_the_line_is_inert() {
        // Drawn or not (tests usually run with stderr redirected), the write runs.
        let line = ProgressLine::walking(Arc::new(AtomicUsize::new(5)), "ls -R /".into());
        assert_eq!(line.suspend(|| 7), 7);
    }
}
