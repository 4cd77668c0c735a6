//! What `find` matches on: the test options (all of which a node must pass), the parsers of
//! their values, and the test of one visited node against them.

use std::time::{SystemTime, UNIX_EPOCH};

use clap::{Args, ValueEnum};
use globset::{Glob, GlobMatcher};
use regex::Regex;
use zookeeper_client::Stat;

use crate::cli::{parse_bytes, regex_reason};
use crate::errors::ShellError;
use crate::path::base_name;

/// The tests, as options. Each given one narrows the match; none given matches every node.
#[derive(Debug, Args)]
pub struct Tests {
    /// The node's name (the last path component) matches GLOB: *, ?, [abc], [!a-z]
    #[arg(long, value_name = "GLOB")]
    pub name: Option<String>,
    /// The full path matches RE somewhere (Rust regex syntax; anchor with ^ and $ for the
    /// whole path)
    #[arg(long, value_name = "RE")]
    pub regex: Option<String>,
    /// Ephemeral (owned by a session), persistent, container or ttl. A live server shows
    /// containers and TTL nodes to clients as persistent nodes: container and ttl are known
    /// only on a snapshot (zksh --snapshot DIR), where persistent means plain persistent
    #[arg(long = "type", value_enum, value_name = "TYPE")]
    pub node_type: Option<NodeType>,
    /// Data of at least this many bytes (512, 4k, 1m)
    #[arg(long, value_name = "BYTES", value_parser = parse_bytes)]
    pub min_size: Option<u64>,
    /// Data of at most this many bytes (0 finds empty nodes)
    #[arg(long, value_name = "BYTES", value_parser = parse_bytes)]
    pub max_size: Option<u64>,
    /// Last modified within the last DURATION (-7d) or more than DURATION ago (+7d), by this
    /// machine's clock; units s, m, h, d, w
    #[arg(long, value_name = "±DURATION", value_parser = parse_mtime, allow_hyphen_values = true)]
    pub mtime: Option<Age>,
    /// Ephemeral nodes of this session: its id in hex as `stat` prints it (0x1000a2b3c) or
    /// in decimal
    #[arg(long, value_name = "ID", value_parser = parse_owner)]
    pub ephemeral_owner: Option<i64>,
    /// Nodes with at least N children
    #[arg(long, value_name = "N")]
    pub min_children: Option<usize>,
}

/// `--type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum NodeType {
    Persistent,
    Ephemeral,
    /// Only on a snapshot: a live server hides the type.
    Container,
    /// Only on a snapshot: a live server hides the type.
    Ttl,
}

/// `--mtime`: how long ago the last change was, against a bound in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Age {
    /// `-7d`: modified less than this long ago.
    Within(i64),
    /// `+7d`: modified more than this long ago.
    OlderThan(i64),
}

const MTIME_UNITS: &str = "units s, m, h, d, w: -7d, +12h";

/// Parses `--mtime`: a sign (GNU find's: `-` within, `+` more than), a number and a unit.
pub fn parse_mtime(text: &str) -> Result<Age, String> {
    let text = text.trim();
    let needs_sign = || {
        format!("'{text}' needs a sign: -{text} for modified within the last {text}, +{text} for more than {text} ago")
    };
    let (within, rest) = match text.chars().next() {
        Some('-') => (true, &text[1..]),
        Some('+') => (false, &text[1..]),
        // A bad age is said first: a sign would not mend it.
        Some(_) => return Err(age_ms(text, text).err().unwrap_or_else(needs_sign)),
        None => return Err(needs_sign()),
    };
    let bound = age_ms(text, rest)?;
    Ok(if within {
        Age::Within(bound)
    } else {
        Age::OlderThan(bound)
    })
}

