//! The credentials of the shell's user: the profile's own (ZKSH_AUTH, --auth-file) and those
//! added with `addauth`, kept to be presented by every session the connection opens.

use super::*;

impl Connection {
    pub(super) fn credentials_lock(&self) -> MutexGuard<'_, Vec<Credential>> {
        // A panic while holding this lock cannot leave the Vec half-updated: recover it.
        self.credentials.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A connector for a new session of this shell's user: the profile, with the credentials
    /// given so far. A lock holds a session of its own (`recipes::session`).
    pub fn connector(&self) -> zk::Connector {
        let mut connector = self.settings().connector();
        for c in self.credentials_lock().iter() {
            connector = connector.with_auth(c.scheme(), c.secret());
        }
        connector
    }

    /// Every credential a session of this shell presents: the profile's, then those added
    /// with `addauth`. A connection to another cluster as the same user starts with them.
    pub fn presented_credentials(&self) -> Vec<Credential> {
        let mut all = self.settings().auth.clone();
        all.extend(self.credentials_lock().iter().cloned());
        all
    }

    /// Adds credentials to the live session and remembers them for the next one. A credential
    /// the server rejects is dropped, and the session it ended is resumed without it.
    pub async fn add_auth(self: &Arc<Self>, scheme: &str, secret: Vec<u8>) -> anyhow::Result<()> {
        let client = self.client().await?;
        let generation = self.snapshot().1;
        self.authenticating.store(true, Ordering::SeqCst);
        let settings = self.settings();
        let result = tokio::time::timeout(settings.request_timeout, client.auth(scheme, &secret)).await;
        let mut resuming = false;
        if let Ok(Err(zk::Error::AuthFailed)) = result {
            // The server closed the connection, which ended the client; the session lives on.
            if self.claim_resume(generation) {
                let cause = ResumeCause::RejectedCredential {
                    scheme: Some(scheme.to_string()),
                };
                self.spawn_resume(generation, client.session().clone(), cause);
                resuming = true;
            }
        }
        self.authenticating.store(false, Ordering::SeqCst);
        match result {
            Ok(Ok(())) => {}
            // Said in the error itself, one line, rather than in a notice that may come before
            // or after it (or after the run ended); a resume that fails says LOST.
            Ok(Err(err)) if resuming => {
                return Err(crate::errors::ZkError::new("addauth", scheme, err)
                    .followed_by(RESUMING_AFTER_REJECTION)
                    .into());
            }
            Ok(Err(err)) => return Err(crate::errors::ZkError::new("addauth", scheme, err).into()),
            Err(_) => return Err(deadline_error(&settings, "addauth", scheme)),
        }
        self.credentials_lock().push(Credential::new(scheme, secret));
        Ok(())
    }

    /// How many credentials of each scheme the session presents (the profile's and those
    /// added), sorted by scheme; never the secrets.
    pub fn credential_counts(&self) -> Vec<(String, usize)> {
        let mut counts: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
        for c in self.presented_credentials() {
            *counts.entry(c.scheme().to_string()).or_default() += 1;
        }
        counts.into_iter().collect()
    }
}
