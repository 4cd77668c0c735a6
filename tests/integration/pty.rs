//! A pseudo-terminal driver for REPL tests: runs zksh on a PTY, feeds everything it writes to
//! a vt100 screen model, and waits (with a deadline) for text to appear on that screen.

use std::num::NonZeroU16;
use std::process::Command;
use std::time::{Duration, Instant};

use expectrl::{Session, WaitStatus};

const ROWS: u16 = 40;
const COLS: u16 = 160;

pub struct PtyShell {
    session: Session,
    screen: vt100::Parser,
    /// Every byte the program wrote, for checks on lines that scrolled off the screen.
    transcript: Vec<u8>,
    /// At most this many bytes are read each time the terminal is looked at: a program that
    /// writes a lot then waits for its reader, as on a slow terminal.
    read_limit: Option<usize>,
}

impl PtyShell {
    /// Starts `zksh args...` on a terminal of ROWS x COLS.
    pub fn spawn(args: &[&str], envs: &[(&str, &str)]) -> PtyShell {
        PtyShell::spawn_sized(args, envs, ROWS, COLS)
    }

    /// Starts `zksh args...` on a terminal of `rows` x `cols`.
    pub fn spawn_sized(args: &[&str], envs: &[(&str, &str)], rows: u16, cols: u16) -> PtyShell {
        let mut command = Command::new(env!("CARGO_BIN_EXE_zksh"));
        command
            .args(args)
            .env("TERM", "xterm")
            .env_remove("NO_COLOR")
            .env_remove("ZKSH_PROFILE")
            .env("XDG_CONFIG_HOME", crate::support::run::NO_PROFILES);
        for (key, value) in envs {
            command.env(key, value);
        }
        PtyShell::spawn_command_sized(command, rows, cols)
    }

    /// Starts any program on a terminal of ROWS x COLS (a shell whose completion is tested).
    pub fn spawn_command(command: Command) -> PtyShell {
        PtyShell::spawn_command_sized(command, ROWS, COLS)
    }

    /// Starts any program on a terminal of `rows` x `cols`.
    pub fn spawn_command_sized(command: Command, rows: u16, cols: u16) -> PtyShell {
        let mut session = Session::spawn(command).expect("spawn a program on a pty");
        session
            .get_process_mut()
            .set_window_size(cols, rows)
            .expect("set window size");
        let (rows, cols) = (
            NonZeroU16::new(rows).expect("rows"),
            NonZeroU16::new(cols).expect("cols"),
        );
        PtyShell {
            session,
            screen: vt100::Parser::new(rows, cols, 0),
            transcript: Vec::new(),
            read_limit: None,
        }
    }

    /// Types text without pressing Enter.
    pub fn type_text(&mut self, text: &str) {
        self.session.send(text).expect("write to pty");
    }

    pub fn line(&mut self, text: &str) {
        self.type_text(text);
        self.type_text("\r");
    }

    /// Reads at most `limit` bytes each time the terminal is looked at (None: all there is).
    pub fn set_read_limit(&mut self, limit: Option<usize>) {
        self.read_limit = limit;
    }

    /// Reads whatever the program wrote so far into the screen model (up to the read limit).
    fn pump(&mut self) {
        let mut buf = [0u8; 8192];
        let mut left = self.read_limit.unwrap_or(usize::MAX);
        while left > 0 {
            let want = buf.len().min(left);
            match self.session.try_read(&mut buf[..want]) {
                Ok(0) => return,
                Ok(n) => {
                    self.screen.process(&buf[..n]);
                    self.transcript.extend_from_slice(&buf[..n]);
                    left -= n;
                }
                Err(_) => return,
            }
        }
    }

    pub fn screen(&mut self) -> String {
        self.pump();
        self.screen.screen().contents()
    }

    /// Everything written so far, escape sequences removed.
    pub fn transcript_text(&mut self) -> String {
        self.pump();
        strip_escapes(&String::from_utf8_lossy(&self.transcript))
    }

    /// The screen's rows as drawn (a wrapped line is several rows), without trailing blanks.
    pub fn screen_rows(&mut self) -> Vec<String> {
        self.pump();
        let screen = self.screen.screen();
        let (_, cols) = screen.size();
        screen
            .rows(0, cols.get())
            .map(|row| row.trim_end().to_string())
            .collect()
    }

    /// Everything written so far as lines of text: escape sequences removed, and each line
    /// as it was last drawn (what follows a carriage return overwrites what came before).
    pub fn transcript_lines(&mut self) -> Vec<String> {
        self.pump();
        let text = strip_escapes(&String::from_utf8_lossy(&self.transcript));
        text.split('\n')
            .map(|line| {
                line.rsplit('\r')
                    .find(|part| !part.is_empty())
                    .unwrap_or("")
                    .to_string()
            })
            .collect()
    }

