//! The connection options as the user named them (TLS file paths, the SASL user and where
//! its password comes from, where each credential comes from), gathered from flags and a `-P` profile, and turned once into a
//! [`Profile`]: files read and checked, the password read.

use std::path::PathBuf;

use crate::errors::ShellError;
use crate::zk::Profile;
use crate::zk::auth::AuthSource;
use crate::zk::profile::names_tls_host;
use crate::zk::sasl::{PasswordSource, SaslLogin};
use crate::zk::tls::{TlsFileError, TlsFiles};

/// Everything needed to reach a cluster, before any file is read or password asked for.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// Server, timeouts, read-only, request size, profile name (TLS and SASL left empty).
    pub settings: Profile,
    /// TLS asked for without a `tcp+tls://` host.
    pub tls: bool,
    pub ca: Option<PathBuf>,
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
    pub sasl_user: Option<String>,
    pub sasl_password: PasswordSource,
    /// Where the credentials every session presents come from (read at resolve time).
    pub auth: Vec<AuthSource>,
}

impl ConnectOptions {
    /// The options of `settings` alone: no profile name, TLS, SASL or credentials.
    pub fn plain(settings: Profile) -> ConnectOptions {
        ConnectOptions {
            settings: settings.plain(),
            tls: false,
            ca: None,
            cert: None,
            key: None,
            sasl_user: None,
            sasl_password: crate::zk::sasl::default_source(),
            auth: Vec::new(),
        }
    }

    /// The profile: credentials read, TLS files checked, SASL password read. `may_prompt` is false where
    /// nobody can answer a prompt (completion). Inconsistent options are usage errors (exit
    /// 2); unusable TLS files fail as a connection would (exit 3), naming the file.
    pub fn resolve(self, may_prompt: bool) -> anyhow::Result<Profile> {
        let auth = self.auth.iter().map(AuthSource::load).collect::<anyhow::Result<_>>()?;
        let tls = self.tls_files()?;
        let sasl = self.sasl_login(may_prompt)?;
        Ok(Profile {
            tls,
            sasl,
            auth,
            ..self.settings
        })
    }

    fn tls_files(&self) -> anyhow::Result<Option<TlsFiles>> {
        let Some(ca) = &self.ca else {
            if self.tls || names_tls_host(&self.settings.server) {
                return Err(ShellError::usage(
                    "TLS needs --ca FILE: the PEM CA that signed the servers' certificates (there are no default roots)",
                ));
            }
            if self.cert.is_some() {
                return Err(ShellError::usage("--cert and --key need --ca FILE (and TLS)"));
            }
            return Ok(None);
        };
        let identity = self.cert.as_deref().zip(self.key.as_deref());
        TlsFiles::load(ca, identity).map(Some).map_err(|TlsFileError(message)| {
            ShellError::NoConnection {
                op: "connect",
                path: self.settings.server.clone(),
                message,
            }
            .into()
        })
    }

    fn sasl_login(&self, may_prompt: bool) -> anyhow::Result<Option<SaslLogin>> {
        let Some(user) = &self.sasl_user else {
            return Ok(None);
        };
        match SaslLogin::resolve(user, self.sasl_password.clone(), may_prompt) {
            Ok(Some(login)) => Ok(Some(login)),
            Ok(None) => Err(ShellError::usage("--sasl-user: no password at hand")),
            Err(message) => Err(ShellError::usage(message)),
        }
    }
}
