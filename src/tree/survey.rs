//! A subtree's shape in one pass with flat memory: bounded top-N lists, the subtree totals'
//! stack (one entry per level), and one tally per session that owns ephemeral nodes.

use std::collections::HashMap;

use serde::Serialize;

use crate::tree::top::TopN;
use crate::tree::totals::{NodeSize, Subtree, Totals, child_count, data_length};

/// A node whose largest child holds this share (in tenths) of what is below it or more only
/// wraps that child: it is left out of the largest subtrees.
const WRAPPER_TENTHS: u64 = 9;

/// What the survey needs of one visited node.
#[derive(Debug, Clone)]
pub struct SurveyNode {
    pub path: String,
    pub depth: usize,
    pub bytes: u64,
    /// Direct children (from the listing, else the stat), when known.
    pub children: Option<u64>,
    /// The session owning it, 0 for a node that is not ephemeral.
    pub ephemeral_owner: i64,
    /// The server would not let us read it.
    pub refused: bool,
}

impl SurveyNode {
    pub fn from_visit(visit: crate::tree::Visit) -> SurveyNode {
        SurveyNode {
            bytes: data_length(&visit),
            children: child_count(&visit),
            ephemeral_owner: visit.node.as_ref().map_or(0, |(_, stat)| stat.ephemeral_owner),
            refused: visit.refused.is_some(),
            path: visit.path,
            depth: visit.depth,
        }
    }
}

/// The survey under way.
#[derive(Debug)]
pub struct Surveyor {
    top: usize,
    totals: Totals,
    closed: Vec<Subtree>,
    by_nodes: TopN<(u64, u64)>,
    by_bytes: TopN<(u64, u64)>,
    znodes: TopN<()>,
    children: TopN<()>,
    sessions: HashMap<i64, (u64, String)>,
    sums: Sums,
}

/// Everything counted, whatever the lists kept.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Sums {
    pub nodes: u64,
    pub bytes: u64,
    pub ephemerals: u64,
    /// Sessions owning ephemeral nodes.
    pub sessions: u64,
    /// Levels below the surveyed node.
    pub max_depth: usize,
    /// Nodes the server would not let us read (what is below them is not counted).
    pub refused: u64,
}

/// One subtree in a list of the largest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SubtreeSize {
    pub path: String,
    pub nodes: u64,
    pub bytes: u64,
}

/// One znode in the list of the largest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ZnodeSize {
    pub path: String,
    pub data_length: u64,
}

/// One znode in the list of those with the most children.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SuperNode {
    pub path: String,
    pub num_children: u64,
}

/// The ephemeral nodes of one session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionEphemerals {
    pub session_id: i64,
    /// As zkCli prints `ephemeralOwner`.
    pub session_id_hex: String,
    pub nodes: u64,
    /// The first of its nodes in walk order.
    pub sample: String,
}

/// What the survey found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Findings {
    pub path: String,
    /// How many entries each list holds at most.
    pub top: usize,
    pub totals: Sums,
    pub subtrees_by_nodes: Vec<SubtreeSize>,
    pub subtrees_by_bytes: Vec<SubtreeSize>,
    pub largest_znodes: Vec<ZnodeSize>,
    pub most_children: Vec<SuperNode>,
    pub ephemerals_by_session: Vec<SessionEphemerals>,
}

impl Surveyor {
    pub fn new(top: usize) -> Surveyor {
        Surveyor {
            top,
            totals: Totals::default(),
            closed: Vec::new(),
            by_nodes: TopN::new(top),
            by_bytes: TopN::new(top),
            znodes: TopN::new(top),
            children: TopN::new(top),
            sessions: HashMap::new(),
            sums: Sums::default(),
        }
    }

