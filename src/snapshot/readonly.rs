//! A shell on a snapshot refuses, before sending anything, the commands that would write or
//! wait for changes: one line naming the snapshot and the command. (The server behind it
//! answers any write that still reached it with an error: this is where users meet it.)

use crate::commands::Command;
use crate::output::Reply;
use crate::shell::Shell;

/// Runs `command`, unless the shell is on a snapshot and the command writes or watches.
pub async fn run(command: Command, shell: &mut Shell) -> anyhow::Result<Reply> {
    if let (Some(opened), Some(name)) = (super::serve::opened(), changing(&command)) {
        anyhow::bail!("{} is read-only: {name} refused", opened.label());
    }
    command.run(shell).await
}

/// The name of a command that writes, or waits for a change, on its tree.
fn changing(command: &Command) -> Option<&'static str> {
    Some(match command {
        Command::Create(_) => "create",
        Command::Set(_) => "set",
        Command::Edit(_) => "edit",
        Command::Delete(_) => "delete",
        Command::DeleteAll(_) => "deleteall",
        Command::Import(_) => "import",
        Command::Cp(_) => "cp",
        Command::Mv(_) => "mv",
        Command::Mirror(_) => "mirror",
        Command::SetAcl(_) => "setAcl",
        Command::Watch(_) => "watch",
        Command::AddWatch(_) => "addWatch",
        Command::Lock(_) => "lock",
        Command::Unlock(_) => "unlock",
        Command::Elect(_) => "elect",
        Command::Wait(_) => "wait",
        Command::Counter(_) => "counter",
        Command::Txn(_) => "txn",
        Command::Check(_) => "check",
        Command::Get(c) if c.args.watch => "get -w",
        Command::Ls(c) if c.args.watch => "ls -w",
        Command::Stat(c) if c.args.node.watch => "stat -w",
        Command::Exists(c) if c.args.node.watch => "exists -w",
        _ => return None,
    })
}
