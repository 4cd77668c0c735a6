//! `export`: the file's node lines checked one by one against what a second client (Kazoo,
//! authenticated) reads; binary data; a digest ACL exported with auth, refused without it
//! (or marked with --allow-redacted); ephemerals skipped and counted; gzip both ways; each
//! kind of damaged file stopped with a one-line error naming its line.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use base64::Engine;
use serde_json::Value;

use crate::support::{ZkServer, Zksh, namespace};

/// zksh's `addauth` line for the fixture's digest user (a test may carry its password).
pub(crate) const AUTH: &str = "addauth digest alice:secret";

/// Builds, with Kazoo authenticated as alice: `root/a` (text), `root/a/bin` (every byte
/// value), `root/sec` (alice may do anything, the world may read), `root/seq-0000000007`.
pub(crate) fn build_fixture(server: &ZkServer, root: &str) {
    const SCRIPT: &str = r#"
import sys
from kazoo.client import KazooClient
from kazoo.security import make_digest_acl, make_acl
hosts, root = sys.argv[1], sys.argv[2]
zk = KazooClient(hosts=hosts, auth_data=[("digest", "alice:secret")])
zk.start()
zk.create(root + "/a", b"hello")
zk.create(root + "/a/bin", bytes(range(256)))
zk.create(root + "/sec", b"s", acl=[make_digest_acl("alice", "secret", all=True), make_acl("world", "anyone", read=True)])
zk.create(root + "/seq-0000000007", b"")
zk.stop()
"#;
    kazoo(SCRIPT, server, root);
}

/// What Kazoo (authenticated) reads of every node under `root`, by relative path: data as
/// base64, ACL entries as sorted `scheme:id:perms`, and the stat.
pub(crate) fn kazoo_view(server: &ZkServer, root: &str) -> BTreeMap<String, Value> {
    const SCRIPT: &str = r#"
import sys, json, base64
from kazoo.client import KazooClient
hosts, root = sys.argv[1], sys.argv[2]
zk = KazooClient(hosts=hosts, auth_data=[("digest", "alice:secret")])
zk.start()
def letters(p):
    return "".join(l for l, bit in zip("cdrwa", [4, 8, 1, 2, 16]) if p & bit)
def visit(path):
    data, st = zk.get(path)
    if st.ephemeralOwner:
        return
    acl, _ = zk.get_acls(path)
    rel = path[len(root) + 1:] if path != root else ""
    print(json.dumps({"path": rel, "data": base64.b64encode(data).decode(),
        "acl": sorted("%s:%s:%s" % (a.id.scheme, a.id.id, letters(a.perms)) for a in acl),
        "czxid": st.czxid, "mzxid": st.mzxid, "pzxid": st.pzxid, "ctime": st.ctime, "mtime": st.mtime,
        "version": st.version, "cversion": st.cversion, "aclVersion": st.aversion,
        "ephemeralOwner": st.ephemeralOwner, "dataLength": st.dataLength, "numChildren": st.numChildren}))
    for child in sorted(zk.get_children(path)):
        visit(path + "/" + child)
visit(root)
zk.stop()
"#;
    let out = kazoo(SCRIPT, server, root);
    out.lines()
        .map(|line| {
            let value: Value = serde_json::from_str(line).expect("kazoo prints JSON");
            (value["path"].as_str().expect("path").to_string(), value)
        })
        .collect()
}

fn kazoo(script: &str, server: &ZkServer, root: &str) -> String {
    let out = Command::new("python3")
        .args(["-c", script, &server.connect_string(), root])
        .output()
        .expect("python3 with kazoo");
    assert!(out.status.success(), "kazoo: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8")
}

/// The lines of an export file (gunzipped when it is gzip), parsed.
fn file_lines(path: &Path) -> Vec<Value> {
    let bytes = std::fs::read(path).expect("export file");
    let text = if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut text).expect("gunzip");
        text
    } else {
        String::from_utf8(bytes).expect("utf-8")
    };
    text.lines()
        .map(|line| serde_json::from_str(line).expect("each line is JSON"))
        .collect()
}

/// The node line's view in `kazoo_view`'s terms.
fn as_kazoo_sees_it(line: &Value) -> Value {
    let stat = &line["stat"];
    let millis = |key: &str| {
        chrono::DateTime::parse_from_rfc3339(stat[key].as_str().expect("time"))
            .expect("RFC 3339")
            .timestamp_millis()
    };
    let mut acl: Vec<String> = line["acl"]
        .as_array()
        .expect("acl")
        .iter()
        .map(|e| {
            format!(
                "{}:{}:{}",
                e["scheme"].as_str().unwrap(),
                e["id"].as_str().unwrap(),
                e["perms"].as_str().unwrap()
            )
        })
        .collect();
    acl.sort();
    serde_json::json!({
        "path": line["path"], "data": line["data"], "acl": acl,
        "czxid": stat["czxid"], "mzxid": stat["mzxid"], "pzxid": stat["pzxid"],
        "ctime": millis("ctime"), "mtime": millis("mtime"), "version": stat["version"],
        "cversion": stat["cversion"], "aclVersion": stat["aclVersion"],
        "ephemeralOwner": stat["ephemeralOwner"], "dataLength": stat["dataLength"],
        "numChildren": stat["numChildren"],
    })
}

