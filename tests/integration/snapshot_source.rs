//! `snapshot:DIR@POINT:/path` as a tree source: `diff` against the live tree shows what
//! changed since, `cp -r` restores a deleted part with its data and ACLs (checked by Kazoo),
//! a snapshot is never a destination; `find --type container` and `ls -l` show the node
//! types only a snapshot knows.

use chrono::{SecondsFormat, Utc};

use crate::snapshot_files::python;
use crate::snapshot_shell::{after, on_snapshot};
use crate::support::{ZkServer, Zksh};

/// Kazoo's id for alice:secret (kazoo.security.make_digest_acl_credential).
const ALICE: &str = "alice:aYXlLOpEooaV1cRAvUL1fp9Qt7E=";

const READ: &str = r#"
import sys
from kazoo.client import KazooClient
zk = KazooClient(hosts=sys.argv[1]); zk.start()
# Without the admin right the server shows a digest ACL's hash as "x".
zk.add_auth("digest", "alice:secret")
for path in sys.argv[2:]:
    data, _ = zk.get(path)
    acl, _ = zk.get_acls(path)
    print(path, data.decode(), ",".join(sorted("%s:%s:%d" % (a.id.scheme, a.id.id, a.perms) for a in acl)))
zk.stop()
"#;

fn source(server: &ZkServer, point: &str, path: &str) -> String {
    format!("snapshot:{}@{point}:{path}", server.data_dir().display())
}

#[test]
fn diff_and_restore_from_a_point_in_the_past() {
    let server = ZkServer::start_with(&["snapCount=100", "extendedTypesEnabled=true"]);
    let acl = format!("digest:{ALICE}:cdrwa,ip:127.0.0.1:r");
    let setup = format!(
        "create /sub; create /sub/config v1; create /sub/keep k; create /sub/deleted d; \
         create /sub/deleted/a a1 {acl}; create /sub/deleted/b b1; create -c /sub/box; \
         create /sub/box/in; create -t 600000 /sub/ttl; create /sub/jobs; {}",
        (0..120)
            .map(|i| format!("create /sub/jobs/j{i:03}"))
            .collect::<Vec<_>>()
            .join("; ")
    );
    Zksh::new(&server).args(["-c", &setup]).run().success();
    let zxid = format!("0x{:x}", server.last_zxid());
    let time = Utc::now();
    after(time);
    Zksh::new(&server)
        .args([
            "-c",
            "set /sub/config v2; create /sub/added n; delete -r -y /sub/deleted",
        ])
        .run()
        .success();

    // The live tree against the past: exactly the three changes, exit 1 (differences).
    let diff = Zksh::new(&server)
        .args(["diff", &source(&server, &zxid, "/sub"), "/sub"])
        .run();
    diff.code(1)
        .stdout_is("+ added\n~ config  data\n- deleted\n- deleted/a\n- deleted/b\n");
    // By time: the same answer.
    let rfc3339 = time.to_rfc3339_opts(SecondsFormat::Millis, true);
    Zksh::new(&server)
        .args(["diff", &source(&server, &rfc3339, "/sub"), "/sub"])
        .run()
        .code(1)
        .stdout_is(&diff.stdout);

    // Restore the deleted part: a dry run writes nothing, then the copy with data and ACLs.
    let restore = source(&server, &zxid, "/sub/deleted");
    Zksh::new(&server)
        .args(["cp", "-r", &restore, "/sub/deleted", "--dry-run"])
        .run()
        .success();
    Zksh::new(&server).args(["exists", "/sub/deleted"]).run().code(1);
    Zksh::new(&server)
        .args(["cp", "-r", &restore, "/sub/deleted"])
        .run()
        .success()
        .stdout_contains("3 ");
    let read = python(&[
        "-c",
        READ,
        &server.connect_string(),
        "/sub/deleted",
        "/sub/deleted/a",
        "/sub/deleted/b",
    ]);
    assert_eq!(
        read,
        format!(
            "/sub/deleted d world:anyone:31\n/sub/deleted/a a1 digest:{ALICE}:31,ip:127.0.0.1:1\n\
             /sub/deleted/b b1 world:anyone:31\n"
        )
    );
    // What is left differs only by the later changes (the live server hides alice's hash
    // from a shell that is not alice: that ACL cannot be compared, and says so).
    Zksh::new(&server)
        .args(["diff", &source(&server, &zxid, "/sub"), "/sub"])
        .run()
        .code(1)
        .stdout_is("+ added\n~ config  data\n~ deleted/a  acl? (redacted: cannot compare)\n");

    // import takes a snapshot source too; --overwrite puts the old config back.
    Zksh::new(&server)
        .args(["import", &source(&server, &zxid, "/sub/config"), "--overwrite"])
        .run()
        .success();
    Zksh::new(&server)
        .args(["get", "/sub/config"])
        .run()
        .success()
        .stdout_is("v1\n");

    // Never a destination.
    Zksh::new(&server)
        .args(["cp", "-r", "/sub/keep", &source(&server, &zxid, "/sub/keep2")])
        .run()
        .code(2)
        .one_line_error()
        .stderr_contains("is a snapshot, read-only");

    // Bad sources: one line each, before anything is read.
    let missing = format!("snapshot:{}/nowhere:/sub", server.data_dir().display());
    for (bad, says) in [
        (missing.as_str(), "no such file or directory"),
        (&source(&server, "yesterday", "/sub"), "invalid point"),
        (&source(&server, "2001-01-01T00:00:00Z", "/sub"), "2001"),
    ] {
        Zksh::new(&server)
            .args(["diff", bad, "/sub"])
            .run()
            .code(2)
            .one_line_error()
            .stderr_contains(says);
    }
}

