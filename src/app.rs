//! The run as a whole: parse argv, pick the mode, start the sandbox if asked, run, close the
//! session, and map the result to an exit code.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use clap::{CommandFactory, FromArgMatches};
use colored::Colorize;

use crate::cli::{self, Cli, ColorChoice, OutputFormat, color_choice_in, rewrite_zkcli_habits};
use crate::config::{self, Config, Mode, ScriptText};
use crate::errors::{ClapUsage, error_json, error_label};
use crate::events::{self, ConnState, EventReceiver, ShellEvent};
use crate::exit::ExitCode;
use crate::repl::grammar_index::unknown_command;
use crate::sandbox::Sandbox;
use crate::shell::Shell;
use crate::shell::runner::Runner;
use crate::shell::script;
use crate::shell::stop::{self, Stop, StopReason};
use crate::{completion, repl, sandbox};

pub fn main() -> std::process::ExitCode {
    // A completion request (ZKSH_COMPLETE set by the shell's script) is answered and exits here.
    completion::complete_if_requested();
    let mut args = Vec::new();
    for arg in std::env::args_os() {
        match arg.into_string() {
            Ok(arg) => args.push(arg),
            Err(arg) => {
                eprintln!("error: argument {arg:?} is not valid UTF-8");
                return ExitCode::Usage.into();
            }
        }
    }
    // Colour is decided before parsing, so that clap's own errors follow --color and NO_COLOR.
    let color = color_choice_in(&args);
    config::set_stderr_color(config::color_for(color, std::io::stderr().is_terminal()));
    let hint_label = if config::stderr_color() {
        "\x1b[33mhint:\x1b[0m"
    } else {
        "hint:"
    };
    let args = rewrite_zkcli_habits(args, &mut |hint| eprintln!("{hint_label} {hint}"));
    let clap_color = match color {
        ColorChoice::Always => clap::ColorChoice::Always,
        ColorChoice::Never => clap::ColorChoice::Never,
        ColorChoice::Auto if config::color_for(color, true) => clap::ColorChoice::Auto,
        ColorChoice::Auto => clap::ColorChoice::Never,
    };
    let parsed = Cli::command()
        .color(clap_color)
        .try_get_matches_from(&args)
        .and_then(|matches| Ok((Cli::from_arg_matches(&matches)?, cli::given_options(&matches))));
    let (cli, given) = match parsed {
        Ok(parsed) => parsed,
        Err(err) if err.use_stderr() && cli::asks_for_json(&args) => {
            let op = cli::command_name(cli::command_word(&args));
            eprintln!("{}", error_json(&ClapUsage { op, error: err }.into()));
            return ExitCode::Usage.into();
        }
        Err(err) => {
            if let Some(message) = unknown_command(&err) {
                eprintln!("{} {message}", error_label());
                return ExitCode::Usage.into();
            }
            err.print().ok();
            return if err.use_stderr() {
                ExitCode::Usage
            } else {
                ExitCode::Success
            }
            .into();
        }
    };
    if let Some(dir) = &cli.sandbox_watchdog {
        return sandbox::watchdog::run(dir).into();
    }
    let debug = cli.debug;
    let json_errors = cli.output == Some(OutputFormat::Json) || cli::asks_for_json(&args);
    let config = match Config::from_cli(
        cli,
        &given,
        std::io::stdin().is_terminal(),
        std::io::stdout().is_terminal(),
    ) {
        Ok(config) => config,
        Err(err) => {
            // Before anything connects: a profile, TLS file or credential that cannot be used.
            if json_errors {
                eprintln!("{}", error_json(&err));
            } else {
                eprintln!("{} {err:#}", error_label());
            }
            return crate::errors::exit_code_of(&err).into();
        }
    };
    colored::control::set_override(config.color);
    init_tracing(debug);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::Refused.into();
        }
    };
    let interactive = matches!(config.mode, Mode::Repl);
    let (code, signalled) = runtime.block_on(run(config));
    // The editor thread may still sit in readline; nothing it holds needs flushing.
    runtime.shutdown_timeout(Duration::from_millis(200));
    // Outside the REPL, a run ended by a signal ends as that signal would have ended it
    // (the session is closed by now), so that `for ...; do zksh ...; done` stops on Ctrl-C.
    if let Some(reason) = signalled.filter(|_| !interactive) {
        stop::reraise(reason);
    }
    code.into()
}

/// The levels `--debug` turns on: the client's requests, replies, pings and state changes, and
/// zksh's own requests.
const DEBUG_FILTER: &str = "zookeeper_client=debug,zksh=debug";

/// Logs on stderr with `--debug` or `RUST_LOG` (which, when set, chooses the levels). Nothing
/// logged carries a secret: zookeeper-client 0.11 logs an addauth request as `(Auth, None)` and
/// leaves passwords out of its connect packets, and zksh never logs command lines.
fn init_tracing(debug: bool) {
    use tracing_subscriber::EnvFilter;
    let from_env = std::env::var("RUST_LOG").ok().filter(|v| !v.trim().is_empty());
    let filter = match from_env {
        Some(spec) => EnvFilter::try_new(&spec).unwrap_or_else(|err| {
            eprintln!(
                "{} RUST_LOG={spec:?} is not a filter ({err}); using {DEBUG_FILTER}",
                error_label()
            );
            EnvFilter::new(DEBUG_FILTER)
        }),
        None if debug => EnvFilter::new(DEBUG_FILTER),
        None => return,
    };
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(config::stderr_color())
        .try_init()
        .ok();
}

