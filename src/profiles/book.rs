//! The profile file (`~/.config/zksh/config.toml`): where it is, how it is read, and what a
//! profile in it may hold. Every mistake in it is one line naming the file (and the line and
//! column, or the profile and key); a secret written into it is refused, naming the key.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::cli::{parse_connect_string, parse_duration, parse_size};

/// Keys a careless profile might hold a secret in, and what to write instead.
const SECRET_KEYS: &[(&str, &str)] = &[
    ("password", "sasl_password_env = \"VAR\""),
    ("sasl_password", "sasl_password_env = \"VAR\""),
    ("auth", "auth_env = \"VAR\" or auth_file = \"PATH\""),
    ("credential", "auth_env = \"VAR\" or auth_file = \"PATH\""),
    ("digest", "auth_env = \"VAR\" or auth_file = \"PATH\""),
    ("secret", "auth_env = \"VAR\" or auth_file = \"PATH\""),
    ("tls_key_password", "an unencrypted key file readable only by you"),
];

/// One `[profiles.NAME]` table: where a cluster is and where its credential comes from,
/// never the credential itself.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ProfileEntry {
    /// Connect string, chroot included.
    pub server: String,
    pub session_timeout: Option<String>,
    pub connect_timeout: Option<String>,
    pub request_timeout: Option<String>,
    pub max_request_size: Option<String>,
    pub readonly: Option<bool>,
    pub tls: Option<bool>,
    pub tls_ca: Option<PathBuf>,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    /// An environment variable holding `scheme:credential`.
    pub auth_env: Option<String>,
    /// A file (mode 0600) holding `scheme:credential`.
    pub auth_file: Option<PathBuf>,
    pub sasl_user: Option<String>,
    /// An environment variable holding the SASL password (else it is prompted for).
    pub sasl_password_env: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileShape {
    #[serde(default)]
    profiles: BTreeMap<String, ProfileEntry>,
}

/// The profiles of one file, by name.
#[derive(Debug, Clone, Default)]
pub struct ProfileBook {
    /// Where they were read from (or would be: a missing file is an empty book).
    pub path: PathBuf,
    pub exists: bool,
    pub profiles: BTreeMap<String, ProfileEntry>,
}

/// Where the profile file is: `$XDG_CONFIG_HOME/zksh/config.toml`, else
/// `~/.config/zksh/config.toml`.
pub fn default_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|dir| !dir.is_empty() && Path::new(dir).is_absolute())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".config")))?;
    Some(base.join("zksh").join("config.toml"))
}

impl ProfileBook {
    /// Reads the file at `path`; a file that does not exist is an empty book.
    pub fn load(path: &Path) -> Result<ProfileBook, String> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                return Ok(ProfileBook {
                    path: path.to_path_buf(),
                    ..ProfileBook::default()
                });
            }
            Err(err) => return Err(format!("{}: cannot read it: {err}", path.display())),
        };
        let profiles = parse(&text).map_err(|reason| format!("{}: {reason}", path.display()))?;
        Ok(ProfileBook {
            path: path.to_path_buf(),
            exists: true,
            profiles,
        })
    }

    /// The profile called `name`, or a usage message saying which exist.
    pub fn get(&self, name: &str) -> Result<&ProfileEntry, String> {
        self.profiles.get(name).ok_or_else(|| {
            if !self.exists {
                format!(
                    "no profile '{name}': {} does not exist (see `zksh help profiles`)",
                    self.path.display()
                )
            } else if self.profiles.is_empty() {
                format!("no profile '{name}': {} defines none", self.path.display())
            } else {
                let names: Vec<&str> = self.profiles.keys().map(String::as_str).collect();
                format!(
                    "no profile '{name}' in {} (it has: {})",
                    self.path.display(),
                    names.join(", ")
                )
            }
        })
    }
}

/// The profiles in a file's text, checked: secrets refused, values parsed as the flags they
/// stand for would be.
fn parse(text: &str) -> Result<BTreeMap<String, ProfileEntry>, String> {
    let table: toml::Table = toml::from_str(text).map_err(|err| located(text, &err))?;
    refuse_secrets(&table)?;
    let shape: FileShape = toml::from_str(text).map_err(|err| located(text, &err))?;
    for (name, entry) in &shape.profiles {
        check_entry(name, entry)?;
    }
    Ok(shape.profiles)
}

/// A TOML error on one line: `line L, column C: message` (toml's own text spans several
/// lines, with the source quoted).
fn located(text: &str, err: &toml::de::Error) -> String {
    let message = err.message().lines().next().unwrap_or("not valid TOML").trim();
    match err.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.rfind('\n').map_or(before.len(), |nl| before.len() - nl - 1) + 1;
            format!("line {line}, column {column}: {message}")
        }
        None => message.to_string(),
    }
}

fn refuse_secrets(table: &toml::Table) -> Result<(), String> {
    let Some(toml::Value::Table(profiles)) = table.get("profiles") else {
        return Ok(());
    };
    for (name, profile) in profiles {
        let toml::Value::Table(profile) = profile else { continue };
        for key in profile.keys() {
            if let Some((_, instead)) = SECRET_KEYS.iter().find(|(secret, _)| secret == key) {
                return Err(format!(
                    "profile '{name}' holds a secret in '{key}'; a profile never holds one (use {instead})"
                ));
            }
        }
    }
    Ok(())
}

