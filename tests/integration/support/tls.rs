//! TLS and SASL ZooKeeper servers for the tests: certificates made at run time with the
//! `openssl` command (EC P-256, an IP SAN for 127.0.0.1 as rustls wants), a PEM keystore and
//! truststore for the server (ZooKeeper 3.8 reads PEM), and a JAAS file for SASL DIGEST-MD5.
//! Servers that tests share live for the whole test binary, as the shared server does.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use tempfile::TempDir;

use crate::support::server::{Launch, ZkServer, keep_for_binary, remove_at_exit, reserve_port};

/// Debian's zookeeper.jar manifest omits these, and the Netty connection factory (the only
/// one that speaks TLS) needs them.
const NETTY_JARS: [&str; 2] = ["/usr/share/java/netty-codec.jar", "/usr/share/java/netty-resolver.jar"];

/// The SASL user and password the SASL server knows.
pub const SASL_USER: &str = "alice";
pub const SASL_PASSWORD: &str = "wonder-land-42";

/// The certificates of a test run, in one directory.
pub struct Certs {
    dir: TempDir,
}

impl Certs {
    /// A CA; a server certificate for 127.0.0.1 and a client one, both signed by it, and expired
    /// twins of each; a second, unrelated CA and a client certificate it signed; a key that
    /// belongs to no certificate; a file that is not PEM.
    fn generate() -> Certs {
        let dir = tempfile::Builder::new()
            .prefix("zksh-test-certs-")
            .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
            .expect("cannot create a temp dir");
        remove_at_exit(dir.path());
        let certs = Certs { dir };
        certs.self_signed("ca", "zksh test CA");
        certs.self_signed("other-ca", "another CA");
        certs.signed("server", "serverAuth", "30");
        certs.sign("ca", "server", "server-expired", "serverAuth", "-1");
        certs.signed("client", "clientAuth", "30");
        certs.sign("ca", "client", "client-expired", "clientAuth", "-1");
        certs.sign("other-ca", "client", "client-stranger", "clientAuth", "30");
        certs.new_key("stray");
        for (keystore, cert) in [
            ("server-keystore", "server"),
            ("server-expired-keystore", "server-expired"),
        ] {
            let text = format!(
                "{}{}",
                certs.read(&format!("{cert}.key")),
                certs.read(&format!("{cert}.pem"))
            );
            std::fs::write(certs.path(&format!("{keystore}.pem")), text).expect("write a keystore");
        }
        std::fs::write(certs.path("not-pem.txt"), "just some text, no certificate here\n").expect("write");
        certs
    }

    /// A file of this set: `ca.pem`, `client.pem`, `client.key`, `stray.key`, `not-pem.txt`...
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `path` as a string, for argv.
    pub fn arg(&self, name: &str) -> String {
        self.path(name).display().to_string()
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).expect("read a generated file")
    }

    fn openssl(&self, args: &[&str]) {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .expect("openssl is not installed");
        assert!(
            out.status.success(),
            "openssl {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn new_key(&self, name: &str) {
        let key = format!("{name}.key");
        self.openssl(&[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
            &key,
        ]);
    }

    fn self_signed(&self, name: &str, subject: &str) {
        self.new_key(name);
        let (key, pem, subj) = (format!("{name}.key"), format!("{name}.pem"), format!("/CN={subject}"));
        self.openssl(&[
            "req", "-x509", "-new", "-key", &key, "-out", &pem, "-days", "30", "-subj", &subj,
        ]);
    }

    /// A new key `name.key` and its certificate `name.pem` (for 127.0.0.1) signed by the CA.
    fn signed(&self, name: &str, usage: &str, days: &str) {
        self.new_key(name);
        self.sign("ca", name, name, usage, days);
    }

    /// A certificate `out.pem` for the key `key.key` (copied to `out.key`), signed by the CA
    /// `ca`, valid for `days` (`-1`: expired already).
    fn sign(&self, ca: &str, key: &str, out: &str, usage: &str, days: &str) {
        let ext = format!("{out}.ext");
        std::fs::write(
            self.path(&ext),
            format!(
                "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n\
                 keyUsage=digitalSignature\nextendedKeyUsage={usage}\n"
            ),
        )
        .expect("write an extension file");
        let (ca_pem, ca_key) = (format!("{ca}.pem"), format!("{ca}.key"));
        let (key_file, csr, pem, subj) = (
            format!("{key}.key"),
            format!("{out}.csr"),
            format!("{out}.pem"),
            format!("/CN={out}"),
        );
        if key != out {
            std::fs::copy(self.path(&key_file), self.path(&format!("{out}.key"))).expect("copy a key");
        }
        self.openssl(&["req", "-new", "-key", &key_file, "-out", &csr, "-subj", &subj]);
        self.openssl(&[
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            &ca_pem,
            "-CAkey",
            &ca_key,
            "-CAcreateserial",
            "-out",
            &pem,
            "-days",
            days,
            "-extfile",
            &ext,
        ]);
    }
}

