//! Moving subtrees between trees (a cluster, another cluster, an export file): the
//! destination writer (`apply`) with what it reads of the destination (`existing`), its
//! decisions and report (`plan`), its counts (`tally`) and the sequential counters of
//! restored parents (`sequence`).

pub mod apply;
pub mod existing;
pub mod plan;
pub mod sequence;
pub mod tally;
