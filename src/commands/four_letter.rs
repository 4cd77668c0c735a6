//! The four-letter-word commands (`ruok`, `srvr`, `mntr`, `cons`, `conf`, `envi`, `wchs`,
//! `isro`, `dirs`, and `flw WORD` for the others, `stat` among them: `stat` is the znode
//! command): one command per word, as zkCli and zk-shell users type them, asking one member, several, or every member of the connect
//! string in parallel. No session is needed: the words go over plain TCP.

use std::io::Write;
use std::time::Duration;

use clap::Args;
use serde::Serialize;

use crate::cli::parse_duration;
use crate::cluster::answers::Fields;
use crate::cluster::four_letter::{WORDS, WordAnswer, ask_all, is_word, whitelist_hint};
use crate::cluster::members::from_connect_string;
use crate::commands::Run;
use crate::errors::ShellError;
use crate::output::{Render, Reply};
use crate::shell::Shell;

/// Which members to ask, and how long each has to answer.
#[derive(Debug, Args)]
pub struct Members {
    /// Ask every member of the connect string (default: its first member)
    #[arg(short = 'a', long, conflicts_with = "server")]
    pub all: bool,
    /// Ask this member (HOST:PORT, repeatable), in or out of the connect string
    #[arg(short = 's', long, value_name = "HOST:PORT")]
    pub server: Vec<String>,
    /// How long each member has to connect and answer
    #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = parse_duration)]
    pub timeout: Duration,
}

impl Members {
    /// The members to ask, in the order their answers are shown.
    pub fn chosen(&self, shell: &Shell) -> anyhow::Result<Vec<String>> {
        if !self.server.is_empty() {
            for member in &self.server {
                if from_connect_string(member).len() != 1 || member.contains('/') {
                    return Err(ShellError::usage(format!("'{member}' is not one member (HOST:PORT)")));
                }
            }
            return Ok(self.server.iter().flat_map(|m| from_connect_string(m)).collect());
        }
        let mut members = from_connect_string(&shell.zk().profile().server);
        if !self.all {
            members.truncate(1);
        }
        Ok(members)
    }
}

/// The answers of every member asked.
#[derive(Debug, Serialize)]
pub struct WordReport {
    pub word: String,
    pub members: Vec<MemberWord>,
}

/// One member's answer to the word, or why there is none.
#[derive(Debug, Serialize)]
pub struct MemberWord {
    pub member: String,
    /// The server's text, as it sent it: what the text form shows.
    #[serde(skip)]
    pub text: Option<String>,
    /// The server's text (words whose answer is not read into fields).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answer: Option<String>,
    /// `srvr`, `stat`, `mntr`: the answer as fields, numbers as numbers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<Fields>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The zoo.cfg line that would let the member answer, when its whitelist refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow: Option<String>,
}

impl MemberWord {
    pub fn new(member: String, word: &str, answer: WordAnswer) -> MemberWord {
        let mut row = MemberWord {
            member,
            text: None,
            answer: None,
            fields: None,
            error: None,
            allow: None,
        };
        match answer {
            WordAnswer::Answered(text) => {
                match word {
                    "mntr" => row.fields = Some(Fields::from_mntr(&text)),
                    "srvr" | "stat" if !text.contains("not currently serving") => {
                        row.fields = Some(Fields::from_srvr(&text));
                        row.answer = (word == "stat").then(|| text.clone());
                    }
                    _ => row.answer = Some(text.clone()),
                }
                row.text = Some(text);
            }
            WordAnswer::NotWhitelisted => {
                row.error = Some(format!("{word} is not in the server's 4lw.commands.whitelist"));
                row.allow = Some(whitelist_hint(word));
            }
            WordAnswer::Failed(why) => row.error = Some(why),
        }
        row
    }

    /// The answer's lines as the server sent them, or the error.
    fn lines(&self) -> Vec<String> {
        if let Some(error) = &self.error {
            let allow = self
                .allow
                .as_ref()
                .map(|line| format!(" (allow it with `{line}` in zoo.cfg, or `4lw.commands.whitelist=*`)"))
                .unwrap_or_default();
            return vec![format!("error: {error}{allow}")];
        }
        self.text
            .iter()
            .flat_map(|text| text.lines())
            .map(str::to_string)
            .collect()
    }
}

impl Render for WordReport {
    /// One member: its answer as the server gave it. Several: each line led by the member,
    /// so `grep` keeps the member with the line.
    fn render_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        let several = self.members.len() > 1;
        for member in &self.members {
            for line in member.lines() {
                match (several, member.error.is_some()) {
                    (false, false) => writeln!(out, "{line}")?,
                    _ => writeln!(out, "{} {line}", member.member)?,
                }
            }
        }
        Ok(())
    }

    fn unmet(&self) -> Option<anyhow::Error> {
        let failed: Vec<&str> = self
            .members
            .iter()
            .filter(|m| m.error.is_some())
            .map(|m| m.member.as_str())
            .collect();
        if failed.is_empty() {
            return None;
        }
        Some(ShellError::refused(
            "four-letter word",
            self.word.clone(),
            format!(
                "{} of {} members did not answer: {}",
                failed.len(),
                self.members.len(),
                failed.join(", ")
            ),
        ))
    }
}

/// Asks `word` of the chosen members.
pub async fn ask(shell: &Shell, word: &str, members: &Members) -> anyhow::Result<Reply> {
    let chosen = members.chosen(shell)?;
    let answers = ask_all(&chosen, word, members.timeout).await;
    let members = chosen
        .into_iter()
        .zip(answers)
        .map(|(member, answer)| MemberWord::new(member, word, answer))
        .collect();
    Ok(Reply::value(WordReport {
        word: word.to_string(),
        members,
    }))
}