/// The certificates every TLS test of this binary uses.
pub fn certs() -> &'static Certs {
    static CERTS: OnceLock<Certs> = OnceLock::new();
    CERTS.get_or_init(Certs::generate)
}

/// Whether a TLS server asks for a client certificate.
#[derive(Debug, Clone, Copy)]
pub enum ClientAuth {
    Need,
    None,
}

/// A ZooKeeper with a TLS port beside its plain one (the harness polls the plain one).
pub struct TlsServer {
    pub server: ZkServer,
    pub tls_port: u16,
}

impl TlsServer {
    /// Starts a server whose `secureClientPort` serves the certificate of `keystore` (a file
    /// of [`certs`]).
    pub fn start(client_auth: ClientAuth, keystore: &str) -> TlsServer {
        let certs = certs();
        let tls_port = reserve_port();
        let auth = match client_auth {
            ClientAuth::Need => "need",
            ClientAuth::None => "none",
        };
        let lines = [
            format!("secureClientPort={tls_port}"),
            "serverCnxnFactory=org.apache.zookeeper.server.NettyServerCnxnFactory".into(),
            format!("ssl.keyStore.location={}", certs.arg(keystore)),
            "ssl.keyStore.type=PEM".into(),
            format!("ssl.trustStore.location={}", certs.arg("ca.pem")),
            "ssl.trustStore.type=PEM".into(),
            format!("ssl.clientAuth={auth}"),
        ];
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        let launch = Launch {
            classpath: NETTY_JARS.iter().map(|jar| jar.to_string()).collect(),
            jvm_options: Vec::new(),
        };
        let server = ZkServer::start_launched(reserve_port(), &lines, launch);
        TlsServer { server, tls_port }
    }

    /// `127.0.0.1:<tls port>`.
    pub fn tls_address(&self) -> String {
        format!("127.0.0.1:{}", self.tls_port)
    }
}

/// The TLS server that requires a client certificate, shared by the tests of this binary.
pub fn need_client_cert() -> &'static TlsServer {
    static SERVER: OnceLock<TlsServer> = OnceLock::new();
    keep_for_binary(
        &SERVER,
        || TlsServer::start(ClientAuth::Need, "server-keystore.pem"),
        |tls| &tls.server,
    )
}

/// A TLS server that asks for no client certificate, shared by the tests of this binary.
pub fn no_client_cert() -> &'static TlsServer {
    static SERVER: OnceLock<TlsServer> = OnceLock::new();
    keep_for_binary(
        &SERVER,
        || TlsServer::start(ClientAuth::None, "server-keystore.pem"),
        |tls| &tls.server,
    )
}

/// The options that point zksh at a TLS server with the test CA and, if `client`, the client
/// certificate.
pub fn tls_args(address: &str, client: bool) -> Vec<String> {
    let certs = certs();
    let mut args = vec![
        "-s".into(),
        address.into(),
        "--tls".into(),
        "--ca".into(),
        certs.arg("ca.pem"),
    ];
    if client {
        args.extend([
            "--cert".into(),
            certs.arg("client.pem"),
            "--key".into(),
            certs.arg("client.key"),
        ]);
    }
    args
}

/// A server with SASL DIGEST-MD5 on, knowing [`SASL_USER`] with [`SASL_PASSWORD`].
pub struct SaslServer {
    pub server: ZkServer,
    _jaas: TempDir,
}

pub fn sasl_server() -> &'static SaslServer {
    static SERVER: OnceLock<SaslServer> = OnceLock::new();
    keep_for_binary(&SERVER, start_sasl, |sasl| &sasl.server)
}

fn start_sasl() -> SaslServer {
    let jaas = tempfile::Builder::new()
        .prefix("zksh-test-jaas-")
        .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
        .expect("cannot create a temp dir");
    remove_at_exit(jaas.path());
    let file = jaas.path().join("jaas.conf");
    write_jaas(&file);
    let launch = Launch {
        classpath: Vec::new(),
        jvm_options: vec![format!("-Djava.security.auth.login.config={}", file.display())],
    };
    let server = ZkServer::start_launched(
        reserve_port(),
        &["authProvider.1=org.apache.zookeeper.server.auth.SASLAuthenticationProvider"],
        launch,
    );
    SaslServer { server, _jaas: jaas }
}

fn write_jaas(file: &Path) {
    std::fs::write(
        file,
        format!(
            "Server {{\n  org.apache.zookeeper.server.auth.DigestLoginModule required\n  \
             user_{SASL_USER}=\"{SASL_PASSWORD}\";\n}};\n"
        ),
    )
    .expect("write the JAAS file");
}
