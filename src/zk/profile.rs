//! The connection profile: everything needed to reach one ZooKeeper (connect string with its
//! chroot, timeouts, read-only), built once from flags and environment, and the one function
//! that turns it into a zookeeper-client connector. The shell, shell completion and anything
//! that connects to a second cluster go through it, TLS and SASL included.

use std::time::Duration;

use zookeeper_client::{Client, Connector};

use crate::zk::auth::Credential;
use crate::zk::sasl::SaslLogin;
use crate::zk::tls::TlsFiles;

/// The per-host prefixes of a connect string (zookeeper-client's).
const PLAIN_SCHEME: &str = "tcp://";
const TLS_SCHEME: &str = "tcp+tls://";

/// How to reach ZooKeeper.
#[derive(Debug, Clone)]
pub struct Profile {
    /// The profile (`-P NAME`, `connect NAME`) these settings came from, if any.
    pub name: Option<String>,
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
    /// TLS files: with them, every host without an explicit `tcp://` speaks TLS.
    pub tls: Option<TlsFiles>,
    /// SASL DIGEST-MD5 login, done by the client on every new connection.
    pub sasl: Option<SaslLogin>,
    /// Credentials every session of this profile presents (ZKSH_AUTH, --auth-file, a named
    /// profile's auth_env/auth_file).
    pub auth: Vec<Credential>,
}

impl Profile {
    /// These settings (server, timeouts, request size) without a profile name, TLS, SASL
    /// login or credentials: what a named profile fills in, or a snapshot's loopback server.
    pub fn plain(self) -> Profile {
        Profile {
            name: None,
            tls: None,
            sasl: None,
            auth: Vec::new(),
            ..self
        }
    }

    /// The defaults of the command line, for `server`: the base of the unit tests' profiles.
    #[cfg(test)]
    pub fn for_tests(server: &str) -> Profile {
        Profile {
            name: None,
            server: server.into(),
            session_timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(10),
            readonly: false,
            max_request_size: crate::zk::limits::DEFAULT_MAX_REQUEST,
            tls: None,
            sasl: None,
            auth: Vec::new(),
        }
    }

    /// A connector carrying this profile, with its TLS, SASL login and credentials.
    /// Credentials added later (`addauth`) are added by whoever holds them (the connection
    /// re-applies its own on every new session). Give it [`Profile::cluster`], not `server`.
    pub fn connector(&self) -> Connector {
        let mut connector = Client::connector()
            .with_session_timeout(self.session_timeout)
            .with_readonly(self.readonly)
            .with_fail_eagerly();
        if let Some(tls) = &self.tls {
            connector = connector.with_tls(tls.options());
        }
        if let Some(sasl) = &self.sasl {
            connector = connector.with_sasl(sasl.options());
        }
        for credential in &self.auth {
            connector = connector.with_auth(credential.scheme(), credential.secret());
        }
        connector
    }

    /// The connect string for the connector: with TLS files, bare hosts are marked
    /// `tcp+tls://` (zookeeper-client's `secure_connect` does the same, but it is a different
    /// call and every caller would have to choose).
    pub fn cluster(&self) -> String {
        if self.tls.is_none() {
            return self.server.clone();
        }
        self.server
            .split(',')
            .map(|host| {
                if host.starts_with(PLAIN_SCHEME) || host.starts_with(TLS_SCHEME) {
                    host.to_string()
                } else {
                    format!("{TLS_SCHEME}{host}")
                }
            })
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The chroot part of the connect string, if any (`/app` in `zk1:2181/app`).
    pub fn chroot(&self) -> Option<&str> {
        chroot_of(&self.server)
    }

    /// The TLS hosts of the connect string, as (host, port), in order.
    pub fn tls_hosts(&self) -> Vec<(String, u16)> {
        let cluster = self.cluster();
        let hosts = match chroot_of(&cluster) {
            Some(chroot) => &cluster[..cluster.len() - chroot.len()],
            None => &cluster[..],
        };
        hosts
            .split(',')
            .filter_map(|host| host.strip_prefix(TLS_SCHEME))
            .filter_map(|host| {
                let (name, port) = host.rsplit_once(':')?;
                let name = name.trim_start_matches('[').trim_end_matches(']');
                Some((name.to_string(), port.parse().ok()?))
            })
            .collect()
    }
}

/// Whether a connect string names a host with `tcp+tls://`.
pub fn names_tls_host(server: &str) -> bool {
    server.split(',').any(|host| host.starts_with(TLS_SCHEME))
}

/// The chroot of a connect string: after the first `/` of the last host, past its scheme.
pub fn chroot_of(server: &str) -> Option<&str> {
    let last_start = server.rfind(',').map_or(0, |i| i + 1);
    let last = &server[last_start..];
    let scheme = [PLAIN_SCHEME, TLS_SCHEME]
        .iter()
        .find(|scheme| last.starts_with(**scheme))
        .map_or(0, |scheme| scheme.len());
    last[scheme..].find('/').map(|i| &server[last_start + scheme + i..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(server: &str) -> Profile {
        Profile::for_tests(server)
    }

    #[test]
    fn chroot_is_the_path_after_the_hosts() {
        assert_eq!(profile("a:1,b:2/app/x").chroot(), Some("/app/x"));
        assert_eq!(profile("a:1").chroot(), None);
        assert_eq!(profile("tcp+tls://a:1,tcp://b:2/app").chroot(), Some("/app"));
        assert_eq!(profile("tcp+tls://a:1").chroot(), None);
    }

    #[test]
    fn the_tls_hosts_are_the_marked_ones() {
        let p = profile("a:1,tcp+tls://b:2,[::1]:3/app");
        assert_eq!(p.cluster(), "a:1,tcp+tls://b:2,[::1]:3/app");
        assert_eq!(p.tls_hosts(), vec![("b".to_string(), 2)]);
        assert!(names_tls_host(&p.server));
        assert!(!names_tls_host("a:1/x"));
    }
}
