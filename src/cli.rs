//! The clap grammar: connection and mode options of the `zksh` process, and the multicall
//! parser that reads REPL and script lines with the very same command definitions.

use std::path::PathBuf;
use std::time::Duration;

use std::sync::OnceLock;

use clap::{Args, CommandFactory, Parser, ValueEnum};

use crate::commands::Command;
use crate::zk::Profile;

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
    #[arg(short = 'o', long = "output", value_enum, value_name = "FORMAT")]
    pub output: Option<OutputFormat>,
}

/// Parses a size in bytes: `1048575`, `512k`, `4m` (KiB and MiB).
pub fn parse_size(text: &str) -> Result<usize, String> {
    let text = text.trim();
    let lower = text.to_ascii_lowercase();
    let (number, unit) = match lower.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => lower.split_at(i),
        None => (lower.as_str(), ""),
    };
    let value: usize = number
        .parse()
        .map_err(|_| format!("'{text}' is not a size in bytes (try 1048575, 512k, 4m)"))?;
    let scale = match unit {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        other => return Err(format!("unknown unit '{other}' in '{text}' (use k or m)")),
    };
    value
        .checked_mul(scale)
        .filter(|size| (1024..=i32::MAX as usize).contains(size))
        .ok_or_else(|| format!("'{text}' is out of range (1k to 2047m)"))
}

/// Parses `500ms`, `10s`, `2m`, `1h`; a bare number means seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("'{text}' is not a duration (try 10s, 500ms, 2m)"))?;
    let seconds = match unit.trim() {
        "" | "s" | "sec" | "secs" => value,
        "ms" => value / 1000.0,
        "m" | "min" => value * 60.0,
        "h" => value * 3600.0,
        other => return Err(format!("unknown unit '{other}' in '{text}' (use ms, s, m or h)")),
    };
    if !seconds.is_finite() || !(0.0..=1e9).contains(&seconds) {
        return Err(format!("'{text}' is out of range"));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// Checks a connect string, `host[:port][,host[:port]...][/chroot]`, as it is parsed: the client
/// would read `host:` (an empty port) as port 2181 and connect somewhere not asked for. A host
/// alone means port 2181, as in ZooKeeper's own clients; an IPv6 address goes in brackets.
pub fn parse_connect_string(text: &str) -> Result<String, String> {
    let (hosts, chroot) = match text.find('/') {
        Some(i) => (&text[..i], Some(&text[i..])),
        None => (text, None),
    };
    if hosts.is_empty() {
        return Err(format!(
            "'{text}' names no host (give host:port[,host:port...][/chroot])"
        ));
    }
    for host_port in hosts.split(',') {
        check_host_port(host_port)?;
    }
    if let Some(chroot) = chroot {
        // A chroot is a znode path as the server checks it: already normal, nothing to resolve.
        let normal = crate::path::resolve_path("/", chroot).map_err(|e| format!("chroot {e}"))?;
        if normal != chroot {
            return Err(format!(
                "chroot '{chroot}' has '.' or '..' in it (write it as '{normal}')"
            ));
        }
    }
    Ok(text.to_string())
}

fn check_host_port(host_port: &str) -> Result<(), String> {
    if host_port.is_empty() {
        return Err("the host list has an empty entry (',,' or a ',' at an end)".into());
    }
    let (host, port) = if let Some(rest) = host_port.strip_prefix('[') {
        let Some((host, after)) = rest.split_once(']') else {
            return Err(format!("host '{host_port}' opens '[' without closing it"));
        };
        match after {
            "" => (host, None),
            _ => match after.strip_prefix(':') {
                Some(port) => (host, Some(port)),
                None => return Err(format!("host '{host_port}': only ':port' may follow ']'")),
            },
        }
    } else {
        match host_port.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (host_port, None),
        }
    };
    if host.is_empty() {
        return Err(format!("'{host_port}' has an empty host name"));
    }
    if host.chars().any(char::is_whitespace) {
        return Err(format!("host '{host}' has a space in it"));
    }
    match port {
        None => Ok(()),
        Some("") => Err(format!(
            "host '{host}' has an empty port after ':' (give {host}:PORT, or {host} alone for 2181)"
        )),
        Some(port) => match port.parse::<u16>() {
            Ok(n) if n > 0 && port.chars().all(|c| c.is_ascii_digit()) => Ok(()),
            _ => Err(format!("host '{host}' has port '{port}', not a number from 1 to 65535")),
        },
    }
}

impl Cli {
    /// The connection profile these options describe.
    pub fn profile(&self) -> Profile {
        Profile {
            server: self.server.clone(),
            session_timeout: self.session_timeout,
            connect_timeout: self.connect_timeout,
            request_timeout: self.request_timeout,
            max_request_size: self.max_request_size,
            readonly: self.readonly,
        }
    }
}

