//! The pattern language: parsing, escapes, one-segment matching and `**` across segments.

use proptest::prelude::*;

use super::*;

fn segment(text: &str) -> Segment {
    parse_segment(text).unwrap_or_else(|why| panic!("{text:?} does not parse: {why}"))
}

fn name_matches(pattern: &str, name: &str) -> bool {
    segment(pattern).matches(name)
}

/// Whether a whole relative path matches a relative pattern.
fn path_matches(pattern: &str, path: &str) -> bool {
    let segments: Vec<Segment> = pattern.split('/').map(segment).collect();
    let names: Vec<&str> = path.split('/').filter(|n| !n.is_empty()).collect();
    match_names(&segments, &names)
}

#[test]
fn wildcards_are_found_and_escapes_are_not_wildcards() {
    assert!(is_glob("/services/*/config"));
    assert!(is_glob("/a?"));
    assert!(is_glob("/a[bc]"));
    assert!(is_glob("/app/**/lock-*"));
    assert!(!is_glob("/services/web/config"));
    assert!(!is_glob(r"/a\*"));
    assert!(!is_glob(r"/a\?\[x\]"));
    assert!(is_glob(r"/a\\*"), "an escaped backslash, then a star");
    assert!(!is_glob(r"C:\new"), "a backslash before a plain character is itself");
    assert!(!is_glob(""));
}

#[test]
fn star_question_mark_and_classes_match_one_name() {
    assert!(name_matches("*", "anything"));
    assert!(name_matches("web-*", "web-1"));
    assert!(name_matches("web-*", "web-"));
    assert!(!name_matches("web-*", "db-1"));
    assert!(name_matches("*-lock-*", "x-lock-0000000001"));
    assert!(!name_matches("*-lock-*", "x-lock"));
    assert!(name_matches("a*b*c", "aXbYbZc"));
    assert!(!name_matches("a*b*c", "aXbYbZ"));
    assert!(name_matches("n?", "n1"));
    assert!(!name_matches("n?", "n"));
    assert!(!name_matches("n?", "n12"));
    assert!(name_matches("?é", "xé"), "? is one character, not one byte");
    assert!(name_matches("[a-c]", "b"));
    assert!(!name_matches("[a-c]", "d"));
    assert!(name_matches("n[0-9][0-9]", "n42"));
    assert!(name_matches("[!a-c]x", "dx"));
    assert!(!name_matches("[!a-c]x", "ax"));
    assert!(name_matches("[^a]", "b"));
    assert!(name_matches("[]a]", "]"), "a ] first in a class is a member");
    assert!(name_matches("[a-]", "-"), "a - last in a class is a member");
    assert!(name_matches(r"[\]]", "]"));
    assert!(name_matches("x]", "x]"), "a lone ] is itself");
}

