//! Sequential counters of restored parents. A parent's next sequential suffix is its
//! `cversion` (every child create or delete bumps it), so a parent created afresh would hand
//! out `-0000000000` again, colliding with the sequential children just restored under it.
//! After the children are written, each such parent's `cversion` is advanced past the
//! highest restored suffix by creating and deleting a throwaway child, in multi batches
//! (ZooKeeper 3.8 bumps `cversion` on the create only, so a pair is one step: checked).

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;

use zookeeper_client::{Acls, Client, CreateMode};

use crate::errors::ShellError;
use crate::path::child_path;
use crate::tree::batcher::Batcher;
use crate::zk::Zk;
use crate::zk::write::{MultiError, NewNode, WriteOp};

/// The child created and deleted to bump a counter: a name no sequential create makes.
const THROWAWAY: &str = "zksh-advancing-sequence";
/// Create+delete pairs per multi request.
const PAIRS_PER_BATCH: usize = 100;
/// A counter further behind than this many pairs is left as it is, and said so: advancing
/// it would take minutes of writes.
const MOST_PAIRS: i64 = 5_000_000;

/// The highest sequential suffix restored under each parent (absolute destination paths).
#[derive(Debug, Default)]
pub struct Counters {
    highest: HashMap<String, i64>,
}

/// What advancing the counters did.
#[derive(Debug, Default)]
pub struct Advanced {
    /// Parents whose counter was moved.
    pub parents: usize,
    /// Parents left behind, with why.
    pub left: Vec<String>,
}

impl Counters {
    /// Notes a child written or found under `parent`; only names ending in a 10-digit
    /// sequential suffix count.
    pub fn note(&mut self, parent: &str, name: &str) {
        let Some(suffix) = sequential_suffix(name) else {
            return;
        };
        match self.highest.get_mut(parent) {
            Some(highest) => *highest = (*highest).max(suffix),
            None => {
                self.highest.insert(parent.to_string(), suffix);
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.highest.is_empty()
    }

    /// The parents whose counter would give a restored number again, and by how many pairs
    /// each is behind.
    pub async fn behind(&self, zk: &Zk, client: &Client) -> anyhow::Result<Vec<(String, i64)>> {
        let mut behind = Vec::new();
        let mut parents: Vec<(&String, &i64)> = self.highest.iter().collect();
        parents.sort();
        for (parent, highest) in parents {
            let Some(stat) = zk.call("import", parent, client.check_stat(parent)).await? else {
                continue;
            };
            let short = highest + 1 - i64::from(stat.cversion);
            if short > 0 {
                behind.push((parent.clone(), short));
            }
        }
        Ok(behind)
    }

    /// Advances every counter that is behind; `parallel` batches in flight. A pair is
    /// counted as one step (ZooKeeper 3.8 bumps `cversion` on the create only), and the
    /// counters are read again after: a server that also counts the delete has just gone
    /// further, which is as good.
    pub async fn advance(&self, zk: &Zk, client: &Client, parallel: usize) -> anyhow::Result<Advanced> {
        let mut advanced = Advanced::default();
        let mut moved = std::collections::HashSet::new();
        for _pass in 0..3 {
            let behind = self.behind(zk, client).await?;
            if behind.is_empty() {
                break;
            }
            for (parent, pairs) in behind {
                if pairs > MOST_PAIRS {
                    advanced.left.push(format!(
                        "{parent}: its sequential counter is {pairs} behind the restored children (more than {MOST_PAIRS} create+delete pairs): left as it is"
                    ));
                    continue;
                }
                bump(zk, client, &parent, pairs as usize, parallel).await?;
                moved.insert(parent);
            }
            if !advanced.left.is_empty() {
                break;
            }
        }
        advanced.parents = moved.len();
        Ok(advanced)
    }
}

type Settling<'c> = Pin<Box<dyn Future<Output = Result<(), (Vec<WriteOp>, MultiError)>> + Send + 'c>>;

/// `pairs` creates and deletes of a throwaway child of `parent`.
async fn bump(zk: &Zk, client: &Client, parent: &str, pairs: usize, parallel: usize) -> anyhow::Result<()> {
    let child = child_path(parent, THROWAWAY);
    let create = WriteOp::Create(NewNode {
        path: child.clone(),
        data: Vec::new(),
        mode: CreateMode::Persistent,
        acls: Acls::anyone_all().to_vec(),
        ttl: None,
    });
    let delete = WriteOp::Delete {
        path: child,
        version: None,
    };
    let profile = zk.profile();
    let mut batches = Batcher::new(
        2 * PAIRS_PER_BATCH,
        profile.max_request_size,
        profile.chroot().map_or(0, str::len),
    );
    let mut left = pairs;
    let mut in_flight: VecDeque<Settling<'_>> = VecDeque::new();
    while left > 0 || !batches.full.is_empty() || !in_flight.is_empty() {
        while left > 0 && batches.full.is_empty() {
            batches.push(create.clone());
            batches.push(delete.clone());
            left -= 1;
            if left == 0 {
                batches.cut();
            }
        }
        while in_flight.len() < parallel.max(1)
            && let Some(ops) = batches.full.pop_front()
        {
            let pending = match zk.send_multi(client, &ops) {
                Ok(pending) => pending,
                Err(err) => return Err(err.into_error(zk, "import", &ops, false)),
            };
            in_flight.push_back(Box::pin(async move {
                zk.finish_multi(&ops, pending)
                    .await
                    .map(|_| ())
                    .map_err(|err| (ops, err))
            }));
        }
        if let Some(oldest) = in_flight.pop_front()
            && let Err((ops, err)) = oldest.await
        {
            let err = err.into_error(zk, "import", &ops, false);
            return Err(ShellError::refused(
                "import",
                parent,
                format!("could not advance the sequential counter: {err:#}"),
            ));
        }
    }
    Ok(())
}

/// The number a sequential create appended to `name` (its last 10 characters, all digits).
pub fn sequential_suffix(name: &str) -> Option<i64> {
    let start = name.len().checked_sub(10)?;
    let digits = name.get(start..)?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_ten_digit_suffix_is_sequential() {
        assert_eq!(sequential_suffix("lock-0000000042"), Some(42));
        assert_eq!(sequential_suffix("0000000007"), Some(7));
        assert_eq!(sequential_suffix("n-000000042"), None);
        assert_eq!(sequential_suffix("config"), None);
        assert_eq!(sequential_suffix("é000000001"), None, "not 10 digits");
    }

    #[test]
    fn the_highest_suffix_is_kept_per_parent() {
        let mut counters = Counters::default();
        counters.note("/q", "item-0000000003");
        counters.note("/q", "item-0000000011");
        counters.note("/q", "item-0000000007");
        counters.note("/q", "head");
        counters.note("/r", "plain");
        assert_eq!(counters.highest.get("/q"), Some(&11));
        assert!(!counters.highest.contains_key("/r"));
    }
}
