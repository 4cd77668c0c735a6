//! The rustyline helper: completion of commands, flags and live znode paths; redis-cli style
//! syntax hints; highlighting of the line being typed. Each role delegates to a small piece
//! (words, grammar_index, path_cache) so the logic stays testable without a terminal.

use std::borrow::Cow;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use colored::Colorize;
use rustyline::completion::{Completer, Pair};
use rustyline::highlight::{CmdKind, Highlighter};
use rustyline::hint::Hinter;
use rustyline::validate::Validator;
use rustyline::{Context, Helper};

use crate::path::resolve_path;
use crate::repl::grammar_index::{CommandInfo, GrammarIndex, ValueKind};
use crate::repl::path_cache::PathCache;
use crate::repl::shown::Shown;
use crate::repl::words::{spans, word_at};
use crate::tree::glob::is_glob;

/// How long Tab may wait for the server before completing from what the cache has.
const TAB_WAIT: Duration = Duration::from_millis(100);

pub struct ShellHelper {
    cache: PathCache,
    /// The current node, updated by the REPL loop before each prompt.
    cwd: Arc<Mutex<String>>,
    color: bool,
    /// The line as rustyline last showed it, so that a read stopped to redraw the prompt can
    /// start again with the same text and cursor.
    shown: Shown,
}

impl ShellHelper {
    pub fn new(cache: PathCache, cwd: Arc<Mutex<String>>, color: bool, shown: Shown) -> ShellHelper {
        ShellHelper {
            cache,
            cwd,
            color,
            shown,
        }
    }

    fn cwd(&self) -> String {
        self.cwd
            .lock()
            .map(|c| c.clone())
            .unwrap_or_else(|poisoned| poisoned.into_inner().clone())
    }

    /// Completions for the word at `pos`: (where the word starts, candidates).
    pub fn candidates(&self, line: &str, pos: usize) -> (usize, Vec<Pair>) {
        let index = GrammarIndex::get();
        let word = word_at(line, pos);
        let Some(command) = &word.command else {
            return (word.start, complete_command(&word.prefix));
        };
        let Some(info) = index.find(command) else {
            return (pos, Vec::new());
        };
        if word.prefix.starts_with('-') {
            return (word.start, complete_flag(info, &word.prefix));
        }
        let kind = info.next_positional(&word.args).map(|p| p.kind);
        match kind {
            Some(ValueKind::Path) => (word.start, self.complete_path(&word.prefix, &line[pos..])),
            Some(ValueKind::Command) => (word.start, complete_command(&word.prefix)),
            _ if word.prefix.starts_with('/') => (word.start, self.complete_path(&word.prefix, &line[pos..])),
            _ => (pos, Vec::new()),
        }
    }

    /// Children of the typed parent that extend `prefix`; `rest` is the line after the cursor.
    fn complete_path(&self, prefix: &str, rest: &str) -> Vec<Pair> {
        // A glob (`/services/*/con`) names many nodes or none: nothing to extend, and no
        // listing to ask for by its text.
        if is_glob(prefix) {
            return Vec::new();
        }
        let (dir, name) = match prefix.rfind('/') {
            Some(i) => (&prefix[..=i], &prefix[i + 1..]),
            None => ("", prefix),
        };
        let dir_to_resolve = match dir {
            "" => ".",
            "/" => "/",
            d => d.trim_end_matches('/'),
        };
        let Ok(parent) = resolve_path(&self.cwd(), dir_to_resolve) else {
            return Vec::new();
        };
        let Some(children) = self.cache.children(&parent, TAB_WAIT) else {
            return Vec::new();
        };
        let mut pairs: Vec<Pair> = children
            .into_iter()
            .filter(|c| c.starts_with(name))
            .map(|c| Pair {
                replacement: format!("{dir}{c}"),
                display: c,
            })
            .collect();
        // A lone match is typed out whole: `/` after a node with children so that Tab goes on
        // down the tree, a space after a leaf (unless one follows already, mid-line). Its
        // listing also warms the cache for that next Tab. Unknown in time: neither.
        if let [only] = pairs.as_mut_slice() {
            let path = if parent == "/" {
                format!("/{}", only.display)
            } else {
                format!("{parent}/{}", only.display)
            };
            match self.cache.children(&path, TAB_WAIT) {
                Some(grandchildren) if !grandchildren.is_empty() => only.replacement.push('/'),
                Some(_) if !rest.starts_with(char::is_whitespace) => only.replacement.push(' '),
                Some(_) => {}
                None => {}
            }
        }
        pairs
    }

