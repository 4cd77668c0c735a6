//! Subtree totals in one streaming pass. The walk hands nodes out in pre-order (parents
//! first); a stack of the subtrees still open, one per level of the current branch, closes
//! each subtree as the walk leaves it. Totals come out children before parents (post-order,
//! as GNU du prints them) and memory holds one entry per level, never the tree.

/// What the totals need of one visited node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeSize {
    pub path: String,
    /// Levels below the walk's root (the root is 0).
    pub depth: usize,
    /// Its data length.
    pub bytes: u64,
}

/// A subtree the walk is done with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subtree {
    pub path: String,
    pub depth: usize,
    /// Nodes in it, its root included.
    pub nodes: u64,
    /// Data bytes of all of them.
    pub bytes: u64,
    /// Direct children seen.
    pub children: u64,
    /// The largest child subtree by nodes, and the largest by bytes (0 for a leaf).
    pub largest_child_nodes: u64,
    pub largest_child_bytes: u64,
}

/// The open subtrees of the branch being walked.
#[derive(Debug, Default)]
pub struct Totals {
    open: Vec<Subtree>,
}

impl Totals {
    /// Takes the next node in walk order; the subtrees it closes go into `closed`, deepest
    /// first.
    pub fn visit(&mut self, node: NodeSize, closed: &mut Vec<Subtree>) {
        // A node at depth d follows the whole subtree of any open node at depth d or deeper.
        self.close_to(node.depth, closed);
        self.open.push(Subtree {
            path: node.path,
            depth: node.depth,
            nodes: 1,
            bytes: node.bytes,
            children: 0,
            largest_child_nodes: 0,
            largest_child_bytes: 0,
        });
    }

    /// Closes what is still open once the walk is over: the walk's root comes last.
    pub fn finish(&mut self, closed: &mut Vec<Subtree>) {
        self.close_to(0, closed);
    }

    fn close_to(&mut self, depth: usize, closed: &mut Vec<Subtree>) {
        while self.open.last().is_some_and(|top| top.depth >= depth) {
            let Some(done) = self.open.pop() else { break };
            if let Some(parent) = self.open.last_mut() {
                parent.nodes += done.nodes;
                parent.bytes += done.bytes;
                parent.children += 1;
                parent.largest_child_nodes = parent.largest_child_nodes.max(done.nodes);
                parent.largest_child_bytes = parent.largest_child_bytes.max(done.bytes);
            }
            closed.push(done);
        }
    }
}

/// A walk's visit as the totals see it: a node the server would not let us read weighs
/// nothing (the walk reports it apart).
pub fn node_size(visit: crate::tree::Visit) -> NodeSize {
    NodeSize {
        bytes: data_length(&visit),
        path: visit.path,
        depth: visit.depth,
    }
}

/// How many children a visited node has: as listed, else as its stat says (a node at the
/// depth limit is not listed); None when it could not be read.
pub fn child_count(visit: &crate::tree::Visit) -> Option<u64> {
    visit.children.map(|n| n as u64).or_else(|| {
        let (_, stat) = visit.node.as_ref()?;
        u64::try_from(stat.num_children).ok()
    })
}

/// The data length of a visited node, 0 when it was not read.
pub fn data_length(visit: &crate::tree::Visit) -> u64 {
    visit
        .node
        .as_ref()
        .map_or(0, |(_, stat)| u64::try_from(stat.data_length).unwrap_or(0))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A pre-order walk of `/r`: `(path, bytes)`, the depth taken from the path.
    pub(crate) fn walk_of(nodes: &[(&str, u64)]) -> Vec<NodeSize> {
        nodes
            .iter()
            .map(|(path, bytes)| NodeSize {
                path: path.to_string(),
                depth: path.matches('/').count() - 1,
                bytes: *bytes,
            })
            .collect()
    }

    fn totals_of(nodes: &[(&str, u64)]) -> Vec<(String, u64, u64, u64)> {
        let mut totals = Totals::default();
        let mut closed = Vec::new();
        for node in walk_of(nodes) {
            totals.visit(node, &mut closed);
        }
        totals.finish(&mut closed);
        closed
            .into_iter()
            .map(|s| (s.path, s.nodes, s.bytes, s.largest_child_nodes))
            .collect()
    }

    #[test]
    fn subtrees_close_children_first_with_their_totals() {
        let closed = totals_of(&[
            ("/r", 1),
            ("/r/a", 10),
            ("/r/a/x", 100),
            ("/r/a/x/deep", 1000),
            ("/r/a/y", 5),
            ("/r/b", 7),
        ]);
        let want = [
            ("/r/a/x/deep", 1, 1000, 0),
            ("/r/a/x", 2, 1100, 1),
            ("/r/a/y", 1, 5, 0),
            ("/r/a", 4, 1115, 2),
            ("/r/b", 1, 7, 0),
            ("/r", 6, 1123, 4),
        ];
        let want: Vec<(String, u64, u64, u64)> = want.iter().map(|(p, n, b, l)| (p.to_string(), *n, *b, *l)).collect();
        assert_eq!(closed, want);
    }

    #[test]
    fn a_lone_root_is_one_node() {
        assert_eq!(totals_of(&[("/r", 42)]), vec![("/r".to_string(), 1, 42, 0)]);
    }

    #[test]
    fn the_stack_never_holds_more_than_the_branch() {
        let mut totals = Totals::default();
        let mut closed = Vec::new();
        let mut deepest = 0;
        totals.visit(walk_of(&[("/r", 0)]).remove(0), &mut closed);
        for i in 0..10_000 {
            let leaf = format!("/r/n{i}");
            totals.visit(walk_of(&[(&leaf, 1)]).remove(0), &mut closed);
            deepest = deepest.max(totals.open.len());
            closed.clear();
        }
        totals.finish(&mut closed);
        assert_eq!(deepest, 2);
        assert_eq!(
            closed.last().map(|s| (s.nodes, s.bytes, s.children)),
            Some((10_001, 10_000, 10_000))
        );
    }
}
