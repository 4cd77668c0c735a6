//! Running the real `zksh` binary: a builder, a finished run with assertion helpers, and a
//! running child whose output can be awaited line by line.

use std::ffi::OsString;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::support::server::{ZkServer, die_with_parent};

/// A run that takes longer is killed and fails the test rather than hanging CI.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Builds one invocation of `zksh`.
#[must_use]
pub struct Zksh {
    args: Vec<OsString>,
    envs: Vec<(String, String)>,
    stdin: Option<Vec<u8>>,
    timeout: Duration,
}

/// A profile-file home that does not exist: no profiles unless a test writes some.
pub const NO_PROFILES: &str = "/nonexistent/zksh-test-config";

impl Zksh {
    /// `zksh -s <server> --color never ...`.
    pub fn new(server: &ZkServer) -> Zksh {
        Zksh::at(&server.connect_string())
    }

    /// `zksh -s <connect> --color never ...`, for any connect string (a closed port, say).
    pub fn at(connect: &str) -> Zksh {
        Zksh::bare().args(["-s", connect])
    }

    /// `zksh --color never ...` with no server option: the test gives it (or none at all).
    pub fn bare() -> Zksh {
        Zksh {
            args: Vec::new(),
            envs: Vec::new(),
            stdin: None,
            timeout: DEFAULT_TIMEOUT,
        }
        .args(["--color", "never"])
    }

    pub fn arg(mut self, arg: impl Into<OsString>) -> Zksh {
        self.args.push(arg.into());
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Zksh
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    pub fn env(mut self, key: &str, value: &str) -> Zksh {
        self.envs.push((key.to_string(), value.to_string()));
        self
    }

    /// Bytes for the child's stdin (a pipe that closes after them); without it, /dev/null.
    pub fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Zksh {
        self.stdin = Some(bytes.into());
        self
    }

    pub fn timeout(mut self, timeout: Duration) -> Zksh {
        self.timeout = timeout;
        self
    }

    /// The command line, for failure messages.
    fn describe(&self) -> String {
        let words: Vec<String> = self.args.iter().map(|a| format!("{:?}", a.to_string_lossy())).collect();
        format!("zksh {}", words.join(" "))
    }

    /// Runs to the end (or to the timeout, then kills it and panics).
    pub fn run(self) -> Output {
        let timeout = self.timeout;
        self.spawn().finish_within(timeout)
    }

    /// Starts the child and returns at once; its output can be awaited line by line.
    pub fn spawn(mut self) -> Running {
        let mut command = Command::new(env!("CARGO_BIN_EXE_zksh"));
        command
            .args(&self.args)
            .env_remove("ZKSH_SERVER")
            .env_remove("ZKSH_PROFILE")
            // The developer's own profiles never reach a test (a test gives its own).
            .env("XDG_CONFIG_HOME", NO_PROFILES)
            .env("NO_COLOR", "1")
            .stdin(if self.stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (key, value) in &self.envs {
            command.env(key, value);
        }
        die_with_parent(&mut command);
        let description = self.describe();
        let mut child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {description}: {e}"));
        if let (Some(bytes), Some(mut pipe)) = (self.stdin.take(), child.stdin.take()) {
            // A thread, so that a child that does not read stdin cannot block the test.
            std::thread::spawn(move || {
                // The child may exit without reading everything: a broken pipe is fine.
                pipe.write_all(&bytes).ok();
            });
        }
        let stdout = read_lines(child.stdout.take().expect("piped stdout"));
        let stderr = read_lines(child.stderr.take().expect("piped stderr"));
        let pid = child.id() as libc::pid_t;
        let (exit_tx, exit) = mpsc::channel();
        std::thread::spawn(move || {
            exit_tx.send(child.wait()).ok();
        });
        Running {
            description,
            pid,
            exit,
            reaped: false,
            stdout,
            stderr,
        }
    }
}

/// One stream of the child: chunks ending at each newline, exact bytes, until EOF.
struct Lines {
    rx: Receiver<Vec<u8>>,
    seen: Vec<u8>,
    reader: Option<JoinHandle<()>>,
}

fn read_lines(stream: impl Read + Send + 'static) -> Lines {
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut stream = BufReader::new(stream);
        loop {
            let mut line = Vec::new();
            match stream.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {
                    if tx.send(line).is_err() {
                        return;
                    }
                }
            }
        }
    });
    Lines {
        rx,
        seen: Vec::new(),
        reader: Some(reader),
    }
}

