//! Shell completion through clap_complete's dynamic engine: the registration scripts that
//! `zksh completions` prints, and the live znode path completer those scripts call back into.
//!
//! The scripts run `ZKSH_COMPLETE=<shell> zksh -- <words of the line>`; `main` hands that
//! call to clap_complete before anything else, which walks the same clap tree as argv
//! parsing (commands, flags, values) and calls [`znode_paths`] for path arguments. zksh's own
//! adapters stand between the shells and that engine: they write the scripts (bash's glues
//! back words that COMP_WORDBREAKS split) and tidy the candidates (names, not aliases).

use std::ffi::{OsStr, OsString};
use std::io::Write;
use std::time::{Duration, Instant};

use clap::{CommandFactory, ValueEnum};
use clap_complete::env::{self, EnvCompleter, Shells};
use clap_complete::{ArgValueCompleter, CompleteEnv, CompletionCandidate};
use zookeeper_client::{Client, SessionState};

use crate::cli::{Cli, options_before_command, rewrite_zkcli_habits};
use crate::path::resolve_path;
use crate::zk::Profile;
use clap::Parser;

/// The variable that turns a zksh run into a completion request. Not clap's generic
/// `COMPLETE`: a variable that common would turn unrelated runs into silent no-ops.
pub const ENV_VAR: &str = "ZKSH_COMPLETE";

/// Whole budget of one path completion: connect, list, stat the matches, close.
const DEADLINE: Duration = Duration::from_millis(500);
/// Per-host connection attempt.
const CONNECT_TIMEOUT: Duration = Duration::from_millis(300);
/// Time left for the session close once the children are in (so the server forgets it now).
const CLOSE_GRACE: Duration = Duration::from_millis(100);
/// At most this many matches are asked whether they have children (one pipelined request
/// each); past that the list is too long to read anyway, and the names come without a `/`.
const MAX_STATS: usize = 256;

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

/// The completer to `add` to every znode path argument.
pub fn path_completer() -> ArgValueCompleter {
    ArgValueCompleter::new(znode_paths)
}

/// Completes a znode path argument from the live server: the children of the typed parent
/// that start with the typed prefix. The server is the `-s/--server` given on the line, else
/// `ZKSH_SERVER`, else 127.0.0.1:2181. Relative paths resolve against `/`. Never prints,
/// never panics, and gives up (offering nothing) after half a second.
pub fn znode_paths(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(word) = current.to_str() else {
        return Vec::new();
    };
    let word = word.to_string();
    // A panic hook prints even when the panic is caught: silence it for this call.
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let found = std::panic::catch_unwind(move || {
        let args = std::env::args_os().map(|a| a.to_string_lossy().into_owned());
        match profile_from_line(args.collect()) {
            Some(profile) => live_paths(&profile, &word),
            None => Vec::new(),
        }
    });
    std::panic::set_hook(previous);
    found
        .unwrap_or_default()
        .into_iter()
        .map(CompletionCandidate::new)
        .collect()
}

/// The connection profile the completed line would use (its `-s`, timeouts, `-r`...), from
/// the same options and environment as a real run. `args` is the completion call:
/// `zksh -- zksh [options] command ... word`.
fn profile_from_line(args: Vec<String>) -> Option<Profile> {
    let line: Vec<String> = match args.iter().position(|a| a == "--") {
        Some(i) => args[i + 1..].to_vec(),
        None => args,
    };
    let line = rewrite_zkcli_habits(line, &mut |_| {});
    // Only the options before the command make the profile; the command itself is half typed.
    // Options clap cannot read still leave the default server (or ZKSH_SERVER).
    let cli = Cli::try_parse_from(options_before_command(&line)).or_else(|_| Cli::try_parse_from(["zksh"]));
    cli.ok().map(|cli| cli.profile())
}

/// Splits the typed word into the part naming the parent (kept as typed, so candidates
/// extend what is on the line) and the prefix of the child's name.
fn split_word(word: &str) -> (&str, &str) {
    match word.rfind('/') {
        Some(i) => (&word[..=i], &word[i + 1..]),
        None => ("", word),
    }
}

/// The paths under the typed parent that extend `word`, sorted; empty on any failure. A node
/// with children ends in `/`, so that the shell adds no space and TAB goes on down the tree.
fn live_paths(profile: &Profile, word: &str) -> Vec<String> {
    // Nothing typed yet: offer absolute paths, the form a one-shot line usually takes.
    let word = if word.is_empty() { "/" } else { word };
    let (typed_parent, prefix) = split_word(word);
    let parent = match typed_parent {
        "" | "/" => "/".to_string(),
        dir => match resolve_path("/", dir.strip_suffix('/').unwrap_or(dir)) {
            Ok(parent) => parent,
            Err(_) => return Vec::new(),
        },
    };
    let Some(children) = matching_children(profile, &parent, prefix) else {
        return Vec::new();
    };
    children
        .into_iter()
        .map(|(name, has_children)| {
            let slash = if has_children { "/" } else { "" };
            format!("{typed_parent}{name}{slash}")
        })
        .collect()
}

