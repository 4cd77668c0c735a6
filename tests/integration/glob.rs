//! Globs in path arguments (`get '/services/*/config'`, `ls '/app/**/lock-*'`): matched
//! against the live tree, each match labelled in text and one JSON document each; one match
//! looks like a plain path; no match is a one-line error.

use std::time::Duration;

use serde_json::Value;

use crate::support::{ZkServer, Zksh, namespace};

const T: Duration = Duration::from_secs(20);

/// A known tree under a fresh namespace:
/// services/{web,db,cache}, web and db with a config; app/ with locks at several depths;
/// odd/ with nodes named `*`, `x` and `a[1]`.
fn known_tree(name: &str) -> (&'static ZkServer, String) {
    let (server, root) = namespace(name);
    let script: String = [
        "services",
        "services/web",
        "services/web/config w=1",
        "services/db",
        "services/db/config d=2",
        "services/cache",
        "app",
        "app/a",
        "app/a/b",
        "app/a/b/lock-2",
        "app/a/lock-1",
        "app/lock-0",
        "app/x",
        "app/x/y",
        "odd",
        "odd/* star",
        "odd/x ex",
        "odd/a[1] bracketed",
    ]
    .iter()
    .map(|line| {
        let (path, data) = line.split_once(' ').unwrap_or((line, ""));
        format!("create '{root}/{path}' '{data}'\n")
    })
    .collect();
    Zksh::new(server).stdin(script).run().success();
    (server, root)
}

fn ndjson(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect()
}

#[test]
fn get_labels_each_match_and_json_is_one_document_each() {
    let (server, root) = known_tree("glob-get");
    let pattern = format!("{root}/services/*/config");
    Zksh::new(server)
        .args(["get", &pattern])
        .run()
        .success()
        .stderr_is_empty()
        .stdout_is(&format!(
            "{root}/services/db/config: d=2\n{root}/services/web/config: w=1\n"
        ));
    let out = Zksh::new(server).args(["get", &pattern, "-o", "json"]).run();
    out.success();
    let docs = ndjson(&out.stdout);
    assert_eq!(docs.len(), 2, "{}", out.stdout);
    assert_eq!(docs[0]["path"], format!("{root}/services/db/config"));
    assert_eq!(docs[0]["data"], "d=2");
    assert_eq!(docs[1]["path"], format!("{root}/services/web/config"));
    assert_eq!(docs[1]["data"], "w=1");
    crate::oneshot::assert_stat_json(&docs[1]["stat"]);
    // One match reads like the plain path: the data alone, one document.
    Zksh::new(server)
        .args(["get", &format!("{root}/services/w?b/config")])
        .run()
        .success()
        .stdout_is("w=1\n");
    let one = Zksh::new(server)
        .args(["get", &format!("{root}/services/[v-z]*/config"), "-o", "json"])
        .run();
    assert_eq!(one.success().json()["data"], "w=1");
    // Bytes for one node only: several matches are refused before anything is written.
    Zksh::new(server)
        .args(["get", "--raw", &pattern])
        .run()
        .code(2)
        .one_line_error()
        .stderr_contains("--raw and --out write one node's bytes");
}

