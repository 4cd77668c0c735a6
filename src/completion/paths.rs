//! Live znode paths for shell completion: the children of the typed parent, asked of the
//! server the completed line names (through the run's own connection profile), each marked
//! with whether it has children, within half a second or not at all.

use std::ffi::OsStr;
use std::time::{Duration, Instant};

use clap::{CommandFactory, FromArgMatches};
use clap_complete::{ArgValueCompleter, CompletionCandidate};
use zookeeper_client::{Client, SessionState};

use crate::cli::{Cli, given_options, options_before_command, rewrite_zkcli_habits};
use crate::path::resolve_path;
use crate::tree::glob::is_glob;
use crate::zk::Profile;

/// Whole budget of one path completion: connect, list, stat the matches, close.
const DEADLINE: Duration = Duration::from_millis(500);

/// Per-host connection attempt.
const CONNECT_TIMEOUT: Duration = Duration::from_millis(300);

/// Time left for the session close once the children are in (so the server forgets it now).
const CLOSE_GRACE: Duration = Duration::from_millis(100);

/// At most this many matches are asked whether they have children (one pipelined request
/// each); past that the list is too long to read anyway, and the names come without a `/`.
const MAX_STATS: usize = 256;

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
    let matches = Cli::command()
        .try_get_matches_from(options_before_command(&line))
        .or_else(|_| Cli::command().try_get_matches_from(["zksh"]))
        .ok()?;
    let cli = Cli::from_arg_matches(&matches).ok()?;
    // With the run's credentials (ZKSH_AUTH, --auth-file, a profile's): nodes only they may
    // list complete too. A profile that needs a typed password, or a credential that cannot
    // be read, means no completion.
    cli.profile(&given_options(&matches), false).ok()
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
    // A glob names many nodes or none: nothing to extend (and no node to list by its text).
    if is_glob(word) {
        return Vec::new();
    }
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
        let cluster = profile.cluster();
        let connect = profile
            .connector()
            .with_connection_timeout(CONNECT_TIMEOUT)
            .with_session_timeout(Duration::from_secs(4))
            .with_readonly(true)
            .connect(&cluster);
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
    fn malformed_parents_offer_nothing_without_a_round_trip() {
        let started = Instant::now();
        let profile =
            profile_from_line(line(&["zksh", "--", "zksh", "-s", "127.0.0.1:1", "ls", ""])).expect("a profile");
        assert!(live_paths(&profile, "/a//b").is_empty());
        assert!(started.elapsed() < Duration::from_millis(100));
    }

    #[test]
    fn globs_offer_nothing_without_a_round_trip() {
        let started = Instant::now();
        let profile =
            profile_from_line(line(&["zksh", "--", "zksh", "-s", "127.0.0.1:1", "get", ""])).expect("a profile");
        for word in ["/services/*", "/services/*/con", "/a/[b-", "/a/**/x?", "*"] {
            assert!(live_paths(&profile, word).is_empty(), "{word}");
        }
        assert!(started.elapsed() < Duration::from_millis(100));
    }
}
