//! One znode as it moves between trees (export files, `import`, `cp`, `mv`, `diff`,
//! `mirror`): its path relative to the subtree's root, its data, its ACL, and the stat fields
//! worth keeping. Readers produce records in the walk's order (parents before children,
//! siblings sorted), so two record streams can be compared by merging them.

use zookeeper_client::{Acl, AuthId, Permission, Stat};

/// One node of a subtree, detached from the cluster it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeRecord {
    /// The path below the subtree's root: "" for the root itself, "a/b" for `<root>/a/b`.
    pub rel: String,
    pub data: Vec<u8>,
    pub acl: Vec<AclEntry>,
    /// The source's stat (kept for export's ctime/mtime/versions; never written back).
    pub stat: Stat,
}

/// One ACL entry, with the mark a redacted digest entry needs (DESIGN.md: a client without
/// ADMIN permission reads `digest:alice:x`; writing that back would lock alice out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AclEntry {
    pub scheme: String,
    pub id: String,
    /// zkCli's letters, in `cdrwa` order (`cdrwa`, `r`, ...).
    pub perms: String,
    /// The server hid the real id: never write this entry.
    pub redacted: bool,
}

impl NodeRecord {
    /// The record's absolute path under `root` (`/x` + `a/b` = `/x/a/b`; `/` + `a` = `/a`).
    pub fn path_under(&self, root: &str) -> String {
        match (root, self.rel.as_str()) {
            (root, "") => root.to_string(),
            ("/", rel) => format!("/{rel}"),
            (root, rel) => format!("{root}/{rel}"),
        }
    }

    pub fn is_ephemeral(&self) -> bool {
        crate::snapshot::serve::owned_by_session(self.stat.ephemeral_owner)
    }

    /// Whether any ACL entry came back redacted.
    pub fn has_redacted_acl(&self) -> bool {
        self.acl.iter().any(|entry| entry.redacted)
    }
}

impl AclEntry {
    /// An entry as the server returned it; a digest id whose hash is the server's `x`
    /// placeholder is marked redacted.
    pub fn from_acl(acl: &Acl) -> AclEntry {
        let redacted = acl.scheme() == "digest" && acl.id().ends_with(":x");
        AclEntry {
            scheme: acl.scheme().to_string(),
            id: acl.id().to_string(),
            perms: perm_letters(acl.permission()),
            redacted,
        }
    }

    /// The entry as zookeeper-client's type, for writing; None for a redacted entry or
    /// unknown permission letters.
    pub fn to_acl(&self) -> Option<Acl> {
        if self.redacted {
            return None;
        }
        let mut permission = Permission::NONE;
        for letter in self.perms.chars() {
            permission = permission
                | match letter {
                    'c' => Permission::CREATE,
                    'd' => Permission::DELETE,
                    'r' => Permission::READ,
                    'w' => Permission::WRITE,
                    'a' => Permission::ADMIN,
                    _ => return None,
                };
        }
        Some(Acl::new(permission, AuthId::new(&self.scheme, &self.id)))
    }
}

/// zkCli's permission letters, in `cdrwa` order.
pub fn perm_letters(permission: Permission) -> String {
    [
        (Permission::CREATE, 'c'),
        (Permission::DELETE, 'd'),
        (Permission::READ, 'r'),
        (Permission::WRITE, 'w'),
        (Permission::ADMIN, 'a'),
    ]
    .into_iter()
    .filter(|(bit, _)| permission.has(*bit))
    .map(|(_, letter)| letter)
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_map_onto_any_root() {
        let record = |rel: &str| NodeRecord {
            rel: rel.into(),
            data: vec![],
            acl: vec![],
            stat: crate::output::stat::sample_stat(),
        };
        assert_eq!(record("").path_under("/x"), "/x");
        assert_eq!(record("a/b").path_under("/x"), "/x/a/b");
        assert_eq!(record("a").path_under("/"), "/a");
        assert_eq!(record("").path_under("/"), "/");
    }

    #[test]
    fn acl_entries_round_trip_and_redacted_digests_are_never_written() {
        let acl = Acl::new(
            Permission::READ | Permission::ADMIN,
            AuthId::new("digest", "alice:abc="),
        );
        let entry = AclEntry::from_acl(&acl);
        assert_eq!(entry.perms, "ra");
        assert!(!entry.redacted);
        assert_eq!(entry.to_acl(), Some(acl));
        let hidden = AclEntry::from_acl(&Acl::new(Permission::ALL, AuthId::new("digest", "alice:x")));
        assert!(hidden.redacted);
        assert_eq!(hidden.perms, "cdrwa");
        assert_eq!(hidden.to_acl(), None);
    }
}
