//! `digest USER`: the `digest:USER:HASH` id an ACL names, from a password that never goes
//! through argv.

use std::io::{BufRead, IsTerminal, Write};

use base64::Engine;
use clap::Args;
use serde::Serialize;
use sha1::{Digest, Sha1};

use crate::commands::Run;
use crate::errors::ShellError;
use crate::output::{Render, Reply};
use crate::shell::Shell;

/// Print the digest ACL id of a user: digest:USER:HASH, HASH being base64(sha1(USER:PASSWORD))
/// as ZooKeeper's DigestAuthenticationProvider computes it.
///
/// The password is asked for with echo off on a terminal, or read as the first line of stdin
/// when stdin is a pipe; it is never an argument (argv shows in ps and in history). Put the
/// id in an ACL with setAcl or create, then a session that ran `addauth digest USER:PASSWORD`
/// has the permissions it grants.
///
/// Example: digest alice
#[derive(Debug, Args)]
#[command(about = "Print the digest:USER:HASH ACL id for a user (password prompted or from stdin)")]
pub struct DigestId {
    /// User name (the password is prompted for, or read from stdin)
    pub user: String,
}

/// `digest`: the id, as an ACL entry without permissions.
#[derive(Debug, Serialize)]
pub struct Digested {
    pub scheme: &'static str,
    pub id: String,
}

impl Render for Digested {
    fn render_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        writeln!(out, "{}:{}", self.scheme, self.id)
    }
}

/// `USER:HASH`, as ZooKeeper's DigestAuthenticationProvider.generateDigest makes it.
pub fn digest_id(user: &str, password: &str) -> String {
    let hash = Sha1::digest(format!("{user}:{password}").as_bytes());
    format!("{user}:{}", base64::engine::general_purpose::STANDARD.encode(hash))
}

impl Run for DigestId {
    async fn run(self, shell: &mut Shell) -> anyhow::Result<Reply> {
        if self.user.is_empty() || self.user.contains(':') {
            return Err(ShellError::usage(
                "digest: the user name must be non-empty and hold no ':'",
            ));
        }
        let password = read_secret(shell, "digest", "password", &format!("Password for {}: ", self.user))?;
        Ok(Reply::value(Digested {
            scheme: "digest",
            id: digest_id(&self.user, &password),
        }))
    }
}

/// A secret (`what`, for `op`'s messages) typed on the terminal with echo off after `prompt`,
/// or the first line of a piped stdin; never an argument.
pub fn read_secret(shell: &Shell, op: &str, what: &str, prompt: &str) -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        prompt_hidden(prompt)
    } else if shell.stdin_is_free() {
        first_line()
    } else {
        return Err(ShellError::usage(format!(
            "{op}: the {what} is read from a terminal or a piped stdin, and here stdin is the script"
        )));
    }
    .map_err(|err| ShellError::usage(format!("{op}: cannot read the {what}: {err}")))
}

/// The first line of stdin, without its line ending.
fn first_line() -> std::io::Result<String> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\n', '\r']).to_string())
}

/// A line typed on the terminal with echo off, the prompt on stderr (stdout holds results).
pub(crate) fn prompt_hidden(prompt: &str) -> std::io::Result<String> {
    // SAFETY: tcgetattr writes only into the zeroed struct we own; stdin is a terminal.
    let saved = unsafe {
        let mut mode: libc::termios = std::mem::zeroed();
        (libc::tcgetattr(libc::STDIN_FILENO, &mut mode) == 0).then_some(mode)
    };
    if let Some(mode) = saved {
        let mut quiet = mode;
        quiet.c_lflag &= !libc::ECHO;
        quiet.c_lflag |= libc::ECHONL;
        // SAFETY: sets a termios derived from the one just read from this fd. Not TCSAFLUSH:
        // that would drop what was typed as soon as the prompt showed.
        unsafe { libc::tcsetattr(libc::STDIN_FILENO, libc::TCSADRAIN, &quiet) };
    }
    // Echo is off before the prompt shows: nothing typed after it is echoed or lost.
    let mut stderr = std::io::stderr();
    let line = write!(stderr, "{prompt}")
        .and_then(|()| stderr.flush())
        .and_then(|()| first_line());
    if let Some(mode) = saved {
        // SAFETY: restores the termios read from this same fd.
        unsafe { libc::tcsetattr(libc::STDIN_FILENO, libc::TCSADRAIN, &mode) };
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::both;

    #[test]
    fn the_hash_is_zookeepers() {
        // Kazoo's make_digest_acl_credential("alice", "secret") and ZooKeeper's
        // DigestAuthenticationProvider give this id.
        assert_eq!(digest_id("alice", "secret"), "alice:aYXlLOpEooaV1cRAvUL1fp9Qt7E=");
    }

    #[test]
    fn the_id_reads_as_an_acl_id() {
        let digested = Digested {
            scheme: "digest",
            id: digest_id("alice", "secret"),
        };
        insta::assert_snapshot!(both(&digested), @r#"
        --- text
        digest:alice:aYXlLOpEooaV1cRAvUL1fp9Qt7E=
        --- json
        {"id":"alice:aYXlLOpEooaV1cRAvUL1fp9Qt7E=","scheme":"digest"}
        "#);
    }
}
