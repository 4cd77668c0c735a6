//! Resuming a session the client gave up on: the state listener that notices an end the
//! server did not announce, and the reconnects with the same session id that let the server
//! say whether the session lives (resumed) or not (LOST, and a new one where renewal is on).

use super::*;

impl Connection {
    /// Forwards the client's state changes as events until it ends. An end the server did not
    /// announce (`Expired` from the client's own timer) starts a resume, not a LOST.
    pub(super) fn spawn_state_listener(self: &Arc<Self>, client: &Client, generation: u64) {
        let mut watcher = client.state_watcher();
        // Not the client itself: a clone held here would keep the session open after close().
        let session = client.session().clone();
        let gave_up_after = client.session_timeout() * 7 / 5;
        let conn = Arc::clone(self);
        // A session opened on a read-only server starts there: no change would ever say so.
        if client.state() == SessionState::ConnectedReadOnly {
            conn.events.send(ShellEvent::State(ConnState::ReadOnly)).ok();
        }
        tokio::spawn(async move {
            loop {
                match watcher.changed().await {
                    SessionState::Expired => {
                        if conn.claim_resume(generation) {
                            let cause = ResumeCause::ClientGaveUp { after: gave_up_after };
                            conn.spawn_resume(generation, session, cause);
                        }
                        return;
                    }
                    SessionState::AuthFailed => {
                        // A rejected addauth is reported, and recovered from, by addauth
                        // (which claims the resume before it lowers the flag).
                        let by_addauth = conn.authenticating.load(Ordering::SeqCst);
                        if !by_addauth && conn.claim_resume(generation) {
                            conn.events.send(ShellEvent::State(ConnState::AuthFailed)).ok();
                            // The credentials zksh kept were all accepted once: the session
                            // may go on with them (an addauth past its deadline was refused).
                            let cause = ResumeCause::RejectedCredential { scheme: None };
                            conn.spawn_resume(generation, session, cause);
                        }
                        return;
                    }
                    SessionState::Closed => {
                        if !conn.is_closing() {
                            conn.events.send(ShellEvent::State(ConnState::Closed)).ok();
                        }
                        return;
                    }
                    state => {
                        conn.events.send(ShellEvent::State(ConnState::from_session(state))).ok();
                    }
                }
            }
        });
    }

    /// Marks generation `generation` as being resumed; false when it is not current, or its
    /// fate is settled or already being settled.
    pub(super) fn claim_resume(&self, generation: u64) -> bool {
        self.change_standing(generation, |s| s == Standing::AsReported, Standing::Resuming)
    }

    pub(super) fn spawn_resume(self: &Arc<Self>, generation: u64, session: SessionInfo, cause: ResumeCause) {
        let conn = Arc::clone(self);
        tokio::spawn(async move { conn.resume(generation, session, cause).await });
    }

    /// Reconnects to `session` until a server answers: resumed, or expired (LOST, then a new
    /// session when renewal is on). While nobody answers the state stays SUSPENDED.
    pub(super) async fn resume(self: &Arc<Self>, generation: u64, session: SessionInfo, cause: ResumeCause) {
        // A read-only session lives on one server only and cannot be re-established.
        if !session.is_readonly() && !self.reconnect_to(generation, &session, &cause).await {
            return;
        }
        if !self.set_standing(generation, Standing::Expired) {
            return;
        }
        self.events.send(ShellEvent::State(ConnState::Lost)).ok();
        if self.renews() {
            self.renew_in_background(generation).await;
        }
    }

    /// Tries `session` until a server answers; true when it answered that the session expired,
    /// false when it was resumed, its credentials refused, or the shell moved on or closes.
    pub(super) async fn reconnect_to(
        self: &Arc<Self>,
        generation: u64,
        session: &SessionInfo,
        cause: &ResumeCause,
    ) -> bool {
        let id = session.id().0;
        let mut pause = Duration::from_millis(250);
        let mut said_waiting = false;
        loop {
            if self.is_closing() {
                return false;
            }
            let attempt = {
                let _one_at_a_time = self.connecting.lock().await;
                if self.snapshot().1 != generation {
                    return false;
                }
                self.open(Some(session.clone()))
                    .await
                    .map(|client| self.install(generation, client))
            };
            match attempt {
                Ok(false) => return false,
                Ok(true) => {
                    let event = match cause {
                        ResumeCause::ClientGaveUp { .. } => Some(ShellEvent::Resumed(id)),
                        // addauth said so in its error.
                        ResumeCause::RejectedCredential { scheme: Some(_) } => None,
                        ResumeCause::RejectedCredential { scheme: None } => Some(ShellEvent::Notice(format!(
                            "{}; zksh dropped that credential and resumed session 0x{id:x} \
                             (its ephemeral nodes, persistent watches and other credentials are kept)",
                            rejection(None)
                        ))),
                    };
                    if let Some(event) = event {
                        self.events.send(event).ok();
                    }
                    return false;
                }
                Err(OpenError::Zk(zk::Error::SessionExpired | zk::Error::SessionMoved)) => return true,
                Err(OpenError::Zk(zk::Error::AuthFailed)) => {
                    if self.set_standing(generation, Standing::AuthFailed) {
                        self.events.send(ShellEvent::State(ConnState::AuthFailed)).ok();
                    }
                    return false;
                }
                Err(OpenError::Zk(err)) => tracing::debug!(session = id, %err, "resume attempt"),
                Err(OpenError::TimedOut) => tracing::debug!(session = id, "resume attempt timed out"),
            }
            if !said_waiting {
                said_waiting = true;
                let why = match cause {
                    ResumeCause::ClientGaveUp { after } => {
                        format!("no server answered for {}", human_duration(*after))
                    }
                    ResumeCause::RejectedCredential { scheme } => rejection(scheme.as_deref()),
                };
                self.events
                    .send(ShellEvent::Notice(format!(
                        "{why}; still trying to resume session 0x{id:x} \
                         (only the server can say that it expired)"
                    )))
                    .ok();
            }
            tokio::time::sleep(pause).await;
            // Short: once a server is back the session must be reclaimed before its timeout.
            pause = (pause * 2).min(Duration::from_secs(1));
        }
    }

    /// Builds the new session even when nobody types, so that watches come back.
    pub(super) async fn renew_in_background(self: &Arc<Self>, generation: u64) {
        let mut pause = Duration::from_millis(250);
        while !self.is_closing() {
            if self.renew(generation).await.is_ok() {
                return;
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_secs(5));
        }
    }
}
