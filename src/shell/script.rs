//! Scripts: lines from a string (`-c`), a file (`-f`, `source`) or stdin, read as they come
//! and run one at a time through the runner. The first failing line stops the run with its
//! exit code, unless `keep_going` (then the run exits 1 if any line failed); `quit` ends the
//! script. A line longer than any command can be is refused as soon as it is seen, so a script
//! such as /dev/zero cannot fill memory.

use std::path::Path;

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt, BufReader};

use crate::config::ScriptText;
use crate::errors::ShellError;
use crate::exit::ExitCode;
use crate::shell::runner::{Flow, Runner};

/// The longest line a script may have: room for the largest request a server takes
/// (base64-encoded, quoted), and then some.
pub const MAX_LINE: usize = 4 << 20;

/// Where a script's lines come from.
pub type Lines = Box<dyn AsyncBufRead + Unpin + Send>;

/// Opens a script file for reading line by line.
pub async fn open_file(path: &Path) -> std::io::Result<Lines> {
    Ok(Box::new(BufReader::new(tokio::fs::File::open(path).await?)))
}

/// Runs a script of the `-c`/`-f`/stdin modes. At its end, a `txn begin` block still open is
/// an error: its operations were never sent.
pub async fn run_script(runner: &mut Runner, name: &str, text: ScriptText, keep_going: bool) -> ExitCode {
    let (_, code) = match text {
        ScriptText::Inline(script) => {
            let lines = Box::new(std::io::Cursor::new(script.into_bytes()));
            run_lines(runner, name, lines, keep_going).await
        }
        ScriptText::File(path) => match open_file(&path).await {
            // Its errors name the file, as in a sourced one.
            Ok(lines) => runner.run_file(name.to_string(), lines, keep_going).await,
            Err(err) => {
                eprintln!(
                    "{} cannot read script {}: {err}",
                    crate::errors::error_label(),
                    path.display()
                );
                return ExitCode::Usage;
            }
        },
        ScriptText::Stdin => {
            let lines = Box::new(BufReader::new(tokio::io::stdin()));
            run_lines(runner, name, lines, keep_going).await
        }
    };
    if matches!(code, ExitCode::Interrupted | ExitCode::Terminated | ExitCode::HungUp) {
        return code;
    }
    match runner.shell.txn() {
        Some(ops) => {
            let listed: Vec<String> = ops.iter().map(|op| op.describe()).collect();
            let err = ShellError::refused(
                "txn",
                "",
                format!(
                    "the transaction block is still open at the end of {name}, with {} queued operation{} ({}); nothing was applied (end it with txn commit or txn abort)",
                    ops.len(),
                    if ops.len() == 1 { "" } else { "s" },
                    if listed.is_empty() {
                        "none".to_string()
                    } else {
                        listed.join(", ")
                    },
                ),
            );
            runner.report(&err, None);
            if code == ExitCode::Success {
                ExitCode::Refused
            } else {
                code
            }
        }
        None => code,
    }
}

/// Runs every line of `lines`; says whether the script ended with `quit` (Flow::Quit) and the
/// exit code it stands for. `name` names the script when it cannot be read.
pub async fn run_lines(runner: &mut Runner, name: &str, mut lines: Lines, keep_going: bool) -> (Flow, ExitCode) {
    let mut progress = Progress::new(keep_going);
    let mut stop = runner.stop().clone();
    let mut buffer = Vec::new();
    let mut number = 0;
    loop {
        // A signal while waiting for the next line (a pipe) ends the run, as during a line.
        let next = tokio::select! {
            next = next_line(&mut lines, &mut buffer) => next,
            reason = stop.ended() => return (Flow::Quit, reason.exit_code()),
        };
        number += 1;
        match next {
            Ok(Some(line)) => {
                if let Some(stop) = progress.step(runner, number, &line).await {
                    return stop;
                }
            }
            Ok(None) => return progress.finish(),
            Err(why) => {
                let err = ShellError::usage(format!("cannot read {name}: {why}; stopped there"));
                runner.report(&err, Some(number));
                return (Flow::Continue, ExitCode::Usage);
            }
        }
    }
}

/// The next line without its line ending; None at the end. Reads at most `MAX_LINE` bytes of
/// it before refusing.
async fn next_line(lines: &mut Lines, buffer: &mut Vec<u8>) -> Result<Option<String>, String> {
    buffer.clear();
    let limit = u64::try_from(MAX_LINE).unwrap_or(u64::MAX) + 1;
    let read = (&mut *lines).take(limit).read_until(b'\n', buffer).await;
    let n = read.map_err(|e| e.to_string())?;
    if n == 0 {
        return Ok(None);
    }
    if buffer.last() == Some(&b'\n') {
        buffer.pop();
        if buffer.last() == Some(&b'\r') {
            buffer.pop();
        }
    } else if n > MAX_LINE {
        return Err(format!(
            "the line is longer than {} MiB, more than any command can be",
            MAX_LINE >> 20
        ));
    }
    String::from_utf8(std::mem::take(buffer))
        .map(Some)
        .map_err(|_| "the line is not UTF-8 text".to_string())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn lines_end_at_newlines_and_overlong_ones_are_refused() {
        let mut lines: Lines = Box::new(std::io::Cursor::new(b"ls /\r\nget /a\nlast".to_vec()));
        let mut buffer = Vec::new();
        assert_eq!(next_line(&mut lines, &mut buffer).await, Ok(Some("ls /".into())));
        assert_eq!(next_line(&mut lines, &mut buffer).await, Ok(Some("get /a".into())));
        assert_eq!(next_line(&mut lines, &mut buffer).await, Ok(Some("last".into())));
        assert_eq!(next_line(&mut lines, &mut buffer).await, Ok(None));
        // An endless line (a script from /dev/zero): refused after MAX_LINE + 1 bytes.
        let mut zeros: Lines = Box::new(BufReader::new(tokio::io::repeat(0)));
        let refused = next_line(&mut zeros, &mut buffer).await;
        assert!(refused.is_err_and(|why| why.contains("longer than 4 MiB")));
        assert!(buffer.capacity() <= 2 * MAX_LINE, "read no more than the limit");
    }
}
