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
        check_id(entry, scheme, id)?;
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

/// The schemes ZooKeeper knows; anything else is a typo the server would only answer with
/// "invalid ACL".
const SCHEMES: &[&str] = &["world", "digest", "ip", "auth", "sasl", "x509"];

/// Refuses ids the server would refuse, saying what the scheme wants.
fn check_id(entry: &str, scheme: &str, id: &str) -> anyhow::Result<()> {
    let bad = |why: &str| Err(ShellError::usage(format!("ACL '{entry}': {why}")));
    match scheme {
        "world" if id != "anyone" => bad("the world scheme's only id is 'anyone'"),
        "digest" => match id.split_once(':') {
            Some((user, hash)) if !user.is_empty() && !hash.is_empty() => Ok(()),
            _ => bad("a digest id is USER:HASH (make the hash with `digest USER`)"),
        },
        "ip" if !is_ip_or_cidr(id) => bad("an ip id is an address or ADDRESS/BITS"),
        "sasl" | "x509" if id.is_empty() => bad("the id is empty"),
        scheme if !SCHEMES.contains(&scheme) => bad(&format!("unknown scheme '{scheme}' (use {})", SCHEMES.join(", "))),
        _ => Ok(()),
    }
}

/// An IPv4 or IPv6 address, optionally with a prefix length no longer than the address.
fn is_ip_or_cidr(id: &str) -> bool {
    let (address, bits) = match id.split_once('/') {
        Some((address, bits)) => (address, Some(bits)),
        None => (id, None),
    };
    let Ok(address) = address.parse::<std::net::IpAddr>() else {
        return false;
    };
    let most = if address.is_ipv4() { 32 } else { 128 };
    bits.is_none_or(|bits| bits.parse::<u8>().is_ok_and(|bits| bits <= most))
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
        assert!(parse_acl("ip:10.0.0.0/8:r,auth::cdrwa,sasl:zk@EXAMPLE.COM:r,x509:CN=a:r").is_ok());
        let refusal = |text: &str| parse_acl(text).unwrap_err().to_string();
        assert!(refusal("wrld:anyone:r").contains("unknown scheme 'wrld'"));
        assert!(refusal("digest:alice:r").contains("USER:HASH"));
        assert!(refusal("ip:10.0.0.0/33:r").contains("ADDRESS/BITS"));
        assert!(refusal("ip:10.0.0:r").contains("ADDRESS/BITS"));
        assert!(refusal("world:someone:r").contains("'anyone'"));
    }
}
