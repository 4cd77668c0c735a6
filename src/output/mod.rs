//! What a command hands back and how it reaches the user: a typed value rendered as text or
//! JSON on any writer, a stream of rows rendered as they arrive, or quit.
//!
//! A result type derives `Serialize` for its JSON shape (the shapes README documents) and
//! implements [`Render`] for its text. Commands never print; the runner renders.

pub mod data;
pub mod stat;
pub mod stream;
pub mod table;

use std::io::{self, Write};

use serde::Serialize;

use crate::cli::OutputFormat;
use crate::errors::exit_code_of;
use crate::exit::ExitCode;
use crate::shell::runner::Script;
pub use stream::{RowSender, RowStream};

/// The text form of a result: what a person reads, and what `cut`/`grep` can rely on.
pub trait Render {
    /// Nothing by default: a write that succeeded says nothing (DESIGN.md, "Text output").
    fn render_text(&self, _out: &mut dyn Write) -> io::Result<()> {
        Ok(())
    }

    /// The condition not met, as the error a script reports for the line it stops on (the
    /// result itself, `/x does not exist`, says nothing of lines); None for a success.
    fn unmet(&self) -> Option<anyhow::Error> {
        None
    }

    /// The exit code the result stands for: a condition not met (`exists` on an absent node)
    /// is a result, not an error, and still exits as its error would (1).
    fn exit_code(&self) -> ExitCode {
        self.unmet().map_or(ExitCode::Success, |err| exit_code_of(&err))
    }
}

/// A result the runner can render either way; every `Render + Serialize` type is one.
pub trait Document: Render + Send {
    /// The JSON document. Built as a `serde_json::Value`, so object keys come out sorted, as
    /// they always have.
    fn to_json(&self) -> serde_json::Result<serde_json::Value>;
}

impl<T: Render + Serialize + Send> Document for T {
    fn to_json(&self) -> serde_json::Result<serde_json::Value> {
        serde_json::to_value(self)
    }
}

/// The kinds of result a command can have.
pub enum Reply {
    /// One document.
    Value(Box<dyn Document>),
    /// Rows rendered as they arrive (text lines or NDJSON), until the producer ends.
    Stream(RowStream),
    /// Lines for the runner to run in this shell (`source`).
    Run(Script),
    /// Leave the shell (or end the script).
    Quit,
    /// Nothing to render, and this exit code: stdout belonged to a command zksh ran
    /// (`lock PATH -- CMD`), whose code this is.
    Exit(ExitCode),
}

impl Reply {
    pub fn value(document: impl Document + 'static) -> Reply {
        Reply::Value(Box::new(document))
    }

    /// A write that succeeded and has nothing to say: no text, `{"ok": true}` in JSON.
    pub fn done() -> Reply {
        Reply::value(Done)
    }
}

impl std::fmt::Debug for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Reply::Value(_) => f.write_str("Reply::Value"),
            Reply::Stream(stream) => write!(f, "Reply::Stream({:?})", stream.origin()),
            Reply::Run(script) => write!(f, "Reply::Run({})", script.name),
            Reply::Quit => f.write_str("Reply::Quit"),
            Reply::Exit(code) => write!(f, "Reply::Exit({})", code.code()),
        }
    }
}

/// `10s`, `1.5s`, `250ms`.
pub fn human_duration(d: std::time::Duration) -> String {
    if d.as_millis() < 1000 {
        format!("{}ms", d.as_millis())
    } else if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

/// `120 B`, `52.3 KiB`, `1.0 MiB`: binary units, one decimal from KiB up.
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    // 1023.96 KiB would print as `1024.0 KiB`: step up before rounding does.
    while value >= 1023.95 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// Writes one document in `format`, ending with a newline where the format has lines.
pub fn write_document(document: &dyn Document, format: OutputFormat, out: &mut dyn Write) -> io::Result<()> {
    match format {
        OutputFormat::Text => document.render_text(out),
        OutputFormat::Json => {
            let value = document.to_json().map_err(io::Error::other)?;
            serde_json::to_writer(&mut *out, &value)?;
            writeln!(out)
        }
    }
}

/// Success with nothing to say.
#[derive(Debug, Clone, Copy)]
pub struct Done;

impl Serialize for Done {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry("ok", &true)?;
        map.end()
    }
}

impl Render for Done {}

/// A page meant for a reader (a command's help, a script, a manual page): the text, printed
/// with its trailing blank lines trimmed and one final newline, and its own JSON document.
#[derive(Debug)]
pub struct Page<T> {
    pub text: String,
    pub document: T,
}

impl<T: Serialize> Serialize for Page<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.document.serialize(serializer)
    }
}

impl<T> Render for Page<T> {
    fn render_text(&self, out: &mut dyn Write) -> io::Result<()> {
        let text = self.text.trim_end();
        if text.is_empty() {
            return Ok(());
        }
        writeln!(out, "{text}")
    }
}

/// Renders a document to a string, for renderer tests: text or JSON as the user sees it,
/// without colour.
#[cfg(test)]
pub fn rendered(document: &dyn Document, format: OutputFormat) -> String {
    colored::control::set_override(false);
    let mut out = Vec::new();
    write_document(document, format, &mut out).expect("rendering into memory cannot fail");
    String::from_utf8(out).expect("rendered output is UTF-8")
}

/// Both renderings, text then JSON, for one snapshot per result.
#[cfg(test)]
pub fn both(document: &dyn Document) -> String {
    format!(
        "--- text\n{}--- json\n{}",
        rendered(document, OutputFormat::Text),
        rendered(document, OutputFormat::Json)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_counts_read_in_binary_units() {
        let shown: Vec<String> = [0, 120, 1023, 1024, 53541, 1_048_524, 1_048_525, 1_048_576, 5 << 30]
            .into_iter()
            .map(human_bytes)
            .collect();
        assert_eq!(
            shown,
            [
                "0 B",
                "120 B",
                "1023 B",
                "1.0 KiB",
                "52.3 KiB",
                "1023.9 KiB",
                "1.0 MiB",
                "1.0 MiB",
                "5.0 GiB"
            ]
        );
    }

    #[test]
    fn done_is_silent_text_and_ok_json() {
        insta::assert_snapshot!(both(&Done), @r#"
        --- text
        --- json
        {"ok":true}
        "#);
    }
}
