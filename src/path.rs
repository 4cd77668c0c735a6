//! Znode path resolution: relative paths against the current node, `.` and `..`, and the
//! checks ZooKeeper would otherwise answer with a bare "bad arguments".

use crate::errors::ShellError;

/// Resolves `input` (absolute, or relative to `cwd`) into a normalized absolute path.
pub fn resolve_path(cwd: &str, input: &str) -> anyhow::Result<String> {
    if input.is_empty() {
        return Err(ShellError::usage("empty path"));
    }
    if input.len() > 1 && input.ends_with('/') {
        return Err(ShellError::usage(format!(
            "path '{input}' ends with '/' (znode paths never do)"
        )));
    }
    if input.contains("//") {
        return Err(ShellError::usage(format!(
            "path '{input}' has an empty component ('//')"
        )));
    }
    if let Some((bad, why)) = input.chars().find_map(|c| forbidden(c).map(|why| (c, why))) {
        return Err(ShellError::usage(format!(
            "path '{}' contains {}, which ZooKeeper forbids in paths: {why}",
            input.escape_debug(),
            describe_char(bad)
        )));
    }
    let mut parts: Vec<&str> = if input.starts_with('/') {
        Vec::new()
    } else {
        cwd.split('/').filter(|p| !p.is_empty()).collect()
    };
    for part in input.split('/').filter(|p| !p.is_empty()) {
        match part {
            "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Err(ShellError::usage(format!(
                        "path '{input}' goes above the root ('..' from /)"
                    )));
                }
            }
            name => parts.push(name),
        }
    }
    Ok(join_absolute(&parts))
}

fn join_absolute(parts: &[&str]) -> String {
    if parts.is_empty() {
        return "/".to_string();
    }
    let mut out = String::new();
    for p in parts {
        out.push('/');
        out.push_str(p);
    }
    out
}

/// Why ZooKeeper's PathUtils.validatePath would reject `c`, if it would. It checks UTF-16
/// code units, so a character beyond U+FFFF (an emoji) fails as the surrogate pair Java stores
/// it as; checking here turns the server's bare "bad arguments" into a reason.
fn forbidden(c: char) -> Option<&'static str> {
    match c {
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' => Some("control characters are not allowed"),
        '\u{e000}'..='\u{f8ff}' => Some("private-use characters (U+E000..U+F8FF) are not allowed"),
        '\u{fff0}'..='\u{ffff}' => Some("specials (U+FFF0..U+FFFF) are not allowed"),
        c if u32::from(c) > 0xffff => Some(
            "characters beyond U+FFFF (emoji, for one) are surrogate pairs in Java, and surrogates (U+D800..U+DFFF) are not allowed",
        ),
        _ => None,
    }
}

/// `'😀' (U+1F600)`, or just `U+0001` for a character that must not reach a terminal.
fn describe_char(c: char) -> String {
    if c.is_control() {
        format!("U+{:04X}", u32::from(c))
    } else {
        format!("'{c}' (U+{:04X})", u32::from(c))
    }
}

/// `/a/b` -> `/a`; `/a` -> `/`.
pub fn parent_of(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) | None => "/",
        Some(i) => &path[..i],
    }
}

/// Joins a child name onto a parent path. (Called once per node of every walk: one exact
/// allocation, no formatting machinery.)
pub fn child_path(parent: &str, name: &str) -> String {
    let parent = if parent == "/" { "" } else { parent };
    let mut path = String::with_capacity(parent.len() + 1 + name.len());
    path.push_str(parent);
    path.push('/');
    path.push_str(name);
    path
}

/// Whether `path` is `root` or below it (`/ab` is not below `/a`).
pub fn is_within(path: &str, root: &str) -> bool {
    root == "/" || path == root || path.strip_prefix(root).is_some_and(|rest| rest.starts_with('/'))
}

/// Whether `path` is in ZooKeeper's own tree (`/zookeeper` and below): the server's, which a
/// copy skips and never writes or deletes.
pub fn is_zookeeper_own(path: &str) -> bool {
    path == "/zookeeper" || is_within(path, "/zookeeper")
}

/// Last component of a path (`/` for the root).
pub fn base_name(path: &str) -> &str {
    match path.rfind('/') {
        Some(i) if path.len() > 1 => &path[i + 1..],
        _ => "/",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn within_means_in_the_subtree() {
        assert!(is_within("/a/b", "/a"));
        assert!(is_within("/a", "/a"));
        assert!(is_within("/x", "/"));
        assert!(!is_within("/ab", "/a"));
        assert!(!is_within("/a", "/a/b"));
    }

    #[test]
    fn zookeepers_own_tree_is_zookeeper_and_below() {
        assert!(is_zookeeper_own("/zookeeper"));
        assert!(is_zookeeper_own("/zookeeper/quota/app"));
        assert!(!is_zookeeper_own("/zookeeper-backup"));
        assert!(!is_zookeeper_own("/"));
    }

    #[test]
    fn resolves_absolute_relative_and_dots() {
        assert_eq!(resolve_path("/", "/a/b").unwrap(), "/a/b");
        assert_eq!(resolve_path("/a", "b").unwrap(), "/a/b");
        assert_eq!(resolve_path("/a/b", "..").unwrap(), "/a");
        assert_eq!(resolve_path("/a/b", "../c/./d").unwrap(), "/a/c/d");
        assert_eq!(resolve_path("/a", ".").unwrap(), "/a");
        assert_eq!(resolve_path("/a", "/").unwrap(), "/");
        assert!(resolve_path("/", "..").is_err());
    }

    #[test]
    fn rejects_malformed_paths_with_reasons() {
        let msg = |p: &str| resolve_path("/", p).unwrap_err().to_string();
        assert_eq!(msg(""), "empty path");
        assert!(msg("/a//b").contains("empty component"));
        assert!(msg("/a/").contains("ends with '/'"));
        assert!(msg("/../x").contains("above the root"));
        assert!(msg("/a\u{1}b").contains("forbids"));
        // ZooKeeper's PathUtils ranges, the edges of each, and what passes between them.
        for refused in [
            '\u{0}', '\u{1f}', '\u{7f}', '\u{9f}', '\u{e000}', '\u{f8ff}', '\u{fff0}', '\u{ffff}',
        ] {
            assert!(resolve_path("/", &format!("/a{refused}")).is_err(), "{refused:?}");
        }
        for allowed in ['\u{20}', '\u{7e}', '\u{a0}', 'é', '\u{d7ff}', '\u{f900}', '\u{ffef}'] {
            assert!(resolve_path("/", &format!("/a{allowed}")).is_ok(), "{allowed:?}");
        }
        assert_eq!(
            msg("/a/\u{1f600}"),
            "path '/a/\u{1f600}' contains '\u{1f600}' (U+1F600), which ZooKeeper forbids in paths: \
             characters beyond U+FFFF (emoji, for one) are surrogate pairs in Java, and surrogates \
             (U+D800..U+DFFF) are not allowed"
        );
        assert_eq!(
            msg("/a\u{1}b"),
            "path '/a\\u{1}b' contains U+0001, which ZooKeeper forbids in paths: control characters are not allowed"
        );
    }

    #[test]
    fn splits_paths() {
        assert_eq!(parent_of("/a/b"), "/a");
        assert_eq!(parent_of("/a"), "/");
        assert_eq!(child_path("/", "a"), "/a");
        assert_eq!(child_path("/a", "b"), "/a/b");
        assert_eq!(base_name("/a/b"), "b");
        assert_eq!(base_name("/"), "/");
    }
}
