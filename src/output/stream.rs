//! Streams of rows: a command hands the runner the receiving end of a small bounded channel,
//! and the runner renders each row as it arrives (a text line, or one NDJSON object), flushing
//! so that a reader sees it at once. Memory stays bounded: a producer that outruns the
//! terminal waits for room. The stream ends when the producer does, at its time limit, when
//! nobody reads stdout any more, or at a signal (what was printed stays printed).

use std::collections::VecDeque;
use std::future::Future;
use std::io::{self, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::cli::OutputFormat;
use crate::output::{Document, write_document};
use crate::progress::ProgressLine;

/// Rows waiting to be rendered: a producer this far ahead of the terminal waits.
const ROW_BUFFER: usize = 16;
/// Rows taken from the channel ahead of one write when they arrive faster than they can be
/// written.
const FLUSH_ROWS: usize = 4096;
/// Bytes of rows written (and flushed) at once.
const FLUSH_BYTES: usize = 32 * 1024;

/// Rows sent together: handed over, and freed, as one allocation (a walk of a million nodes
/// sends them a thousand at a time), rendered one by one.
trait RowBatch: Send {
    fn len(&self) -> usize;
    fn row(&self, index: usize) -> &dyn Document;
}

impl<D: Document + 'static> RowBatch for Vec<D> {
    fn len(&self) -> usize {
        Vec::len(self)
    }

    fn row(&self, index: usize) -> &dyn Document {
        &self[index]
    }
}

/// The producing end of a stream.
#[derive(Clone)]
pub struct RowSender {
    tx: mpsc::Sender<Box<dyn RowBatch>>,
}

impl RowSender {
    /// Sends one row, waiting for room; false once nobody renders the stream any more.
    pub async fn send(&self, row: impl Document + 'static) -> bool {
        self.tx.send(Box::new(vec![row])).await.is_ok()
    }

    /// Sends rows that are ready together: one hand-off (and one write) for all of them,
    /// which is what lets a walk of a million nodes print at the speed of the server.
    pub async fn send_all<D: Document + 'static>(&self, rows: impl IntoIterator<Item = D>) -> bool {
        let rows: Vec<D> = rows.into_iter().collect();
        rows.is_empty() || self.tx.send(Box::new(rows)).await.is_ok()
    }
}

/// The rendering end, handed to the runner in a `Reply::Stream`.
pub struct RowStream {
    /// The command and path that produced the stream, named when it is stopped: `watch /app`.
    op: &'static str,
    path: String,
    /// What a row is, for the summary: `event`, `node` (an `s` is added for several).
    noun: &'static str,
    rows: mpsc::Receiver<Box<dyn RowBatch>>,
    /// Ends the stream, successfully, after this long.
    limit: Option<Duration>,
    /// Runs when the stream is dropped, however it ended (stops the producer's work).
    on_end: Option<Box<dyn FnOnce() + Send>>,
    /// The task producing the rows, when the stream has one: how it ended is the command's
    /// outcome. Aborted when the stream goes first.
    producer: Option<JoinHandle<Outcome>>,
    /// A progress line on stderr while the rows come (`ls -R`): moved out of the way for
    /// each write, erased once rendering ends, however it ends.
    progress: Option<ProgressLine>,
    /// Says how far the stream got when a signal stops it, for a stream whose work is not
    /// its rows (`export --out` writes a file, `watch --exec` runs commands): given the rows
    /// rendered.
    stopped: Option<Box<dyn Fn(u64) -> String + Send>>,
}

/// A stream that ended without meeting its condition (`grep` matched nothing): it exits as
/// its error would, but says so only where a script must know which line stopped it, as a
/// result does (`Render::unmet`).
/// Its notes (a summary) are printed all the same.
#[derive(Debug)]
pub struct Unmet {
    pub error: anyhow::Error,
    pub notes: Vec<String>,
}

impl std::fmt::Display for Unmet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:#}", self.error)
    }
}

impl std::error::Error for Unmet {}

/// How a producer ended: lines for stderr (a summary: `skipped 3 nodes with binary data`),
/// or the error that cut it short (after the rows already sent were rendered).
pub type Outcome = anyhow::Result<Vec<String>>;

/// How a stream ended.
#[derive(Debug, PartialEq, Eq)]
pub enum StreamEnd {
    /// The producer finished, or the time limit passed.
    Finished,
    /// Nobody reads stdout any more (`zksh watch /x | head -3`): a quiet, successful stop.
    ReaderGone,
}

impl RowStream {
    pub fn channel(op: &'static str, path: impl Into<String>, noun: &'static str) -> (RowSender, RowStream) {
        let (tx, rows) = mpsc::channel(ROW_BUFFER);
        let stream = RowStream {
            op,
            path: path.into(),
            noun,
            rows,
            limit: None,
            on_end: None,
            producer: None,
            progress: None,
            stopped: None,
        };
        (RowSender { tx }, stream)
    }

