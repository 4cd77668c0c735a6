//! The replayed DataTree, kept compact for million-node snapshots: one flat array of nodes,
//! names and data in two byte arenas, ACL lists interned once and referred to by index,
//! children as index lists sorted by name (binary search walks a path).

use std::collections::{BTreeMap, HashMap};

/// One ACL entry as ZooKeeper stores it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AclEntry {
    pub perms: i32,
    pub scheme: String,
    pub id: String,
}

/// `ephemeralOwner` of a container node.
pub const CONTAINER_OWNER: i64 = i64::MIN;

/// What a node is, from its `ephemeralOwner` (meaningful in a snapshot only: the server
/// masks containers and TTL nodes from clients).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    Persistent,
    Ephemeral(i64),
    Container,
    /// A TTL node and its TTL in milliseconds.
    Ttl(i64),
}

impl NodeKind {
    pub fn of_owner(owner: i64) -> NodeKind {
        if owner == 0 {
            NodeKind::Persistent
        } else if owner == CONTAINER_OWNER {
            NodeKind::Container
        } else if (owner as u64) >> 56 == 0xff {
            NodeKind::Ttl(owner & 0x0000_00ff_ffff_ffff)
        } else {
            NodeKind::Ephemeral(owner)
        }
    }
}

/// The persisted stat of a node (numChildren and dataLength are derived).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatPersisted {
    pub czxid: i64,
    pub mzxid: i64,
    pub ctime: i64,
    pub mtime: i64,
    pub version: i32,
    pub cversion: i32,
    pub aversion: i32,
    pub ephemeral_owner: i64,
    pub pzxid: i64,
}

pub type NodeId = u32;
const NO_DATA: u32 = u32::MAX;
const GONE: NodeId = u32::MAX - 1;

#[derive(Debug, Clone)]
struct Node {
    stat: StatPersisted,
    data_start: u64,
    data_len: u32,
    name_start: u32,
    name_len: u32,
    acl: u32,
    parent: NodeId,
    children: Vec<NodeId>,
}

/// The tree. Node 0 is the root.
#[derive(Debug, Clone)]
pub struct Tree {
    nodes: Vec<Node>,
    names: Vec<u8>,
    data: Vec<u8>,
    acls: Vec<Vec<AclEntry>>,
    acl_index: HashMap<Vec<AclEntry>, u32>,
    live: usize,
}

pub const ROOT: NodeId = 0;

impl Tree {
    /// A tree with a root whose stat is `stat` and ACL `acl`.
    pub fn with_root(stat: StatPersisted, data: Option<&[u8]>, acl: u32) -> Tree {
        let mut tree = Tree {
            nodes: Vec::new(),
            names: Vec::new(),
            data: Vec::new(),
            acls: Vec::new(),
            acl_index: HashMap::new(),
            live: 0,
        };
        let (data_start, data_len) = tree.store_data(data);
        tree.nodes.push(Node {
            stat,
            data_start,
            data_len,
            name_start: 0,
            name_len: 0,
            acl,
            parent: GONE,
            children: Vec::new(),
        });
        tree.live = 1;
        tree
    }

    /// Interns an ACL list, returning its index.
    pub fn intern_acl(&mut self, acl: Vec<AclEntry>) -> u32 {
        if let Some(&i) = self.acl_index.get(&acl) {
            return i;
        }
        let i = self.acls.len() as u32;
        self.acls.push(acl.clone());
        self.acl_index.insert(acl, i);
        i
    }

    pub fn acl(&self, id: NodeId) -> &[AclEntry] {
        &self.acls[self.nodes[id as usize].acl as usize]
    }

    pub fn len(&self) -> usize {
        self.live
    }

    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    fn store_data(&mut self, data: Option<&[u8]>) -> (u64, u32) {
        match data {
            None => (0, NO_DATA),
            Some(d) => {
                let start = self.data.len() as u64;
                self.data.extend_from_slice(d);
                (start, d.len() as u32)
            }
        }
    }

    /// Appends a child during a snapshot load (children sorted later by [`Tree::seal`]);
    /// `data` is a span already in the data arena ([`Tree::data_arena`]).
    pub fn push_loaded(
        &mut self,
        parent: NodeId,
        name: &[u8],
        data: Option<(usize, usize)>,
        acl: u32,
        stat: StatPersisted,
    ) -> NodeId {
        let data = match data {
            Some((s, l)) => (s as u64, l as u32),
            None => (0, NO_DATA),
        };
        let id = self.new_node(parent, name, data, acl, stat);
        self.nodes[parent as usize].children.push(id);
        id
    }

