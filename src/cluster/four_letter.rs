//! Four-letter words on the wire: the words ZooKeeper knows, one word asked of one member
//! (plain TCP, a short timeout, the whole answer read until the server closes), several
//! members asked in parallel, and the server's refusal of a word its whitelist leaves out.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

/// Every word ZooKeeper 3.8 answers (`FourLetterCommands`); anything else it ignores.
pub const WORDS: &[&str] = &[
    "conf", "cons", "crst", "dirs", "dump", "envi", "gtmk", "hash", "isro", "mntr", "ruok", "srst", "srvr", "stat",
    "stmk", "wchc", "wchp", "wchs",
];

/// How long a member has to accept the connection and answer, by default.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);

/// An answer far larger than any word's (`wchc` on a busy server is the largest) is cut here.
const MAX_ANSWER: usize = 16 * 1024 * 1024;

pub fn is_word(word: &str) -> bool {
    WORDS.contains(&word)
}

/// What one member said to one word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WordAnswer {
    /// The server's text, as it sent it.
    Answered(String),
    /// The server refused the word: `4lw.commands.whitelist` leaves it out.
    NotWhitelisted,
    /// The member could not be asked or did not answer: why.
    Failed(String),
}

impl WordAnswer {
    /// The refusal ZooKeeper sends (`mntr is not executed because it is not in the
    /// whitelist.`) is an answer in form only.
    pub fn from_exchange(result: Result<String, String>) -> WordAnswer {
        match result {
            Ok(text) if text.contains("is not executed because it is not in the whitelist") => {
                WordAnswer::NotWhitelisted
            }
            Ok(text) => WordAnswer::Answered(text),
            Err(why) => WordAnswer::Failed(why),
        }
    }

    pub fn text(&self) -> Option<&str> {
        match self {
            WordAnswer::Answered(text) => Some(text),
            _ => None,
        }
    }
}

/// The zoo.cfg line that lets a server answer `word` (ZooKeeper's default lists `srvr` only).
pub fn whitelist_hint(word: &str) -> String {
    if word == "srvr" {
        "4lw.commands.whitelist=srvr".to_string()
    } else {
        format!("4lw.commands.whitelist=srvr,{word}")
    }
}

/// Asks `word` of `member` (`host:port`): the server's whole answer, or why there is none.
/// Blocking; `timeout` bounds the connect and the answer together.
pub fn exchange(member: &str, word: &str, timeout: Duration) -> Result<String, String> {
    let started = Instant::now();
    let addrs: Vec<SocketAddr> = member
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {member}: {e}"))?
        .collect();
    let mut last_error = format!("cannot resolve {member}: no address");
    for addr in addrs {
        let left = timeout.saturating_sub(started.elapsed());
        if left.is_zero() {
            break;
        }
        match TcpStream::connect_timeout(&addr, left) {
            Ok(stream) => return converse(stream, word, started, timeout),
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {
                last_error = format!("no connection within {}", crate::output::human_duration(timeout));
            }
            Err(e) => last_error = connect_error(&e),
        }
    }
    Err(last_error)
}

fn connect_error(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::ConnectionRefused => "connection refused (nothing listens there)".to_string(),
        _ => format!("cannot connect: {e}"),
    }
}

fn converse(mut stream: TcpStream, word: &str, started: Instant, timeout: Duration) -> Result<String, String> {
    let late = || format!("no answer within {}", crate::output::human_duration(timeout));
    stream
        .set_write_timeout(Some(timeout))
        .and_then(|()| stream.write_all(word.as_bytes()))
        .map_err(|e| format!("cannot send {word}: {e}"))?;
    let mut answer = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        let left = timeout.saturating_sub(started.elapsed());
        if left.is_zero() {
            return Err(late());
        }
        stream.set_read_timeout(Some(left)).map_err(|e| e.to_string())?;
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                answer.extend_from_slice(&buf[..n]);
                if answer.len() > MAX_ANSWER {
                    return Err(format!("answer to {word} larger than {MAX_ANSWER} bytes"));
                }
            }
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
                return Err(late());
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            // A server that closes at once after answering can reset the connection.
            Err(_) if !answer.is_empty() => break,
            Err(e) => return Err(format!("connection lost: {e}")),
        }
    }
    if answer.is_empty() {
        // What a server says to a word it does not know, or while it starts.
        return Err(format!("closed the connection without answering {word}"));
    }
    Ok(String::from_utf8_lossy(&answer).into_owned())
}

/// Asks `word` of every member at once; the answers in the members' order.
pub async fn ask_all(members: &[String], word: &str, timeout: Duration) -> Vec<WordAnswer> {
    let tasks: Vec<_> = members
        .iter()
        .map(|member| {
            let (member, word) = (member.clone(), word.to_string());
            tokio::task::spawn_blocking(move || WordAnswer::from_exchange(exchange(&member, &word, timeout)))
        })
        .collect();
    let mut answers = Vec::with_capacity(tasks.len());
    for task in tasks {
        answers.push(
            task.await
                .unwrap_or_else(|e| WordAnswer::Failed(format!("the request was lost: {e}"))),
        );
    }
    answers
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_whitelist_refusal_is_not_an_answer() {
        let refused = Ok("mntr is not executed because it is not in the whitelist.\n".to_string());
        assert_eq!(WordAnswer::from_exchange(refused), WordAnswer::NotWhitelisted);
        assert_eq!(
            WordAnswer::from_exchange(Ok("imok".into())),
            WordAnswer::Answered("imok".into())
        );
        assert_eq!(whitelist_hint("mntr"), "4lw.commands.whitelist=srvr,mntr");
    }

    #[test]
    fn a_closed_port_fails_quickly_with_a_reason() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let started = Instant::now();
        let err = exchange(&format!("127.0.0.1:{port}"), "ruok", DEFAULT_TIMEOUT).unwrap_err();
        assert!(err.contains("refused"), "{err}");
        assert!(started.elapsed() < DEFAULT_TIMEOUT);
        assert!(exchange("no-such-host.invalid:2181", "ruok", DEFAULT_TIMEOUT).is_err());
    }
}
