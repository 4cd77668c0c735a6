//! What the line editor knows of the grammar, read once from the same clap tree that parses
//! the lines: command names and aliases, each command's flags and positional arguments, the
//! syntax hint shown after a command name, and the command a mistyped name most likely meant
//! (for the one-line error every mode prints).

use std::sync::OnceLock;

use clap::CommandFactory;

use crate::cli::ShellLine;

#[derive(Debug, Clone)]
pub struct FlagInfo {
    pub short: Option<char>,
    pub long: Option<String>,
    pub value_name: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// A znode path: completed from the live server.
    Path,
    /// A command name (`help get`).
    Command,
    Other,
}

#[derive(Debug, Clone)]
pub struct PositionalInfo {
    /// Its place on the line.
    pub index: usize,
    pub name: String,
    pub required: bool,
    pub kind: ValueKind,
}

#[derive(Debug, Clone)]
pub struct CommandInfo {
    pub name: String,
    pub aliases: Vec<String>,
    pub flags: Vec<FlagInfo>,
    pub positionals: Vec<PositionalInfo>,
}

#[derive(Debug)]
pub struct GrammarIndex {
    pub commands: Vec<CommandInfo>,
}

impl GrammarIndex {
    pub fn get() -> &'static GrammarIndex {
        static INDEX: OnceLock<GrammarIndex> = OnceLock::new();
        INDEX.get_or_init(GrammarIndex::build)
    }

    fn build() -> GrammarIndex {
        let mut root = ShellLine::command();
        // Built, so that positionals carry their index (declaration order can differ from it).
        root.build();
        let commands = root
            .get_subcommands()
            .filter(|c| !c.is_hide_set())
            .map(|c| {
                let mut flags = Vec::new();
                let mut positionals = Vec::new();
                for arg in c.get_arguments().filter(|a| !a.is_hide_set()) {
                    let id = arg.get_id().as_str();
                    if id == "output" || id == "help" {
                        continue;
                    }
                    if arg.is_positional() {
                        let kind = match id {
                            "path" | "target" => ValueKind::Path,
                            "command" => ValueKind::Command,
                            _ => ValueKind::Other,
                        };
                        positionals.push(PositionalInfo {
                            index: arg.get_index().unwrap_or(usize::MAX),
                            name: id.to_string(),
                            required: arg.is_required_set(),
                            kind,
                        });
                    } else {
                        let takes_value = arg.get_action().takes_values();
                        flags.push(FlagInfo {
                            short: arg.get_short(),
                            long: arg.get_long().map(str::to_string),
                            value_name: takes_value.then(|| {
                                arg.get_value_names()
                                    .and_then(|names| names.first().map(|n| n.to_string()))
                                    .unwrap_or_else(|| id.to_uppercase())
                            }),
                        });
                    }
                }
                positionals.sort_by_key(|p| p.index);
                CommandInfo {
                    name: c.get_name().to_string(),
                    aliases: c.get_visible_aliases().map(str::to_string).collect(),
                    flags,
                    positionals,
                }
            })
            .collect();
        GrammarIndex { commands }
    }

    /// A command by name or alias.
    pub fn find(&self, name: &str) -> Option<&CommandInfo> {
        self.commands
            .iter()
            .find(|c| c.name == name || c.aliases.iter().any(|a| a == name))
    }

    /// The name (or alias) a mistyped command word most likely meant: `gte` -> `get`. Case
    /// is ignored; the longer the word, the more typos it may hold; ties go to the closer
    /// spelling by Jaro-Winkler.
    pub fn nearest(&self, typed: &str) -> Option<&str> {
        let typed = typed.to_lowercase();
        let allowed = (typed.chars().count() / 3).max(1);
        self.names()
            .into_iter()
            .map(|name| {
                let lower = name.to_lowercase();
                (
                    strsim::osa_distance(&typed, &lower),
                    strsim::jaro_winkler(&typed, &lower),
                    name,
                )
            })
            // A one-letter name is always one edit away from any one-letter word.
            .filter(|(distance, _, name)| *distance <= allowed && *distance < name.len())
            .min_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)))
            .map(|(_, _, name)| name)
    }

    /// Every name a command can be typed as, sorted.
    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self
            .commands
            .iter()
            .flat_map(|c| std::iter::once(c.name.as_str()).chain(c.aliases.iter().map(String::as_str)))
            .collect();
        names.sort_unstable();
        names
    }
}

/// The one line to print for a line whose first word is no command (clap's own error adds a
/// usage block that says nothing useful here): `unknown command 'gte' (did you mean 'get'?)`.
/// None for any other parse error.
pub fn unknown_command(err: &clap::Error) -> Option<String> {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if err.kind() != ErrorKind::InvalidSubcommand {
        return None;
    }
    let Some(ContextValue::String(typed)) = err.get(ContextKind::InvalidSubcommand) else {
        return None;
    };
    let advice = match GrammarIndex::get().nearest(typed) {
        Some(name) => format!("did you mean '{name}'?"),
        None => "'help' lists the commands".to_string(),
    };
    Some(format!("unknown command '{typed}' ({advice})"))
}