#[test]
fn node_types_only_a_snapshot_knows() {
    let server = ZkServer::start_with(&["snapCount=100", "extendedTypesEnabled=true"]);
    Zksh::new(&server)
        .args([
            "-c",
            "create /t; create -c /t/box; create /t/box/in; create -t 600000 /t/ttl; create /t/plain",
        ])
        .run()
        .success();
    on_snapshot(&server, None)
        .args(["find", "/t", "--type", "container"])
        .run()
        .success()
        .stdout_is("/t/box\n");
    on_snapshot(&server, None)
        .args(["find", "/t", "--type", "ttl"])
        .run()
        .success()
        .stdout_is("/t/ttl\n");
    on_snapshot(&server, None)
        .args(["find", "/t", "--type", "persistent"])
        .run()
        .success()
        .stdout_is("/t\n/t/box/in\n/t/plain\n");
    Zksh::new(&server)
        .args(["find", "/t", "--type", "container"])
        .run()
        .code(2)
        .one_line_error()
        .stderr_contains("only a snapshot knows them");

    // A container is a persistent node to the copy engine: exported with its child.
    let exported = on_snapshot(&server, None).args(["export", "/t"]).run();
    exported
        .success()
        .stderr_contains("exported 5 nodes")
        .stdout_contains(r#""path":"box""#)
        .stdout_contains(r#""path":"ttl""#);

    let marks = |out: &str| -> Vec<String> {
        out.lines()
            .map(|l| {
                let name = l.rsplit(' ').next().unwrap_or_default();
                format!("{} {name}", &l[..1])
            })
            .collect()
    };
    let listed = on_snapshot(&server, None).args(["ls", "-l", "/t"]).run();
    assert_eq!(
        marks(&listed.success().stdout),
        ["c box", "- plain", "t ttl"],
        "{}",
        listed.stdout
    );
    let live = Zksh::new(&server).args(["ls", "-l", "/t"]).run();
    assert_eq!(
        marks(&live.success().stdout),
        ["- box", "- plain", "- ttl"],
        "{}",
        live.stdout
    );
    // tree names the type too, never calling a container (which has a child) ephemeral.
    let drawn = on_snapshot(&server, None).args(["tree", "/t"]).run();
    drawn
        .success()
        .stdout_contains("box  (")
        .stdout_contains(", container)")
        .stdout_contains(", TTL)")
        .stdout_lacks("ephemeral");
}
