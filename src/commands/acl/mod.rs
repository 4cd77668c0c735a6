//! The ACL commands: `getAcl` and `setAcl`, and how an ACL is shown (zkCli's two lines per
//! entry in text, `{scheme, id, perms}` objects in JSON).

use std::io::Write;

use serde::Serialize;
use zookeeper_client::{Acl, Stat};

use crate::output::Render;
use crate::output::stat::render_stat;
use crate::tree::record::AclEntry;

pub mod get;
pub mod recursive;
pub mod set;

/// One ACL entry in JSON.
#[derive(Debug, Serialize)]
pub struct AclRow {
    pub scheme: String,
    pub id: String,
    /// zkCli's letters, in `cdrwa` order.
    pub perms: String,
}

impl AclRow {
    pub fn from_acl(acl: &Acl) -> AclRow {
        let AclEntry { scheme, id, perms, .. } = AclEntry::from_acl(acl);
        AclRow { scheme, id, perms }
    }
}

/// An ACL as `getAcl` prints it: the JSON is the bare array of entries.
#[derive(Debug, Serialize)]
#[serde(transparent)]
pub struct AclList(pub Vec<AclRow>);

impl AclList {
    pub fn new(acls: &[Acl]) -> AclList {
        AclList(acls.iter().map(AclRow::from_acl).collect())
    }
}

impl Render for AclList {
    // zkCli's own layout: `'scheme,'id` then `: perms`, so its users (and scripts written
    // against it) read the same lines.
    fn render_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        for row in &self.0 {
            writeln!(out, "'{},'{}", row.scheme, row.id)?;
            writeln!(out, ": {}", row.perms)?;
        }
        Ok(())
    }
}

/// `getAcl -s`: the entries, then the stat (as zkCli prints them); in JSON an object with
/// both.
#[derive(Debug, Serialize)]
pub struct AclWithStat {
    pub acl: AclList,
    #[serde(serialize_with = "crate::output::stat::serialize")]
    pub stat: Stat,
}

impl Render for AclWithStat {
    fn render_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        self.acl.render_text(out)?;
        render_stat(&self.stat, out)
    }
}

#[cfg(test)]
mod tests {
    use zookeeper_client::{AuthId, Permission};

    use super::*;
    use crate::output::both;

    fn sample() -> AclList {
        AclList::new(&[
            Acl::new(
                Permission::READ | Permission::ADMIN,
                AuthId::new("digest", "alice:XUS5Bm4vZr6tkZtEKUwGyFyEzFM="),
            ),
            Acl::new(Permission::READ, AuthId::new("world", "anyone")),
        ])
    }

    #[test]
    fn acls_read_as_zkcli_prints_them() {
        insta::assert_snapshot!(both(&sample()), @r#"
        --- text
        'digest,'alice:XUS5Bm4vZr6tkZtEKUwGyFyEzFM=
        : ra
        'world,'anyone
        : r
        --- json
        [{"id":"alice:XUS5Bm4vZr6tkZtEKUwGyFyEzFM=","perms":"ra","scheme":"digest"},{"id":"anyone","perms":"r","scheme":"world"}]
        "#);
    }

    #[test]
    fn acl_with_stat_is_an_object() {
        colored::control::set_override(false);
        let reply = AclWithStat {
            acl: sample(),
            stat: crate::output::stat::sample_stat(),
        };
        insta::assert_snapshot!(both(&reply), @r#"
        --- text
        'digest,'alice:XUS5Bm4vZr6tkZtEKUwGyFyEzFM=
        : ra
        'world,'anyone
        : r
        cZxid = 0x1a
        ctime = 2025-11-25 14:01:17.123 +00:00
        mZxid = 0x2b
        mtime = 2025-11-25 14:01:40.456 +00:00
        pZxid = 0x2c
        cversion = 1
        dataVersion = 3
        aclVersion = 0
        ephemeralOwner = 0x0
        dataLength = 5
        numChildren = 2
        --- json
        {"acl":[{"id":"alice:XUS5Bm4vZr6tkZtEKUwGyFyEzFM=","perms":"ra","scheme":"digest"},{"id":"anyone","perms":"r","scheme":"world"}],"stat":{"aclVersion":0,"ctime":"2025-11-25T14:01:17.123Z","cversion":1,"czxid":26,"dataLength":5,"ephemeralOwner":0,"mtime":"2025-11-25T14:01:40.456Z","mzxid":43,"numChildren":2,"pzxid":44,"version":3}}
        "#);
    }
}
