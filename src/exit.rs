//! The process exit codes, in one place (see README "Exit codes").

/// Why zksh stopped, as the number a script sees.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitCode {
    /// Everything asked for was done.
    Success = 0,
    /// ZooKeeper refused (no node, node exists, bad version, not empty, not authorized,
    /// invalid ACL) or a condition was not met (`exists` on an absent node).
    Refused = 1,
    /// The command line or a script line could not be parsed.
    Usage = 2,
    /// No connection: unreachable, lost past the request deadline, expired, auth failed.
    NoConnection = 3,
    /// Interrupted by Ctrl-C.
    Interrupted = 130,
    /// Stopped by SIGTERM.
    Terminated = 143,
    /// The terminal went away (SIGHUP).
    HungUp = 129,
}

impl ExitCode {
    pub fn code(self) -> u8 {
        self as u8
    }
}

impl From<ExitCode> for std::process::ExitCode {
    fn from(code: ExitCode) -> Self {
        std::process::ExitCode::from(code.code())
    }
}
