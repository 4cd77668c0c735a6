//! Taking and releasing a lock laid out as Kazoo lays it out, so that Kazoo and zksh holders
//! on one path exclude each other: `Lock`/`WriteLock` (`__lock__`), `ReadLock` (`__rlock__`),
//! `Election` (a `Lock` whose contender data is the id) and `Semaphore` (lease nodes under
//! PATH, handed out under a lock on `PATH-__lock__`, the maximum as PATH's data).
//!
//! zookeeper-client's own lock recipe (`Client::lock`) is not used: it orders contenders of
//! one prefix only, so a reader that waits for writers alone, or a writer that waits for
//! readers too, cannot be said in it; and it has no semaphore.

use zookeeper_client::{Acls, Client, CreateMode, Error as ZkErr};

use crate::errors::{ShellError, ZkError};
use crate::recipes::contenders::{self, Place, Role};
use crate::recipes::session::RecipeSession;
use crate::zk::Zk;

/// Which lock to take on a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Alone (Kazoo's `Lock`/`WriteLock`).
    Exclusive,
    /// With other shared holders, never with an exclusive one (Kazoo's `ReadLock`).
    Shared,
    /// As leader (Kazoo's `Election`: a `Lock`).
    Leader,
    /// One of N leases (Kazoo's `Semaphore` with `max_leases` N).
    Semaphore(u32),
}

impl Kind {
    fn role(self) -> Role {
        match self {
            Kind::Exclusive => Role::Writer,
            Kind::Shared => Role::Reader,
            Kind::Leader | Kind::Semaphore(_) => Role::Plain,
        }
    }
}

/// A lock held: its session, and the node that holds it.
#[derive(Debug)]
pub struct Held {
    pub session: RecipeSession,
    /// The contender (or lease) node that holds the lock.
    pub node: String,
}

impl Held {
    /// Deletes the node, then closes the session (which would remove it anyway): the next
    /// contender's watch fires before this returns.
    pub async fn release(self, zk: &Zk) {
        let client = self.session.client();
        // Gone already with a lost session: closing is all that is left.
        zk.call("delete", &self.node, client.delete(&self.node, None))
            .await
            .ok();
        self.session.close().await;
    }
}

/// Waits for the lock of `kind` on `path` in `session`, creating `path` (and its parents) if
/// missing, as Kazoo does. `id` is the contender's data (its identifier). Dropping the future
/// leaves the contender node to the session: close it to remove the node.
pub async fn acquire(zk: &Zk, session: &RecipeSession, path: &str, kind: Kind, id: &[u8]) -> anyhow::Result<String> {
    match kind {
        Kind::Semaphore(max) => semaphore(zk, session, path, max, id).await,
        _ => contend(zk, session, path, kind.role(), id).await,
    }
}

/// Creates `path` and its missing parents, empty, open to all (Kazoo's `ensure_path`).
async fn ensure_path(zk: &Zk, client: &Client, path: &str) -> anyhow::Result<()> {
    if path == "/" {
        return Ok(());
    }
    let options = CreateMode::Persistent.with_acls(Acls::anyone_all());
    zk.call("create", path, client.mkdir(path, &options)).await
}

/// Kazoo's lock: an ephemeral sequential contender, then a wait for the one before it.
async fn contend(zk: &Zk, session: &RecipeSession, path: &str, role: Role, id: &[u8]) -> anyhow::Result<String> {
    let client = session.client();
    ensure_path(zk, client, path).await?;
    let parent = if path == "/" { "" } else { path };
    let prefix = format!("{}{}", contenders::unique_prefix(), role.marker());
    let own = create_contender(zk, client, parent, &prefix, id).await?;
    loop {
        let children = zk.call("ls", path, client.list_children(path)).await?;
        let predecessor = match contenders::place(&children, &own, role) {
            Place::First => return Ok(format!("{parent}/{own}")),
            Place::After(predecessor) => format!("{parent}/{predecessor}"),
            Place::Gone => {
                return Err(ShellError::NoConnection {
                    op: "lock",
                    path: path.to_string(),
                    message: "our contender node is gone (session lost?)".into(),
                }
                .into());
            }
        };
        let (stat, watcher) = zk
            .call("stat", &predecessor, client.check_and_watch_stat(&predecessor))
            .await?;
        if stat.is_some() {
            // Fires when the predecessor goes, and when the session ends (then the next
            // request says so).
            woken(watcher.changed(), client).await;
        }
    }
}

