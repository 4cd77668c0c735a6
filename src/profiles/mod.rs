//! Connection profiles (kubeconfig-style): named clusters in the profile file, and how one
//! becomes the connection settings of a run, of `connect NAME`, or of the other side of
//! `cp`/`diff`/`mirror` (`NAME:/path`). Options given on the command line (or by their
//! environment variables) win over the profile's.

mod book;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

pub use book::{ProfileBook, ProfileEntry, default_path};

use crate::cli::{parse_duration, parse_size};
use crate::zk::auth::AuthSource;
use crate::zk::options::ConnectOptions;
use crate::zk::sasl::PasswordSource;

/// The connection options the user gave explicitly for this run: a profile does not
/// override them.
#[derive(Debug, Clone, Copy, Default)]
pub struct Given {
    pub server: bool,
    pub session_timeout: bool,
    pub connect_timeout: bool,
    pub request_timeout: bool,
    pub max_request_size: bool,
    pub readonly: bool,
}

static BOOK: OnceLock<Result<ProfileBook, String>> = OnceLock::new();

/// The profile file of this run, read once (an empty book when there is none).
pub fn book() -> Result<&'static ProfileBook, String> {
    BOOK.get_or_init(|| match default_path() {
        Some(path) => ProfileBook::load(&path),
        None => Ok(ProfileBook::default()),
    })
    .as_ref()
    .map_err(Clone::clone)
}

/// Fills `options` from profile `name`: its values in place of those the user did not give.
pub fn fill(name: &str, options: &mut ConnectOptions, given: &Given) -> Result<(), String> {
    let entry = book()?.get(name)?;
    apply(name, entry, options, given)
}

/// Whether `name` is a profile of this run's file (a broken file names none).
pub fn exists(name: &str) -> bool {
    book().is_ok_and(|book| book.profiles.contains_key(name))
}

fn apply(name: &str, entry: &ProfileEntry, options: &mut ConnectOptions, given: &Given) -> Result<(), String> {
    let profile = &mut options.settings;
    profile.name = Some(name.to_string());
    if !given.server {
        profile.server = entry.server.clone();
    }
    // The file was checked when read: these parse.
    let duration = |value: &Option<String>| value.as_deref().map(parse_duration).transpose();
    if let (false, Some(timeout)) = (given.session_timeout, duration(&entry.session_timeout)?) {
        profile.session_timeout = timeout;
    }
    if let (false, Some(timeout)) = (given.connect_timeout, duration(&entry.connect_timeout)?) {
        profile.connect_timeout = timeout;
    }
    if let (false, Some(timeout)) = (given.request_timeout, duration(&entry.request_timeout)?) {
        profile.request_timeout = timeout;
    }
    if let (false, Some(size)) = (
        given.max_request_size,
        entry.max_request_size.as_deref().map(parse_size).transpose()?,
    ) {
        profile.max_request_size = size;
    }
    if let (false, Some(readonly)) = (given.readonly, entry.readonly) {
        profile.readonly = readonly;
    }
    // TLS files typed on the command line replace the profile's as a set.
    if options.ca.is_none() && options.cert.is_none() {
        options.tls |= entry.tls.unwrap_or(false);
        options.ca = entry.tls_ca.as_deref().map(expand_home);
        options.cert = entry.tls_cert.as_deref().map(expand_home);
        options.key = entry.tls_key.as_deref().map(expand_home);
    }
    if let Some(var) = &entry.auth_env {
        options.auth.push(AuthSource::Env(var.clone()));
    }
    if let Some(file) = &entry.auth_file {
        options.auth.push(AuthSource::File(expand_home(file)));
    }
    if options.sasl_user.is_none() && entry.sasl_user.is_some() {
        options.sasl_user = entry.sasl_user.clone();
        if let Some(var) = &entry.sasl_password_env {
            options.sasl_password = PasswordSource::Env(var.clone());
        }
    }
    Ok(())
}

/// `~/x` is the home directory's `x`, as a shell would read it.
pub fn expand_home(path: &Path) -> PathBuf {
    match (path.strip_prefix("~"), std::env::var_os("HOME")) {
        (Ok(rest), Some(home)) => Path::new(&home).join(rest),
        _ => path.to_path_buf(),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::zk::Profile;

    fn base() -> ConnectOptions {
        ConnectOptions::plain(Profile::for_tests("127.0.0.1:2181"))
    }

    fn entry() -> ProfileEntry {
        ProfileEntry {
            server: "zk1:2181/app".into(),
            session_timeout: Some("30s".into()),
            readonly: Some(true),
            ..ProfileEntry::default()
        }
    }

    #[test]
    fn the_profile_fills_what_was_not_given() {
        let mut options = base();
        apply("prod", &entry(), &mut options, &Given::default()).expect("applies");
        let profile = options.settings;
        assert_eq!(profile.name.as_deref(), Some("prod"));
        assert_eq!(profile.server, "zk1:2181/app");
        assert_eq!(profile.session_timeout, Duration::from_secs(30));
        assert_eq!(profile.connect_timeout, Duration::from_secs(5));
        assert!(profile.readonly);
    }

    #[test]
    fn given_options_win() {
        let given = Given {
            server: true,
            session_timeout: true,
            ..Given::default()
        };
        let mut options = base();
        apply("prod", &entry(), &mut options, &given).expect("applies");
        let profile = options.settings;
        assert_eq!(profile.server, "127.0.0.1:2181");
        assert_eq!(profile.session_timeout, Duration::from_secs(10));
        assert!(profile.readonly, "not given: the profile's");
    }
}
