//! The N largest of a stream, in memory for N: a min-heap whose root is the entry the next
//! better one pushes out. Ties go to the smaller path, so the answer does not depend on the
//! order things arrive in.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

/// One kept entry: what it is ranked by, its path, and what else it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ranked<T> {
    pub key: u64,
    pub path: String,
    pub item: T,
}

impl<T: Eq> Ord for Ranked<T> {
    /// Greater is better: a larger key, then a smaller path.
    fn cmp(&self, other: &Self) -> Ordering {
        self.key.cmp(&other.key).then_with(|| other.path.cmp(&self.path))
    }
}

impl<T: Eq> PartialOrd for Ranked<T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The best `n` entries offered so far.
#[derive(Debug)]
pub struct TopN<T: Eq> {
    n: usize,
    heap: BinaryHeap<Reverse<Ranked<T>>>,
}

impl<T: Eq> TopN<T> {
    pub fn new(n: usize) -> TopN<T> {
        TopN {
            n,
            heap: BinaryHeap::with_capacity(n.saturating_add(1).min(1024)),
        }
    }

    /// Whether an entry of `key` at `path` would be kept: asked first, so that the path is
    /// copied only for the few that are.
    pub fn admits(&self, key: u64, path: &str) -> bool {
        if self.n == 0 {
            return false;
        }
        if self.heap.len() < self.n {
            return true;
        }
        self.heap
            .peek()
            .is_some_and(|Reverse(worst)| key > worst.key || (key == worst.key && path < worst.path.as_str()))
    }

    /// Offers an entry; it stays if it is among the best `n`.
    pub fn offer(&mut self, key: u64, path: &str, item: T) {
        if !self.admits(key, path) {
            return;
        }
        self.heap.push(Reverse(Ranked {
            key,
            path: path.to_string(),
            item,
        }));
        if self.heap.len() > self.n {
            self.heap.pop();
        }
    }

    /// The entries kept, best first.
    pub fn into_sorted(self) -> Vec<Ranked<T>> {
        // Ascending `Reverse` order is descending rank.
        self.heap
            .into_sorted_vec()
            .into_iter()
            .map(|Reverse(ranked)| ranked)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn top(n: usize, offers: &[(u64, &str)]) -> Vec<(u64, String)> {
        let mut top = TopN::new(n);
        for (key, path) in offers {
            top.offer(*key, path, ());
        }
        top.into_sorted().into_iter().map(|r| (r.key, r.path)).collect()
    }

    #[test]
    fn keeps_the_largest_best_first() {
        let offers = [(5, "/e"), (1, "/a"), (9, "/i"), (3, "/c"), (7, "/g"), (2, "/b")];
        assert_eq!(
            top(3, &offers),
            vec![(9, "/i".into()), (7, "/g".into()), (5, "/e".into())]
        );
        assert_eq!(top(10, &offers).len(), 6);
        assert!(top(0, &offers).is_empty());
    }

    #[test]
    fn ties_go_to_the_smaller_path_whatever_the_order() {
        let forward = top(2, &[(4, "/a"), (4, "/b"), (4, "/c")]);
        let backward = top(2, &[(4, "/c"), (4, "/b"), (4, "/a")]);
        assert_eq!(forward, vec![(4, "/a".into()), (4, "/b".into())]);
        assert_eq!(forward, backward);
    }

    #[test]
    fn memory_is_n_however_many_are_offered() {
        let mut top = TopN::new(5);
        for key in 0..100_000u64 {
            top.offer(key % 1000, &format!("/n{key}"), ());
            assert!(top.heap.len() <= 5);
        }
        let kept: Vec<u64> = top.into_sorted().iter().map(|r| r.key).collect();
        assert_eq!(kept, vec![999; 5]);
    }
}
