//! `check perf`: a fixed load of creates, sets, gets and deletes from several sessions under a
//! scratch path, then throughput and latency percentiles graded PASS/FAIL (etcdctl's
//! `check perf`, for ZooKeeper). The scratch nodes go afterwards, also after a Ctrl-C.

use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{Args, ValueEnum};
use tokio::task::JoinSet;
use zookeeper_client::{self as zk, Acls, Client, CreateMode};

use super::grade::{PerfReport, Samples, Thresholds};
use crate::commands::walked::value_reply;
use crate::errors::{ShellError, ZkError};
use crate::output::Reply;
use crate::progress::{BulkRun, Progress, ProgressLine, StopReport};
use crate::shell::Shell;
use crate::tree::{DEFAULT_PARALLEL, delete_subtree};
use crate::zk::Zk;
use crate::zk::connection::close_sessions;

const OP: &str = "check perf";
/// Bytes written by each create and set.
const VALUE_SIZE: usize = 256;

/// Measure the ensemble under a fixed load and grade it PASS or FAIL.
///
/// Several sessions each repeat a round of four requests (create a node, set its data, get
/// it, delete it; 256-byte values) under a scratch node created below --path, paced so that
/// together they send the load's target rate for --duration. Then it prints the throughput
/// and the latency percentiles (p50, p90, p99, max) of each operation, and PASS or FAIL.
///
/// Loads: s is 4 sessions at 200 ops/s, m 16 at 1,000 ops/s, l 48 at 4,000 ops/s. PASS when
/// the throughput reaches 90% of the target, every operation's p99 is at most 100 ms (s),
/// 200 ms (m) or 500 ms (l), and no request failed.
///
/// FAIL exits 1. The load is real writes: run it on a cluster you may load. A --path that
/// exists is refused unless --force (then only what check perf creates under it is removed);
/// a path it created is removed afterwards, also when interrupted (Ctrl-C). Progress shows
/// on a terminal.
///
/// Example: check perf --load m --duration 1m
#[derive(Debug, Args)]
#[command(about = "Measure the ensemble under a fixed load: throughput, latency, PASS/FAIL")]
pub struct Perf {
    /// The load: s (4 sessions, 200 ops/s), m (16, 1,000), l (48, 4,000)
    #[arg(long, value_enum, default_value = "s")]
    pub load: Load,
    /// How long the load runs (e.g. 30s, 2m)
    #[arg(long, default_value = "30s", value_parser = crate::cli::parse_duration)]
    pub duration: Duration,
    /// Where the scratch nodes go
    #[arg(long, default_value = "/zksh-perf", add = crate::completion::path_completer())]
    pub path: String,
    /// Use --path even if it exists (only what check perf creates under it is removed)
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Load {
    S,
    M,
    L,
}

/// Sessions, target rate and the p99 bound of a load (documented in the help and README).
struct Spec {
    name: &'static str,
    sessions: usize,
    rate: u32,
    max_p99_ms: f64,
}

impl Load {
    fn spec(self) -> Spec {
        // Under ZooKeeper's default maxClientCnxns (60 per client address).
        match self {
            Load::S => Spec {
                name: "s",
                sessions: 4,
                rate: 200,
                max_p99_ms: 100.0,
            },
            Load::M => Spec {
                name: "m",
                sessions: 16,
                rate: 1_000,
                max_p99_ms: 200.0,
            },
            Load::L => Spec {
                name: "l",
                sessions: 48,
                rate: 4_000,
                max_p99_ms: 500.0,
            },
        }
    }
}

/// The nodes to remove afterwards: the run's own node, and --path when this run created it.
#[derive(Clone)]
struct Scratch {
    zk: Zk,
    run: String,
    created_root: Option<String>,
}

impl Scratch {
    async fn remove(&self) -> anyhow::Result<()> {
        let client = self.zk.client().await?;
        delete_subtree(&self.zk, &client, &self.run, DEFAULT_PARALLEL, &Progress::default()).await?;
        if let Some(root) = &self.created_root {
            match self.zk.call("delete", root, client.delete(root, None)).await {
                // Someone else put something there meanwhile: theirs to keep.
                Err(err) if matches!(err.downcast_ref::<ZkError>(), Some(e) if e.source == zk::Error::NotEmpty) => {}
                other => other?,
            }
        }
        Ok(())
    }

