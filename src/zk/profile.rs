//! The connection profile: everything needed to reach one ZooKeeper (connect string with its
//! chroot, timeouts, read-only), built once from flags and environment, and the one function
//! that turns it into a zookeeper-client connector. The shell, shell completion and anything
//! that connects to a second cluster go through it.

use std::time::Duration;

use zookeeper_client::{Client, Connector};

use crate::zk::auth::Credential;

/// How to reach ZooKeeper.
#[derive(Debug, Clone)]
pub struct Profile {
    /// `host:port[,host:port...][/chroot]`.
    pub server: String,
    pub session_timeout: Duration,
    /// How long to wait for a session at all.
    pub connect_timeout: Duration,
    /// Deadline of each request while the connection is down.
    pub request_timeout: Duration,
    /// Accept a read-only server (zkCli's -r).
    pub readonly: bool,
    /// The server's jute.maxbuffer: a larger request would cost the connection.
    pub max_request_size: usize,
    /// Credentials every session of this profile presents (from ZKSH_AUTH, --auth-file).
    pub auth: Vec<Credential>,
}

impl Profile {
    /// A connector carrying this profile, with its credentials. Credentials added later
    /// (`addauth`) are added by whoever holds them (the connection re-applies its own on
    /// every new session).
    pub fn connector(&self) -> Connector {
        let mut connector = Client::connector()
            .with_session_timeout(self.session_timeout)
            .with_readonly(self.readonly)
            .with_fail_eagerly();
        for credential in &self.auth {
            connector = connector.with_auth(credential.scheme(), credential.secret());
        }
        connector
    }

    /// The chroot part of the connect string, if any (`/app` in `zk1:2181/app`).
    pub fn chroot(&self) -> Option<&str> {
        self.server.find('/').map(|i| &self.server[i..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(server: &str) -> Profile {
        Profile {
            server: server.into(),
            session_timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(10),
            readonly: false,
            max_request_size: 0xfffff,
            auth: Vec::new(),
        }
    }

    #[test]
    fn chroot_is_the_path_after_the_hosts() {
        assert_eq!(profile("a:1,b:2/app/x").chroot(), Some("/app/x"));
        assert_eq!(profile("a:1").chroot(), None);
    }
}
