//! The point in history to open a data dir at (`--at`): a zxid (`0x1a2b` as zkCli prints it,
//! or decimal) or a time (RFC 3339, or `YYYY-MM-DD HH:MM[:SS]` in local time).

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Local, NaiveDateTime, TimeZone};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Point {
    /// Everything the logs hold.
    Latest,
    Zxid(i64),
    /// Milliseconds since the epoch: the last transaction at or before it.
    Time(i64),
}

impl FromStr for Point {
    type Err = String;

    fn from_str(s: &str) -> Result<Point, String> {
        let s = s.trim();
        let bad = || {
            format!(
                "invalid point {s:?}: expected a zxid (0x1a2b or decimal) or a time \
                 (RFC 3339, or YYYY-MM-DD HH:MM[:SS] local)"
            )
        };
        if let Some(hex) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
            return u64::from_str_radix(hex, 16)
                .map(|z| Point::Zxid(z as i64))
                .map_err(|_| bad());
        }
        if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
            return s.parse::<u64>().map(|z| Point::Zxid(z as i64)).map_err(|_| bad());
        }
        if let Ok(t) = DateTime::parse_from_rfc3339(s) {
            return Ok(Point::Time(t.timestamp_millis()));
        }
        for format in [
            "%Y-%m-%d %H:%M:%S",
            "%Y-%m-%d %H:%M",
            "%Y-%m-%dT%H:%M:%S",
            "%Y-%m-%dT%H:%M",
        ] {
            if let Ok(naive) = NaiveDateTime::parse_from_str(s, format) {
                // A local time that a DST change makes ambiguous takes its earlier meaning.
                return match Local.from_local_datetime(&naive).earliest() {
                    Some(t) => Ok(Point::Time(t.timestamp_millis())),
                    None => Err(format!("{s:?} does not exist in the local time zone")),
                };
            }
        }
        Err(bad())
    }
}

impl fmt::Display for Point {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Point::Latest => f.write_str("the latest zxid"),
            Point::Zxid(z) => write!(f, "0x{z:x}"),
            Point::Time(t) => f.write_str(&crate::output::stat::readable_time(*t)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zxids_and_times_parse() {
        assert_eq!("0x1a2b".parse(), Ok(Point::Zxid(0x1a2b)));
        assert_eq!("6699".parse(), Ok(Point::Zxid(6699)));
        assert_eq!("2026-11-25T14:01:59Z".parse(), Ok(Point::Time(1_795_615_319_000)));
        let local = Local
            .with_ymd_and_hms(2026, 11, 25, 14, 1, 0)
            .unwrap()
            .timestamp_millis();
        assert_eq!("2026-11-25 14:01".parse(), Ok(Point::Time(local)));
        assert_eq!("2026-11-25 14:01:00".parse(), Ok(Point::Time(local)));
    }

    #[test]
    fn anything_else_is_refused_with_the_accepted_forms() {
        let err = "yesterday".parse::<Point>().unwrap_err();
        assert!(err.contains("expected a zxid (0x1a2b or decimal) or a time"), "{err}");
        assert!("0xzz".parse::<Point>().is_err());
    }
}
