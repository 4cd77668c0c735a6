//! The replayed tree served read-only over ZooKeeper's client protocol on a loopback port.
//! Every read command already speaks that protocol through zookeeper-client (the tree
//! engine's multi-reads, completion, getAcl, export): pointing the ordinary connection here
//! makes them all work on a snapshot unchanged. This is the one seam between the shell and
//! an offline tree; `opened` tells the rest of the shell (prompt, refusals, stat) that one is.

pub mod answer;

use std::collections::BTreeMap;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, OnceLock};

use chrono::{Local, TimeZone};
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader, BufWriter};
use tokio::net::{TcpListener, TcpStream};

use self::answer::{After, Served, answer, connect_reply};
use super::Replayed;

/// The snapshot this process serves (one per process, set once before the shell starts).
#[derive(Debug, Default)]
pub struct Opened {
    pub zxid: i64,
    pub time: Option<i64>,
    /// What was opened: a snapshot file or a data dir (`changes` reads its logs).
    pub source: PathBuf,
    /// The sessions the server knew at `zxid`, and the sessions that own ephemerals.
    pub sessions: Vec<SessionInfo>,
}

/// A session in the snapshot: its timeout (None when only its ephemerals remain) and how
/// many ephemeral nodes it owns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    pub id: i64,
    pub timeout: Option<i32>,
    pub ephemerals: usize,
}

/// The sessions of a replayed tree, by id.
pub fn sessions_of(replayed: &Replayed) -> Vec<SessionInfo> {
    let mut out: BTreeMap<i64, SessionInfo> = replayed
        .sessions
        .iter()
        .map(|(&id, &timeout)| {
            let info = SessionInfo {
                id,
                timeout: Some(timeout),
                ephemerals: 0,
            };
            (id, info)
        })
        .collect();
    for (owner, nodes) in replayed.tree.ephemerals() {
        out.entry(owner)
            .or_insert(SessionInfo {
                id: owner,
                timeout: None,
                ephemerals: 0,
            })
            .ephemerals = nodes.len();
    }
    out.into_values().collect()
}

impl Opened {
    /// `snapshot@0x1a2b (2026-11-25 14:01:59)`, for the prompt and refusals.
    pub fn label(&self) -> String {
        let when = self
            .time
            .and_then(|t| Local.timestamp_millis_opt(t).single())
            .map(|t| format!(" ({})", t.format("%Y-%m-%d %H:%M:%S")))
            .unwrap_or_default();
        format!("snapshot@0x{:x}{when}", self.zxid)
    }
}

static OPENED: OnceLock<Opened> = OnceLock::new();

/// The snapshot the shell is on, if it is on one.
pub fn opened() -> Option<&'static Opened> {
    OPENED.get()
}

/// The node type an ephemeralOwner encodes, on a snapshot only: a live server masks
/// containers and TTL nodes as persistent (owner 0), and a live session id may have any high
/// byte. The one decision `stat`, `ls -l` and `find --type` share.
pub fn kind_on_snapshot(owner: i64) -> Option<super::tree::NodeKind> {
    opened().map(|_| super::tree::NodeKind::of_owner(owner))
}

/// Whether a node with this ephemeralOwner belongs to a session (and so is skipped by copies
/// and counted as ephemeral): on a snapshot, containers and TTL nodes have an owner too, and
/// are persistent nodes all the same.
pub fn owned_by_session(owner: i64) -> bool {
    match kind_on_snapshot(owner) {
        Some(kind) => matches!(kind, super::tree::NodeKind::Ephemeral(_)),
        None => owner != 0,
    }
}

/// Requests larger than this are not reads: the connection is dropped.
const MAX_FRAME: usize = 16 << 20;

/// Serves `replayed` on a free loopback port; returns the address to connect to.
pub async fn start(replayed: Replayed, source: PathBuf) -> io::Result<SocketAddr> {
    OPENED
        .set(Opened {
            zxid: replayed.zxid,
            time: replayed.time,
            source,
            sessions: sessions_of(&replayed),
        })
        .ok();
    listen(replayed, false).await
}

/// Serves `replayed` on a free loopback port without making it the shell's snapshot (a
/// snapshot named as a tree source: `diff snapshot:DIR@TIME:/app /app`); `masked`: node
/// types shown as a live server shows them.
pub async fn listen(replayed: Replayed, masked: bool) -> io::Result<SocketAddr> {
    let served = Arc::new(Served {
        tree: replayed.tree,
        zxid: replayed.zxid,
        masked,
    });
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let address = listener.local_addr()?;
    tokio::spawn(async move {
        // 'snap' in the high bytes: these sessions exist only here.
        let sessions = AtomicI64::new(0x736e_6170_0000_0000);
        while let Ok((stream, _)) = listener.accept().await {
            let session = sessions.fetch_add(1, Ordering::Relaxed) + 1;
            let served = served.clone();
            tokio::spawn(async move {
                if let Err(e) = serve_connection(stream, &served, session).await {
                    tracing::debug!(error = %e, "snapshot connection ended");
                }
            });
        }
    });
    Ok(address)
}

async fn read_frame<R: AsyncReadExt + Unpin>(r: &mut R) -> io::Result<Option<Vec<u8>>> {
    let len = match r.read_i32().await {
        Ok(len) => len,
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    };
    if len < 0 || len as usize > MAX_FRAME {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("request of {len} bytes"),
        ));
    }
    let mut frame = vec![0u8; len as usize];
    r.read_exact(&mut frame).await?;
    Ok(Some(frame))
}

/// One client: the connect handshake, then requests answered in order. Replies are flushed
/// when no further request is already buffered, so pipelined reads go out in few writes.
async fn serve_connection(stream: TcpStream, served: &Served, session: i64) -> io::Result<()> {
    stream.set_nodelay(true)?;
    let (rd, wr) = stream.into_split();
    let mut rd = BufReader::with_capacity(64 << 10, rd);
    let mut wr = BufWriter::with_capacity(64 << 10, wr);
    let Some(connect) = read_frame(&mut rd).await? else {
        return Ok(());
    };
    wr.write_all(&connect_reply(&connect, session)).await?;
    wr.flush().await?;
    let mut out = Vec::new();
    while let Some(frame) = read_frame(&mut rd).await? {
        let after = answer(served, &frame, &mut out);
        wr.write_all(&out).await?;
        out.clear();
        if after == After::Close {
            wr.flush().await?;
            break;
        }
        if rd.buffer().is_empty() {
            wr.flush().await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_label_names_zxid_and_local_time() {
        let t = Local
            .with_ymd_and_hms(2026, 11, 25, 14, 1, 59)
            .unwrap()
            .timestamp_millis();
        let opened = Opened {
            zxid: 0x1a2b,
            time: Some(t),
            ..Default::default()
        };
        assert_eq!(opened.label(), "snapshot@0x1a2b (2026-11-25 14:01:59)");
        let untimed = Opened {
            zxid: 5,
            ..Default::default()
        };
        assert_eq!(untimed.label(), "snapshot@0x5");
    }
}
