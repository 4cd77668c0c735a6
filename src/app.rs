//! The run as a whole: parse argv, pick the mode, start the sandbox if asked, run, close the
//! session, and map the result to an exit code.

use std::io::{IsTerminal, Read};
use std::time::Duration;

use clap::Parser;
use colored::Colorize;
use tokio::io::AsyncBufReadExt;
use tokio::signal::unix::{Signal, SignalKind, signal};

use crate::cli::{Cli, rewrite_zkcli_habits};
use crate::config::{Config, Mode, ScriptText};
use crate::events::{self, EventReceiver};
use crate::exit::ExitCode;
use crate::runner::{Flow, Runner};
use crate::sandbox::Sandbox;
use crate::session::Session;
use crate::{repl, sandbox};

pub fn main() -> std::process::ExitCode {
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
    let args = rewrite_zkcli_habits(args, &mut |hint| eprintln!("{} {hint}", "hint:".yellow()));
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(err) => {
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
    let config = Config::from_cli(cli, std::io::stdin().is_terminal(), std::io::stdout().is_terminal());
    colored::control::set_override(config.color);
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
    let code = runtime.block_on(run(config));
    // The editor thread may still sit in readline; nothing it holds needs flushing.
    runtime.shutdown_timeout(Duration::from_millis(200));
    code.into()
}

async fn run(mut config: Config) -> ExitCode {
    // Take SIGINT and SIGTERM from the start: a signal must end the run in order (session
    // closed, sandbox stopped), never kill the process mid-way.
    let (Ok(mut sigint), Ok(mut sigterm)) = (signal(SignalKind::interrupt()), signal(SignalKind::terminate())) else {
        eprintln!("error: cannot install signal handlers");
        return ExitCode::Refused;
    };
    let interactive = matches!(config.mode, Mode::Repl);
    let mut sandbox = None;
    if config.sandbox {
        let started = tokio::select! {
            started = Sandbox::start() => started,
            code = stop_requested(&mut sigint, &mut sigterm, interactive) => return code,
        };
        match started {
            Ok(started) => {
                if matches!(config.mode, Mode::Repl) {
                    eprintln!(
                        "{} throwaway ZooKeeper on {} (data in {}, removed on exit)",
                        "sandbox:".green(),
                        started.connect_string(),
                        started.dir().display()
                    );
                }
                config.connect.server = started.connect_string();
                sandbox = Some(started);
            }
            Err(err) => {
                eprintln!("{} sandbox: {err:#}", "error:".red().bold());
                return ExitCode::Refused;
            }
        }
    }
    let (event_tx, event_rx) = events::channel();
    let mut session = Session::new(config.connect.clone(), event_tx);
    session.stdin_is_free = matches!(config.mode, Mode::OneShot(_)) && !std::io::stdin().is_terminal()
        || matches!(
            &config.mode,
            Mode::Script {
                text: ScriptText::Inline(_) | ScriptText::File(_),
                ..
            }
        ) && !std::io::stdin().is_terminal();
    let mut runner = Runner::new(session, config.output);
    let code = tokio::select! {
        code = run_mode(&mut runner, config.mode, config.keep_going, event_rx) => code,
        code = stop_requested(&mut sigint, &mut sigterm, interactive) => code,
    };
    runner.session.close().await;
    if let Some(mut sandbox) = sandbox {
        tokio::task::spawn_blocking(move || sandbox.stop()).await.ok();
    }
    code
}

/// Resolves when the run must stop: SIGTERM always; SIGINT outside the REPL (where Ctrl-C
/// only cancels the running command, which the runner handles).
async fn stop_requested(sigint: &mut Signal, sigterm: &mut Signal, interactive: bool) -> ExitCode {
    tokio::select! {
        _ = sigterm.recv() => ExitCode::Terminated,
        _ = sigint.recv(), if !interactive => ExitCode::Interrupted,
    }
}

async fn run_mode(runner: &mut Runner, mode: Mode, keep_going: bool, events: EventReceiver) -> ExitCode {
    if matches!(mode, Mode::Repl) {
        return repl::run(runner, events).await;
    }
    spawn_stderr_printer(events);
    match mode {
        Mode::Repl => ExitCode::Success,
        Mode::OneShot(command) => runner.run_command(*command, None).await.1,
        Mode::Script { name, text } => run_script(runner, &name, text, keep_going).await,
    }
}

/// Outside the REPL, connection events are diagnostics: one line each on stderr.
fn spawn_stderr_printer(mut events: EventReceiver) {
    tokio::spawn(async move {
        while let Some(event) = events.recv().await {
            eprintln!("{}", event.render());
        }
    });
}

/// Runs a script line by line; stops at the first failing line unless `keep_going`.
async fn run_script(runner: &mut Runner, name: &str, text: ScriptText, keep_going: bool) -> ExitCode {
    let mut failed = false;
    let mut step = async |runner: &mut Runner, number: usize, line: &str| -> Option<ExitCode> {
        let (flow, code) = runner.run_line(line, Some(number)).await;
        if code == ExitCode::Interrupted {
            return Some(code);
        }
        if code != ExitCode::Success {
            if !keep_going {
                return Some(code);
            }
            failed = true;
        }
        // quit ends the script; a line that --keep-going let pass still makes the run fail.
        (flow == Flow::Quit).then_some(if failed { ExitCode::Refused } else { ExitCode::Success })
    };
    let stopped = match text {
        ScriptText::Inline(script) => {
            let mut stopped = None;
            for (i, line) in script.lines().enumerate() {
                if let Some(code) = step(runner, i + 1, line).await {
                    stopped = Some(code);
                    break;
                }
            }
            stopped
        }
        ScriptText::File(path) => {
            let mut content = String::new();
            let read = std::fs::File::open(&path).and_then(|mut f| f.read_to_string(&mut content));
            if let Err(err) = read {
                eprintln!("{} cannot read script {}: {err}", "error:".red().bold(), path.display());
                return ExitCode::Usage;
            }
            let mut stopped = None;
            for (i, line) in content.lines().enumerate() {
                if let Some(code) = step(runner, i + 1, line).await {
                    stopped = Some(code);
                    break;
                }
            }
            stopped
        }
        ScriptText::Stdin => {
            // Line by line as it arrives, so `producer | zksh` works as a stream.
            let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
            let mut number = 0;
            let mut stopped = None;
            loop {
                match lines.next_line().await {
                    Ok(Some(line)) => {
                        number += 1;
                        if let Some(code) = step(runner, number, &line).await {
                            stopped = Some(code);
                            break;
                        }
                    }
                    Ok(None) => break,
                    Err(err) => {
                        eprintln!("{} cannot read {name}: {err}", "error:".red().bold());
                        stopped = Some(ExitCode::Usage);
                        break;
                    }
                }
            }
            stopped
        }
    };
    match stopped {
        Some(code) => code,
        None if failed => ExitCode::Refused,
        None => ExitCode::Success,
    }
}