    /// A node record for `name` under `parent` (its data already stored at `data`), not yet
    /// linked into the parent's children.
    fn new_node(&mut self, parent: NodeId, name: &[u8], data: (u64, u32), acl: u32, stat: StatPersisted) -> NodeId {
        let id = self.nodes.len() as NodeId;
        let name_start = self.names.len() as u32;
        self.names.extend_from_slice(name);
        let (data_start, data_len) = data;
        self.nodes.push(Node {
            stat,
            data_start,
            data_len,
            name_start,
            name_len: name.len() as u32,
            acl,
            parent,
            children: Vec::new(),
        });
        self.live += 1;
        id
    }

    /// Gives the root its own record during a snapshot load.
    pub fn load_root(&mut self, stat: StatPersisted, data: Option<(usize, usize)>, acl: u32) {
        let root = &mut self.nodes[ROOT as usize];
        root.stat = stat;
        root.acl = acl;
        (root.data_start, root.data_len) = match data {
            Some((s, l)) => (s as u64, l as u32),
            None => (0, NO_DATA),
        };
    }

    /// The data arena, for loaders that read node data straight into it.
    pub fn data_arena(&mut self) -> &mut Vec<u8> {
        &mut self.data
    }

    /// Sorts every child list by name, once a load is complete.
    pub fn seal(&mut self) {
        let Tree { nodes, names, .. } = self;
        for i in 0..nodes.len() {
            let mut children = std::mem::take(&mut nodes[i].children);
            children.sort_unstable_by(|&a, &b| name_of(nodes, names, a).cmp(name_of(nodes, names, b)));
            children.shrink_to_fit();
            nodes[i].children = children;
        }
        self.names.shrink_to_fit();
        self.data.shrink_to_fit();
    }

    pub fn name(&self, id: NodeId) -> &str {
        std::str::from_utf8(name_of(&self.nodes, &self.names, id)).unwrap_or("")
    }

    pub fn stat(&self, id: NodeId) -> &StatPersisted {
        &self.nodes[id as usize].stat
    }

    /// The cversion a client sees: the server stores creates and reports changes (every
    /// create has a delete, except for the children still there), as DataNode.copyStat does.
    pub fn client_cversion(&self, id: NodeId) -> i32 {
        let n = &self.nodes[id as usize];
        n.stat.cversion.wrapping_mul(2).wrapping_sub(n.children.len() as i32)
    }

    pub fn stat_mut(&mut self, id: NodeId) -> &mut StatPersisted {
        &mut self.nodes[id as usize].stat
    }

    pub fn data(&self, id: NodeId) -> Option<&[u8]> {
        let n = &self.nodes[id as usize];
        if n.data_len == NO_DATA {
            return None;
        }
        let s = n.data_start as usize;
        Some(&self.data[s..s + n.data_len as usize])
    }

    pub fn children(&self, id: NodeId) -> &[NodeId] {
        &self.nodes[id as usize].children
    }

    pub fn parent(&self, id: NodeId) -> Option<NodeId> {
        let p = self.nodes[id as usize].parent;
        (p != GONE).then_some(p)
    }

    /// The full path of a node.
    pub fn path(&self, id: NodeId) -> String {
        let mut parts = Vec::new();
        let mut at = id;
        while at != ROOT {
            parts.push(self.name(at));
            at = self.nodes[at as usize].parent;
        }
        if parts.is_empty() {
            return "/".to_string();
        }
        parts.iter().rev().fold(String::new(), |mut p, name| {
            p.push('/');
            p.push_str(name);
            p
        })
    }

    fn child_slot(&self, parent: NodeId, name: &[u8]) -> Result<usize, usize> {
        self.nodes[parent as usize]
            .children
            .binary_search_by(|&c| name_of(&self.nodes, &self.names, c).cmp(name))
    }

    /// The node at `path` (absolute, no trailing slash except the root).
    pub fn lookup(&self, path: &str) -> Option<NodeId> {
        let mut at = ROOT;
        for part in path.split('/').filter(|p| !p.is_empty()) {
            let slot = self.child_slot(at, part.as_bytes()).ok()?;
            at = self.nodes[at as usize].children[slot];
        }
        Some(at)
    }

