//! Launching a real ZooKeeper server: find Java and the ZooKeeper jars, write a config, start
//! `QuorumPeerMain`, wait until it answers `ruok`. Used by `--sandbox` and by the tests.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// Where Java and ZooKeeper are on this machine.
#[derive(Debug, Clone)]
pub struct ZkInstall {
    pub java: PathBuf,
    /// Class path entries (jars or `dir/*` wildcards).
    pub classpath: Vec<String>,
}

const DEBIAN_JAR: &str = "/usr/share/java/zookeeper.jar";
const DEBIAN_LOGGING: &[&str] = &["/usr/share/java/slf4j-log4j12.jar", "/usr/share/java/log4j-1.2.jar"];
const INSTALL_HINT: &str = "install it with `sudo apt-get install zookeeper` (Debian/Ubuntu; brings Java too), \
     or unpack an Apache ZooKeeper release and set ZOOKEEPER_HOME";

impl ZkInstall {
    /// Looks in `ZOOKEEPER_HOME`, then next to `zkServer.sh` on PATH, then Debian's package.
    pub fn locate() -> anyhow::Result<ZkInstall> {
        let java =
            find_java().with_context(|| format!("Java not found (no JAVA_HOME, no java on PATH): {INSTALL_HINT}"))?;
        let classpath = find_classpath().with_context(|| format!("ZooKeeper not found: {INSTALL_HINT}"))?;
        Ok(ZkInstall { java, classpath })
    }
}

fn find_java() -> Option<PathBuf> {
    if let Some(home) = std::env::var_os("JAVA_HOME") {
        let java = Path::new(&home).join("bin/java");
        if java.is_file() {
            return Some(java);
        }
    }
    find_on_path("java")
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    let paths = std::env::var_os("PATH")?;
    std::env::split_paths(&paths)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

fn release_classpath(home: &Path) -> Option<Vec<String>> {
    let has_jars = |dir: &Path| {
        std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .flatten()
                    .any(|e| e.file_name().to_string_lossy().ends_with(".jar"))
            })
            .unwrap_or(false)
    };
    let lib = home.join("lib");
    if has_jars(&lib) || has_jars(home) {
        return Some(vec![format!("{}/*", home.display()), format!("{}/*", lib.display())]);
    }
    None
}

fn find_classpath() -> Option<Vec<String>> {
    if let Some(home) = std::env::var_os("ZOOKEEPER_HOME") {
        if let Some(cp) = release_classpath(Path::new(&home)) {
            return Some(cp);
        }
    }
    if let Some(script) = find_on_path("zkServer.sh") {
        let script = std::fs::canonicalize(&script).unwrap_or(script);
        if let Some(home) = script.parent().and_then(Path::parent) {
            if let Some(cp) = release_classpath(home) {
                return Some(cp);
            }
        }
    }
    // Debian's jar names no logging backend: add log4j so the server's log goes to server.log.
    Path::new(DEBIAN_JAR).is_file().then(|| {
        std::iter::once(DEBIAN_JAR)
            .chain(DEBIAN_LOGGING.iter().copied().filter(|jar| Path::new(jar).is_file()))
            .map(str::to_string)
            .collect()
    })
}

/// A free loopback port (bound and released; the small race is acceptable for tests and
/// throwaway servers).
pub fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Asks a four-letter word of the server on a loopback port; its answer, if it answered
/// (a whitelist refusal is an answer here: the text as the server sent it).
pub fn four_letter_word(port: u16, word: &str) -> Option<String> {
    crate::cluster::four_letter::exchange(&format!("127.0.0.1:{port}"), word, Duration::from_secs(2)).ok()
}

/// Whether the server on `port` serves client sessions. `ruok` answers `imok` as soon as the
/// process listens, before the database is loaded; `srvr` reports a mode only once serving.
pub fn is_serving(port: u16) -> bool {
    four_letter_word(port, "srvr").is_some_and(|answer| answer.contains("Mode:"))
}

