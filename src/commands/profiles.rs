//! `profiles`: the connection profiles of the profile file, with where each one's credential
//! comes from (never the credential).

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use serde::Serialize;

use crate::commands::Run;
use crate::errors::ShellError;
use crate::output::table::{Align, Table};
use crate::output::{Render, Reply};
use crate::profiles::{ProfileEntry, book};
use crate::shell::Shell;

/// List the connection profiles of ~/.config/zksh/config.toml.
///
/// A profile names a cluster so that `zksh -P prod`, `connect prod` and `cp /a prod:/b`
/// reach it with its settings. The file ($XDG_CONFIG_HOME/zksh/config.toml, else
/// ~/.config/zksh/config.toml) holds one table per profile:
///
///   [profiles.prod]
///   server = "zk1:2181,zk2:2181,zk3:2181/app"   # connect string, chroot included
///   session_timeout = "30s"                      # also connect_timeout, request_timeout
///   readonly = false
///   tls_ca = "/etc/zk/ca.pem"                    # tls = true with the system's roots
///   tls_cert = "/etc/zk/client.pem"
///   tls_key = "/etc/zk/client.key"
///   auth_env = "PROD_ZK_AUTH"                    # a variable holding scheme:credential
///   # or: auth_file = "~/.config/zksh/prod.auth" (mode 0600, one line scheme:credential)
///   # or: sasl_user = "alice" and sasl_password_env = "PROD_ZK_PASSWORD"
///
/// A profile never holds a secret itself: one that does is refused, naming the key. Options
/// given on the command line win over the profile's. `-P NAME` or ZKSH_PROFILE picks one.
///
/// Example: profiles -o json
#[derive(Debug, Args)]
#[command(about = "List the connection profiles (~/.config/zksh/config.toml)")]
pub struct Profiles {}

/// One profile as listed: where it points and where its credential comes from.
#[derive(Debug, Serialize)]
pub struct ProfileRow {
    pub name: String,
    pub server: String,
    pub readonly: bool,
    pub tls: bool,
    /// `env VAR`, `file PATH`, `sasl USER` or `none`: never a secret.
    pub auth: String,
    /// Whether this run uses it.
    pub current: bool,
}

#[derive(Debug, Serialize)]
pub struct ProfileList {
    pub file: PathBuf,
    pub profiles: Vec<ProfileRow>,
}

impl ProfileRow {
    fn new(name: &str, entry: &ProfileEntry, current: bool) -> ProfileRow {
        let auth = match (&entry.auth_env, &entry.auth_file, &entry.sasl_user) {
            (Some(var), _, _) => format!("env {var}"),
            (_, Some(file), _) => format!("file {}", file.display()),
            (_, _, Some(user)) => format!("sasl {user}"),
            _ => "none".into(),
        };
        ProfileRow {
            name: name.to_string(),
            server: entry.server.clone(),
            readonly: entry.readonly.unwrap_or(false),
            tls: entry.tls.unwrap_or(false) || entry.tls_ca.is_some() || entry.tls_cert.is_some(),
            auth,
            current,
        }
    }
}

impl Render for ProfileList {
    fn render_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        if self.profiles.is_empty() {
            return writeln!(
                out,
                "no profiles in {} (see `help profiles` for its layout)",
                self.file.display()
            );
        }
        let mut table = Table::new(&[
            ("", Align::Left),
            ("NAME", Align::Left),
            ("SERVER", Align::Left),
            ("TLS", Align::Left),
            ("AUTH", Align::Left),
        ]);
        for row in &self.profiles {
            let mut server = row.server.clone();
            if row.readonly {
                server.push_str(" (read-only)");
            }
            table.row(vec![
                if row.current { "*" } else { "" }.to_string(),
                row.name.clone(),
                server,
                if row.tls { "yes" } else { "no" }.to_string(),
                row.auth.clone(),
            ]);
        }
        table.write(out, "", true)
    }
}

impl Run for Profiles {
    async fn run(self, shell: &mut Shell) -> anyhow::Result<Reply> {
        let book = book().map_err(ShellError::usage)?;
        let current = shell.zk().profile().name.clone();
        let profiles = book
            .profiles
            .iter()
            .map(|(name, entry)| ProfileRow::new(name, entry, current.as_deref() == Some(name)))
            .collect();
        Ok(Reply::value(ProfileList {
            file: book.path.clone(),
            profiles,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::both;

    #[test]
    fn a_listing_shows_where_credentials_come_from_never_what_they_are() {
        let prod = ProfileEntry {
            server: "zk1:2181/app".into(),
            tls_ca: Some("/ca.pem".into()),
            auth_env: Some("PROD_ZK_AUTH".into()),
            ..ProfileEntry::default()
        };
        let dev = ProfileEntry {
            server: "127.0.0.1:2181".into(),
            readonly: Some(true),
            sasl_user: Some("alice".into()),
            ..ProfileEntry::default()
        };
        let list = ProfileList {
            file: "/home/u/.config/zksh/config.toml".into(),
            profiles: vec![
                ProfileRow::new("dev", &dev, false),
                ProfileRow::new("prod", &prod, true),
            ],
        };
        insta::assert_snapshot!(both(&list), @r#"
        --- text
           NAME  SERVER                      TLS  AUTH
           dev   127.0.0.1:2181 (read-only)  no   sasl alice
        *  prod  zk1:2181/app                yes  env PROD_ZK_AUTH
        --- json
        {"file":"/home/u/.config/zksh/config.toml","profiles":[{"auth":"sasl alice","current":false,"name":"dev","readonly":true,"server":"127.0.0.1:2181","tls":false},{"auth":"env PROD_ZK_AUTH","current":true,"name":"prod","readonly":false,"server":"zk1:2181/app","tls":true}]}
        "#);
    }
}
