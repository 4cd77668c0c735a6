//! The interactive shell: the line editor on its own thread, events printed above the prompt,
//! and the loop that runs each line.

pub mod asker;
pub mod editor;
pub mod grammar_index;
pub mod helper;
pub mod history;
pub mod path_cache;
pub mod prompt;
pub mod shown;
pub mod terminal;
pub mod words;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use colored::Colorize;

use crate::events::{ConnState, EventReceiver, ShellEvent};
use crate::exit::ExitCode;
use crate::shell::runner::{Flow, Runner};
use crate::zk::connection::Connection;
use editor::{LineEditor, ReadOutcome};
use helper::ShellHelper;
use path_cache::PathCache;

pub async fn run(runner: &mut Runner, events: EventReceiver) -> ExitCode {
    runner.shell.set_interactive(true);
    let _terminal = terminal::TerminalMode::save();
    let cache = PathCache::start(runner.shell.zk().connection().clone());
    let cwd = Arc::new(Mutex::new(runner.shell.cwd().to_string()));
    let color = colored::control::SHOULD_COLORIZE.should_colorize();
    let shown = shown::Shown::default();
    let helper = ShellHelper::new(cache.clone(), Arc::clone(&cwd), color, shown.clone());
    let connection = runner.shell.zk().connection().clone();
    let state_now: editor::StateNow = Box::new(move || connection.state());
    let editor = match LineEditor::start(events, helper, shown, state_now, history::history_file()) {
        Ok((editor, loaded)) => {
            runner.shell.set_history(loaded);
            editor
        }
        Err(err) => {
            eprintln!("{} cannot start the line editor: {err:#}", "error:".red().bold());
            return ExitCode::Refused;
        }
    };
    runner.shell.set_asker(Some(editor.asker()));
    match runner.shell.zk().client().await {
        Ok(client) => editor.print(connected_notice(&runner.shell.zk().profile().server, &client)),
        // Like zkCli, the shell opens on a server that is down and connects once it is up:
        // the prompt says CONNECTING meanwhile, and commands fail as they would on a lost
        // connection. (One-shot and script runs still fail at once, exit 3.)
        // A credential the server rejects would be rejected again: that ends the shell (exit 3).
        Err(err)
            if crate::errors::exit_code_of(&err) == ExitCode::NoConnection
                && !crate::zk::connection::is_auth_failure(&err) =>
        {
            eprintln!("{} {err:#}; retrying in the background", "error:".red().bold());
            connect_in_background(runner.shell.zk().connection().clone());
        }
        Err(err) => {
            eprintln!("{} {err:#}", "error:".red().bold());
            return crate::errors::exit_code_of(&err);
        }
    }
    let mut stop = runner.stop().clone();
    loop {
        let current = runner.shell.cwd().to_string();
        // Warm the cache for the node the user is most likely to complete in.
        cache.prefetch(&current);
        *cwd.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = current;
        let prompt = prompt::prompt_rest(&runner.shell);
        // SIGTERM or SIGHUP at the prompt ends the shell in order.
        let read = tokio::select! {
            read = editor.read_line(prompt) => read,
            reason = stop.ended() => return reason.exit_code(),
        };
        match read {
            ReadOutcome::Lines(lines) => {
                let cluster = runner.shell.zk().connection().settings();
                let (flow, code) = run_lines(runner, &lines).await;
                let switched = !Arc::ptr_eq(&cluster, &runner.shell.zk().connection().settings());
                if switched || runner.shell.zk().connection().is_detached() {
                    cache.forget_all();
                } else {
                    cache.mark_stale();
                }
                if flow == Flow::Quit {
                    // `quit`, or a signal that ends the shell (its code).
                    if runner.stop().received().is_some() {
                        return code;
                    }
                    if leave_with_open_txn(runner, &editor).await {
                        break;
                    }
                }
            }
            ReadOutcome::Interrupted => continue,
            ReadOutcome::Eof => {
                if leave_with_open_txn(runner, &editor).await {
                    break;
                }
            }
            ReadOutcome::Failed(err) => {
                eprintln!("{} line editor: {err}", "error:".red().bold());
                return ExitCode::Refused;
            }
        }
    }
    ExitCode::Success
}

