//! `find --exec`: a local command run for each match, one at a time, without a shell; and
//! the count of those that failed, for the end of the run.

use crate::local_command::{RunInput, Tally, run_once};

/// The command line given after `--exec`, and how its runs went.
#[derive(Debug)]
pub struct Exec {
    words: Vec<String>,
    /// Some word holds `{}`: the path goes there, not at the end.
    placeholder: bool,
    tally: Tally,
}

impl Exec {
    pub fn new(words: Vec<String>) -> Exec {
        let placeholder = words.iter().any(|word| word.contains("{}"));
        Exec {
            words,
            placeholder,
            tally: Tally::default(),
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

    /// Runs the command for `path` and waits for it, with an empty stdin. A failure is
    /// counted, not returned: the walk goes on.
    pub async fn run(&mut self, path: &str) {
        let words = self.command_for(path);
        let failure = run_once(&words, RunInput::default()).await;
        self.tally.record(&words, failure.as_deref());
    }

    /// One line on the failures, if there were any: `--exec failed for 2 of 5 matches (first:
    /// 'false /a' exited with status 1)`.
    pub fn summary(&self) -> Option<String> {
        self.tally.summary("match", "matches")
    }
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
