//! The process exit codes, in one place (see README "Exit codes").

/// Why zksh stopped, as the number a script sees.
#[derive(Clone, Copy, Debug)]
pub enum ExitCode {
    /// Everything asked for was done.
    Success,
    /// ZooKeeper refused (no node, node exists, bad version, not empty, not authorized,
    /// invalid ACL) or a condition was not met (`exists` on an absent node).
    Refused,
    /// The command line or a script line could not be parsed.
    Usage,
    /// No connection: unreachable, lost past the request deadline, expired, auth failed.
    NoConnection,
    /// Interrupted by Ctrl-C.
    Interrupted,
    /// Stopped by SIGTERM.
    Terminated,
    /// The terminal went away (SIGHUP).
    HungUp,
    /// The code of a command zksh ran and waited for (`lock PATH -- CMD`): its own exit code,
    /// 128+N when signal N killed it, 127 when it could not be started.
    Child(u8),
}

impl ExitCode {
    pub fn code(self) -> u8 {
        match self {
            ExitCode::Success => 0,
            ExitCode::Refused => 1,
            ExitCode::Usage => 2,
            ExitCode::NoConnection => 3,
            ExitCode::Interrupted => 130,
            ExitCode::Terminated => 143,
            ExitCode::HungUp => 129,
            ExitCode::Child(code) => code,
        }
    }
}

// Equal when the numbers are: a command that exited 0 is a success like any other.
impl PartialEq for ExitCode {
    fn eq(&self, other: &ExitCode) -> bool {
        self.code() == other.code()
    }
}

impl Eq for ExitCode {}

impl From<ExitCode> for std::process::ExitCode {
    fn from(code: ExitCode) -> Self {
        std::process::ExitCode::from(code.code())
    }
}