/// The sentence that opens a session in the shell.
fn connected_notice(server: &str, client: &zookeeper_client::Client) -> ShellEvent {
    ShellEvent::Notice(format!(
        "{} to {server} (session 0x{:x}, timeout {}s). Type `help` for commands, Ctrl-D to leave.",
        ConnState::Connected.label(),
        client.session_id().0,
        client.session_timeout().as_secs()
    ))
}

/// Keeps trying to connect until a session exists (a command may connect first) or the
/// shell closes, then says so: the printer redraws the prompt without its CONNECTING marker.
fn connect_in_background(conn: Arc<Connection>) {
    tokio::spawn(async move {
        let mut pause = Duration::from_millis(250);
        loop {
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_secs(2));
            // `connect` made a session meanwhile, or `close` asked for none.
            if conn.is_closing() || conn.current().is_some() || conn.is_detached() {
                return;
            }
            if let Ok(client) = conn.client().await {
                conn.events()
                    .send(connected_notice(&conn.settings().server, &client))
                    .ok();
                return;
            }
        }
    });
}

/// Whether to leave the shell when operations are queued in an open transaction block: they
/// would be dropped unsent, so ask first (Ctrl-D at the question leaves, Ctrl-C stays).
async fn leave_with_open_txn(runner: &Runner, editor: &LineEditor) -> bool {
    let queued = runner.shell.txn().map_or(0, <[_]>::len);
    if queued == 0 {
        return true;
    }
    let plural = if queued == 1 { "" } else { "s" };
    let question = format!(
        "{queued} queued operation{plural} in the open transaction will be dropped, unsent; leave anyway? [y/N] "
    );
    match editor.read_line(question).await {
        ReadOutcome::Lines(answer) => answer
            .first()
            .is_some_and(|a| matches!(a.trim().to_ascii_lowercase().as_str(), "y" | "yes")),
        ReadOutcome::Eof => true,
        ReadOutcome::Interrupted | ReadOutcome::Failed(_) => false,
    }
}

/// Runs the lines entered at one prompt in order, each as if typed and entered alone. A
/// Ctrl-C stops the lines still to come as well as the one running: the user asked to stop.
/// Says how the last line run ended.
async fn run_lines(runner: &mut Runner, lines: &[String]) -> (Flow, ExitCode) {
    for typed in lines {
        // Numbered as the editor's history (and its file): the line as typed.
        let repeat = runner.shell.history().last() == Some(typed);
        if !history::carries_secret(typed) && !repeat {
            runner.shell.push_history(typed.clone());
        }
        let typed_so_far = runner.shell.history();
        let earlier = &typed_so_far[..typed_so_far.len().saturating_sub(1)];
        let line = match history::expand(typed, earlier) {
            Ok(Some(expanded)) => {
                // Show what runs, as a shell does for `!!` (stdout may be gone: no panic).
                writeln!(std::io::stdout(), "{}", expanded.dimmed()).ok();
                expanded
            }
            Ok(None) => typed.clone(),
            Err(message) => {
                eprintln!("{} {message}", "error:".red().bold());
                continue;
            }
        };
        match runner.run_line(&line, None).await {
            (Flow::Quit, code) => return (Flow::Quit, code),
            (_, ExitCode::Interrupted) => return (Flow::Continue, ExitCode::Interrupted),
            _ => {}
        }
    }
    (Flow::Continue, ExitCode::Success)
}

/// An event as the REPL shows it: coloured by how much it matters.
fn prompt_event(event: &ShellEvent) -> String {
    let text = event.render();
    match event {
        ShellEvent::State(ConnState::Connected) | ShellEvent::Resumed(_) => text.green().to_string(),
        ShellEvent::State(ConnState::Suspended | ConnState::ReadOnly) => text.yellow().to_string(),
        ShellEvent::State(_) => text.red().to_string(),
        ShellEvent::Notice(_) => text.dimmed().to_string(),
        ShellEvent::Watch(_) => text.cyan().to_string(),
    }
}
