//! The line editor on its own thread: the async side asks for a line over a channel, and a
//! printer thread owns rustyline's ExternalPrinter so events appear above the prompt without
//! breaking the half-typed line.

use std::sync::mpsc as std_mpsc;

use std::path::PathBuf;

use rustyline::error::ReadlineError;
use rustyline::history::FileHistory;
use rustyline::{CompletionType, Config, Editor, ExternalPrinter};
use tokio::sync::{mpsc, oneshot};

use crate::events::{EventReceiver, ShellEvent};
use crate::repl::helper::ShellHelper;
use crate::repl::history::{MAX_ENTRIES, carries_secret};

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
    /// Starts the editor and printer threads. `events` are printed above the prompt. Returns
    /// the editor and the history loaded from `history_file`.
    pub fn start(
        mut events: EventReceiver,
        helper: ShellHelper,
        history_file: Option<PathBuf>,
    ) -> anyhow::Result<(LineEditor, Vec<String>)> {
        let config = Config::builder()
            .completion_type(CompletionType::List)
            .max_history_size(MAX_ENTRIES)?
            .auto_add_history(false)
            .build();
        let mut editor: Editor<ShellHelper, FileHistory> = Editor::with_config(config)?;
        editor.set_helper(Some(helper));
        if let Some(file) = &history_file {
            // A missing file is the normal first run; an unreadable one only costs the history.
            editor.load_history(file).ok();
        }
        let loaded: Vec<String> = editor.history().iter().cloned().collect();
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
                    Ok(text) => {
                        let lines = command_lines(&text);
                        let mut added = false;
                        for line in lines.iter().filter(|l| !carries_secret(l)) {
                            added |= editor.add_history_entry(line.as_str()).unwrap_or(false);
                        }
                        if let (true, Some(file)) = (added, &history_file) {
                            save_history(&mut editor, file);
                        }
                        ReadOutcome::Lines(lines)
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
        Ok((LineEditor { requests, notices }, loaded))
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