/// Runs the chosen mode; says how it ended, and which signal ended it, if one did.
async fn run(mut config: Config) -> (ExitCode, Option<StopReason>) {
    // Signals are taken from the start: a signal must end the run in order (the command's
    // summary printed, session closed, sandbox stopped), never kill the process mid-way.
    let interactive = matches!(config.mode, Mode::Repl);
    let Ok(stop) = Stop::install(interactive) else {
        eprintln!("error: cannot install signal handlers");
        return (ExitCode::Refused, None);
    };
    let mut sandbox = None;
    if config.sandbox {
        let mut stopped = stop.clone();
        let started = tokio::select! {
            started = Sandbox::start() => started,
            reason = stopped.ended() => return (reason.exit_code(), Some(reason)),
        };
        match started {
            Ok(started) => {
                if interactive {
                    eprintln!(
                        "{} throwaway ZooKeeper on {} (data in {}, removed on exit)",
                        "sandbox:".green(),
                        started.connect_string(),
                        started.dir().display()
                    );
                }
                config.profile.server = started.connect_string();
                sandbox = Some(started);
            }
            Err(err) => {
                eprintln!("{} sandbox: {err:#}", error_label());
                return (ExitCode::Refused, None);
            }
        }
    }
    if let Some(source) = &config.snapshot {
        match crate::snapshot::open_for_shell(source, interactive).await {
            // The snapshot's own loopback server: plain, no credentials, no profile name.
            Ok(address) => {
                config.profile = crate::zk::Profile {
                    server: address,
                    ..config.profile.plain()
                }
            }
            Err(err) => {
                eprintln!("{} {err:#}", error_label());
                return (ExitCode::Refused, None);
            }
        }
    }
    let (event_tx, event_rx) = events::channel();
    let mut shell = Shell::new(config.profile.clone(), event_tx);
    let stdin_is_tty = std::io::stdin().is_terminal();
    shell.set_stdin_is_free(
        !stdin_is_tty
            && matches!(
                &config.mode,
                Mode::OneShot(_)
                    | Mode::Script {
                        text: ScriptText::Inline(_) | ScriptText::File(_),
                        ..
                    }
            ),
    );
    shell.set_one_shot(matches!(config.mode, Mode::OneShot(_)));
    let mut runner = Runner::new(shell, config.output, stop.clone());
    runner.keep_going = config.keep_going;
    let (code, printer) = run_mode(&mut runner, config.mode, config.keep_going, event_rx).await;
    let events = match printer {
        Some(printer) => printer.stop().await,
        None => None,
    };
    runner.shell.close().await;
    if let Some(events) = events {
        print_after_close(events);
    }
    if let Some(mut sandbox) = sandbox {
        tokio::task::spawn_blocking(move || sandbox.stop()).await.ok();
    }
    (code, stop.received())
}

async fn run_mode(
    runner: &mut Runner,
    mode: Mode,
    keep_going: bool,
    events: EventReceiver,
) -> (ExitCode, Option<StderrPrinter>) {
    if matches!(mode, Mode::Repl) {
        return (repl::run(runner, events).await, None);
    }
    let printer = StderrPrinter::spawn(events);
    let code = match mode {
        Mode::Repl => ExitCode::Success,
        Mode::OneShot(command) => runner.run_command(*command, None).await.1,
        Mode::Script { name, text } => script::run_script(runner, &name, text, keep_going).await,
    };
    (code, Some(printer))
}

/// Outside the REPL, connection events are diagnostics: one line each on stderr, as they
/// come, and those still waiting when the run ends (a LOST the session's close settled).
struct StderrPrinter {
    stop: tokio::sync::oneshot::Sender<()>,
    /// Hands the events back once stopped.
    task: tokio::task::JoinHandle<EventReceiver>,
}

impl StderrPrinter {
    fn spawn(mut events: EventReceiver) -> StderrPrinter {
        let (stop, mut stopped) = tokio::sync::oneshot::channel();
        let terminal = std::io::stderr().is_terminal();
        let task = tokio::spawn(async move {
            loop {
                tokio::select! {
                    biased;
                    _ = &mut stopped => return events,
                    event = events.recv() => match event {
                        Some(event) => print_event_line(&event.render(), terminal),
                        None => return events,
                    },
                }
            }
        });
        StderrPrinter { stop, task }
    }

    /// Stops printing as events come, once the run is over: what comes while the session
    /// closes is for [`print_after_close`]. An event is printed here or left in the channel, never both.
    async fn stop(self) -> Option<EventReceiver> {
        self.stop.send(()).ok();
        self.task.await.ok()
    }
}

/// One event on stderr, written under its lock. On a terminal the row is cleared first: a
/// long command's progress line (which ends without a newline) may be on it, and the event
/// takes the row whole; the progress line is drawn again below it at its next redraw.
fn print_event_line(text: &str, terminal: bool) {
    let clear = if terminal { "\r\x1b[K" } else { "" };
    writeln!(std::io::stderr().lock(), "{clear}{text}").ok();
}

/// Prints what is left and still matters once the session is closed: that it was LOST, and
/// what watches saw (not that it reconnected or was resumed a moment before the end).
fn print_after_close(mut events: EventReceiver) {
    while let Ok(event) = events.try_recv() {
        if matches!(
            event,
            ShellEvent::State(ConnState::Lost | ConnState::AuthFailed) | ShellEvent::Watch(_)
        ) {
            eprintln!("{}", event.render());
        }
    }
}
