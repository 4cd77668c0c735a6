//! The clap grammar: connection and mode options of the `zksh` process, and the multicall
//! parser that reads REPL and script lines with the very same command definitions.

mod argv;
mod values;

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, ValueEnum};

pub use argv::{
    asks_for_json, color_choice_in, command_name, command_word, options_before_command, rewrite_command_words,
    rewrite_zkcli_habits,
};
pub use values::{
    parse_bytes, parse_connect_string, parse_depth, parse_duration, parse_parallel, parse_size, regex_reason,
};

use crate::commands::Command;
use crate::errors::ShellError;
use crate::profiles::Given;
use crate::zk::Profile;
use crate::zk::options::ConnectOptions;

/// zksh: a fast, scriptable, friendly shell for Apache ZooKeeper.
///
/// With no command and a terminal on stdin, zksh opens an interactive shell. With a command,
/// it runs it once; with -c or -f (or a script on stdin) it runs a script.
#[derive(Debug, Parser)]
#[command(
    name = "zksh",
    version,
    disable_help_subcommand = true,
    subcommand_value_name = "COMMAND",
    after_help = "Run `zksh help` for the list of commands, `zksh help <command>` for one of them.\n\
                  Exit codes: 0 ok, 1 refused by ZooKeeper or condition not met, 2 usage, 3 no connection, 130 interrupted."
)]
pub struct Cli {
    /// Connect string: host:port[,host:port...][/chroot]
    #[arg(
        short = 's',
        long,
        env = "ZKSH_SERVER",
        default_value = "127.0.0.1:2181",
        value_name = "HOSTS",
        value_parser = parse_connect_string
    )]
    pub server: String,

    /// Use a connection profile of ~/.config/zksh/config.toml (`zksh profiles` lists them);
    /// options given here win over the profile's
    #[arg(short = 'P', long, env = "ZKSH_PROFILE", value_name = "NAME")]
    pub profile: Option<String>,

    /// Session timeout to negotiate with the server (e.g. 10s, 500ms)
    #[arg(long, value_parser = parse_duration, default_value = "10s", value_name = "DURATION")]
    pub session_timeout: Duration,

    /// Give up connecting after this long
    #[arg(long, value_parser = parse_duration, default_value = "5s", value_name = "DURATION")]
    pub connect_timeout: Duration,

    /// Deadline for each command's requests while the connection is down
    #[arg(long, value_parser = parse_duration, default_value = "10s", value_name = "DURATION")]
    pub request_timeout: Duration,

    /// The largest request the server takes: its jute.maxbuffer (e.g. 4m for a server set to
    /// 4 MiB). Larger writes and transactions are refused before they are sent
    #[arg(long, value_parser = parse_size, default_value = "1048575", value_name = "BYTES")]
    pub max_request_size: usize,

    /// Allow connecting to a read-only server (as zkCli's -r)
    #[arg(short = 'r', long)]
    pub readonly: bool,

    /// Connect with TLS: every host not marked tcp:// (a host marked tcp+tls:// in the
    /// connect string does the same for that host). Needs --ca
    #[arg(long)]
    pub tls: bool,

    /// PEM file of the CA that signed the servers' certificates (turns TLS on)
    #[arg(long, value_name = "FILE")]
    pub ca: Option<PathBuf>,

    /// PEM client certificate, for servers that require one (ssl.clientAuth=need); with --key
    #[arg(long, value_name = "FILE", requires = "key")]
    pub cert: Option<PathBuf>,

    /// PEM private key of --cert
    #[arg(long, value_name = "FILE", requires = "cert")]
    pub key: Option<PathBuf>,

    /// Log in with SASL DIGEST-MD5 as USER; the password comes from ZKSH_SASL_PASSWORD or is
    /// prompted for (never on the command line)
    #[arg(long, value_name = "USER")]
    pub sasl_user: Option<String>,

    /// Add the credential in FILE to every session: one line, scheme:credential (e.g.
    /// digest:alice:PASSWORD); refused unless only its owner can read it (chmod 600). The
    /// ZKSH_AUTH variable may hold one too; secrets never go on the command line
    #[arg(long, value_name = "FILE")]
    pub auth_file: Option<PathBuf>,

    /// Run a script given as a string: commands separated by ';' or newlines
    #[arg(short = 'c', long = "command", value_name = "SCRIPT", conflicts_with = "file")]
    pub script: Option<String>,

    /// Run a script file ('-' for stdin)
    #[arg(short = 'f', long, value_name = "FILE")]
    pub file: Option<PathBuf>,

    /// In a script, go on after a failing line (exit 1 at the end if any failed)
    #[arg(long)]
    pub keep_going: bool,

    /// Start a throwaway local ZooKeeper, connect to it, remove it on exit
    #[arg(long)]
    pub sandbox: bool,

    /// Output format for every command of this run
    #[arg(short = 'o', long, value_enum, value_name = "FORMAT")]
    pub output: Option<OutputFormat>,

    /// When to use colour
    #[arg(long, value_enum, default_value = "auto", value_name = "WHEN")]
    pub color: ColorChoice,

    /// Log the ZooKeeper client's requests, replies and state changes on stderr (RUST_LOG
    /// picks other levels and targets)
    #[arg(long)]
    pub debug: bool,

    /// Open a server's data (a snapshot file, or a dataDir / version-2 directory of snapshots
    /// and transaction logs) as a read-only tree instead of connecting to a server
    #[arg(long, value_name = "PATH", conflicts_with = "sandbox")]
    pub snapshot: Option<PathBuf>,

    /// With --snapshot: the point to open the data at, a zxid (0x1a2b or decimal) or a time
    /// (RFC 3339, or YYYY-MM-DD HH:MM[:SS] local); the latest by default
    #[arg(long, value_name = "ZXID|TIME", requires = "snapshot", value_parser = parse_point)]
    pub at: Option<crate::snapshot::point::Point>,

    /// With --snapshot: a damaged or truncated file ends the replay where it can be read,
    /// instead of failing
    #[arg(long, requires = "snapshot")]
    pub lenient: bool,

    /// Internal: keep a sandbox server alive while stdin stays open.
    #[arg(long, hide = true, value_name = "DIR")]
    pub sandbox_watchdog: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// One REPL or script line: the first word names the command (clap multicall).