    /// A stream whose rows come from `produce`, run as a task of its own; what it returns is
    /// the stream's [`Outcome`]. The task is aborted if the stream is dropped first (a signal,
    /// a reader gone).
    pub fn spawn<F, Fut>(op: &'static str, path: impl Into<String>, noun: &'static str, produce: F) -> RowStream
    where
        F: FnOnce(RowSender) -> Fut,
        Fut: Future<Output = Outcome> + Send + 'static,
    {
        let (tx, mut stream) = RowStream::channel(op, path, noun);
        stream.producer = Some(tokio::spawn(produce(tx)));
        stream
    }

    /// How the producer ended, once the rows are all rendered: nothing to say for a stream
    /// without a producer task.
    pub async fn outcome(&mut self) -> Outcome {
        let Some(producer) = self.producer.as_mut() else {
            return Ok(Vec::new());
        };
        let outcome = producer.await;
        self.producer = None;
        outcome.unwrap_or_else(|err| {
            Err(anyhow::anyhow!(
                "{} {}: stopped unexpectedly ({err})",
                self.op,
                self.path
            ))
        })
    }

    /// Ends the stream after `limit` (None: only when the producer ends).
    pub fn with_limit(mut self, limit: Option<Duration>) -> RowStream {
        self.limit = limit;
        self
    }

    /// Shows `line` (a walk's progress, `ProgressLine::walking`) while the rows are rendered.
    pub fn with_progress(mut self, line: ProgressLine) -> RowStream {
        self.progress = Some(line);
        self
    }

    /// Says how far the stream got by `done` (`run`, `runs`) rather than by rows rendered.
    pub fn counting(self, done: Arc<AtomicU64>, one: &'static str, many: &'static str) -> RowStream {
        self.on_stop(move |_| {
            let done = done.load(Ordering::SeqCst);
            format!("stopped after {done} {}", if done == 1 { one } else { many })
        })
    }

    /// Runs `on_end` when the stream goes, whatever ended it.
    pub fn on_end(mut self, on_end: impl FnOnce() + Send + 'static) -> RowStream {
        self.on_end = Some(Box::new(on_end));
        self
    }

    /// The command and path that produced the stream.
    pub fn origin(&self) -> (&'static str, &str) {
        (self.op, &self.path)
    }

    /// Says `stopped(rendered)` when a signal stops the stream, instead of the rows counted.
    pub fn on_stop(mut self, stopped: impl Fn(u64) -> String + Send + 'static) -> RowStream {
        self.stopped = Some(Box::new(stopped));
        self
    }

    /// The one line said when a signal stops the stream after `rendered` rows.
    pub fn stopped_message(&self, rendered: u64) -> String {
        if let Some(stopped) = &self.stopped {
            return stopped(rendered);
        }
        let plural = if rendered == 1 { "" } else { "s" };
        format!("stopped after {rendered} {}{plural}", self.noun)
    }

    /// Renders rows into `out` as they arrive, counting them into `rendered`. Cancel-safe:
    /// when the caller stops awaiting (a signal), every row counted is fully written.
    pub async fn render(
        &mut self,
        format: OutputFormat,
        out: &mut dyn Write,
        rendered: &mut u64,
    ) -> io::Result<StreamEnd> {
        let until_limit = async {
            match self.limit {
                Some(limit) => tokio::time::sleep(limit).await,
                None => std::future::pending().await,
            }
        };
        tokio::pin!(until_limit);
        // Dropped (erased) when rendering ends: before the runner says how the stream ended,
        // also when a signal drops this future.
        let progress = self.progress.take();
        let mut buffer = Vec::new();
        // Batches received, not all written yet (the first from its row `next`), and how
        // many rows they hold.
        let mut pending: VecDeque<Box<dyn RowBatch>> = VecDeque::new();
        let (mut next, mut waiting) = (0, 0);
        loop {
            if pending.is_empty() {
                let first = tokio::select! {
                    rows = self.rows.recv() => rows,
                    _ = &mut until_limit => return Ok(StreamEnd::Finished),
                };
                let Some(first) = first else {
                    return Ok(StreamEnd::Finished);
                };
                if first.len() == 0 {
                    continue;
                }
                (next, waiting) = (0, first.len());
                pending.push_back(first);
            }
            // Rows already waiting go out with these, in one write and one flush.
            while waiting < FLUSH_ROWS {
                let Ok(rows) = self.rows.try_recv() else { break };
                if rows.len() > 0 {
                    waiting += rows.len();
                    pending.push_back(rows);
                }
            }
            // A write to a slow terminal blocks; kept short, a signal is never far behind it.
            buffer.clear();
            let mut batch: u64 = 0;
            // Batches are never empty here: one is dropped once its last row is written.
            while buffer.len() < FLUSH_BYTES
                && let Some(rows) = pending.front()
            {
                write_document(rows.row(next), format, &mut buffer)?;
                (next, waiting, batch) = (next + 1, waiting - 1, batch + 1);
                if next == rows.len() {
                    pending.pop_front();
                    next = 0;
                }
            }
            let mut write = || out.write_all(&buffer).and_then(|()| out.flush());
            let written = match &progress {
                Some(line) => line.suspend(write),
                None => write(),
            };
            match written {
                Ok(()) => *rendered += batch,
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return Ok(StreamEnd::ReaderGone),
                Err(e) => return Err(e),
            }
            if !pending.is_empty() {
                // Whoever waits on this stream (a signal) gets a turn between writes.
                tokio::task::yield_now().await;
            }
        }
    }
}

