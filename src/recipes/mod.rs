//! Coordination recipes on ZooKeeper, interoperable with Kazoo's on the same paths: locks
//! (exclusive, shared, semaphores) and leader election, each held by a session of its own,
//! and the child process a recipe runs while it holds one.

pub mod child;
pub mod contenders;
pub mod held;
pub mod lock;
pub mod session;
