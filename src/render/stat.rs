//! Stat formatting: zkCli's field names in text (zxids in hex, readable times, owner as a
//! session id) and DESIGN.md's names in JSON (numbers, RFC 3339 times).

use std::io::Write;

use chrono::{DateTime, Local, SecondsFormat, TimeZone, Utc};
use colored::Colorize;
use serde_json::{Value, json};
use zookeeper_client::Stat;

pub fn render_stat(stat: &Stat, out: &mut impl Write) -> std::io::Result<()> {
    let rows: [(&str, String); 11] = [
        ("cZxid", format!("0x{:x}", stat.czxid)),
        ("ctime", readable_time(stat.ctime)),
        ("mZxid", format!("0x{:x}", stat.mzxid)),
        ("mtime", readable_time(stat.mtime)),
        ("pZxid", format!("0x{:x}", stat.pzxid)),
        ("cversion", stat.cversion.to_string()),
        ("dataVersion", stat.version.to_string()),
        ("aclVersion", stat.aversion.to_string()),
        ("ephemeralOwner", format!("0x{:x}", stat.ephemeral_owner)),
        ("dataLength", stat.data_length.to_string()),
        ("numChildren", stat.num_children.to_string()),
    ];
    for (key, value) in rows {
        writeln!(out, "{} = {}", key.cyan(), value)?;
    }
    Ok(())
}

pub fn stat_json(stat: &Stat) -> Value {
    json!({
        "czxid": stat.czxid,
        "mzxid": stat.mzxid,
        "pzxid": stat.pzxid,
        "ctime": rfc3339(stat.ctime),
        "mtime": rfc3339(stat.mtime),
        "version": stat.version,
        "cversion": stat.cversion,
        "aclVersion": stat.aversion,
        "ephemeralOwner": stat.ephemeral_owner,
        "dataLength": stat.data_length,
        "numChildren": stat.num_children,
    })
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