    /// The transcript's lines once `pred` holds for them; panics with the screen after `timeout`.
    pub fn wait_transcript(&mut self, what: &str, timeout: Duration, pred: impl Fn(&[String]) -> bool) -> Vec<String> {
        let start = Instant::now();
        loop {
            let lines = self.transcript_lines();
            if pred(&lines) {
                return lines;
            }
            if start.elapsed() > timeout {
                panic!(
                    "timed out after {timeout:?} waiting for {what}; screen:\n{}",
                    self.screen()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Once `pred` holds for everything written so far (escapes removed, carriage returns
    /// kept, so redraws of one row all count); panics with the screen after `timeout`.
    pub fn wait_transcript_text(&mut self, what: &str, timeout: Duration, pred: impl Fn(&str) -> bool) {
        let start = Instant::now();
        while !pred(&self.transcript_text()) {
            if start.elapsed() > timeout {
                panic!(
                    "timed out after {timeout:?} waiting for {what}; screen:\n{}",
                    self.screen()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits until the cursor is in column `col` (from 0); panics with the screen after `timeout`.
    pub fn wait_cursor_col(&mut self, col: usize, timeout: Duration) {
        let start = Instant::now();
        loop {
            self.pump();
            let (_, at) = self.screen.screen().cursor_position();
            if usize::from(at) == col {
                return;
            }
            if start.elapsed() > timeout {
                panic!("the cursor is in column {at}, not {col}; screen:\n{}", self.screen());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// How many cells on the screen have a colour or bold set: 0 when nothing was coloured.
    pub fn coloured_cells(&mut self) -> usize {
        self.pump();
        let screen = self.screen.screen();
        let (rows, cols) = screen.size();
        (0..rows.get())
            .flat_map(|row| (0..cols.get()).map(move |col| (row, col)))
            .filter_map(|(row, col)| screen.cell(row, col))
            .filter(|cell| cell.fgcolor() != vt100::Color::Default || cell.bold())
            .count()
    }

    /// The pid of the program on the terminal.
    pub fn pid(&self) -> i32 {
        self.session.get_process().pid().as_raw()
    }

    /// The colour of the first cell of the last place `needle` (ASCII) shows on screen.
    pub fn colour_of(&mut self, needle: &str) -> Option<vt100::Color> {
        self.pump();
        let screen = self.screen.screen();
        let (rows, _) = screen.size();
        (0..rows.get()).rev().find_map(|row| {
            let text = screen.contents_between(row, 0, row + 1, 0);
            let col = text.find(needle)?;
            screen.cell(row, u16::try_from(col).ok()?).map(|cell| cell.fgcolor())
        })
    }

    /// The screen once `pred` holds; panics with the screen when `timeout` passes first.
    pub fn wait_until(&mut self, what: &str, timeout: Duration, pred: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if pred(&screen) {
                return screen;
            }
            if start.elapsed() > timeout {
                panic!("timed out after {timeout:?} waiting for {what}; screen:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Whether `text` shows within `timeout`.
    pub fn try_wait_for(&mut self, text: &str, timeout: Duration) -> bool {
        let start = Instant::now();
        loop {
            if self.screen().contains(text) {
                return true;
            }
            if start.elapsed() > timeout {
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn wait_for(&mut self, text: &str, timeout: Duration) -> String {
        self.wait_until(text, timeout, |s| s.contains(text))
    }

    /// The exit code, once the process exits within `timeout`.
    pub fn wait_exit(&mut self, timeout: Duration) -> i32 {
        let start = Instant::now();
        loop {
            self.pump();
            match self.session.get_process().status() {
                Ok(WaitStatus::Exited(_, code)) => return code,
                Ok(WaitStatus::Signaled(_, signal, _)) => panic!("zksh died of {signal:?}"),
                _ => {}
            }
            if start.elapsed() > timeout {
                panic!("zksh did not exit within {timeout:?}; screen:\n{}", self.screen());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for PtyShell {
    fn drop(&mut self) {
        if matches!(self.session.get_process().status(), Ok(WaitStatus::StillAlive)) {
            self.session.get_process_mut().exit(true).ok();
        }
    }
}

/// The last non-empty line of a screen, without trailing blanks: the prompt and what is typed.
pub fn input_line(screen: &str) -> String {
    screen
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default()
        .trim_end()
        .to_string()
}

/// `text` without its CSI escape sequences (colours, cursor moves, erases, modes).
fn strip_escapes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\x1b' {
            out.push(c);
            continue;
        }
        if chars.peek() == Some(&'[') {
            chars.next();
            // Parameters and intermediates, then one final byte in @..~.
            for c in chars.by_ref() {
                if ('@'..='~').contains(&c) {
                    break;
                }
            }
        } else {
            chars.next();
        }
    }
    out
}
