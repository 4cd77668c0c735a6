//! Shell completion through clap_complete's dynamic engine: the registration scripts that
//! `zksh completions` prints, and the live znode path completer those scripts call back into.
//!
//! The scripts run `ZKSH_COMPLETE=<shell> zksh -- <words of the line>`; `main` hands that
//! call to clap_complete before anything else, which walks the same clap tree as argv
//! parsing (commands, flags, values) and calls [`znode_paths`] for path arguments. zksh's own
//! adapters stand between the shells and that engine: they write the scripts (bash's glues
//! back words that COMP_WORDBREAKS split) and tidy the candidates (names, not aliases).

mod paths;

pub use paths::{path_completer, znode_paths};

use std::ffi::OsString;
use std::io::Write;

use clap::{CommandFactory, ValueEnum};
use clap_complete::env::{self, EnvCompleter, Shells};
use clap_complete::{CompleteEnv, CompletionCandidate};

use crate::cli::Cli;

/// The variable that turns a zksh run into a completion request. Not clap's generic
/// `COMPLETE`: a variable that common would turn unrelated runs into silent no-ops.
pub const ENV_VAR: &str = "ZKSH_COMPLETE";

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

impl Shell {
    pub fn name(self) -> &'static str {
        match self {
            Shell::Bash => "bash",
            Shell::Zsh => "zsh",
            Shell::Fish => "fish",
        }
    }
}

/// Answers a completion request and exits when `ZKSH_COMPLETE` is set; returns otherwise.
/// Must run before anything writes to stdout.
pub fn complete_if_requested() {
    const SHELLS: Shells<'static> = Shells(&[&Adapter(Shell::Bash), &Adapter(Shell::Zsh), &Adapter(Shell::Fish)]);
    CompleteEnv::with_factory(Cli::command)
        .var(ENV_VAR)
        .shells(SHELLS)
        .complete();
}

/// The registration script for `shell`. It calls `zksh` from PATH, so the same text works
/// wherever zksh is installed (and can be checked in).
pub fn script(shell: Shell) -> String {
    let mut buf = Vec::new();
    // Writing into a Vec cannot fail.
    Adapter(shell)
        .write_registration(ENV_VAR, "zksh", "zksh", "zksh", &mut buf)
        .ok();
    String::from_utf8_lossy(&buf).into_owned()
}

/// clap_complete's shell adapters, with what a person at a prompt expects on top: bash words
/// that survive COMP_WORDBREAKS, command names rather than aliases, no flags on an empty word.
/// The protocol between script and binary (the `_CLAP_*` variables) stays clap_complete's.
struct Adapter(Shell);

impl Adapter {
    fn inner(&self) -> &'static dyn EnvCompleter {
        match self.0 {
            Shell::Bash => &env::Bash,
            Shell::Zsh => &env::Zsh,
            Shell::Fish => &env::Fish,
        }
    }
}

