//! Runs commands from any mode: parse a line with the one grammar, execute against the
//! session (Ctrl-C cancels), render the outcome, report errors once on stderr.

use std::io::Write;
use std::time::Duration;

use clap::Parser;

use crate::cli::{OutputFormat, ShellLine};
use crate::commands::source::{SourceArgs, expand_home};
use crate::commands::{self, Command};
use crate::config::stderr_color;
use crate::errors::{ShellError, error_json, error_label, exit_code_of};
use crate::exit::ExitCode;
use crate::line::split_commands;
use crate::outcome::Outcome;
use crate::render::render;
use crate::render::watch::render_watch_event;
use crate::session::Session;
use crate::watch::WatchEvent;

/// Whether to go on after a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Quit,
}

pub struct Runner {
    pub session: Session,
    /// The format given before the command, for every command of the run.
    pub format: OutputFormat,
    /// `--keep-going`: a failing line of a script (or sourced file) does not stop it.
    pub keep_going: bool,
    /// The files being sourced, innermost last: errors say which file their line is in.
    sources: Vec<String>,
}

/// How deep `source` may nest: a file that sources itself stops here.
const MAX_SOURCE_DEPTH: usize = 16;

impl Runner {
    pub fn new(session: Session, format: OutputFormat) -> Runner {
        Runner {
            session,
            format,
            keep_going: false,
            sources: Vec::new(),
        }
    }

    /// Runs one line of REPL or script input; `line_number` names it in errors (scripts).
    pub async fn run_line(&mut self, line: &str, line_number: Option<usize>) -> (Flow, ExitCode) {
        let commands = match split_commands(line) {
            Ok(commands) => commands,
            Err(err) => {
                self.report(&ShellError::usage(err.to_string()), line_number);
                return (Flow::Continue, ExitCode::Usage);
            }
        };
        for words in commands {
            let command = match ShellLine::try_parse_from(&words) {
                Ok(parsed) => parsed.command,
                Err(err) => {
                    let code = self.report_clap(err, line_number);
                    if code != ExitCode::Success {
                        return (Flow::Continue, code);
                    }
                    continue;
                }
            };
            match self.run_command(command, line_number).await {
                (Flow::Continue, ExitCode::Success) => {}
                other => return other,
            }
        }
        (Flow::Continue, ExitCode::Success)
    }

    /// Executes one parsed command and renders its outcome.
    pub async fn run_command(&mut self, command: Command, line_number: Option<usize>) -> (Flow, ExitCode) {
        // `source` runs lines through this runner, which a command cannot reach.
        let command = match command {
            Command::Source(args) => return self.source(args, line_number).await,
            command => command,
        };
        let format = command.output().unwrap_or(self.format);
        let result = tokio::select! {
            result = commands::execute(command, &mut self.session) => result,
            // A bulk command under way says how far it got.
            _ = tokio::signal::ctrl_c() => Err(match self.session.take_bulk() {
                Some(run) => run.stopped().into(),
                None => ShellError::Interrupted.into(),
            }),
        };
        // Whatever ended the command, no bulk run is under way any more.
        self.session.finish_bulk();
        match result {
            Ok(Outcome::Stream {
                id,
                events,
                count,
                timeout,
            }) => {
                let code = self.stream(events, count, timeout, format == OutputFormat::Json).await;
                self.session.watches().remove(|w| w.id == id);
                (Flow::Continue, code)
            }
            Ok(outcome) => {
                let flow = if matches!(outcome, Outcome::Quit) {
                    Flow::Quit
                } else {
                    Flow::Continue
                };
                let mut stdout = std::io::stdout().lock();
                match render(&outcome, format, &mut stdout).and_then(|_| stdout.flush()) {
                    Ok(()) => (flow, outcome.exit_code()),
                    // Output closed under us (`zksh ls / | head -1`): a quiet, successful stop.
                    Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => (Flow::Quit, ExitCode::Success),
                    Err(e) => {
                        drop(stdout);
                        self.report(&anyhow::Error::new(e).context("cannot write output"), line_number);
                        (Flow::Quit, ExitCode::Refused)
                    }
                }
            }
            Err(err) => {
                self.report_as(&err, line_number, format == OutputFormat::Json);
                (Flow::Continue, exit_code_of(&err))
            }
        }
    }

