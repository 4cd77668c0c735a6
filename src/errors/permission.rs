//! Which permission a refused operation needed, and on which node: named in NoAuth errors.

/// The permission a ZooKeeper operation checks, and on which node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Needed {
    pub permission: &'static str,
    /// Checked on the parent (create, delete), not on the node itself.
    pub on_parent: bool,
}

impl Needed {
    pub(super) fn describe(self) -> String {
        match self.on_parent {
            true => format!("{} on the parent", self.permission),
            false => self.permission.to_string(),
        }
    }
}

/// What the server checks for `op` (a command's operation name), when it is known.
pub fn needed_permission(op: &str) -> Option<Needed> {
    let (permission, on_parent) = match op {
        "get" | "ls" | "ls -l" => ("READ", false),
        "set" => ("WRITE", false),
        "create" => ("CREATE", true),
        "delete" => ("DELETE", true),
        "setAcl" => ("ADMIN", false),
        "getAcl" => ("READ or ADMIN", false),
        _ => return None,
    };
    Some(Needed { permission, on_parent })
}