impl EnvCompleter for Adapter {
    fn name(&self) -> &'static str {
        self.0.name()
    }

    fn is(&self, name: &str) -> bool {
        name == self.0.name()
    }

    fn write_registration(
        &self,
        var: &str,
        name: &str,
        bin: &str,
        completer: &str,
        buf: &mut dyn Write,
    ) -> std::io::Result<()> {
        match self.0 {
            Shell::Bash => write!(buf, "{}", bash_script(var, bin, completer)),
            Shell::Zsh => {
                self.inner().write_registration(var, name, bin, completer, buf)?;
                // Autoloaded from fpath as `_zksh`, the file body runs on the first TAB:
                // complete then too, not only from the second TAB on. Sourced, it only
                // registers.
                writeln!(buf, "if [[ ${{zsh_eval_context[-1]}} == loadautofunc ]]; then")?;
                writeln!(buf, "    _clap_dynamic_completer_zksh \"$@\"")?;
                writeln!(buf, "fi")
            }
            Shell::Fish => self.inner().write_registration(var, name, bin, completer, buf),
        }
    }

    fn write_complete(
        &self,
        cmd: &mut clap::Command,
        mut args: Vec<OsString>,
        current_dir: Option<&std::path::Path>,
        buf: &mut dyn Write,
    ) -> std::io::Result<()> {
        let var = |name: &str| std::env::var(name).ok();
        let index = match self.0 {
            Shell::Fish => args.len().saturating_sub(1),
            Shell::Bash | Shell::Zsh => var("_CLAP_COMPLETE_INDEX")
                .and_then(|i| i.parse().ok())
                .unwrap_or_default(),
        };
        // zsh leaves an empty word under the cursor out of `$words`.
        if args.len() == index {
            args.push(OsString::new());
        }
        let typed = args
            .get(index)
            .map(|w| w.to_string_lossy().into_owned())
            .unwrap_or_default();
        let candidates = clap_complete::engine::complete(cmd, args, index, current_dir)?;
        let candidates = refine(cmd, candidates, &typed);
        let ifs = var("_CLAP_IFS").unwrap_or_else(|| "\n".to_string());
        let help = |c: &CompletionCandidate| {
            c.get_help()
                .and_then(|h| h.to_string().lines().next().map(str::to_string))
        };
        for (i, candidate) in candidates.iter().enumerate() {
            let value = candidate.get_value().to_string_lossy();
            match self.0 {
                Shell::Bash => {
                    if i > 0 {
                        write!(buf, "{ifs}")?;
                    }
                    write!(buf, "{value}")?;
                }
                Shell::Zsh => {
                    if i > 0 {
                        write!(buf, "{ifs}")?;
                    }
                    // `_describe` reads `value:description`.
                    write!(buf, "{}", value.replace('\\', "\\\\").replace(':', "\\:"))?;
                    if let Some(help) = help(candidate) {
                        write!(buf, ":{}", help.replace('\\', "\\\\"))?;
                    }
                }
                Shell::Fish => {
                    write!(buf, "{value}")?;
                    if let Some(help) = help(candidate) {
                        write!(buf, "\t{help}")?;
                    }
                    writeln!(buf)?;
                }
            }
        }
        Ok(())
    }
}

/// Makes the engine's candidates fit for a prompt, given the word typed so far:
/// - a command offers its name. The engine keeps one spelling per command and picks the
///   alphabetically first (`cat` for `get`, `exit` for `quit`); an alias stays only when the
///   typed word leads to it and not to the name (`ca` -> `cat`).
/// - an empty word offers no flags: they all start with `--`, so bash would type that much on
///   TAB after a complete path. Typing `-` lists them.
fn refine(cmd: &clap::Command, candidates: Vec<CompletionCandidate>, typed: &str) -> Vec<CompletionCandidate> {
    candidates
        .into_iter()
        .filter(|c| !(typed.is_empty() && c.get_value().to_string_lossy().starts_with('-')))
        .map(|c| {
            let name = c
                .get_id()
                .and_then(|id| id.strip_prefix("command::"))
                .and_then(|name| cmd.find_subcommand(name))
                .map(|sub| sub.get_name().to_string());
            match name {
                Some(name) if name.starts_with(typed) && c.get_value() != name.as_str() => {
                    CompletionCandidate::new(name)
                        .help(c.get_help().cloned())
                        .id(c.get_id().cloned())
                        .tag(c.get_tag().cloned())
                        .display_order(c.get_display_order())
                        .hide(c.is_hide_set())
                }
                _ => c,
            }
        })
        .collect()
}

