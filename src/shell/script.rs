//! Scripts: lines from a string (`-c`), a file (`-f`, `source`) or stdin, run one at a time
//! through the runner. The first failing line stops the run with its exit code, unless
//! `keep_going` (then the run exits 1 if any line failed); `quit` ends the script.

use std::io::Read;

use tokio::io::AsyncBufReadExt;

use crate::config::ScriptText;
use crate::exit::ExitCode;
use crate::shell::runner::{Flow, Runner};

/// Runs a script of the `-c`/`-f`/stdin modes.
pub async fn run_script(runner: &mut Runner, name: &str, text: ScriptText, keep_going: bool) -> ExitCode {
    match text {
        ScriptText::Inline(script) => run_text(runner, &script, keep_going).await.1,
        ScriptText::File(path) => {
            let mut content = String::new();
            let read = std::fs::File::open(&path).and_then(|mut f| f.read_to_string(&mut content));
            if let Err(err) = read {
                eprintln!(
                    "{} cannot read script {}: {err}",
                    crate::errors::error_label(),
                    path.display()
                );
                return ExitCode::Usage;
            }
            runner
                .run_file(path.display().to_string(), &content, keep_going)
                .await
                .1
        }
        ScriptText::Stdin => run_stdin(runner, name, keep_going).await,
    }
}

/// Runs every line of `text`; says whether the script ended with `quit` (Flow::Quit) and the
/// exit code it stands for.
pub async fn run_text(runner: &mut Runner, text: &str, keep_going: bool) -> (Flow, ExitCode) {
    let mut progress = Progress::new(keep_going);
    for (i, line) in text.lines().enumerate() {
        if let Some(stop) = progress.step(runner, i + 1, line).await {
            return stop;
        }
    }
    progress.finish()
}

/// Line by line as it arrives, so `producer | zksh` works as a stream.
async fn run_stdin(runner: &mut Runner, name: &str, keep_going: bool) -> ExitCode {
    let mut progress = Progress::new(keep_going);
    let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    let mut number = 0;
    let mut stop = runner.stop().clone();
    loop {
        // A signal while waiting for the next line ends the run, as it would during a line.
        let next = tokio::select! {
            next = lines.next_line() => next,
            reason = stop.ended() => return reason.exit_code(),
        };
        match next {
            Ok(Some(line)) => {
                number += 1;
                if let Some((_, code)) = progress.step(runner, number, &line).await {
                    return code;
                }
            }
            Ok(None) => return progress.finish().1,
            Err(err) => {
                eprintln!("{} cannot read {name}: {err}", crate::errors::error_label());
                return ExitCode::Usage;
            }
        }
    }
}

/// Whether a line failed so far, and whether failures stop the script.
struct Progress {
    keep_going: bool,
    failed: bool,
}

impl Progress {
    fn new(keep_going: bool) -> Progress {
        Progress {
            keep_going,
            failed: false,
        }
    }

    /// Runs one line; Some when the script must stop here.
    async fn step(&mut self, runner: &mut Runner, number: usize, line: &str) -> Option<(Flow, ExitCode)> {
        let (flow, code) = runner.run_line(line, Some(number)).await;
        // A signal stops the script whatever --keep-going says (and the run, if it ends it).
        if matches!(code, ExitCode::Interrupted | ExitCode::Terminated | ExitCode::HungUp) {
            return Some((flow, code));
        }
        if code != ExitCode::Success {
            if !self.keep_going {
                return Some((Flow::Continue, code));
            }
            self.failed = true;
        }
        // quit ends the script; a line that --keep-going let pass still makes the run fail.
        (flow == Flow::Quit).then_some((Flow::Quit, self.code()))
    }

    fn code(&self) -> ExitCode {
        if self.failed {
            ExitCode::Refused
        } else {
            ExitCode::Success
        }
    }

    fn finish(&self) -> (Flow, ExitCode) {
        (Flow::Continue, self.code())
    }
}
