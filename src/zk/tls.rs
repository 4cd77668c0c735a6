//! TLS for the connection: the PEM files (`--ca`, `--cert`, `--key`) read and checked once,
//! before any connect, and the reason a TLS connect failed, found by a handshake of our own.
//!
//! zookeeper-client 0.11.2 swallows handshake errors (it logs them at debug level and goes on
//! to the next host, ending with "no hosts"), so after such a failure zksh shakes hands with
//! rustls itself, with the same files, to tell the user which file is wrong and why.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::server::WebPkiClientVerifier;
use rustls::sign::CertifiedKey;
use rustls::{AlertDescription, CertificateError, ClientConfig, ClientConnection, RootCertStore};
use zookeeper_client::TlsOptions;

/// The PEM files of a TLS connection, checked; and the client options built from them.
/// Cheap to clone: a profile is cloned for every second cluster and side session.
#[derive(Clone)]
pub struct TlsFiles(Arc<Loaded>);

struct Loaded {
    /// The CA that signed the servers' certificates (zookeeper-client has no default roots).
    ca: PathBuf,
    /// The client certificate and its key, for servers with `ssl.clientAuth=need`.
    identity: Option<(PathBuf, PathBuf)>,
    options: TlsOptions,
    probe: Arc<ClientConfig>,
}

// The key's bytes are in `options` and `probe`: only the paths are shown.
impl std::fmt::Debug for TlsFiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsFiles")
            .field("ca", &self.0.ca)
            .field("identity", &self.0.identity)
            .finish_non_exhaustive()
    }
}

/// A TLS file that cannot be used: the message names the file and says why.
#[derive(Debug)]
pub struct TlsFileError(pub String);

impl TlsFiles {
    /// Reads and checks the files: each exists and is PEM of the right kind, the key matches
    /// the certificate, and the certificate is within its validity period.
    pub fn load(ca: &Path, identity: Option<(&Path, &Path)>) -> Result<TlsFiles, TlsFileError> {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let ca_text = read_pem_text("--ca", ca)?;
        let roots = Arc::new(load_roots(ca, &ca_text)?);
        let mut options = TlsOptions::new()
            .with_pem_ca(&ca_text)
            .map_err(|err| file_error("--ca", ca, &err.to_string()))?;
        let verifier = WebPkiServerVerifier::builder_with_provider(roots.clone(), provider.clone())
            .build()
            .map_err(|err| file_error("--ca", ca, &err.to_string()))?;
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|err| file_error("--ca", ca, &err.to_string()))?
            .with_webpki_verifier(verifier);
        let probe = match identity {
            None => builder.with_no_client_auth(),
            Some((cert, key)) => {
                let cert_text = read_pem_text("--cert", cert)?;
                let key_text = read_pem_text("--key", key)?;
                let chain = load_chain(cert, &cert_text)?;
                let private = load_key(key, &key_text)?;
                check_identity(&provider, &roots, (cert, &chain), (key, &private))?;
                options = options
                    .with_pem_identity(&cert_text, &key_text)
                    .map_err(|err| file_error("--cert", cert, &err.to_string()))?;
                builder
                    .with_client_auth_cert(chain, private)
                    .map_err(|err| file_error("--key", key, &err.to_string()))?
            }
        };
        Ok(TlsFiles(Arc::new(Loaded {
            ca: ca.to_path_buf(),
            identity: identity.map(|(cert, key)| (cert.to_path_buf(), key.to_path_buf())),
            options,
            probe: Arc::new(probe),
        })))
    }

    /// The CA file (`--ca`).
    pub fn ca(&self) -> &Path {
        &self.0.ca
    }

    /// The client certificate and key files (`--cert`, `--key`), if given.
    pub fn identity(&self) -> Option<(&Path, &Path)> {
        self.0
            .identity
            .as_ref()
            .map(|(cert, key)| (cert.as_path(), key.as_path()))
    }

    /// The options for zookeeper-client's connector.
    pub fn options(&self) -> TlsOptions {
        self.0.options.clone()
    }

    /// Why a TLS handshake with `host:port` fails, in one line naming the file at fault; None
    /// when the handshake succeeds (the failure was something else). Blocking: bounded by
    /// `timeout` per step.
    pub fn diagnose(&self, host: &str, port: u16, timeout: Duration) -> Option<String> {
        match self.handshake(host, port, timeout) {
            Ok(()) => None,
            Err(Failure::Io(err)) => Some(format!("cannot reach {host}:{port}: {err}")),
            Err(Failure::Closed) => Some(format!(
                "{host}:{port} closed the connection during the TLS handshake \
                 (a plain clientPort? use the server's secureClientPort)"
            )),
            Err(Failure::Tls(err)) => Some(self.explain(host, port, &err)),
        }
    }

    fn handshake(&self, host: &str, port: u16, timeout: Duration) -> Result<(), Failure> {
        let name = ServerName::try_from(host.to_string()).map_err(|err| Failure::Io(std::io::Error::other(err)))?;
        let addr = (host, port)
            .to_socket_addrs()?
            .next()
            .ok_or_else(|| std::io::Error::other("no address"))?;
        let mut tcp = TcpStream::connect_timeout(&addr, timeout)?;
        tcp.set_read_timeout(Some(timeout))?;
        tcp.set_write_timeout(Some(timeout))?;
        let mut conn = ClientConnection::new(self.0.probe.clone(), name)?;
        while conn.is_handshaking() {
            conn.complete_io(&mut tcp).map_err(Failure::in_handshake)?;
        }
        // With TLS 1.3 the server judges the client's certificate after the client thinks
        // the handshake is done: its verdict is an alert right after, or nothing at all.
        let mut stream = rustls::Stream::new(&mut conn, &mut tcp);
        stream.flush()?;
        let mut byte = [0u8; 1];
        match stream.read(&mut byte) {
            Ok(_) => Ok(()),
            Err(err)
                if matches!(
                    err.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                Ok(())
            }
            Err(err) => Err(err.into()),
        }
    }

    fn explain(&self, host: &str, port: u16, err: &rustls::Error) -> String {
        let ca = self.ca().display();
        let cert = self.identity().map(|(cert, _)| cert.display());
        match err {
            rustls::Error::InvalidCertificate(reason) => match reason {
                CertificateError::UnknownIssuer | CertificateError::BadSignature => {
                    format!("the server's certificate is not signed by the CA in --ca {ca}")
                }
                CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                    format!("the server's certificate has expired (verified with --ca {ca})")
                }
                CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                    format!("the server's certificate is not valid yet (verified with --ca {ca})")
                }
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                    format!("the server's certificate is not valid for '{host}' (it needs a DNS or IP SAN for it)")
                }
                _ => format!("the server's certificate is refused: {err} (verified with --ca {ca})"),
            },
            rustls::Error::AlertReceived(alert) => match (alert, cert) {
                (_, None) if is_client_auth_alert(*alert) => {
                    "the server requires a client certificate (give --cert and --key)".to_string()
                }
                (AlertDescription::CertificateExpired, Some(cert)) => {
                    format!("the server says the client certificate --cert {cert} has expired")
                }
                (_, Some(cert)) if is_client_auth_alert(*alert) => {
                    format!("the server rejected the client certificate --cert {cert} (not signed by a CA it trusts?)")
                }
                _ => format!("the server ended the TLS handshake: {err}"),
            },
            rustls::Error::InvalidMessage(_) => {
                format!("{host}:{port} does not speak TLS (a plain clientPort? use the server's secureClientPort)")
            }
            other => format!("TLS handshake failed: {other}"),
        }
    }
}