impl CommandInfo {
    /// The flag a word names (`-s`, `--stat`), if any.
    pub fn flag(&self, word: &str) -> Option<&FlagInfo> {
        if let Some(long) = word.strip_prefix("--") {
            return self.flags.iter().find(|f| f.long.as_deref() == Some(long));
        }
        let mut chars = word.strip_prefix('-')?.chars();
        let (Some(c), None) = (chars.next(), chars.next()) else {
            return None;
        };
        self.flags.iter().find(|f| f.short == Some(c))
    }

    /// Which positional argument the next word would be, given the words already typed.
    pub fn next_positional(&self, args: &[String]) -> Option<&PositionalInfo> {
        self.positionals.get(self.positional_count(args))
    }

    fn positional_count(&self, args: &[String]) -> usize {
        let mut count = 0;
        let mut skip_value = false;
        let mut only_positionals = false;
        for word in args {
            if skip_value {
                skip_value = false;
            } else if !only_positionals && word == "--" {
                only_positionals = true;
            } else if !only_positionals && word.starts_with('-') && word.len() > 1 && self.flag(word).is_some() {
                skip_value = self.flag(word).is_some_and(|f| f.value_name.is_some());
            } else {
                count += 1;
            }
        }
        count
    }

    /// What is left to type, redis-cli style: `[-s] [-w] <path>`, without flags already used
    /// and positionals already given.
    pub fn syntax_hint(&self, args: &[String]) -> String {
        let mut parts = Vec::new();
        for flag in &self.flags {
            let used = args.iter().any(|w| {
                self.flag(w)
                    .is_some_and(|f| f.short == flag.short && f.long == flag.long)
            });
            if used {
                continue;
            }
            let name = match (flag.short, &flag.long) {
                (Some(c), _) => format!("-{c}"),
                (None, Some(long)) => format!("--{long}"),
                (None, None) => continue,
            };
            parts.push(match &flag.value_name {
                Some(value) => format!("[{name} {value}]"),
                None => format!("[{name}]"),
            });
        }
        for p in self.positionals.iter().skip(self.positional_count(args)) {
            parts.push(if p.required {
                format!("<{}>", p.name)
            } else {
                format!("[{}]", p.name)
            });
        }
        parts.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(ws: &[&str]) -> Vec<String> {
        ws.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn knows_commands_flags_and_positionals() {
        let index = GrammarIndex::get();
        assert!(index.names().contains(&"get"));
        assert!(index.names().contains(&"rmr"), "aliases too");
        let get = index.find("get").expect("get");
        assert!(get.flag("-s").is_some());
        assert!(get.flag("--out").is_some_and(|f| f.value_name.is_some()));
        assert_eq!(get.next_positional(&[]).map(|p| p.kind), Some(ValueKind::Path));
        let set = index.find("set").expect("set");
        assert_eq!(
            set.next_positional(&words(&["-v", "3", "/a"])).map(|p| p.name.as_str()),
            Some("data")
        );
        assert_eq!(
            index.find("help").and_then(|h| h.next_positional(&[])).map(|p| p.kind),
            Some(ValueKind::Command)
        );
    }

    #[test]
    fn mistyped_commands_meet_their_nearest_name() {
        let index = GrammarIndex::get();
        assert_eq!(index.nearest("gte"), Some("get"));
        assert_eq!(index.nearest("sett"), Some("set"));
        assert_eq!(index.nearest("GET"), Some("get"));
        assert_eq!(index.nearest("craete"), Some("create"));
        assert_eq!(index.nearest("delte"), Some("delete"));
        assert_eq!(index.nearest("xyzzy"), None);
        assert_eq!(index.nearest("q"), None);
    }

    #[test]
    fn an_unknown_command_is_one_line_with_a_suggestion() {
        use clap::Parser;
        let err = ShellLine::try_parse_from(["gte", "/app"]).expect_err("gte is no command");
        assert_eq!(
            unknown_command(&err).as_deref(),
            Some("unknown command 'gte' (did you mean 'get'?)")
        );
        let err = ShellLine::try_parse_from(["frobnicate"]).expect_err("no command");
        assert_eq!(
            unknown_command(&err).as_deref(),
            Some("unknown command 'frobnicate' ('help' lists the commands)")
        );
        let err = ShellLine::try_parse_from(["get", "--bogus"]).expect_err("no such flag");
        assert_eq!(unknown_command(&err), None);
    }

    #[test]
    fn hints_what_is_left() {
        let get = GrammarIndex::get().find("get").expect("get");
        let hint = get.syntax_hint(&[]);
        assert!(hint.starts_with("[-s] [-w]"), "{hint}");
        assert!(hint.ends_with("<path>"), "{hint}");
        let hint = get.syntax_hint(&words(&["-s"]));
        assert!(!hint.contains("[-s]") && hint.contains("[-w]"), "{hint}");
        assert_eq!(
            get.syntax_hint(&words(&["-s", "-w", "--raw", "/x"])),
            "[-x] [-b] [--out FILE]"
        );
    }
}
