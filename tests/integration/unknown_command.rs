//! A mistyped command name: one line that names the nearest command, exit 2, in one-shot use,
//! `-c` and `-f` scripts (with the file and line) and the REPL.

use std::time::Duration;

use crate::pty::PtyShell;
use crate::support::{Zksh, namespace};

const T: Duration = Duration::from_secs(20);

#[test]
fn a_mistyped_command_names_the_nearest_one_in_one_shot_and_scripts() {
    let (server, root) = namespace("typo");
    let out = Zksh::new(server).args(["gte", &root]).run();
    out.code(2).stdout_is("");
    assert_eq!(out.stderr, "error: unknown command 'gte' (did you mean 'get'?)\n");

    // The lines before it ran; the script stops there with the usage code.
    let script = format!("create {root}/a\ngte {root}/a\ncreate {root}/after\n");
    let out = Zksh::new(server).args(["-c", &script]).run();
    out.code(2).stdout_is(&format!("{root}/a\n"));
    assert_eq!(
        out.stderr,
        "error: line 2: unknown command 'gte' (did you mean 'get'?)\n"
    );

    // In a file, the error names the file, as `source` does.
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("setup.zk");
    std::fs::write(&file, format!("# set up\nls {root}\nsett {root}/a x\n")).expect("write script");
    let out = Zksh::new(server).arg("-f").arg(&file).run();
    out.code(2);
    assert_eq!(
        out.stderr,
        format!(
            "error: {} line 3: unknown command 'sett' (did you mean 'set'?)\n",
            file.display()
        )
    );
    let out = Zksh::new(server).args(["-o", "json", "-f"]).arg(&file).run();
    let error = &out.code(2).stderr_json()["error"];
    assert_eq!(error["file"], file.display().to_string().as_str());
    assert_eq!(error["line"], 3);
    assert_eq!(error["code"], "USAGE");

    // Nothing close: say where the list is instead of guessing.
    let out = Zksh::new(server).arg("frobnicate").run();
    out.code(2);
    assert_eq!(
        out.stderr,
        "error: unknown command 'frobnicate' ('help' lists the commands)\n"
    );
}

#[test]
fn a_mistyped_command_in_the_repl_names_the_nearest_one() {
    let (server, root) = namespace("typo-repl");
    let home = tempfile::tempdir().expect("tempdir");
    let home = home.path().to_string_lossy().to_string();
    let mut sh = PtyShell::spawn(&["-s", &server.connect_string()], &[("XDG_DATA_HOME", &home)]);
    sh.wait_for("CONNECTED", T);
    sh.line(&format!("gte {root}"));
    let screen = sh.wait_for("error: unknown command 'gte' (did you mean 'get'?)", T);
    assert!(!screen.contains("Usage"), "usage noise on screen:\n{screen}");
    // And the shell goes on.
    sh.line("pwd");
    sh.wait_until("pwd's answer", T, |s| s.lines().any(|l| l.trim() == "/"));
}