impl Lines {
    /// Waits for a line matching `pred` (lines before it are kept, not matched again).
    fn wait_for(&mut self, pred: &dyn Fn(&str) -> bool, deadline: Instant) -> Option<String> {
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(line) => {
                    self.seen.extend_from_slice(&line);
                    let text = String::from_utf8_lossy(&line).into_owned();
                    if pred(&text) {
                        return Some(text);
                    }
                }
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => return None,
            }
        }
    }

    /// Everything, once the stream closed.
    fn drain(&mut self) -> Vec<u8> {
        while let Ok(line) = self.rx.recv() {
            self.seen.extend_from_slice(&line);
        }
        if let Some(reader) = self.reader.take() {
            reader.join().ok();
        }
        std::mem::take(&mut self.seen)
    }
}

/// A `zksh` child still running.
pub struct Running {
    description: String,
    pid: libc::pid_t,
    exit: Receiver<std::io::Result<ExitStatus>>,
    /// Whether the child was waited for: its pid may then belong to another process.
    reaped: bool,
    stdout: Lines,
    stderr: Lines,
}

impl Running {
    /// Waits (at most `timeout`) for a stdout line containing `needle`; panics otherwise.
    pub fn wait_stdout(&mut self, needle: &str, timeout: Duration) -> String {
        let found = self
            .stdout
            .wait_for(&|line| line.contains(needle), Instant::now() + timeout);
        found.unwrap_or_else(|| self.fail(&format!("no stdout line with {needle:?} within {timeout:?}")))
    }

    /// Waits (at most `timeout`) for a stderr line containing `needle`; panics otherwise.
    pub fn wait_stderr(&mut self, needle: &str, timeout: Duration) -> String {
        let found = self
            .stderr
            .wait_for(&|line| line.contains(needle), Instant::now() + timeout);
        found.unwrap_or_else(|| self.fail(&format!("no stderr line with {needle:?} within {timeout:?}")))
    }

    /// Sends a signal to the child.
    pub fn signal(&self, signal: libc::c_int) {
        if !self.reaped {
            // SAFETY: a plain syscall on our own child, not reaped yet.
            unsafe {
                libc::kill(self.pid, signal);
            }
        }
    }

    /// Waits for the child to exit (killing it after `timeout`, then failing) and collects
    /// the rest of its output.
    pub fn finish_within(mut self, timeout: Duration) -> Output {
        let status = match self.exit.recv_timeout(timeout) {
            Ok(status) => status.expect("cannot wait for zksh"),
            Err(_) => {
                self.signal(libc::SIGKILL);
                let output = self.collect(None);
                panic!(
                    "{} did not finish within {timeout:?}; killed.\n{}",
                    output.command,
                    output.dump()
                );
            }
        };
        self.collect(Some(status))
    }

    fn collect(&mut self, status: Option<ExitStatus>) -> Output {
        if status.is_none() {
            // Killed: wait for the reaper so that the pipes close.
            self.exit.recv().ok();
        }
        self.reaped = true;
        let code = status.map(exit_code).unwrap_or(-1);
        let stdout_bytes = self.stdout.drain();
        let stderr = String::from_utf8_lossy(&self.stderr.drain()).into_owned();
        let stdout = String::from_utf8_lossy(&stdout_bytes).into_owned();
        Output {
            command: self.description.clone(),
            code,
            stdout,
            stdout_bytes,
            stderr,
        }
    }

