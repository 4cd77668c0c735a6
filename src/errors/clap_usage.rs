//! A command line clap refused, reported as one line (and in the JSON error shape).

use std::fmt;

/// A command line clap refused (unknown flag, missing argument), with the command it was for:
/// reported in the JSON error shape when JSON was asked for.
#[derive(Debug)]
pub struct ClapUsage {
    /// The command's name, or empty when the command itself is unknown.
    pub op: String,
    pub error: clap::Error,
}

impl ClapUsage {
    /// clap's explanation without its usage block and styling, on one line:
    /// `unexpected argument '-z' found; tip: ...`.
    pub fn message(&self) -> String {
        let rendered = self.error.render().to_string();
        let mut message = String::new();
        for line in rendered.lines().map(str::trim) {
            if line.starts_with("Usage:") || line.starts_with("For more information") {
                break;
            }
            if line.is_empty() {
                continue;
            }
            let line = line.strip_prefix("error: ").unwrap_or(line);
            if !message.is_empty() {
                message.push_str(if message.ends_with(':') { " " } else { "; " });
            }
            message.push_str(line);
        }
        message
    }
}

impl fmt::Display for ClapUsage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for ClapUsage {}
