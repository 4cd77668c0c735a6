//! The validated settings of one run, derived from the command line: nothing downstream sees
//! clap types or re-checks strings.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::cli::{Cli, ColorChoice, OutputFormat};
use crate::commands::Command;
use crate::profiles::Given;
use crate::zk::Profile;

/// Where the commands come from.
#[derive(Debug)]
pub enum Mode {
    Repl,
    OneShot(Box<Command>),
    Script { name: String, text: ScriptText },
}

#[derive(Debug)]
pub enum ScriptText {
    Inline(String),
    File(PathBuf),
    Stdin,
}

/// Whether a stream gets colour: `--color always`/`never`, or (auto) only a terminal, and
/// never with NO_COLOR set. stdout and stderr decide apart: `zksh get /x 2>log` keeps the log
/// plain.
pub fn color_for(choice: ColorChoice, is_tty: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => is_tty && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    }
}

/// stderr's colour decision, made once at start (stdout's is `colored`'s override).
static STDERR_COLOR: AtomicBool = AtomicBool::new(false);

pub fn set_stderr_color(on: bool) {
    STDERR_COLOR.store(on, Ordering::Relaxed);
}

/// Whether what goes to stderr (error labels, clap's usage errors, debug logs) may be coloured.
pub fn stderr_color() -> bool {
    STDERR_COLOR.load(Ordering::Relaxed)
}

/// The data to open read-only instead of a server (`--snapshot`, `--at`, `--lenient`).
#[derive(Debug, Clone)]
pub struct SnapshotSource {
    pub path: PathBuf,
    pub point: crate::snapshot::point::Point,
    pub lenient: bool,
}

#[derive(Debug)]
pub struct Config {
    pub profile: Profile,
    pub mode: Mode,
    pub output: OutputFormat,
    pub color: bool,
    pub keep_going: bool,
    pub sandbox: bool,
    pub snapshot: Option<SnapshotSource>,
}

impl Config {
    /// `stdin_is_tty`/`stdout_is_tty` are passed in so that the choice is testable. Fails
    /// when the connection options cannot make a profile (`-P`, TLS files, SASL password).
    pub fn from_cli(cli: Cli, given: &Given, stdin_is_tty: bool, stdout_is_tty: bool) -> anyhow::Result<Config> {
        let profile = cli.profile(given, true)?;
        let snapshot = cli.snapshot.clone().map(|path| SnapshotSource {
            path,
            point: cli.at.unwrap_or(crate::snapshot::point::Point::Latest),
            lenient: cli.lenient,
        });
        let mode = if let Some(command) = cli.command {
            Mode::OneShot(Box::new(command))
        } else if let Some(text) = cli.script {
            Mode::Script {
                name: "-c".into(),
                text: ScriptText::Inline(text),
            }
        } else if let Some(file) = cli.file {
            if file.as_os_str() == "-" {
                Mode::Script {
                    name: "stdin".into(),
                    text: ScriptText::Stdin,
                }
            } else {
                Mode::Script {
                    name: file.display().to_string(),
                    text: ScriptText::File(file),
                }
            }
        } else if stdin_is_tty {
            Mode::Repl
        } else {
            Mode::Script {
                name: "stdin".into(),
                text: ScriptText::Stdin,
            }
        };
        let color = color_for(cli.color, stdout_is_tty);
        Ok(Config {
            profile,
            mode,
            output: cli.output.unwrap_or(OutputFormat::Text),
            color,
            keep_going: cli.keep_going,
            sandbox: cli.sandbox,
            snapshot,
        })
    }
}
