//! The signals that stop work (SIGINT, SIGTERM, SIGHUP), taken from the start of the run and
//! turned into one value everyone can wait on: the runner (a command ends with a summary of
//! how far it got), the script loop, the REPL, the sandbox start. So a signal never kills the
//! process mid-way; once the session is closed in order, `reraise` ends the process the way
//! the signal would have, so that a shell loop around zksh stops on Ctrl-C too.

use std::sync::Mutex;

use signal_hook::iterator::SignalsInfo;
use signal_hook::iterator::exfiltrator::WithOrigin;
use signal_hook::low_level::siginfo::Cause;
use tokio::sync::{mpsc, watch};

use crate::exit::ExitCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// SIGINT: Ctrl-C.
    Interrupt,
    /// SIGTERM.
    Terminate,
    /// SIGHUP: the terminal went away.
    HangUp,
}

impl StopReason {
    pub fn exit_code(self) -> ExitCode {
        match self {
            StopReason::Interrupt => ExitCode::Interrupted,
            StopReason::Terminate => ExitCode::Terminated,
            StopReason::HangUp => ExitCode::HungUp,
        }
    }

    pub fn signal(self) -> libc::c_int {
        match self {
            StopReason::Interrupt => libc::SIGINT,
            StopReason::Terminate => libc::SIGTERM,
            StopReason::HangUp => libc::SIGHUP,
        }
    }
}

/// Where signals arrive. Cloned into whoever waits on them.
#[derive(Debug, Clone)]
pub struct Stop {
    signals: watch::Receiver<Option<StopReason>>,
    /// In the REPL, Ctrl-C cancels the running command but does not end the shell.
    interactive: bool,
}

impl Stop {
    /// Takes SIGINT, SIGTERM and SIGHUP from now on. They are read with their origin (a
    /// thread of their own waits on them), which a command passing them on to its child needs.
    pub fn install(interactive: bool) -> std::io::Result<Stop> {
        let mut incoming = SignalsInfo::<WithOrigin>::new([libc::SIGINT, libc::SIGTERM, libc::SIGHUP])?;
        let (tx, signals) = watch::channel(None);
        std::thread::Builder::new().name("signals".into()).spawn(move || {
            for origin in incoming.forever() {
                let reason = match origin.signal {
                    libc::SIGINT => StopReason::Interrupt,
                    libc::SIGTERM => StopReason::Terminate,
                    _ => StopReason::HangUp,
                };
                let received = Received {
                    reason,
                    by_kernel: origin.cause == Cause::Kernel,
                };
                if passed_on(received) {
                    continue;
                }
                // Every signal counts, even the same one twice (a second Ctrl-C).
                tx.send_replace(Some(reason));
            }
        })?;
        Ok(Stop { signals, interactive })
    }

    /// A stop that never comes, for tests and runs that take no signals.
    pub fn never() -> Stop {
        let (tx, signals) = watch::channel(None);
        // Kept alive so that waiting stays pending rather than ending.
        std::mem::forget(tx);
        Stop {
            signals,
            interactive: false,
        }
    }

    /// Resolves at the next signal from now on: the running command must stop.
    pub async fn cancelled(&mut self) -> StopReason {
        self.signals.borrow_and_update();
        loop {
            if self.signals.changed().await.is_err() {
                return std::future::pending().await;
            }
            if let Some(reason) = *self.signals.borrow_and_update() {
                return reason;
            }
        }
    }

    /// Resolves at the next signal that ends the whole run (any signal outside the REPL;
    /// SIGTERM or SIGHUP in it).
    pub async fn ended(&mut self) -> StopReason {
        loop {
            let reason = self.cancelled().await;
            if self.ends_run(reason) {
                return reason;
            }
        }
    }

    /// Whether `reason` ends the run, rather than only the running command.
    pub fn ends_run(&self, reason: StopReason) -> bool {
        !(self.interactive && reason == StopReason::Interrupt)
    }

    /// Whether a signal passed on to a command's child (see [`HeldSignals`]) ends the run:
    /// the script stops (or the shell leaves) once that command is done, with the child's
    /// exit code rather than by the signal. Forgets it.
    pub fn take_passed_on_ending(&self) -> bool {
        let reason = PASSED_ON.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take();
        reason.is_some_and(|reason| self.ends_run(reason))
    }

    /// The signal that ended the run, if one did (seen or not by a waiter).
    pub fn received(&self) -> Option<StopReason> {
        let reason = (*self.signals.borrow())?;
        self.ends_run(reason).then_some(reason)
    }
}

/// A signal zksh received while a command holds the signals ([`HeldSignals`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Received {
    pub reason: StopReason,
    /// Sent by the kernel (si_code SI_KERNEL), not by a process's kill (SI_USER): a terminal's
    /// Ctrl-C or hangup. The kernel sends those to the terminal's whole foreground process
    /// group, so a child in zksh's group has had this one already.
    pub by_kernel: bool,
}

/// Where signals go instead of stopping the run while a command zksh started runs in the
/// foreground (`lock PATH -- CMD`): to it, passed on. One slot for the process, as signals are.
static HANDED_ON: Mutex<Option<mpsc::UnboundedSender<Received>>> = Mutex::new(None);

fn handed_on_slot() -> std::sync::MutexGuard<'static, Option<mpsc::UnboundedSender<Received>>> {
    // An Option, never left half-written: recover from a poisoned lock.
    HANDED_ON.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The last signal passed on, until the runner looks: one that ends the run still ends it,
/// once the command that held the signals is done.
static PASSED_ON: Mutex<Option<StopReason>> = Mutex::new(None);

/// Hands the signal to whoever holds the signals; false when nobody does.
fn passed_on(received: Received) -> bool {
    let passed = handed_on_slot()
        .as_ref()
        .is_some_and(|holder| holder.send(received).is_ok());
    if passed {
        *PASSED_ON.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(received.reason);
    }
    passed
}

/// The signals, held by a command that passes them on to a child process: while this lives,
/// a signal neither cancels the running command nor ends the run (the child decides, and its
/// exit code stands), so that a lock is released only after the child has exited.
#[derive(Debug)]
pub struct HeldSignals {
    signals: mpsc::UnboundedReceiver<Received>,
}

impl HeldSignals {
    /// Takes the signals from now until dropped.
    pub fn take() -> HeldSignals {
        let (tx, signals) = mpsc::unbounded_channel();
        *handed_on_slot() = Some(tx);
        HeldSignals { signals }
    }

    /// The next signal zksh received.
    pub async fn next(&mut self) -> Received {
        match self.signals.recv().await {
            Some(received) => received,
            None => std::future::pending().await,
        }
    }
}

impl Drop for HeldSignals {
    fn drop(&mut self) {
        *handed_on_slot() = None;
    }
}

/// Ends the process as `reason`'s signal would, with the default handler, so that the parent
/// (a shell loop, a supervisor) sees "killed by SIGINT" and stops too. Returns only if the
/// signal could not be raised.
pub fn reraise(reason: StopReason) {
    let signal = reason.signal();
    // SAFETY: restoring the default disposition and raising a signal to ourselves; nothing
    // else runs on this thread, and the runtime has been shut down.
    unsafe {
        libc::signal(signal, libc::SIG_DFL);
        libc::raise(signal);
    }
}
