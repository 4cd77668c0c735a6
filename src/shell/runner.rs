//! Runs commands from any mode: parse a line with the one grammar, run it against the shell
//! (a signal cancels it), render what it hands back (a value, a stream of rows, lines to run,
//! quit), and report errors once on stderr.

use std::io::Write;

use clap::Parser;

use crate::cli::{OutputFormat, ShellLine};
use crate::commands::Command;
use crate::config::stderr_color;
use crate::errors::{ClapUsage, ShellError, error_json, error_label, exit_code_of};
use crate::exit::ExitCode;
use crate::line::split_commands;
use crate::output::stream::{StreamEnd, Unmet};
use crate::output::{Reply, RowStream, write_document};
use crate::repl::grammar_index::unknown_command;
use crate::shell::Shell;
use crate::shell::script::Lines;
use crate::shell::stop::{Stop, StopReason};

/// Whether to go on after a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Quit,
}

pub struct Runner {
    pub shell: Shell,
    /// The format given before the command, for every command of the run.
    pub format: OutputFormat,
    /// `--keep-going`: a failing line of a script (or sourced file) does not stop it.
    pub keep_going: bool,
    stop: Stop,
    /// The files being sourced, innermost last: errors say which file their line is in.
    sources: Vec<String>,
}

/// How deep `source` may nest: a file that sources itself stops here.
const MAX_SOURCE_DEPTH: usize = 16;

/// Lines for the runner to run in this shell (`source FILE`).
pub struct Script {
    /// The file, as named in errors.
    pub name: String,
    pub lines: Lines,
}

impl Runner {
    pub fn new(shell: Shell, format: OutputFormat, stop: Stop) -> Runner {
        Runner {
            shell,
            format,
            keep_going: false,
            stop,
            sources: Vec::new(),
        }
    }

