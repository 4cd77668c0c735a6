//! The integration tests: the real `zksh` binary against a real ZooKeeper server.

mod pty;
mod support;

mod bad_input;
mod bulk;
mod completions;
mod cp_mv;
mod delete_tree;
mod diff;
mod display;
mod edit;
mod export;
mod find;
mod glob;
mod grep;
mod import;
mod interactive;
mod json_everywhere;
mod limits;
mod mirror;
mod oneshot;
mod oneshot_data;
mod progress_line;
mod recovery;
mod repl;
mod sandbox;
mod script;
mod seed;
mod session_info;
mod signals;
mod source;
mod tree_shape;
mod txn;
mod unknown_command;
mod walk;
mod watch;
