//! A real standalone ZooKeeper for the tests, started with the very code `--sandbox` uses.
//!
//! Tests that leave the server alone share one per test binary ([`shared_server`]); tests
//! that stop, restart or wipe a server start their own [`ZkServer`].

use std::collections::HashSet;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::{Mutex, Once, OnceLock, mpsc};
use std::time::Duration;

use tempfile::TempDir;
use zksh::sandbox::CONFIG_TEMPLATE;
use zksh::sandbox::server::{
    ServerFiles, ZkInstall, ensure_serving, four_letter_word, free_port, is_serving, server_command_with,
    server_output_tail, spawn_server, write_server_files,
};

/// A JVM on a loaded 2-core machine can take a while to come up.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// What a server's command line gets beyond the plain one.
#[derive(Debug, Clone, Default)]
pub struct Launch {
    pub classpath: Vec<String>,
    pub jvm_options: Vec<String>,
}

/// One standalone server: its own directory (config, data, logs) and loopback port.
pub struct ZkServer {
    dir: TempDir,
    port: u16,
    install: ZkInstall,
    files: ServerFiles,
    child: Option<Child>,
    /// Jars added to the class path and options given to the JVM (TLS, SASL).
    launch: Launch,
    /// The last zxid the server reported before it was stopped, for [`ZkServer::restart_empty`].
    zxid_at_stop: u64,
}

impl ZkServer {
    /// Starts a server from zoo.cfg.example on a free port and waits until it serves.
    pub fn start() -> ZkServer {
        ZkServer::start_with(&[])
    }

    /// As [`ZkServer::start`], with `extra` lines appended to the config.
    pub fn start_with(extra: &[&str]) -> ZkServer {
        ZkServer::start_on(reserve_port(), extra)
    }

    /// As [`ZkServer::start_with`], on `port` (from [`reserve_port`]): a client can be
    /// pointed at the port before the server exists.
    pub fn start_on(port: u16, extra: &[&str]) -> ZkServer {
        ZkServer::start_launched(port, extra, Launch::default())
    }