    /// What a Ctrl-C leaves behind: the scratch nodes removed (or why not).
    fn stop_report(&self) -> StopReport {
        let scratch = self.clone();
        StopReport(Arc::new(move || {
            let scratch = scratch.clone();
            Box::pin(async move {
                match scratch.remove().await {
                    Ok(()) => format!("interrupted: the load stopped and {} was removed", scratch.run),
                    Err(err) => format!(
                        "interrupted: the load stopped; could not remove {}: {err:#}",
                        scratch.run
                    ),
                }
            })
        }))
    }
}

impl Perf {
    pub async fn run(self, shell: &mut Shell) -> anyhow::Result<Reply> {
        if self.duration.is_zero() {
            return Err(ShellError::usage(
                "check perf --duration: must be more than 0 (e.g. 30s)",
            ));
        }
        shell.refuse_in_txn("check perf cannot be part of a transaction (it sends its own load)")?;
        let path = shell.resolve(&self.path)?;
        if path == "/" || crate::path::is_zookeeper_own(&path) {
            return Err(ShellError::usage(format!(
                "check perf --path {path}: choose a scratch path of its own (it is removed afterwards)"
            )));
        }
        let spec = self.load.spec();
        let zk = shell.zk().clone();
        let client = zk.client().await?;
        let open = CreateMode::Persistent.with_acls(Acls::anyone_all());
        let exists = zk.call("exists", &path, client.check_stat(&path)).await?.is_some();
        if exists && !self.force {
            return Err(ShellError::refused(
                OP,
                &path,
                "the path exists; give a path that does not, or --force to run under it \
                 (only what check perf creates there is removed)",
            ));
        }
        if !exists {
            zk.call("create", &path, client.create(&path, b"", &open)).await?;
        }
        let run = format!(
            "{path}/run-{}-{}",
            std::process::id(),
            client.session_id().0 & 0xffff_ffff
        );
        let scratch = Scratch {
            zk: zk.clone(),
            run: run.clone(),
            created_root: (!exists).then(|| path.clone()),
        };
        let progress = Progress::default();
        progress.found(spec.rate as usize * self.duration.as_secs_f64().ceil() as usize);
        shell.start_bulk_reported(BulkRun {
            op: OP,
            path: path.clone(),
            verb: "done",
            progress: progress.clone(),
            zk: zk.clone(),
            report: Some(scratch.stop_report()),
        });
        let measured = match zk.call("create", &run, client.create(&run, b"", &open)).await {
            Ok(_) => self.load(&zk, &spec, &run, &progress).await,
            Err(err) => Err(err),
        };
        let removed = scratch.remove().await;
        let (samples, elapsed) = measured?;
        let thresholds = Thresholds {
            min_ops_per_sec: f64::from(spec.rate) * 0.9,
            max_p99_ms: spec.max_p99_ms,
        };
        let report = PerfReport::grade(
            path.clone(),
            spec.name,
            spec.sessions,
            spec.rate,
            thresholds,
            elapsed,
            samples,
        );
        // The figures are worth showing even when the scratch nodes could not all go.
        let outcome = match (removed, report.pass) {
            (Err(err), _) => Err(err.context(format!("{OP}: the scratch node {} may be left behind", scratch.run))),
            (Ok(()), true) => Ok(()),
            (Ok(()), false) => Err(ShellError::refused(
                OP,
                &path,
                format!("FAIL: {}", report.failures.join("; ")),
            )),
        };
        Ok(value_reply(OP, path, report, outcome))
    }

