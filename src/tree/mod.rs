//! The tree engine behind every command that works on a subtree: streaming batched walks
//! (`walk`), batched subtree deletes (`delete`), and path globs expanded against the tree
//! (`glob`).

pub mod delete;
pub mod glob;
pub mod walk;

pub use delete::{BATCH_OPS, delete_subtree, remaining, walk_subtree};
pub use walk::{DEFAULT_PARALLEL, Visit, Walk, WalkOptions, count_subtree};
