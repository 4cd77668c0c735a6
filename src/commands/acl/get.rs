//! `getAcl [-s] path`: a znode's ACL.

use clap::Args;

use crate::commands::Run;
use crate::commands::acl::{AclList, AclWithStat};
use crate::output::Reply;
use crate::shell::Shell;

/// Print a znode's ACL, one entry per two lines as zkCli prints it ('scheme,'id then
/// : perms).
///
/// Permissions are zkCli's letters: c create children, d delete children, r read data and
/// children, w write data, a administer (change the ACL). The server answers only a client
/// that may READ or ADMIN the node; a digest id comes back with its hash as 'x' unless the
/// client has ADMIN. With -s the node's stat follows. In JSON the ACL is an array of
/// {"scheme","id","perms"}; with -s an object {"acl":[...],"stat":{...}}.
///
/// Example: getAcl /config
#[derive(Debug, Args)]
#[command(about = "Print a znode's ACL", visible_alias = "get-acl")]
pub struct GetAcl {
    /// Print the node's stat too
    #[arg(short = 's', long)]
    pub stat: bool,
    /// Znode path
    #[arg(add = crate::completion::path_completer())]
    pub path: String,
}

impl Run for GetAcl {
    async fn run(self, shell: &mut Shell) -> anyhow::Result<Reply> {
        let (path, client) = shell.target(&self.path).await?;
        let (acls, stat) = shell.zk().call("getAcl", &path, client.get_acl(&path)).await?;
        let acl = AclList::new(&acls);
        Ok(match self.stat {
            true => Reply::value(AclWithStat { acl, stat }),
            false => Reply::value(acl),
        })
    }
}