    /// As [`ZkServer::start_on`], with jars and JVM options added to the command line.
    pub fn start_launched(port: u16, extra: &[&str], launch: Launch) -> ZkServer {
        let install = ZkInstall::locate().unwrap_or_else(|e| panic!("{e:#}"));
        // Under target/tmp: a binary killed before it could clean up leaves nothing in /tmp.
        let dir = tempfile::Builder::new()
            .prefix("zksh-test-zk-")
            .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
            .expect("cannot create a temp dir");
        let extra: Vec<String> = extra.iter().map(|line| line.to_string()).collect();
        let files = write_server_files(dir.path(), CONFIG_TEMPLATE, port, &extra)
            .unwrap_or_else(|e| panic!("cannot write the server config: {e:#}"));
        let mut server = ZkServer {
            dir,
            port,
            install,
            files,
            child: None,
            launch,
            zxid_at_stop: 0,
        };
        server.launch();
        server
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server's dataDir (its snapshots and logs are in `version-2` under it).
    pub fn data_dir(&self) -> std::path::PathBuf {
        self.dir.path().join("data")
    }

    /// `127.0.0.1:<port>`, for `-s`.
    pub fn connect_string(&self) -> String {
        format!("127.0.0.1:{}", self.port())
    }

    /// Kills the server (SIGKILL: no goodbye to the clients) and waits for it to be gone.
    pub fn stop(&mut self) {
        if self.child.is_some() {
            // Best effort: a paused server cannot answer, and then the last known one stays.
            if let Some(zxid) = self.try_last_zxid() {
                self.zxid_at_stop = zxid;
            }
        }
        if let Some(mut child) = self.child.take() {
            child.kill().ok();
            child.wait().expect("cannot wait for the ZooKeeper process");
        }
    }

    /// Stops the server if it runs, then starts it again on the same data directory and port:
    /// sessions survive (clients reconnect to the same session).
    pub fn restart(&mut self) {
        self.stop();
        self.launch();
    }

    /// Stops the server if it runs, wipes its data directory and starts it again on the same
    /// port: the sessions are gone, so a client that reconnects learns that its session expired.
    pub fn restart_empty(&mut self) {
        self.stop();
        let zxid = self.zxid_at_stop;
        let data = self.dir.path().join("data");
        std::fs::remove_dir_all(&data).expect("cannot wipe the data directory");
        std::fs::create_dir_all(&data).expect("cannot recreate the data directory");
        self.launch();
        self.catch_up_zxid(zxid);
    }

    /// Freezes the server (SIGSTOP): connections stay open but nothing answers, so clients
    /// time out; past the session timeout, the sessions expire once it runs again.
    pub fn pause(&self) {
        self.send_signal(libc::SIGSTOP);
    }

    /// Lets a paused server run again (SIGCONT).
    pub fn resume(&self) {
        self.send_signal(libc::SIGCONT);
    }

    fn send_signal(&self, signal: libc::c_int) {
        let child = self.child.as_ref().expect("the server is not running");
        // SAFETY: a plain syscall on our own child, not reaped while `self.child` holds it.
        let sent = unsafe { libc::kill(child.id() as libc::pid_t, signal) };
        assert_eq!(sent, 0, "cannot signal the server: {}", std::io::Error::last_os_error());
    }

    /// The last transaction id the server processed, from `srvr`.
    pub fn last_zxid(&self) -> u64 {
        self.try_last_zxid()
            .expect("the server does not answer srvr with a Zxid")
    }

    fn try_last_zxid(&self) -> Option<u64> {
        let answer = four_letter_word(self.port, "srvr")?;
        let hex = answer.lines().find_map(|line| line.strip_prefix("Zxid: 0x"))?;
        u64::from_str_radix(hex.trim(), 16).ok()
    }

    /// The ids of the sessions that have a live connection to this server, from `cons`: a
    /// session the server merely remembers (until it expires) is not among them.
    pub fn connected_sessions(&self) -> Vec<i64> {
        let answer = four_letter_word(self.port, "cons").expect("the server does not answer cons");
        answer
            .split(|c: char| c == ',' || c == '(' || c == ')' || c.is_whitespace())
            .filter_map(|field| field.strip_prefix("sid=0x"))
            .map(|hex| u64::from_str_radix(hex, 16).expect("sid is not hexadecimal") as i64)
            .collect()
    }

    /// A server refuses a client that has seen a newer transaction than its own last one
    /// (the client must "try another server"), so a wiped server would not tell the old
    /// clients that their sessions expired: they would only find out when their own session
    /// timeout ran out. Write until the new server is past `zxid`.
    fn catch_up_zxid(&self, zxid: u64) {
        let mut script = String::from("create /zxid-pad\n");
        let writes = zxid.saturating_sub(self.last_zxid()) + 2;
        for _ in 0..writes {
            script.push_str("set /zxid-pad x\n");
        }
        script.push_str("delete /zxid-pad\n");
        crate::support::Zksh::at(&self.connect_string())
            .args(["-c", &script])
            .run()
            .success();
        assert!(
            self.last_zxid() > zxid,
            "the wiped server did not catch up with zxid 0x{zxid:x}"
        );
    }

    /// Starts java and waits until this server (not another on the port) serves.
    fn launch(&mut self) {
        assert!(self.child.is_none(), "the server is already running");
        assert!(
            !is_serving(self.port),
            "another ZooKeeper already serves on port {}",
            self.port
        );
        let mut command = server_command_with(
            &self.install,
            &self.files,
            &self.launch.classpath,
            &self.launch.jvm_options,
        );
        die_with_parent(&mut command);
        let child = spawn_server(command, &self.files).unwrap_or_else(|e| panic!("{e:#}"));
        let child = self.child.insert(child);
        if let Err(err) = ensure_serving(self.port, &self.files, START_TIMEOUT) {
            child.kill().ok();
            child.wait().ok();
            self.child = None;
            panic!("{err:#}");
        }
        if let Ok(Some(status)) = child.try_wait() {
            self.child = None;
            panic!(
                "ZooKeeper exited ({status}) right after starting:\n{}",
                server_output_tail(&self.files)
            );
        }
    }

    /// For the shared server, which is never dropped: kill it and remove its directory.
    fn kill_at_exit(&self) {
        if let Some(child) = &self.child {
            let pid = child.id() as libc::pid_t;
            // SAFETY: plain syscalls on our own child's pid, which nothing else reaps.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
                libc::waitpid(pid, std::ptr::null_mut(), 0);
            }
        }
        remove_dir(self.dir.path());
    }
}

