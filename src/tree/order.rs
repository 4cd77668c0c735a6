//! The order a subtree can be deleted in, from the order it is walked in: children before
//! their parent, each node as soon as the walk has gone past everything below it.

/// Turns a depth-first walk (parents before children) into the order nodes can be deleted
/// in: each node comes out once the walk has moved past everything below it (the next visit
/// is not deeper), so children always come before their parent. Holds the current branch.
#[derive(Debug, Default)]
pub struct PostOrder {
    branch: Vec<(String, usize)>,
}

impl PostOrder {
    /// Takes the next visit, in walk order; the nodes it completes go to `complete`.
    pub fn visit(&mut self, path: String, depth: usize, complete: &mut Vec<String>) {
        while self.branch.last().is_some_and(|(_, d)| *d >= depth) {
            complete.extend(self.branch.pop().map(|(path, _)| path));
        }
        self.branch.push((path, depth));
    }

    /// The walk is over: the rest of the branch, deepest first.
    pub fn finish(&mut self, complete: &mut Vec<String>) {
        complete.extend(self.branch.drain(..).rev().map(|(path, _)| path));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post_order(visits: &[(&str, usize)]) -> Vec<String> {
        let mut order = PostOrder::default();
        let mut complete = Vec::new();
        for (path, depth) in visits {
            order.visit(path.to_string(), *depth, &mut complete);
        }
        order.finish(&mut complete);
        complete
    }

    #[test]
    fn children_come_before_their_parents() {
        let walk = [
            ("/a", 0),
            ("/a/b", 1),
            ("/a/b/c", 2),
            ("/a/b/d", 2),
            ("/a/e", 1),
            ("/a/f", 1),
            ("/a/f/g", 2),
            ("/a/f/g/h", 3),
        ];
        assert_eq!(
            post_order(&walk),
            ["/a/b/c", "/a/b/d", "/a/b", "/a/e", "/a/f/g/h", "/a/f/g", "/a/f", "/a"]
        );
        assert_eq!(post_order(&[("/only", 0)]), ["/only"]);
        assert!(post_order(&[]).is_empty());
    }

    #[test]
    fn a_node_is_complete_once_the_walk_moves_past_it() {
        let mut order = PostOrder::default();
        let mut complete = Vec::new();
        order.visit("/a".into(), 0, &mut complete);
        order.visit("/a/b".into(), 1, &mut complete);
        order.visit("/a/b/c".into(), 2, &mut complete);
        assert!(complete.is_empty(), "all on the current branch");
        order.visit("/a/d".into(), 1, &mut complete);
        assert_eq!(complete, ["/a/b/c", "/a/b"]);
    }
}