macro_rules! word_commands {
    ($( $(#[$attr:meta])* $name:ident => $word:literal, )*) => {
        $(
            #[derive(Debug, Args)]
            $(#[$attr])*
            pub struct $name {
                #[command(flatten)]
                pub members: Members,
            }

            impl Run for $name {
                async fn run(self, shell: &mut Shell) -> anyhow::Result<Reply> {
                    ask(shell, $word, &self.members).await
                }
            }
        )*
    };
}

word_commands! {
    /// Ask a member whether it is running: `imok` when it is (even before it serves).
    ///
    /// Example: ruok --all
    #[command(about = "Four-letter word ruok: is the member running (imok)")]
    Ruok => "ruok",
    /// A member's version, latency, connections, zxid, mode and node count (`srvr`); the
    /// one word ZooKeeper allows by default. JSON: the fields, numbers as numbers.
    ///
    /// Example: srvr --all -o json
    #[command(about = "Four-letter word srvr: a member's mode, zxid and counts")]
    Srvr => "srvr",
    /// A member's metrics (`mntr`): one `name<TAB>value` line each. JSON: the fields,
    /// numbers as numbers.
    ///
    /// Example: mntr --all
    #[command(about = "Four-letter word mntr: a member's metrics")]
    Mntr => "mntr",
    /// The connections a member serves and their sessions (`cons`).
    ///
    /// Example: cons
    #[command(about = "Four-letter word cons: a member's connections and sessions")]
    Cons => "cons",
    /// The configuration a member runs with (`conf`).
    ///
    /// Example: conf
    #[command(about = "Four-letter word conf: a member's configuration")]
    Conf => "conf",
    /// A member's environment: Java, OS, class path, directories (`envi`).
    ///
    /// Example: envi
    #[command(about = "Four-letter word envi: a member's environment")]
    Envi => "envi",
    /// A summary of the watches a member holds (`wchs`).
    ///
    /// Example: wchs --all
    #[command(about = "Four-letter word wchs: a member's watch summary")]
    Wchs => "wchs",
    /// Whether a member serves read-only (`ro`) or read-write (`rw`) (`isro`).
    ///
    /// Example: isro --all
    #[command(about = "Four-letter word isro: read-only (ro) or read-write (rw)")]
    Isro => "isro",
    /// The size of a member's snapshots and transaction logs (`dirs`).
    ///
    /// Example: dirs
    #[command(about = "Four-letter word dirs: a member's snapshot and log sizes")]
    Dirs => "dirs",
}

/// Ask any four-letter word ZooKeeper knows, including those without a command of their own:
/// `stat` (the `stat` command reads a znode), `dump`, `wchc`, `wchp`, `crst`, `srst`, `hash`,
/// `gtmk`, `stmk`.
///
/// Example: flw wchc --all
#[derive(Debug, Args)]
#[command(about = "Ask any four-letter word (stat, dump, wchc, wchp, crst...)")]
pub struct Flw {
    /// The word
    pub word: String,
    #[command(flatten)]
    pub members: Members,
}

impl Run for Flw {
    async fn run(self, shell: &mut Shell) -> anyhow::Result<Reply> {
        if !is_word(&self.word) {
            return Err(ShellError::usage(format!(
                "flw: '{}' is not a four-letter word ZooKeeper knows (one of: {})",
                self.word,
                WORDS.join(", ")
            )));
        }
        ask(shell, &self.word, &self.members).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::both;

    fn report(word: &str, answers: Vec<(&str, WordAnswer)>) -> WordReport {
        WordReport {
            word: word.into(),
            members: answers
                .into_iter()
                .map(|(m, a)| MemberWord::new(m.into(), word, a))
                .collect(),
        }
    }

    #[test]
    fn one_member_answers_as_the_server_does() {
        let one = report(
            "mntr",
            vec![(
                "zk1:2181",
                WordAnswer::Answered("zk_version\t3.8.0\nzk_znode_count\t5\n".into()),
            )],
        );
        insta::assert_snapshot!(both(&one), @r#"
        --- text
        zk_version	3.8.0
        zk_znode_count	5
        --- json
        {"members":[{"fields":{"zk_version":"3.8.0","zk_znode_count":5},"member":"zk1:2181"}],"word":"mntr"}
        "#);
        assert!(one.unmet().is_none());
    }

    #[test]
    fn several_members_lead_each_line_and_failures_are_rows() {
        let several = report(
            "ruok",
            vec![
                ("zk1:2181", WordAnswer::Answered("imok".into())),
                ("zk2:2181", WordAnswer::NotWhitelisted),
                (
                    "zk3:2181",
                    WordAnswer::Failed("connection refused (nothing listens there)".into()),
                ),
            ],
        );
        insta::assert_snapshot!(both(&several), @r#"
        --- text
        zk1:2181 imok
        zk2:2181 error: ruok is not in the server's 4lw.commands.whitelist (allow it with `4lw.commands.whitelist=srvr,ruok` in zoo.cfg, or `4lw.commands.whitelist=*`)
        zk3:2181 error: connection refused (nothing listens there)
        --- json
        {"members":[{"answer":"imok","member":"zk1:2181"},{"allow":"4lw.commands.whitelist=srvr,ruok","error":"ruok is not in the server's 4lw.commands.whitelist","member":"zk2:2181"},{"error":"connection refused (nothing listens there)","member":"zk3:2181"}],"word":"ruok"}
        "#);
        assert!(several.unmet().is_some());
    }
}
