//! The line editor on its own thread, and the printer thread that shows events. The async
//! side asks for a line over a channel. An event never lands inside a line: while a command
//! runs, the printer writes whole lines holding stdout and stderr (as the runner does); while
//! a line is read, it stops the read, and the editor thread erases the prompt, prints the
//! events, and reads again under a prompt built from the state now, with the text and cursor
//! the user had. (rustyline 19 cannot change a prompt during a read, and its ExternalPrinter
//! writes straight to the terminal, past Rust's stdout lock, once the read has ended.)

use std::io::Write;
use std::path::PathBuf;
use std::sync::mpsc as std_mpsc;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use rustyline::error::ReadlineError;
use rustyline::history::FileHistory;
use rustyline::{
    Cmd, CompletionType, ConditionalEventHandler, Config, Editor, Event, EventContext, EventHandler, KeyCode, KeyEvent,
    Modifiers, RepeatCount,
};
use tokio::sync::{mpsc, oneshot};

use crate::events::{ConnState, EventReceiver, ShellEvent};
use crate::repl::asker::Asker;
use crate::repl::helper::ShellHelper;
use crate::repl::history::{MAX_ENTRIES, carries_secret};
use crate::repl::prompt::with_state;
use crate::repl::shown::{Shown, rows};
use crate::repl::terminal::columns;

pub enum ReadOutcome {
    /// The commands entered, in order: one typed line, or every line of a bracketed paste
    /// (rustyline inserts pasted newlines into the buffer; each one ends a command, as Enter
    /// does). Blank lines are left out.
    Lines(Vec<String>),
    /// Ctrl-C at the prompt: the line was cleared.
    Interrupted,
    /// Ctrl-D on an empty line.
    Eof,
    Failed(String),
}

/// The connection state now, for the prompt's marker.
pub type StateNow = Box<dyn Fn() -> Option<ConnState> + Send>;

pub(super) struct Request {
    /// The prompt without its state marker, which is added each time the read (re)starts.
    prompt: String,
    /// A command line, kept in the history; not an answer to a question.
    remember: bool,
    reply: oneshot::Sender<ReadOutcome>,
}

pub struct LineEditor {
    /// Shared with askers only weakly: the editor thread ends when the editor is dropped.
    requests: Arc<std_mpsc::Sender<Request>>,
    /// Our own notices go through the same printer as the connection events.
    notices: mpsc::UnboundedSender<ShellEvent>,
}

/// What the printer and editor threads share about the read under way.
#[derive(Default)]
struct Reading {
    /// The editor thread while it is in readline (the one to signal); None between reads.
    thread: Option<libc::pthread_t>,
    /// Events for the editor thread to print above the prompt it redraws.
    pending: Vec<String>,
    /// The printer asked this read to stop.
    stop_sent: bool,
    /// Bumped each time the editor thread has printed `pending`.
    drained: u64,
}