    /// The syntax still to type after a complete command name, if the cursor is at the end.
    pub fn syntax_hint(&self, line: &str, pos: usize) -> Option<String> {
        if pos < line.len() {
            return None;
        }
        let word = word_at(line, pos);
        let index = GrammarIndex::get();
        let (info, args, lead) = match &word.command {
            // `get|`: the name is complete; hint after a space.
            None => (index.find(&word.prefix)?, Vec::new(), " "),
            Some(command) if word.prefix.is_empty() => (index.find(command)?, word.args.clone(), ""),
            Some(_) => return None,
        };
        let hint = info.syntax_hint(&args);
        (!hint.is_empty()).then(|| format!("{lead}{hint}"))
    }

    fn highlight_line(&self, line: &str) -> String {
        let index = GrammarIndex::get();
        let cwd = self.cwd();
        let mut out = String::with_capacity(line.len() * 2);
        let mut copied = 0;
        for span in spans(line) {
            out.push_str(&line[copied..span.start]);
            let raw = &line[span.start..span.end];
            let painted = if span.open_quote {
                raw.red().to_string()
            } else if span.is_command {
                if index.find(&span.text).is_some() {
                    raw.green().bold().to_string()
                } else {
                    raw.red().to_string()
                }
            } else if span.text.starts_with('-')
                && span.text.len() > 1
                && !span.text[1..].starts_with(|c: char| c.is_ascii_digit())
            {
                raw.cyan().to_string()
            } else if span.text.starts_with('/') && !is_glob(&span.text) {
                match resolve_path(&cwd, &span.text).ok().and_then(|p| self.cache.known(&p)) {
                    Some(true) => raw.blue().to_string(),
                    Some(false) => raw.yellow().to_string(),
                    None => raw.to_string(),
                }
            } else {
                raw.to_string()
            };
            out.push_str(&painted);
            copied = span.end;
        }
        out.push_str(&line[copied.min(line.len())..]);
        out
    }
}

/// Command names that start with `prefix`. An alias is offered only when its command's name
/// does not match too: Tab on an empty word lists each command once, by its name (`get`, not
/// also `cat`), while `ca` still completes to `cat`.
fn complete_command(prefix: &str) -> Vec<Pair> {
    let index = GrammarIndex::get();
    index
        .names()
        .into_iter()
        .filter(|n| n.starts_with(prefix))
        .filter(|n| {
            index
                .find(n)
                .is_none_or(|c| c.name == *n || !c.name.starts_with(prefix))
        })
        .map(|n| Pair {
            display: n.to_string(),
            replacement: format!("{n} "),
        })
        .collect()
}

fn complete_flag(info: &CommandInfo, prefix: &str) -> Vec<Pair> {
    let mut out = Vec::new();
    for flag in &info.flags {
        let names = flag
            .long
            .iter()
            .map(|l| format!("--{l}"))
            .chain(flag.short.map(|c| format!("-{c}")));
        for name in names.filter(|n| n.starts_with(prefix)) {
            out.push(Pair {
                display: name.clone(),
                replacement: format!("{name} "),
            });
        }
    }
    out.sort_by(|a, b| a.display.cmp(&b.display));
    out
}

impl Completer for ShellHelper {
    type Candidate = Pair;

    fn complete(&self, line: &str, pos: usize, _ctx: &Context<'_>) -> rustyline::Result<(usize, Vec<Pair>)> {
        Ok(self.candidates(line, pos))
    }
}

