//! Globs in path arguments (`get '/services/*/config'`, `ls '/app/**/lock-*'`): the pattern
//! language, and its expansion against the live tree (`expand.rs`), which reads as little as
//! it can.
//!
//! The language, per path segment: `*` any run of characters, `?` one character, `[a-c]`,
//! `[!a]`/`[^a]` one character in (or out of) a set; a segment that is exactly `**` stands
//! for any number of segments, none included. A backslash before `* ? [ ] \` makes it a plain
//! character (ZooKeeper names may contain any of them: `\*` is a node named `*`); any other
//! backslash is itself. Relative patterns resolve against the current node, `.` and `..`
//! included, before anything is matched.
//!
//! For commands:
//! - [`is_glob`]: whether an argument is a pattern at all;
//! - [`target`]: what a one-node command (`get`, `ls`, `stat`, `exists`) runs on: one path (a
//!   plain argument, unescaped and unchecked, or a pattern with a single match) or many
//!   matches, streamed; a pattern that matches nothing is an error (exit 1, `get /a/*: no
//!   znode matches`);
//! - [`expand`]: every match, sorted, in a Vec (for commands that must see the whole set
//!   before they act, such as `delete`): fails when nothing matches, and when a node on the
//!   way could not be listed (not authorized), so that acting on what matched is never
//!   acting on part of it unknowingly. A plain argument comes back as the one path,
//!   unescaped and unchecked, so the command reports a missing node in its own words;
//! - [`Matches`]: the stream behind both, for commands that act on each match as it comes.
//!
//! Matches come depth first, parents before children, siblings sorted (the order of `ls -R`
//! and of the tree engine), each once.
//!
//! The matcher is our own rather than `globset`'s: expansion matches one segment at a time
//! against the names a listing returns, so that `/a*/b/*` lists only the children of the
//! nodes that can still match (globset matches whole paths, so it cannot say whether a
//! prefix may still lead to a match), and globset's `{a,b}` alternation would misread znode
//! names that contain braces.

mod expand;
mod roots;

use crate::errors::ShellError;
use crate::shell::Shell;
pub use expand::Matches;
pub use roots::Roots;

/// Characters a backslash makes plain.
const ESCAPABLE: [char; 5] = ['*', '?', '[', ']', '\\'];

/// Whether `input` has a wildcard: an unescaped `*`, `?` or `[`.
pub fn is_glob(input: &str) -> bool {
    let mut chars = input.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                // An escape takes the next character with it; a backslash before anything
                // else is plain, and the character after it is read as usual.
                let mut ahead = chars.clone();
                if ahead.next().is_some_and(|next| ESCAPABLE.contains(&next)) {
                    chars = ahead;
                }
            }
            '*' | '?' | '[' => return true,
            _ => {}
        }
    }
    false
}

/// One segment of a pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// A name, escapes removed.
    Literal(String),
    /// A name matched by wildcards.
    Match(NameMatcher),
    /// `**`: any number of segments, none included.
    AnyDepth,
}

impl Segment {
    /// Whether one name matches (never asked of `**`, which is not about one name).
    pub fn matches(&self, name: &str) -> bool {
        match self {
            Segment::Literal(literal) => literal == name,
            Segment::Match(matcher) => matcher.matches(name),
            Segment::AnyDepth => true,
        }
    }
}

/// A path pattern, resolved to an absolute one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    /// The resolved pattern as written (escapes kept), for messages.
    pub shown: String,
    /// The literal segments before the first wildcard: a path, asked nothing about.
    pub base: String,
    /// The segments from the first wildcard on; empty for a plain path.
    pub rest: Vec<Segment>,
}

impl Pattern {
    /// Parses an absolute pattern (resolved already: no `.` or `..` left); `op` names the
    /// command in errors.
    pub fn parse(op: &str, resolved: &str) -> anyhow::Result<Pattern> {
        let mut base = String::from("/");
        let mut rest = Vec::new();
        for text in resolved.split('/').filter(|text| !text.is_empty()) {
            let segment = parse_segment(text).map_err(|why| ShellError::usage(format!("{op} {resolved}: {why}")))?;
            match segment {
                Segment::Literal(name) if rest.is_empty() => base = crate::path::child_path(&base, &name),
                // `**/**` says no more than `**`.
                Segment::AnyDepth if rest.last() == Some(&Segment::AnyDepth) => {}
                segment => rest.push(segment),
            }
        }
        Ok(Pattern {
            shown: resolved.to_string(),
            base,
            rest,
        })
    }

    /// The path, when the pattern has no wildcard.
    pub fn literal(&self) -> Option<&str> {
        self.rest.is_empty().then_some(self.base.as_str())
    }
}

/// Whether the names of a path (below some node) match `segments`: the classic wildcard
/// match with `**` as the star and each other segment as one character, backtracking to the
/// last `**` only (enough, since a segment matches one name whatever surrounds it).
pub fn match_names(segments: &[Segment], names: &[&str]) -> bool {
    let (mut s, mut n) = (0, 0);
    // Where the last `**` was, and how many names it has taken so far.
    let mut star: Option<(usize, usize)> = None;
    while n < names.len() {
        match segments.get(s) {
            Some(Segment::AnyDepth) => {
                star = Some((s + 1, n));
                s += 1;
            }
            Some(segment) if segment.matches(names[n]) => {
                s += 1;
                n += 1;
            }
            _ => match star {
                Some((after, taken)) => {
                    star = Some((after, taken + 1));
                    s = after;
                    n = taken + 1;
                }
                None => return false,
            },
        }
    }
    segments[s.min(segments.len())..]
        .iter()
        .all(|segment| *segment == Segment::AnyDepth)
}

