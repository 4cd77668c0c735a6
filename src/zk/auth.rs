//! Credentials a session presents (`scheme:credential`, as zkCli's addauth takes them) and
//! where they come from without passing through argv: the `ZKSH_AUTH` variable, an auth file
//! only its owner can read, a prompt. A connection profile carries the ones it was given
//! (a named profile's `auth_env`/`auth_file` are the same [`AuthSource`]s). No message, log
//! or Debug output ever shows a secret.

use std::path::{Path, PathBuf};

use crate::errors::ShellError;

/// The variable that holds `scheme:credential`.
pub const AUTH_ENV: &str = "ZKSH_AUTH";

/// Schemes a credential from the environment or a file may name. zkCli-style typos such as
/// `alice:secret` (no scheme) would otherwise be sent as scheme `alice`; `addauth` takes any.
const KNOWN_SCHEMES: [&str; 5] = ["digest", "ip", "sasl", "x509", "world"];

/// One identity to add to a session: a scheme and its secret (for digest, `user:password`).
/// Debug is hand-written so the secret never reaches a log or a panic message.
#[derive(Clone, PartialEq, Eq)]
pub struct Credential {
    scheme: String,
    secret: Vec<u8>,
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Credential({}:<redacted>)", self.scheme)
    }
}

impl Credential {
    pub fn new(scheme: impl Into<String>, secret: Vec<u8>) -> Credential {
        Credential {
            scheme: scheme.into(),
            secret,
        }
    }

    pub fn scheme(&self) -> &str {
        &self.scheme
    }

    pub fn secret(&self) -> &[u8] {
        &self.secret
    }

    /// `scheme:credential` from `origin` (named in errors, which never quote the text: it
    /// may be all secret when the scheme was left out).
    pub fn parse(text: &str, origin: &str) -> anyhow::Result<Credential> {
        let form = "scheme:credential, e.g. digest:USER:PASSWORD";
        let Some((scheme, secret)) = text.split_once(':') else {
            return Err(ShellError::usage(format!(
                "{origin}: no scheme (the value is {form}; it is not shown here)"
            )));
        };
        if !KNOWN_SCHEMES.contains(&scheme) {
            return Err(ShellError::usage(format!(
                "{origin}: does not start with a scheme ({}): the value is {form} (it is not shown here)",
                KNOWN_SCHEMES.join(", ")
            )));
        }
        if secret.is_empty() {
            return Err(ShellError::usage(format!(
                "{origin}: the {scheme} credential after '{scheme}:' is empty"
            )));
        }
        if scheme == "digest" && !is_user_password(secret) {
            return Err(ShellError::usage(format!(
                "{origin}: a digest credential is digest:USER:PASSWORD (the value is not shown here)"
            )));
        }
        Ok(Credential::new(scheme, secret.as_bytes().to_vec()))
    }
}

/// Whether a digest credential has its `user:` part (the server would take a bare password as
/// a user name and grant nothing).
pub fn is_user_password(secret: &str) -> bool {
    secret.split_once(':').is_some_and(|(user, _)| !user.is_empty())
}

/// Where a credential comes from, read when a profile is built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthSource {
    /// An environment variable holding `scheme:credential`.
    Env(String),
    /// A file holding `scheme:credential` on one line, readable by its owner only.
    File(PathBuf),
}

impl AuthSource {
    /// The credential, or a one-line usage error (exit 2) naming the variable or file.
    pub fn load(&self) -> anyhow::Result<Credential> {
        match self {
            AuthSource::Env(var) => match std::env::var(var) {
                Ok(value) if !value.is_empty() => Credential::parse(&value, var),
                Ok(_) => Err(ShellError::usage(format!(
                    "{var} is empty (it holds scheme:credential)"
                ))),
                Err(std::env::VarError::NotPresent) => Err(ShellError::usage(format!(
                    "{var} is not set (it holds scheme:credential)"
                ))),
                Err(std::env::VarError::NotUnicode(_)) => Err(ShellError::usage(format!("{var} is not valid UTF-8"))),
            },
            AuthSource::File(path) => read_auth_file(path),
        }
    }
}

