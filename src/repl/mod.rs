//! The interactive shell: the line editor on its own thread, events printed above the prompt,
//! and the loop that runs each line.

pub mod editor;
pub mod prompt;

use colored::Colorize;

use crate::events::{ConnState, EventReceiver, ShellEvent};
use crate::exit::ExitCode;
use crate::runner::{Flow, Runner};
use editor::{LineEditor, ReadOutcome};

pub async fn run(runner: &mut Runner, events: EventReceiver) -> ExitCode {
    runner.session.set_interactive(true);
    let editor = match LineEditor::start(events) {
        Ok(editor) => editor,
        Err(err) => {
            eprintln!("{} cannot start the line editor: {err:#}", "error:".red().bold());
            return ExitCode::Refused;
        }
    };
    match runner.session.client().await {
        Ok(client) => editor.print(ShellEvent::Notice(format!(
            "{} to {} (session 0x{:x}, timeout {}s). Type `help` for commands, Ctrl-D to leave.",
            ConnState::Connected.label(),
            runner.session.settings().server,
            client.session_id().0,
            client.session_timeout().as_secs()
        ))),
        Err(err) => {
            eprintln!("{} {err:#}", "error:".red().bold());
            return crate::errors::exit_code_of(&err);
        }
    }
    loop {
        let prompt = prompt::render_prompt(&runner.session);
        match editor.read_line(prompt).await {
            ReadOutcome::Line(line) => {
                if let (Flow::Quit, _) = runner.run_line(&line, None).await {
                    break;
                }
            }
            ReadOutcome::Interrupted => continue,
            ReadOutcome::Eof => break,
            ReadOutcome::Failed(err) => {
                eprintln!("{} line editor: {err}", "error:".red().bold());
                return ExitCode::Refused;
            }
        }
    }
    ExitCode::Success
}

/// An event as the REPL shows it: coloured by how much it matters.
fn prompt_event(event: &ShellEvent) -> String {
    let text = event.render();
    match event {
        ShellEvent::State(ConnState::Connected) => text.green().to_string(),
        ShellEvent::State(ConnState::Suspended | ConnState::ReadOnly) => text.yellow().to_string(),
        ShellEvent::State(_) => text.red().to_string(),
        ShellEvent::Notice(_) => text.dimmed().to_string(),
        ShellEvent::Watch(_) => text.cyan().to_string(),
    }
}