/// Why the profile's TLS hosts refused a connection, from a handshake with each in turn (the
/// first reason found); None when every handshake succeeds or there is no TLS host.
pub async fn diagnose(profile: &crate::zk::Profile) -> Option<String> {
    let files = profile.tls.clone()?;
    let hosts = profile.tls_hosts();
    let step = profile.connect_timeout.min(Duration::from_secs(2));
    let found =
        tokio::task::spawn_blocking(move || hosts.iter().find_map(|(host, port)| files.diagnose(host, *port, step)));
    found.await.ok().flatten()
}

fn is_client_auth_alert(alert: AlertDescription) -> bool {
    matches!(
        alert,
        AlertDescription::CertificateRequired
            | AlertDescription::BadCertificate
            | AlertDescription::CertificateUnknown
            | AlertDescription::UnknownCA
            | AlertDescription::HandshakeFailure
            | AlertDescription::AccessDenied
            | AlertDescription::DecryptError
    )
}

enum Failure {
    Io(std::io::Error),
    Tls(rustls::Error),
    /// The peer hung up before the handshake ended: what a port without TLS does.
    Closed,
}

impl Failure {
    fn in_handshake(err: std::io::Error) -> Failure {
        use std::io::ErrorKind::{ConnectionAborted, ConnectionReset, UnexpectedEof};
        match Failure::from(err) {
            Failure::Io(err) if matches!(err.kind(), UnexpectedEof | ConnectionReset | ConnectionAborted) => {
                Failure::Closed
            }
            other => other,
        }
    }
}

impl From<std::io::Error> for Failure {
    fn from(err: std::io::Error) -> Failure {
        // rustls wraps its own errors in io::Error (InvalidData) when driven through Read.
        match err.get_ref().and_then(|inner| inner.downcast_ref::<rustls::Error>()) {
            Some(tls) => Failure::Tls(tls.clone()),
            None => Failure::Io(err),
        }
    }
}

impl From<rustls::Error> for Failure {
    fn from(err: rustls::Error) -> Failure {
        Failure::Tls(err)
    }
}

fn file_error(flag: &str, path: &Path, reason: &str) -> TlsFileError {
    TlsFileError(format!("{flag} {}: {reason}", path.display()))
}

