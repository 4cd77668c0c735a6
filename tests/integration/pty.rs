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
}

impl PtyShell {
    /// Starts `zksh args...` on a terminal of ROWS x COLS.
    pub fn spawn(args: &[&str], envs: &[(&str, &str)]) -> PtyShell {
        let mut command = Command::new(env!("CARGO_BIN_EXE_zksh"));
        command.args(args).env("TERM", "xterm").env_remove("NO_COLOR");
        for (key, value) in envs {
            command.env(key, value);
        }
        PtyShell::spawn_command(command)
    }

    /// Starts any program on a terminal of ROWS x COLS (a shell whose completion is tested).
    pub fn spawn_command(command: Command) -> PtyShell {
        let mut session = Session::spawn(command).expect("spawn a program on a pty");
        session
            .get_process_mut()
            .set_window_size(COLS, ROWS)
            .expect("set window size");
        let (rows, cols) = (
            NonZeroU16::new(ROWS).expect("rows"),
            NonZeroU16::new(COLS).expect("cols"),
        );
        PtyShell {
            session,
            screen: vt100::Parser::new(rows, cols, 0),
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

    /// Reads whatever the program wrote so far into the screen model.
    fn pump(&mut self) {
        let mut buf = [0u8; 8192];
        loop {
            match self.session.try_read(&mut buf) {
                Ok(0) => return,
                Ok(n) => self.screen.process(&buf[..n]),
                Err(_) => return,
            }
        }
    }

    pub fn screen(&mut self) -> String {
        self.pump();
        self.screen.screen().contents()
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
