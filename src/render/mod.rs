//! Renderers: turn an `Outcome` into text or JSON on any `impl Write`. Only these and the
//! event printers write to the terminal.

pub mod data;
pub mod json;
pub mod stat;
pub mod text;
pub mod watch;

use std::io::Write;

use crate::cli::OutputFormat;
use crate::outcome::Outcome;

pub fn render(outcome: &Outcome, format: OutputFormat, out: &mut impl Write) -> std::io::Result<()> {
    match format {
        OutputFormat::Text => text::render(outcome, out),
        OutputFormat::Json => json::render(outcome, out),
    }
}
