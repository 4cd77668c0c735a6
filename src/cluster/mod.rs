//! What zksh learns about an ensemble's members without a session: who they are (the connect
//! string, `/zookeeper/config`), and what each says when asked a four-letter word over plain
//! TCP (`srvr`, `mntr`, `cons`...), parsed into fields.

pub mod answers;
pub mod four_letter;
pub mod health;
pub mod members;