/// The children of `parent` that start with `prefix`, sorted, each with whether it has
/// children of its own (false when that could not be learnt in time). One short-lived
/// session on a small runtime of its own; None when no server answers in time.
fn matching_children(profile: &Profile, parent: &str, prefix: &str) -> Option<Vec<(String, bool)>> {
    let started = Instant::now();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .ok()?;
    let children = runtime.block_on(async {
        // The run's own profile, held to the completion's budget; any server will do for a
        // listing, a read-only one too.
        let connect = profile
            .connector()
            .with_connection_timeout(CONNECT_TIMEOUT)
            .with_session_timeout(Duration::from_secs(4))
            .with_readonly(true)
            .connect(&profile.server);
        let client = tokio::time::timeout(DEADLINE, connect).await.ok()?.ok()?;
        let left = DEADLINE.saturating_sub(started.elapsed());
        let children = tokio::time::timeout(left, client.list_children(parent))
            .await
            .ok()
            .and_then(Result::ok);
        let children = match children {
            Some(mut children) => {
                children.retain(|name| name.starts_with(prefix));
                children.sort_unstable();
                Some(with_child_counts(&client, parent, children, started).await)
            }
            None => None,
        };
        // Close the session now rather than leave it to time out on the server.
        let mut state = client.state_watcher();
        drop(client);
        let closed = async {
            while !matches!(
                state.peek_state(),
                SessionState::Closed | SessionState::Expired | SessionState::AuthFailed
            ) {
                state.changed().await;
            }
        };
        tokio::time::timeout(CLOSE_GRACE, closed).await.ok();
        children
    });
    runtime.shutdown_background();
    children
}

/// Pairs each name with whether its node has children: the stat requests all go out at once
/// (the client pipelines them), then are read back within what is left of the deadline.
async fn with_child_counts(client: &Client, parent: &str, names: Vec<String>, started: Instant) -> Vec<(String, bool)> {
    let pending: Vec<_> = names
        .iter()
        .take(MAX_STATS)
        .map(|name| {
            let path = if parent == "/" {
                format!("/{name}")
            } else {
                format!("{parent}/{name}")
            };
            client.check_stat(&path)
        })
        .collect();
    let mut has_children = Vec::with_capacity(names.len());
    for stat in pending {
        let left = DEADLINE.saturating_sub(started.elapsed());
        let stat = tokio::time::timeout(left, stat)
            .await
            .ok()
            .and_then(Result::ok)
            .flatten();
        has_children.push(stat.is_some_and(|s| s.num_children > 0));
    }
    has_children.resize(names.len(), false);
    names.into_iter().zip(has_children).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn server_comes_from_the_line_before_the_command() {
        let server = |words: &[&str]| profile_from_line(line(words)).expect("a profile").server;
        assert_eq!(server(&["zksh", "--", "zksh", "-s", "h1:2181", "get", "/a"]), "h1:2181");
        assert_eq!(server(&["zksh", "--", "zksh", "--server=h2:1", "ls", "/"]), "h2:1");
        assert_eq!(server(&["zksh", "--", "zksh", "-server", "h3:1", "ls", ""]), "h3:1");
        // `create -s` is "sequential", not a server.
        assert_eq!(
            server(&["zksh", "--", "zksh", "-s", "h4:1", "create", "-s", "/x"]),
            "h4:1"
        );
        // The rest of the profile comes from the line too.
        let profile =
            profile_from_line(line(&["zksh", "--", "zksh", "--session-timeout", "7s", "ls", "/"])).expect("a profile");
        assert_eq!(profile.session_timeout, Duration::from_secs(7));
    }

    #[test]
    fn words_split_into_typed_parent_and_prefix() {
        assert_eq!(split_word("/ap"), ("/", "ap"));
        assert_eq!(split_word("/a/b/c"), ("/a/b/", "c"));
        assert_eq!(split_word("/a/"), ("/a/", ""));
        assert_eq!(split_word("ap"), ("", "ap"));
        assert_eq!(split_word("a/b"), ("a/", "b"));
    }

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

    #[test]
    fn malformed_parents_offer_nothing_without_a_round_trip() {
        let started = Instant::now();
        let profile =
            profile_from_line(line(&["zksh", "--", "zksh", "-s", "127.0.0.1:1", "ls", ""])).expect("a profile");
        assert!(live_paths(&profile, "/a//b").is_empty());
        assert!(started.elapsed() < Duration::from_millis(100));
    }
}