#[test]
fn every_node_line_is_what_an_authenticated_second_client_reads() {
    let (server, root) = namespace("export-lines");
    build_fixture(server, &root);
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("backup.ndjson");
    let script = format!("{AUTH}; export {root} --out {}", file.display());
    let out = Zksh::new(server).args(["-c", &script]).run();
    out.success().stderr_contains("exported 5 nodes");
    let lines = file_lines(&file);
    let header = &lines[0];
    assert_eq!(header["format"], "zksh-export");
    assert_eq!(header["version"], 1);
    assert_eq!(header["root"], root.as_str());
    assert_eq!(header["source"], server.connect_string().as_str());
    let expected = kazoo_view(server, &root);
    let nodes = &lines[1..lines.len() - 1];
    let paths: Vec<&str> = nodes.iter().map(|line| line["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["", "a", "a/bin", "sec", "seq-0000000007"], "walk order");
    for line in nodes {
        let path = line["path"].as_str().unwrap();
        assert_eq!(as_kazoo_sees_it(line), expected[path], "node {path:?}");
    }
    let bin = base64::engine::general_purpose::STANDARD
        .decode(nodes[2]["data"].as_str().unwrap())
        .unwrap();
    assert_eq!(bin, (0..=255u8).collect::<Vec<_>>());
    let sec = nodes[3]["acl"].to_string();
    assert!(
        sec.contains("\"alice:") && !sec.contains("alice:x") && !sec.contains("redacted"),
        "{sec}"
    );
    let end = &lines[lines.len() - 1]["end"];
    assert_eq!(end["nodes"], 5);
    assert_eq!(end["ephemeralsSkipped"], 0);
    let (min, max) = (
        end["zxids"]["min"].as_i64().unwrap(),
        end["zxids"]["max"].as_i64().unwrap(),
    );
    assert!(min <= expected[""]["czxid"].as_i64().unwrap() && max >= expected["sec"]["mzxid"].as_i64().unwrap());
    // An ephemeral node (of this very session) is skipped and counted, or kept and marked.
    let script = format!("{AUTH}; create -e {root}/eph x; export {root}");
    let out = Zksh::new(server).args(["-c", &script]).run();
    out.success()
        .stderr_contains("exported 5 nodes; skipped 1 ephemeral node");
    assert!(!out.stdout.contains("\"path\":\"eph\""), "{}", out.stdout);
    assert!(out.stdout.contains("\"ephemeralsSkipped\":1"), "{}", out.stdout);
    let script = format!("{AUTH}; create -e {root}/eph x; export {root} --include-ephemeral");
    let out = Zksh::new(server).args(["-c", &script]).run();
    out.success();
    let eph = out
        .lines()
        .into_iter()
        .find(|line| line.contains("\"path\":\"eph\""))
        .expect("the ephemeral line");
    assert!(eph.contains("\"ephemeral\":true"), "{eph}");
}

#[test]
fn redacted_digest_acls_fail_the_export_unless_allowed_and_then_are_marked() {
    let (server, root) = namespace("export-redacted");
    build_fixture(server, &root);
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("backup.ndjson");
    let out = Zksh::new(server)
        .args(["export", &root, "--out", &file.display().to_string()])
        .run();
    out.code(1).one_line_error().stderr_contains(&format!("{root}/sec"));
    assert!(!file.exists(), "a refused export leaves no file");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "nor a temporary one");
    // To stdout: what went out has no end line, so nothing will take it for complete.
    let out = Zksh::new(server).args(["export", &root]).run();
    out.code(1).stderr_contains("redacted");
    assert!(!out.stdout.contains("\"end\""), "{}", out.stdout);
    let out = Zksh::new(server)
        .args([
            "export",
            &root,
            "--allow-redacted",
            "--out",
            &file.display().to_string(),
        ])
        .run();
    out.success()
        .stderr_contains(&format!("1 node with redacted ACL entries, marked: {root}/sec"));
    let lines = file_lines(&file);
    let sec = lines.iter().find(|line| line["path"] == "sec").expect("sec");
    let digest = sec["acl"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["scheme"] == "digest")
        .unwrap();
    assert_eq!(digest["id"], "alice:x");
    assert_eq!(digest["redacted"], true);
    assert_eq!(lines.last().unwrap()["end"]["redacted"], 1);
}

#[test]
fn gzip_by_flag_or_name_and_read_back_either_way() {
    let (server, root) = namespace("export-gzip");
    build_fixture(server, &root);
    let dir = tempfile::tempdir().expect("tempdir");
    let by_name = dir.path().join("b.ndjson.gz");
    let by_flag = dir.path().join("b.backup");
    let plain = dir.path().join("b.ndjson");
    let script = format!(
        "{AUTH}; export {root} --out {}; export {root} --gzip --out {}; export {root} --out {}",
        by_name.display(),
        by_flag.display(),
        plain.display()
    );
    Zksh::new(server).args(["-c", &script]).run().success();
    for (file, gzip) in [(&by_name, true), (&by_flag, true), (&plain, false)] {
        let bytes = std::fs::read(file).unwrap();
        assert_eq!(bytes.starts_with(&[0x1f, 0x8b]), gzip, "{}", file.display());
        assert_eq!(file_lines(file), {
            let mut lines = file_lines(&plain);
            lines[0]["time"] = file_lines(file)[0]["time"].clone();
            lines
        });
        // And read back by zksh, whatever the name says.
        let script = format!("{AUTH}; diff file:{} {root}", file.display());
        Zksh::new(server).args(["-c", &script]).run().success();
    }
    Zksh::new(server)
        .args(["export", &root, "--gzip"])
        .run()
        .code(2)
        .one_line_error();
}

#[test]
fn damaged_files_are_stopped_with_one_line_naming_the_line() {
    let (server, root) = namespace("export-damaged");
    build_fixture(server, &root);
    let dir = tempfile::tempdir().expect("tempdir");
    let good = dir.path().join("good.ndjson");
    let script = format!("{AUTH}; export {root} --out {}", good.display());
    Zksh::new(server).args(["-c", &script]).run().success();
    let text = std::fs::read_to_string(&good).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    };
    let gzipped = {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut gz, text.as_bytes()).unwrap();
        gz.finish().unwrap()
    };
    let cases = [
        (
            write("cut.ndjson", format!("{}\n", lines[..3].join("\n")).as_bytes()),
            "line 4: the file ends without its end line",
        ),
        (
            write("cutline.ndjson", &text.as_bytes()[..text.len() - 30]),
            "the file was truncated",
        ),
        (
            write(
                "corrupt.ndjson",
                text.replacen("\"path\":\"a\"", "\"path\"::\"a\"", 1).as_bytes(),
            ),
            "line 3: corrupt line",
        ),
        (
            write("gzcut.ndjson.gz", &gzipped[..gzipped.len() - 12]),
            "the gzip stream is cut short",
        ),
        (
            write("other.json", b"{\"name\": \"not an export\"}\n"),
            "line 1: not a zksh export file",
        ),
    ];
    for (file, expected) in cases {
        let script = format!("{AUTH}; diff file:{} {root}", file.display());
        let out = Zksh::new(server).args(["-c", &script]).run();
        out.code(1)
            .one_line_error()
            .stderr_contains(expected)
            .stderr_contains(&file.display().to_string());
    }
}

