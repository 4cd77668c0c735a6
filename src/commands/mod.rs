//! The shell's commands: one clap definition (used by argv, REPL lines, scripts, help and
//! completions) and a mechanical dispatch.
//!
//! A command is one file (one folder for a family such as `watch`): its clap arguments (whose
//! doc comment is its help), its [`Run`] implementation, its result types (`Serialize` for
//! JSON, [`Render`](crate::output::Render) for text) and its tests. Registering it is one line
//! in the `commands!` list below, with its help group.

use clap::{Args, Subcommand};

use crate::cli::{OutputArg, OutputFormat};
use crate::output::Reply;
use crate::shell::Shell;

pub mod acl;
pub mod auth;
pub mod cd;
pub mod changes;
pub mod check;
pub mod close;
pub mod completions;
pub mod config;
pub mod connect;
pub mod count;
pub mod counter;
pub mod cp;
pub mod create;
pub mod data_input;
pub mod delete;
pub mod diff;
pub mod digest;
pub mod du;
pub mod each;
pub mod edit;
pub mod elect;
pub mod ephemerals;
pub mod exists;
pub mod export;
pub mod find;
pub mod four_letter;
pub mod get;
pub mod grep;
pub mod help;
pub mod history;
pub mod import;
pub mod lock;
pub mod ls;
pub mod man;
pub mod mirror;
pub mod mv;
pub mod profiles;
pub mod pwd;
pub mod quit;
pub mod quota;
pub mod reconfig;
pub mod session;
pub mod sessions;
pub mod set;
pub mod sleep;
pub mod source;
pub mod stat;
pub mod status;
pub mod survey;
pub mod sync;
pub mod tree;
pub mod txn;
pub mod version;
pub mod wait;
pub mod walked;
pub mod watch;
pub mod whoami;

/// What every command does: run against the shell and hand back a result to render.
// The futures run on the runner's own task and are never spawned, so no `Send` bound is
// wanted (a command may hold the shell's `&mut` across awaits).
#[allow(async_fn_in_trait)]
pub trait Run {
    async fn run(self, shell: &mut Shell) -> anyhow::Result<Reply>;
}

// A command's own arguments plus `-o/--output`, which every command takes (and which may also
// be given once before the command for the whole run). No doc comment: clap would make it the
// help text of every command.
#[derive(Debug, Args)]
pub struct With<A: Args> {
    #[command(flatten)]
    pub args: A,
    #[command(flatten)]
    pub output: OutputArg,
}

/// Where `help` lists a command. Commands of a group are registered together, in the order
/// `help` shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    Znodes,
    Search,
    Watch,
    Recipes,
    Transactions,
    Navigation,
    Session,
    Cluster,
    Shell,
}

impl Group {
    pub fn title(self) -> &'static str {
        match self {
            Group::Znodes => "Read and write znodes",
            Group::Search => "Search the tree",
            Group::Watch => "Watch",
            Group::Transactions => "Transactions",
            Group::Navigation => "Move around",
            Group::Session => "Session",
            Group::Recipes => "Coordination recipes",
            Group::Cluster => "Clusters",
            Group::Shell => "Shell",
        }
    }
}

