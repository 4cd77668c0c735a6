//! Helpers for the recipe tests (`lock`, `elect`): a Kazoo client driven line by line, named
//! pipes that hold a command until the test lets it go, and the check that holders took turns.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

use crate::support::ZkServer;

const T: Duration = Duration::from_secs(30);

/// A Kazoo client driven line by line: each command answers with one line (see AGENT).
pub struct Kazoo {
    child: Child,
    stdin: ChildStdin,
    lines: Receiver<String>,
}

const AGENT: &str = r#"
import os, sys, threading
from kazoo.client import KazooClient
zk = KazooClient(hosts=sys.argv[1]); zk.start()
held = []
resign, left = threading.Event(), threading.Event()
def say(*words):
    print(*words, flush=True)
def lead(log, ident):
    with open(log, "a") as f: f.write("start %s\n" % ident)
    say("lead", ident)
    resign.wait()
    with open(log, "a") as f: f.write("end %s\n" % ident)
    left.set()
for line in sys.stdin:
    cmd, *args = line.split()
    if cmd in ("lock", "wlock", "rlock"):
        make = {"lock": zk.Lock, "wlock": zk.WriteLock, "rlock": zk.ReadLock}[cmd]
        lock = make(args[0], "kazoo")
        lock.acquire()
        held.append(lock)
        say("locked", "held-file-absent" if not os.path.exists(args[1]) else "OVERLAP")
    elif cmd == "release":
        held.pop().release(); say("released")
    elif cmd == "children":
        ev = threading.Event()
        @zk.ChildrenWatch(args[0])
        def seen(children):
            if len(children) >= int(args[1]): ev.set(); return False
        ev.wait(); say("children", args[1])
    elif cmd == "sem":
        sem = zk.Semaphore(args[0], "kazoo", max_leases=int(args[1]))
        got = sem.acquire(blocking=False)
        if got: held.append(sem)
        say("sem", got)
    elif cmd == "holders":
        say("holders", ",".join(sorted(zk.Semaphore(args[0], max_leases=int(args[1])).lease_holders())))
    elif cmd == "elect":
        threading.Thread(target=lambda a=args: zk.Election(a[0], a[1]).run(lead, a[2], a[1]), daemon=True).start()
        say("standing")
    elif cmd == "resign":
        resign.set(); left.wait(); say("resigned")
zk.stop()
"#;

impl Kazoo {
    pub fn start(server: &ZkServer) -> Kazoo {
        let mut child = Command::new("python3")
            .arg("-c")
            .arg(AGENT)
            .arg(server.connect_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 with kazoo");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in stdout.lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        Kazoo { child, stdin, lines }
    }

    /// Sends one command, without waiting for its answer.
    pub fn send(&mut self, command: &str) {
        writeln!(self.stdin, "{command}")
            .and_then(|()| self.stdin.flush())
            .expect("to kazoo");
    }

    /// The next answer, within `T`.
    pub fn answer(&mut self) -> String {
        self.lines.recv_timeout(T).expect("an answer from the kazoo agent")
    }

    /// Sends one command and returns its answer.
    pub fn ask(&mut self, command: &str) -> String {
        self.send(command);
        self.answer()
    }
}

impl Drop for Kazoo {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

/// A named pipe in `dir`: a command blocked in `read x < pipe` goes on when `open` writes it.
pub struct Gate(PathBuf);

impl Gate {
    pub fn new(dir: &Path, name: &str) -> Gate {
        let path = dir.join(name);
        let c_path = std::ffi::CString::new(path.to_str().expect("utf-8 path")).expect("no NUL");
        // SAFETY: a plain syscall on a NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0, "mkfifo");
        Gate(path)
    }

    pub fn path(&self) -> &str {
        self.0.to_str().expect("utf-8 path")
    }

    /// Lets the reader go on (blocks until it reads).
    pub fn open(&self) {
        let mut pipe = std::fs::OpenOptions::new()
            .write(true)
            .open(&self.0)
            .expect("open fifo");
        writeln!(pipe, "go").expect("write fifo");
    }
}

/// Asserts that a log of `start X` / `end X` lines never has two holders at once.
pub fn assert_one_at_a_time(log: &str, holders: usize) {
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 2 * holders, "every holder ran once:\n{log}");
    for pair in lines.chunks(2) {
        let start = pair[0].strip_prefix("start ").expect("a start line");
        assert_eq!(pair[1], format!("end {start}"), "interleaved:\n{log}");
    }
}