    /// Writes a watch's events to stdout as they come, until `count` changes, `timeout`,
    /// Ctrl-C (exit 130) or a closed stdout (exit 0).
    async fn stream(
        &self,
        mut events: tokio::sync::mpsc::UnboundedReceiver<WatchEvent>,
        count: Option<u64>,
        timeout: Option<Duration>,
        json: bool,
    ) -> ExitCode {
        if count == Some(0) {
            return ExitCode::Success;
        }
        let until_deadline = async {
            match timeout {
                Some(timeout) => tokio::time::sleep(timeout).await,
                None => std::future::pending().await,
            }
        };
        tokio::pin!(until_deadline);
        let mut changes = 0;
        loop {
            let event = tokio::select! {
                event = events.recv() => event,
                _ = &mut until_deadline => return ExitCode::Success,
                _ = tokio::signal::ctrl_c() => return ExitCode::Interrupted,
            };
            let Some(event) = event else { return ExitCode::Success };
            let mut stdout = std::io::stdout().lock();
            if render_watch_event(&event, json, &mut stdout).is_err() {
                // Nobody reads the stream any more (`zksh watch ... | head`).
                return ExitCode::Success;
            }
            if event.event.is_change() {
                changes += 1;
                if count.is_some_and(|n| changes >= n) {
                    return ExitCode::Success;
                }
            }
        }
    }

    /// `source FILE`: runs the file's lines in this shell (cd, txn and auth persist), with
    /// the script rules; `-o` on it sets the format of the commands inside.
    async fn source(&mut self, args: SourceArgs, line_number: Option<usize>) -> (Flow, ExitCode) {
        let file = expand_home(&args.file);
        let name = args.file.display().to_string();
        if self.sources.len() >= MAX_SOURCE_DEPTH {
            let err = ShellError::usage(format!(
                "source {name}: sourced files nest more than {MAX_SOURCE_DEPTH} deep (does a file source itself?)"
            ));
            self.report(&err, line_number);
            return (Flow::Continue, ExitCode::Usage);
        }
        let text = match std::fs::read_to_string(&file) {
            Ok(text) => text,
            Err(e) => {
                self.report(
                    &ShellError::usage(format!("source {name}: cannot read it: {e}")),
                    line_number,
                );
                return (Flow::Continue, ExitCode::Usage);
            }
        };
        tracing::debug!(file = %name, depth = self.sources.len() + 1, "source");
        self.sources.push(name);
        let format = self.format;
        self.format = args.out.output.unwrap_or(format);
        let keep_going = self.keep_going;
        // Boxed: the script's lines come back here, to run_command.
        let result = Box::pin(crate::script::run_text(self, &text, keep_going)).await;
        self.format = format;
        self.sources.pop();
        result
    }

    fn report(&self, err: &anyhow::Error, line_number: Option<usize>) {
        self.report_as(err, line_number, self.format == OutputFormat::Json);
    }

    /// One line on stderr: `error: [line N: ]op path: reason`, or the JSON error shape.
    fn report_as(&self, err: &anyhow::Error, line_number: Option<usize>, json: bool) {
        // Hold stdout so that an error never lands in the middle of a result line.
        let _stdout = std::io::stdout().lock();
        let mut stderr = std::io::stderr().lock();
        let written = if json {
            let mut value = error_json(err);
            if let Some(n) = line_number {
                value["error"]["line"] = n.into();
            }
            if let Some(file) = self.sources.last() {
                value["error"]["file"] = file.as_str().into();
            }
            writeln!(stderr, "{value}")
        } else {
            writeln!(stderr, "{} {}{err:#}", error_label(), self.location(line_number))
        };
        // stderr itself is gone: nothing left to tell anyone.
        written.ok();
    }

    /// `line N: ` in a script, `FILE line N: ` in a sourced file, nothing in the REPL.
    fn location(&self, line_number: Option<usize>) -> String {
        match (self.sources.last(), line_number) {
            (Some(file), Some(n)) => format!("{file} line {n}: "),
            (None, Some(n)) => format!("line {n}: "),
            (_, None) => String::new(),
        }
    }

    /// Prints a clap parse result (help or a usage error); returns the exit code it stands for.
    fn report_clap(&self, err: clap::Error, line_number: Option<usize>) -> ExitCode {
        use clap::error::ErrorKind;
        if matches!(err.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
            // Help goes to stdout, coloured only as stdout's colour decision says.
            let help = if colored::control::SHOULD_COLORIZE.should_colorize() {
                err.render().ansi().to_string()
            } else {
                err.render().to_string()
            };
            let mut stdout = std::io::stdout().lock();
            write!(stdout, "{help}").and_then(|()| stdout.flush()).ok();
            return ExitCode::Success;
        }
        let text = if stderr_color() {
            err.render().ansi().to_string()
        } else {
            err.render().to_string()
        };
        let mut stderr = std::io::stderr().lock();
        let at = self.location(line_number);
        let text = text
            .strip_prefix("error: ")
            .map(|rest| format!("error: {at}{rest}"))
            .unwrap_or(text);
        write!(stderr, "{text}").ok();
        ExitCode::Usage
    }
}
