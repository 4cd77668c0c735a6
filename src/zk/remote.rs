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
//! The other side acts as the same user: the main profile it copies carries every credential
//! the shell's session presents (ZKSH_AUTH, --auth-file, addauth: `Zk::profile_as_user`).
//! A profile name (`prod:/app`, `connect prod`) is reached with that profile's own settings
//! and credentials instead. `connect TARGET` turns its target into a profile here too
//! ([`target_profile`]).

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
    Remote(Box<Remote>),
}

/// Another cluster and a path on it.
#[derive(Debug, Clone)]
pub struct Remote {
    pub profile: Profile,
    pub path: String,
    /// `snapshot:DIR@POINT` when this is a snapshot served on a loopback port for this run.
    pub snapshot: Option<String>,
}

impl Place {
    /// `zk://host:port[,host:port...][/path]` or `PROFILE:/path` (a profile of the profile
    /// file) is another cluster (the path defaults to `/`); anything else is a path here.
    /// `main` gives the options the other cluster is reached with.
    ///
    /// `snapshot:DIR[@ZXID|@TIME][:/path]` is a data dir (or snapshot file) at a point,
    /// replayed now and served read-only on a loopback port: a plain profile (no TLS, SASL or
    /// credentials: the tree holds every ACL as it was, and the server checks none). The
    /// scheme wins over a profile called `snapshot`.
    pub fn parse(input: &str, main: &Profile) -> anyhow::Result<Place> {
        if let Some(remote) = snapshot_place(input, main)? {
            return Ok(Place::Remote(Box::new(remote)));
        }
        if let Some(remote) = profile_place(input, main)? {
            return Ok(Place::Remote(Box::new(remote)));
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
            sasl: None,
            ..with_server(main, hosts)
        };
        Ok(Place::Remote(Box::new(Remote {
            profile,
            path,
            snapshot: None,
        })))
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
        if let Some(snapshot) = &self.snapshot {
            return format!("{snapshot}:{}", self.path);
        }
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
    let profile = named_profile(name, main)?;
    let path = resolve_path("/", path)?;
    Ok(Some(Remote {
        profile,
        path,
        snapshot: None,
    }))
}

/// `snapshot:DIR[@POINT][:/path]`: the snapshot served for this run, reached plainly with
/// `main`'s timeouts. A missing dir, a bad point or one before the oldest snapshot is a
/// usage error (exit 2), before anything is read or written.
fn snapshot_place(input: &str, main: &Profile) -> anyhow::Result<Option<Remote>> {
    let Some(named) = crate::snapshot::source::parse(input) else {
        return Ok(None);
    };
    let named = named.map_err(ShellError::usage)?;
    let path = resolve_path("/", &named.path)?;
    let serving = crate::snapshot::source::open(&named.dir, named.point)
        .map_err(|err| ShellError::usage(format!("'{input}': {err:#}")))?;
    let profile = Profile {
        server: serving.address.to_string(),
        readonly: false,
        ..main.clone().plain()
    };
    let head = input.strip_suffix(&format!(":{}", named.path)).unwrap_or(input);
    Ok(Some(Remote {
        profile,
        path,
        snapshot: Some(head.to_string()),
    }))
}

/// Refuses `input` as a place to write to (or, for `mv`, to delete from) when it names a
/// snapshot, before it is replayed: a snapshot is history, read-only.
pub fn refuse_snapshot_write(op: &'static str, input: &str) -> anyhow::Result<()> {
    match crate::snapshot::source::parse(input) {
        Some(_) => Err(ShellError::usage(format!(
            "{op}: '{input}' is a snapshot, read-only: it can be a source, never a destination"
        ))),
        None => Ok(()),
    }
}

/// Profile `name`, with `current`'s timeouts where it has none; its TLS, SASL login,
/// credentials and server are its own.
fn named_profile(name: &str, current: &Profile) -> anyhow::Result<Profile> {
    let mut options = ConnectOptions::plain(current.clone());
    crate::profiles::fill(name, &mut options, &crate::profiles::Given::default()).map_err(ShellError::usage)?;
    options.resolve(true)
}

/// The profile `connect TARGET` switches to: TARGET is a profile name, or a connect string
/// (`host:port[,host:port...][/chroot]`) reached with `current`'s options and its own
/// credentials (ZKSH_AUTH, --auth-file). The one place a target becomes a profile.
pub fn target_profile(target: &str, current: &Profile) -> anyhow::Result<Profile> {
    if crate::profiles::exists(target) {
        return named_profile(target, current);
    }
    if target.contains('@') {
        return Err(ShellError::usage(
            "connect: credentials never go in a connect string (use ZKSH_AUTH, --auth-file or addauth)",
        ));
    }
    let server =
        crate::cli::parse_connect_string(target).map_err(|why| ShellError::usage(format!("connect: {why}")))?;
    Ok(with_server(current, &server))
}

/// `base`'s options and credentials, for the cluster at `server` (no profile name: it is not
/// that profile's cluster).
fn with_server(base: &Profile, server: &str) -> Profile {
    Profile {
        name: None,
        server: server.to_string(),
        ..base.clone()
    }
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
            session_timeout: Duration::from_secs(7),
            connect_timeout: Duration::from_secs(3),
            request_timeout: Duration::from_secs(9),
            max_request_size: 1234,
            auth: vec![crate::zk::auth::Credential::new("digest", b"alice:pw".to_vec())],
            ..Profile::for_tests("here:2181/chroot")
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
        assert_eq!(
            remote.profile.auth,
            main_profile().auth,
            "the same user on the other side"
        );
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
    fn a_connect_target_keeps_the_options_and_credentials() {
        let profile = target_profile("b:2,c:3/app", &main_profile()).unwrap();
        assert_eq!(profile.server, "b:2,c:3/app");
        assert_eq!(profile.session_timeout, Duration::from_secs(7));
        assert_eq!(profile.auth, main_profile().auth);
        for bad in ["", "b:99999", "alice:pw@b:2", "b:2/app/"] {
            assert!(target_profile(bad, &main_profile()).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_snapshot_is_never_written_to_and_a_missing_one_is_named() {
        assert!(refuse_snapshot_write("cp", "/app").is_ok());
        assert!(refuse_snapshot_write("cp", "zk://a:1/app").is_ok());
        let err = refuse_snapshot_write("cp", "snapshot:/var/zk@0x5:/app").unwrap_err();
        assert!(err.to_string().contains("read-only"), "{err}");
        // Refused before any runtime or replay is needed.
        let err = Place::parse("snapshot:/var/zk@someday:/app", &main_profile()).unwrap_err();
        assert!(err.to_string().contains("invalid point"), "{err}");
    }

    #[test]
    fn a_plain_path_is_here_and_bad_addresses_are_usage_errors() {
        assert!(matches!(Place::parse("/a/b", &main_profile()).unwrap(), Place::Here(p) if p == "/a/b"));
        for bad in ["zk://", "zk://host/x", "zk://host:port/x", "zk://:1/x", "zk://a:1/x/"] {
            assert!(Place::parse(bad, &main_profile()).is_err(), "{bad}");
        }
    }
}