impl Drop for RowStream {
    fn drop(&mut self) {
        if let Some(producer) = self.producer.take() {
            producer.abort();
        }
        if let Some(on_end) = self.on_end.take() {
            on_end();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::Render;

    #[derive(serde::Serialize)]
    struct Line {
        n: u32,
    }

    impl Render for Line {
        fn render_text(&self, out: &mut dyn Write) -> io::Result<()> {
            writeln!(out, "row {}", self.n)
        }
    }

    #[tokio::test]
    async fn rows_render_in_order_until_the_producer_ends() {
        let (tx, mut stream) = RowStream::channel("test", "/t", "row");
        let producer = tokio::spawn(async move {
            for n in 0..300 {
                assert!(tx.send(Line { n }).await);
            }
        });
        let mut out = Vec::new();
        let mut rendered = 0;
        let end = stream.render(OutputFormat::Json, &mut out, &mut rendered).await;
        producer.await.expect("producer");
        assert_eq!(end.expect("rendered"), StreamEnd::Finished);
        assert_eq!(rendered, 300);
        let text = String::from_utf8(out).expect("utf8");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 300);
        assert_eq!(lines[0], r#"{"n":0}"#);
        assert_eq!(lines[299], r#"{"n":299}"#);
    }

    #[tokio::test]
    async fn batches_of_rows_render_in_order_across_writes() {
        let (tx, mut stream) = RowStream::channel("test", "/t", "row");
        let producer = tokio::spawn(async move {
            let mut n = 0;
            // Empty, single and large batches, together past one write's worth of bytes.
            for size in [0, 1, 5000, 0, 3, 2500] {
                assert!(tx.send_all((n..n + size).map(|n| Line { n })).await);
                n += size;
            }
            assert!(tx.send(Line { n }).await);
        });
        let (mut out, mut rendered) = (Vec::new(), 0);
        let end = stream.render(OutputFormat::Text, &mut out, &mut rendered).await;
        producer.await.expect("producer");
        assert_eq!(end.expect("rendered"), StreamEnd::Finished);
        assert_eq!(rendered, 7505);
        let text = String::from_utf8(out).expect("utf8");
        let expected: Vec<String> = (0..7505).map(|n| format!("row {n}")).collect();
        assert_eq!(text.lines().collect::<Vec<_>>(), expected);
    }

    #[tokio::test]
    async fn a_time_limit_ends_the_stream_and_cleanup_runs() {
        let (tx, stream) = RowStream::channel("test", "/t", "row");
        let (done_tx, done_rx) = std::sync::mpsc::channel();
        let mut stream = stream
            .with_limit(Some(Duration::from_millis(20)))
            .on_end(move || done_tx.send(()).expect("cleanup reported"));
        let mut out = Vec::new();
        let mut rendered = 0;
        let end = stream.render(OutputFormat::Text, &mut out, &mut rendered).await;
        assert_eq!(end.expect("rendered"), StreamEnd::Finished);
        assert_eq!(rendered, 0);
        assert!(done_rx.try_recv().is_err(), "cleanup waits for the stream to go");
        drop(stream);
        done_rx.try_recv().expect("cleanup ran");
        assert!(!tx.send(Line { n: 1 }).await, "the producer learns nobody reads");
    }

    #[tokio::test]
    async fn a_producer_task_ends_with_its_outcome() {
        let mut stream = RowStream::spawn("test", "/t", "row", |tx| async move {
            tx.send(Line { n: 1 }).await;
            anyhow::bail!("cut short")
        });
        let (mut out, mut rendered) = (Vec::new(), 0);
        let end = stream.render(OutputFormat::Text, &mut out, &mut rendered).await;
        assert_eq!(end.expect("rendered"), StreamEnd::Finished);
        assert_eq!(String::from_utf8_lossy(&out), "row 1\n");
        let err = stream.outcome().await.expect_err("the producer's error");
        assert_eq!(err.to_string(), "cut short");
        let mut quiet = RowStream::spawn("test", "/t", "row", |_tx| async { Ok(vec!["a note".to_string()]) });
        assert_eq!(quiet.outcome().await.expect("ok"), vec!["a note".to_string()]);
    }

    #[test]
    fn a_stopped_stream_says_how_far_it_got() {
        let (_tx, stream) = RowStream::channel("watch", "/a", "event");
        assert_eq!(stream.stopped_message(3), "stopped after 3 events");
        assert_eq!(stream.stopped_message(1), "stopped after 1 event");
    }
}