/// Declares the command enum (clap's subcommands, in this order), its dispatch, the `-o` of
/// each, and the help group of each.
macro_rules! commands {
    ($( $group:ident: $(#[$attr:meta])* $variant:ident($args:ty), )*) => {
        #[derive(Debug, Subcommand)]
        #[command(disable_help_subcommand = true)]
        pub enum Command {
            $( $(#[$attr])* $variant(With<$args>), )*
        }

        impl Command {
            /// The help group of each command, in clap's subcommand order.
            pub const GROUPS: &[Group] = &[$( Group::$group, )*];

            /// The `-o` given on this command, if any.
            pub fn output(&self) -> Option<OutputFormat> {
                match self {
                    $( Command::$variant(command) => command.output.output, )*
                }
            }

            pub async fn run(self, shell: &mut Shell) -> anyhow::Result<Reply> {
                match self {
                    $( Command::$variant(command) => command.args.run(shell).await, )*
                }
            }
        }
    };
}

commands! {
    Znodes: Create(create::Create),
    Znodes: Get(get::Get),
    Znodes: Set(set::Set),
    Znodes: Edit(edit::Edit),
    Znodes: Stat(stat::Stat),
    Znodes: Exists(exists::Exists),
    Znodes: Ls(ls::Ls),
    Znodes: Tree(tree::Tree),
    Znodes: Du(du::Du),
    Znodes: Count(count::Count),
    Znodes: #[command(name = "getAllChildrenNumber")] GetAllChildrenNumber(count::GetAllChildrenNumber),
    Znodes: #[command(name = "getEphemerals")] GetEphemerals(ephemerals::GetEphemerals),
    Znodes: Survey(survey::Survey),
    Znodes: Delete(delete::Delete),
    Znodes: #[command(name = "deleteall")] DeleteAll(delete::DeleteAll),
    Znodes: Sync(sync::Sync),
    Znodes: Export(export::Export),
    Znodes: Import(import::Import),
    Znodes: Cp(cp::Cp),
    Znodes: Mv(mv::Mv),
    Znodes: Diff(diff::Diff),
    Znodes: Mirror(mirror::Mirror),
    Znodes: #[command(name = "getAcl")] GetAcl(acl::get::GetAcl),
    Znodes: #[command(name = "setAcl")] SetAcl(acl::set::SetAcl),
    Znodes: Changes(changes::Changes),
    Search: Find(find::Find),
    Search: Grep(grep::Grep),
    Watch: Watch(watch::Watch),
    Watch: Watches(watch::list::Watches),
    Watch: Unwatch(watch::list::Unwatch),
    Watch: #[command(name = "addWatch")] AddWatch(watch::AddWatch),
    Watch: #[command(name = "removewatches")] RemoveWatches(watch::list::RemoveWatches),
    Watch: #[command(name = "printwatches")] PrintWatches(watch::list::PrintWatches),
    Recipes: Lock(lock::Lock),
    Recipes: Unlock(lock::Unlock),
    Recipes: Elect(elect::Elect),
    Recipes: Wait(wait::Wait),
    Recipes: Counter(counter::Counter),
    Transactions: Txn(txn::Txn),
    Transactions: Check(check::Check),
    Navigation: Cd(cd::Cd),
    Navigation: Pwd(pwd::Pwd),
    Session: Session(session::Session),
    Session: #[command(name = "addauth")] AddAuth(auth::AddAuth),
    Session: Digest(digest::DigestId),
    Session: #[command(name = "whoami")] WhoAmI(whoami::WhoAmI),
    Session: Connect(connect::Connect),
    Session: Close(close::Close),
    Session: Profiles(profiles::Profiles),
    Session: Sessions(sessions::Sessions),
    Cluster: Config(config::Config),
    Cluster: Reconfig(reconfig::Reconfig),
    Cluster: Status(status::Status),
    Cluster: Ruok(four_letter::Ruok),
    Cluster: Srvr(four_letter::Srvr),
    Cluster: Mntr(four_letter::Mntr),
    Cluster: Cons(four_letter::Cons),
    Cluster: Conf(four_letter::Conf),
    Cluster: Envi(four_letter::Envi),
    Cluster: Wchs(four_letter::Wchs),
    Cluster: Isro(four_letter::Isro),
    Cluster: Dirs(four_letter::Dirs),
    Cluster: Flw(four_letter::Flw),
    Cluster: #[command(name = "setquota")] SetQuota(quota::SetQuota),
    Cluster: #[command(name = "listquota")] ListQuota(quota::ListQuota),
    Cluster: #[command(name = "delquota")] DelQuota(quota::DelQuota),
    Shell: Help(help::Help),
    Shell: Version(version::Version),
    Shell: Source(source::Source),
    Shell: Sleep(sleep::Sleep),
    Shell: Quit(quit::Quit),
    Shell: Completions(completions::Completions),
    Shell: Man(man::Man),
    Shell: History(history::History),
    Shell: Redo(history::Redo),
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;
    use crate::cli::ShellLine;

    #[test]
    fn every_command_has_a_group_and_groups_are_contiguous() {
        let root = ShellLine::command();
        assert_eq!(root.get_subcommands().count(), Command::GROUPS.len());
        let mut seen: Vec<Group> = Vec::new();
        for group in Command::GROUPS {
            if seen.last() != Some(group) {
                assert!(!seen.contains(group), "{group:?} is split in two places");
                seen.push(*group);
            }
        }
    }
}