#[derive(Debug, Parser)]
#[command(multicall = true, disable_help_subcommand = true)]
pub struct ShellLine {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

// The `-o/--output` option every command takes. No doc comment: flattened last into every
// command, clap would make it the help text of each.
#[derive(Debug, Clone, Args, Default)]
pub struct OutputArg {
    /// Output format: text or json
    #[arg(short = 'o', long = "output", value_enum, value_name = "FORMAT", global = true)]
    pub output: Option<OutputFormat>,
}

fn parse_point(value: &str) -> Result<crate::snapshot::point::Point, String> {
    value.parse()
}

impl Cli {
    /// The connection settings of this run: the options typed, a `-P` profile filling the
    /// others, TLS files checked and the SASL password read. `may_prompt` is false where
    /// nobody can answer a prompt (completion). Inconsistent options and unusable profiles
    /// are usage errors (exit 2); unusable TLS files fail as a connection would (exit 3).
    pub fn profile(&self, given: &Given, may_prompt: bool) -> anyhow::Result<Profile> {
        let mut options = self.connect_options();
        if let Some(name) = &self.profile {
            crate::profiles::fill(name, &mut options, given).map_err(ShellError::usage)?;
        }
        options.resolve(may_prompt)
    }

    /// The connection options as typed (or defaulted), before any profile.
    fn connect_options(&self) -> ConnectOptions {
        ConnectOptions {
            tls: self.tls,
            ca: self.ca.clone(),
            cert: self.cert.clone(),
            key: self.key.clone(),
            sasl_user: self.sasl_user.clone(),
            auth: crate::zk::auth::startup_sources(self.auth_file.as_deref()),
            ..ConnectOptions::plain(Profile {
                name: None,
                server: self.server.clone(),
                session_timeout: self.session_timeout,
                connect_timeout: self.connect_timeout,
                request_timeout: self.request_timeout,
                max_request_size: self.max_request_size,
                readonly: self.readonly,
                tls: None,
                sasl: None,
                auth: Vec::new(),
            })
        }
    }
}

/// Which connection options the user gave (on the command line or in their environment
/// variables), so that a profile fills only the others.
pub fn given_options(matches: &clap::ArgMatches) -> Given {
    use clap::parser::ValueSource;
    let given = |id: &str| {
        matches!(
            matches.value_source(id),
            Some(ValueSource::CommandLine | ValueSource::EnvVariable)
        )
    };
    Given {
        server: given("server"),
        session_timeout: given("session_timeout"),
        connect_timeout: given("connect_timeout"),
        request_timeout: given("request_timeout"),
        max_request_size: given("max_request_size"),
        readonly: given("readonly"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn given_options_are_those_typed() {
        let matches = Cli::command()
            .try_get_matches_from(["zksh", "-s", "a:1", "--readonly", "ls"])
            .expect("parses");
        let given = given_options(&matches);
        assert!(given.server && given.readonly);
        assert!(!given.session_timeout && !given.connect_timeout);
    }

    #[test]
    fn clap_trees_are_consistent() {
        Cli::command().debug_assert();
        ShellLine::command().debug_assert();
    }
}
