//! `-o json` on every command: each document parses, and carries the keys README documents.

use std::time::Duration;

use serde_json::Value;

use crate::support::{Zksh, namespace};

/// Runs a `-c` script with `-o json` and returns every stdout line parsed.
fn json_lines(server: &crate::support::ZkServer, script: &str, envs: &[(&str, &str)]) -> Vec<Value> {
    let mut run = Zksh::new(server).args(["-o", "json", "-c", script]);
    for (k, v) in envs {
        run = run.env(k, v);
    }
    let out = run.run();
    out.success();
    out.lines()
        .iter()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}\n{}", out.stdout)))
        .collect()
}

fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default();
    keys.sort_unstable();
    keys
}

#[test]
fn every_command_speaks_json() {
    let (server, root) = namespace("json-all");
    let dir = tempfile::tempdir().expect("tempdir");
    let sourced = dir.path().join("part.zk");
    std::fs::write(&sourced, format!("get {root}/a\n")).expect("write");
    let script = [
        format!("create {root}/a v1"),
        format!("get {root}/a"),
        format!("get -b {root}/a"),
        format!("set {root}/a v2"),
        format!("set -s {root}/a v3"),
        format!("stat {root}/a"),
        format!("exists {root}/a"),
        format!("ls {root}"),
        format!("ls -s {root}"),
        format!("ls -l {root}"),
        format!("cd {root}"),
        "pwd".to_string(),
        format!("sync {root}"),
        "addauth digest u:p".to_string(),
        "sleep 1ms".to_string(),
        "help".to_string(),
        "help get".to_string(),
        "version".to_string(),
        "session".to_string(),
        "printwatches".to_string(),
        "watches".to_string(),
        "history".to_string(),
        "txn begin".to_string(),
        format!("check {root}/a -v 2"),
        format!("create {root}/b"),
        "txn show".to_string(),
        "txn commit".to_string(),
        "txn begin".to_string(),
        "txn abort".to_string(),
        format!("txn 'create {root}/c' 'delete {root}/c'"),
        format!("edit {root}/a"),
        format!("source {}", sourced.display()),
        format!("delete {root}/b"),
        format!("create -p {root}/d/e/f"),
        format!("delete -r --dry-run {root}/d"),
        format!("delete -r {root}/d"),
        "completions bash".to_string(),
        "man".to_string(),
        format!("find {root}/a"),
        format!("find {root}/a --max-size 1k"),
        format!("grep v {root}/a"),
        format!("grep -l v {root}/a"),
        format!("tree {root}/a"),
        format!("du {root}"),
        format!("count {root}"),
        format!("getAllChildrenNumber {root}"),
        format!("survey {root}"),
        format!("wait {root}/a --timeout 10s"),
        format!("counter {root}/cnt --add 2"),
        format!("counter {root}/cnt"),
        format!("getAcl {root}/a"),
        format!("getAcl -s {root}/a"),
        format!("setAcl {root}/a world:anyone:cdrwa"),
        format!("setAcl -s {root}/a world:anyone:cdrwa"),
        "status".to_string(),
        "ruok".to_string(),
        "srvr".to_string(),
        "mntr".to_string(),
        "cons".to_string(),
        "conf".to_string(),
        "envi".to_string(),
        "wchs".to_string(),
        "isro".to_string(),
        "dirs".to_string(),
        "flw stat".to_string(),
        format!("getEphemerals {root}"),
        format!("setquota -n 5 {root}/a"),
        format!("listquota {root}/a"),
        format!("delquota -n {root}/a"),
        format!("delquota {root}/a"),
        "lock".to_string(),
        format!("elect --list {root}"),
        "profiles".to_string(),
    ]
    .join("\n");
    let docs = json_lines(server, &script, &[("EDITOR", "true"), ("VISUAL", "")]);
    let expected: Vec<Vec<&str>> = vec![
        vec!["path"],                       // create
        vec!["data", "path", "stat"],       // get
        vec!["dataBase64", "path", "stat"], // get -b
        vec!["ok"],                         // set
        vec!["path", "stat"],               // set -s
        vec!["path", "stat"],               // stat
        vec!["exists", "path", "stat"],     // exists
        vec!["children", "path"],           // ls
        vec!["children", "path", "stat"],   // ls -s
        vec!["children", "path"],           // ls -l
        vec!["cwd"],                        // cd
        vec!["cwd"],                        // pwd
        vec!["ok"],                         // sync
        vec!["ok"],                         // addauth
        vec!["ok"],                         // sleep
        vec!["commands"],                   // help
        vec!["about", "command", "help"],   // help get
        vec!["version"],                    // version
        vec![],                             // session: checked below
        vec!["printwatches"],               // printwatches
        vec!["watches"],                    // watches
        vec!["history"],                    // history
        vec!["dropped", "txn"],             // txn begin
        vec!["op", "queued"],               // check (queued)
        vec!["op", "queued"],               // create (queued)
        vec!["queued"],                     // txn show
        vec![],                             // txn commit: an array
        vec!["dropped", "txn"],             // txn begin
        vec!["dropped", "txn"],             // txn abort
        vec![],                             // one-line txn: an array
        vec!["changed", "path"],            // edit (unchanged)
        vec!["data", "path", "stat"],       // sourced get
        vec!["ok"],                         // delete
        vec!["path"],                       // create -p
        vec!["path"],                       // delete -r --dry-run: a row per node
        vec!["path"],
        vec!["path"],
        vec!["deleted", "path"],                                              // delete -r
        vec!["script", "shell"],                                              // completions
        vec!["man"],                                                          // man
        vec!["path"],                                                         // find
        vec!["path", "stat"],                                                 // find with a test that reads the stat
        vec!["line", "path", "text"],                                         // grep
        vec!["path"],                                                         // grep -l
        vec!["dataLength", "depth", "ephemeralOwner", "numChildren", "path"], // tree (one node)
        vec!["bytes", "nodes", "path"],                                       // du
        vec!["bytes", "nodes", "path"],                                       // count
        vec!["descendants", "path"],                                          // getAllChildrenNumber
        vec![
            "ephemeralsBySession",
            "largestZnodes",
            "mostChildren",
            "path",
            "subtreesByBytes",
            "subtreesByNodes",
            "top",
            "totals",
        ], // survey
        vec!["condition", "elapsedMs", "met", "path", "stat"],                // wait
        vec!["path", "previous", "value"],                                    // counter --add
        vec!["path", "value"],                                                // counter
        vec![],                                                               // getAcl: an array
        vec!["acl", "stat"],                                                  // getAcl -s
        vec!["ok"],                                                           // setAcl
        vec!["path", "stat"],                                                 // setAcl -s
        vec!["healthy", "members", "notes", "problems"],                      // status
        vec!["members", "word"],                                              // ruok
        vec!["members", "word"],                                              // srvr
        vec!["members", "word"],                                              // mntr
        vec!["members", "word"],                                              // cons
        vec!["members", "word"],                                              // conf
        vec!["members", "word"],                                              // envi
        vec!["members", "word"],                                              // wchs
        vec!["members", "word"],                                              // isro
        vec!["members", "word"],                                              // dirs
        vec!["members", "word"],                                              // flw stat
        vec!["ephemerals", "path"],                                           // getEphemerals
        vec!["limits", "path"],                                               // setquota
        vec!["limits", "path", "usage"],                                      // listquota
        vec!["limits", "path"],                                               // delquota -n
        vec!["limits", "path"],                                               // delquota
        vec!["locks"],                                                        // lock (held locks: none in a script)
        vec![],                                                               // elect --list: an array
        vec!["file", "profiles"],                                             // profiles
    ];
    assert_eq!(docs.len(), expected.len(), "one document per command:\n{docs:#?}");
    for (i, (doc, want)) in docs.iter().zip(&expected).enumerate() {
        if !want.is_empty() {
            assert_eq!(keys(doc), *want, "document {i}: {doc}");
        }
    }
    let session = &docs[18];
    for key in [
        "sessionId",
        "timeoutMs",
        "state",
        "readOnly",
        "server",
        "cwd",
        "credentials",
    ] {
        assert!(session.get(key).is_some(), "session lacks {key}: {session}");
    }
    assert!(
        !session.to_string().contains("u:p"),
        "no secret in session JSON: {session}"
    );
    let commit = docs[26].as_array().expect("txn commit is an array");
    assert_eq!(commit.len(), 2);
    assert_eq!(commit[1]["created"], format!("{root}/b").as_str());
    assert_eq!(docs[29].as_array().map(Vec::len), Some(2));
    assert_eq!(docs[34]["path"], format!("{root}/d/e/f").as_str());
    assert_eq!(docs[37]["deleted"], 3);
    assert_eq!(docs[docs.len() - 2].as_array().map(Vec::len), Some(0));
}

