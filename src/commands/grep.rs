//! `grep [-i] [-l] [-F] PATTERN [path]`: the lines of node data in a subtree that match,
//! streamed from the tree engine as it reads the data.

use std::io::Write;
use std::ops::Range;

use clap::Args;
use colored::Colorize;
use regex::{Regex, RegexBuilder};
use serde::Serialize;

use crate::cli::regex_reason;
use crate::commands::Run;
use crate::errors::ShellError;
use crate::output::stream::Unmet;
use crate::output::{Render, Reply, RowStream};
use crate::progress::ProgressLine;
use crate::shell::Shell;
use crate::tree::{DEFAULT_PARALLEL, Walk, WalkOptions};

/// Search the data of a znode and every node below it, line by line, as grep does files.
///
/// PATTERN is a regular expression (Rust regex syntax) matched anywhere in a line; -F takes
/// it as plain text, -i ignores case. Each matching line is printed as `path: line`; -l
/// prints each matching node's path once instead. Data is read as UTF-8 text: nodes whose
/// data is not (binary values) are skipped, and a note at the end says how many.
///
/// Exit status as grep's: 0 when some line matched, 1 when none did (or some nodes could not
/// be read), 2 for an invalid pattern. A pattern that starts with '-' goes after `--`.
///
/// Example: grep -i 'timeout' /services/config
#[derive(Debug, Args)]
#[command(about = "Search node data in a subtree for lines matching a pattern")]
pub struct Grep {
    /// Ignore case
    #[arg(short = 'i', long)]
    pub ignore_case: bool,
    /// Print only the paths of nodes with a matching line
    #[arg(short = 'l', long)]
    pub files_with_matches: bool,
    /// PATTERN is plain text, not a regular expression
    #[arg(short = 'F', long)]
    pub fixed_strings: bool,
    /// Read requests in flight at once
    #[arg(long, value_name = "N", default_value_t = DEFAULT_PARALLEL, value_parser = crate::cli::parse_parallel)]
    pub parallel: usize,
    /// What to look for: a regular expression, or text with -F
    pub pattern: String,
    /// Znode path to search, itself included (default: the current node)
    #[arg(add = crate::completion::path_completer())]
    pub path: Option<String>,
}

/// One matching line.
#[derive(Debug, Serialize)]
pub struct MatchedLine {
    pub path: String,
    /// 1-based.
    pub line: usize,
    pub text: String,
    /// Where the pattern matched in `text`, to highlight on a terminal.
    #[serde(skip)]
    pub spans: Vec<Range<usize>>,
}

impl Render for MatchedLine {
    fn render_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        // colored leaves the words plain unless stdout is a terminal that takes colour.
        write!(out, "{}: ", self.path.magenta())?;
        let mut at = 0;
        for span in &self.spans {
            let (Some(before), Some(found)) = (self.text.get(at..span.start), self.text.get(span.clone())) else {
                break;
            };
            write!(out, "{before}{}", found.red().bold())?;
            at = span.end;
        }
        writeln!(out, "{}", self.text.get(at..).unwrap_or_default())
    }
}

/// A node with a matching line (`-l`).
#[derive(Debug, Serialize)]
pub struct MatchedNode {
    pub path: String,
}

impl Render for MatchedNode {
    fn render_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        writeln!(out, "{}", self.path.magenta())
    }
}

impl Grep {
    /// The pattern as a regex: a usage error, before any request, when it is not one.
    fn regex(&self) -> anyhow::Result<Regex> {
        let source = if self.fixed_strings {
            regex::escape(&self.pattern)
        } else {
            self.pattern.clone()
        };
        RegexBuilder::new(&source)
            .case_insensitive(self.ignore_case)
            .build()
            .map_err(|err| {
                ShellError::usage(format!(
                    "grep: invalid regex '{}': {}",
                    self.pattern,
                    regex_reason(&err)
                ))
            })
    }
}

/// The matches in one node's data, as rows (one per line, or one for the node with -l).
fn matches_in(path: &str, text: &str, regex: &Regex, paths_only: bool) -> Vec<MatchedLine> {
    let mut found = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let spans: Vec<Range<usize>> = regex.find_iter(line).map(|m| m.range()).collect();
        if spans.is_empty() {
            continue;
        }
        found.push(MatchedLine {
            path: path.to_string(),
            line: index + 1,
            text: line.to_string(),
            spans,
        });
        if paths_only {
            break;
        }
    }
    found
}

