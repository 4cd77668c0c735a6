//! `getEphemerals` answered by the server: this session's ephemeral nodes only.

use crate::support::{Zksh, namespace};

#[test]
fn lists_this_sessions_ephemerals_only() {
    let (server, root) = namespace("ephemerals");
    let script = format!(
        "create {root}/p; create -e {root}/p/e1; create -e {root}/e2; create {root}/p/plain; getEphemerals {root}"
    );
    let out = Zksh::new(server).args(["-c", &script]).run();
    out.success();
    let lines = out.lines();
    assert_eq!(lines[lines.len() - 2..], [format!("{root}/e2"), format!("{root}/p/e1")]);
    // A new session owns none.
    Zksh::new(server)
        .args(["getEphemerals", &root])
        .run()
        .success()
        .stdout_is("");
    let json = Zksh::new(server)
        .args(["-o", "json", "getEphemerals", &root])
        .run()
        .json();
    assert_eq!(json, serde_json::json!({"path": root, "ephemerals": []}));
}