#[test]
fn streams_and_errors_speak_json() {
    let (server, root) = namespace("json-stream");
    let out = Zksh::new(server)
        .args(["-o", "json", "watch", &root, "--count", "1", "--timeout", "20s"])
        .spawn();
    let mut out = out;
    let first: Value = serde_json::from_str(out.wait_stdout("current", Duration::from_secs(20)).trim()).expect("json");
    assert_eq!(
        keys(&first),
        vec!["data", "event", "id", "kind", "path", "time", "version", "zxid"]
    );
    Zksh::new(server).args(["set", &root, "x"]).run().success();
    let done = out.finish_within(Duration::from_secs(20));
    done.success();
    let last: Value = serde_json::from_str(done.lines().last().expect("a line")).expect("json");
    assert_eq!(last["event"], "changed");
    assert_eq!(last["type"], "NodeDataChanged");

    for args in [
        vec!["get".to_string(), format!("{root}/missing")],
        vec!["unwatch".to_string(), "7".to_string()],
        vec!["removewatches".to_string(), root.clone()],
        vec!["redo".to_string(), "1".to_string()],
        vec!["txn".to_string(), "commit".to_string()],
        vec!["find".to_string(), format!("{root}/missing")],
        vec!["grep".to_string(), "(".to_string(), root.clone()],
        vec![
            "wait".to_string(),
            format!("{root}/missing"),
            "--timeout".to_string(),
            "100ms".to_string(),
        ],
        vec![
            "counter".to_string(),
            root.clone(),
            "--add".to_string(),
            "1".to_string(),
        ],
        vec![
            "lock".to_string(),
            format!("{root}/l"),
            "--".to_string(),
            "no-such-command-zksh".to_string(),
        ],
    ] {
        let out = Zksh::new(server).args(["-o", "json"]).args(&args).run();
        assert_ne!(out.code, 0, "{args:?} fails");
        let err = out.stderr_json();
        assert_eq!(
            keys(&err["error"]),
            vec!["code", "message", "op", "path"],
            "{args:?}: {err}"
        );
    }
}

