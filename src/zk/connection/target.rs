//! Changing what the shell is connected to: `connect TARGET` opens a session on the target
//! first and only then closes the old one (a target that does not answer leaves the shell as
//! it was), and `close` leaves no session until the next `connect`.

use super::*;

/// What a command run after `close` gets: at once, not after the request deadline.
pub fn not_connected() -> anyhow::Error {
    ShellError::NoConnection {
        op: "session",
        path: String::new(),
        message: "not connected (use connect)".into(),
    }
    .into()
}

/// A connect attempt's failure in words, naming the connect string (never a credential).
pub(super) fn connect_error(settings: &Profile, err: OpenError) -> anyhow::Error {
    let server = settings.server.clone();
    let message = match err {
        OpenError::Zk(zk::Error::BadArguments(msg)) => {
            return ShellError::usage(format!("invalid connect string '{server}': {msg}"));
        }
        OpenError::Zk(zk::Error::NoHosts) => "no server answered (is ZooKeeper running there?)".to_string(),
        // ZooKeeper's own code (AUTHFAILED), which also tells a retry loop not to try again.
        OpenError::Zk(zk::Error::AuthFailed) => {
            return crate::errors::ZkError::new("connect", server, zk::Error::AuthFailed)
                .followed_by(crate::zk::sasl::auth_failed(settings))
                .into();
        }
        OpenError::Tls(reason) => reason,
        OpenError::Zk(other) => other.to_string(),
        OpenError::TimedOut => format!(
            "no session established within {}",
            human_duration(settings.connect_timeout)
        ),
    };
    ShellError::NoConnection {
        op: "connect",
        path: server,
        message,
    }
    .into()
}

/// Whether a connect failed because the server rejected a credential: trying again would
/// only be rejected again.
pub fn is_auth_failure(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<crate::errors::ZkError>()
            .is_some_and(|e| matches!(e.source, zk::Error::AuthFailed))
    })
}

impl Connection {
    /// Whether `close` left the shell without a session.
    pub fn is_detached(&self) -> bool {
        self.detached.load(Ordering::SeqCst)
    }

    /// A new session with `profile`, beside the current one (which it does not touch): with
    /// the profile's credentials, and those added with `addauth` when `keep_added`.
    pub async fn open_target(&self, profile: &Profile, keep_added: bool) -> anyhow::Result<Client> {
        let mut connector = profile.connector();
        if keep_added {
            for c in self.credentials_lock().iter() {
                connector = connector.with_auth(c.scheme(), c.secret());
            }
        }
        match tokio::time::timeout(profile.connect_timeout, connector.connect(&profile.cluster())).await {
            Ok(Ok(client)) => Ok(client),
            Ok(Err(zk::Error::NoHosts)) if profile.tls.is_some() => {
                let err = match crate::zk::tls::diagnose(profile).await {
                    Some(reason) => OpenError::Tls(reason),
                    None => OpenError::Zk(zk::Error::NoHosts),
                };
                Err(connect_error(profile, err))
            }
            Ok(Err(err)) => Err(connect_error(profile, OpenError::Zk(err))),
            Err(_) => Err(connect_error(profile, OpenError::TimedOut)),
        }
    }

    /// Makes `client`, opened by [`Connection::open_target`] with `profile`, the current
    /// session, then closes the old one in order (bounded). `addauth` credentials go unless
    /// `keep_added`. Whoever held the old client (watch tasks, locks) must be stopped first.
    pub async fn switch(self: &Arc<Self>, profile: Profile, client: Client, keep_added: bool) {
        let old = {
            let _one_at_a_time = self.connecting.lock().await;
            if !keep_added {
                self.credentials_lock().clear();
            }
            *self.settings.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Arc::new(profile);
            self.detached.store(false, Ordering::SeqCst);
            let (old, generation) = {
                let mut health = self.health();
                health.generation += 1;
                health.standing = Standing::AsReported;
                (self.current.send_replace(Some(client.clone())), health.generation)
            };
            self.spawn_state_listener(&client, generation);
            old
        };
        if let Some(old) = old {
            close_sessions(vec![old], Duration::from_secs(2)).await;
        }
    }

    /// Closes the current session in order (bounded) and leaves none: until the next
    /// `connect`, commands fail at once with [`not_connected`]. Says which session it closed.
    pub async fn detach(&self) -> Option<i64> {
        let old = {
            let _one_at_a_time = self.connecting.lock().await;
            self.detached.store(true, Ordering::SeqCst);
            let mut health = self.health();
            health.generation += 1;
            health.standing = Standing::AsReported;
            self.current.send_replace(None)
        };
        let id = old.as_ref().map(|client| client.session_id().0);
        if let Some(old) = old {
            close_sessions(vec![old], Duration::from_secs(2)).await;
        }
        id
    }
}

impl Connection {
    /// How many credentials were added with `addauth` (not the profile's own).
    pub fn added_count(&self) -> usize {
        self.credentials_lock().len()
    }
}
