//! The tree engine behind every command that works on a subtree: streaming batched walks
//! (`walk`), streaming batched subtree deletes (`delete`, in children-first `order`), path
//! globs expanded against the tree (`glob`), and what is worked out from a walk in one pass
//! with flat memory: subtree totals (`totals`), top-N lists (`top`) and the survey of a
//! subtree's shape (`survey`). A node detached from its cluster, as it moves between trees
//! (export, import, cp, diff, mirror), is a `record`; subtrees read, written to export files
//! and compared as record streams are in `copy`.

pub mod batcher;
pub mod copy;
pub mod delete;
pub mod glob;
pub mod order;
pub mod record;
pub mod survey;
pub mod top;
pub mod totals;
pub mod walk;

pub use delete::{BATCH_OPS, count_remaining, count_to_delete, delete_subtree};
pub use order::PostOrder;
pub use record::{AclEntry, NodeRecord};
pub use walk::{DEFAULT_PARALLEL, Visit, Walk, WalkOptions, count_subtree};