/// The usage error of a refused command line in the JSON error shape: one document on stderr.
#[track_caller]
fn usage_json(out: &crate::support::Output, op: &str, needle: &str) -> Value {
    out.code(2).stderr_lacks("Usage:");
    let error = out.stderr_json();
    assert_eq!(error["error"]["code"], "USAGE", "{error}");
    assert_eq!(error["error"]["op"], op, "{error}");
    assert_eq!(error["error"]["path"], "", "{error}");
    let message = error["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains(needle), "{needle:?} in {error}");
    error
}

#[test]
fn usage_errors_come_as_json_errors() {
    let (server, root) = namespace("json-usage");
    // One-shot: `-o json` before the command, or on it.
    let out = Zksh::new(server).args(["-o", "json", "get", "-z", &root]).run();
    usage_json(&out, "get", "'-z'");
    let out = Zksh::new(server).args(["get", "-z", &root, "-o", "json"]).run();
    usage_json(&out, "get", "'-z'");
    let out = Zksh::new(server).args(["-o", "json", "get"]).run();
    usage_json(&out, "get", "<PATH>");
    let out = Zksh::new(server).args(["-o", "json", "gett", &root]).run();
    usage_json(&out, "", "'gett'");
    // Script lines: the shape plus the line.
    let script = format!("get {root}\nget -z {root}");
    let out = Zksh::new(server).args(["-o", "json", "-c", &script]).run();
    let error = usage_json(&out, "get", "'-z'");
    assert_eq!(error["error"]["line"], 2, "{error}");
    let out = Zksh::new(server).args(["-c", &format!("get -o json -z {root}")]).run();
    let error = usage_json(&out, "get", "'-z'");
    assert_eq!(error["error"]["line"], 1, "{error}");
    // Without -o json it stays clap's text, with the usage.
    Zksh::new(server)
        .args(["get", "-z", &root])
        .run()
        .code(2)
        .stderr_contains("Usage:");
}

#[test]
fn export_and_diff_speak_json() {
    let (server, root) = namespace("json-export");
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("e.ndjson");
    let script = [
        format!("create {root}/a v"),
        format!("export {root}/a"),
        format!("export {root}/a --out {}", file.display()),
        format!("diff --stat {root}/a file:{}", file.display()),
    ]
    .join("\n");
    let docs = json_lines(server, &script, &[]);
    let expected: Vec<Vec<&str>> = vec![
        vec!["path"],                                                            // create
        vec!["format", "includeEphemeral", "root", "source", "time", "version"], // export: header
        vec!["acl", "data", "path", "stat"],                                     // export: the node
        vec!["end"],                                                             // export: end line
        vec!["ephemeralsSkipped", "file", "gzip", "nodes", "redacted", "root"],  // export --out
        vec![
            "aclChanged",
            "aclUncomparable",
            "added",
            "changed",
            "dataChanged",
            "removed",
            "same",
        ], // diff --stat
    ];
    let got: Vec<Vec<&str>> = docs.iter().map(keys).collect();
    assert_eq!(got, expected, "{docs:#?}");
    // A difference is a row.
    let out = Zksh::new(server)
        .args(["-o", "json", "diff", &format!("{root}/a"), &root])
        .run();
    out.code(1);
    let row: Value = serde_json::from_str(out.lines()[0]).expect("json");
    assert_eq!(keys(&row), vec!["acl", "change", "data", "path"]);
}

#[test]
fn cp_mv_and_import_speak_json() {
    let (server, root) = namespace("json-moves");
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("one.ndjson");
    let nodes = [crate::import::node("", b"v")];
    std::fs::write(&file, crate::import::export_text("/x", &nodes)).expect("write");
    let script = [
        format!("create {root}/a v"),
        format!("cp --dry-run {root}/a {root}/b"),
        format!("cp {root}/a {root}/b"),
        format!("mv {root}/b {root}/c"),
        format!("import {} {root}/i", file.display()),
        format!("import --dry-run {} {root}/j", file.display()),
    ]
    .join("\n");
    let docs = json_lines(server, &script, &[]);
    let report = vec![
        "belowRefused",
        "changed",
        "countersAdvanced",
        "created",
        "dryRun",
        "ephemeral",
        "path",
        "refused",
        "refusedNodes",
        "skipped",
        "zookeeperOwn",
    ];
    let expected: Vec<Vec<&str>> = vec![
        vec!["path"],           // create
        vec!["action", "path"], // cp --dry-run: a row per change
        report.clone(),         // cp
        vec!["from", "moved", "to"],
        report,                 // import
        vec!["action", "path"], // import --dry-run
    ];
    assert_eq!(docs.iter().map(keys).collect::<Vec<_>>(), expected);
    assert_eq!(docs[1]["action"], "create");
}

#[test]
fn cluster_commands_speak_json() {
    let (server, root) = namespace("json-cluster");
    let script = format!("config\nconfig -s\ncheck perf --duration 1s --path {root}/perf");
    let out = Zksh::new(server)
        .args(["-o", "json", "-c", &script])
        .timeout(Duration::from_secs(60))
        .run();
    // check perf may FAIL on a busy machine (exit 1); its report is printed either way.
    assert!(out.code == 0 || out.code == 1, "{}", out.stderr);
    let docs: Vec<Value> = out
        .lines()
        .iter()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect();
    assert_eq!(docs.len(), 3, "{}", out.stdout);
    assert_eq!(keys(&docs[0]), ["members", "version"]);
    assert_eq!(keys(&docs[1]), ["members", "stat", "version"]);
    assert_eq!(
        keys(&docs[2]),
        [
            "durationMs",
            "errors",
            "failures",
            "load",
            "operations",
            "ops",
            "opsPerSec",
            "pass",
            "path",
            "sessions",
            "targetOpsPerSec",
            "thresholds"
        ]
    );
}

#[test]
fn session_commands_speak_json() {
    let (server, _root) = namespace("json-session");
    let script = format!("whoami; close; connect; connect {}", server.connect_string());
    let docs = json_lines(server, &script, &[]);
    assert_eq!(docs.len(), 4, "{docs:#?}");
    assert_eq!(docs[0][0]["scheme"], "ip", "whoami: an array of {{scheme, user}}");
    assert_eq!(keys(&docs[0][0]), vec!["scheme", "user"]);
    assert_eq!(keys(&docs[1]), vec!["closedSession", "locksReleased", "watchesStopped"]);
    let connected = vec![
        "addauthDropped",
        "closedSession",
        "locksReleased",
        "server",
        "sessionId",
        "sessionIdHex",
        "watchesStopped",
    ];
    assert_eq!(keys(&docs[2]), connected);
    assert_eq!(keys(&docs[3]), connected);
}