/// Where the process's environment and flags take credentials from: `ZKSH_AUTH` when set,
/// then the auth file when given (a session may hold both identities).
pub fn startup_sources(auth_file: Option<&Path>) -> Vec<AuthSource> {
    let mut sources = Vec::new();
    if std::env::var_os(AUTH_ENV).is_some() {
        sources.push(AuthSource::Env(AUTH_ENV.into()));
    }
    if let Some(path) = auth_file {
        sources.push(AuthSource::File(path.to_path_buf()));
    }
    sources
}

/// Reads an auth file: refused when group or others may read it (the secret would not be
/// the owner's alone), or when it is not one line of `scheme:credential`.
fn read_auth_file(path: &Path) -> anyhow::Result<Credential> {
    use std::os::unix::fs::PermissionsExt;
    let shown = path.display();
    let origin = format!("--auth-file {shown}");
    let metadata =
        std::fs::metadata(path).map_err(|err| ShellError::usage(format!("{origin}: {}", io_reason(&err))))?;
    if !metadata.is_file() {
        return Err(ShellError::usage(format!("{origin}: not a regular file")));
    }
    let mode = metadata.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(ShellError::usage(format!(
            "{origin}: mode {mode:04o} gives group or others access to it; run chmod 600 {shown}"
        )));
    }
    let text = std::fs::read(path).map_err(|err| ShellError::usage(format!("{origin}: {}", io_reason(&err))))?;
    let text = String::from_utf8(text).map_err(|_| ShellError::usage(format!("{origin}: not UTF-8 text")))?;
    let mut lines = text.lines().filter(|line| !line.trim().is_empty());
    let Some(line) = lines.next() else {
        return Err(ShellError::usage(format!(
            "{origin}: empty (it holds one line: scheme:credential)"
        )));
    };
    if lines.next().is_some() {
        return Err(ShellError::usage(format!(
            "{origin}: more than one line (it holds one line: scheme:credential)"
        )));
    }
    Credential::parse(line.trim_end_matches('\r'), &origin)
}

/// An I/O error in words, without the Debug form.
fn io_reason(err: &std::io::Error) -> String {
    match err.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "cannot read it (permission denied)".into(),
        _ => format!("cannot read it ({err})"),
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn message(result: anyhow::Result<Credential>) -> String {
        format!("{:#}", result.expect_err("an error"))
    }

    #[test]
    fn scheme_and_secret_split_at_the_first_colon() {
        let c = Credential::parse("digest:alice:pa:ss", "ZKSH_AUTH").expect("parses");
        assert_eq!(c.scheme(), "digest");
        assert_eq!(c.secret(), b"alice:pa:ss");
        assert_eq!(format!("{c:?}"), "Credential(digest:<redacted>)");
    }

    #[test]
    fn bad_values_are_named_never_shown() {
        for bad in [
            "hunter2",
            "alice:hunter2",
            "digest:hunter2",
            "digest:",
            "digest::hunter2",
        ] {
            let text = message(Credential::parse(bad, "ZKSH_AUTH"));
            assert!(text.starts_with("ZKSH_AUTH: "), "{text}");
            assert!(!text.contains("hunter2") && !text.contains("alice"), "{text}");
        }
    }

    #[test]
    fn an_auth_file_must_be_the_owners_alone() {
        let dir = std::env::temp_dir().join(format!("zksh-auth-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let file = dir.join("auth");
        std::fs::write(&file, "digest:alice:hunter2\n").expect("write");
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let text = message(AuthSource::File(file.clone()).load());
        assert!(text.contains("mode 0644") && text.contains("chmod 600"), "{text}");
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        let c = AuthSource::File(file.clone()).load().expect("loads");
        assert_eq!(c.secret(), b"alice:hunter2");
        std::fs::write(&file, "\n").expect("write");
        assert!(message(AuthSource::File(file.clone()).load()).contains("empty"));
        std::fs::remove_dir_all(&dir).ok();
        assert!(message(AuthSource::File(file).load()).contains("no such file"));
    }
}
