//! The prompt: where you are (profile, or server and chroot; current node) and whether the session is
//! usable, so a lost connection is visible before typing.

use crate::events::ConnState;
use crate::shell::Shell;

/// The prompt without its state marker: server, current node, open transaction.
pub fn prompt_rest(shell: &Shell) -> String {
    let txn = shell
        .txn()
        .map(|ops| format!(" txn({})", ops.len()))
        .unwrap_or_default();
    let profile = shell.zk().profile();
    let place = match (crate::snapshot::serve::opened(), &profile.name) {
        (Some(snapshot), _) => snapshot.label(),
        (None, Some(name)) => name.clone(),
        (None, None) => server_label(&profile.server),
    };
    format!("{place} {}{txn}> ", shell.cwd())
}

/// `rest` behind a marker for any state but connected: the editor adds it each time a read
/// starts, so a state change during a read shows in the prompt redrawn under the event.
/// No session yet (the server was down when the shell started): CONNECTING, as zkCli says.
pub fn with_state(state: Option<ConnState>, rest: &str) -> String {
    match state {
        Some(ConnState::Connected) => rest.to_string(),
        Some(other) => format!("[{}] {rest}", other.label()),
        None => format!("[CONNECTING] {rest}"),
    }
}

/// `zk1:2181`, `zk1:2181(+2)/app`: the first host, how many more, and the chroot.
pub fn server_label(connect: &str) -> String {
    // Hosts may carry a scheme (`tcp+tls://`), whose slashes are not the chroot's.
    let chroot = crate::zk::profile::chroot_of(connect).unwrap_or("");
    let hosts = &connect[..connect.len() - chroot.len()];
    let mut hosts = hosts.split(',').filter(|h| !h.is_empty());
    let first = hosts.next().unwrap_or("?");
    let more = hosts.count();
    if more > 0 {
        format!("{first}(+{more}){chroot}")
    } else {
        format!("{first}{chroot}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_markers() {
        assert_eq!(with_state(Some(ConnState::Connected), "h /> "), "h /> ");
        assert_eq!(with_state(Some(ConnState::Suspended), "h /> "), "[SUSPENDED] h /> ");
        assert_eq!(with_state(None, "h /> "), "[CONNECTING] h /> ");
    }

    #[test]
    fn labels() {
        assert_eq!(server_label("127.0.0.1:2181"), "127.0.0.1:2181");
        assert_eq!(server_label("a:1,b:2,c:3/app"), "a:1(+2)/app");
        assert_eq!(server_label("tcp+tls://a:1,tcp+tls://b:2/app"), "tcp+tls://a:1(+1)/app");
    }
}