/// The age `rest` (`7d`) in milliseconds; errors quote `text`, the whole argument.
fn age_ms(text: &str, rest: &str) -> Result<i64, String> {
    let split = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
    let (number, unit) = rest.split_at(split);
    let number: i64 = number
        .parse()
        .map_err(|_| format!("'{text}' is not an age ({MTIME_UNITS})"))?;
    let unit_ms: i64 = match unit {
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        "w" => 604_800_000,
        "" => return Err(format!("'{text}' has no unit ({MTIME_UNITS})")),
        other => return Err(format!("unknown unit '{other}' in '{text}' ({MTIME_UNITS})")),
    };
    number
        .checked_mul(unit_ms)
        .ok_or_else(|| format!("'{text}' is out of range"))
}

/// Whether a node whose ephemeralOwner is `owner` is of type `wanted`: on a snapshot, by the
/// type the owner encodes (as `stat` decides it); on a live server by owner or none.
fn is_of_type(wanted: NodeType, owner: i64) -> bool {
    use crate::snapshot::tree::NodeKind;
    match (wanted, crate::snapshot::serve::kind_on_snapshot(owner)) {
        (NodeType::Ephemeral, Some(kind)) => matches!(kind, NodeKind::Ephemeral(_)),
        (NodeType::Persistent, Some(kind)) => kind == NodeKind::Persistent,
        (NodeType::Container, kind) => kind == Some(NodeKind::Container),
        (NodeType::Ttl, kind) => matches!(kind, Some(NodeKind::Ttl(_))),
        (NodeType::Ephemeral, None) => owner != 0,
        (NodeType::Persistent, None) => owner == 0,
    }
}

/// Parses a session id: `0x1000a2b3c` (as `stat` and zkCli print an ephemeralOwner) or decimal.
pub fn parse_owner(text: &str) -> Result<i64, String> {
    let text = text.trim();
    let parsed = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        // Hex is the owner's 64 bits as they are: a high bit set is a negative i64.
        Some(hex) => u64::from_str_radix(hex, 16).map(|id| id as i64).ok(),
        None => text.parse::<i64>().ok(),
    };
    parsed.ok_or_else(|| format!("'{text}' is not a session id (hex as stat prints it, 0x1000a2b3c, or decimal)"))
}

/// The tests, compiled and checked: what each visited node is held against.
#[derive(Debug)]
pub struct Predicates {
    name: Option<GlobMatcher>,
    regex: Option<Regex>,
    node_type: Option<NodeType>,
    min_size: Option<u64>,
    max_size: Option<u64>,
    mtime: Option<Age>,
    owner: Option<i64>,
    min_children: Option<usize>,
    /// Milliseconds since the epoch that ages count from: the start of the run, as GNU
    /// find's are.
    now: i64,
}

impl Tests {
    /// Compiles the patterns and checks that the tests can hold together: a usage error
    /// (before any request) otherwise.
    pub fn compile(&self) -> anyhow::Result<Predicates> {
        if let (Some(min), Some(max)) = (self.min_size, self.max_size)
            && min > max
        {
            return Err(ShellError::usage(format!(
                "find: --min-size {min} is more than --max-size {max}: no node could match"
            )));
        }
        let name = match &self.name {
            Some(glob) => Some(
                Glob::new(glob)
                    .map_err(|err| ShellError::usage(format!("find: invalid --name glob '{glob}': {}", err.kind())))?
                    .compile_matcher(),
            ),
            None => None,
        };
        let regex =
            match &self.regex {
                Some(re) => Some(Regex::new(re).map_err(|err| {
                    ShellError::usage(format!("find: invalid --regex '{re}': {}", regex_reason(&err)))
                })?),
                None => None,
            };
        if let Some(kind @ (NodeType::Container | NodeType::Ttl)) = self.node_type
            && crate::snapshot::serve::opened().is_none()
        {
            let kind = if kind == NodeType::Ttl { "ttl" } else { "container" };
            return Err(ShellError::usage(format!(
                "find: --type {kind}: a live server shows containers and TTL nodes as persistent; \
                 only a snapshot knows them (zksh --snapshot DIR)"
            )));
        }
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| i64::try_from(since.as_millis()).unwrap_or(i64::MAX));
        Ok(Predicates {
            name,
            regex,
            node_type: self.node_type,
            min_size: self.min_size,
            max_size: self.max_size,
            mtime: self.mtime,
            owner: self.ephemeral_owner,
            min_children: self.min_children,
            now,
        })
    }
}

