//! The line editor on its own thread: the async side asks for a line over a channel, and a
//! printer thread owns rustyline's ExternalPrinter so events appear above the prompt without
//! breaking the half-typed line.

use std::sync::mpsc as std_mpsc;

use rustyline::error::ReadlineError;
use rustyline::{DefaultEditor, ExternalPrinter};
use tokio::sync::{mpsc, oneshot};

use crate::events::{EventReceiver, ShellEvent};

pub enum ReadOutcome {
    Line(String),
    /// Ctrl-C at the prompt: the line was cleared.
    Interrupted,
    /// Ctrl-D on an empty line.
    Eof,
    Failed(String),
}

struct Request {
    prompt: String,
    reply: oneshot::Sender<ReadOutcome>,
}

pub struct LineEditor {
    requests: std_mpsc::Sender<Request>,
    /// Our own notices go through the same printer as the connection events.
    notices: mpsc::UnboundedSender<ShellEvent>,
}

impl LineEditor {
    /// Starts the editor and printer threads. `events` are printed above the prompt.
    pub fn start(mut events: EventReceiver) -> anyhow::Result<LineEditor> {
        let mut editor = DefaultEditor::new()?;
        let (requests, request_rx) = std_mpsc::channel::<Request>();
        let (notices, mut notice_rx) = mpsc::unbounded_channel::<ShellEvent>();
        // No ExternalPrinter when stdout is not a terminal (ENOTTY): events then go to stderr.
        let mut printer = editor.create_external_printer().ok();
        // One printer thread: ExternalPrinter::print can block, so the async side never calls it.
        std::thread::Builder::new().name("zksh-printer".into()).spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().build();
            let Ok(runtime) = runtime else { return };
            runtime.block_on(async move {
                loop {
                    let event = tokio::select! {
                        Some(e) = events.recv() => e,
                        Some(e) = notice_rx.recv() => e,
                        else => return,
                    };
                    let line = format!("{}\n", super::prompt_event(&event));
                    let printed = match printer.as_mut() {
                        Some(printer) => printer.print(line).is_ok(),
                        None => std::io::Write::write_all(&mut std::io::stderr(), line.as_bytes()).is_ok(),
                    };
                    if !printed {
                        return;
                    }
                }
            });
        })?;
        std::thread::Builder::new().name("zksh-editor".into()).spawn(move || {
            while let Ok(Request { prompt, reply }) = request_rx.recv() {
                let outcome = match editor.readline(&prompt) {
                    Ok(line) => {
                        if !line.trim().is_empty() {
                            editor.add_history_entry(line.as_str()).ok();
                        }
                        ReadOutcome::Line(line)
                    }
                    Err(ReadlineError::Interrupted) => ReadOutcome::Interrupted,
                    Err(ReadlineError::Eof) => ReadOutcome::Eof,
                    Err(err) => ReadOutcome::Failed(err.to_string()),
                };
                if reply.send(outcome).is_err() {
                    return;
                }
            }
        })?;
        Ok(LineEditor { requests, notices })
    }

    pub async fn read_line(&self, prompt: String) -> ReadOutcome {
        let (reply, answer) = oneshot::channel();
        if self.requests.send(Request { prompt, reply }).is_err() {
            return ReadOutcome::Failed("the editor thread stopped".into());
        }
        answer
            .await
            .unwrap_or_else(|_| ReadOutcome::Failed("the editor thread stopped".into()))
    }

    pub fn print(&self, event: ShellEvent) {
        self.notices.send(event).ok();
    }
}
