//! A real ZooKeeper ensemble on loopback ports: N members (3 by default), each its own
//! directory, `myid`, client/quorum/election ports, started with the standalone launcher's code.
//!
//! Members are killed, paused and restarted one at a time by the failover tests; every member
//! goes with the [`Ensemble`] (on drop, also while a test panics) and with the test thread
//! (PR_SET_PDEATHSIG), so no java outlives a test.

// One launcher for every ensemble test, on several branches: a test binary may use part of it.
#![allow(dead_code)]

use std::process::Child;
use std::time::{Duration, Instant};

use tempfile::TempDir;
use zksh::sandbox::CONFIG_TEMPLATE;
use zksh::sandbox::server::{
    ServerFiles, ZkInstall, four_letter_word, server_command_with, server_output_tail, spawn_server, write_server_files,
};

use crate::support::server::{die_with_parent, reserve_port};

/// Members elect a leader only once a quorum of JVMs is up: on 2 loaded cores, a while.
const START_TIMEOUT: Duration = Duration::from_secs(90);

const NETTY_JARS: &[&str] = &["/usr/share/java/netty-codec.jar", "/usr/share/java/netty-resolver.jar"];

/// How an ensemble is configured; [`Ensemble::builder`] starts from 3 members, 4lw `*`.
#[must_use]
pub struct EnsembleBuilder {
    size: usize,
    reconfig: bool,
    read_only: bool,
    standalone_enabled: bool,
    extra: Vec<String>,
    jvm_options: Vec<String>,
    classpath: Vec<String>,
}

impl EnsembleBuilder {
    /// How many members (3 unless told).
    pub fn size(mut self, size: usize) -> Self {
        self.size = size;
        self
    }

    /// `reconfigEnabled=true` (dynamic reconfiguration), and with it `standaloneEnabled=false`
    /// so that an ensemble shrunk to one member stays an ensemble.
    pub fn reconfig(mut self) -> Self {
        self.reconfig = true;
        self.standalone_enabled = false;
        self
    }

    /// `-Dreadonlymode.enabled=true`: a member cut off from its quorum serves reads. With
    /// `localSessionsEnabled=true` too: a 3.8 read-only member answers a new session's connect
    /// with NOTREADONLY (a global session is a write) unless sessions may be local.
    pub fn read_only(mut self) -> Self {
        self.read_only = true;
        self.config("localSessionsEnabled=true")
    }

    /// A line appended to every member's zoo.cfg (`skipACL=yes`, `tickTime=500`, ...).
    pub fn config(mut self, line: &str) -> Self {
        self.extra.push(line.to_string());
        self
    }

    /// Netty for client connections instead of NIO (Debian's manifest omits two of its jars).
    pub fn netty(mut self) -> Self {
        self.classpath.extend(NETTY_JARS.iter().map(|jar| jar.to_string()));
        self.jvm_option("-Dzookeeper.serverCnxnFactory=org.apache.zookeeper.server.NettyServerCnxnFactory")
    }

    /// A JVM option for every member (`-Dzookeeper.…=…`).
    pub fn jvm_option(mut self, option: &str) -> Self {
        self.jvm_options.push(option.to_string());
        self
    }

    /// Writes every member's files, starts all of them at once and waits until one leads and
    /// the others follow.
    pub fn start(self) -> Ensemble {
        let install = ZkInstall::locate().unwrap_or_else(|e| panic!("{e:#}"));
        let ports: Vec<(u16, u16, u16)> = (0..self.size)
            .map(|_| (reserve_port(), reserve_port(), reserve_port()))
            .collect();
        let servers: Vec<String> = ports
            .iter()
            .enumerate()
            .map(|(i, (client, quorum, election))| {
                format!("server.{}=127.0.0.1:{quorum}:{election};127.0.0.1:{client}", i + 1)
            })
            .collect();
        let mut lines = servers;
        lines.push(format!("standaloneEnabled={}", self.standalone_enabled));
        lines.push(format!("reconfigEnabled={}", self.reconfig));
        lines.extend(self.extra.iter().cloned());
        let mut jvm_options = self.jvm_options.clone();
        if self.read_only {
            jvm_options.push("-Dreadonlymode.enabled=true".to_string());
        }
        let members = ports
            .iter()
            .enumerate()
            .map(|(i, &(client, quorum, election))| Member::write(i + 1, client, quorum, election, &lines))
            .collect();
        let mut ensemble = Ensemble {
            install,
            jvm_options,
            classpath: self.classpath,
            members,
        };
        for i in 0..ensemble.size() {
            ensemble.spawn(i);
        }
        ensemble.wait_for_quorum(START_TIMEOUT);
        ensemble
    }
}

