//! `import`: an export file written into a tree (created, rerun skipped, differing refused or
//! overwritten, dry run, missing parent), restored parents' sequential counters advanced, a
//! stopped import's exact report and a killed one finished by a rerun, and damaged files
//! stopped at the line named with what was written before it.

use std::io::Write;
use std::time::Duration;

use base64::Engine;
use serde_json::{Value, json};

use crate::support::{ZkServer, Zksh, namespace};

const T: Duration = Duration::from_secs(60);

/// One node of a hand-made export: relative path, data, ACL entries (scheme, id, perms).
pub struct Node<'a> {
    pub rel: String,
    pub data: &'a [u8],
    pub acl: Vec<(&'a str, &'a str, &'a str)>,
}

pub fn node(rel: impl Into<String>, data: &[u8]) -> Node<'_> {
    Node {
        rel: rel.into(),
        data,
        acl: vec![("world", "anyone", "cdrwa")],
    }
}

/// An export file's lines, as `export` writes them: header, a line per node, the end line.
pub fn export_text(root: &str, nodes: &[Node]) -> String {
    let header = json!({"format": "zksh-export", "version": 1, "source": "127.0.0.1:1", "root": root, "time": "2024-01-01T00:00:00.000Z"});
    let mut text = format!("{header}\n");
    for node in nodes {
        let acl: Vec<Value> = node
            .acl
            .iter()
            .map(|(scheme, id, perms)| json!({"scheme": scheme, "id": id, "perms": perms}))
            .collect();
        let stat = json!({"czxid": 1, "mzxid": 1, "pzxid": 1, "ctime": "2024-01-01T00:00:00.000Z",
            "mtime": "2024-01-01T00:00:00.000Z", "version": 0, "cversion": 0, "aclVersion": 0,
            "ephemeralOwner": 0, "dataLength": node.data.len(), "numChildren": 0});
        let data = base64::engine::general_purpose::STANDARD.encode(node.data);
        text.push_str(&format!(
            "{}\n",
            json!({"path": node.rel, "data": data, "acl": acl, "stat": stat})
        ));
    }
    text.push_str(&format!(
        "{}\n",
        json!({"end": {"nodes": nodes.len(), "ephemeralsSkipped": 0, "redacted": 0}})
    ));
    text
}

pub fn write_file(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> String {
    let path = dir.path().join(name);
    std::fs::File::create(&path)
        .and_then(|mut f| f.write_all(bytes))
        .expect("a test file");
    path.display().to_string()
}

/// A small tree: a root, binary data, a queue of sequential children, a nested node.
fn sample() -> Vec<Node<'static>> {
    vec![
        node("", b"root"),
        node("bin", &[0, 159, 146, 150, 255]),
        node("q", b""),
        node("q/item-0000000005", b"five"),
        node("q/item-0000000009", b"nine"),
        node("x", b"x"),
        node("x/y", b"deep"),
    ]
}

fn import(server: &ZkServer, args: &[&str]) -> crate::support::Output {
    let mut all = vec!["import"];
    all.extend_from_slice(args);
    Zksh::new(server).args(all).timeout(T).run()
}

#[test]
fn import_creates_the_tree_then_a_rerun_skips_it_and_sequences_continue_above() {
    let (server, ns) = namespace("import");
    let dir = tempfile::tempdir().expect("a temp dir");
    let file = write_file(&dir, "a.ndjson", export_text("/src", &sample()).as_bytes());
    let dest = format!("{ns}/restore");

    let out = import(server, &[&file, &dest, "-o", "json"]);
    out.success();
    let report = out.json();
    assert_eq!(report["created"], 7);
    assert_eq!(report["skipped"], 0);
    assert_eq!(report["countersAdvanced"], 1);
    let bin = Zksh::new(server).args(["get", "-x", &format!("{dest}/bin")]).run();
    bin.success().stdout_contains("00 9f 92 96 ff");
    Zksh::new(server)
        .args(["get", &format!("{dest}/x/y")])
        .run()
        .stdout_is("deep\n");

    // The next sequential create comes after every restored child.
    let out = Zksh::new(server)
        .args(["create", "-s", &format!("{dest}/q/item-")])
        .run();
    out.success();
    let created = out.stdout.trim().to_string();
    let suffix: u64 = created[created.len() - 10..].parse().expect("a sequential suffix");
    assert!(
        suffix > 9,
        "{created} collides with or comes before the restored children"
    );

    // A rerun finds everything there: nothing written, no error.
    let out = import(server, &[&file, &dest, "-o", "json"]);
    out.success();
    assert_eq!(out.json()["created"], 0);
    assert_eq!(out.json()["skipped"], 7);
}

