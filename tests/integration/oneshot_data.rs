//! One command per process, the data side: JSON documents and errors, binary data escaped or
//! exact, data from stdin.

use serde_json::Value;

use crate::oneshot::{assert_stat_json, zksh};
use crate::support::{Zksh, namespace};

#[test]
fn json_get_has_path_data_and_stat() {
    let (_, root) = namespace("json-get");
    let x = format!("{root}/x");
    zksh(["create", &x, "v1"]).success();
    let doc = zksh(["get", &x, "-o", "json"]).success().json();
    assert_eq!(doc["path"], x.as_str());
    assert_eq!(doc["data"], "v1");
    assert!(doc.get("dataBase64").is_none());
    assert_stat_json(&doc["stat"]);
    assert_eq!(doc["stat"]["dataLength"], 2);
    assert_eq!(doc["stat"]["version"], 0);
    // -o before the command applies to it too.
    let doc = zksh(["-o", "json", "get", &x]).success().json();
    assert_eq!(doc["data"], "v1");
}

#[test]
fn json_get_of_binary_data_is_base64() {
    let (_, root) = namespace("json-b64");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bin");
    std::fs::write(&file, [0x00, 0xff, 0x41]).unwrap();
    let b = format!("{root}/b");
    zksh(["create", &b, "--file", file.to_str().unwrap()]).success();
    let doc = zksh(["get", &b, "-o", "json"]).success().json();
    assert_eq!(doc["dataBase64"], "AP9B");
    assert!(doc.get("data").is_none(), "{doc}");
}

#[test]
fn json_for_ls_stat_exists_create_set_delete_pwd() {
    let (server, root) = namespace("json");
    let x = format!("{root}/x");
    let created = zksh(["create", &x, "d", "-o", "json"]).success().json();
    assert_eq!(created, serde_json::json!({"path": x}));
    zksh(["create", &format!("{root}/y"), "-o", "json"]).success();

    let ls = zksh(["ls", &root, "-o", "json"]).success().json();
    assert_eq!(ls["path"], root.as_str());
    assert_eq!(ls["children"], serde_json::json!(["x", "y"]));

    let stat = zksh(["stat", &root, "-o", "json"]).success().json();
    assert_eq!(stat["path"], root.as_str());
    assert_stat_json(&stat["stat"]);
    assert_eq!(stat["stat"]["numChildren"], 2);

    let yes = zksh(["exists", &x, "-o", "json"]).success().json();
    assert_eq!(yes["exists"], true);
    assert_stat_json(&yes["stat"]);
    let no = zksh(["exists", &format!("{root}/z"), "-o", "json"]);
    let no = no.code(1).json();
    assert_eq!(no["exists"], false);
    assert!(no["stat"].is_null());

    let set = zksh(["set", &x, "e", "-o", "json"]).success().json();
    assert_eq!(set, serde_json::json!({"ok": true}));
    let set_s = zksh(["set", "-s", &x, "f", "-o", "json"]).success().json();
    assert_eq!(set_s["stat"]["version"], 2);

    let delete = zksh(["delete", &x, "-o", "json"]).success().json();
    assert_eq!(delete, serde_json::json!({"ok": true}));

    let pwd = Zksh::new(server)
        .args(["-o", "json", "-c", &format!("cd {root}; pwd")])
        .run();
    let docs: Vec<Value> = pwd
        .success()
        .lines()
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        docs,
        [serde_json::json!({"cwd": root}), serde_json::json!({"cwd": root})]
    );
}

#[test]
fn json_errors_go_to_stderr() {
    let (_, root) = namespace("json-err");
    let missing = format!("{root}/missing");
    let out = zksh(["get", &missing, "-o", "json"]);
    out.code(1);
    assert_eq!(out.stdout, "");
    let error = &out.stderr_json()["error"];
    assert_eq!(error["op"], "get");
    assert_eq!(error["path"], missing.as_str());
    assert_eq!(error["code"], "NONODE");
    assert_eq!(error["message"], "no such node");

    zksh(["create", &missing, "x"]).success();
    let out = zksh(["-o", "json", "set", "-v", "3", &missing, "y"]);
    let error = &out.code(1).stderr_json()["error"];
    assert_eq!(
        (error["op"].as_str(), error["code"].as_str()),
        (Some("set"), Some("BADVERSION"))
    );
}

#[test]
fn binary_data_is_escaped_unless_raw() {
    let (_, root) = namespace("binary");
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    let bytes = [0x00, 0xff, b'a', b'\n', 0x1b];
    std::fs::write(&input, bytes).unwrap();
    let b = format!("{root}/b");
    zksh(["create", &b, "--file", input.to_str().unwrap()]).success();
    zksh(["get", &b]).success().stdout_is("\\x00\\xffa\\n\\x1b\n");
    let raw = zksh(["get", "--raw", &b]);
    assert_eq!(raw.success().stdout_bytes, bytes);
    let output = dir.path().join("out");
    zksh(["get", &b, "--out", output.to_str().unwrap()])
        .success()
        .stdout_is("");
    assert_eq!(std::fs::read(&output).unwrap(), bytes);
}

#[test]
fn data_from_stdin_with_a_dash() {
    let (server, root) = namespace("stdin");
    let x = format!("{root}/x");
    zksh(["create", &x]).success();
    Zksh::new(server)
        .args(["set", &x, "-"])
        .stdin("from stdin\n\x00")
        .run()
        .success();
    let raw = zksh(["get", "--raw", &x]);
    assert_eq!(raw.success().stdout_bytes, b"from stdin\n\x00");
    let y = format!("{root}/y");
    Zksh::new(server)
        .args(["create", &y, "--file", "-"])
        .stdin("piped")
        .run()
        .success();
    zksh(["get", &y]).success().stdout_is("piped\n");
}