/// Whether `word` is an option before the command that takes its value as the next word
/// (`-s HOST`, `--color never`). Read from the clap tree, so a new option cannot be missed.
fn takes_value(word: &str) -> bool {
    static SPELLINGS: OnceLock<Vec<String>> = OnceLock::new();
    let spellings = SPELLINGS.get_or_init(|| {
        Cli::command()
            .get_arguments()
            .filter(|arg| !arg.is_positional() && arg.get_action().takes_values())
            .flat_map(|arg| {
                let short = arg.get_short_and_visible_aliases().unwrap_or_default();
                let long = arg.get_long_and_visible_aliases().unwrap_or_default();
                let hidden_short = arg.get_all_short_aliases().unwrap_or_default();
                let hidden_long = arg.get_all_aliases().unwrap_or_default();
                short
                    .into_iter()
                    .chain(hidden_short)
                    .map(|c| format!("-{c}"))
                    .chain(long.into_iter().chain(hidden_long).map(|l| format!("--{l}")))
                    .collect::<Vec<_>>()
            })
            .collect()
    });
    spellings.iter().any(|s| s == word)
}

/// The words of `args` (program name first) before the command: the process options.
pub fn options_before_command(args: &[String]) -> &[String] {
    let mut end = args.len().min(1);
    while end < args.len() {
        let word = args[end].as_str();
        if takes_value(word) {
            end += 2;
        } else if word.starts_with('-') && word != "-" {
            end += 1;
        } else {
            break;
        }
    }
    &args[..end.min(args.len())]
}

/// Whether `-o json` appears among `words` (after the first, the program or the command name,
/// and before a `--`): read when clap refused the line, so that its usage error can still come
/// in the JSON error shape.
pub fn asks_for_json(words: &[String]) -> bool {
    let mut words = words.iter().skip(1).take_while(|w| *w != "--");
    while let Some(word) = words.next() {
        let value = match word.as_str() {
            "-o" | "--output" => words.next().map(String::as_str),
            w => w
                .strip_prefix("--output=")
                .or_else(|| w.strip_prefix("-o="))
                .or_else(|| w.strip_prefix("-o")),
        };
        if value == Some("json") {
            return true;
        }
    }
    false
}

/// The name of the command a line or argv is for (`addWatch` for `add-watch`), for errors
/// raised before it is parsed; empty when it names no known command.
pub fn command_name(word: Option<&str>) -> String {
    word.and_then(|word| {
        ShellLine::command()
            .find_subcommand(word)
            .map(|c| c.get_name().to_string())
    })
    .unwrap_or_default()
}

/// The command word of argv: the first word that is neither an option before the command nor
/// the value of one.
pub fn command_word(args: &[String]) -> Option<&str> {
    args.get(options_before_command(args).len()).map(String::as_str)
}

/// The `--color` given before the command, read before clap parses, so that clap's own
/// errors about the rest of the line follow it. Invalid values count as auto (clap reports
/// them).
pub fn color_choice_in(args: &[String]) -> ColorChoice {
    let mut choice = ColorChoice::Auto;
    let mut words = args.iter().skip(1);
    while let Some(word) = words.next() {
        let value = if word == "--color" {
            words.next().map(String::as_str)
        } else if let Some(value) = word.strip_prefix("--color=") {
            Some(value)
        } else if takes_value(word) {
            words.next();
            continue;
        } else if word.starts_with('-') {
            continue;
        } else {
            break;
        };
        choice = value
            .and_then(|v| ColorChoice::from_str(v, true).ok())
            .unwrap_or(ColorChoice::Auto);
    }
    choice
}