#[test]
fn a_stopped_export_says_how_far_it_got_and_leaves_nothing_that_looks_complete() {
    let (server, root) = namespace("export-stop");
    let total = crate::support::tree::build_tree(server, &root, 40, 1000);
    // To stdout: the lines written are counted, and none of them is the end line.
    let mut running = Zksh::new(server).args(["export", &root, "--parallel", "1"]).spawn();
    running.wait_stdout("zksh-export", std::time::Duration::from_secs(20));
    running.signal(libc::SIGINT);
    let out = running.finish_within(std::time::Duration::from_secs(20));
    out.code(130);
    let said: usize = out
        .stderr
        .split("stopped after ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count in {:?}", out.stderr));
    assert_eq!(said, out.lines().len(), "the count is of the lines written");
    assert!(said < total + 2, "stopped before the end: {said} lines");
    assert!(!out.stdout.contains("\"end\""));
    // To a file: nothing is left under its name, nor under a temporary one.
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("big.ndjson");
    let running = Zksh::new(server)
        .args(["export", &root, "--parallel", "1", "--out", &file.display().to_string()])
        .spawn();
    // The temporary file appears when the export starts, before anything is read.
    let started = std::time::Instant::now();
    while std::fs::read_dir(dir.path()).unwrap().count() == 0 {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "no temporary file"
        );
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    running.signal(libc::SIGINT);
    let out = running.finish_within(std::time::Duration::from_secs(20));
    out.code(130);
    if out.stderr.contains("exported ") {
        // A machine busy enough to hold this test back for the whole export: the signal
        // came after the end, so the file is complete, and says so.
        let lines = file_lines(&file);
        assert_eq!(lines.last().unwrap()["end"]["nodes"], total as u64, "{}", out.stderr);
        return;
    }
    out.stderr_contains(&format!("interrupted: nothing written to {}", file.display()));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "no file left behind");
}