impl Run for Grep {
    async fn run(self, shell: &mut Shell) -> anyhow::Result<Reply> {
        let regex = self.regex()?;
        let (path, client) = shell.target(self.path.as_deref().unwrap_or(".")).await?;
        let options = WalkOptions {
            parallel: self.parallel,
            data: true,
            ..WalkOptions::default()
        };
        let mut walk = Walk::start(shell.zk(), client, "grep", &path, options);
        let line = ProgressLine::walking(walk.seen(), format!("grep {path}"));
        let paths_only = self.files_with_matches;
        let root = path.clone();
        Ok(Reply::Stream(RowStream::spawn(
            "grep",
            path,
            "match",
            move |rows| async move {
                let (mut matched, mut refused, mut binary) = (false, 0usize, 0usize);
                while let Some(batch) = walk.next_batch().await? {
                    for visit in batch {
                        refused += usize::from(visit.refused.is_some());
                        let Some((data, _)) = visit.node else { continue };
                        let Ok(text) = std::str::from_utf8(&data) else {
                            binary += 1;
                            continue;
                        };
                        for row in matches_in(&visit.path, text, &regex, paths_only) {
                            matched = true;
                            let sent = if paths_only {
                                rows.send(MatchedNode { path: row.path }).await
                            } else {
                                rows.send(row).await
                            };
                            if !sent {
                                return Ok(Vec::new());
                            }
                        }
                    }
                }
                let skipped = (binary > 0).then(|| {
                    let nodes = if binary == 1 { "node" } else { "nodes" };
                    format!("skipped {binary} {nodes} whose data is not UTF-8 text")
                });
                if refused > 0 {
                    let (nodes, them) = if refused == 1 {
                        ("node", "it")
                    } else {
                        ("nodes", "them")
                    };
                    let mut message = format!(
                        "{refused} {nodes} could not be read (not authorized): {them} and what is below {them} were not searched"
                    );
                    if let Some(skipped) = skipped {
                        message.push_str(&format!("; {skipped}"));
                    }
                    return Err(ShellError::refused("grep", root, message));
                }
                if !matched {
                    // GNU grep's way: exit 1 and nothing to say, but for the skipped nodes.
                    let why = skipped.as_ref().map(|s| format!(" ({s})")).unwrap_or_default();
                    let notes = skipped.iter().map(|s| format!("grep {root}: {s}")).collect();
                    let error = ShellError::refused("grep", root, format!("no line matched{why}"));
                    return Err(Unmet { error, notes }.into());
                }
                Ok(skipped.map(|s| format!("grep {root}: {s}")).into_iter().collect())
            },
        )
        .with_progress(line)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::OutputFormat;
    use crate::output::{both, rendered};

    fn grep(pattern: &str, ignore_case: bool, fixed: bool) -> Grep {
        Grep {
            ignore_case,
            files_with_matches: false,
            fixed_strings: fixed,
            parallel: DEFAULT_PARALLEL,
            pattern: pattern.into(),
            path: None,
        }
    }

    #[test]
    fn matching_lines_and_nodes_render_as_grep_prints_them() {
        let regex = grep("time", false, false).regex().expect("valid");
        let text = "host=a\ntimeout=5\nretry_time=time\n";
        let rows = matches_in("/app/config", text, &regex, false);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].spans, vec![6..10, 11..15]);
        insta::assert_snapshot!(both(&rows[0]), @r#"
        --- text
        /app/config: timeout=5
        --- json
        {"line":2,"path":"/app/config","text":"timeout=5"}
        "#);
        insta::assert_snapshot!(rendered(&rows[1], OutputFormat::Text), @"/app/config: retry_time=time");
        let only = matches_in("/app/config", text, &regex, true);
        assert_eq!(only.len(), 1, "-l stops at the first line");
        insta::assert_snapshot!(both(&MatchedNode { path: "/app/config".into() }), @r#"
        --- text
        /app/config
        --- json
        {"path":"/app/config"}
        "#);
    }

    #[test]
    fn patterns_are_regexes_text_or_case_blind() {
        let lines = |g: Grep, text: &str| {
            let regex = g.regex().expect("valid");
            matches_in("/n", text, &regex, false)
                .into_iter()
                .map(|r| r.line)
                .collect::<Vec<_>>()
        };
        assert_eq!(lines(grep("a.c", false, false), "abc\na.c\nABC"), vec![1, 2]);
        assert_eq!(lines(grep("a.c", false, true), "abc\na.c\nABC"), vec![2]);
        assert_eq!(lines(grep("a.c", true, false), "abc\na.c\nABC"), vec![1, 2, 3]);
        assert_eq!(lines(grep("x", false, false), ""), Vec::<usize>::new());
        assert_eq!(lines(grep("^b$", false, false), "a\r\nb\r\n"), vec![2], "CRLF lines");
    }

    #[test]
    fn an_invalid_regex_is_a_usage_error_naming_it() {
        let err = grep("(a", false, false).regex().expect_err("invalid");
        assert_eq!(crate::errors::exit_code_of(&err), crate::exit::ExitCode::Usage);
        assert_eq!(err.to_string(), "grep: invalid regex '(a': unclosed group");
        assert!(grep("(a", false, true).regex().is_ok(), "-F takes it as text");
    }
}
