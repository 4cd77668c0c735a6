//! `version`: which zksh this is.

use clap::Args;
use serde_json::json;

use crate::cli::OutputArg;
use crate::outcome::Outcome;

/// Print zksh's version.
///
/// The server's version is not part of the client protocol; ask the server itself
/// (the `srvr` four-letter word) for it.
///
/// Example: version
#[derive(Debug, Args)]
pub struct VersionArgs {
    #[command(flatten)]
    pub out: OutputArg,
}

pub fn execute() -> Outcome {
    let version = env!("CARGO_PKG_VERSION");
    Outcome::Text {
        text: format!("zksh {version}"),
        json: json!({"version": version}),
    }
}
