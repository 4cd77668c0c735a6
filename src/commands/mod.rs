//! The shell's commands: one clap definition (used by argv, REPL lines, scripts, help and
//! completions) and a thin dispatch that calls one function per command.

use clap::Subcommand;

use crate::cli::{OutputArg, OutputFormat};
use crate::errors::ShellError;
use crate::outcome::Outcome;
use crate::session::Session;

pub mod auth;
pub mod completions;
pub mod create;
pub mod data_source;
pub mod delete;
pub mod edit;
pub mod get;
pub mod help;
pub mod history;
pub mod ls;
pub mod man;
pub mod nav;
pub mod session;
pub mod set;
pub mod sleep;
pub mod source;
pub mod stat;
pub mod sync;
pub mod txn;
pub mod version;
pub mod watch;

#[derive(Debug, Subcommand)]
#[command(disable_help_subcommand = true)]
pub enum Command {
    #[command(about = "Create a znode (persistent unless -e/-s/-c/-t) and print its path")]
    #[command(visible_alias = "mk")]
    Create(create::CreateArgs),
    #[command(about = "Print a znode's data (and its stat with -s)")]
    #[command(visible_alias = "cat")]
    Get(get::GetArgs),
    #[command(about = "Replace a znode's data, optionally only at a given version")]
    Set(set::SetArgs),
    #[command(about = "Edit a znode's data in $VISUAL/$EDITOR; written back only if unchanged meanwhile")]
    Edit(edit::EditArgs),
    #[command(about = "Print a znode's stat: zxids, times, versions, owner, sizes")]
    Stat(stat::StatArgs),
    #[command(about = "Exit 0 if a znode exists, 1 if not")]
    Exists(stat::ExistsArgs),
    #[command(about = "List a znode's children, sorted")]
    #[command(visible_alias = "dir")]
    Ls(ls::LsArgs),
    #[command(about = "Delete a znode (or a whole subtree with -r)")]
    #[command(visible_alias = "rm")]
    Delete(delete::DeleteArgs),
    #[command(about = "Delete a znode and everything below it (zkCli's deleteall)")]
    #[command(name = "deleteall", visible_alias = "rmr")]
    DeleteAll(delete::DeleteAllArgs),
    #[command(about = "Add credentials to this session (re-applied after reconnects)")]
    #[command(name = "addauth", visible_alias = "add-auth")]
    AddAuth(auth::AddAuthArgs),
    #[command(about = "Show the session: id, negotiated timeout, state, server, credentials")]
    Session(session::SessionArgs),
    #[command(about = "Change the current node")]
    Cd(nav::CdArgs),
    #[command(about = "Print the current node")]
    Pwd(nav::PwdArgs),
    #[command(about = "Make the connected server catch up with the leader for a path")]
    Sync(sync::SyncArgs),
    #[command(about = "Follow a znode's data, children (-c) or subtree (-R) with a persistent watch")]
    Watch(watch::WatchArgs),
    #[command(about = "Add a persistent watch, as zkCli (PERSISTENT or PERSISTENT_RECURSIVE)")]
    #[command(name = "addWatch", visible_alias = "add-watch", alias = "addwatch")]
    AddWatch(watch::AddWatchArgs),
    #[command(about = "Remove the watches on a path, as zkCli")]
    #[command(name = "removewatches", visible_alias = "remove-watches")]
    RemoveWatches(watch::RemoveWatchesArgs),
    #[command(about = "Show or hide watch events between prompts")]
    #[command(name = "printwatches", visible_alias = "print-watches")]
    PrintWatches(watch::PrintWatchesArgs),
    #[command(about = "List the active watches")]
    Watches(watch::WatchesArgs),
    #[command(about = "Remove watches by id, path, or --all")]
    Unwatch(watch::UnwatchArgs),
    #[command(about = "Run check/create/set/delete as one all-or-nothing transaction")]
    Txn(txn::TxnArgs),
    #[command(about = "Check a znode's data version (a transaction condition inside txn)")]
    Check(txn::CheckArgs),
    #[command(about = "Pause a script (e.g. sleep 2s)")]
    Sleep(sleep::SleepArgs),
    #[command(about = "Run a script file in this shell (cd, auth and txn carry over)")]
    Source(source::SourceArgs),
    #[command(about = "List the lines typed in the shell, or those matching a text")]
    History(history::HistoryArgs),
    #[command(about = "Run history line N again (`!!` runs the last one)")]
    Redo(history::RedoArgs),
    #[command(about = "List the commands, or explain one")]
    Help(help::HelpArgs),
    #[command(about = "Print the bash, zsh or fish completion script (completes live znode paths)")]
    Completions(completions::CompletionsArgs),
    #[command(about = "Print zksh's manual page (roff)")]
    Man(man::ManArgs),
    #[command(about = "Print zksh's version")]
    Version(version::VersionArgs),
    #[command(about = "Leave the shell")]
    #[command(visible_alias = "exit")]
    Quit(nav::QuitArgs),
}