fn check_entry(name: &str, entry: &ProfileEntry) -> Result<(), String> {
    let bad = |key: &str, reason: String| format!("profile '{name}', {key}: {reason}");
    parse_connect_string(&entry.server).map_err(|reason| bad("server", reason))?;
    for (key, value) in [
        ("session_timeout", &entry.session_timeout),
        ("connect_timeout", &entry.connect_timeout),
        ("request_timeout", &entry.request_timeout),
    ] {
        if let Some(value) = value {
            parse_duration(value).map_err(|reason| bad(key, reason))?;
        }
    }
    if let Some(size) = &entry.max_request_size {
        parse_size(size).map_err(|reason| bad("max_request_size", reason))?;
    }
    for (key, var) in [
        ("auth_env", &entry.auth_env),
        ("sasl_password_env", &entry.sasl_password_env),
    ] {
        if var.as_ref().is_some_and(|var| var.is_empty() || var.contains('=')) {
            return Err(bad(key, "names an environment variable, e.g. PROD_ZK_AUTH".into()));
        }
    }
    if entry.auth_env.is_some() && entry.auth_file.is_some() {
        return Err(bad("auth_env", "give auth_env or auth_file, not both".into()));
    }
    if entry.sasl_password_env.is_some() && entry.sasl_user.is_none() {
        return Err(bad("sasl_password_env", "needs sasl_user".into()));
    }
    if entry.tls_cert.is_some() != entry.tls_key.is_some() {
        return Err(bad("tls_cert", "tls_cert and tls_key go together".into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> Result<BTreeMap<String, ProfileEntry>, String> {
        parse(text)
    }

    #[test]
    fn a_profile_with_every_key_reads() {
        let profiles = parsed(
            r#"
            [profiles.prod]
            server = "zk1:2181,zk2:2181/app"
            session_timeout = "30s"
            readonly = true
            tls_ca = "/etc/zk/ca.pem"
            tls_cert = "/etc/zk/me.pem"
            tls_key = "/etc/zk/me.key"
            auth_env = "PROD_ZK_AUTH"

            [profiles.dev]
            server = "127.0.0.1:2181"
            sasl_user = "alice"
            sasl_password_env = "DEV_PW"
            "#,
        )
        .expect("valid");
        assert_eq!(profiles.len(), 2);
        let prod = &profiles["prod"];
        assert_eq!(prod.server, "zk1:2181,zk2:2181/app");
        assert_eq!(prod.readonly, Some(true));
        assert_eq!(prod.auth_env.as_deref(), Some("PROD_ZK_AUTH"));
        assert_eq!(profiles["dev"].sasl_user.as_deref(), Some("alice"));
    }

    #[test]
    fn not_toml_names_line_and_column() {
        let err = parsed("[profiles.prod]\nserver = \"a:1\"\nreadonly = yes\n").unwrap_err();
        assert!(err.starts_with("line 3, column 12: "), "{err}");
        assert!(!err.contains('\n'), "{err}");
    }

    #[test]
    fn a_secret_in_a_profile_is_refused_without_echoing_it() {
        for key in ["password", "sasl_password", "auth", "digest"] {
            let err = parsed(&format!(
                "[profiles.prod]\nserver = \"a:1\"\n{key} = \"hunter2-secret\"\n"
            ))
            .unwrap_err();
            assert!(
                err.contains(&format!("profile 'prod' holds a secret in '{key}'")),
                "{err}"
            );
            assert!(!err.contains("hunter2"), "{err}");
        }
    }

    #[test]
    fn unknown_keys_and_bad_values_are_named() {
        let err = parsed("[profiles.prod]\nserver = \"a:1\"\nservr = \"x\"\n").unwrap_err();
        assert!(err.contains("unknown field `servr`"), "{err}");
        let err = parsed("[profiles.prod]\nserver = \"a:1\"\nsession_timeout = \"soon\"\n").unwrap_err();
        assert!(err.starts_with("profile 'prod', session_timeout: "), "{err}");
        let err = parsed("[profiles.prod]\nserver = \"\"\n").unwrap_err();
        assert!(err.starts_with("profile 'prod', server: "), "{err}");
        let err = parsed("[profiles.p]\nserver = \"a:1\"\ntls_cert = \"c.pem\"\n").unwrap_err();
        assert!(err.contains("tls_cert and tls_key go together"), "{err}");
        let err = parsed("[profiles.p]\nserver = \"a:1\"\nauth_env = \"A=b\"\n").unwrap_err();
        assert!(err.contains("names an environment variable"), "{err}");
    }

    #[test]
    fn a_missing_profile_says_which_exist() {
        let book = ProfileBook {
            path: "/x/config.toml".into(),
            exists: true,
            profiles: parsed("[profiles.a]\nserver = \"a:1\"\n[profiles.b]\nserver = \"b:1\"\n").expect("valid"),
        };
        assert_eq!(
            book.get("c").unwrap_err(),
            "no profile 'c' in /x/config.toml (it has: a, b)"
        );
        let none = ProfileBook {
            path: "/x/config.toml".into(),
            ..ProfileBook::default()
        };
        assert!(none.get("a").unwrap_err().contains("does not exist"));
    }
}
