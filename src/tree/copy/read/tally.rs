//! What a subtree read met besides its records: counts (exact) and the first few paths of
//! each kind, for a message, and the zxid range seen.

use zookeeper_client::Stat;

/// Node paths kept to name in a report (redacted, unreadable): the count is always exact.
const NAMED: usize = 20;

/// What a read met besides the records it handed out. Counts are exact; paths are the first
/// few, for a message.
#[derive(Debug, Clone, Default)]
pub struct ReadTally {
    pub records: usize,
    pub ephemerals_skipped: usize,
    /// Nodes deleted between the walk listing them and their ACL being read.
    pub vanished: usize,
    /// Records with at least one redacted ACL entry.
    pub redacted: Named,
    /// Nodes the server would not let us read (no READ permission): not in the stream.
    pub unreadable: Named,
    /// The lowest and highest zxid in any record's czxid, mzxid or pzxid.
    pub zxids: Option<(i64, i64)>,
}

/// A count and the first few paths it counts.
#[derive(Debug, Clone, Default)]
pub struct Named {
    pub count: usize,
    pub paths: Vec<String>,
}

impl Named {
    pub(super) fn add(&mut self, path: &str) {
        self.count += 1;
        if self.paths.len() < NAMED {
            self.paths.push(path.to_string());
        }
    }

    /// `/a, /b and 3 more`.
    pub fn listed(&self) -> String {
        let mut text = self.paths.join(", ");
        if self.count > self.paths.len() {
            text.push_str(&format!(" and {} more", self.count - self.paths.len()));
        }
        text
    }
}

impl ReadTally {
    pub(super) fn saw(&mut self, stat: &Stat) {
        let low = stat.czxid.min(stat.mzxid).min(stat.pzxid);
        let high = stat.czxid.max(stat.mzxid).max(stat.pzxid);
        self.zxids = Some(match self.zxids {
            Some((min, max)) => (min.min(low), max.max(high)),
            None => (low, high),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_few_paths_are_named_and_all_counted() {
        let mut named = Named::default();
        for i in 0..NAMED + 3 {
            named.add(&format!("/n{i}"));
        }
        assert_eq!(named.count, NAMED + 3);
        assert!(named.listed().ends_with("/n19 and 3 more"), "{}", named.listed());
    }
}
