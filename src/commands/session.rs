//! `session`: what this shell's ZooKeeper session is: id, timeout, state, server, credentials.

use clap::Args;

use crate::cli::OutputArg;
use crate::events::ConnState;
use crate::outcome::{Outcome, SessionInfo};
use crate::session::Session;

/// Show this shell's ZooKeeper session.
///
/// A session is what ZooKeeper keeps for one client: an id, a timeout negotiated at connect
/// time (the server clamps the asked-for value between 2 and 20 ticks), the ephemeral nodes
/// and watches that live and die with it, and the identities added with addauth. It survives
/// reconnects to any server of the ensemble until the timeout passes without contact. Shown
/// here: the session id (hex, as ephemeralOwner shows it), the negotiated timeout, the
/// connection state (CONNECTED, SUSPENDED, READ_ONLY...), whether the server is read-only,
/// the connect string, the current node, and how many credentials of each scheme were added
/// (never the secrets). The client is not told which server of the ensemble it talks to.
///
/// Example: session -o json
#[derive(Debug, Args)]
pub struct SessionArgs {
    #[command(flatten)]
    pub out: OutputArg,
}

pub async fn execute(_args: SessionArgs, session: &mut Session) -> anyhow::Result<Outcome> {
    let client = session.client().await?;
    let state = ConnState::from_session(client.state());
    Ok(Outcome::Session(Box::new(SessionInfo {
        id: client.session_id().0,
        timeout: client.session_timeout(),
        state,
        readonly: state == ConnState::ReadOnly,
        readonly_allowed: session.settings().readonly,
        server: session.settings().server.clone(),
        cwd: session.cwd().to_string(),
        credentials: session.connection().credential_counts(),
    })))
}
