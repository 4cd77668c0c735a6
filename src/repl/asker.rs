//! Questions to the user while a command runs in the REPL (`delete -r`'s confirmation).

use std::sync::Weak;
use std::sync::mpsc::Sender;

use crate::repl::editor::{self, ReadOutcome, Request};

/// Asks the user one question in the REPL while a command runs (`delete -r`'s confirmation):
/// the editor thread, idle while commands run, reads the answer under the question as its
/// prompt. Answers are not command lines: they stay out of the history.
#[derive(Clone)]
pub struct Asker {
    /// Weak: the editor thread ends when the editor goes, whoever still holds an asker.
    requests: Weak<Sender<Request>>,
}

impl Asker {
    pub(super) fn new(requests: Weak<Sender<Request>>) -> Asker {
        Asker { requests }
    }

    /// Whether the user answered yes (`y`, `yes`); anything else, Ctrl-C and Ctrl-D are no.
    pub async fn confirm(&self, question: String) -> bool {
        let Some(requests) = self.requests.upgrade() else {
            return false;
        };
        match editor::request(&requests, question, false).await {
            ReadOutcome::Lines(answer) => answer
                .first()
                .is_some_and(|a| matches!(a.trim().to_ascii_lowercase().as_str(), "y" | "yes")),
            ReadOutcome::Interrupted | ReadOutcome::Eof | ReadOutcome::Failed(_) => false,
        }
    }
}

impl std::fmt::Debug for Asker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Asker")
    }
}