    /// Opens the sessions and runs the workers until the duration is up.
    async fn load(&self, zk: &Zk, spec: &Spec, run: &str, progress: &Progress) -> anyhow::Result<(Samples, Duration)> {
        let mut opening = JoinSet::new();
        for _ in 0..spec.sessions {
            let connection = Arc::clone(zk.connection());
            opening.spawn(async move { connection.side_session().await });
        }
        let mut clients = Vec::new();
        while let Some(opened) = opening.join_next().await {
            clients.extend(opened.ok().flatten());
        }
        if clients.len() < spec.sessions {
            let opened = clients.len();
            close_sessions(clients, Duration::from_secs(1)).await;
            return Err(ShellError::refused(
                OP,
                run,
                format!(
                    "only {opened} of {} sessions could be opened (the server's maxClientCnxns?)",
                    spec.sessions
                ),
            ));
        }
        let label = format!("{OP} {run}");
        let _line = ProgressLine::ops(progress.clone(), label);
        // Each round is four requests: the pace that gives the target rate across sessions.
        let round = Duration::from_secs_f64(4.0 * spec.sessions as f64 / f64::from(spec.rate));
        let started = Instant::now();
        let deadline = started + self.duration;
        let mut workers = JoinSet::new();
        for (k, client) in clients.iter().enumerate() {
            let worker = Worker {
                client: client.clone(),
                prefix: format!("{run}/w{k}-"),
                timeout: zk.request_timeout(),
                progress: progress.clone(),
            };
            workers.spawn(worker.run(round, deadline));
        }
        let mut samples = Samples::default();
        while let Some(done) = workers.join_next().await {
            if let Ok(worker_samples) = done {
                samples.merge(worker_samples);
            }
        }
        let elapsed = started.elapsed();
        close_sessions(clients, Duration::from_secs(2)).await;
        Ok((samples, elapsed))
    }
}

/// One session's share of the load.
struct Worker {
    client: Client,
    prefix: String,
    timeout: Duration,
    progress: Progress,
}

impl Worker {
    async fn run(self, round: Duration, deadline: Instant) -> Samples {
        let mut samples = Samples::default();
        let mut ticks = tokio::time::interval(round);
        // A round that ran late is made up for at once: the target is a rate, not a pause.
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
        let value = vec![b'x'; VALUE_SIZE];
        let open = CreateMode::Persistent.with_acls(Acls::anyone_all());
        for n in 0u64.. {
            ticks.tick().await;
            if Instant::now() >= deadline {
                break;
            }
            let node = format!("{}{n}", self.prefix);
            // A node that was not created is not there to set, read or delete.
            if !self
                .time(&mut samples, 0, &node, self.client.create(&node, &value, &open))
                .await
            {
                continue;
            }
            self.time(&mut samples, 1, &node, self.client.set_data(&node, &value, None))
                .await;
            self.time(&mut samples, 2, &node, self.client.get_data(&node)).await;
            self.time(&mut samples, 3, &node, self.client.delete(&node, None)).await;
        }
        samples
    }

    /// Sends one request and records its latency, or its failure; whether it succeeded.
    async fn time<T>(
        &self,
        samples: &mut Samples,
        op: usize,
        node: &str,
        request: impl Future<Output = Result<T, zk::Error>>,
    ) -> bool {
        let sent = Instant::now();
        let failure = match tokio::time::timeout(self.timeout, request).await {
            Ok(Ok(_)) => None,
            Ok(Err(err)) => Some(ZkError::new(super::grade::OPS[op], node, err).to_string()),
            Err(_) => Some(format!(
                "{} {node}: no answer within {:?}",
                super::grade::OPS[op],
                self.timeout
            )),
        };
        self.progress.sent(1);
        self.progress.confirmed(1);
        match failure {
            None => {
                samples.latencies[op].push(sent.elapsed());
                true
            }
            Some(text) => {
                samples.errors[op] += 1;
                samples.first_error.get_or_insert(text);
                false
            }
        }
    }
}
