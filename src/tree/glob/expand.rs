//! Expanding a pattern against the live tree, as a stream of matches, reading as little as it
//! can: the literal segments before the first wildcard are asked nothing (a path is built);
//! a `*`/`?`/`[..]` segment lists the children of the nodes that can still match, a window
//! of listings in flight at once; a literal segment after a wildcard is one existence check
//! per candidate, pipelined the same way; `**` walks the subtree with the tree engine and
//! matches what the walk hands out against the rest of the pattern.
//!
//! Memory holds the matching children of the nodes on the current branch (as the engine
//! holds its frontier) and the replies in flight, never the matches already handed out.
//! Listings and checks are single requests, pipelined: each reply is bounded by its own node,
//! where a multi-read of many listings can outgrow the 1 MB packet limit and would need the
//! engine's split-and-retry; a glob lists the few nodes that can still match, and the
//! engine does the bulk reading where it pays (`**`).

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use zookeeper_client::{self as zk, Client};

use super::{Pattern, Segment, match_names};
use crate::errors::{ShellError, ZkError, is_connection_error};
use crate::path::child_path;
use crate::shell::Shell;
use crate::tree::{DEFAULT_PARALLEL, Walk, WalkOptions};
use crate::zk::Zk;

/// Listings and checks in flight at once for the children of one node.
const WINDOW: usize = 256;

/// The node a request is about, and what it will say.
type Pending = Pin<Box<dyn Future<Output = Result<Answer, zk::Error>> + Send>>;

enum Answer {
    Children(Vec<String>),
    Exists(bool),
}

/// What is left to do for one node that has matched the pattern so far.
enum Step {
    /// A match, known to exist (it came from a listing).
    Found(String),
    /// A match if it exists (literal segments were added after a listing).
    Check(String),
    /// List the children and match them against the segment at this index.
    List(String, usize),
    /// Walk the subtree and match what is below against the segments from this index (a `**`).
    Walk(String, usize),
}

impl Step {
    /// The step for a node that matched `segments[..index]`: literal segments are appended
    /// without a request. `listed`: the node came from a listing, so it exists.
    fn after(segments: &[Segment], mut path: String, mut index: usize, mut listed: bool) -> Step {
        while let Some(Segment::Literal(name)) = segments.get(index) {
            path = child_path(&path, name);
            index += 1;
            listed = false;
        }
        match segments.get(index) {
            None if listed => Step::Found(path),
            None => Step::Check(path),
            Some(Segment::AnyDepth) => Step::Walk(path, index),
            Some(_) => Step::List(path, index),
        }
    }

    fn request(&self, client: &Client) -> Option<Pending> {
        match self {
            Step::Check(path) => {
                let request = client.check_stat(path);
                Some(Box::pin(async move {
                    request.await.map(|stat| Answer::Exists(stat.is_some()))
                }))
            }
            Step::List(path, _) => {
                let request = client.get_children(path);
                Some(Box::pin(async move {
                    request.await.map(|(children, _)| Answer::Children(children))
                }))
            }
            Step::Found(_) | Step::Walk(..) => None,
        }
    }

    fn needs_request(&self) -> bool {
        matches!(self, Step::Check(_) | Step::List(..))
    }

    fn path(&self) -> &str {
        match self {
            Step::Found(path) | Step::Check(path) | Step::List(path, _) | Step::Walk(path, _) => path,
        }
    }
}

/// The matching children of one node, still to be handed out, in order.
struct Group {
    steps: VecDeque<Step>,
    /// How many of the first steps have had their request sent (if they need one).
    sent: usize,
    /// The replies for the sent steps that needed one, in order.
    replies: VecDeque<Pending>,
}

impl Group {
    fn new(steps: VecDeque<Step>) -> Group {
        Group {
            steps,
            sent: 0,
            replies: VecDeque::new(),
        }
    }
}

/// A `**` under way.
struct Walking {
    walk: Walk,
    root: String,
    /// The segments the nodes below the root must match (starting with the `**`).
    from: usize,
}

/// The matches of a pattern, as they are found (see the module's notes).
pub struct Matches {
    zk: Zk,
    client: Client,
    op: &'static str,
    shown: String,
    segments: Arc<[Segment]>,
    stack: Vec<Group>,
    walking: Option<Walking>,
    /// Matches read ahead and handed back (telling one match from several).
    ready: VecDeque<String>,
    refused: usize,
}

