//! The terminal's mode as it was before the line editor took it, put back when the REPL ends
//! however it ends: a SIGTERM or SIGHUP stops the shell while rustyline holds the terminal in
//! raw mode, and nothing else would restore it.

/// Saved termios of stdin; restored on drop.
pub struct TerminalMode {
    saved: Option<libc::termios>,
}

impl TerminalMode {
    pub fn save() -> TerminalMode {
        // SAFETY: tcgetattr only writes into the zeroed struct we own; fd 0 may not be a
        // terminal, in which case it fails and nothing is saved.
        let saved = unsafe {
            let mut mode: libc::termios = std::mem::zeroed();
            (libc::tcgetattr(libc::STDIN_FILENO, &mut mode) == 0).then_some(mode)
        };
        TerminalMode { saved }
    }
}

impl Drop for TerminalMode {
    fn drop(&mut self) {
        if let Some(mode) = &self.saved {
            // SAFETY: restores a termios read from this same fd.
            unsafe {
                libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, mode);
            }
        }
    }
}

/// The width in columns of the terminal on `fd`, when it is one and says so.
pub fn columns(fd: libc::c_int) -> Option<usize> {
    // SAFETY: TIOCGWINSZ only writes into the zeroed winsize we own; on a non-terminal it fails.
    let size = unsafe {
        let mut size: libc::winsize = std::mem::zeroed();
        (libc::ioctl(fd, libc::TIOCGWINSZ, &mut size) == 0).then_some(size)
    }?;
    (size.ws_col > 0).then_some(usize::from(size.ws_col))
}
