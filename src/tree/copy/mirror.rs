//! One source event applied to a mirror's destination: the node's state now read from the
//! source and made so at the destination (created, changed, or deleted), so that events
//! handled late or twice still leave the destination as the source is.

use zookeeper_client::{self as zk, Acl, Client, CreateMode};

use crate::errors::ZkError;
use crate::tree::AclEntry;
use crate::tree::copy::acl::compare_acls;
use crate::tree::copy::plan::{Change, differences};
use crate::zk::Zk;

/// One end of a mirror: a cluster's handle and a connected client.
pub struct Side<'a> {
    pub zk: &'a Zk,
    pub client: &'a Client,
}

/// Makes `dest` what `src` is now: created or changed (None when already so, or when the
/// source node is gone or ephemeral: its deletion event, if any, comes next).
pub async fn copy_node(from: &Side<'_>, src: &str, to: &Side<'_>, dest: &str) -> anyhow::Result<Option<Change>> {
    let (data, stat) = match from.zk.call("get", src, from.client.get_data(src)).await {
        Ok(node) => node,
        Err(err) if is_no_node(&err) => return Ok(None),
        Err(err) => return Err(err),
    };
    if crate::snapshot::serve::owned_by_session(stat.ephemeral_owner) {
        return Ok(None);
    }
    let acl = match from.zk.call("getAcl", src, from.client.get_acl(src)).await {
        Ok((acl, _)) => acl,
        Err(err) if is_no_node(&err) => return Ok(None),
        Err(err) => return Err(err),
    };
    let entries: Vec<AclEntry> = acl.iter().map(AclEntry::from_acl).collect();
    if entries.iter().any(|entry| entry.redacted) {
        let why = "its ACL came back redacted from the source; a redacted ACL is never written";
        return Ok(Some(Change::refuse(dest, why)));
    }
    match to.zk.call("get", dest, to.client.get_data(dest)).await {
        Err(err) if is_no_node(&err) => {
            let options = CreateMode::Persistent.with_acls(zk::Acls::new(&acl));
            to.zk
                .call("create", dest, to.client.create(dest, &data, &options))
                .await?;
            Ok(Some(Change::create(dest)))
        }
        Err(err) => Err(err),
        Ok((have, _)) => {
            let (have_acl, _) = to.zk.call("getAcl", dest, to.client.get_acl(dest)).await?;
            let have_acl: Vec<AclEntry> = have_acl.iter().map(AclEntry::from_acl).collect();
            let same_data = have == data;
            let same_acl = compare_acls(&entries, &have_acl).may_be_same();
            if same_data && same_acl {
                return Ok(None);
            }
            if !same_data {
                to.zk.call("set", dest, to.client.set_data(dest, &data, None)).await?;
            }
            if !same_acl {
                set_acl(to, dest, &acl).await?;
            }
            Ok(Some(Change::changed(dest, differences(same_data, same_acl))))
        }
    }
}

async fn set_acl(to: &Side<'_>, dest: &str, acl: &[Acl]) -> anyhow::Result<()> {
    to.zk.call("setAcl", dest, to.client.set_acl(dest, acl, None)).await?;
    Ok(())
}

/// Deletes `dest` (and what is below it, should anything be): None when it is not there.
pub async fn delete_node(to: &Side<'_>, dest: &str, parallel: usize) -> anyhow::Result<Option<Change>> {
    match to.zk.call("delete", dest, to.client.delete(dest, None)).await {
        Ok(()) => Ok(Some(Change::delete(dest))),
        Err(err) if is_no_node(&err) => Ok(None),
        Err(err) if has_code(&err, &zk::Error::NotEmpty) => {
            let progress = crate::progress::Progress::default();
            crate::tree::delete_subtree(to.zk, to.client, dest, parallel, &progress).await?;
            Ok(Some(Change::delete(dest)))
        }
        Err(err) => Err(err),
    }
}

fn is_no_node(err: &anyhow::Error) -> bool {
    has_code(err, &zk::Error::NoNode)
}

fn has_code(err: &anyhow::Error, code: &zk::Error) -> bool {
    err.chain()
        .filter_map(|cause| cause.downcast_ref::<ZkError>())
        .any(|e| std::mem::discriminant(&e.source) == std::mem::discriminant(code))
}