#[test]
fn ls_labels_each_listing_like_gnu_ls() {
    let (server, root) = known_tree("glob-ls");
    Zksh::new(server)
        .args(["ls", &format!("{root}/services/[c-d]*")])
        .run()
        .success()
        .stdout_is(&format!("{root}/services/cache:\n\n{root}/services/db:\nconfig\n"));
    let out = Zksh::new(server)
        .args(["ls", &format!("{root}/services/*"), "-o", "json"])
        .run();
    out.success();
    let docs = ndjson(&out.stdout);
    let paths: Vec<&str> = docs.iter().map(|d| d["path"].as_str().unwrap_or("")).collect();
    let services = format!("{root}/services");
    assert_eq!(
        paths,
        [
            format!("{services}/cache"),
            format!("{services}/db"),
            format!("{services}/web")
        ]
    );
    assert_eq!(docs[2]["children"], serde_json::json!(["config"]));
    // -R walks each match; a match inside a subtree already listed is not listed twice.
    Zksh::new(server)
        .args(["ls", "-R", &format!("{root}/app/*")])
        .run()
        .success()
        .stdout_is(&format!(
            "{r}/a\n{r}/a/b\n{r}/a/b/lock-2\n{r}/a/lock-1\n{r}/lock-0\n{r}/x\n{r}/x/y\n",
            r = format!("{root}/app")
        ));
    let everything = Zksh::new(server).args(["ls", "-R", &format!("{root}/app/**")]).run();
    let walked = Zksh::new(server).args(["ls", "-R", &format!("{root}/app")]).run();
    everything.success().stdout_is(&walked.stdout);
}

#[test]
fn double_star_matches_at_any_depth_parents_first() {
    let (server, root) = known_tree("glob-deep");
    let app = format!("{root}/app");
    Zksh::new(server)
        .args(["exists", &format!("{app}/**/lock-*")])
        .run()
        .success()
        .stdout_is(&format!(
            "{app}/a/b/lock-2 exists\n{app}/a/lock-1 exists\n{app}/lock-0 exists\n"
        ));
    // At the end, `**` is the node itself and everything below it.
    Zksh::new(server)
        .args(["exists", &format!("{app}/x/**")])
        .run()
        .success()
        .stdout_is(&format!("{app}/x exists\n{app}/x/y exists\n"));
    // In the middle, it may be no segment at all.
    Zksh::new(server)
        .args(["exists", &format!("{root}/**/b/lock-2")])
        .run()
        .success()
        .stdout_is(&format!("{app}/a/b/lock-2 exists\n"));
}

#[test]
fn stat_heads_each_match_and_exists_says_each_is_there() {
    let (server, root) = known_tree("glob-stat");
    let pattern = format!("{root}/services/*/config");
    let out = Zksh::new(server).args(["stat", &pattern]).run();
    out.success().stderr_is_empty();
    let lines = out.lines();
    let headers: Vec<&str> = lines.iter().copied().filter(|l| l.ends_with(':')).collect();
    assert_eq!(
        headers,
        [
            format!("{root}/services/db/config:"),
            format!("{root}/services/web/config:")
        ]
    );
    assert_eq!(lines.iter().filter(|l| l.starts_with("dataVersion = ")).count(), 2);
    assert_eq!(
        lines.iter().filter(|l| l.is_empty()).count(),
        1,
        "one blank line between"
    );
    let out = Zksh::new(server).args(["stat", &pattern, "-o", "json"]).run();
    let docs = ndjson(&out.success().stdout);
    assert_eq!(docs.len(), 2);
    assert_eq!(docs[0]["path"], format!("{root}/services/db/config"));
    crate::oneshot::assert_stat_json(&docs[0]["stat"]);
    let out = Zksh::new(server).args(["exists", &pattern, "-o", "json"]).run();
    let docs = ndjson(&out.success().stdout);
    assert!(docs.iter().all(|d| d["exists"] == true), "{}", out.stdout);
    assert_eq!(docs.len(), 2);
}

#[test]
fn a_glob_that_matches_nothing_is_a_one_line_error() {
    let (server, root) = known_tree("glob-none");
    for (command, pattern) in [
        ("get", format!("{root}/services/*/nothing")),
        ("ls", format!("{root}/nowhere/*")),
        ("stat", format!("{root}/services/z*")),
        ("exists", format!("{root}/app/**/none-*")),
    ] {
        Zksh::new(server)
            .args([command, &pattern])
            .run()
            .code(1)
            .one_line_error()
            .stderr_contains(&format!("{command} {pattern}: no znode matches"));
    }
    // A node named as the pattern is written: the error says how to reach it.
    Zksh::new(server)
        .args(["get", &format!("{root}/odd/a[1]")])
        .run()
        .code(1)
        .one_line_error()
        .stderr_contains(&format!(r"write it '{root}/odd/a\[1\]'"));
    Zksh::new(server)
        .args(["get", &format!("{root}/odd/a[1")])
        .run()
        .code(2)
        .one_line_error()
        .stderr_contains("'[' is never closed");
}

