//! `find --exec`: a local command run for each match, one at a time, without a shell; and
//! the count of those that failed, for the end of the run.

use std::process::{ExitStatus, Stdio};

/// The command line given after `--exec`, and how its runs went.
#[derive(Debug)]
pub struct Exec {
    words: Vec<String>,
    /// Some word holds `{}`: the path goes there, not at the end.
    placeholder: bool,
    ran: usize,
    failed: usize,
    /// The first failure, named in the summary.
    first_failure: Option<String>,
}

impl Exec {
    pub fn new(words: Vec<String>) -> Exec {
        let placeholder = words.iter().any(|word| word.contains("{}"));
        Exec {
            words,
            placeholder,
            ran: 0,
            failed: 0,
            first_failure: None,
        }
    }

    /// The command line for one path: `{}` in any word replaced by it, or it appended.
    pub fn command_for(&self, path: &str) -> Vec<String> {
        let mut words: Vec<String> = self.words.iter().map(|word| word.replace("{}", path)).collect();
        if !self.placeholder {
            words.push(path.to_string());
        }
        words
    }

    /// Runs the command for `path` and waits for it. Its stdout and stderr are ours; its stdin
    /// is empty (ours may be the script being run). A failure is counted, not returned: the
    /// walk goes on.
    pub async fn run(&mut self, path: &str) {
        let words = self.command_for(path);
        self.ran += 1;
        let Some((program, args)) = words.split_first() else {
            return;
        };
        let status = tokio::process::Command::new(program)
            .args(args)
            .stdin(Stdio::null())
            // Ctrl-C drops the walk and this future with it: the command must not outlive it.
            .kill_on_drop(true)
            .status()
            .await;
        let failure = match status {
            Ok(status) if status.success() => return,
            Ok(status) => describe_status(status),
            Err(err) => {
                // `No such file or directory (os error 2)`: the words say it all.
                let why = err.to_string();
                let why = why.split(" (os error").next().unwrap_or_default().to_string();
                format!("could not start: {why}")
            }
        };
        self.failed += 1;
        self.first_failure
            .get_or_insert_with(|| format!("{} {failure}", shell_words(&words)));
    }

    /// One line on the failures, if there were any: `--exec failed for 2 of 5 matches (first:
    /// 'false /a' exited with status 1)`.
    pub fn summary(&self) -> Option<String> {
        let first = self.first_failure.as_ref()?;
        let matches = if self.ran == 1 { "match" } else { "matches" };
        Some(format!(
            "--exec failed for {} of {} {matches} (first: {first})",
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
fn shell_words(words: &[String]) -> String {
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

    #[test]
    fn the_path_replaces_braces_or_comes_last() {
        let exec = Exec::new(words(&["sh", "-c", "echo got {} and {}"]));
        assert_eq!(exec.command_for("/a/b"), words(&["sh", "-c", "echo got /a/b and /a/b"]));
        let exec = Exec::new(words(&["echo", "found"]));
        assert_eq!(exec.command_for("/a"), words(&["echo", "found", "/a"]));
    }

    #[tokio::test]
    async fn failures_are_counted_and_the_first_one_named() {
        let mut exec = Exec::new(words(&["sh", "-c", "exit 3", "{}"]));
        assert_eq!(exec.summary(), None);
        exec.run("/a").await;
        exec.run("/b c").await;
        assert_eq!(
            exec.summary().as_deref(),
            Some("--exec failed for 2 of 2 matches (first: `sh -c 'exit 3' /a` exited with status 3)")
        );
        let mut missing = Exec::new(words(&["/nonexistent/zksh-test-program"]));
        missing.run("/a").await;
        let summary = missing.summary().unwrap_or_default();
        assert!(
            summary.starts_with(
                "--exec failed for 1 of 1 match (first: `/nonexistent/zksh-test-program /a` could not start: "
            ),
            "{summary}"
        );
        let mut fine = Exec::new(words(&["true"]));
        fine.run("/a").await;
        assert_eq!(fine.summary(), None);
    }
}