/// One piece of a wildcard segment.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Char(char),
    /// `?`
    One,
    /// `*`
    Any,
    /// `[...]`: inclusive ranges (a single character is a range of one).
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
}

/// A segment with wildcards, matched against one name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameMatcher {
    tokens: Vec<Token>,
}

impl NameMatcher {
    pub fn matches(&self, name: &str) -> bool {
        let name: Vec<char> = name.chars().collect();
        let tokens = &self.tokens;
        let (mut t, mut n) = (0, 0);
        let mut star: Option<(usize, usize)> = None;
        while n < name.len() {
            let step = match tokens.get(t) {
                Some(Token::Any) => {
                    star = Some((t + 1, n));
                    t += 1;
                    continue;
                }
                Some(Token::Char(c)) => *c == name[n],
                Some(Token::One) => true,
                Some(Token::Class { negated, ranges }) => {
                    ranges.iter().any(|(low, high)| (*low..=*high).contains(&name[n])) != *negated
                }
                None => false,
            };
            if step {
                t += 1;
                n += 1;
            } else if let Some((after, taken)) = star {
                star = Some((after, taken + 1));
                t = after;
                n = taken + 1;
            } else {
                return false;
            }
        }
        tokens[t.min(tokens.len())..].iter().all(|token| *token == Token::Any)
    }
}

/// One segment's text (escapes still in) as a literal name, `**`, or a matcher.
fn parse_segment(text: &str) -> Result<Segment, String> {
    if text == "**" {
        return Ok(Segment::AnyDepth);
    }
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let token = match c {
            '\\' => match chars.peek() {
                Some(&next) if ESCAPABLE.contains(&next) => {
                    chars.next();
                    Token::Char(next)
                }
                _ => Token::Char('\\'),
            },
            // Two stars in a row are one star; only a whole `**` segment crosses segments.
            '*' if tokens.last() == Some(&Token::Any) => continue,
            '*' => Token::Any,
            '?' => Token::One,
            '[' => parse_class(&mut chars)?,
            c => Token::Char(c),
        };
        tokens.push(token);
    }
    if tokens.iter().all(|token| matches!(token, Token::Char(_))) {
        let name = tokens
            .iter()
            .filter_map(|token| match token {
                Token::Char(c) => Some(*c),
                _ => None,
            })
            .collect();
        return Ok(Segment::Literal(name));
    }
    Ok(Segment::Match(NameMatcher { tokens }))
}

/// The rest of a `[...]` class, its `[` read already. A `]` right after `[` (or `[!`) is a
/// member, as in a POSIX shell; a backslash makes the next character a member.
fn parse_class(chars: &mut std::iter::Peekable<std::str::Chars>) -> Result<Token, String> {
    let negated = chars.next_if(|c| *c == '!' || *c == '^').is_some();
    let mut ranges = Vec::new();
    let mut first = true;
    let unclosed = || "'[' is never closed (write '\\[' for a '[' in a name)".to_string();
    loop {
        let low = match chars.next() {
            None => return Err(unclosed()),
            Some(']') if !first => break,
            Some('\\') => chars.next().ok_or_else(unclosed)?,
            Some(c) => c,
        };
        first = false;
        // `a-c` is a range; a `-` before the closing `]` is a member.
        let mut ahead = chars.clone();
        if ahead.next() == Some('-') && ahead.peek().is_some_and(|c| *c != ']') {
            chars.next();
            let high = match chars.next() {
                Some('\\') => chars.next().ok_or_else(unclosed)?,
                Some(c) => c,
                None => return Err(unclosed()),
            };
            if high < low {
                return Err(format!("the range '{low}-{high}' runs backwards"));
            }
            ranges.push((low, high));
        } else {
            ranges.push((low, low));
        }
    }
    Ok(Token::Class { negated, ranges })
}

/// What a one-node command runs on.
pub enum Target {
    /// One path: a plain argument (unescaped, not checked), or a pattern's only match.
    One(String),
    /// A pattern with several matches (the first two read already), or whose expansion
    /// could not list some node on the way: every row is labelled, and the run ends by
    /// saying what was not seen.
    Many(Box<Matches>),
}

/// Resolves a one-node command's path argument: a plain path, or a pattern expanded far
/// enough to tell one match from several. Nothing matching is an error (exit 1).
pub async fn target(shell: &Shell, op: &'static str, input: &str) -> anyhow::Result<Target> {
    let pattern = Pattern::parse(op, &shell.resolve(input)?)?;
    if let Some(path) = pattern.literal() {
        return Ok(Target::One(path.to_string()));
    }
    let mut matches = Matches::start(shell, op, &pattern).await?;
    let Some(first) = matches.next().await? else {
        return Err(matches.no_match().await);
    };
    let second = matches.next().await?;
    match second {
        None if matches.refused() == 0 => Ok(Target::One(first)),
        second => {
            matches.put_back(first, second);
            Ok(Target::Many(Box::new(matches)))
        }
    }
}

/// Every match of `input`, in order (see the module's notes): what `delete` and the like
/// expand a pattern with before they act.
pub async fn expand(shell: &Shell, op: &'static str, input: &str) -> anyhow::Result<Vec<String>> {
    let pattern = Pattern::parse(op, &shell.resolve(input)?)?;
    if let Some(path) = pattern.literal() {
        return Ok(vec![path.to_string()]);
    }
    let mut matches = Matches::start(shell, op, &pattern).await?;
    let mut found = Vec::new();
    while let Some(path) = matches.next().await? {
        found.push(path);
    }
    if let Some(err) = matches.unseen() {
        return Err(err);
    }
    if found.is_empty() {
        return Err(matches.no_match().await);
    }
    Ok(found)
}

#[cfg(test)]
mod tests;