/// Creates this contender's node; after a lost reply, finds it by its unique prefix (Kazoo
/// does the same) rather than creating a second one. Returns the node's name.
async fn create_contender(zk: &Zk, client: &Client, parent: &str, prefix: &str, id: &[u8]) -> anyhow::Result<String> {
    let create_path = format!("{parent}/{prefix}");
    let options = CreateMode::EphemeralSequential.with_acls(Acls::anyone_all());
    loop {
        match client.create(&create_path, id, &options).await {
            Ok((_, sequence)) => return Ok(format!("{prefix}{sequence}")),
            Err(ZkErr::ConnectionLoss) => {
                let dir = if parent.is_empty() { "/" } else { parent };
                let children = zk.call("ls", dir, client.list_children(dir)).await?;
                if let Some(own) = children.into_iter().find(|c| c.starts_with(prefix)) {
                    return Ok(own);
                }
            }
            Err(err) => return Err(ZkError::new("create", &create_path, err).into()),
        }
    }
}

/// Kazoo's `Semaphore`: PATH holds the maximum as text and one ephemeral lease node per
/// holder (`<uuid-hex>`, data the id); a lease is taken under the lock `PATH-__lock__`.
async fn semaphore(zk: &Zk, session: &RecipeSession, path: &str, max: u32, id: &[u8]) -> anyhow::Result<String> {
    let client = session.client();
    check_max_leases(zk, client, path, max).await?;
    let lease = format!("{}/{}", path.trim_end_matches('/'), contenders::unique_prefix());
    let gate_path = format!("{path}-{}", contenders::WRITE);
    let gate = contend(zk, session, &gate_path, Role::Plain, id).await?;
    let taken = take_lease(zk, client, path, &lease, max, id).await;
    zk.call("delete", &gate, client.delete(&gate, None)).await.ok();
    taken.map(|()| lease)
}

/// Creates PATH holding `max`, or checks that an existing PATH holds the same maximum (Kazoo
/// refuses a mismatch; data that is not a number is someone else's and ignored).
async fn check_max_leases(zk: &Zk, client: &Client, path: &str, max: u32) -> anyhow::Result<()> {
    if let Some((parent, _)) = path.rsplit_once('/').filter(|(parent, _)| !parent.is_empty()) {
        ensure_path(zk, client, parent).await?;
    }
    let options = CreateMode::Persistent.with_acls(Acls::anyone_all());
    match client.create(path, max.to_string().as_bytes(), &options).await {
        Ok(_) => return Ok(()),
        Err(ZkErr::NodeExists) => {}
        Err(err) => return Err(ZkError::new("create", path, err).into()),
    }
    let (data, _) = zk.call("get", path, client.get_data(path)).await?;
    let stored = std::str::from_utf8(&data)
        .ok()
        .and_then(|text| text.trim().parse::<i64>().ok());
    match stored {
        Some(stored) if stored != i64::from(max) => Err(ShellError::refused(
            "lock",
            path,
            format!(
                "the semaphore holds {stored} leases, not {max} (every holder must agree; delete the node to change it)"
            ),
        )),
        _ => Ok(()),
    }
}

/// Takes a lease once fewer than `max` are out, watching the lease nodes meanwhile.
async fn take_lease(zk: &Zk, client: &Client, path: &str, lease: &str, max: u32, id: &[u8]) -> anyhow::Result<()> {
    let options = CreateMode::Ephemeral.with_acls(Acls::anyone_all());
    loop {
        let (children, watcher) = zk.call("ls", path, client.list_and_watch_children(path)).await?;
        if children.len() < max as usize {
            zk.call("create", lease, client.create(lease, id, &options)).await?;
            return Ok(());
        }
        woken(watcher.changed(), client).await;
    }
}

/// Waits for a watch to fire, or for the connection to change state: after a reconnect the
/// line is looked at again rather than trusting that the one-shot watch was re-registered.
async fn woken(fired: impl std::future::Future, client: &Client) {
    let mut states = client.state_watcher();
    tokio::select! {
        _ = fired => {}
        _ = states.changed() => {}
    }
}
