//! What the shell does around `connect` and `close`: stop what belonged to the old session
//! (watches, held locks), swap or drop the session, and go back to `/`. A transaction block
//! must be settled first: its queued writes were meant for the old cluster.

use crate::errors::{ShellError, ZkError};
use crate::events::ConnState;
use crate::shell::Shell;
use crate::zk::Profile;

/// What `connect` changed.
#[derive(Debug)]
pub struct Switched {
    pub session_id: i64,
    /// The session closed in favour of the new one.
    pub closed_session: Option<i64>,
    pub watches_stopped: usize,
    pub locks_released: usize,
    /// `addauth` credentials not carried to a different connect string.
    pub credentials_dropped: usize,
}

/// What `close` changed.
#[derive(Debug)]
pub struct Detached {
    pub closed_session: Option<i64>,
    pub watches_stopped: usize,
    pub locks_released: usize,
}

impl Shell {
    /// Opens a session with `profile` and, once it stands, makes it the shell's: the old
    /// session closes in order and what it held stops. A target that does not answer
    /// changes nothing, and the error says where the shell still is.
    pub async fn connect_to(&mut self, profile: Profile) -> anyhow::Result<Switched> {
        self.refuse_in_txn("connect: a transaction block is open (txn commit or txn abort first)")?;
        let conn = self.zk.connection().clone();
        let keep_added = profile.server == conn.settings().server;
        let client = match conn.open_target(&profile, keep_added).await {
            Ok(client) => client,
            Err(err) => return Err(self.with_where_left(err)),
        };
        let closed_session = conn.current().map(|old| old.session_id().0);
        let (watches_stopped, locks_released) = self.stop_session_holders().await;
        let credentials_dropped = if keep_added { 0 } else { conn.added_count() };
        let session_id = client.session_id().0;
        conn.switch(profile, client, keep_added).await;
        self.cwd = "/".into();
        self.previous_cwd = None;
        Ok(Switched {
            session_id,
            closed_session,
            watches_stopped,
            locks_released,
            credentials_dropped,
        })
    }

    /// Closes the session and stays without one until `connect`.
    pub async fn disconnect(&mut self) -> anyhow::Result<Detached> {
        self.refuse_in_txn("close: a transaction block is open (txn commit or txn abort first)")?;
        let (watches_stopped, locks_released) = self.stop_session_holders().await;
        let closed_session = self.zk.connection().detach().await;
        Ok(Detached {
            closed_session,
            watches_stopped,
            locks_released,
        })
    }

    /// Stops the watches and releases the locks (each held through the old session or one
    /// beside it); says how many of each.
    async fn stop_session_holders(&mut self) -> (usize, usize) {
        let watches = self.watches.remove(|_| true).len();
        let locks = self.locks.list().len();
        self.locks.release_all(&self.zk).await;
        (watches, locks)
    }

    /// A failed `connect`'s error, with where the shell was left: on the old session,
    /// unchanged.
    fn with_where_left(&self, err: anyhow::Error) -> anyhow::Error {
        let (op, path, message) = match (err.downcast_ref::<ShellError>(), err.downcast_ref::<ZkError>()) {
            (Some(ShellError::NoConnection { op, path, message }), _) => (*op, path.clone(), message.clone()),
            (_, Some(e)) => (e.op, e.path.clone(), e.message()),
            _ => return err,
        };
        let conn = self.zk.connection();
        let old = &conn.settings().server;
        let left = match (conn.state(), conn.current()) {
            (Some(ConnState::Closed), _) if conn.is_detached() => "the shell stays without a session".to_string(),
            (Some(ConnState::Connected | ConnState::ReadOnly), Some(client)) => {
                format!("still connected to {old} (session 0x{:x})", client.session_id().0)
            }
            (Some(state), _) => format!("still on {old} ({})", state.label()),
            (None, _) => format!("still on {old} (connecting)"),
        };
        ShellError::NoConnection {
            op,
            path,
            message: format!("{message}; {left}"),
        }
        .into()
    }
}
