//! A dry run's rows read late: `import --dry-run` into a pipe nobody reads yet must wait for
//! its reader, holding a few batches of rows, never the whole tree's (a million-node dry run
//! into a stalled pipe would otherwise hold every row), and still print them all once read.

use std::io::{BufRead, BufReader, Write};
use std::os::fd::AsRawFd;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::import::{export_text, node};
use crate::support::{ZkServer, namespace};

/// How long the writer may take to fill the pipe and stop (or, unbounded, to finish).
const STALL_WITHIN: Duration = Duration::from_secs(180);
/// Pipe and CPU time unchanged this long: the process waits on something (the reader, here).
const STILL_FOR: Duration = Duration::from_millis(600);
/// CPU ticks (10 ms) a process waiting on its pipe may still use over [`STILL_FOR`].
const IDLE_TICKS: u64 = 3;

/// A gzipped export of `branches` x `leaves` nodes below a root.
fn export_file(dir: &tempfile::TempDir, name: &str, branches: usize, leaves: usize) -> (String, usize) {
    let mut rels = vec![String::new()];
    for b in 0..branches {
        rels.push(format!("b{b:03}"));
        rels.extend((0..leaves).map(|l| format!("b{b:03}/n{l:03}")));
    }
    let nodes: Vec<_> = rels.iter().map(|rel| node(rel.clone(), b"")).collect();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(export_text("/src", &nodes).as_bytes()).expect("gzip");
    let path = dir.path().join(name);
    std::fs::write(&path, gz.finish().expect("gzip")).expect("a test file");
    (path.display().to_string(), rels.len())
}

/// User plus system CPU time of `pid`, in clock ticks.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces): state is the first, utime the 12th.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let tick = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
    tick(11) + tick(12)
}

/// Waits until `child` has filled its stdout pipe and stopped working: from then on it can
/// only wait for the reader (or, holding every row, it has already done everything).
fn wait_until_stalled(child: &Child) {
    let fd = child.stdout.as_ref().expect("piped stdout").as_raw_fd();
    let queued = || {
        let mut queued: libc::c_int = 0;
        // SAFETY: an ioctl on a pipe this process owns; it only reports how much it holds.
        unsafe { libc::ioctl(fd, libc::FIONREAD, &mut queued) };
        queued
    };
    let started = Instant::now();
    let mut before = (queued(), cpu_ticks(child.id()));
    loop {
        assert!(started.elapsed() < STALL_WITHIN, "zksh never stalled on its pipe");
        // Polling the process's own state: there is no event to wait on for "blocked".
        std::thread::sleep(STILL_FOR);
        let now = (queued(), cpu_ticks(child.id()));
        // A pipe that holds output and took no more, and a process that barely ran (its
        // session's pings): the writer is blocked on the pipe, and only on it.
        if now.0 > 0 && now.0 == before.0 && now.1 <= before.1 + IDLE_TICKS {
            return;
        }
        before = now;
    }
}

/// The peak resident memory of `pid` so far (KiB), as its own address space counts it:
/// since its exec, so the test process that spawned it (and its big test data) never
/// counts, as it can in `wait4`'s figure after a vfork-style spawn.
fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|kib| kib.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Runs `import --dry-run FILE DEST` with stdout read only once zksh has stalled on it;
/// returns its peak resident memory (KiB, sampled at the stall and while its rows are read)
/// and every line it printed.
fn late_read_dry_run(server: &ZkServer, file: &str, dest: &str) -> (u64, Vec<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_zksh"))
        .args(["-s", &server.connect_string(), "import", "--dry-run", file, dest])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("zksh starts");
    wait_until_stalled(&child);
    let mut peak = peak_rss_kib(child.id());
    let stdout = child.stdout.take().expect("piped stdout");
    let mut lines = Vec::new();
    for line in BufReader::new(stdout).lines() {
        lines.push(line.expect("a line of stdout"));
        if lines.len() % 5000 == 0 {
            peak = peak.max(peak_rss_kib(child.id()));
        }
    }
    let status = child.wait().expect("zksh exits");
    assert!(status.success(), "zksh import --dry-run {file} failed: {status}");
    (peak, lines)
}

#[test]
fn a_dry_run_into_a_stalled_pipe_waits_for_its_reader() {
    let (server, root) = namespace("dry-run-memory");
    let dir = tempfile::tempdir().expect("a temp dir");
    // Long destination paths make each row weigh what a deep real tree's would.
    let dest = format!("{root}/restored-here-under-a-destination-path-long-enough-to-weigh");
    let (small, small_nodes) = export_file(&dir, "small.ndjson.gz", 20, 1000);
    let (large, large_nodes) = export_file(&dir, "large.ndjson.gz", 300, 1000);
    let (small_kib, small_lines) = late_read_dry_run(server, &small, &dest);
    let (large_kib, large_lines) = late_read_dry_run(server, &large, &dest);
    for (lines, nodes) in [(&small_lines, small_nodes), (&large_lines, large_nodes)] {
        assert_eq!(lines.len(), nodes, "one row per node");
        assert_eq!(lines[0], format!("create {dest}"));
        assert_eq!(
            lines[nodes - 1],
            format!("create {dest}/b{:03}/n999", (nodes - 1) / 1001 - 1)
        );
        assert!(lines.iter().all(|line| line.starts_with("create ")));
    }
    eprintln!(
        "import --dry-run read late: peak RSS {small_kib} KiB at {small_nodes} nodes, {large_kib} KiB at {large_nodes}"
    );
    // 280k more rows held would be tens of MB (about 150 bytes each with their paths).
    assert!(
        large_kib < small_kib + 8 * 1024,
        "import --dry-run read late: peak RSS grew from {small_kib} KiB at {small_nodes} nodes to {large_kib} KiB at {large_nodes}"
    );
}
