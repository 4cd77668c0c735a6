//! `sleep DURATION`: pause a script (events keep printing meanwhile).

use std::time::Duration;

use clap::Args;

use crate::cli::parse_duration;
use crate::commands::Run;
use crate::output::Reply;
use crate::shell::Shell;

/// Pause for a while, e.g. in a script waiting for something to happen.
///
/// Example: sleep 500ms
#[derive(Debug, Args)]
#[command(about = "Pause a script (e.g. sleep 2s)")]
pub struct Sleep {
    /// How long: 2s, 500ms, 1m (a bare number means seconds)
    #[arg(value_parser = parse_duration)]
    pub duration: Duration,
}

impl Run for Sleep {
    async fn run(self, _shell: &mut Shell) -> anyhow::Result<Reply> {
        tokio::time::sleep(self.duration).await;
        Ok(Reply::done())
    }
}
