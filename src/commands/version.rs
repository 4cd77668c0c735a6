//! `version`: which zksh this is.

use std::io::Write;

use clap::Args;
use serde::Serialize;

use crate::commands::Run;
use crate::output::{Render, Reply};
use crate::shell::Shell;

/// Print zksh's version.
///
/// The server's version is not part of the client protocol; ask the server itself
/// (the `srvr` four-letter word) for it.
///
/// Example: version
#[derive(Debug, Args)]
#[command(about = "Print zksh's version")]
pub struct Version {}

#[derive(Debug, Serialize)]
pub struct VersionInfo {
    pub version: &'static str,
}

impl Render for VersionInfo {
    fn render_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        writeln!(out, "zksh {}", self.version)
    }
}

impl Run for Version {
    async fn run(self, _shell: &mut Shell) -> anyhow::Result<Reply> {
        Ok(Reply::value(VersionInfo {
            version: env!("CARGO_PKG_VERSION"),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::both;

    #[test]
    fn version_line() {
        insta::assert_snapshot!(both(&VersionInfo { version: "1.2.3" }), @r#"
        --- text
        zksh 1.2.3
        --- json
        {"version":"1.2.3"}
        "#);
    }
}
