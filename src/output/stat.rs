//! Stat formatting: zkCli's field names in text (zxids in hex, readable times, owner as a
//! session id) and DESIGN.md's names in JSON (numbers, RFC 3339 times).

use std::io::Write;

use chrono::{DateTime, Local, SecondsFormat, TimeZone, Utc};
use colored::Colorize;
use serde::Serializer;
use serde::ser::SerializeMap;
use zookeeper_client::Stat;

pub fn render_stat(stat: &Stat, out: &mut dyn Write) -> std::io::Result<()> {
    let rows: [(&str, String); 11] = [
        ("cZxid", format!("0x{:x}", stat.czxid)),
        ("ctime", readable_time(stat.ctime)),
        ("mZxid", format!("0x{:x}", stat.mzxid)),
        ("mtime", readable_time(stat.mtime)),
        ("pZxid", format!("0x{:x}", stat.pzxid)),
        ("cversion", stat.cversion.to_string()),
        ("dataVersion", stat.version.to_string()),
        ("aclVersion", stat.aversion.to_string()),
        ("ephemeralOwner", owner_text(stat.ephemeral_owner)),
        ("dataLength", stat.data_length.to_string()),
        ("numChildren", stat.num_children.to_string()),
    ];
    for (key, value) in rows {
        writeln!(out, "{} = {}", key.cyan(), value)?;
    }
    Ok(())
}

/// The owner as zkCli prints it; on a snapshot, where the server's masking did not happen,
/// with the node type it encodes (a live session id may have any high byte: only there).
fn owner_text(owner: i64) -> String {
    use crate::snapshot::tree::NodeKind;
    let kind = match crate::snapshot::serve::kind_on_snapshot(owner) {
        Some(NodeKind::Container) => " (container)".to_string(),
        Some(NodeKind::Ttl(ms)) => format!(
            " (TTL {})",
            crate::output::human_duration(std::time::Duration::from_millis(ms as u64))
        ),
        Some(NodeKind::Ephemeral(_)) => " (ephemeral)".to_string(),
        _ => String::new(),
    };
    format!("0x{owner:x}{kind}")
}

/// A stat in JSON, for `#[serde(serialize_with = "...")]`: zkCli's field names, zxids and
/// owners as numbers, times as RFC 3339.
pub fn serialize<S: Serializer>(stat: &Stat, serializer: S) -> Result<S::Ok, S::Error> {
    let mut map = serializer.serialize_map(Some(11))?;
    map.serialize_entry("czxid", &stat.czxid)?;
    map.serialize_entry("mzxid", &stat.mzxid)?;
    map.serialize_entry("pzxid", &stat.pzxid)?;
    map.serialize_entry("ctime", &rfc3339(stat.ctime))?;
    map.serialize_entry("mtime", &rfc3339(stat.mtime))?;
    map.serialize_entry("version", &stat.version)?;
    map.serialize_entry("cversion", &stat.cversion)?;
    map.serialize_entry("aclVersion", &stat.aversion)?;
    map.serialize_entry("ephemeralOwner", &stat.ephemeral_owner)?;
    map.serialize_entry("dataLength", &stat.data_length)?;
    map.serialize_entry("numChildren", &stat.num_children)?;
    map.end()
}

/// As [`serialize`], `null` for a node that is not there.
pub fn serialize_opt<S: Serializer>(stat: &Option<Stat>, serializer: S) -> Result<S::Ok, S::Error> {
    match stat {
        Some(stat) => serialize(stat, serializer),
        None => serializer.serialize_none(),
    }
}

/// A stat filled in by hand, for renderer tests that need no server.
#[cfg(test)]
pub fn sample_stat() -> Stat {
    Stat {
        czxid: 0x1a,
        mzxid: 0x2b,
        ctime: 1_764_079_277_123,
        mtime: 1_764_079_300_456,
        version: 3,
        cversion: 1,
        aversion: 0,
        ephemeral_owner: 0,
        data_length: 5,
        num_children: 2,
        pzxid: 0x2c,
    }
}

/// Local time, to the millisecond, with the offset: `2026-11-25 14:01:17.123 +00:00`.
pub fn readable_time(millis: i64) -> String {
    match Local.timestamp_millis_opt(millis).single() {
        Some(t) => t.format("%Y-%m-%d %H:%M:%S%.3f %:z").to_string(),
        None => millis.to_string(),
    }
}

pub fn rfc3339(millis: i64) -> String {
    match DateTime::<Utc>::from_timestamp_millis(millis) {
        Some(t) => t.to_rfc3339_opts(SecondsFormat::Millis, true),
        None => millis.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_rfc3339_in_json() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(1_764_079_277_123), "2025-11-25T14:01:17.123Z");
    }
}