/// One member: its directory, ports and, while it runs, its process.
struct Member {
    id: usize,
    dir: TempDir,
    client: u16,
    quorum: u16,
    election: u16,
    files: ServerFiles,
    child: Option<Child>,
}

impl Member {
    fn write(id: usize, client: u16, quorum: u16, election: u16, lines: &[String]) -> Member {
        let dir = tempfile::Builder::new()
            .prefix(&format!("zksh-test-ens{id}-"))
            .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
            .expect("cannot create a temp dir");
        let files = write_server_files(dir.path(), CONFIG_TEMPLATE, client, lines)
            .unwrap_or_else(|e| panic!("cannot write member {id}'s config: {e:#}"));
        std::fs::write(dir.path().join("data/myid"), format!("{id}\n")).expect("cannot write myid");
        Member {
            id,
            dir,
            client,
            quorum,
            election,
            files,
            child: None,
        }
    }

    fn spawn(&mut self, install: &ZkInstall, classpath: &[String], jvm_options: &[String]) {
        assert!(self.child.is_none(), "member {} is already running", self.id);
        let mut command = server_command_with(install, &self.files, classpath, jvm_options);
        die_with_parent(&mut command);
        self.child = Some(spawn_server(command, &self.files).unwrap_or_else(|e| panic!("{e:#}")));
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().ok();
            child.wait().ok();
        }
    }

    /// `Mode:` from `srvr` (leader, follower, observer, read-only, standalone), if it answers.
    fn mode(&self) -> Option<String> {
        let answer = four_letter_word(self.client, "srvr")?;
        let mode = answer.lines().find_map(|line| line.strip_prefix("Mode: "))?;
        Some(mode.trim().to_string())
    }

    fn signal(&self, signal: libc::c_int) {
        let child = self
            .child
            .as_ref()
            .unwrap_or_else(|| panic!("member {} is not running", self.id));
        // SAFETY: a plain syscall on our own child, not reaped while `self.child` holds it.
        let sent = unsafe { libc::kill(child.id() as libc::pid_t, signal) };
        assert_eq!(
            sent,
            0,
            "cannot signal member {}: {}",
            self.id,
            std::io::Error::last_os_error()
        );
    }

    fn exited(&mut self) -> Option<String> {
        let child = self.child.as_mut()?;
        let status = child.try_wait().ok()??;
        Some(format!(
            "member {} exited ({status}):\n{}",
            self.id,
            server_output_tail(&self.files)
        ))
    }
}

/// A running ensemble. Members are numbered from 0 in the methods (member `i` has myid `i+1`).
pub struct Ensemble {
    install: ZkInstall,
    jvm_options: Vec<String>,
    classpath: Vec<String>,
    members: Vec<Member>,
}

impl Ensemble {
    /// Three members, 4lw `*`, no reconfiguration, no read-only mode.
    pub fn start() -> Ensemble {
        Ensemble::builder().start()
    }

    pub fn builder() -> EnsembleBuilder {
        EnsembleBuilder {
            size: 3,
            reconfig: false,
            read_only: false,
            standalone_enabled: false,
            extra: Vec::new(),
            jvm_options: Vec::new(),
            classpath: Vec::new(),
        }
    }

    pub fn size(&self) -> usize {
        self.members.len()
    }

    /// Every member, `127.0.0.1:p1,127.0.0.1:p2,...`.
    pub fn connect_string(&self) -> String {
        let members: Vec<String> = (0..self.size()).map(|i| self.address(i)).collect();
        members.join(",")
    }

    /// `127.0.0.1:<client port>` of member `i`.
    pub fn address(&self, i: usize) -> String {
        format!("127.0.0.1:{}", self.member_port(i))
    }

    /// Member `i`'s client port.
    pub fn member_port(&self, i: usize) -> u16 {
        self.members[i].client
    }

    /// Member `i`'s `(quorum, election)` ports.
    pub fn peer_ports(&self, i: usize) -> (u16, u16) {
        (self.members[i].quorum, self.members[i].election)
    }

    /// The `server.N=...` line of member `i`, as in its config (for `reconfig -add`).
    pub fn server_line(&self, i: usize) -> String {
        let m = &self.members[i];
        format!(
            "server.{}=127.0.0.1:{}:{}:participant;127.0.0.1:{}",
            m.id, m.quorum, m.election, m.client
        )
    }

