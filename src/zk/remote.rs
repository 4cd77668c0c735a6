//! A second cluster named on the command line (`cp /a zk://host:2181/b`, `mirror`, `diff`):
//! its address parsed into a [`Profile`] that keeps the main connection's options (timeouts,
//! read-only, request size), connected through the same `Profile::connector`, so that
//! whatever the connector learns (auth, TLS) reaches it too.
//!
//! TLS: the other side is reached with the main connection's TLS files (`--ca`, `--cert`,
//! `--key`), so a copy between two TLS clusters of one CA just works; its hosts may say
//! `tcp://` to be reached in plain text. The SASL login is not carried over: it names a user
//! of the main cluster, and a server without SASL would refuse the connection.
//!
//! Profiles by name (`cp /a prod:/b`) do not exist yet: [`Place::parse`] is where a name
//! would be looked up once they do.

use crate::errors::ShellError;
use crate::events;
use crate::path::resolve_path;
use crate::zk::options::ConnectOptions;
use crate::zk::{Profile, Zk};

/// The scheme that marks another cluster.
const SCHEME: &str = "zk://";

/// Where a subtree is: a path of the shell's own cluster, or of another one.
#[derive(Debug, Clone)]
pub enum Place {
    /// A path typed for the current cluster (resolved against the current node by the caller).
    Here(String),
    /// Another cluster and an absolute path on it.
    Remote(Remote),
}

/// Another cluster and a path on it.
#[derive(Debug, Clone)]
pub struct Remote {
    pub profile: Profile,
    pub path: String,
}

impl Place {
    /// `zk://host:port[,host:port...][/path]` or `PROFILE:/path` (a profile of the profile
    /// file) is another cluster (the path defaults to `/`); anything else is a path here.
    /// `main` gives the options the other cluster is reached with.
    pub fn parse(input: &str, main: &Profile) -> anyhow::Result<Place> {
        if let Some(remote) = profile_place(input, main)? {
            return Ok(Place::Remote(remote));
        }
        let Some(rest) = input.strip_prefix(SCHEME) else {
            return Ok(Place::Here(input.to_string()));
        };
        // Hosts may carry a scheme (`tcp://`, `tcp+tls://`), whose slashes are not the path's.
        let path = crate::zk::profile::chroot_of(rest).unwrap_or("/");
        let hosts = rest.strip_suffix(path).unwrap_or(rest);
        if hosts.is_empty() || hosts.split(',').any(|host| !is_host_port(unscheme(host))) {
            return Err(ShellError::usage(format!(
                "'{input}': another cluster is zk://host:port[,host:port...]/path"
            )));
        }
        if hosts.contains('@') {
            return Err(ShellError::usage(format!(
                "'{input}': credentials never go in an address (use addauth)"
            )));
        }
        if main.tls.is_none() && crate::zk::profile::names_tls_host(hosts) {
            return Err(ShellError::usage(format!(
                "'{input}': a tcp+tls:// host needs the TLS files of the main connection (--ca ...)"
            )));
        }
        let path = resolve_path("/", path)?;
        let profile = Profile {
            name: None,
            server: hosts.to_string(),
            sasl: None,
            ..main.clone()
        };
        Ok(Place::Remote(Remote { profile, path }))
    }

    pub fn is_remote(&self) -> bool {
        matches!(self, Place::Remote(_))
    }
}

impl Remote {
    /// A handle on the other cluster, connected: an unreachable cluster fails here (exit 3),
    /// before anything is read or written. Its connection events are not the shell's: a
    /// state line about it would read as one about the main session.
    pub async fn connect(&self) -> anyhow::Result<Zk> {
        let (tx, _quiet) = events::channel();
        let zk = Zk::new(self.profile.clone(), tx);
        zk.client().await?;
        Ok(zk)
    }

    /// `zk://hosts/path` or `PROFILE:/path`, as the user wrote it (no credentials are ever
    /// in it).
    pub fn shown(&self) -> String {
        match &self.profile.name {
            Some(name) => format!("{name}:{}", self.path),
            None => format!("{SCHEME}{}{}", self.profile.server, self.path),
        }
    }
}

/// `NAME:/path` where NAME is a profile: that cluster, reached with the profile's settings
/// (the main connection's options where the profile has none). A node of this cluster that
/// happens to be called `NAME:` is then reached as `./NAME:/path`.
fn profile_place(input: &str, main: &Profile) -> anyhow::Result<Option<Remote>> {
    let Some((name, path)) = input.split_once(':') else {
        return Ok(None);
    };
    if input.starts_with(SCHEME) || !path.starts_with('/') || name.is_empty() || !crate::profiles::exists(name) {
        return Ok(None);
    }
    // The main connection's timeouts; TLS, SASL and the server are the profile's own.
    let mut options = ConnectOptions::plain(Profile {
        name: None,
        ..main.clone()
    });
    crate::profiles::fill(name, &mut options, &crate::profiles::Given::default()).map_err(ShellError::usage)?;
    let profile = options.resolve(true)?;
    let path = resolve_path("/", path)?;
    Ok(Some(Remote { profile, path }))
}

fn unscheme(host: &str) -> &str {
    ["tcp://", "tcp+tls://"]
        .iter()
        .find_map(|scheme| host.strip_prefix(scheme))
        .unwrap_or(host)
}

fn is_host_port(host: &str) -> bool {
    match host.rsplit_once(':') {
        Some((name, port)) => !name.is_empty() && port.parse::<u16>().is_ok(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn main_profile() -> Profile {
        Profile {
            name: None,
            server: "here:2181/chroot".into(),
            session_timeout: Duration::from_secs(7),
            connect_timeout: Duration::from_secs(3),
            request_timeout: Duration::from_secs(9),
            readonly: false,
            max_request_size: 1234,
            tls: None,
            sasl: None,
        }
    }

    #[test]
    fn another_cluster_keeps_the_main_options() {
        let Place::Remote(remote) = Place::parse("zk://a:1,b:2/x/y", &main_profile()).unwrap() else {
            panic!("a remote place");
        };
        assert_eq!(remote.profile.server, "a:1,b:2");
        assert_eq!(remote.path, "/x/y");
        assert_eq!(remote.profile.request_timeout, Duration::from_secs(9));
        assert_eq!(remote.profile.max_request_size, 1234);
        assert_eq!(remote.shown(), "zk://a:1,b:2/x/y");
        let Place::Remote(root) = Place::parse("zk://a:1", &main_profile()).unwrap() else {
            panic!("a remote place");
        };
        assert_eq!(root.path, "/");
        let Place::Remote(plain) = Place::parse("zk://tcp://a:1,tcp://b:2/x", &main_profile()).unwrap() else {
            panic!("a remote place");
        };
        assert_eq!(
            (plain.profile.server.as_str(), plain.path.as_str()),
            ("tcp://a:1,tcp://b:2", "/x")
        );
        // No TLS files to reach a TLS host with.
        assert!(Place::parse("zk://tcp+tls://a:1/x", &main_profile()).is_err());
    }

    #[test]
    fn a_plain_path_is_here_and_bad_addresses_are_usage_errors() {
        assert!(matches!(Place::parse("/a/b", &main_profile()).unwrap(), Place::Here(p) if p == "/a/b"));
        for bad in ["zk://", "zk://host/x", "zk://host:port/x", "zk://:1/x", "zk://a:1/x/"] {
            assert!(Place::parse(bad, &main_profile()).is_err(), "{bad}");
        }
    }
}
