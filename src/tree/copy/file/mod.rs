//! The export file: NDJSON, a header line (`{"format":"zksh-export","version":1,...}`), one
//! line per node in the walk's order, and an end line (`{"end":{"nodes":N,...}}`) whose
//! absence marks a file cut short; gzip-compressed when asked. `lines` holds the shapes,
//! `write` and `read` the streaming writer and reader.

pub mod lines;
pub mod read;
pub mod write;

pub use lines::{Header, Trailer, ZxidRange, walk_order};
pub use read::ExportReader;
pub use write::{ExportFile, ExportWriter, gzip_name};

#[cfg(test)]
mod tests;
