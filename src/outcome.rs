//! What a command produced: a typed value that a renderer turns into text or JSON.

use zookeeper_client::Stat;

use crate::exit::ExitCode;

/// One child in `ls -l`.
#[derive(Debug, Clone)]
pub struct ChildEntry {
    pub name: String,
    /// None when the child vanished between the listing and the stat.
    pub stat: Option<Stat>,
}

#[derive(Debug)]
pub enum Outcome {
    /// A write that succeeded and has nothing to say.
    Done,
    /// `create`: the created path (sequential names included).
    Created { path: String },
    /// `get`.
    Data {
        path: String,
        data: Vec<u8>,
        stat: Stat,
        show_stat: bool,
        raw: bool,
    },
    /// `get --out FILE`: the data went to a file.
    Saved { path: String, file: String, bytes: usize },
    /// `set -s`, `stat`.
    Stat { path: String, stat: Stat },
    /// `exists`: absent is a condition not met (exit 1), not an error.
    Exists { path: String, stat: Option<Stat> },
    /// `ls`, `ls -s`.
    Children {
        path: String,
        children: Vec<String>,
        stat: Option<Stat>,
    },
    /// `ls -l`.
    LongChildren { path: String, entries: Vec<ChildEntry> },
    /// `delete -r`.
    Deleted { path: String, count: usize },
    /// `pwd`, `cd`.
    Cwd { path: String },
    /// `help`, `version`: text meant for a reader.
    Text { text: String, json: serde_json::Value },
    /// `quit`.
    Quit,
}

impl Outcome {
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Outcome::Exists { stat: None, .. } => ExitCode::Refused,
            _ => ExitCode::Success,
        }
    }
}
