//! `zksh --snapshot DIR [--at ZXID|TIME]`: the read commands on a server's data dir give
//! what they gave live at that point; node types the server hides are shown; writes and
//! watches are refused; bad points and dirs are named.

use std::time::Duration;

use chrono::{SecondsFormat, Utc};

use crate::support::{ZkServer, Zksh};

pub fn on_snapshot(server: &ZkServer, at: Option<&str>) -> Zksh {
    let dir = server.data_dir();
    let mut zksh = Zksh::bare().arg("--snapshot").arg(dir.as_os_str());
    if let Some(at) = at {
        zksh = zksh.args(["--at", at]);
    }
    zksh
}

/// The clock moved past `t` (ms): what happens next has a later time than `t`.
pub fn after(t: chrono::DateTime<Utc>) {
    while Utc::now() <= t + Duration::from_millis(2) {
        std::thread::yield_now();
    }
}

#[test]
fn read_commands_on_a_data_dir_at_now_and_earlier_points() {
    let server = ZkServer::start_with(&["snapCount=100", "extendedTypesEnabled=true"]);
    let setup = "create /app; create /app/config v1; create -c /app/box; create /app/box/in; \
                 create -t 600000 /app/ttl; create /app/jobs; "
        .to_string()
        + &(0..120)
            .map(|i| format!("create /app/jobs/j{i:03} d{i}"))
            .collect::<Vec<_>>()
            .join("; ");
    Zksh::new(&server).args(["-c", &setup]).run().success();
    let earlier_zxid = format!("0x{:x}", server.last_zxid());
    let earlier_time = Utc::now();
    let earlier_ls = Zksh::new(&server)
        .args(["ls", "-R", "/app"])
        .run()
        .success()
        .stdout
        .clone();
    after(earlier_time);
    Zksh::new(&server)
        .args(["-c", "set /app/config v2; delete -r -y /app/jobs; create /app/later"])
        .run()
        .success();

    // Latest: the same answers as the live server.
    for command in [
        &["ls", "-R", "/"][..],
        &["get", "/app/config"],
        &["count", "/app"],
        &["getAcl", "/app"],
    ] {
        let live = Zksh::new(&server).args(command).run().success().stdout.clone();
        on_snapshot(&server, None)
            .args(command)
            .run()
            .success()
            .stdout_is(&live);
    }
    on_snapshot(&server, None)
        .args(["find", "/app", "--name", "l*"])
        .run()
        .success()
        .stdout_is("/app/later\n");

    // Earlier, by zxid and by time.
    on_snapshot(&server, Some(&earlier_zxid))
        .args(["get", "/app/config"])
        .run()
        .success()
        .stdout_is("v1\n");
    on_snapshot(&server, Some(&earlier_zxid))
        .args(["ls", "-R", "/app"])
        .run()
        .success()
        .stdout_is(&earlier_ls);
    let rfc3339 = earlier_time.to_rfc3339_opts(SecondsFormat::Millis, true);
    on_snapshot(&server, Some(&rfc3339))
        .args(["ls", "-R", "/app"])
        .run()
        .success()
        .stdout_is(&earlier_ls);

    // What the server masks from clients.
    on_snapshot(&server, None)
        .args(["stat", "/app/box"])
        .run()
        .success()
        .stdout_contains("ephemeralOwner = 0x8000000000000000 (container)");
    on_snapshot(&server, None)
        .args(["stat", "/app/ttl"])
        .run()
        .success()
        .stdout_contains("ephemeralOwner = 0xff000000000927c0 (TTL 600s)");
    Zksh::new(&server)
        .args(["stat", "/app/box"])
        .run()
        .success()
        .stdout_contains("ephemeralOwner = 0x0\n");

    // Read-only: refused before anything is sent, one line each.
    let refused = on_snapshot(&server, None).args(["set", "/app/config", "v3"]).run();
    refused
        .code(1)
        .one_line_error()
        .stderr_contains("is read-only: set refused");
    assert!(
        refused
            .stderr
            .contains(&format!("snapshot@0x{:x} (", server.last_zxid())),
        "{}",
        refused.stderr
    );
    on_snapshot(&server, None)
        .args(["get", "-w", "/app/config"])
        .run()
        .code(1)
        .stderr_contains("read-only: get -w refused");
    Zksh::new(&server)
        .args(["get", "/app/config"])
        .run()
        .success()
        .stdout_is("v2\n");
}