impl Predicates {
    /// Some test needs the node's stat, which costs a getData per node.
    pub fn need_stat(&self) -> bool {
        self.node_type.is_some()
            || self.min_size.is_some()
            || self.max_size.is_some()
            || self.mtime.is_some()
            || self.owner.is_some()
    }

    /// Whether the node passes every test. `children` is its child count when listed,
    /// `stat` its stat when read; a test that needs what is not known fails.
    pub fn matches(&self, path: &str, children: Option<usize>, stat: Option<&Stat>) -> bool {
        if self.name.as_ref().is_some_and(|glob| !glob.is_match(base_name(path))) {
            return false;
        }
        if self.regex.as_ref().is_some_and(|re| !re.is_match(path)) {
            return false;
        }
        if let Some(min) = self.min_children {
            let known = children.or_else(|| stat.and_then(|s| usize::try_from(s.num_children).ok()));
            if known.is_none_or(|n| n < min) {
                return false;
            }
        }
        if !self.need_stat() {
            return true;
        }
        let Some(stat) = stat else {
            return false;
        };
        let size = u64::try_from(stat.data_length).unwrap_or(0);
        let type_ok = match self.node_type {
            Some(wanted) => is_of_type(wanted, stat.ephemeral_owner),
            None => true,
        };
        let age = self.now.saturating_sub(stat.mtime);
        let age_ok = match self.mtime {
            Some(Age::Within(bound)) => age < bound,
            Some(Age::OlderThan(bound)) => age > bound,
            None => true,
        };
        type_ok
            && age_ok
            && self.min_size.is_none_or(|min| size >= min)
            && self.max_size.is_none_or(|max| size <= max)
            && self.owner.is_none_or(|owner| stat.ephemeral_owner == owner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::stat::sample_stat;

    fn tests() -> Tests {
        Tests {
            name: None,
            regex: None,
            node_type: None,
            min_size: None,
            max_size: None,
            mtime: None,
            ephemeral_owner: None,
            min_children: None,
        }
    }

    #[test]
    fn mtime_takes_gnu_signs_and_units() {
        assert_eq!(parse_mtime("-7d"), Ok(Age::Within(7 * 86_400_000)));
        assert_eq!(parse_mtime("+7d"), Ok(Age::OlderThan(7 * 86_400_000)));
        assert_eq!(parse_mtime("+0s"), Ok(Age::OlderThan(0)));
        assert_eq!(parse_mtime("-90m"), Ok(Age::Within(90 * 60_000)));
        assert_eq!(parse_mtime("-1h"), Ok(Age::Within(3_600_000)));
        assert_eq!(parse_mtime("+2w"), Ok(Age::OlderThan(2 * 604_800_000)));
        let err = |text: &str| parse_mtime(text).expect_err(text);
        assert_eq!(
            err("7d"),
            "'7d' needs a sign: -7d for modified within the last 7d, +7d for more than 7d ago"
        );
        assert!(err("-7").contains("has no unit"), "{}", err("-7"));
        assert!(err("-7y").contains("unknown unit 'y'"), "{}", err("-7y"));
        assert!(err("-d").contains("not an age"), "{}", err("-d"));
        assert!(err("").contains("needs a sign"));
        assert_eq!(
            err("7x"),
            "unknown unit 'x' in '7x' (units s, m, h, d, w: -7d, +12h)",
            "a bad age is said before the missing sign"
        );
        assert!(err("7").contains("has no unit"), "{}", err("7"));
        assert!(err("+99999999999999999w").contains("out of range"));
        for text in ["7d", "-7", "-7y", "-d", "+1.5h"] {
            assert!(!err(text).contains('\n'), "one line for {text}");
        }
    }

    #[test]
    fn owners_are_hex_or_decimal() {
        assert_eq!(parse_owner("0x1000a2b3c"), Ok(0x1000a2b3c));
        assert_eq!(parse_owner("0X1F"), Ok(31));
        assert_eq!(parse_owner("4295633724"), Ok(4_295_633_724));
        assert_eq!(parse_owner("0xffffffffffffffff"), Ok(-1));
        assert!(parse_owner("0xzz").unwrap_err().contains("not a session id"));
        assert!(parse_owner("abc").is_err());
    }

    #[test]
    fn contradictory_sizes_and_bad_patterns_are_usage_errors() {
        let usage = |tests: Tests| {
            let err = tests.compile().expect_err("refused");
            assert_eq!(crate::errors::exit_code_of(&err), crate::exit::ExitCode::Usage);
            err.to_string()
        };
        let sizes = Tests {
            min_size: Some(10),
            max_size: Some(5),
            ..tests()
        };
        assert_eq!(
            usage(sizes),
            "find: --min-size 10 is more than --max-size 5: no node could match"
        );
        let equal = Tests {
            min_size: Some(0),
            max_size: Some(0),
            ..tests()
        };
        assert!(equal.compile().is_ok(), "0..=0 finds empty nodes");
        let regex = Tests {
            regex: Some("(a".into()),
            ..tests()
        };
        assert_eq!(usage(regex), "find: invalid --regex '(a': unclosed group");
        let glob = Tests {
            name: Some("[a".into()),
            ..tests()
        };
        assert!(usage(glob).starts_with("find: invalid --name glob '[a': "));
    }

    #[test]
    fn a_node_must_pass_every_test() {
        let compiled = |tests: Tests| tests.compile().expect("valid");
        let stat = sample_stat();
        let all = compiled(tests());
        assert!(!all.need_stat());
        assert!(all.matches("/", None, None), "no test matches everything");
        let name = compiled(Tests {
            name: Some("lock-*".into()),
            ..tests()
        });
        assert!(name.matches("/app/lock-1", None, None));
        assert!(!name.matches("/lock-1/x", None, None), "the base name only");
        let regex = compiled(Tests {
            regex: Some("app/.*-[0-9]$".into()),
            ..tests()
        });
        assert!(regex.matches("/x/app/lock-1", None, None), "anywhere in the path");
        assert!(!regex.matches("/app/lock-1/y", None, None));
        let sizes = compiled(Tests {
            min_size: Some(5),
            max_size: Some(5),
            ..tests()
        });
        assert!(sizes.need_stat());
        assert!(sizes.matches("/a", None, Some(&stat)));
        assert!(!sizes.matches("/a", None, None), "unknown size: no match");
        let ephemeral = Stat {
            ephemeral_owner: 0x1000a2b3c,
            ..stat
        };
        let kind = compiled(Tests {
            node_type: Some(NodeType::Ephemeral),
            ephemeral_owner: Some(0x1000a2b3c),
            ..tests()
        });
        assert!(kind.matches("/a", None, Some(&ephemeral)));
        assert!(!kind.matches("/a", None, Some(&stat)));
        let kids = compiled(Tests {
            min_children: Some(2),
            ..tests()
        });
        assert!(kids.matches("/a", Some(2), None));
        assert!(!kids.matches("/a", Some(1), None));
        assert!(
            kids.matches("/a", None, Some(&stat)),
            "the stat's count when not listed"
        );
        assert!(!kids.matches("/a", None, None));
    }

    #[test]
    fn ages_count_from_the_start_of_the_run() {
        let at = |mtime: Age| {
            let mut p = Tests {
                mtime: Some(mtime),
                ..tests()
            }
            .compile()
            .expect("valid");
            p.now = sample_stat().mtime + 60_000;
            p.matches("/a", None, Some(&sample_stat()))
        };
        assert!(at(Age::Within(61_000)));
        assert!(!at(Age::Within(60_000)));
        assert!(at(Age::OlderThan(59_000)));
        assert!(!at(Age::OlderThan(60_000)));
    }
}
