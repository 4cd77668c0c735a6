//! The command a recipe runs while it holds something (`lock PATH -- CMD`): started without a
//! shell, given each signal zksh receives once, stopped if the session holding the lock is lost
//! (`--on-lost`), and waited for; its exit code becomes zksh's.

use std::future::Future;
use std::process::ExitStatus;

use clap::ValueEnum;

use crate::exit::ExitCode;
use crate::shell::stop::HeldSignals;

/// What to do to the command when the session that holds its lock is lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OnLost {
    /// Say so and let it run.
    Ignore,
    /// Say so and send it SIGTERM.
    Term,
    /// Say so and send it SIGKILL.
    Kill,
}

impl OnLost {
    fn signal(self) -> Option<libc::c_int> {
        match self {
            OnLost::Ignore => None,
            OnLost::Term => Some(libc::SIGTERM),
            OnLost::Kill => Some(libc::SIGKILL),
        }
    }
}

/// How the command ended, for the caller to report.
#[derive(Debug)]
pub enum Ended {
    /// It ran; this is its exit code (128+N for signal N).
    Exited(ExitCode),
    /// It could not be started: why.
    NotStarted(String),
}

/// Runs `words` until it exits. `lost` resolves (with the reason) if the lock is lost
/// meanwhile; `say` prints a line on stderr (the caller's format). Signals zksh receives
/// meanwhile are passed on to the command instead of stopping zksh, unless the terminal sent
/// them to the command as well.
pub async fn run(words: &[String], on_lost: OnLost, lost: impl Future<Output = String>, say: &dyn Fn(String)) -> Ended {
    let Some((program, args)) = words.split_first() else {
        return Ended::NotStarted("no command given".into());
    };
    // Held before the start, so that a signal arriving as it starts is passed on too.
    let mut signals = HeldSignals::take();
    let mut command = tokio::process::Command::new(program);
    command.args(args).kill_on_drop(true);
    if let Some(signal) = on_lost.signal() {
        // SAFETY: prctl and getppid are async-signal-safe; nothing else runs in the child.
        // If zksh itself dies (SIGKILL), its session and lock go after the session timeout:
        // the command gets the same treatment as for a lost session.
        let parent = std::process::id() as libc::pid_t;
        unsafe {
            command.pre_exec(move || {
                libc::prctl(libc::PR_SET_PDEATHSIG, signal as libc::c_ulong);
                if libc::getppid() != parent {
                    libc::raise(signal);
                }
                Ok(())
            });
        }
    }
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(err) => {
            // `No such file or directory (os error 2)`: the words say it all.
            let why = err.to_string();
            let why = why.split(" (os error").next().unwrap_or_default().to_string();
            return Ended::NotStarted(format!("cannot start {program}: {why}"));
        }
    };
    let pid = child.id().and_then(|id| libc::pid_t::try_from(id).ok());
    tokio::pin!(lost);
    let mut watching = true;
    let status = loop {
        tokio::select! {
            status = child.wait() => break status,
            received = signals.next() => {
                if let Some(pid) = pid.filter(|&pid| !(received.by_kernel && in_our_group(pid))) {
                    // SAFETY: signalling our own child, which has not been waited for yet.
                    unsafe { libc::kill(pid, received.reason.signal()) };
                }
            }
            why = &mut lost, if watching => {
                watching = false;
                let action = match on_lost.signal() {
                    Some(libc::SIGKILL) => "killing the command (--on-lost kill)",
                    Some(_) => "sending the command SIGTERM (--on-lost term)",
                    None => "the command runs on unprotected (--on-lost ignore)",
                };
                say(format!("LOCK LOST: {why}; another holder may take it now; {action}"));
                if let (Some(pid), Some(signal)) = (pid, on_lost.signal()) {
                    // SAFETY: as above.
                    unsafe { libc::kill(pid, signal) };
                }
            }
        }
    };
    match status {
        Ok(status) => Ended::Exited(exit_code(status)),
        Err(err) => Ended::NotStarted(format!("cannot wait for {program}: {err}")),
    }
}

/// Whether `pid` is in zksh's process group: a signal the kernel sent that group (a
/// terminal's Ctrl-C reaches its whole foreground group) has reached it already, and passing
/// it on would make one Ctrl-C two (a second SIGINT often means "quit now, skip the cleanup").
/// A child that moved to a group of its own gets it from zksh.
fn in_our_group(pid: libc::pid_t) -> bool {
    // SAFETY: getpgid and getpgrp only read the process table.
    unsafe { libc::getpgid(pid) == libc::getpgrp() }
}

/// The code a shell would report for the command: its own, or 128+N when signal N ended it.
fn exit_code(status: ExitStatus) -> ExitCode {
    use std::os::unix::process::ExitStatusExt;
    let code = match (status.code(), status.signal()) {
        (Some(code), _) => code,
        (None, Some(signal)) => 128 + signal,
        (None, None) => 1,
    };
    ExitCode::Child(u8::try_from(code & 0xff).unwrap_or(1))
}