#[test]
fn differing_nodes_are_refused_unless_overwrite_and_dry_run_writes_nothing() {
    let (server, ns) = namespace("import-differ");
    let dir = tempfile::tempdir().expect("a temp dir");
    let file = write_file(&dir, "a.ndjson", export_text("/src", &sample()).as_bytes());
    let dest = format!("{ns}/restore");
    import(server, &[&file, &dest]).success();
    Zksh::new(server)
        .args(["set", &format!("{dest}/x"), "changed"])
        .run()
        .success();

    // The dry run says what would change or be refused, and changes nothing.
    let out = import(server, &[&file, &dest, "--dry-run"]);
    out.code(1).stderr_contains("refuse 1");
    assert_eq!(
        out.lines(),
        [format!("refuse {dest}/x: it differs (data); --overwrite replaces it")]
    );
    let out = import(server, &[&file, &dest, "--dry-run", "--overwrite"]);
    out.success();
    assert_eq!(out.lines(), [format!("change {dest}/x (data)")]);
    Zksh::new(server)
        .args(["get", &format!("{dest}/x")])
        .run()
        .stdout_is("changed\n");

    let out = import(server, &[&file, &dest]);
    out.code(1)
        .stdout_contains(&format!("refused {dest}/x: it differs (data)"));
    Zksh::new(server)
        .args(["get", &format!("{dest}/x")])
        .run()
        .stdout_is("changed\n");

    let out = import(server, &[&file, &dest, "--overwrite", "-o", "json"]);
    out.success();
    assert_eq!(out.json()["changed"], 1);
    assert_eq!(out.json()["skipped"], 6);
    Zksh::new(server)
        .args(["get", &format!("{dest}/x")])
        .run()
        .stdout_is("x\n");

    // A dry run into an empty place lists every create and writes nothing.
    let fresh = format!("{ns}/fresh");
    let out = import(server, &[&file, &fresh, "--dry-run"]);
    out.success();
    assert_eq!(out.lines().len(), 7);
    assert_eq!(out.lines()[0], format!("create {fresh}"));
    Zksh::new(server).args(["exists", &fresh]).run().code(1);
}

#[test]
fn a_missing_parent_is_refused_unless_p() {
    let (server, ns) = namespace("import-parent");
    let dir = tempfile::tempdir().expect("a temp dir");
    let file = write_file(&dir, "a.ndjson", export_text("/src", &sample()).as_bytes());
    let dest = format!("{ns}/a/b/restore");
    import(server, &[&file, &dest])
        .code(1)
        .one_line_error()
        .stderr_contains("-p creates it");
    Zksh::new(server).args(["exists", &format!("{ns}/a")]).run().code(1);
    import(server, &[&file, &dest, "-p"]).success();
    Zksh::new(server)
        .args(["get", &format!("{dest}/x/y")])
        .run()
        .stdout_is("deep\n");
}

#[test]
fn a_redacted_acl_is_never_written() {
    let (server, ns) = namespace("import-redacted");
    let dir = tempfile::tempdir().expect("a temp dir");
    let mut nodes = sample();
    nodes[5].acl = vec![("digest", "alice:x", "cdrwa")];
    let mut text = export_text("/src", &nodes);
    text = text.replace(
        r#""id":"alice:x","perms":"cdrwa""#,
        r#""id":"alice:x","perms":"cdrwa","redacted":true"#,
    );
    let file = write_file(&dir, "a.ndjson", text.as_bytes());
    let dest = format!("{ns}/restore");
    let out = import(server, &[&file, &dest]);
    out.code(1)
        .stdout_contains(&format!("refused {dest}/x: its ACL came back redacted"));
    Zksh::new(server).args(["exists", &format!("{dest}/x")]).run().code(1);
    Zksh::new(server).args(["get", &format!("{dest}/bin")]).run().success();
}