    fn fail(&mut self, why: &str) -> ! {
        self.signal(libc::SIGKILL);
        let output = self.collect(None);
        panic!("{}: {why}\n{}", output.command, output.dump());
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        // A test that panicked half-way must not leave a zksh behind.
        if !self.reaped && self.exit.try_recv().is_err() {
            self.signal(libc::SIGKILL);
        }
    }
}

/// The exit code, or 128 + the signal that killed the process (as a shell reports it).
fn exit_code(status: ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    status.code().unwrap_or_else(|| 128 + status.signal().unwrap_or(0))
}

/// A finished `zksh` run.
#[derive(Debug)]
pub struct Output {
    pub command: String,
    pub code: i32,
    pub stdout: String,
    pub stdout_bytes: Vec<u8>,
    pub stderr: String,
}

impl Output {
    fn dump(&self) -> String {
        format!(
            "exit code: {}\n--- stdout ---\n{}--- stderr ---\n{}--- end ---",
            self.code, self.stdout, self.stderr
        )
    }

    #[track_caller]
    fn check(&self, ok: bool, what: &str) -> &Output {
        assert!(ok, "{}: expected {what}\n{}", self.command, self.dump());
        self
    }

    #[track_caller]
    pub fn success(&self) -> &Output {
        self.code(0)
    }

    #[track_caller]
    pub fn code(&self, code: i32) -> &Output {
        self.check(self.code == code, &format!("exit code {code}"))
    }

    #[track_caller]
    pub fn stdout_is(&self, expected: &str) -> &Output {
        self.check(self.stdout == expected, &format!("stdout {expected:?}"))
    }

    #[track_caller]
    pub fn stdout_contains(&self, needle: &str) -> &Output {
        self.check(self.stdout.contains(needle), &format!("stdout containing {needle:?}"))
    }

    #[track_caller]
    pub fn stdout_lacks(&self, needle: &str) -> &Output {
        self.check(!self.stdout.contains(needle), &format!("stdout without {needle:?}"))
    }

    #[track_caller]
    pub fn stderr_is_empty(&self) -> &Output {
        self.check(self.stderr.is_empty(), "an empty stderr")
    }

    #[track_caller]
    pub fn stderr_contains(&self, needle: &str) -> &Output {
        self.check(self.stderr.contains(needle), &format!("stderr containing {needle:?}"))
    }

    #[track_caller]
    pub fn stderr_lacks(&self, needle: &str) -> &Output {
        self.check(!self.stderr.contains(needle), &format!("stderr without {needle:?}"))
    }

    /// A failure reported as a person wants it: something on stderr, no panic, no Rust
    /// `Debug` dump of an error value, nothing on stdout.
    #[track_caller]
    pub fn clean_error(&self) -> &Output {
        self.check(!self.stderr.trim().is_empty(), "an error message on stderr");
        self.check(self.stdout.is_empty(), "nothing on stdout");
        for bad in [
            "panicked",
            "RUST_BACKTRACE",
            "Error {",
            "NoNode",
            "BadVersion",
            "BadArguments",
            "Os {",
        ] {
            self.stderr_lacks(bad);
        }
        self
    }

    /// As [`Output::clean_error`], and the message is a single line.
    #[track_caller]
    pub fn one_line_error(&self) -> &Output {
        self.clean_error();
        self.check(self.stderr.trim_end().lines().count() == 1, "a one-line error")
    }

    /// stdout parsed as one JSON document.
    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "{}: stdout is not one JSON document ({e})\n{}",
                self.command,
                self.dump()
            )
        })
    }

    /// stderr parsed as one JSON document.
    #[track_caller]
    pub fn stderr_json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stderr).unwrap_or_else(|e| {
            panic!(
                "{}: stderr is not one JSON document ({e})\n{}",
                self.command,
                self.dump()
            )
        })
    }

    /// stdout lines.
    pub fn lines(&self) -> Vec<&str> {
        self.stdout.lines().collect()
    }
}
