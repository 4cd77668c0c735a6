//! Connection profiles (kubeconfig-style): named clusters in the profile file, and how one
//! becomes the connection settings of a run, of `connect NAME`, or of the other side of
//! `cp`/`diff`/`mirror` (`NAME:/path`). Options given on the command line (or by their
//! environment variables) win over the profile's.

mod book;

use std::sync::OnceLock;

pub use book::{ProfileBook, ProfileEntry, default_path};

use crate::cli::{parse_duration, parse_size};
use crate::zk::Profile;

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

/// The settings for profile `name`: `base` (the run's options, defaults included) with the
/// profile's values in place of those the user did not give.
pub fn resolve(name: &str, base: &Profile, given: &Given) -> Result<Profile, String> {
    let entry = book()?.get(name)?;
    apply(name, entry, base, given)
}

/// Whether `name` is a profile of this run's file (a broken file names none).
pub fn exists(name: &str) -> bool {
    book().is_ok_and(|book| book.profiles.contains_key(name))
}

fn apply(name: &str, entry: &ProfileEntry, base: &Profile, given: &Given) -> Result<Profile, String> {
    let mut profile = base.clone();
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
    Ok(profile)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn base() -> Profile {
        Profile {
            name: None,
            server: "127.0.0.1:2181".into(),
            session_timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(10),
            readonly: false,
            max_request_size: 0xfffff,
        }
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
        let profile = apply("prod", &entry(), &base(), &Given::default()).expect("applies");
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
        let profile = apply("prod", &entry(), &base(), &given).expect("applies");
        assert_eq!(profile.server, "127.0.0.1:2181");
        assert_eq!(profile.session_timeout, Duration::from_secs(10));
        assert!(profile.readonly, "not given: the profile's");
    }
}
