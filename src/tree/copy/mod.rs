//! Subtrees moving between clusters and files: a live subtree read as a stream of
//! [`NodeRecord`](crate::tree::NodeRecord)s (`read`), the export file format that holds one
//! (`file`), and two record streams compared by merging them (`compare`, ACLs by `acl`); the destination
//! writer (`apply`) with what it reads of the destination (`existing`), its decisions and
//! report (`plan`), its counts (`tally`) and the sequential counters of restored parents
//! (`sequence`); a mirror's live events applied one node at a time (`mirror`).

pub mod acl;
pub mod compare;
pub mod file;
pub mod read;

pub use acl::AclCompared;
pub use compare::{Compare, Difference, Source};
pub use file::{ExportReader, ExportWriter};
pub use read::{ReadOptions, ReadTally, SubtreeReader};

pub mod apply;
pub mod existing;
pub mod mirror;
pub mod plan;
pub mod sequence;
pub mod tally;
