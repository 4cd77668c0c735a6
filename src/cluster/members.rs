//! Who the members are: the hosts of the connect string, and the ensemble as
//! `/zookeeper/config` (or `conf`) lists it, merged without duplicates.

use std::net::ToSocketAddrs;

use crate::commands::config::EnsembleConfig;

/// ZooKeeper's client port when a connect string names a host alone.
const DEFAULT_PORT: u16 = 2181;

/// The `host:port` of each member of a connect string (its chroot left out).
pub fn from_connect_string(server: &str) -> Vec<String> {
    let hosts = server.split('/').next().unwrap_or_default();
    hosts
        .split(',')
        .map(str::trim)
        .filter(|host| !host.is_empty())
        .map(|host| match host.rsplit_once(':') {
            Some((_, port)) if port.parse::<u16>().is_ok() => host.to_string(),
            _ => format!("{host}:{DEFAULT_PORT}"),
        })
        .collect()
}

/// Where clients reach the members `/zookeeper/config` (or the `conf` word) lists, parsed by
/// `config`'s parser: a wildcard client address (`0.0.0.0:2181`) is where a member listens,
/// not where to reach it, so its host is taken from its quorum address.
pub fn from_config(text: &str) -> Vec<String> {
    EnsembleConfig::parse(text)
        .members
        .into_iter()
        .filter_map(|member| {
            let client = member.client?;
            Some(match client.rsplit_once(':') {
                Some(("0.0.0.0" | "[::]" | "::" | "", port)) => format!("{}:{port}", member.host),
                _ => client,
            })
        })
        .collect()
}

/// The connect string's members, then any other member the configuration names. Two names
/// of one address (`localhost:2181`, `127.0.0.1:2181`) count once.
pub fn merge(connect: Vec<String>, config: &[String]) -> Vec<String> {
    let mut seen: Vec<String> = connect.iter().map(|m| address_key(m)).collect();
    let mut members = connect;
    for client in config {
        let key = address_key(client);
        if !seen.contains(&key) {
            seen.push(key);
            members.push(client.clone());
        }
    }
    members
}

fn address_key(member: &str) -> String {
    member
        .to_socket_addrs()
        .ok()
        .and_then(|mut addrs| addrs.next())
        .map_or_else(|| member.to_string(), |addr| addr.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_string_members_lose_the_chroot_and_gain_a_port() {
        assert_eq!(
            from_connect_string("a:1, b/app"),
            vec!["a:1".to_string(), "b:2181".to_string()]
        );
        assert_eq!(
            from_connect_string("127.0.0.1:2181"),
            vec!["127.0.0.1:2181".to_string()]
        );
    }

    #[test]
    fn config_lines_give_client_addresses() {
        let config = "server.1=127.0.0.1:2888:3888:participant;0.0.0.0:2181\n\
                      server.2=10.0.0.2:2888:3888:observer;10.0.0.2:2182\n\
                      server.3=zk3:2888:3888;2183\nserver.4=zk4:2888:3888\nversion=100000000\n";
        let members = from_config(config);
        assert_eq!(members, ["127.0.0.1:2181", "10.0.0.2:2182", "zk3:2183"]);
        let merged = merge(vec!["127.0.0.1:2181".into()], &members);
        assert_eq!(merged, vec!["127.0.0.1:2181", "10.0.0.2:2182", "zk3:2183"]);
    }
}