/// Rewrites zkCli.sh habits (`-server h:p`, `-timeout ms`) found among the options before the
/// command into zksh's own, with a hint on stderr. Words after the command are left alone.
pub fn rewrite_zkcli_habits(args: Vec<String>, hint: &mut dyn FnMut(&str)) -> Vec<String> {
    let mut out = Vec::with_capacity(args.len());
    let mut iter = args.into_iter();
    if let Some(program) = iter.next() {
        out.push(program);
    }
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "-server" => {
                hint("zkCli's -server is spelled -s/--server here");
                out.push("--server".into());
                out.extend(iter.next());
            }
            "-timeout" => {
                hint("zkCli's -timeout (milliseconds) is spelled --session-timeout here");
                out.push("--session-timeout".into());
                if let Some(ms) = iter.next() {
                    out.push(if ms.chars().all(|c| c.is_ascii_digit()) {
                        format!("{ms}ms")
                    } else {
                        ms
                    });
                }
            }
            a if takes_value(a) => {
                out.push(arg);
                if let Some(value) = iter.next() {
                    out.push(value);
                }
            }
            a if a.starts_with('-') => out.push(arg),
            _ => {
                // The command starts here: everything else belongs to it.
                out.push(arg);
                out.extend(iter);
                break;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_trees_are_consistent() {
        Cli::command().debug_assert();
        ShellLine::command().debug_assert();
    }

    #[test]
    fn connect_strings_are_checked() {
        for good in [
            "127.0.0.1:2181",
            "h",
            "zk1:2181,zk2:2182/app",
            "zk1:2181/app/x",
            "[::1]:2181",
            "[::1]",
            "h:65535",
            "h/",
        ] {
            assert_eq!(parse_connect_string(good).as_deref(), Ok(good), "{good}");
        }
        let err = |text: &str| parse_connect_string(text).unwrap_err();
        assert!(err("127.0.0.1:").contains("host '127.0.0.1' has an empty port"));
        assert!(err("a:1,b:/x").contains("host 'b' has an empty port"));
        assert!(err("h:0").contains("1 to 65535"));
        assert!(err("h:65536").contains("1 to 65535"));
        assert!(err("h:+1").contains("1 to 65535"));
        assert!(err("h:x").contains("'x'"));
        assert!(err(":2181").contains("empty host"));
        assert!(err("").contains("no host"));
        assert!(err("/app").contains("no host"));
        assert!(err("a:1,,b:2").contains("empty entry"));
        assert!(err("[::1:2181").contains("'['"));
        assert!(err("h:1/app/").contains("ends with '/'"));
        assert!(err("h:1/a//b").contains("empty component"));
        assert!(err("h:1/a/../b").contains("'..'"));
        assert!(err("h:1/a\u{1}").contains("forbids"));
    }

    #[test]
    fn json_is_found_on_a_line_clap_refused() {
        let words = |line: &str| line.split(' ').map(String::from).collect::<Vec<_>>();
        assert!(asks_for_json(&words("zksh -o json get -z /x")));
        assert!(asks_for_json(&words("get -z /x --output=json")));
        assert!(asks_for_json(&words("get -ojson -z")));
        assert!(asks_for_json(&words("get --output json")));
        assert!(!asks_for_json(&words("get -o text -z")));
        assert!(!asks_for_json(&words("set /x -- -o json")));
        assert!(!asks_for_json(&words("json -z")));
        assert_eq!(command_word(&words("zksh -s h -o json --debug get -z")), Some("get"));
        assert_eq!(command_word(&words("zksh -s h")), None);
        assert_eq!(command_name(Some("add-watch")), "addWatch");
        assert_eq!(command_name(Some("gett")), "");
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("3"), Ok(Duration::from_secs(3)));
        assert!(parse_duration("abc").is_err());
        assert!(parse_duration("5 parsecs").is_err());
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1048575"), Ok(1_048_575));
        assert_eq!(parse_size("512k"), Ok(512 * 1024));
        assert_eq!(parse_size("4M"), Ok(4 << 20));
        assert!(parse_size("12").is_err(), "too small to be a server's limit");
        assert!(parse_size("4g").is_err());
        assert!(parse_size("lots").is_err());
    }

    #[test]
    fn zkcli_options_are_rewritten_only_before_the_command() {
        let args = ["zksh", "-server", "h:1", "-timeout", "3000", "get", "-server"]
            .map(String::from)
            .to_vec();
        let mut hints = Vec::new();
        let out = rewrite_zkcli_habits(args, &mut |h| hints.push(h.to_string()));
        assert_eq!(
            out,
            [
                "zksh",
                "--server",
                "h:1",
                "--session-timeout",
                "3000ms",
                "get",
                "-server"
            ]
        );
        assert_eq!(hints.len(), 2);
    }

    #[test]
    fn options_that_take_a_value_come_from_the_clap_tree() {
        for word in [
            "-s",
            "--server",
            "--session-timeout",
            "-c",
            "--command",
            "-f",
            "--file",
            "-o",
            "--output",
            "--color",
            "--sandbox-watchdog",
        ] {
            assert!(takes_value(word), "{word}");
        }
        for word in ["-r", "--readonly", "--keep-going", "--sandbox", "--debug", "get"] {
            assert!(!takes_value(word), "{word}");
        }
    }

    #[test]
    fn color_is_read_before_the_command_only() {
        let words = |line: &str| line.split(' ').map(String::from).collect::<Vec<_>>();
        assert_eq!(color_choice_in(&words("zksh --color never get /x")), ColorChoice::Never);
        assert_eq!(
            color_choice_in(&words("zksh -s h --color=always ls")),
            ColorChoice::Always
        );
        assert_eq!(color_choice_in(&words("zksh -c --color get")), ColorChoice::Auto);
        assert_eq!(color_choice_in(&words("zksh get --color never")), ColorChoice::Auto);
        assert_eq!(color_choice_in(&words("zksh --color bogus")), ColorChoice::Auto);
    }
}
