//! Kazoo's names for lock contenders: `<uuid-hex>__lock__<seq>` (writers, plain locks,
//! election candidates) and `<uuid-hex>__rlock__<seq>` (readers), ordered by their
//! ten-digit sequence; and who each one waits for.

/// The marker of an exclusive contender (Kazoo's `Lock`, `WriteLock`, `Election`).
pub const WRITE: &str = "__lock__";
/// The marker of a shared contender (Kazoo's `ReadLock`).
pub const READ: &str = "__rlock__";

/// How a contender takes part, and so whom it waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Kazoo's `WriteLock`: a `__lock__` node that waits for every contender before it,
    /// readers included. zksh's exclusive lock: for Kazoo `Lock` users it is the same lock.
    Writer,
    /// Kazoo's `ReadLock`: a `__rlock__` node that waits only for writers before it.
    Reader,
    /// Kazoo's plain `Lock` (and `Election`): a `__lock__` node that sees only `__lock__` nodes.
    Plain,
}

impl Role {
    /// The marker in this contender's node name.
    pub fn marker(self) -> &'static str {
        match self {
            Role::Reader => READ,
            Role::Writer | Role::Plain => WRITE,
        }
    }

    /// The markers of contenders this one must wait for when they come before it.
    fn blocked_by(self) -> &'static [&'static str] {
        match self {
            Role::Writer => &[WRITE, READ],
            Role::Reader | Role::Plain => &[WRITE],
        }
    }
}

/// A child of the lock node that is a contender: its marker and sequence (Kazoo's
/// `(?:__lock__|__rlock__)(-?\d{10})$`). The sequence is compared as text, as Kazoo does.
pub fn parse(name: &str) -> Option<(&'static str, &str)> {
    let digits = name.len().checked_sub(10)?;
    let tail = name.get(digits..)?;
    if !tail.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let head = &name[..digits];
    let (head, sequence) = match head.strip_suffix('-') {
        Some(head) => (head, &name[digits - 1..]),
        None => (head, tail),
    };
    [WRITE, READ]
        .into_iter()
        .find(|marker| head.ends_with(marker))
        .map(|marker| (marker, sequence))
}

/// Where a contender stands in line.
#[derive(Debug, PartialEq, Eq)]
pub enum Place<'a> {
    /// Nobody it must wait for: it holds the lock.
    First,
    /// It waits for this contender (a child name): the last before it whose marker blocks it.
    After(&'a str),
    /// It is not among the children: its session lost it.
    Gone,
}

/// Where the contender `own` (a child name) stands among `children`.
pub fn place<'a>(children: &'a [String], own: &str, role: Role) -> Place<'a> {
    let Some((_, own_sequence)) = children.iter().find(|c| *c == own).and_then(|c| parse(c)) else {
        return Place::Gone;
    };
    let blocked_by = role.blocked_by();
    let before = children
        .iter()
        .filter_map(|child| {
            let (marker, sequence) = parse(child)?;
            (blocked_by.contains(&marker) && sequence < own_sequence).then_some((sequence, child.as_str()))
        })
        .max();
    match before {
        Some((_, child)) => Place::After(child),
        None => Place::First,
    }
}

/// The contenders with one of `markers`, in the order they queued (Kazoo's `contenders()`).
pub fn in_order<'a>(children: &'a [String], markers: &[&str]) -> Vec<&'a str> {
    let mut found: Vec<(&str, &str)> = children
        .iter()
        .filter_map(|child| {
            let (marker, sequence) = parse(child)?;
            markers.contains(&marker).then_some((sequence, child.as_str()))
        })
        .collect();
    found.sort_unstable();
    found.into_iter().map(|(_, child)| child).collect()
}

/// 32 random hex digits, as Kazoo's `uuid.uuid4().hex` prefix: tells this contender's node
/// apart from others' when a create's reply is lost.
pub fn unique_prefix() -> String {
    use std::io::Read;
    let mut bytes = [0u8; 16];
    let read = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut bytes));
    if read.is_err() {
        // No /dev/urandom: the time and pid still differ between contenders.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        bytes = (nanos ^ (u128::from(std::process::id()) << 64)).to_le_bytes();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn contender_names_are_kazoos() {
        assert_eq!(parse("ab12__lock__0000000007"), Some((WRITE, "0000000007")));
        assert_eq!(parse("ab12__rlock__0000000010"), Some((READ, "0000000010")));
        assert_eq!(parse("ab12__lock__-000000001"), None, "ten digits after the sign");
        assert_eq!(parse("ab12__lock__-0000000001"), Some((WRITE, "-0000000001")));
        assert_eq!(parse("lease-ab12"), None);
        assert_eq!(parse("x__lock__00000001"), None);
        assert_eq!(parse("plain0000000001"), None);
    }

    #[test]
    fn readers_wait_for_writers_and_writers_for_everyone() {
        let children = names(&[
            "a__lock__0000000001",
            "b__rlock__0000000002",
            "c__rlock__0000000003",
            "d__lock__0000000004",
            "e__rlock__0000000005",
        ]);
        let p = |own, role| place(&children, own, role);
        assert_eq!(p("a__lock__0000000001", Role::Writer), Place::First);
        assert_eq!(
            p("b__rlock__0000000002", Role::Reader),
            Place::After("a__lock__0000000001")
        );
        assert_eq!(
            p("c__rlock__0000000003", Role::Reader),
            Place::After("a__lock__0000000001")
        );
        assert_eq!(
            p("d__lock__0000000004", Role::Writer),
            Place::After("c__rlock__0000000003")
        );
        assert_eq!(
            p("d__lock__0000000004", Role::Plain),
            Place::After("a__lock__0000000001")
        );
        assert_eq!(
            p("e__rlock__0000000005", Role::Reader),
            Place::After("d__lock__0000000004")
        );
        assert_eq!(p("z__lock__0000000009", Role::Writer), Place::Gone);
        assert_eq!(
            in_order(&children, &[WRITE]),
            ["a__lock__0000000001", "d__lock__0000000004"]
        );
    }

    #[test]
    fn prefixes_are_32_hex_digits_and_differ() {
        let (a, b) = (unique_prefix(), unique_prefix());
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }
}