#[derive(Default)]
struct Shared {
    reading: Mutex<Reading>,
    drained: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Reading> {
        // The data stays consistent whatever panicked: take it back.
        self.reading.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// How long the printer waits for a stopped read before signalling again: a signal that came
/// before rustyline installed its handler went to tokio's, which nobody listens to then.
const RESIGNAL: Duration = Duration::from_millis(100);

/// At most this many queued events are printed in one redraw.
const BATCH: usize = 256;

/// How long events wait for a paste to be read in full (a read that fails mid-paste never
/// says it finished).
const PASTE_WAIT: Duration = Duration::from_secs(2);

/// Notes that a bracketed paste starts, then lets rustyline read it as usual.
struct NotePaste(Shown);

impl ConditionalEventHandler for NotePaste {
    fn handle(&self, _: &Event, _: RepeatCount, _: bool, _: &EventContext) -> Option<Cmd> {
        self.0.paste_started();
        None
    }
}

impl LineEditor {
    /// Starts the editor and printer threads. `events` are printed above the prompt, whose
    /// state marker comes from `state_now`. Returns the editor and the history loaded from
    /// `history_file`.
    pub fn start(
        events: EventReceiver,
        helper: ShellHelper,
        shown: Shown,
        state_now: StateNow,
        history_file: Option<PathBuf>,
    ) -> anyhow::Result<(LineEditor, Vec<String>)> {
        let config = Config::builder()
            .completion_type(CompletionType::List)
            .max_history_size(MAX_ENTRIES)?
            .auto_add_history(false)
            .build();
        let mut editor: Editor<ShellHelper, FileHistory> = Editor::with_config(config)?;
        editor.set_helper(Some(helper));
        editor.bind_sequence(
            KeyEvent(KeyCode::BracketedPasteStart, Modifiers::NONE),
            EventHandler::Conditional(Box::new(NotePaste(shown.clone()))),
        );
        if let Some(file) = &history_file {
            // A missing file is the normal first run; an unreadable one only costs the history.
            editor.load_history(file).ok();
        }
        let loaded: Vec<String> = editor.history().iter().cloned().collect();
        let (requests, request_rx) = std_mpsc::channel::<Request>();
        let (notices, notice_rx) = mpsc::unbounded_channel::<ShellEvent>();
        // rustyline offers an ExternalPrinter exactly when it edits lines in raw mode (stdin
        // and stdout terminals, a capable TERM): then a read can be stopped with SIGINT (its
        // handler turns it into Interrupted) and redrawn. Otherwise events go to stderr.
        let redraws = editor.create_external_printer().is_ok();
        let shared = Arc::new(Shared::default());
        let printer_shared = Arc::clone(&shared);
        let printer_shown = shown.clone();
        std::thread::Builder::new()
            .name("zksh-printer".into())
            .spawn(move || print_events(events, notice_rx, redraws, &printer_shared, &printer_shown))?;
        std::thread::Builder::new().name("zksh-editor".into()).spawn(move || {
            while let Ok(request) = request_rx.recv() {
                let outcome = read(&mut editor, &request.prompt, &shown, &*state_now, &shared);
                let history = request.remember.then_some(history_file.as_deref());
                let outcome = finish(&mut editor, outcome, history);
                if request.reply.send(outcome).is_err() {
                    return;
                }
            }
        })?;
        Ok((
            LineEditor {
                requests: Arc::new(requests),
                notices,
            },
            loaded,
        ))
    }

    pub async fn read_line(&self, prompt: String) -> ReadOutcome {
        request(&self.requests, prompt, true).await
    }

    /// What a command uses to ask the user a question while it runs.
    pub fn asker(&self) -> Asker {
        Asker::new(Arc::downgrade(&self.requests))
    }

    pub fn print(&self, event: ShellEvent) {
        self.notices.send(event).ok();
    }
}

/// Asks the editor thread for one line under `prompt`; `remember`: a command line, for the
/// history (not an answer to a question).
pub(super) async fn request(requests: &std_mpsc::Sender<Request>, prompt: String, remember: bool) -> ReadOutcome {
    let (reply, answer) = oneshot::channel();
    if requests
        .send(Request {
            prompt,
            remember,
            reply,
        })
        .is_err()
    {
        return ReadOutcome::Failed("the editor thread stopped".into());
    }
    answer
        .await
        .unwrap_or_else(|_| ReadOutcome::Failed("the editor thread stopped".into()))
}

/// Reads one line; when the printer stops the read to show events, prints them where the
/// prompt was and reads again with the same text and cursor under a fresh prompt.
fn read(
    editor: &mut Editor<ShellHelper, FileHistory>,
    prompt_rest: &str,
    shown: &Shown,
    state_now: &dyn Fn() -> Option<ConnState>,
    shared: &Shared,
) -> rustyline::Result<String> {
    let mut initial = (String::new(), String::new());
    loop {
        let prompt = {
            let mut reading = shared.lock();
            // SAFETY: pthread_self has no preconditions.
            reading.thread = Some(unsafe { libc::pthread_self() });
            reading.stop_sent = false;
            with_state(state_now(), prompt_rest)
        };
        shown.record(&format!("{}{}", initial.0, initial.1), initial.0.len());
        let result = editor.readline_with_initial(prompt.as_str(), (&initial.0, &initial.1));
        let mut reading = shared.lock();
        reading.thread = None;
        // A signal rustyline reports as such (a resize or an interrupt while it reads keys
        // itself, in a completion list) stopped the read just as ours does.
        let stopped = matches!(result, Err(ReadlineError::Signal(_)))
            || std::mem::take(&mut reading.stop_sent) && matches!(result, Err(ReadlineError::Interrupted));
        reading.stop_sent = false;
        let events = std::mem::take(&mut reading.pending);
        let seen = shown.get();
        if stopped || !events.is_empty() {
            let mut out = std::io::stdout().lock();
            let _err = std::io::stderr().lock();
            if stopped {
                // rustyline left the cursor at the end of the input, then moved to the next
                // row: go back up to the prompt's first row and clear from there.
                let hint = editor
                    .helper()
                    .and_then(|h| h.syntax_hint(&seen.line, seen.pos))
                    .unwrap_or_default();
                let cols = columns(libc::STDOUT_FILENO).unwrap_or(80);
                let up = rows(&format!("{prompt}{}{hint}", seen.line), cols);
                write!(out, "\x1b[{up}A\r\x1b[J").ok();
            }
            for event in &events {
                out.write_all(event.as_bytes()).ok();
            }
            out.flush().ok();
        }
        reading.drained += 1;
        shared.drained.notify_all();
        drop(reading);
        if !stopped {
            return result;
        }
        initial = seen.split();
    }
}

/// Turns what readline returned into the outcome, adding the lines to the history.
fn finish(
    editor: &mut Editor<ShellHelper, FileHistory>,
    result: rustyline::Result<String>,
    history: Option<Option<&std::path::Path>>,
) -> ReadOutcome {
    match result {
        Ok(text) => {
            let lines = command_lines(&text);
            let Some(history_file) = history else {
                return ReadOutcome::Lines(lines);
            };
            let mut added = false;
            for line in lines.iter().filter(|l| !carries_secret(l)) {
                added |= editor.add_history_entry(line.as_str()).unwrap_or(false);
            }
            if let (true, Some(file)) = (added, history_file) {
                save_history(editor, file);
            }
            ReadOutcome::Lines(lines)
        }
        Err(ReadlineError::Interrupted) => ReadOutcome::Interrupted,
        Err(ReadlineError::Eof) => ReadOutcome::Eof,
        Err(err) => ReadOutcome::Failed(err.to_string()),
    }
}

/// The printer thread: shows each event as one whole line, never inside a command's line
/// and never over the line being edited.
fn print_events(
    mut events: EventReceiver,
    mut notices: mpsc::UnboundedReceiver<ShellEvent>,
    redraws: bool,
    shared: &Shared,
    shown: &Shown,
) {
    let runtime = tokio::runtime::Builder::new_current_thread().build();
    let Ok(runtime) = runtime else { return };
    runtime.block_on(async move {
        loop {
            let first = tokio::select! {
                Some(e) = events.recv() => e,
                Some(e) = notices.recv() => e,
                else => return,
            };
            let mut batch = vec![format!("{}\n", super::prompt_event(&first))];
            while batch.len() < BATCH {
                let Ok(event) = events.try_recv().or_else(|_| notices.try_recv()) else {
                    break;
                };
                batch.push(format!("{}\n", super::prompt_event(&event)));
            }
            if !redraws {
                let text: String = batch.concat();
                if std::io::stderr().write_all(text.as_bytes()).is_err() {
                    return;
                }
                continue;
            }
            show(batch, shared, shown);
        }
    });
}

/// Prints events on a terminal whose line editor may be reading.
fn show(batch: Vec<String>, shared: &Shared, shown: &Shown) {
    let mut reading = shared.lock();
    if reading.thread.is_none() {
        // A command runs, or nothing happens: print between whole lines. The reading lock
        // keeps the editor from drawing a prompt meanwhile; stdout then stderr, the order the
        // runner takes them in. `\r\x1b[K` clears a progress line a bulk command may show.
        let mut out = std::io::stdout().lock();
        let _err = std::io::stderr().lock();
        for line in &batch {
            write!(out, "\r\x1b[K{line}").ok();
        }
        out.flush().ok();
        return;
    }
    reading.pending.extend(batch);
    let drained = reading.drained;
    let paste_since = Instant::now();
    loop {
        let wait = if shown.is_pasting() && paste_since.elapsed() < PASTE_WAIT {
            // A stopped read loses the paste it was reading: let rustyline insert it first.
            Duration::from_millis(5)
        } else {
            let Some(thread) = reading.thread else { return };
            reading.stop_sent = true;
            // SAFETY: the thread is in readline (registered under this lock, which it takes
            // before leaving), so it is alive; rustyline's SIGINT handler stops the read.
            unsafe {
                libc::pthread_kill(thread, libc::SIGINT);
            }
            RESIGNAL
        };
        let (guard, _) = shared
            .drained
            .wait_timeout_while(reading, wait, |r| r.drained == drained)
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        reading = guard;
        if reading.drained != drained {
            return;
        }
    }
}

/// The commands in what readline returned: one per line, blank lines dropped.
fn command_lines(text: &str) -> Vec<String> {
    text.split('\n')
        .filter(|line| !line.trim().is_empty())
        .map(str::to_string)
        .collect()
}

/// Appends the new line to the history file (creating its directory), keeping the file
/// private: command lines can name sensitive paths.
fn save_history(editor: &mut Editor<ShellHelper, FileHistory>, file: &std::path::Path) {
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir).ok();
    }
    if editor.append_history(file).is_ok() {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600)).ok();
    }
}

#[cfg(test)]
mod tests {
    use super::command_lines;

    #[test]
    fn pasted_newlines_separate_commands() {
        assert_eq!(command_lines("ls /"), vec!["ls /"]);
        assert_eq!(
            command_lines("create /a\n\nset /a hello\n  \n"),
            vec!["create /a", "set /a hello"]
        );
        assert!(command_lines("").is_empty());
    }
}
