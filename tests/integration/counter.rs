//! `counter`: 20 concurrent increments, Kazoo interoperability, bad input.
