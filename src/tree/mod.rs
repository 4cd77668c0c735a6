//! The tree engine behind every command that works on a subtree: streaming batched walks
//! (`walk`) and streaming batched subtree deletes (`delete`).

pub mod delete;
pub mod order;
pub mod walk;

pub use delete::{BATCH_OPS, count_remaining, count_to_delete, delete_subtree};
pub use order::PostOrder;
pub use walk::{DEFAULT_PARALLEL, Visit, Walk, WalkOptions, count_subtree};
