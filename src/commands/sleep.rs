//! `sleep DURATION`: pause a script (events keep printing meanwhile).

use std::time::Duration;

use clap::Args;

use crate::cli::{OutputArg, parse_duration};
use crate::outcome::Outcome;

/// Pause for a while, e.g. in a script waiting for something to happen.
///
/// Example: sleep 500ms
#[derive(Debug, Args)]
pub struct SleepArgs {
    /// How long: 2s, 500ms, 1m (a bare number means seconds)
    #[arg(value_parser = parse_duration)]
    pub duration: Duration,
    #[command(flatten)]
    pub out: OutputArg,
}

pub async fn execute(args: SleepArgs) -> anyhow::Result<Outcome> {
    tokio::time::sleep(args.duration).await;
    Ok(Outcome::Done)
}