    /// Takes the next node in walk order (parents first, as the walk hands them out).
    pub fn visit(&mut self, node: SurveyNode) {
        let sums = &mut self.sums;
        sums.nodes += 1;
        sums.bytes += node.bytes;
        sums.max_depth = sums.max_depth.max(node.depth);
        sums.refused += u64::from(node.refused);
        if node.bytes > 0 {
            self.znodes.offer(node.bytes, &node.path, ());
        }
        if let Some(children) = node.children.filter(|n| *n > 0) {
            self.children.offer(children, &node.path, ());
        }
        if crate::snapshot::serve::owned_by_session(node.ephemeral_owner) {
            sums.ephemerals += 1;
            let tally = self
                .sessions
                .entry(node.ephemeral_owner)
                .or_insert_with(|| (0, node.path.clone()));
            tally.0 += 1;
        }
        self.totals.visit(
            NodeSize {
                path: node.path,
                depth: node.depth,
                bytes: node.bytes,
            },
            &mut self.closed,
        );
        self.rank_closed();
    }

    /// The survey of `path`, once the walk is over.
    pub fn finish(mut self, path: String) -> Findings {
        self.totals.finish(&mut self.closed);
        self.rank_closed();
        let mut sessions: Vec<(i64, (u64, String))> = self.sessions.into_iter().collect();
        self.sums.sessions = sessions.len() as u64;
        sessions.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.0.cmp(&b.0)));
        sessions.truncate(self.top);
        let subtrees = |top: TopN<(u64, u64)>| {
            top.into_sorted()
                .into_iter()
                .map(|r| SubtreeSize {
                    path: r.path,
                    nodes: r.item.0,
                    bytes: r.item.1,
                })
                .collect()
        };
        Findings {
            path,
            top: self.top,
            totals: self.sums,
            subtrees_by_nodes: subtrees(self.by_nodes),
            subtrees_by_bytes: subtrees(self.by_bytes),
            largest_znodes: (self.znodes.into_sorted().into_iter())
                .map(|r| ZnodeSize {
                    path: r.path,
                    data_length: r.key,
                })
                .collect(),
            most_children: (self.children.into_sorted().into_iter())
                .map(|r| SuperNode {
                    path: r.path,
                    num_children: r.key,
                })
                .collect(),
            ephemerals_by_session: sessions
                .into_iter()
                .map(|(owner, (nodes, sample))| SessionEphemerals {
                    session_id: owner,
                    session_id_hex: format!("0x{owner:x}"),
                    nodes,
                    sample,
                })
                .collect(),
        }
    }

    /// Offers each subtree the walk just left to the largest-subtree lists.
    fn rank_closed(&mut self) {
        for subtree in self.closed.drain(..) {
            if subtree.depth == 0 || subtree.children == 0 {
                // The surveyed node is the totals; a leaf is a znode, not a subtree.
                continue;
            }
            let sizes = (subtree.nodes, subtree.bytes);
            let below = subtree.nodes - 1;
            if subtree.largest_child_nodes * 10 < below * WRAPPER_TENTHS {
                self.by_nodes.offer(subtree.nodes, &subtree.path, sizes);
            }
            if subtree.bytes > 0 && subtree.largest_child_bytes * 10 < subtree.bytes * WRAPPER_TENTHS {
                self.by_bytes.offer(subtree.bytes, &subtree.path, sizes);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pre-order walk under `/r`: `(path, bytes, ephemeral owner)`; child counts are
    /// worked out from the paths.
    fn survey(top: usize, nodes: &[(&str, u64, i64)]) -> Findings {
        let mut surveyor = Surveyor::new(top);
        for (path, bytes, owner) in nodes {
            let prefix = format!("{path}/");
            let children = nodes
                .iter()
                .filter(|(p, ..)| p.strip_prefix(&prefix).is_some_and(|rest| !rest.contains('/')))
                .count() as u64;
            surveyor.visit(SurveyNode {
                path: path.to_string(),
                depth: path.matches('/').count() - 1,
                bytes: *bytes,
                children: Some(children),
                ephemeral_owner: *owner,
                refused: false,
            });
        }
        surveyor.finish("/r".into())
    }

    fn paths(list: &[SubtreeSize]) -> Vec<&str> {
        list.iter().map(|s| s.path.as_str()).collect()
    }

    /// `/r/chain/a/b` wraps `/r/chain/a/b/fan` (30 leaves): only the fan is a subtree worth
    /// naming; `/r/pair` splits evenly between two children and is one, while each of
    /// its children only wraps a leaf.
    fn sample() -> Vec<(String, u64, i64)> {
        let mut nodes: Vec<(String, u64, i64)> = vec![
            ("/r".into(), 0, 0),
            ("/r/big".into(), 5000, 0),
            ("/r/chain".into(), 0, 0),
            ("/r/chain/a".into(), 0, 0),
            ("/r/chain/a/b".into(), 0, 0),
            ("/r/chain/a/b/fan".into(), 0, 0),
        ];
        for i in 0..30 {
            nodes.push((format!("/r/chain/a/b/fan/n{i:02}"), 10, 0));
        }
        nodes.extend([
            ("/r/locks".into(), 0, 0),
            ("/r/locks/l1".into(), 1, 0x100),
            ("/r/locks/l2".into(), 1, 0x100),
            ("/r/locks/l3".into(), 1, 0x2ab),
            ("/r/pair".into(), 0, 0),
            ("/r/pair/x".into(), 0, 0),
            ("/r/pair/x/1".into(), 300, 0),
            ("/r/pair/y".into(), 0, 0),
            ("/r/pair/y/1".into(), 300, 0),
        ]);
        nodes
    }

    fn run(top: usize) -> Findings {
        let nodes = sample();
        let borrowed: Vec<(&str, u64, i64)> = nodes.iter().map(|(p, b, o)| (p.as_str(), *b, *o)).collect();
        survey(top, &borrowed)
    }

    #[test]
    fn wrappers_and_the_root_are_left_out_of_the_largest_subtrees() {
        let survey = run(10);
        assert_eq!(
            paths(&survey.subtrees_by_nodes),
            ["/r/chain/a/b/fan", "/r/pair", "/r/locks"]
        );
        assert_eq!(survey.subtrees_by_nodes[0].nodes, 31);
        assert_eq!(survey.subtrees_by_nodes[0].bytes, 300);
        // By bytes too: /r/chain only wraps the fan; /r/big is a znode, not a subtree.
        assert_eq!(
            paths(&survey.subtrees_by_bytes),
            ["/r/pair", "/r/chain/a/b/fan", "/r/locks"]
        );
    }

    #[test]
    fn lists_stop_at_top_and_totals_count_everything() {
        let survey = run(2);
        assert_eq!(paths(&survey.subtrees_by_nodes), ["/r/chain/a/b/fan", "/r/pair"]);
        assert_eq!(
            survey.largest_znodes,
            [
                ZnodeSize {
                    path: "/r/big".into(),
                    data_length: 5000
                },
                ZnodeSize {
                    path: "/r/pair/x/1".into(),
                    data_length: 300
                },
            ]
        );
        assert_eq!(
            survey.most_children,
            [
                SuperNode {
                    path: "/r/chain/a/b/fan".into(),
                    num_children: 30
                },
                SuperNode {
                    path: "/r".into(),
                    num_children: 4
                },
            ]
        );
        let sessions: Vec<(&str, u64, &str)> = survey
            .ephemerals_by_session
            .iter()
            .map(|s| (s.session_id_hex.as_str(), s.nodes, s.sample.as_str()))
            .collect();
        assert_eq!(sessions, [("0x100", 2, "/r/locks/l1"), ("0x2ab", 1, "/r/locks/l3")]);
        assert_eq!(
            survey.totals,
            Sums {
                nodes: 45,
                bytes: 5000 + 300 + 3 + 600,
                ephemerals: 3,
                sessions: 2,
                max_depth: 5,
                refused: 0,
            }
        );
    }

    #[test]
    fn a_lone_node_is_only_totals() {
        let survey = survey(10, &[("/r", 7, 0)]);
        assert!(survey.subtrees_by_nodes.is_empty() && survey.subtrees_by_bytes.is_empty());
        assert_eq!(survey.largest_znodes.len(), 1);
        assert_eq!(
            (survey.totals.nodes, survey.totals.bytes, survey.totals.max_depth),
            (1, 7, 0)
        );
    }
}