#[test]
fn damaged_files_stop_at_the_line_named_and_say_what_was_written() {
    let (server, ns) = namespace("import-bad");
    let dir = tempfile::tempdir().expect("a temp dir");
    let good = export_text("/src", &sample());

    // Another format: nothing written.
    let other = write_file(&dir, "other.json", b"{\"hello\": 1}\n");
    import(server, &[&other, &format!("{ns}/o")])
        .code(1)
        .one_line_error()
        .stderr_contains("line 1");
    Zksh::new(server).args(["exists", &format!("{ns}/o")]).run().code(1);

    // A corrupt line after three nodes: those three are written and reported.
    let mut lines: Vec<&str> = good.lines().collect();
    lines[4] = "{\"path\": \"q/item-00";
    let corrupt = write_file(&dir, "corrupt.ndjson", (lines.join("\n") + "\n").as_bytes());
    let out = import(server, &[&corrupt, &format!("{ns}/c")]);
    out.code(1)
        .one_line_error()
        .stderr_contains("line 5")
        .stderr_contains("3 nodes created");
    Zksh::new(server).args(["get", &format!("{ns}/c/q")]).run().success();

    // Cut short (no end line).
    let cut: Vec<&str> = good.lines().take(6).collect();
    let cut = write_file(&dir, "cut.ndjson", (cut.join("\n") + "\n").as_bytes());
    let out = import(server, &[&cut, &format!("{ns}/t")]);
    out.code(1).one_line_error().stderr_contains("5 nodes created");

    // gzip damage.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(good.as_bytes()).expect("gzip");
    let mut bytes = gz.finish().expect("gzip");
    let middle = bytes.len() / 2;
    bytes.truncate(middle);
    let damaged = write_file(&dir, "damaged.ndjson.gz", &bytes);
    import(server, &[&damaged, &format!("{ns}/g")]).code(1).one_line_error();
}

/// A file of `branches` x `leaves` nodes under the root.
fn big_export(branches: usize, leaves: usize) -> String {
    let mut nodes = vec![node("", b"")];
    for b in 0..branches {
        nodes.push(node(format!("b{b:03}"), b"branch"));
        for l in 0..leaves {
            nodes.push(node(format!("b{b:03}/n{l:04}"), b"leaf data"));
        }
    }
    export_text("/src", &nodes)
}

fn count(server: &ZkServer, root: &str) -> usize {
    let out = Zksh::new(server).args(["count", root, "-o", "json"]).timeout(T).run();
    out.success();
    out.json()["nodes"].as_u64().expect("a count") as usize
}

#[test]
fn a_stopped_import_reports_exactly_what_it_wrote_and_a_killed_one_is_finished_by_a_rerun() {
    let (server, ns) = namespace("import-stop");
    let dir = tempfile::tempdir().expect("a temp dir");
    let total = 1 + 40 * 1001;
    let file = write_file(&dir, "big.ndjson", big_export(40, 1000).as_bytes());

    // SIGINT once some nodes are there: the report is exact.
    let dest = format!("{ns}/int");
    let running = Zksh::new(server)
        .args(["import", &file, &dest, "--parallel", "1"])
        .spawn();
    wait_for_node(server, &format!("{dest}/b000"));
    running.signal(libc::SIGINT);
    let out = running.finish_within(T);
    out.code(130);
    let said: usize = out
        .stderr
        .split("interrupted: ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count in {:?}", out.stderr));
    let there = count(server, &dest);
    assert_eq!(said, there, "the report says what is there: {}", out.stderr);
    if there < total {
        let out = import(server, &[&file, &dest, "-o", "json"]);
        out.success();
        assert_eq!(out.json()["skipped"].as_u64(), Some(there as u64));
    }
    assert_eq!(count(server, &dest), total);

    // SIGKILL part way: a rerun finishes with no error and no duplicate.
    let dest = format!("{ns}/kill");
    let running = Zksh::new(server)
        .args(["import", &file, &dest, "--parallel", "1"])
        .spawn();
    wait_for_node(server, &format!("{dest}/b000"));
    running.signal(libc::SIGKILL);
    running.finish_within(T);
    let out = import(server, &[&file, &dest, "-o", "json"]);
    out.success();
    let report = out.json();
    assert_eq!(
        report["created"].as_u64().unwrap() + report["skipped"].as_u64().unwrap(),
        total as u64
    );
    assert_eq!(count(server, &dest), total);
    let out = Zksh::new(server).args(["get", &format!("{dest}/b039/n0999")]).run();
    out.stdout_is("leaf data\n");
}

/// Waits until `path` exists (the import under way has written something).
fn wait_for_node(server: &ZkServer, path: &str) {
    let deadline = std::time::Instant::now() + T;
    while std::time::Instant::now() < deadline {
        if Zksh::new(server).args(["exists", path]).run().code == 0 {
            return;
        }
    }
    panic!("{path} never appeared");
}
