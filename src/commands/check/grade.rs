//! What `check perf` measured and how it is graded: latencies per operation, percentiles,
//! throughput, PASS/FAIL against the load's thresholds, as text and JSON.

use std::io::Write;
use std::time::Duration;

use serde::Serialize;

use crate::output::Render;
use crate::output::table::{Align, Table};

/// The operations of one round, in the order a worker sends them.
pub const OPS: [&str; 4] = ["create", "set", "get", "delete"];

/// What one worker saw: the latency of every answered request and the failures, per op.
#[derive(Debug, Default)]
pub struct Samples {
    pub latencies: [Vec<Duration>; 4],
    pub errors: [u64; 4],
    /// The first failure's text, to say why a run failed.
    pub first_error: Option<String>,
}

impl Samples {
    pub fn merge(&mut self, other: Samples) {
        for (mine, theirs) in self.latencies.iter_mut().zip(other.latencies) {
            mine.extend(theirs);
        }
        for (mine, theirs) in self.errors.iter_mut().zip(other.errors) {
            *mine += theirs;
        }
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
    }
}

/// The figures of one operation.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OpFigures {
    pub op: &'static str,
    pub count: u64,
    pub errors: u64,
    pub ops_per_sec: f64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

/// What a load must reach to pass.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Thresholds {
    /// Of the target rate: 90 %.
    pub min_ops_per_sec: f64,
    /// Every operation's 99th percentile at most this.
    pub max_p99_ms: f64,
}

/// `check perf`'s result.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PerfReport {
    pub path: String,
    pub load: &'static str,
    pub sessions: usize,
    pub target_ops_per_sec: u32,
    pub duration_ms: u64,
    pub ops: u64,
    pub errors: u64,
    pub ops_per_sec: f64,
    pub operations: Vec<OpFigures>,
    pub thresholds: Thresholds,
    pub pass: bool,
    /// Why it failed, one sentence per threshold missed.
    pub failures: Vec<String>,
}

fn millis(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e6).round() / 1e3
}

/// The `q` quantile (0..=1) of sorted latencies, nearest rank.
fn quantile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

impl PerfReport {
    /// Grades `samples` gathered over `elapsed`.
    pub fn grade(
        path: String,
        load: &'static str,
        sessions: usize,
        target: u32,
        thresholds: Thresholds,
        elapsed: Duration,
        mut samples: Samples,
    ) -> PerfReport {
        let seconds = elapsed.as_secs_f64().max(1e-3);
        let mut operations = Vec::new();
        for (i, op) in OPS.iter().enumerate() {
            let latencies = &mut samples.latencies[i];
            latencies.sort_unstable();
            operations.push(OpFigures {
                op,
                count: latencies.len() as u64,
                errors: samples.errors[i],
                ops_per_sec: round1(latencies.len() as f64 / seconds),
                p50_ms: millis(quantile(latencies, 0.50)),
                p90_ms: millis(quantile(latencies, 0.90)),
                p99_ms: millis(quantile(latencies, 0.99)),
                max_ms: millis(latencies.last().copied().unwrap_or_default()),
            });
        }
        let ops: u64 = operations.iter().map(|o| o.count).sum();
        let errors: u64 = operations.iter().map(|o| o.errors).sum();
        let ops_per_sec = round1(ops as f64 / seconds);
        let mut failures = Vec::new();
        if ops_per_sec < thresholds.min_ops_per_sec {
            failures.push(format!(
                "throughput {ops_per_sec} ops/s is below {} ops/s (90% of the {target} ops/s target)",
                thresholds.min_ops_per_sec
            ));
        }
        for o in operations.iter().filter(|o| o.p99_ms > thresholds.max_p99_ms) {
            failures.push(format!(
                "{} p99 {} ms is above {} ms",
                o.op, o.p99_ms, thresholds.max_p99_ms
            ));
        }
        if errors > 0 {
            let first = samples
                .first_error
                .map(|e| format!(", the first: {e}"))
                .unwrap_or_default();
            failures.push(format!("{errors} requests failed{first}"));
        }
        PerfReport {
            path,
            load,
            sessions,
            target_ops_per_sec: target,
            duration_ms: elapsed.as_millis() as u64,
            ops,
            errors,
            ops_per_sec,
            operations,
            thresholds,
            pass: failures.is_empty(),
            failures,
        }
    }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

impl Render for PerfReport {
    fn render_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        writeln!(
            out,
            "check perf {}: load {}, {} sessions, {:.1}s, target {} ops/s",
            self.path,
            self.load,
            self.sessions,
            self.duration_ms as f64 / 1000.0,
            self.target_ops_per_sec
        )?;
        let mut table = Table::new(&[
            ("op", Align::Left),
            ("count", Align::Right),
            ("errors", Align::Right),
            ("ops/s", Align::Right),
            ("p50 ms", Align::Right),
            ("p90 ms", Align::Right),
            ("p99 ms", Align::Right),
            ("max ms", Align::Right),
        ]);
        for o in &self.operations {
            table.row(vec![
                o.op.to_string(),
                o.count.to_string(),
                o.errors.to_string(),
                format!("{:.1}", o.ops_per_sec),
                format!("{:.2}", o.p50_ms),
                format!("{:.2}", o.p90_ms),
                format!("{:.2}", o.p99_ms),
                format!("{:.2}", o.max_ms),
            ]);
        }
        table.row(vec![
            "all".into(),
            self.ops.to_string(),
            self.errors.to_string(),
            format!("{:.1}", self.ops_per_sec),
            "-".into(),
            "-".into(),
            "-".into(),
            "-".into(),
        ]);
        table.write(out, "", true)?;
        if self.pass {
            writeln!(
                out,
                "PASS: {} ops/s (at least {}), every p99 at most {} ms, no errors",
                self.ops_per_sec, self.thresholds.min_ops_per_sec, self.thresholds.max_p99_ms
            )
        } else {
            writeln!(out, "FAIL: {}", self.failures.join("; "))
        }
    }
}