impl Matches {
    /// Starts expanding `pattern` (which has a wildcard); `op` names the command in errors.
    pub async fn start(shell: &Shell, op: &'static str, pattern: &Pattern) -> anyhow::Result<Matches> {
        let client = shell.zk().client().await?;
        let segments: Arc<[Segment]> = pattern.rest.clone().into();
        // The base is a path built from the literal segments: nobody said it exists.
        let first = Step::after(&segments, pattern.base.clone(), 0, false);
        Ok(Matches {
            zk: shell.zk().clone(),
            client,
            op,
            shown: pattern.shown.clone(),
            segments,
            stack: vec![Group::new(VecDeque::from([first]))],
            walking: None,
            ready: VecDeque::new(),
            refused: 0,
        })
    }

    /// The pattern, as resolved (for messages).
    pub fn shown(&self) -> &str {
        &self.shown
    }

    /// The command the expansion runs for.
    pub fn op(&self) -> &'static str {
        self.op
    }

    /// The ZooKeeper handle (for the deadline of reads of the matches).
    pub fn zk(&self) -> &Zk {
        &self.zk
    }

    /// A client of the expansion's session, for reading the matches.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Nodes on the way that could not be listed (not authorized): matches below them are
    /// missing.
    pub fn refused(&self) -> usize {
        self.refused
    }

    /// The error that ends a run whose expansion could not list some node, if it could not.
    pub fn unseen(&self) -> Option<anyhow::Error> {
        (self.refused > 0).then(|| {
            let nodes = if self.refused == 1 { "node" } else { "nodes" };
            ShellError::refused(
                self.op,
                &self.shown,
                format!(
                    "{} {nodes} could not be listed (not authorized): matches below them are missing",
                    self.refused
                ),
            )
        })
    }

    /// The error for a pattern that matched nothing: when a node is named exactly as the
    /// pattern is written, the user probably meant it, and is told how to escape.
    pub async fn no_match(&self) -> anyhow::Error {
        if let Some(err) = self.unseen() {
            return err;
        }
        let named = tokio::time::timeout(self.zk.request_timeout(), self.client.check_stat(&self.shown)).await;
        if let Ok(Ok(Some(_))) = named {
            let escaped: String = self
                .shown
                .chars()
                .flat_map(|c| match c {
                    '*' | '?' | '[' | ']' | '\\' => vec!['\\', c],
                    c => vec![c],
                })
                .collect();
            return ShellError::refused(
                self.op,
                &self.shown,
                format!("no znode matches (a znode has that very name: write it '{escaped}')"),
            );
        }
        ShellError::refused(self.op, &self.shown, "no znode matches")
    }

    /// Hands back matches read ahead, to come out first again.
    pub fn put_back(&mut self, first: String, second: Option<String>) {
        self.ready.push_front(first);
        if let Some(second) = second {
            self.ready.insert(1, second);
        }
    }

    /// The next match, or None when there are no more.
    pub async fn next(&mut self) -> anyhow::Result<Option<String>> {
        if let Some(path) = self.ready.pop_front() {
            return Ok(Some(path));
        }
        loop {
            if self.walking.is_some() {
                if let Some(path) = self.next_below().await? {
                    return Ok(Some(path));
                }
                continue;
            }
            let Some(group) = self.stack.last_mut() else {
                return Ok(None);
            };
            // Requests for what comes next go out before waiting on the first of them.
            while group.replies.len() < WINDOW && group.sent < group.steps.len() {
                if let Some(request) = group.steps[group.sent].request(&self.client) {
                    group.replies.push_back(request);
                }
                group.sent += 1;
            }
            let Some(step) = group.steps.pop_front() else {
                self.stack.pop();
                continue;
            };
            group.sent = group.sent.saturating_sub(1);
            let pending = if step.needs_request() {
                match group.replies.pop_front() {
                    Some(reply) => Some(reply),
                    None => anyhow::bail!("{} {}: a glob reply went missing", self.op, self.shown),
                }
            } else {
                None
            };
            let reply = match pending {
                Some(reply) => Some(wait(&self.zk, self.op, step.path(), reply).await?),
                None => None,
            };
            match (step, reply) {
                (Step::Found(path), _) | (Step::Check(path), Some(Ok(Answer::Exists(true)))) => {
                    return Ok(Some(path));
                }
                (Step::List(path, index), Some(Ok(Answer::Children(mut names)))) => {
                    names.retain(|name| self.segments[index].matches(name));
                    names.sort_unstable();
                    let steps = names
                        .into_iter()
                        .map(|name| Step::after(&self.segments, child_path(&path, &name), index + 1, true))
                        .collect();
                    self.stack.push(Group::new(steps));
                }
                (Step::Walk(root, from), _) => {
                    let options = WalkOptions {
                        parallel: DEFAULT_PARALLEL,
                        root_may_vanish: true,
                        ..WalkOptions::default()
                    };
                    let walk = Walk::start(&self.zk, self.client.clone(), self.op, &root, options);
                    self.walking = Some(Walking { walk, root, from });
                }
                // Gone (vanished, or a literal part that never existed), or not ours to list.
                (_, Some(Err(zk::Error::NoAuth))) => self.refused += 1,
                _ => {}
            }
        }
    }

    /// The next match of the `**` walk under way; None when the walk is over (or a node it
    /// handed out did not match).
    async fn next_below(&mut self) -> anyhow::Result<Option<String>> {
        let Some(walking) = self.walking.as_mut() else {
            return Ok(None);
        };
        let segments = &self.segments[walking.from..];
        match walking.walk.next().await {
            Ok(Some(visit)) => {
                self.refused += usize::from(visit.refused.is_some());
                let below = relative_names(&walking.root, &visit.path);
                Ok(match_names(segments, &below).then_some(visit.path))
            }
            Ok(None) => {
                self.walking = None;
                Ok(None)
            }
            Err(err) => {
                // A root we may not list is still there: it matches if `**` may be nothing.
                let refused_root = err
                    .downcast_ref::<ZkError>()
                    .is_some_and(|e| matches!(e.source, zk::Error::NoAuth) && e.path == walking.root);
                if !refused_root {
                    return Err(err);
                }
                self.refused += 1;
                let root = walking.root.clone();
                self.walking = None;
                Ok(match_names(segments, &[]).then_some(root))
            }
        }
    }
}