impl Hinter for ShellHelper {
    type Hint = String;

    fn hint(&self, line: &str, pos: usize, _ctx: &Context<'_>) -> Option<String> {
        self.shown.record(line, pos);
        self.syntax_hint(line, pos)
    }
}

impl Highlighter for ShellHelper {
    fn highlight<'l>(&self, line: &'l str, pos: usize) -> Cow<'l, str> {
        self.shown.record(line, pos);
        if !self.color {
            return Cow::Borrowed(line);
        }
        Cow::Owned(self.highlight_line(line))
    }

    fn highlight_hint<'h>(&self, hint: &'h str) -> Cow<'h, str> {
        if !self.color {
            return Cow::Borrowed(hint);
        }
        Cow::Owned(hint.bright_black().to_string())
    }

    fn highlight_char(&self, line: &str, pos: usize, _kind: CmdKind) -> bool {
        // Called on every cursor move, which may redraw nothing else.
        self.shown.record(line, pos);
        self.color
    }
}

impl Validator for ShellHelper {}

impl Helper for ShellHelper {}

#[cfg(test)]
mod tests {
    use super::*;

    fn helper() -> ShellHelper {
        // A cache with no fetcher: paths complete to nothing, commands and flags still work.
        let (requests, _) = tokio::sync::mpsc::unbounded_channel();
        let cache = PathCache::detached(requests);
        ShellHelper::new(cache, Arc::new(Mutex::new("/".into())), false, Shown::default())
    }

    fn replacements(h: &ShellHelper, line: &str) -> Vec<String> {
        h.candidates(line, line.len())
            .1
            .into_iter()
            .map(|p| p.replacement)
            .collect()
    }

    #[test]
    fn completes_commands_and_flags() {
        let h = helper();
        assert_eq!(
            replacements(&h, "ge"),
            vec!["get ", "getAcl ", "getAllChildrenNumber ", "getEphemerals "]
        );
        assert!(replacements(&h, "ls /; cr").contains(&"create ".to_string()));
        assert_eq!(replacements(&h, "help dele"), vec!["delete ", "deleteall "]);
        // Names, not aliases, on an empty word; an alias when only it matches.
        let all = replacements(&h, "");
        assert!(all.contains(&"get ".to_string()) && all.contains(&"addauth ".to_string()));
        assert!(!all.contains(&"cat ".to_string()) && !all.contains(&"add-auth ".to_string()));
        assert_eq!(replacements(&h, "ca"), vec!["cat "]);
        assert_eq!(replacements(&h, "exi"), vec!["exists ", "exit "]);
        let flags = replacements(&h, "get --r");
        assert_eq!(flags, vec!["--raw "]);
        assert!(replacements(&h, "create -").contains(&"-e ".to_string()));
    }

    #[test]
    fn globs_complete_to_nothing_and_ask_the_server_nothing() {
        let (requests, mut asked) = tokio::sync::mpsc::unbounded_channel();
        let h = ShellHelper::new(
            PathCache::detached(requests),
            Arc::new(Mutex::new("/".into())),
            true,
            Shown::default(),
        );
        for line in ["get /services/*/con", "ls /a/**/", "stat /a/[b-", "get *", "ls /a\\*"] {
            assert!(replacements(&h, line).is_empty(), "{line}");
        }
        assert!(asked.try_recv().is_err(), "no listing asked for a glob");
        // Highlighting a glob keeps it as typed.
        let painted = h.highlight_line("get /services/*/config");
        assert!(painted.contains("/services/*/config"), "{painted}");
    }

    #[test]
    fn hints_syntax_after_a_command() {
        let h = helper();
        assert_eq!(
            h.syntax_hint("get", 3).as_deref().map(|s| s.starts_with(" [-s]")),
            Some(true)
        );
        assert!(h.syntax_hint("get ", 4).is_some_and(|s| s.ends_with("<path>")));
        assert_eq!(h.syntax_hint("get /x", 6), None);
        assert_eq!(h.syntax_hint("nonsense ", 9), None);
    }
}