    /// Member `i`'s directory (zoo.cfg, data, server.log).
    pub fn member_dir(&self, i: usize) -> &std::path::Path {
        self.members[i].dir.path()
    }

    /// Member `i`'s mode from `srvr`, if it answers.
    pub fn mode(&self, i: usize) -> Option<String> {
        self.members[i].mode()
    }

    /// The member that currently leads, if one answers as leader.
    pub fn leader(&self) -> Option<usize> {
        (0..self.size()).find(|&i| self.is_running(i) && self.mode(i).as_deref() == Some("leader"))
    }

    /// A running member that follows (not the leader).
    pub fn follower(&self) -> usize {
        (0..self.size())
            .find(|&i| self.is_running(i) && self.mode(i).as_deref() == Some("follower"))
            .expect("no member follows")
    }

    /// The member this session is connected to: the one whose `cons` lists it (the client
    /// itself cannot say, and it shuffles the connect string).
    pub fn member_serving(&self, session: i64) -> Option<usize> {
        let wanted = format!("sid=0x{:x}", session as u64);
        (0..self.size()).find(|&i| {
            self.is_running(i)
                && four_letter_word(self.members[i].client, "cons").is_some_and(|cons| {
                    cons.split(|c: char| c == ',' || c == '(' || c == ')' || c.is_whitespace())
                        .any(|field| field == wanted)
                })
        })
    }

    pub fn is_running(&self, i: usize) -> bool {
        self.members[i].child.is_some()
    }

    /// Kills member `i` (SIGKILL: no goodbye to its clients or peers).
    pub fn kill(&mut self, i: usize) {
        self.members[i].kill();
    }

    /// Freezes member `i` (SIGSTOP): its connections stay open but nothing answers.
    pub fn pause(&self, i: usize) {
        self.members[i].signal(libc::SIGSTOP);
    }

    /// Lets a paused member run again (SIGCONT).
    pub fn resume(&self, i: usize) {
        self.members[i].signal(libc::SIGCONT);
    }

    /// Kills member `i` if it runs, starts it again on its data directory, and waits until it
    /// serves as part of a quorum (leader or follower).
    pub fn restart(&mut self, i: usize) {
        self.members[i].kill();
        self.spawn(i);
        self.wait_for_mode(i, &["leader", "follower"], START_TIMEOUT);
    }

    fn spawn(&mut self, i: usize) {
        self.members[i].spawn(&self.install, &self.classpath, &self.jvm_options);
    }

    /// Waits until member `i` reports one of `modes`; panics with its log otherwise.
    pub fn wait_for_mode(&mut self, i: usize, modes: &[&str], timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(mode) = self.mode(i).filter(|mode| modes.contains(&mode.as_str())) {
                return mode;
            }
            if let Some(exited) = self.members[i].exited() {
                panic!("{exited}");
            }
            if Instant::now() > deadline {
                panic!(
                    "member {} did not serve as {modes:?} within {timeout:?} (mode {:?}):\n{}",
                    i + 1,
                    self.mode(i),
                    server_output_tail(&self.members[i].files)
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits until the running members serve as one leader and followers: a new leader after
    /// the old one was killed, say.
    pub fn wait_for_quorum(&mut self, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            let running: Vec<usize> = (0..self.size()).filter(|&i| self.is_running(i)).collect();
            let modes: Vec<Option<String>> = running.iter().map(|&i| self.mode(i)).collect();
            let leaders = modes.iter().filter(|m| m.as_deref() == Some("leader")).count();
            let followers = modes.iter().filter(|m| m.as_deref() == Some("follower")).count();
            if leaders == 1 && leaders + followers == running.len() {
                return;
            }
            for &i in &running {
                if let Some(exited) = self.members[i].exited() {
                    panic!("{exited}");
                }
            }
            if Instant::now() > deadline {
                let logs: Vec<String> = running
                    .iter()
                    .map(|&i| format!("member {}:\n{}", i + 1, server_output_tail(&self.members[i].files)))
                    .collect();
                panic!(
                    "no leader with followers within {timeout:?} (modes {modes:?})\n{}",
                    logs.join("\n")
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Ensemble {
    fn drop(&mut self) {
        // SIGKILL also ends a paused (SIGSTOPped) member.
        for member in &mut self.members {
            member.kill();
        }
    }
}
