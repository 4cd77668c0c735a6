//! One row per member (what its `srvr` and `mntr` say, asked in parallel) and the verdict on
//! the ensemble: healthy, or the problems that make it not (a member down or not serving, no
//! leader, a follower far behind).

use serde::Serialize;

use crate::cluster::answers::{Fields, NOT_SERVING, Srvr};
use crate::cluster::four_letter::{WordAnswer, ask_all, whitelist_hint};

/// Transactions a member may trail the leader by before the ensemble counts as unhealthy.
pub const DEFAULT_MAX_BEHIND: u64 = 1000;

/// One member as `srvr` and `mntr` describe it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MemberStatus {
    pub member: String,
    /// leader, follower, observer, standalone, read-only, not serving; None when down.
    pub mode: Option<String>,
    pub zxid: Option<u64>,
    /// Transactions behind the leader (or, with no leader among the members, behind the
    /// highest zxid any member reports).
    pub behind: Option<u64>,
    pub latency: Option<Latency>,
    pub connections: Option<u64>,
    pub outstanding: Option<u64>,
    pub znodes: Option<u64>,
    /// From `mntr` (absent when the member's whitelist refuses it).
    pub watches: Option<u64>,
    /// Bytes of data held, from `mntr`.
    pub data_size: Option<u64>,
    pub version: Option<String>,
    /// The member this shell's session is connected to (known when `cons` is allowed).
    pub connected: bool,
    /// Why the member could not be asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Latency {
    pub min: f64,
    pub avg: f64,
    pub max: f64,
}

impl MemberStatus {
    fn from_answers(member: String, srvr: WordAnswer, mntr: &WordAnswer) -> MemberStatus {
        let mut row = MemberStatus {
            member,
            ..MemberStatus::default()
        };
        let text = match srvr {
            WordAnswer::Answered(text) => text,
            WordAnswer::NotWhitelisted => {
                row.error = Some(format!(
                    "srvr is not in the member's whitelist (allow it with `{}`)",
                    whitelist_hint("srvr")
                ));
                return row;
            }
            WordAnswer::Failed(why) => {
                row.error = Some(why);
                return row;
            }
        };
        let Some(srvr) = Srvr::parse(&text) else {
            row.error = Some(format!(
                "unexpected answer to srvr: {}",
                text.lines().next().unwrap_or("")
            ));
            return row;
        };
        row.mode = Some(srvr.mode.clone());
        if srvr.mode == NOT_SERVING {
            return row;
        }
        row.zxid = Some(srvr.zxid);
        row.latency = srvr.latency.map(|(min, avg, max)| Latency { min, avg, max });
        row.connections = srvr.connections;
        row.outstanding = srvr.outstanding;
        row.znodes = srvr.node_count;
        row.version = srvr.version;
        if let Some(text) = mntr.text() {
            let fields = Fields::from_mntr(text);
            let whole = |key: &str| fields.number(key).map(|n| n as u64);
            row.watches = whole("zk_watch_count");
            row.data_size = whole("zk_approximate_data_size");
        }
        row
    }

    pub fn serves(&self) -> bool {
        matches!(
            self.mode.as_deref(),
            Some("leader" | "follower" | "observer" | "standalone")
        )
    }
}

/// Asks `srvr` and `mntr` of every member at once (one short timeout for all); also says
/// whether any member refused `mntr`.
pub async fn survey(members: &[String], timeout: std::time::Duration) -> (Vec<MemberStatus>, Option<String>) {
    let (srvrs, mntrs) = tokio::join!(ask_all(members, "srvr", timeout), ask_all(members, "mntr", timeout));
    let refused: Vec<&str> = members
        .iter()
        .zip(&mntrs)
        .filter(|(_, answer)| **answer == WordAnswer::NotWhitelisted)
        .map(|(member, _)| member.as_str())
        .collect();
    let note = (!refused.is_empty()).then(|| {
        format!(
            "mntr is not whitelisted on {}: watch count and data size unknown (allow it with `{}`)",
            refused.join(", "),
            whitelist_hint("mntr")
        )
    });
    let mut rows: Vec<MemberStatus> = members
        .iter()
        .zip(srvrs)
        .zip(&mntrs)
        .map(|((member, srvr), mntr)| MemberStatus::from_answers(member.clone(), srvr, mntr))
        .collect();
    fill_behind(&mut rows);
    (rows, note)
}

/// How far each member trails the leader (the highest zxid when no leader answered), in
/// transactions of the same epoch: a zxid of another epoch is not comparable.
pub fn fill_behind(rows: &mut [MemberStatus]) {
    let serving = || rows.iter().filter(|r| r.serves());
    let reference = serving()
        .find(|r| r.mode.as_deref() == Some("leader"))
        .and_then(|r| r.zxid)
        .or_else(|| serving().filter_map(|r| r.zxid).max());
    let Some(reference) = reference else { return };
    for row in rows.iter_mut() {
        if let Some(zxid) = row.zxid {
            row.behind = (zxid >> 32 == reference >> 32).then(|| reference.saturating_sub(zxid));
        }
    }
}

/// What is wrong with the ensemble these rows describe; empty when it is healthy.
pub fn problems(rows: &[MemberStatus], max_behind: u64) -> Vec<String> {
    let mut problems = Vec::new();
    for row in rows {
        match (&row.error, row.mode.as_deref()) {
            (Some(error), _) => problems.push(format!("{} is down: {error}", row.member)),
            (None, Some(NOT_SERVING)) => problems.push(format!("{} does not serve requests (no quorum?)", row.member)),
            (None, Some("read-only")) => problems.push(format!("{} serves read-only (it lost the quorum)", row.member)),
            _ => {}
        }
        if let Some(behind) = row.behind.filter(|b| *b > max_behind) {
            problems.push(format!(
                "{} is {behind} transactions behind (more than {max_behind})",
                row.member
            ));
        }
    }
    // A follower or observer serves only while it has a leader.
    if !rows.iter().any(MemberStatus::serves) {
        problems.push("no leader: no member serves".to_string());
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(member: &str, mode: &str, zxid: u64) -> MemberStatus {
        MemberStatus {
            member: member.into(),
            mode: Some(mode.into()),
            zxid: Some(zxid),
            ..MemberStatus::default()
        }
    }

    #[test]
    fn followers_are_measured_against_the_leader() {
        let mut rows = vec![
            row("a", "follower", 0x1_0000_0010),
            row("b", "leader", 0x1_0000_0900),
            row("c", "follower", 0x0_0000_0005),
        ];
        fill_behind(&mut rows);
        assert_eq!(rows[0].behind, Some(0x8f0));
        assert_eq!(rows[1].behind, Some(0));
        assert_eq!(rows[2].behind, None, "another epoch is not comparable");
        assert_eq!(problems(&rows, 5000), Vec::<String>::new());
        assert_eq!(
            problems(&rows, 1000),
            vec!["a is 2288 transactions behind (more than 1000)"]
        );
    }

    #[test]
    fn a_member_down_or_no_leader_is_unhealthy() {
        let down = MemberStatus {
            member: "d".into(),
            error: Some("connection refused".into()),
            ..MemberStatus::default()
        };
        let rows = vec![row("a", NOT_SERVING, 0), down];
        assert_eq!(
            problems(&rows, 1000),
            vec![
                "a does not serve requests (no quorum?)",
                "d is down: connection refused",
                "no leader: no member serves"
            ]
        );
    }
}
