//! SASL DIGEST-MD5 login for the connection: the user, where the password comes from, and the
//! password itself, read once (from the environment or a prompt, never from argv) and kept out
//! of every Debug output.

use std::io::IsTerminal;

use zookeeper_client::SaslOptions;

/// The environment variable `--sasl-user` takes the password from.
pub const PASSWORD_ENV: &str = "ZKSH_SASL_PASSWORD";

/// Where the SASL password comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordSource {
    /// An environment variable holding it (`ZKSH_SASL_PASSWORD`, or a profile's own).
    Env(String),
    /// Asked on the terminal, echo off.
    Prompt,
}

/// A SASL DIGEST-MD5 user and the password, resolved.
#[derive(Clone)]
pub struct SaslLogin {
    pub user: String,
    pub password_source: PasswordSource,
    password: String,
}

impl std::fmt::Debug for SaslLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SaslLogin({}:<redacted> from {:?})", self.user, self.password_source)
    }
}

impl SaslLogin {
    /// Reads the password from `source`. `may_prompt` is false where nobody can answer
    /// (shell completion): a prompt then yields None.
    pub fn resolve(user: &str, source: PasswordSource, may_prompt: bool) -> Result<Option<SaslLogin>, String> {
        if user.is_empty() {
            return Err("--sasl-user: the user name is empty".into());
        }
        let password = match &source {
            PasswordSource::Env(var) => match std::env::var(var) {
                Ok(password) => password,
                Err(_) => return Err(format!("--sasl-user {user}: {var} is not set")),
            },
            PasswordSource::Prompt if !may_prompt => return Ok(None),
            PasswordSource::Prompt => prompt_password(user)?,
        };
        Ok(Some(SaslLogin {
            user: user.to_string(),
            password_source: source,
            password,
        }))
    }

    /// A login with the password at hand (tests, profiles already resolved).
    pub fn with_password(user: &str, source: PasswordSource, password: String) -> SaslLogin {
        SaslLogin {
            user: user.to_string(),
            password_source: source,
            password,
        }
    }

    /// The options for zookeeper-client's connector.
    pub fn options(&self) -> SaslOptions {
        SaslOptions::digest_md5(self.user.clone(), self.password.clone()).into()
    }
}

/// What a connection refused at login says: the ZooKeeper state name, and whose login it was.
pub fn auth_failed(profile: &crate::zk::Profile) -> String {
    match &profile.sasl {
        Some(login) => format!(
            "AUTH_FAILED: the server rejected the SASL login of '{}' (wrong password, or unknown user)",
            login.user
        ),
        None => "AUTH_FAILED: the server rejected the credentials".to_string(),
    }
}

/// `ZKSH_SASL_PASSWORD` when set, else the prompt.
pub fn default_source() -> PasswordSource {
    match std::env::var_os(PASSWORD_ENV) {
        Some(_) => PasswordSource::Env(PASSWORD_ENV.to_string()),
        None => PasswordSource::Prompt,
    }
}

fn prompt_password(user: &str) -> Result<String, String> {
    if !std::io::stdin().is_terminal() {
        return Err(format!(
            "--sasl-user {user}: no password: set {PASSWORD_ENV} (stdin is not a terminal to ask on)"
        ));
    }
    crate::commands::digest::prompt_hidden(&format!("SASL password for {user}: "))
        .map_err(|err| format!("--sasl-user {user}: cannot read the password: {err}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_password() {
        let login = SaslLogin::with_password("alice", PasswordSource::Prompt, "s3cret-pw".into());
        let shown = format!("{login:?}");
        assert!(shown.contains("alice") && !shown.contains("s3cret-pw"), "{shown}");
    }
}
