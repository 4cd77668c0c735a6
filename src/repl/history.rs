//! REPL history: where the file lives (XDG data dir), which lines never go into it (secrets),
//! and the `!!` / `redo N` expansion.

use std::path::PathBuf;

use crate::repl::grammar_index::GrammarIndex;
use crate::repl::words::{Span, spans};

/// Lines kept in the history file.
pub const MAX_ENTRIES: usize = 1000;

/// `$ZKSH_HISTORY`, else `$XDG_DATA_HOME/zksh/history`, else `~/.local/share/zksh/history`.
pub fn history_file() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("ZKSH_HISTORY").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    let data = std::env::var_os("XDG_DATA_HOME")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|p| !p.is_empty())
                .map(|h| PathBuf::from(h).join(".local/share"))
        })?;
    Some(data.join("zksh").join("history"))
}

/// Whether a line carries a secret and must stay out of the history: any `addauth`, any word
/// that looks like a password option, and a mistyped command (`adauth digest eve:secret`) with
/// a `user:password` word after `digest`.
pub fn carries_secret(line: &str) -> bool {
    let words = spans(line);
    let password_option = words.iter().any(|w| {
        let word = w.text.to_ascii_lowercase();
        (w.is_command && matches!(word.as_str(), "addauth" | "add-auth"))
            || word.starts_with("--pass")
            || word.starts_with("--password")
            || word.contains("password=")
    });
    password_option || mistyped_digest_auth(&words)
}

/// `digest` then `user:password` in a command whose name is not a known command: the typo
/// fails to run, but the credentials were typed all the same.
fn mistyped_digest_auth(words: &[Span]) -> bool {
    let mut unknown_command = false;
    let mut after_digest = false;
    for w in words {
        if w.is_command {
            unknown_command = GrammarIndex::get().find(&w.text).is_none();
            after_digest = false;
        } else if unknown_command && w.text.eq_ignore_ascii_case("digest") {
            after_digest = true;
        } else if after_digest
            && w.text
                .split_once(':')
                .is_some_and(|(user, pass)| !user.is_empty() && !pass.is_empty())
        {
            return true;
        }
    }
    false
}

/// What a typed line stands for: `!!` is the last line, `redo N` line N (1-based, as
/// `history` numbers them), followed through lines that are themselves `!!` or `redo`.
/// Err when the reference does not exist or goes round in a circle.
pub fn expand(line: &str, history: &[String]) -> Result<Option<String>, String> {
    let mut current = line.to_string();
    let mut expanded = false;
    for _ in 0..16 {
        match expand_once(&current, history)? {
            Some(next) => {
                current = next;
                expanded = true;
            }
            None => return Ok(expanded.then_some(current)),
        }
    }
    Err("redo: the history lines refer to each other in a circle".into())
}

fn expand_once(line: &str, history: &[String]) -> Result<Option<String>, String> {
    let trimmed = line.trim();
    if trimmed == "!!" {
        return history
            .last()
            .cloned()
            .map(Some)
            .ok_or_else(|| "!!: the history is empty".to_string());
    }
    let words = spans(trimmed);
    if words.first().is_some_and(|w| w.is_command && w.text == "redo") {
        let Some(n) = words.get(1) else {
            return Err("redo: give a history number (see `history`)".into());
        };
        let n: usize = n
            .text
            .parse()
            .map_err(|_| format!("redo: '{}' is not a history number", n.text))?;
        return match n.checked_sub(1).and_then(|i| history.get(i)) {
            Some(line) => Ok(Some(line.clone())),
            None => Err(format!("redo: no history entry {n} (there are {})", history.len())),
        };
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_stay_out() {
        assert!(carries_secret("addauth digest u:p"));
        assert!(carries_secret("ls /; addauth digest u:p"));
        assert!(carries_secret("connect --password hunter2"));
        assert!(!carries_secret("get /addauth"));
        assert!(!carries_secret("ls /"));
        // A mistyped addauth: unknown command, `digest`, then user:password.
        assert!(carries_secret("adauth digest eve:secret"));
        assert!(carries_secret("addath -v DIGEST eve:secret"));
        assert!(carries_secret("ls /; auth digest eve:secret"));
        assert!(!carries_secret("adauth digest eve"), "no password in it");
        // Known commands keep their lines (their own secrets are handled above).
        assert!(!carries_secret("get /digest/a:b"));
        assert!(!carries_secret("create /x digest a:b"));
        assert!(!carries_secret("getAcl /digest"));
    }

    #[test]
    fn bang_bang_and_redo() {
        let h = vec!["ls /".to_string(), "get /a".to_string()];
        assert_eq!(expand("!!", &h), Ok(Some("get /a".into())));
        assert_eq!(expand("redo 1", &h), Ok(Some("ls /".into())));
        assert_eq!(expand("get /b", &h), Ok(None));
        assert!(expand("redo 9", &h).is_err());
        assert!(expand("redo x", &h).is_err());
        assert!(expand("!!", &[]).is_err());
        let h = vec!["ls /".to_string(), "redo 1".to_string(), "redo 3".to_string()];
        assert_eq!(expand("redo 2", &h), Ok(Some("ls /".into())), "followed through a redo");
        assert!(expand("redo 3", &h).is_err(), "a circle");
    }
}