/// The file's text, refused when it cannot be read or holds no PEM block at all.
fn read_pem_text(flag: &str, path: &Path) -> Result<String, TlsFileError> {
    let bytes = std::fs::read(path).map_err(|err| {
        let reason = match err.kind() {
            std::io::ErrorKind::NotFound => "no such file".to_string(),
            std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
            _ => err.to_string(),
        };
        file_error(flag, path, &reason)
    })?;
    let text = String::from_utf8(bytes).map_err(|_| file_error(flag, path, "not a PEM file (binary; DER?)"))?;
    if !text.contains("-----BEGIN ") {
        return Err(file_error(flag, path, "not a PEM file (no -----BEGIN line)"));
    }
    Ok(text)
}

fn load_roots(path: &Path, text: &str) -> Result<RootCertStore, TlsFileError> {
    let mut roots = RootCertStore::empty();
    for cert in read_certs("--ca", path, text)? {
        roots
            .add(cert)
            .map_err(|err| file_error("--ca", path, &format!("not a usable CA certificate ({err})")))?;
    }
    Ok(roots)
}

fn load_chain(path: &Path, text: &str) -> Result<Vec<CertificateDer<'static>>, TlsFileError> {
    read_certs("--cert", path, text)
}

fn read_certs(flag: &str, path: &Path, text: &str) -> Result<Vec<CertificateDer<'static>>, TlsFileError> {
    let certs: Vec<_> = rustls_pemfile::certs(&mut text.as_bytes())
        .collect::<Result<_, _>>()
        .map_err(|err| file_error(flag, path, &format!("not valid PEM ({err})")))?;
    if certs.is_empty() {
        return Err(file_error(flag, path, "holds no PEM CERTIFICATE"));
    }
    Ok(certs)
}

fn load_key(path: &Path, text: &str) -> Result<PrivateKeyDer<'static>, TlsFileError> {
    match rustls_pemfile::private_key(&mut text.as_bytes()) {
        Ok(Some(key)) => Ok(key),
        Ok(None) => Err(file_error("--key", path, "holds no PEM PRIVATE KEY")),
        Err(err) => Err(file_error("--key", path, &format!("not valid PEM ({err})"))),
    }
}

/// The key belongs to the certificate, and the certificate is within its validity period.
fn check_identity(
    provider: &Arc<CryptoProvider>,
    roots: &Arc<RootCertStore>,
    (cert_path, chain): (&Path, &[CertificateDer<'static>]),
    (key_path, key): (&Path, &PrivateKeyDer<'static>),
) -> Result<(), TlsFileError> {
    match CertifiedKey::from_der(chain.to_vec(), key.clone_key(), provider) {
        Ok(_) => {}
        Err(rustls::Error::InconsistentKeys(_)) => {
            return Err(TlsFileError(format!(
                "--key {}: does not match the certificate in --cert {}",
                key_path.display(),
                cert_path.display()
            )));
        }
        Err(err) => {
            return Err(file_error(
                "--key",
                key_path,
                &format!("not a usable private key ({err})"),
            ));
        }
    }
    // webpki checks the dates before it looks for an issuer: an expired certificate says so
    // even when its CA is not the one given with --ca (the server may trust another).
    let verifier = WebPkiClientVerifier::builder_with_provider(roots.clone(), provider.clone())
        .build()
        .map_err(|err| file_error("--ca", cert_path, &err.to_string()))?;
    let Some((end_entity, intermediates)) = chain.split_first() else {
        return Err(file_error("--cert", cert_path, "holds no PEM CERTIFICATE"));
    };
    match verifier.verify_client_cert(end_entity, intermediates, UnixTime::now()) {
        Err(rustls::Error::InvalidCertificate(CertificateError::Expired | CertificateError::ExpiredContext { .. })) => {
            Err(file_error("--cert", cert_path, "the certificate has expired"))
        }
        Err(rustls::Error::InvalidCertificate(
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. },
        )) => Err(file_error("--cert", cert_path, "the certificate is not valid yet")),
        Err(rustls::Error::InvalidCertificate(CertificateError::BadEncoding)) => {
            Err(file_error("--cert", cert_path, "not a valid X.509 certificate"))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_ca(content: Option<&[u8]>) -> String {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("ca.pem");
        if let Some(content) = content {
            std::fs::write(&path, content).expect("write");
        }
        match TlsFiles::load(&path, None) {
            Ok(_) => "loaded".into(),
            Err(TlsFileError(message)) => message.replace(&dir.path().display().to_string(), "DIR"),
        }
    }

    #[test]
    fn a_ca_file_that_is_missing_or_not_pem_is_named_with_the_reason() {
        assert_eq!(load_ca(None), "--ca DIR/ca.pem: no such file");
        assert_eq!(
            load_ca(Some(b"hello\n")),
            "--ca DIR/ca.pem: not a PEM file (no -----BEGIN line)"
        );
        assert_eq!(
            load_ca(Some(&[0x30, 0x82, 0xff, 0x00])),
            "--ca DIR/ca.pem: not a PEM file (binary; DER?)"
        );
        let key_only = b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
        assert_eq!(load_ca(Some(key_only)), "--ca DIR/ca.pem: holds no PEM CERTIFICATE");
    }
}
