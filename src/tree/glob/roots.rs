//! Where a subtree command (`ls -R`, `find`, `du`, `delete -r`) starts: one node, or each
//! match of a pattern that is not already inside a match before it (its subtree covers it).

use crate::path::is_within;
use crate::shell::Shell;
use crate::tree::glob::{self, Matches, Target};

/// The roots of a subtree command's walks, in order.
pub struct Roots {
    source: Source,
    /// What the user asked for, for messages: the path, or the pattern.
    shown: String,
    /// The last root handed out: matches below it are part of its subtree.
    last: Option<String>,
}

enum Source {
    One(Option<String>),
    Many(Box<Matches>),
}

impl Roots {
    /// Resolves `input`: a plain path is one root, unchecked (the walk says if it is missing);
    /// a pattern that matches nothing is an error.
    pub async fn new(shell: &Shell, op: &'static str, input: &str) -> anyhow::Result<Roots> {
        let (source, shown) = match glob::target(shell, op, input).await? {
            Target::One(path) => (Source::One(Some(path.clone())), path),
            Target::Many(matches) => {
                let shown = matches.shown().to_string();
                (Source::Many(matches), shown)
            }
        };
        Ok(Roots {
            source,
            shown,
            last: None,
        })
    }

    /// The path or pattern asked for.
    pub fn shown(&self) -> &str {
        &self.shown
    }

    /// Whether the roots are matches of a pattern: one may vanish between the expansion and
    /// its walk, where a path typed must be there.
    pub fn is_pattern(&self) -> bool {
        matches!(self.source, Source::Many(_))
    }

    /// The next root, skipping matches inside the previous one.
    pub async fn next(&mut self) -> anyhow::Result<Option<String>> {
        loop {
            let next = match &mut self.source {
                Source::One(root) => root.take(),
                Source::Many(matches) => matches.next().await?,
            };
            let Some(root) = next else { return Ok(None) };
            if self.last.as_deref().is_some_and(|above| is_within(&root, above)) {
                continue;
            }
            self.last = Some(root.clone());
            return Ok(Some(root));
        }
    }

    /// Once every root was handed out: the error for nodes the expansion could not list.
    pub fn unseen(&self) -> Option<anyhow::Error> {
        match &self.source {
            Source::One(_) => None,
            Source::Many(matches) => matches.unseen(),
        }
    }
}