#[cfg(test)]
mod tests {
    use insta::assert_snapshot;

    use super::*;
    use crate::output::both;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn samples(slow: u64) -> Samples {
        let mut s = Samples::default();
        for latencies in s.latencies.iter_mut() {
            *latencies = (1..=100).map(ms).collect();
            latencies.push(ms(slow));
        }
        s
    }

    const LIMITS: Thresholds = Thresholds {
        min_ops_per_sec: 36.0,
        max_p99_ms: 150.0,
    };

    #[test]
    fn percentiles_are_nearest_rank() {
        let sorted: Vec<Duration> = (1..=100).map(ms).collect();
        assert_eq!(quantile(&sorted, 0.5), ms(50));
        assert_eq!(quantile(&sorted, 0.99), ms(99));
        assert_eq!(quantile(&[], 0.99), Duration::ZERO);
    }

    #[test]
    fn a_passing_run() {
        let report = PerfReport::grade("/p".into(), "s", 4, 40, LIMITS, ms(10_000), samples(120));
        assert!(report.pass);
        assert_snapshot!(both(&report), @r#"
        --- text
        check perf /p: load s, 4 sessions, 10.0s, target 40 ops/s
        op      count  errors  ops/s  p50 ms  p90 ms  p99 ms  max ms
        create    101       0   10.1   51.00   91.00  100.00  120.00
        set       101       0   10.1   51.00   91.00  100.00  120.00
        get       101       0   10.1   51.00   91.00  100.00  120.00
        delete    101       0   10.1   51.00   91.00  100.00  120.00
        all       404       0   40.4       -       -       -       -
        PASS: 40.4 ops/s (at least 36), every p99 at most 150 ms, no errors
        --- json
        {"durationMs":10000,"errors":0,"failures":[],"load":"s","operations":[{"count":101,"errors":0,"maxMs":120.0,"op":"create","opsPerSec":10.1,"p50Ms":51.0,"p90Ms":91.0,"p99Ms":100.0},{"count":101,"errors":0,"maxMs":120.0,"op":"set","opsPerSec":10.1,"p50Ms":51.0,"p90Ms":91.0,"p99Ms":100.0},{"count":101,"errors":0,"maxMs":120.0,"op":"get","opsPerSec":10.1,"p50Ms":51.0,"p90Ms":91.0,"p99Ms":100.0},{"count":101,"errors":0,"maxMs":120.0,"op":"delete","opsPerSec":10.1,"p50Ms":51.0,"p90Ms":91.0,"p99Ms":100.0}],"ops":404,"opsPerSec":40.4,"pass":true,"path":"/p","sessions":4,"targetOpsPerSec":40,"thresholds":{"maxP99Ms":150.0,"minOpsPerSec":36.0}}
        "#);
    }

    #[test]
    fn a_failing_run_says_every_threshold_it_missed() {
        let mut s = samples(120);
        s.errors[0] = 2;
        s.first_error = Some("create /p/x: connection to ZooKeeper lost".into());
        let limits = Thresholds {
            min_ops_per_sec: 360.0,
            max_p99_ms: 50.0,
        };
        let report = PerfReport::grade("/p".into(), "s", 4, 400, limits, ms(10_000), s);
        assert!(!report.pass);
        let text = crate::output::rendered(&report, crate::cli::OutputFormat::Text);
        assert!(
            text.contains("FAIL: throughput 40.4 ops/s is below 360 ops/s"),
            "{text}"
        );
        assert!(text.contains("create p99 100 ms is above 50 ms"), "{text}");
        assert!(text.contains("2 requests failed, the first: create /p/x"), "{text}");
    }
}