/// Polls until the server serves or the time is up.
pub fn wait_until_serving(port: u16, timeout: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < timeout {
        if is_serving(port) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

/// The config file and log settings of one server, written into `dir`.
#[derive(Debug, Clone)]
pub struct ServerFiles {
    pub dir: PathBuf,
    pub config: PathBuf,
    pub log: PathBuf,
}

/// Writes zoo.cfg (from `template`, with dataDir and clientPort replaced and `extra` lines
/// appended) and a quiet log configuration into `dir`.
pub fn write_server_files(dir: &Path, template: &str, port: u16, extra: &[String]) -> anyhow::Result<ServerFiles> {
    let data_dir = dir.join("data");
    std::fs::create_dir_all(&data_dir).with_context(|| format!("cannot create {}", data_dir.display()))?;
    let mut config = String::new();
    for line in template.lines() {
        let key = line.split('=').next().unwrap_or_default().trim();
        match key {
            "dataDir" => config.push_str(&format!("dataDir={}\n", data_dir.display())),
            "clientPort" => config.push_str(&format!("clientPort={port}\n")),
            _ => {
                config.push_str(line);
                config.push('\n');
            }
        }
    }
    for line in extra {
        config.push_str(line);
        config.push('\n');
    }
    let config_path = dir.join("zoo.cfg");
    std::fs::write(&config_path, config).with_context(|| format!("cannot write {}", config_path.display()))?;
    let log = dir.join("server.log");
    // Debian's 3.8 build logs through log4j 1.2; a release build through logback. Quiet both.
    std::fs::write(
        dir.join("log4j.properties"),
        "log4j.rootLogger=WARN, F\nlog4j.appender.F=org.apache.log4j.FileAppender\n\
         log4j.appender.F.File=server.log\nlog4j.appender.F.layout=org.apache.log4j.PatternLayout\n\
         log4j.appender.F.layout.ConversionPattern=%d %p %c{1}: %m%n\n",
    )?;
    std::fs::write(
        dir.join("logback.xml"),
        "<configuration><appender name=\"F\" class=\"ch.qos.logback.core.FileAppender\"><file>server.log</file>\
         <encoder><pattern>%d %p %logger{1}: %m%n</pattern></encoder></appender>\
         <root level=\"WARN\"><appender-ref ref=\"F\"/></root></configuration>\n",
    )?;
    Ok(ServerFiles {
        dir: dir.to_path_buf(),
        config: config_path,
        log,
    })
}

/// The java command that runs a server from `files`. `extra_classpath` adds jars (TLS needs
/// netty-codec and netty-resolver, which Debian's manifest omits).
pub fn server_command(install: &ZkInstall, files: &ServerFiles, extra_classpath: &[String]) -> Command {
    server_command_with(install, files, extra_classpath, &[])
}

/// As [`server_command`], with JVM options before the main class: settings ZooKeeper reads only
/// as system properties (`-Dreadonlymode.enabled=true`, a JAAS file for SASL), which zoo.cfg
/// cannot carry.
pub fn server_command_with(
    install: &ZkInstall,
    files: &ServerFiles,
    extra_classpath: &[String],
    jvm_options: &[String],
) -> Command {
    let mut classpath = vec![files.dir.display().to_string()];
    classpath.extend(install.classpath.iter().cloned());
    classpath.extend(extra_classpath.iter().cloned());
    let mut cmd = Command::new(&install.java);
    cmd.current_dir(&files.dir)
        .arg("-Xmx256m")
        .arg("-XX:+UseSerialGC")
        .arg("-XX:TieredStopAtLevel=1")
        .arg("-Dzookeeper.admin.enableServer=false")
        .arg(format!(
            "-Dlogback.configurationFile={}",
            files.dir.join("logback.xml").display()
        ))
        .arg(format!(
            "-Dlog4j.configuration=file:{}",
            files.dir.join("log4j.properties").display()
        ))
        .args(jvm_options)
        .arg("-cp")
        .arg(classpath.join(":"))
        .arg("org.apache.zookeeper.server.quorum.QuorumPeerMain")
        .arg(&files.config)
        .stdin(Stdio::null());
    cmd
}

/// Starts a server process; stdout and stderr go to `server.out` in its directory.
pub fn spawn_server(mut command: Command, files: &ServerFiles) -> anyhow::Result<Child> {
    let out = std::fs::File::create(files.dir.join("server.out"))?;
    let err = out.try_clone()?;
    command.stdout(out).stderr(err);
    let child = command.spawn().context("cannot start java")?;
    Ok(child)
}

/// Reads the end of a server's output, for error messages when it does not come up.
pub fn server_output_tail(files: &ServerFiles) -> String {
    let mut text = String::new();
    for name in ["server.out", "server.log"] {
        if let Ok(content) = std::fs::read_to_string(files.dir.join(name)) {
            text.push_str(&content);
        }
    }
    let lines: Vec<&str> = text.lines().rev().take(15).collect();
    lines.into_iter().rev().collect::<Vec<_>>().join("\n")
}

/// Fails unless a server answers on `port` within `timeout`, with the server's own words.
pub fn ensure_serving(port: u16, files: &ServerFiles, timeout: Duration) -> anyhow::Result<()> {
    if wait_until_serving(port, timeout) {
        return Ok(());
    }
    bail!(
        "ZooKeeper did not answer on 127.0.0.1:{port} within {}s; its output:\n{}",
        timeout.as_secs(),
        server_output_tail(files)
    )
}
