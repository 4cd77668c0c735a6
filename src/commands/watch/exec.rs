//! `watch PATH --exec CMD...` (or `watch PATH -- CMD...`, as etcdctl's `watch -- cmd`): a
//! local command run for every change the watch reports, one at a time and in order, with
//! the event in `ZKSH_WATCH_*` variables and the node's value on stdin.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::mpsc;

use crate::errors::ShellError;
use crate::events::{EventSender, ShellEvent};
use crate::local_command::{RunInput, Tally, can_start, run_once, shell_words};
use crate::output::RowStream;
use crate::watch::{EventName, WatchEvent};

/// What to run, and when to stop.
#[derive(Debug)]
pub struct ExecPlan {
    pub words: Vec<String>,
    pub exit_on_error: bool,
    /// Also run for the value when the watch starts.
    pub initial: bool,
    /// Stop after this many runs for changes.
    pub count: Option<u64>,
    /// Stop waiting for events after this long (a run under way finishes first).
    pub timeout: Option<Duration>,
}

impl ExecPlan {
    /// Refuses, before anything is watched, a program that cannot be started: every event
    /// would fail the same way.
    pub fn check(&self, path: &str) -> anyhow::Result<()> {
        let program = self.words.first().map(String::as_str).unwrap_or_default();
        if can_start(program) {
            return Ok(());
        }
        Err(ShellError::usage(format!(
            "watch {path}: --exec '{program}': command not found (not an executable file, nor a \
             program on $PATH); nothing was watched"
        )))
    }
}

/// The variables and stdin of the run for `event`.
fn input_for(event: &WatchEvent) -> RunInput {
    let envs = vec![
        ("ZKSH_WATCH_PATH", event.path.clone()),
        ("ZKSH_WATCH_EVENT", event.event.label().to_string()),
        (
            "ZKSH_WATCH_TYPE",
            event.event.zookeeper_name().unwrap_or_default().to_string(),
        ),
        (
            "ZKSH_WATCH_VERSION",
            event.version.map(|v| v.to_string()).unwrap_or_default(),
        ),
        ("ZKSH_WATCH_KIND", event.kind.label().to_string()),
    ];
    let stdin = match (&event.data, &event.children) {
        (Some(data), _) => Some(data.clone()),
        (None, Some(children)) => Some(children.iter().flat_map(|c| format!("{c}\n").into_bytes()).collect()),
        (None, None) => None,
    };
    RunInput { envs, stdin }
}

/// `changed /app/config (version 4)`: the event a run was for, in failure messages.
fn describe(event: &WatchEvent) -> String {
    match event.version {
        Some(version) => format!("{} {} (version {version})", event.event.label(), event.path),
        None => format!("{} {}", event.event.label(), event.path),
    }
}

/// The stream of a `watch --exec`: it prints no rows (stdout belongs to the command); it runs
/// the command for each change taken from `events`, reports a failed run on stderr through
/// `notices` and goes on (or stops, exit 1, with --exit-on-error), and ends after --count
/// changes or --timeout with exit 1 if any run failed.
pub fn exec_stream(
    path: String,
    mut events: mpsc::UnboundedReceiver<WatchEvent>,
    plan: ExecPlan,
    notices: EventSender,
) -> RowStream {
    let runs = Arc::new(AtomicU64::new(0));
    let ran = Arc::clone(&runs);
    let root = path.clone();
    RowStream::spawn("watch", path.clone(), "event", move |rows| async move {
        // Held, never used: the stream lasts as long as this task.
        let _rows = rows;
        let deadline = plan.timeout.map(|limit| tokio::time::Instant::now() + limit);
        let mut tally = Tally::default();
        let mut changes = 0;
        while plan.count != Some(changes) {
            let next = match deadline {
                Some(deadline) => match tokio::time::timeout_at(deadline, events.recv()).await {
                    Ok(next) => next,
                    Err(_) => break,
                },
                None => events.recv().await,
            };
            let Some(event) = next else { break };
            if let EventName::Failed(reason) = &event.event {
                return Err(ShellError::refused("watch", root, reason.clone()));
            }
            // The value when the watch started is no change: run for it only when asked.
            let initial = event.event == EventName::Current;
            let wanted = event.event.is_change() || (initial && plan.initial);
            if !wanted {
                continue;
            }
            // Counted as it starts: a signal that stops the watch stops this run too, and the
            // count says how far the watch got (a run that printed and exited just before is
            // never left out).
            ran.fetch_add(1, Ordering::SeqCst);
            let failure = run_once(&plan.words, input_for(&event)).await;
            if !initial {
                changes += 1;
            }
            tally.record(&plan.words, failure.as_deref());
            let Some(failure) = failure else { continue };
            let what = format!("--exec {} {failure} on {}", shell_words(&plan.words), describe(&event));
            if plan.exit_on_error {
                return Err(ShellError::refused(
                    "watch",
                    root,
                    format!("{what}; stopped (--exit-on-error)"),
                ));
            }
            notices
                .send(ShellEvent::Notice(format!("watch {root}: {what}; watching on")))
                .ok();
        }
        match tally.summary("event", "events") {
            Some(summary) => Err(ShellError::refused("watch", root, summary)),
            None => Ok(Vec::new()),
        }
    })
    .counting(runs, "run of --exec", "runs of --exec")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::watch::WatchKind;

    #[test]
    fn the_event_goes_into_variables_and_stdin() {
        let mut event = WatchEvent {
            id: 1,
            kind: WatchKind::Data,
            time: chrono::Utc::now(),
            path: "/app/config".into(),
            event: EventName::Changed,
            data: Some(b"port=80".to_vec()),
            version: Some(4),
            children: None,
            zxid: None,
        };
        let input = input_for(&event);
        assert_eq!(
            input.envs,
            vec![
                ("ZKSH_WATCH_PATH", "/app/config".to_string()),
                ("ZKSH_WATCH_EVENT", "changed".to_string()),
                ("ZKSH_WATCH_TYPE", "NodeDataChanged".to_string()),
                ("ZKSH_WATCH_VERSION", "4".to_string()),
                ("ZKSH_WATCH_KIND", "data".to_string()),
            ]
        );
        assert_eq!(input.stdin.as_deref(), Some(&b"port=80"[..]));
        assert_eq!(describe(&event), "changed /app/config (version 4)");
        event.kind = WatchKind::Children;
        event.event = EventName::ChildrenChanged;
        event.data = None;
        event.version = None;
        event.children = Some(vec!["a".into(), "b".into()]);
        let input = input_for(&event);
        assert_eq!(input.stdin.as_deref(), Some(&b"a\nb\n"[..]));
        assert_eq!(input.envs[2], ("ZKSH_WATCH_TYPE", "NodeChildrenChanged".to_string()));
        assert_eq!(input.envs[3], ("ZKSH_WATCH_VERSION", String::new()));
    }
}
