//! `watch --exec`.