/// A reply, within the deadline: what the server said about the node (NoNode, NoAuth
/// included), or the error that ends the expansion (a lost connection). A free function:
/// the stream of matches is moved into tasks, and must not be borrowed across this wait.
async fn wait(zk: &Zk, op: &'static str, path: &str, reply: Pending) -> anyhow::Result<Result<Answer, zk::Error>> {
    match tokio::time::timeout(zk.request_timeout(), reply).await {
        Err(_) => Err(zk.deadline_error(op, path)),
        Ok(Err(err)) if is_connection_error(&err) => Err(ZkError::new(op, path, err).into()),
        Ok(Err(zk::Error::NoNode)) => Ok(Err(zk::Error::NoNode)),
        Ok(Err(zk::Error::NoAuth)) => Ok(Err(zk::Error::NoAuth)),
        Ok(Err(err)) => Err(ZkError::new(op, path, err).into()),
        Ok(Ok(answer)) => Ok(Ok(answer)),
    }
}

/// The names of `path` below `root` (none for the root itself).
fn relative_names<'p>(root: &str, path: &'p str) -> Vec<&'p str> {
    let below = if root == "/" {
        path.strip_prefix('/')
    } else {
        path.strip_prefix(root).and_then(|rest| rest.strip_prefix('/'))
    };
    below
        .map(|rest| rest.split('/').filter(|name| !name.is_empty()).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_below_a_root() {
        assert_eq!(relative_names("/", "/"), Vec::<&str>::new());
        assert_eq!(relative_names("/", "/a/b"), vec!["a", "b"]);
        assert_eq!(relative_names("/a", "/a"), Vec::<&str>::new());
        assert_eq!(relative_names("/a", "/a/b/c"), vec!["b", "c"]);
    }

    #[test]
    fn literal_segments_need_no_request_until_the_end() {
        let pattern = Pattern::parse("get", "/a/*/b/c").expect("parses");
        assert_eq!(pattern.base, "/a");
        let segments = pattern.rest;
        assert!(matches!(Step::after(&segments, "/a".into(), 0, false), Step::List(p, 0) if p == "/a"));
        assert!(matches!(Step::after(&segments, "/a/x".into(), 1, true), Step::Check(p) if p == "/a/x/b/c"));
        let star_last = Pattern::parse("get", "/a/*").expect("parses").rest;
        assert!(matches!(Step::after(&star_last, "/a/x".into(), 1, true), Step::Found(p) if p == "/a/x"));
        let deep = Pattern::parse("get", "/a/*/**/z").expect("parses").rest;
        assert!(matches!(Step::after(&deep, "/a/x".into(), 1, true), Step::Walk(p, 1) if p == "/a/x"));
    }
}
