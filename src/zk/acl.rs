//! ACLs as zkCli writes them (`scheme:id:perms`, comma-separated), parsed into
//! zookeeper-client's types.

use zookeeper_client::{Acl, AuthId, Permission};

use crate::errors::ShellError;

/// Parses zkCli's ACL syntax: `scheme:id:perms`, comma-separated; perms from `cdrwa`.
pub fn parse_acl(text: &str) -> anyhow::Result<Vec<Acl>> {
    let mut acls = Vec::new();
    for entry in text.split(',').filter(|e| !e.trim().is_empty()) {
        let entry = entry.trim();
        let (rest, perms) = entry
            .rsplit_once(':')
            .ok_or_else(|| ShellError::usage(format!("ACL '{entry}' is not scheme:id:perms")))?;
        let (scheme, id) = rest
            .split_once(':')
            .ok_or_else(|| ShellError::usage(format!("ACL '{entry}' is not scheme:id:perms")))?;
        let mut permission = Permission::NONE;
        for p in perms.chars() {
            permission = permission
                | match p {
                    'c' => Permission::CREATE,
                    'd' => Permission::DELETE,
                    'r' => Permission::READ,
                    'w' => Permission::WRITE,
                    'a' => Permission::ADMIN,
                    other => {
                        return Err(ShellError::usage(format!(
                            "ACL '{entry}': unknown permission '{other}' (use c, d, r, w, a)"
                        )));
                    }
                };
        }
        acls.push(Acl::new(permission, AuthId::new(scheme, id)));
    }
    if acls.is_empty() {
        return Err(ShellError::usage("empty ACL"));
    }
    Ok(acls)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acls_parse_like_zkcli() {
        let acls = parse_acl("world:anyone:cdrwa").unwrap();
        assert_eq!(acls.len(), 1);
        assert_eq!(acls[0].scheme(), "world");
        assert_eq!(acls[0].id(), "anyone");
        let acls = parse_acl("digest:u:hash=:r,ip:127.0.0.1:rw").unwrap();
        assert_eq!(acls[0].id(), "u:hash=");
        assert_eq!(acls[1].id(), "127.0.0.1");
        assert!(parse_acl("world:anyone:xyz").is_err());
        assert!(parse_acl("nonsense").is_err());
    }
}