#[test]
fn an_escaped_star_is_a_node_named_star() {
    let (server, root) = known_tree("glob-escape");
    Zksh::new(server)
        .args(["get", &format!(r"{root}/odd/\*")])
        .run()
        .success()
        .stdout_is("star\n");
    Zksh::new(server)
        .args(["get", &format!(r"{root}/odd/a\[1\]")])
        .run()
        .success()
        .stdout_is("bracketed\n");
    // Unescaped, the star matches every name, the one named `*` included.
    Zksh::new(server)
        .args(["get", &format!("{root}/odd/*")])
        .run()
        .success()
        .stdout_is(&format!(
            "{root}/odd/*: star\n{root}/odd/a[1]: bracketed\n{root}/odd/x: ex\n"
        ));
}

#[test]
fn relative_globs_in_a_script_resolve_against_cd() {
    let (server, root) = known_tree("glob-cd");
    // cd prints where it went; the globs print absolute paths.
    let script = format!("cd {root}/services\nget */config\ncd web\nls ../d*\nexists ../*/config\n");
    let services = format!("{root}/services");
    Zksh::new(server)
        .stdin(script)
        .run()
        .success()
        .stderr_is_empty()
        .stdout_is(&format!(
            "{services}\n{services}/db/config: d=2\n{services}/web/config: w=1\n\
             {services}/web\nconfig\n\
             {services}/db/config exists\n{services}/web/config exists\n"
        ));
}

#[test]
fn a_watch_is_left_on_each_match() {
    let (server, root) = known_tree("glob-watch");
    let script = format!("get -w {root}/services/*/config\nwatches -o json\nsleep 60s\n");
    let mut run = Zksh::new(server).args(["-f", "-"]).stdin(script).spawn();
    let listed = run.wait_stdout("\"watches\"", T);
    let listed = listed.lines().last().unwrap_or("");
    let listed: Value = serde_json::from_str(listed).expect("json");
    let mut paths: Vec<&str> = listed["watches"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|w| w["path"].as_str().unwrap_or(""))
        .collect();
    paths.sort_unstable();
    assert_eq!(
        paths,
        [
            format!("{root}/services/db/config"),
            format!("{root}/services/web/config")
        ]
    );
    for service in ["db", "web"] {
        let config = format!("{root}/services/{service}/config");
        Zksh::new(server).args(["set", &config, "changed"]).run().success();
        run.wait_stderr(&config, T);
    }
    run.signal(libc::SIGINT);
    let out = run.finish_within(T);
    assert_eq!(out.stderr.matches("NodeDataChanged").count(), 2, "{}", out.stderr);
}

#[test]
fn the_repl_takes_globs_relative_to_cd_and_tab_on_one_does_no_harm() {
    let (server, root) = known_tree("glob-repl");
    let mut sh = crate::pty::PtyShell::spawn(&["-s", &server.connect_string()], &[]);
    sh.wait_for("CONNECTED", T);
    sh.line(&format!("cd {root}/services"));
    sh.wait_for(&format!("{root}/services> "), T);
    // Tab on a glob offers nothing and leaves the line as typed; the shell lives on.
    sh.type_text("get */con\t");
    sh.wait_until("the glob still typed", T, |s| {
        crate::pty::input_line(s).contains("get */con")
    });
    sh.line("fig");
    sh.wait_for(&format!("{root}/services/web/config: w=1"), T);
    let screen = sh.wait_for(&format!("{root}/services/db/config: d=2"), T);
    assert!(!screen.contains("panicked"), "{screen}");
    sh.line("quit");
    assert_eq!(sh.wait_exit(T), 0);
}