impl Command {
    /// The `-o` given on this command, if any.
    pub fn output(&self) -> Option<OutputFormat> {
        self.output_arg().output
    }

    fn output_arg(&self) -> &OutputArg {
        match self {
            Command::Create(a) => &a.out,
            Command::Get(a) => &a.out,
            Command::Set(a) => &a.out,
            Command::Edit(a) => &a.out,
            Command::Stat(a) => &a.out,
            Command::Exists(a) => &a.out,
            Command::Ls(a) => &a.out,
            Command::Delete(a) => &a.out,
            Command::DeleteAll(a) => &a.out,
            Command::AddAuth(a) => &a.out,
            Command::Session(a) => &a.out,
            Command::Cd(a) => &a.out,
            Command::Pwd(a) => &a.out,
            Command::Sync(a) => &a.out,
            Command::Watch(a) => &a.out,
            Command::AddWatch(a) => &a.out,
            Command::RemoveWatches(a) => &a.out,
            Command::PrintWatches(a) => &a.out,
            Command::Watches(a) => &a.out,
            Command::Unwatch(a) => &a.out,
            Command::Txn(a) => &a.out,
            Command::Check(a) => &a.out,
            Command::Sleep(a) => &a.out,
            Command::Source(a) => &a.out,
            Command::History(a) => &a.out,
            Command::Redo(a) => &a.out,
            Command::Help(a) => &a.out,
            Command::Completions(a) => &a.out,
            Command::Man(a) => &a.out,
            Command::Version(a) => &a.out,
            Command::Quit(a) => &a.out,
        }
    }
}

/// Runs one command against the session.
pub async fn execute(command: Command, session: &mut Session) -> anyhow::Result<Outcome> {
    match command {
        Command::Create(args) => create::execute(args, session).await,
        Command::Get(args) => get::execute(args, session).await,
        Command::Set(args) => set::execute(args, session).await,
        Command::Edit(args) => edit::execute(args, session).await,
        Command::Stat(args) => stat::execute_stat(args, session).await,
        Command::Exists(args) => stat::execute_exists(args, session).await,
        Command::Ls(args) => ls::execute(args, session).await,
        Command::Delete(args) => delete::execute(args, session).await,
        Command::DeleteAll(args) => delete::execute_all(args, session).await,
        Command::AddAuth(args) => auth::execute(args, session).await,
        Command::Session(args) => session::execute(args, session).await,
        Command::Cd(args) => nav::execute_cd(args, session).await,
        Command::Pwd(_) => Ok(nav::execute_pwd(session)),
        Command::Sync(args) => sync::execute(args, session).await,
        Command::Watch(args) => watch::execute_watch(args, session).await,
        Command::AddWatch(args) => watch::execute_add_watch(args, session).await,
        Command::RemoveWatches(args) => watch::execute_remove_watches(args, session),
        Command::PrintWatches(args) => Ok(watch::execute_print_watches(args, session)),
        Command::Watches(_) => Ok(watch::execute_watches(session)),
        Command::Unwatch(args) => watch::execute_unwatch(args, session),
        Command::Txn(args) => txn::execute(args, session).await,
        Command::Check(args) => txn::execute_check(args, session).await,
        Command::Sleep(args) => sleep::execute(args).await,
        // The runner runs it (it needs the runner); nothing else reaches here.
        Command::Source(args) => Err(ShellError::usage(format!(
            "source {}: only a shell or script can run it",
            args.file.display()
        ))),
        Command::History(args) => Ok(history::execute_history(args, session)),
        Command::Redo(args) => history::execute_redo(args),
        Command::Help(args) => help::execute(args),
        Command::Completions(args) => Ok(completions::execute(args)),
        Command::Man(_) => man::execute(),
        Command::Version(_) => Ok(version::execute()),
        Command::Quit(_) => Ok(Outcome::Quit),
    }
}
