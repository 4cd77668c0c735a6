//! How a node's ACL on one side compares with its ACL on the other: the one answer `diff`
//! prints and the writers (`import`, `cp`, `mv`, `mirror`) act on. Entries compare as a set
//! (the server keeps the order given, which means nothing); a redacted digest entry (read
//! without ADMIN permission, `digest:alice:x`) hides its hash, so it can only say that the
//! same user has the same permissions, never that the entries are the same.

use crate::tree::AclEntry;

/// How a node's ACL compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AclCompared {
    Same,
    Different,
    /// A redacted entry (`digest:alice:x`) on either side stands where the entries could
    /// otherwise be the same: whether they are is unknown.
    Uncomparable,
}

impl AclCompared {
    /// Whether a writer leaves the destination's ACL as it is: the same, or not comparable
    /// (a redacted entry is never written, and what it hides may well be the same).
    pub fn may_be_same(self) -> bool {
        self != AclCompared::Different
    }
}

/// `a` and `b` compared as sets: a redacted entry matches an entry of the same scheme, user
/// and permissions, whatever its hash; all matched with one redacted among them is
/// `Uncomparable`.
pub fn compare_acls(a: &[AclEntry], b: &[AclEntry]) -> AclCompared {
    if a.len() != b.len() {
        return AclCompared::Different;
    }
    let sorted = |acl: &[AclEntry]| {
        let mut entries: Vec<AclEntry> = acl.to_vec();
        entries.sort_by(|x, y| (&x.scheme, user(x), &x.perms, &x.id).cmp(&(&y.scheme, user(y), &y.perms, &y.id)));
        entries
    };
    let (a, b) = (sorted(a), sorted(b));
    let mut unsure = false;
    for (x, y) in a.iter().zip(&b) {
        if x.redacted || y.redacted {
            if x.scheme != y.scheme || user(x) != user(y) || x.perms != y.perms {
                return AclCompared::Different;
            }
            unsure = true;
        } else if x != y {
            return AclCompared::Different;
        }
    }
    if unsure {
        AclCompared::Uncomparable
    } else {
        AclCompared::Same
    }
}

/// The user part of a digest id (`alice` in `alice:hash`); the whole id otherwise.
fn user(entry: &AclEntry) -> &str {
    if entry.scheme == "digest" {
        entry.id.split(':').next().unwrap_or(&entry.id)
    } else {
        &entry.id
    }
}

#[cfg(test)]
mod tests {
    use zookeeper_client::{Acl, AuthId, Permission};

    use super::*;
    use AclCompared::{Different, Same, Uncomparable};

    fn entry(scheme: &str, id: &str, perms: &str) -> AclEntry {
        AclEntry {
            scheme: scheme.into(),
            id: id.into(),
            perms: perms.into(),
            redacted: scheme == "digest" && id.ends_with(":x"),
        }
    }

    #[test]
    fn entries_compare_as_a_set_whatever_their_order() {
        let world = entry("world", "anyone", "r");
        let alice = entry("digest", "alice:abc=", "cdrwa");
        let ip = entry("ip", "10.0.0.1", "rw");
        let (ab, ba) = ([world.clone(), alice.clone()], [alice.clone(), world.clone()]);
        assert_eq!(compare_acls(&ab, &ba), Same);
        assert_eq!(
            compare_acls(
                &[ip.clone(), alice.clone(), world.clone()],
                &[world.clone(), ip, alice.clone()]
            ),
            Same
        );
        // A set, not a multiset of any size: one entry more or fewer differs.
        assert_eq!(compare_acls(&ab, std::slice::from_ref(&world)), Different);
        assert_eq!(compare_acls(&[], &ab), Different);
        assert_eq!(compare_acls(&[], &[]), Same);
        assert_eq!(compare_acls(std::slice::from_ref(&world), &[alice]), Different);
    }

    #[test]
    fn permissions_must_be_the_same() {
        let (read, read_write) = (entry("world", "anyone", "r"), entry("world", "anyone", "rw"));
        assert_eq!(compare_acls(&[read], &[read_write]), Different);
        let alice = entry("digest", "alice:abc=", "r");
        assert_eq!(
            compare_acls(&[alice], &[entry("digest", "alice:abc=", "rw")]),
            Different
        );
        // Nor does redaction hide permissions: alice's r is not her cdrwa.
        let hidden = entry("digest", "alice:x", "cdrwa");
        assert_eq!(compare_acls(&[hidden], &[entry("digest", "alice:x", "r")]), Different);
    }

    #[test]
    fn a_redacted_digest_entry_cannot_be_compared_but_can_differ() {
        let world = entry("world", "anyone", "r");
        let alice = entry("digest", "alice:abc=", "cdrwa");
        let hidden = entry("digest", "alice:x", "cdrwa");
        // The same user with the same permissions: its hash may or may not be alice's.
        assert_eq!(
            compare_acls(&[world.clone(), alice.clone()], &[hidden.clone(), world.clone()]),
            Uncomparable
        );
        assert_eq!(
            compare_acls(std::slice::from_ref(&hidden), std::slice::from_ref(&alice)),
            Uncomparable
        );
        assert_eq!(
            compare_acls(std::slice::from_ref(&hidden), std::slice::from_ref(&hidden)),
            Uncomparable
        );
        // Another user, or another entry beside it that differs, is a difference all the same.
        assert_eq!(
            compare_acls(&[entry("digest", "bob:x", "cdrwa")], std::slice::from_ref(&alice)),
            Different
        );
        assert_eq!(
            compare_acls(&[hidden, entry("world", "anyone", "rw")], &[alice, world]),
            Different
        );
    }

    #[test]
    fn a_writer_leaves_an_acl_that_may_be_the_same() {
        assert!(Same.may_be_same());
        assert!(Uncomparable.may_be_same());
        assert!(!Different.may_be_same());
        // The destination's ACL as the server returns it: a hidden hash is marked redacted.
        let read = |acl: &[Acl]| acl.iter().map(AclEntry::from_acl).collect::<Vec<_>>();
        let open = Acl::new(Permission::ALL, AuthId::new("world", "anyone"));
        let alice = Acl::new(Permission::READ, AuthId::new("digest", "alice:x"));
        let found = read(&[alice, open]);
        let record = [entry("world", "anyone", "cdrwa"), entry("digest", "alice:abc=", "r")];
        assert_eq!(compare_acls(&record, &found), Uncomparable);
    }
}
