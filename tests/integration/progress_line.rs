//! The progress line and Ctrl-C of a long walk in the REPL: a quick `ls -R` shows no line, a
//! long one shows its count on stderr without mixing it into the rows, Ctrl-C stops it with
//! what was printed kept and counted, the line is gone, and the prompt works again.

use std::time::Duration;

use crate::pty::PtyShell;
use crate::support::namespace;
use crate::support::tree::build_tree;

const T: Duration = Duration::from_secs(30);

#[test]
fn ctrl_c_stops_a_long_ls_r_and_the_prompt_comes_back() {
    let (server, root) = namespace("ls-stop");
    let total = build_tree(server, &root, 150, 200);
    let home = tempfile::tempdir().expect("tempdir");
    let home = home.path().to_string_lossy().to_string();
    let mut sh = PtyShell::spawn(&["-s", &server.connect_string()], &[("XDG_DATA_HOME", &home)]);
    sh.wait_for("CONNECTED", T);
    let line_label = format!("ls -R {root}: ");

    // Quick: done before a line would show.
    let (_, small) = namespace("ls-quick");
    build_tree(server, &small, 2, 10);
    sh.line(&format!("ls -R {small}"));
    sh.wait_for(&format!("{small}/b001/n009\n"), T);
    sh.line("pwd");
    sh.wait_for("\n/\n", T);
    assert!(
        !sh.transcript_text().contains(&format!("ls -R {small}: ")),
        "no progress line"
    );

    // Long: read slowly, as a slow terminal would, the walk lasts well over the second the
    // line waits for.
    sh.set_read_limit(Some(2048));
    sh.line(&format!("ls -R {root}"));
    sh.wait_transcript_text("the first rows", T, |text| text.contains(&format!("{root}/b000/n000")));
    sh.wait_transcript_text("the progress line", T, |text| text.contains(&line_label));
    sh.type_text("\x03");
    let lines = sh.wait_transcript("the stop", T, |lines| {
        lines
            .iter()
            .any(|l| l.contains(&format!("ls -R {root}: stopped after")))
    });
    let stop = lines
        .iter()
        .find(|l| l.contains("stopped after"))
        .expect("the line waited for");
    assert_eq!(stop.split_whitespace().last(), Some("nodes"), "{stop}");
    let stopped_after: usize = stop
        .split_whitespace()
        .rev()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("`stopped after N nodes`: {stop}"));
    // Every row printed is whole (no progress text inside it) and counted.
    sh.set_read_limit(None);
    let rows: Vec<&String> = lines.iter().filter(|l| l.starts_with(&root)).collect();
    for row in &rows {
        assert!(!row.contains(' '), "a row mixed with something else: {row:?}");
    }
    // Counted, all of them. (The terminal itself drops what it had not shown yet when Ctrl-C
    // is typed: a few more rows may have been written than reached the screen.)
    assert!(
        !rows.is_empty() && rows.len() <= stopped_after,
        "{} rows shown: {stop}",
        rows.len()
    );
    assert!(stopped_after < total, "{stop}");

    // The prompt works again, and no progress line is left on the screen.
    sh.line(&format!("exists {root}"));
    let screen = sh.wait_for(&format!("{root} exists"), T);
    for row in screen.lines().filter(|l| l.contains(&line_label)) {
        assert!(row.contains("stopped after"), "a progress line left behind: {row:?}");
    }
}