#[test]
fn escapes_make_metacharacters_plain() {
    assert_eq!(segment(r"\*"), Segment::Literal("*".into()));
    assert_eq!(segment(r"a\?b\[c\]"), Segment::Literal("a?b[c]".into()));
    assert_eq!(segment(r"a\\b"), Segment::Literal(r"a\b".into()));
    assert_eq!(
        segment(r"C:\new"),
        Segment::Literal(r"C:\new".into()),
        "\\n is no escape"
    );
    assert_eq!(segment(r"tail\"), Segment::Literal(r"tail\".into()));
    assert!(name_matches(r"\**", "*x"));
    assert!(!name_matches(r"\**", "x*"));
    assert!(name_matches(r"\\*", r"\anything"));
    assert_eq!(
        segment(r"\*\*"),
        Segment::Literal("**".into()),
        "an escaped ** is a name"
    );
    assert_eq!(segment("**"), Segment::AnyDepth);
    assert!(
        matches!(segment("a**"), Segment::Match(_)),
        "** inside a name is a star"
    );
    assert!(name_matches("a**", "abc"));
}

#[test]
fn malformed_classes_say_why() {
    assert_eq!(
        parse_segment("a[bc").unwrap_err(),
        r"'[' is never closed (write '\[' for a '[' in a name)"
    );
    assert!(parse_segment("[]").is_err());
    assert_eq!(parse_segment("[z-a]").unwrap_err(), "the range 'z-a' runs backwards");
    let err = Pattern::parse("get", "/a/b[").unwrap_err();
    assert_eq!(
        err.to_string(),
        r"get /a/b[: '[' is never closed (write '\[' for a '[' in a name)"
    );
    assert_eq!(crate::errors::exit_code_of(&err), crate::exit::ExitCode::Usage);
}

#[test]
fn double_star_spans_any_number_of_segments() {
    // At the start.
    assert!(path_matches("**/lock-*", "lock-1"));
    assert!(path_matches("**/lock-*", "a/b/lock-1"));
    assert!(!path_matches("**/lock-*", "a/b/lock"));
    // In the middle, zero segments included.
    assert!(path_matches("a/**/c", "a/c"));
    assert!(path_matches("a/**/c", "a/b/c"));
    assert!(path_matches("a/**/c", "a/b/x/c"));
    assert!(!path_matches("a/**/c", "a/b/c/d"));
    assert!(path_matches("a/**/c/**/e", "a/c/c/e"));
    assert!(path_matches("a/**/b/*", "a/x/b/y/b/z"), "backtracks past an early b");
    // At the end: the node itself and everything below.
    assert!(path_matches("a/**", "a"));
    assert!(path_matches("a/**", "a/b/c"));
    assert!(!path_matches("a/**", "b"));
    assert!(path_matches("**", ""));
    assert!(!path_matches("*", ""));
}

#[test]
fn patterns_split_into_a_literal_base_and_the_rest() {
    let pattern = Pattern::parse("get", "/services/*/config").expect("parses");
    assert_eq!(pattern.base, "/services");
    assert_eq!(pattern.shown, "/services/*/config");
    assert_eq!(pattern.rest.len(), 2);
    assert_eq!(pattern.rest[1], Segment::Literal("config".into()));
    assert_eq!(pattern.literal(), None);
    let root = Pattern::parse("ls", "/*").expect("parses");
    assert_eq!(root.base, "/");
    let plain = Pattern::parse("get", r"/a/\*/b").expect("parses");
    assert_eq!(plain.literal(), Some("/a/*/b"), "escapes only: a path, unescaped");
    assert_eq!(Pattern::parse("get", "/").expect("parses").literal(), Some("/"));
    let doubled = Pattern::parse("ls", "/a/**/**/b").expect("parses");
    assert_eq!(doubled.rest, vec![Segment::AnyDepth, Segment::Literal("b".into())]);
}

/// Names ZooKeeper allows, metacharacters included.
fn znode_name() -> impl Strategy<Value = String> {
    proptest::string::string_regex(r"[a-z0-9*?\[\]\\.é-]{1,12}").expect("a valid regex")
}

/// `name` written so that every character is plain.
fn escape(name: &str) -> String {
    name.chars()
        .flat_map(|c| match c {
            '*' | '?' | '[' | ']' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect()
}

proptest! {
    #[test]
    fn an_escaped_name_matches_itself_and_only_itself(name in znode_name(), other in znode_name()) {
        let escaped = escape(&name);
        prop_assert!(!is_glob(&escaped));
        prop_assert_eq!(segment(&escaped), Segment::Literal(name.clone()));
        prop_assert_eq!(Segment::Literal(name.clone()).matches(&other), name == other);
    }

    #[test]
    fn wildcards_in_place_of_characters_still_match(name in "[a-z0-9.é-]{1,12}", cut in 0usize..12, len in 0usize..12) {
        let chars: Vec<char> = name.chars().collect();
        let start = cut.min(chars.len());
        let end = (start + len).min(chars.len());
        let before: String = chars[..start].iter().collect();
        let after: String = chars[end..].iter().collect();
        // A star for any run; a ? for each character; a class holding the character.
        let star = format!("{before}*{after}");
        prop_assert!(name_matches(&star, &name), "{}", star);
        let questions = format!("{before}{}{after}", "?".repeat(end - start));
        prop_assert!(name_matches(&questions, &name), "{}", questions);
        if let Some(c) = chars.get(start) {
            let rest: String = chars[start + 1..].iter().collect();
            let class = format!("{before}[{c}]{rest}");
            prop_assert!(name_matches(&class, &name), "{}", class);
            let negated = format!("{before}[!{c}]{rest}");
            prop_assert!(!name_matches(&negated, &name), "{}", negated);
        }
        // One character more than the name is not a match for a pattern of ?s.
        let longer = "?".repeat(chars.len() + 1);
        prop_assert!(!name_matches(&longer, &name));
    }
}