/// The bash registration. bash splits the line into words at the characters of
/// COMP_WORDBREAKS too, so `-s 127.0.0.1:2181` reaches a completion function as `127.0.0.1`,
/// `:`, `2181`, and zksh would no longer see which server the line names. The script glues
/// pieces with no blank between them back into the words zksh parses (reading COMP_LINE), cuts
/// the word under the cursor at the cursor, and strips from each candidate what lies before
/// the last break character: bash replaces only the text after it (`$2`). A candidate ending in
/// `/` (a znode with children) gets no space after it, so TAB can go on down the tree.
fn bash_script(var: &str, bin: &str, completer: &str) -> String {
    r#"
_clap_complete_zksh() {
    local IFS=$'\013'
    local _CLAP_COMPLETE_COMP_TYPE=${COMP_TYPE}
    if compopt +o nospace 2> /dev/null; then
        local _CLAP_COMPLETE_SPACE=false
    else
        local _CLAP_COMPLETE_SPACE=true
    fi
    local line=$COMP_LINE piece blanks i pos=0 start=0
    local -a words=()
    for (( i = 0; i <= COMP_CWORD; i++ )); do
        piece=${COMP_WORDS[i]}
        blanks=${line:pos}
        blanks=${blanks%%[![:blank:]]*}
        (( pos += ${#blanks} ))
        if [[ "${line:pos:${#piece}}" != "$piece" ]]; then
            # The line and bash's words disagree: take the words as bash split them.
            words=("${COMP_WORDS[@]:0:COMP_CWORD}" "$2")
            start=-1
            break
        fi
        if (( i == 0 )) || [[ -n $blanks ]]; then
            words+=("$piece")
            start=$pos
        else
            words[${#words[@]}-1]+=$piece
        fi
        (( pos += ${#piece} ))
    done
    local cur=$2
    if (( start >= 0 )); then
        cur=${line:start:COMP_POINT-start}
        words[${#words[@]}-1]=$cur
    fi
    local lead=""
    if [[ "$cur" == *"$2" ]]; then
        lead=${cur%"$2"}
    fi
    COMPREPLY=( $( \
        _CLAP_IFS="$IFS" \
        _CLAP_COMPLETE_INDEX="$(( ${#words[@]} - 1 ))" \
        _CLAP_COMPLETE_COMP_TYPE="$_CLAP_COMPLETE_COMP_TYPE" \
        _CLAP_COMPLETE_SPACE="$_CLAP_COMPLETE_SPACE" \
        VAR="bash" \
        "COMPLETER" -- "${words[@]}" \
    ) )
    if [[ $? != 0 ]]; then
        unset COMPREPLY
        return
    fi
    if [[ -n $lead ]]; then
        COMPREPLY=( "${COMPREPLY[@]#"$lead"}" )
    fi
    if [[ $_CLAP_COMPLETE_SPACE == false ]] && [[ "${COMPREPLY-}" =~ [=/:]$ ]]; then
        compopt -o nospace
    fi
}
if [[ "${BASH_VERSINFO[0]}" -eq 4 && "${BASH_VERSINFO[1]}" -ge 4 || "${BASH_VERSINFO[0]}" -gt 4 ]]; then
    complete -o nospace -o bashdefault -o nosort -F _clap_complete_zksh BIN
else
    complete -o nospace -o bashdefault -F _clap_complete_zksh BIN
fi
"#
    .replace("VAR", var)
    .replace("COMPLETER", completer)
    .replace("BIN", bin)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shell_has_a_script_that_calls_back_into_zksh() {
        for shell in Shell::value_variants() {
            let text = script(*shell);
            assert!(text.contains(ENV_VAR), "{shell:?}");
            assert!(text.contains("zksh"), "{shell:?}");
        }
    }

    /// What the binary answers for `words` with the cursor at the end of the last one.
    fn offered(words: &[&str]) -> Vec<String> {
        let mut cmd = Cli::command();
        let args: Vec<OsString> = words.iter().map(OsString::from).collect();
        let typed = words.last().copied().unwrap_or_default();
        let candidates = clap_complete::engine::complete(&mut cmd, args, words.len() - 1, None).unwrap_or_default();
        refine(&cmd, candidates, typed)
            .iter()
            .map(|c| c.get_value().to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn an_empty_word_offers_command_names_and_no_flags() {
        let all = offered(&["zksh", ""]);
        for name in ["get", "ls", "addauth", "quit", "addWatch"] {
            assert!(all.iter().any(|c| c == name), "{name} missing from {all:?}");
        }
        for alias in ["cat", "dir", "add-auth", "exit", "add-watch"] {
            assert!(!all.iter().any(|c| c == alias), "{alias} offered: {all:?}");
        }
        assert!(!all.iter().any(|c| c.starts_with('-')), "flags offered: {all:?}");
        // Only an alias matches: it stays.
        assert_eq!(offered(&["zksh", "ca"]), ["cat"]);
        assert_eq!(offered(&["zksh", "add-"]), ["add-watch", "add-auth"]);
        // Typing `-` asks for the flags.
        assert_eq!(offered(&["zksh", "get", "--ra"]), ["--raw"]);
        let flags = offered(&["zksh", "get", "-"]);
        assert!(flags.contains(&"-s".to_string()), "{flags:?}");
        assert!(flags.iter().all(|f| f.starts_with('-')), "{flags:?}");
    }

    #[test]
    fn the_bash_script_glues_words_split_at_wordbreaks() {
        let text = script(Shell::Bash);
        assert!(text.contains("COMP_LINE") && text.contains("COMP_POINT"), "{text}");
        assert!(text.contains("complete -o nospace"), "{text}");
        assert!(!text.contains("VAR") && !text.contains("COMPLETER"), "{text}");
    }
}
