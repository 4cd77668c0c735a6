//! Text rendering: what a person reads, and what `cut`/`grep` can rely on.

use std::io::Write;

use colored::Colorize;

use crate::outcome::Outcome;
use crate::render::data::display_data;
use crate::render::stat::{readable_time, render_stat};

pub fn render(outcome: &Outcome, out: &mut impl Write) -> std::io::Result<()> {
    match outcome {
        Outcome::Done | Outcome::Quit | Outcome::Saved { .. } => Ok(()),
        Outcome::Created { path } | Outcome::Cwd { path } => writeln!(out, "{path}"),
        Outcome::Data {
            data,
            stat,
            show_stat,
            raw,
            ..
        } => {
            if *raw {
                out.write_all(data)?;
            } else {
                writeln!(out, "{}", display_data(data))?;
            }
            if *show_stat {
                render_stat(stat, out)?;
            }
            Ok(())
        }
        Outcome::Stat { stat, .. } => render_stat(stat, out),
        Outcome::Exists { path, stat } => match stat {
            Some(_) => writeln!(out, "{path} exists"),
            None => writeln!(out, "{path} does not exist"),
        },
        Outcome::Children { children, stat, .. } => {
            for child in children {
                writeln!(out, "{child}")?;
            }
            if let Some(stat) = stat {
                render_stat(stat, out)?;
            }
            Ok(())
        }
        Outcome::LongChildren { entries, .. } => {
            for entry in entries {
                match &entry.stat {
                    Some(stat) => writeln!(
                        out,
                        "{} {:>9} {:>6}  {}  {}",
                        if stat.ephemeral_owner != 0 { "e" } else { "-" },
                        stat.data_length,
                        stat.num_children,
                        readable_time(stat.mtime),
                        entry.name.blue()
                    )?,
                    None => writeln!(out, "? {:>9} {:>6}  {:29}  {} (vanished)", "-", "-", "-", entry.name)?,
                }
            }
            Ok(())
        }
        Outcome::Deleted { .. } => Ok(()),
        Outcome::Text { text, .. } => writeln!(out, "{text}"),
        Outcome::WatchAdded { id, kind, path } => {
            writeln!(out, "watch {id} ({}) on {path}; `unwatch {id}` stops it", kind.label())
        }
        // Streams are written event by event by the runner.
        Outcome::Stream { .. } => Ok(()),
        Outcome::Watches { watches } => {
            for w in watches {
                writeln!(out, "{:>4}  {:<16}  {}", w.id, w.kind.label(), w.path)?;
            }
            Ok(())
        }
        Outcome::Unwatched { watches } => {
            for w in watches {
                writeln!(out, "removed watch {} ({}) on {}", w.id, w.kind.label(), w.path)?;
            }
            Ok(())
        }
        Outcome::PrintWatches { on } => writeln!(out, "printwatches is {}", if *on { "on" } else { "off" }),
        Outcome::Queued { position, op } => writeln!(out, "queued #{position}: {op}"),
        Outcome::TxnOps { ops } => {
            if ops.is_empty() {
                writeln!(out, "(nothing queued)")?;
            }
            for (i, op) in ops.iter().enumerate() {
                writeln!(out, "{:>3}. {op}", i + 1)?;
            }
            Ok(())
        }
        Outcome::TxnResults { results } => {
            for r in results {
                match (&r.created, r.version) {
                    (Some(created), _) => writeln!(out, "created {created}")?,
                    (None, Some(version)) => writeln!(out, "set {} (version {version})", r.path)?,
                    (None, None) if r.op == "delete" => writeln!(out, "deleted {}", r.path)?,
                    (None, None) => writeln!(out, "checked {}", r.path)?,
                }
            }
            Ok(())
        }
        Outcome::TxnState { open: true, .. } => {
            writeln!(
                out,
                "transaction open: check/create/set/delete are queued until txn commit"
            )
        }
        Outcome::TxnState { open: false, dropped } => {
            writeln!(out, "transaction aborted ({dropped} operations dropped)")
        }
    }
}