    /// Where the run's signals arrive.
    pub fn stop(&self) -> &Stop {
        &self.stop
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
        for mut words in commands {
            crate::cli::rewrite_command_words(&mut words);
            let command = match ShellLine::try_parse_from(&words) {
                Ok(parsed) => parsed.command,
                Err(err) => {
                    let code = self.report_clap(err, &words, line_number);
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

    /// Runs one parsed command and renders what it hands back.
    pub async fn run_command(&mut self, command: Command, line_number: Option<usize>) -> (Flow, ExitCode) {
        // A signal that came while the last command was finishing ends the run here:
        // `cancelled` below sees only the signals from when it starts waiting.
        if let Some(reason) = self.stop.received() {
            return self.stopped(reason);
        }
        let format = command.output().unwrap_or(self.format);
        self.shell.set_output_format(format);
        let mut stop = self.stop.clone();
        let result = tokio::select! {
            result = crate::snapshot::readonly::run(command, &mut self.shell) => result,
            reason = stop.cancelled() => {
                // A bulk command under way says how far it got (re-counting what remains).
                let err = match self.shell.take_bulk() {
                    Some(run) => run.stopped(&mut stop).await.into(),
                    None => ShellError::Interrupted.into(),
                };
                self.report_as(&err, line_number, format == OutputFormat::Json);
                return self.stopped(reason);
            }
        };
        // Whatever ended the command, no bulk run is under way any more.
        self.shell.finish_bulk();
        match result {
            Ok(Reply::Value(document)) => {
                let mut stdout = std::io::stdout().lock();
                let written = write_document(document.as_ref(), format, &mut stdout).and_then(|()| stdout.flush());
                drop(stdout);
                match written {
                    Ok(()) => {
                        // A script says which line a result stopped it on (`exists`, absent).
                        if let (Some(_), Some(err)) = (line_number, document.unmet()) {
                            self.report_as(&err, line_number, format == OutputFormat::Json);
                        }
                        (Flow::Continue, document.exit_code())
                    }
                    // Output closed under us (`zksh ls / | head -1`): a quiet, successful stop.
                    Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => (Flow::Quit, ExitCode::Success),
                    Err(e) => {
                        self.report(&anyhow::Error::new(e).context("cannot write output"), line_number);
                        (Flow::Quit, ExitCode::Refused)
                    }
                }
            }
            Ok(Reply::Stream(stream)) => self.stream(stream, format, line_number).await,
            // `-o` on `source` sets the format of the commands inside.
            Ok(Reply::Run(script)) => self.source(script, format, line_number).await,
            Ok(Reply::Quit) => (Flow::Quit, ExitCode::Success),
            // A signal passed on to the command's child that ends the run ends it now.
            Ok(Reply::Exit(code)) if self.stop.take_passed_on_ending() => (Flow::Quit, code),
            Ok(Reply::Exit(code)) => (Flow::Continue, code),
            Err(err) => {
                self.report_as(&err, line_number, format == OutputFormat::Json);
                (Flow::Continue, exit_code_of(&err))
            }
        }
    }

    /// What a signal that stopped a command means for the run.
    fn stopped(&self, reason: StopReason) -> (Flow, ExitCode) {
        let flow = if self.stop.ends_run(reason) {
            Flow::Quit
        } else {
            Flow::Continue
        };
        (flow, reason.exit_code())
    }

    /// Writes a stream's rows to stdout as they come, until the producer ends (exit 0), a
    /// signal (its code, and a line saying how far it got) or a closed stdout (exit 0).
    async fn stream(
        &mut self,
        mut stream: RowStream,
        format: OutputFormat,
        line_number: Option<usize>,
    ) -> (Flow, ExitCode) {
        let mut stop = self.stop.clone();
        let mut rendered = 0;
        let mut stdout = std::io::stdout();
        let ended = tokio::select! {
            ended = stream.render(format, &mut stdout, &mut rendered) => ended,
            reason = stop.cancelled() => {
                let (op, path) = stream.origin();
                let err = ShellError::Stopped {
                    op,
                    path: path.to_string(),
                    message: stream.stopped_message(rendered),
                };
                self.report_as(&err.into(), line_number, format == OutputFormat::Json);
                return self.stopped(reason);
            }
        };
        match ended {
            // Every row is out: the producer's end (a summary, or the error that cut it
            // short) comes last, on stderr.
            Ok(StreamEnd::Finished) => match stream.outcome().await {
                Ok(notes) => {
                    self.note(&notes, format == OutputFormat::Json);
                    (Flow::Continue, ExitCode::Success)
                }
                Err(err) => match err.downcast::<Unmet>() {
                    Ok(Unmet { error: err, notes }) => {
                        self.note(&notes, format == OutputFormat::Json);
                        if line_number.is_some() {
                            self.report_as(&err, line_number, format == OutputFormat::Json);
                        }
                        (Flow::Continue, exit_code_of(&err))
                    }
                    Err(err) => {
                        self.report_as(&err, line_number, format == OutputFormat::Json);
                        (Flow::Continue, exit_code_of(&err))
                    }
                },
            },
            Ok(StreamEnd::ReaderGone) => (Flow::Quit, ExitCode::Success),
            Err(e) => {
                self.report(&anyhow::Error::new(e).context("cannot write output"), line_number);
                (Flow::Quit, ExitCode::Refused)
            }
        }
    }

    /// `source FILE`: runs the file's lines in this shell (cd, txn and auth persist), with
    /// the script rules, in `format`.
    async fn source(&mut self, script: Script, format: OutputFormat, line_number: Option<usize>) -> (Flow, ExitCode) {
        if self.sources.len() >= MAX_SOURCE_DEPTH {
            let err = ShellError::usage(format!(
                "source {}: sourced files nest more than {MAX_SOURCE_DEPTH} deep (does a file source itself?)",
                script.name
            ));
            self.report(&err, line_number);
            return (Flow::Continue, ExitCode::Usage);
        }
        tracing::debug!(file = %script.name, depth = self.sources.len() + 1, "source");
        self.sources.push(script.name.clone());
        let outer = std::mem::replace(&mut self.format, format);
        let keep_going = self.keep_going;
        // A sourced file is a script: its commands never stop to ask the user.
        let asker = self.shell.set_asker(None);
        // Boxed: the script's lines come back here, to run_command.
        let result = Box::pin(crate::shell::script::run_lines(
            self,
            &script.name,
            script.lines,
            keep_going,
        ))
        .await;
        self.shell.set_asker(asker);
        self.format = outer;
        self.sources.pop();
        result
    }

    /// `-f FILE`: runs the file's lines; errors name the file, as they do for `source`.
    pub async fn run_file(&mut self, name: String, lines: Lines, keep_going: bool) -> (Flow, ExitCode) {
        self.sources.push(name.clone());
        let result = crate::shell::script::run_lines(self, &name, lines, keep_going).await;
        self.sources.pop();
        result
    }

    /// A summary a command leaves on stderr (`grep /app: skipped 2 nodes with binary data`):
    /// a line each, or `{"note": …}` objects in JSON.
    fn note(&self, notes: &[String], json: bool) {
        let mut stderr = std::io::stderr().lock();
        for note in notes {
            let line = if json {
                serde_json::json!({ "note": note }).to_string()
            } else {
                note.clone()
            };
            writeln!(stderr, "{line}").ok();
        }
    }

    /// Reports an error in the run's format, at a line of the script when given.
    pub(crate) fn report(&self, err: &anyhow::Error, line_number: Option<usize>) {
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
    fn report_clap(&self, err: clap::Error, words: &[String], line_number: Option<usize>) -> ExitCode {
        use clap::error::ErrorKind;
        let help = matches!(err.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion);
        if !help && (self.format == OutputFormat::Json || crate::cli::asks_for_json(words)) {
            let op = crate::cli::command_name(words.first().map(String::as_str));
            self.report_as(&ClapUsage { op, error: err }.into(), line_number, true);
            return ExitCode::Usage;
        }
        if help {
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
        if let Some(message) = unknown_command(&err) {
            self.report(&ShellError::usage(message), line_number);
            return ExitCode::Usage;
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