    /// Adds `name` under `parent`; None when it already exists.
    pub fn insert(&mut self, parent: NodeId, name: &str, data: &[u8], acl: u32, stat: StatPersisted) -> Option<NodeId> {
        let slot = self.child_slot(parent, name.as_bytes()).err()?;
        let data = self.store_data(Some(data));
        let id = self.new_node(parent, name.as_bytes(), data, acl, stat);
        self.nodes[parent as usize].children.insert(slot, id);
        Some(id)
    }

    /// Unlinks a leaf (ZooKeeper never deletes a node with children).
    pub fn remove(&mut self, id: NodeId) {
        let Some(parent) = self.parent(id) else { return };
        let name = name_of(&self.nodes, &self.names, id).to_vec();
        if let Ok(slot) = self.child_slot(parent, &name) {
            self.nodes[parent as usize].children.remove(slot);
        }
        let node = &mut self.nodes[id as usize];
        node.parent = GONE;
        node.children = Vec::new();
        self.live -= 1;
    }

    pub fn set_data(&mut self, id: NodeId, data: &[u8]) {
        let (s, l) = self.store_data(Some(data));
        let n = &mut self.nodes[id as usize];
        n.data_start = s;
        n.data_len = l;
    }

    pub fn set_acl(&mut self, id: NodeId, acl: u32) {
        self.nodes[id as usize].acl = acl;
    }

    /// Nodes in depth-first order, parents first, siblings sorted (the root included).
    pub fn preorder(&self) -> impl Iterator<Item = NodeId> + '_ {
        let mut stack = vec![ROOT];
        std::iter::from_fn(move || {
            let id = stack.pop()?;
            stack.extend(self.children(id).iter().rev());
            Some(id)
        })
    }

    /// How many nodes the subtree at `id` holds, itself included.
    pub fn descendants(&self, id: NodeId) -> usize {
        let mut count = 0;
        let mut stack = vec![id];
        while let Some(at) = stack.pop() {
            count += 1;
            stack.extend_from_slice(self.children(at));
        }
        count
    }

    /// Ephemeral nodes by owning session (sessions' ids sorted).
    pub fn ephemerals(&self) -> BTreeMap<i64, Vec<NodeId>> {
        let mut out: BTreeMap<i64, Vec<NodeId>> = BTreeMap::new();
        for id in self.preorder() {
            if let NodeKind::Ephemeral(owner) = NodeKind::of_owner(self.stat(id).ephemeral_owner) {
                out.entry(owner).or_default().push(id);
            }
        }
        out
    }
}

fn name_of<'a>(nodes: &[Node], names: &'a [u8], id: NodeId) -> &'a [u8] {
    let n = &nodes[id as usize];
    &names[n.name_start as usize..(n.name_start + n.name_len) as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stat(zxid: i64) -> StatPersisted {
        StatPersisted {
            czxid: zxid,
            mzxid: zxid,
            pzxid: zxid,
            ..Default::default()
        }
    }

    #[test]
    fn children_stay_sorted_and_paths_resolve() {
        let mut t = Tree::with_root(stat(0), None, 0);
        let b = t.insert(ROOT, "b", b"", 0, stat(1)).unwrap();
        t.insert(ROOT, "a", b"x", 0, stat(2)).unwrap();
        let c = t.insert(b, "c", b"y", 0, stat(3)).unwrap();
        assert!(t.insert(ROOT, "a", b"", 0, stat(4)).is_none());
        let names: Vec<_> = t.children(ROOT).iter().map(|&c| t.name(c)).collect();
        assert_eq!(names, ["a", "b"]);
        assert_eq!(t.lookup("/b/c"), Some(c));
        assert_eq!(t.path(c), "/b/c");
        t.remove(c);
        assert_eq!(t.lookup("/b/c"), None);
        assert_eq!(t.len(), 3);
        let order: Vec<_> = t.preorder().map(|id| t.path(id)).collect();
        assert_eq!(order, ["/", "/a", "/b"]);
    }

    #[test]
    fn owners_decode_to_kinds() {
        assert_eq!(NodeKind::of_owner(0), NodeKind::Persistent);
        assert_eq!(NodeKind::of_owner(CONTAINER_OWNER), NodeKind::Container);
        assert_eq!(NodeKind::of_owner(0xff00_0000_0000_1388u64 as i64), NodeKind::Ttl(5000));
        assert_eq!(NodeKind::of_owner(0x1000_0abc), NodeKind::Ephemeral(0x1000_0abc));
    }
}
