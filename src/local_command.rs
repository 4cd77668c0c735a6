//! Local commands run for each item of a command's work (`find --exec`, `watch --exec`):
//! started without a shell, one at a time and waited for; a failure is put in words and
//! counted, not returned, so the work goes on.

use std::process::{ExitStatus, Stdio};

use tokio::io::AsyncWriteExt;

/// What one run is given besides its words: environment variables and bytes on stdin (an
/// empty stdin when None: ours may be the script being run).
#[derive(Debug, Default)]
pub struct RunInput {
    pub envs: Vec<(&'static str, String)>,
    pub stdin: Option<Vec<u8>>,
}

/// Runs `words` (program, then arguments) and waits for it; None when it succeeded, else
/// what went wrong: `exited with status 3`, `could not start: No such file or directory`.
/// Its stdout and stderr are ours. Dropping the future kills it (Ctrl-C, a time limit).
pub async fn run_once(words: &[String], input: RunInput) -> Option<String> {
    let (program, args) = words.split_first()?;
    let mut command = tokio::process::Command::new(program);
    command
        .args(args)
        .envs(input.envs.iter().map(|(key, value)| (key, value)))
        .stdin(if input.stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .kill_on_drop(true);
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(err) => {
            // `No such file or directory (os error 2)`: the words say it all.
            let why = err.to_string();
            let why = why.split(" (os error").next().unwrap_or_default().to_string();
            return Some(format!("could not start: {why}"));
        }
    };
    if let (Some(data), Some(mut pipe)) = (input.stdin, child.stdin.take()) {
        // Written beside the wait: a command that reads nothing (or stops reading) must not
        // block us, and one that exits early only closes the pipe (ignored).
        tokio::spawn(async move {
            pipe.write_all(&data).await.ok();
        });
    }
    match child.wait().await {
        Ok(status) if status.success() => None,
        Ok(status) => Some(describe_status(status)),
        Err(err) => Some(format!("could not be waited for: {err}")),
    }
}

/// Whether `program` can be started: a path to an executable file, or a name found in one
/// of `$PATH`'s directories, as the process spawn will look for it.
pub fn can_start(program: &str) -> bool {
    use std::os::unix::fs::PermissionsExt;
    let executable = |path: &std::path::Path| {
        path.metadata()
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    if program.contains('/') {
        return executable(std::path::Path::new(program));
    }
    let Some(paths) = std::env::var_os("PATH") else {
        return false;
    };
    !program.is_empty() && std::env::split_paths(&paths).any(|dir| executable(&dir.join(program)))
}

/// How many runs failed, and the first failure, for the summary at the end.
#[derive(Debug, Default)]
pub struct Tally {
    ran: usize,
    failed: usize,
    first_failure: Option<String>,
}

impl Tally {
    /// Counts one run of `words` that ended with `failure` (None: it succeeded).
    pub fn record(&mut self, words: &[String], failure: Option<&str>) {
        self.ran += 1;
        if let Some(failure) = failure {
            self.failed += 1;
            self.first_failure
                .get_or_insert_with(|| format!("{} {failure}", shell_words(words)));
        }
    }

    /// One line on the failures, if there were any: `--exec failed for 2 of 5 matches
    /// (first: 'false /a' exited with status 1)`; `item` names what a run was for.
    pub fn summary(&self, item: &str, items: &str) -> Option<String> {
        let first = self.first_failure.as_ref()?;
        let what = if self.ran == 1 { item } else { items };
        Some(format!(
            "--exec failed for {} of {} {what} (first: {first})",
            self.failed, self.ran
        ))
    }
}

fn describe_status(status: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exited with status {code}"),
        (None, Some(signal)) => format!("was killed by signal {signal}"),
        (None, None) => "failed".to_string(),
    }
}

/// The command line as a shell user would type it: words with spaces or quotes in quotes.
pub fn shell_words(words: &[String]) -> String {
    let quoted: Vec<String> = words
        .iter()
        .map(|word| {
            if !word.is_empty()
                && word
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "/._-=:,+@%{}".contains(c))
            {
                word.clone()
            } else {
                format!("'{}'", word.replace('\'', r"'\''"))
            }
        })
        .collect();
    format!("`{}`", quoted.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(list: &[&str]) -> Vec<String> {
        list.iter().map(|w| w.to_string()).collect()
    }

    #[tokio::test]
    async fn a_run_gets_its_environment_and_stdin() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("out");
        let script = format!("printf '%s:' \"$ZKSH_TEST\" > {0}; cat >> {0}", out.display());
        let input = RunInput {
            envs: vec![("ZKSH_TEST", "value".to_string())],
            stdin: Some(b"data in".to_vec()),
        };
        assert_eq!(run_once(&words(&["sh", "-c", &script]), input).await, None);
        assert_eq!(std::fs::read_to_string(&out).expect("written"), "value:data in");
        let failed = run_once(&words(&["sh", "-c", "exit 4"]), RunInput::default()).await;
        assert_eq!(failed.as_deref(), Some("exited with status 4"));
        // A command that does not read its stdin is no failure.
        assert_eq!(
            run_once(
                &words(&["true"]),
                RunInput {
                    stdin: Some(vec![b'x'; 1 << 20]),
                    ..RunInput::default()
                }
            )
            .await,
            None
        );
    }

    #[test]
    fn programs_are_looked_up_as_spawn_does() {
        assert!(can_start("sh"));
        assert!(can_start("/bin/sh"));
        assert!(!can_start("zksh-no-such-program"));
        assert!(!can_start("/nonexistent/zksh-test-program"));
        assert!(!can_start("/tmp"), "a directory");
        assert!(!can_start(""));
    }
}