impl Drop for ZkServer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn remove_dir(dir: &Path) {
    // At exit there is nobody left to tell about a directory that would not go.
    std::fs::remove_dir_all(dir).ok();
}

/// Asks the kernel to SIGKILL the child when the thread that spawned it ends, so that no java
/// process outlives a test binary that was killed or that panicked.
pub fn die_with_parent(command: &mut Command) {
    let parent = std::process::id() as libc::pid_t;
    // SAFETY: prctl, getppid and _exit are async-signal-safe; nothing here allocates.
    unsafe {
        command.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            // The parent may have died before prctl took effect.
            if libc::getppid() != parent {
                libc::_exit(1);
            }
            Ok(())
        });
    }
}

/// A free port that no other server of this test binary was given (tests run in parallel, and
/// a stopped server keeps its port for a restart).
pub fn reserve_port() -> u16 {
    static TAKEN: Mutex<Option<HashSet<u16>>> = Mutex::new(None);
    let mut taken = TAKEN.lock().unwrap_or_else(|e| e.into_inner());
    let taken = taken.get_or_insert_with(HashSet::new);
    loop {
        let port = free_port().expect("no free port");
        if taken.insert(port) {
            return port;
        }
    }
}

static SHARED: OnceLock<ZkServer> = OnceLock::new();

/// The server shared by every test of this binary that does not stop or restart it.
pub fn shared_server() -> &'static ZkServer {
    keep_for_binary(&SHARED, ZkServer::start, |server| server)
}

/// A server (or a value holding one, as `server_of` finds it) started once for the whole test
/// binary and killed when it exits: for `static` cells of servers tests share.
///
/// PR_SET_PDEATHSIG fires when the spawning *thread* ends, and libtest ends a thread after
/// each test: so a dedicated thread that never ends spawns java. The server goes with the
/// process: by an atexit handler on a normal exit, by the death signal otherwise.
pub fn keep_for_binary<T: Send + Sync + 'static>(
    cell: &'static OnceLock<T>,
    start: fn() -> T,
    server_of: fn(&'static T) -> &'static ZkServer,
) -> &'static T {
    let mut first = false;
    let value = cell.get_or_init(|| {
        first = true;
        started_on_a_kept_thread(start)
    });
    if first {
        kill_at_exit(server_of(value));
    }
    value
}

/// Runs `start` on a thread that never ends, and hands back what it made.
fn started_on_a_kept_thread<T: Send + 'static>(start: fn() -> T) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name("kept-zookeeper".into())
        .spawn(move || {
            let started = std::panic::catch_unwind(start);
            let ok = started.is_ok();
            tx.send(started.map_err(|_| ())).ok();
            if ok {
                loop {
                    std::thread::park();
                }
            }
        })
        .expect("cannot spawn a server's thread");
    rx.recv()
        .expect("the server's thread died")
        .unwrap_or_else(|()| panic!("a ZooKeeper server shared by the tests did not start (see the panic above)"))
}

/// What goes when the test binary exits: servers kept for it, and directories (certificates,
/// JAAS files) held in statics, which are never dropped.
struct AtExit {
    servers: Vec<&'static ZkServer>,
    dirs: Vec<PathBuf>,
}

static AT_EXIT: Mutex<AtExit> = Mutex::new(AtExit {
    servers: Vec::new(),
    dirs: Vec::new(),
});

fn at_exit(add: impl FnOnce(&mut AtExit)) {
    static REGISTERED: Once = Once::new();
    REGISTERED.call_once(|| {
        // SAFETY: registering a plain extern "C" function.
        unsafe {
            libc::atexit(clean_up_at_exit);
        }
    });
    add(&mut AT_EXIT.lock().unwrap_or_else(|e| e.into_inner()));
}

fn kill_at_exit(server: &'static ZkServer) {
    at_exit(|list| list.servers.push(server));
}

/// Removes `dir` when the test binary exits.
pub fn remove_at_exit(dir: &Path) {
    let dir = dir.to_path_buf();
    at_exit(|list| list.dirs.push(dir));
}

extern "C" fn clean_up_at_exit() {
    let list = AT_EXIT.lock().unwrap_or_else(|e| e.into_inner());
    for server in list.servers.iter() {
        server.kill_at_exit();
    }
    for dir in list.dirs.iter() {
        remove_dir(dir);
    }
}
