//! The answers of `srvr`, `stat`, `mntr` and `cons` read as fields: numbers as numbers
//! (zxids in hex read as numbers too), names in snake_case, the session ids `cons` lists.

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::Value;

/// An answer's fields, in the server's order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fields(pub Vec<(String, Value)>);

impl Serialize for Fields {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, value) in &self.0 {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

impl Fields {
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn number(&self, key: &str) -> Option<f64> {
        self.get(key).and_then(Value::as_f64)
    }

    pub fn text(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Value::as_str)
    }

    /// `mntr`: one `key<TAB>value` per line.
    pub fn from_mntr(text: &str) -> Fields {
        let fields = text
            .lines()
            .filter_map(|line| line.split_once('\t'))
            .map(|(key, value)| (key.trim().to_string(), typed(value.trim())))
            .collect();
        Fields(fields)
    }

    /// `srvr` (and the head of `stat`): `Name: value` lines; `Latency min/avg/max: 0/0.5/3`
    /// becomes three fields. The client list `stat` adds is left out.
    pub fn from_srvr(text: &str) -> Fields {
        let mut fields = Vec::new();
        for line in text.lines() {
            let Some((name, value)) = line.split_once(": ") else {
                continue;
            };
            if name.starts_with(' ') || name.contains('(') {
                continue;
            }
            let value = value.trim();
            let (prefix, parts) = match name.rsplit_once(' ') {
                Some((prefix, parts)) if parts.contains('/') => (prefix, parts),
                _ => {
                    fields.push((snake(name), typed(value)));
                    continue;
                }
            };
            for (part, value) in parts.split('/').zip(value.split('/')) {
                fields.push((format!("{}_{part}", snake(prefix)), typed(value)));
            }
        }
        Fields(fields)
    }
}

fn snake(name: &str) -> String {
    name.trim().to_lowercase().replace([' ', '-'], "_")
}

/// A value as JSON: integers, decimals and `0x` zxids as numbers, anything else as text.
fn typed(value: &str) -> Value {
    if let Some(hex) = value.strip_prefix("0x") {
        if let Ok(n) = u64::from_str_radix(hex, 16) {
            return Value::from(n);
        }
    }
    if let Ok(n) = value.parse::<i64>() {
        return Value::from(n);
    }
    match value.parse::<f64>() {
        Ok(n) if n.is_finite() && !value.is_empty() => Value::from(n),
        _ => Value::from(value),
    }
}

/// What `srvr` says a member is doing.
#[derive(Debug, Clone, PartialEq)]
pub struct Srvr {
    pub mode: String,
    pub zxid: u64,
    pub version: Option<String>,
    pub latency: Option<(f64, f64, f64)>,
    pub connections: Option<u64>,
    pub outstanding: Option<u64>,
    pub node_count: Option<u64>,
}

/// The member runs but serves nobody: no quorum (and no read-only mode), or still starting.
pub const NOT_SERVING: &str = "not serving";

impl Srvr {
    pub fn parse(text: &str) -> Option<Srvr> {
        if text.contains("not currently serving requests") {
            return Some(Srvr {
                mode: NOT_SERVING.to_string(),
                zxid: 0,
                version: None,
                latency: None,
                connections: None,
                outstanding: None,
                node_count: None,
            });
        }
        let fields = Fields::from_srvr(text);
        let whole = |key: &str| fields.number(key).map(|n| n as u64);
        let latency = match (
            fields.number("latency_min"),
            fields.number("latency_avg"),
            fields.number("latency_max"),
        ) {
            (Some(min), Some(avg), Some(max)) => Some((min, avg, max)),
            _ => None,
        };
        Some(Srvr {
            mode: fields.text("mode")?.to_string(),
            zxid: fields.get("zxid").and_then(Value::as_u64)?,
            version: fields
                .text("zookeeper_version")
                .map(|v| v.split([',', '-']).next().unwrap_or(v).to_string()),
            latency,
            connections: whole("connections"),
            outstanding: whole("outstanding"),
            node_count: whole("node_count"),
        })
    }
}

/// The session ids `cons` lists (`sid=0x...` of each connection).
pub fn session_ids(cons: &str) -> Vec<i64> {
    cons.match_indices("sid=0x")
        .filter_map(|(at, marker)| {
            let hex: String = cons[at + marker.len()..]
                .chars()
                .take_while(char::is_ascii_hexdigit)
                .collect();
            u64::from_str_radix(&hex, 16).ok().map(|id| id as i64)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRVR: &str = "Zookeeper version: 3.8.0-${mvngit.commit.id}, built on 2024-12-29 17:54 UTC\n\
        Latency min/avg/max: 0/0.5/3\nReceived: 12\nSent: 11\nConnections: 1\nOutstanding: 0\n\
        Zxid: 0x10000001a\nMode: follower\nNode count: 5\n";

    #[test]
    fn srvr_reads_as_fields_with_numbers() {
        let fields = Fields::from_srvr(SRVR);
        insta::assert_snapshot!(serde_json::to_string(&fields).unwrap(), @r#"{"zookeeper_version":"3.8.0-${mvngit.commit.id}, built on 2024-12-29 17:54 UTC","latency_min":0,"latency_avg":0.5,"latency_max":3,"received":12,"sent":11,"connections":1,"outstanding":0,"zxid":4294967322,"mode":"follower","node_count":5}"#);
        let srvr = Srvr::parse(SRVR).unwrap();
        assert_eq!(srvr.mode, "follower");
        assert_eq!(srvr.zxid, 0x1_0000_001a);
        assert_eq!(srvr.version.as_deref(), Some("3.8.0"));
        assert_eq!(srvr.latency, Some((0.0, 0.5, 3.0)));
        assert_eq!(srvr.node_count, Some(5));
        let idle = Srvr::parse("This ZooKeeper instance is not currently serving requests\n").unwrap();
        assert_eq!(idle.mode, NOT_SERVING);
        assert_eq!(Srvr::parse("garbage"), None);
    }

    #[test]
    fn mntr_reads_as_fields_with_numbers() {
        let fields = Fields::from_mntr(
            "zk_version\t3.8.0-x, built on y\nzk_avg_latency\t0.25\nzk_znode_count\t5\nzk_server_state\tleader\n",
        );
        insta::assert_snapshot!(serde_json::to_string(&fields).unwrap(), @r#"{"zk_version":"3.8.0-x, built on y","zk_avg_latency":0.25,"zk_znode_count":5,"zk_server_state":"leader"}"#);
    }

    #[test]
    fn cons_lists_session_ids() {
        let cons = " /127.0.0.1:40052[1](queued=0,recved=4,sent=4,sid=0x1000a1b2c0000,lop=PING,est=1)\n \
                    /127.0.0.1:40060[0](queued=0,recved=1,sent=0)\n";
        assert_eq!(session_ids(cons), vec![0x1000a1b2c0000]);
    }
}
