//! The integration tests: the real `zksh` binary against a real ZooKeeper server.

mod pty;
mod support;

mod bad_input;
mod oneshot;
mod repl;
mod sandbox;
mod script;
mod seed;
mod txn;
mod watch;