#[test]
fn bad_points_and_dirs_are_named() {
    let server = ZkServer::start_with(&["snapCount=100"]);
    Zksh::new(&server).args(["create", "/x"]).run().success();
    on_snapshot(&server, Some("last tuesday"))
        .args(["ls", "/"])
        .run()
        .code(2)
        .stderr_contains("expected a zxid (0x1a2b or decimal) or a time");
    on_snapshot(&server, Some("2001-01-01 00:00"))
        .args(["ls", "/"])
        .run()
        .code(1)
        .one_line_error()
        .stderr_contains("is before the oldest snapshot: the oldest point available is 0x0");

    let logs_only = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(server.data_dir().join("version-2")).unwrap() {
        let path = entry.unwrap().path();
        if path.file_name().unwrap().to_string_lossy().starts_with("log.") {
            std::fs::copy(&path, logs_only.path().join(path.file_name().unwrap())).unwrap();
        }
    }
    Zksh::bare()
        .arg("--snapshot")
        .arg(logs_only.path().as_os_str())
        .args(["ls", "/"])
        .run()
        .code(1)
        .one_line_error()
        .stderr_contains("transaction logs but no snapshot");
    Zksh::bare()
        .args(["--at", "0x1", "ls", "/"])
        .run()
        .code(2)
        .stderr_contains("--snapshot");
}

#[test]
fn sessions_and_changes_from_the_logs() {
    let server = ZkServer::start_with(&["snapCount=100"]);
    Zksh::new(&server)
        .args(["-c", "create /app; create /app/config v1; create /app/other"])
        .run()
        .success();
    Zksh::new(&server).args(["set", "/app/config", "v2"]).run().success();
    Zksh::new(&server)
        .args(["-c", "set /app/config v3; delete /app/other"])
        .run()
        .success();
    let (mut holder, session) = crate::snapshot_files::hold_ephemeral(&server);

    let listed = on_snapshot(&server, None)
        .args(["-o", "json", "sessions"])
        .run()
        .success()
        .json();
    let sessions = listed["sessions"].as_array().unwrap();
    let held = sessions
        .iter()
        .find(|s| s["session"] == session)
        .expect("the holder's session is listed");
    assert_eq!(held["ephemerals"], 1);
    assert!(held["timeout"].as_i64().unwrap() > 0);

    let out = on_snapshot(&server, None)
        .args(["-o", "json", "changes", "/app/config", "-p"])
        .run();
    let rows: Vec<serde_json::Value> = out
        .success()
        .lines()
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let ops: Vec<&str> = rows.iter().map(|r| r["op"].as_str().unwrap()).collect();
    assert_eq!(ops, ["create2", "setData", "setData"], "{}", out.stdout);
    let data = |r: &serde_json::Value, k: &str| r[k]["data"].as_str().map(str::to_string);
    assert_eq!(
        (data(&rows[1], "before"), data(&rows[1], "after")),
        (Some("v1".into()), Some("v2".into()))
    );
    assert_eq!(data(&rows[2], "after"), Some("v3".into()));
    assert_eq!(rows[2]["version"], 2);
    assert_ne!(rows[1]["session"], rows[2]["session"], "two zksh runs, two sessions");
    // -R takes the subtree; --since a zxid.
    let since = format!("0x{:x}", rows[2]["zxid"].as_i64().unwrap());
    on_snapshot(&server, None)
        .args(["changes", "-R", "/app", "--since", &since])
        .run()
        .success()
        .stdout_contains("setData  /app/config  version=2")
        .stdout_contains("delete  /app/other");
    Zksh::new(&server)
        .args(["sessions"])
        .run()
        .code(1)
        .stderr_contains("only a snapshot knows");
    holder.kill().ok();
    holder.wait().ok();
}
