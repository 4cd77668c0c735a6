//! Text rendering: what a person reads, and what `cut`/`grep` can rely on.

use std::io::Write;

use colored::Colorize;

use crate::connection::human_duration;
use crate::outcome::{EditResult, Outcome, SessionInfo};
use crate::render::data::{DataView, as_json_document, base64_text, display_data, fancy_stdout, hex_dump, pretty_json};
use crate::render::stat::{readable_time, render_stat};

pub fn render(outcome: &Outcome, out: &mut impl Write) -> std::io::Result<()> {
    match outcome {
        Outcome::Done | Outcome::Quit | Outcome::Saved { .. } => Ok(()),
        Outcome::Created { path } | Outcome::Cwd { path } => writeln!(out, "{path}"),
        Outcome::Data {
            data,
            stat,
            show_stat,
            view,
            ..
        } => {
            match view {
                DataView::Raw => out.write_all(data)?,
                DataView::Hex => out.write_all(hex_dump(data).as_bytes())?,
                DataView::Base64 => writeln!(out, "{}", base64_text(data))?,
                DataView::Text => match as_json_document(data) {
                    Some(json) if fancy_stdout() => writeln!(out, "{}", pretty_json(json, true))?,
                    _ => writeln!(out, "{}", display_data(data))?,
                },
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
        Outcome::Text { text, .. } if text.is_empty() => Ok(()),
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
        Outcome::Session(info) => render_session(info, out),
        Outcome::Edited {
            result: EditResult::Unchanged,
            ..
        } => writeln!(out, "no changes (nothing written)"),
        // A successful write says nothing, as `set` does.
        Outcome::Edited { .. } => Ok(()),
    }
}

fn render_session(info: &SessionInfo, out: &mut impl Write) -> std::io::Result<()> {
    let credentials = if info.credentials.is_empty() {
        "none".to_string()
    } else {
        let list: Vec<String> = info
            .credentials
            .iter()
            .map(|(scheme, n)| format!("{scheme} ({n})"))
            .collect();
        list.join(", ")
    };
    let readonly = match (info.readonly, info.readonly_allowed) {
        (true, _) => "yes: connected to a read-only server, writes are refused",
        (false, true) => "no (read-only servers allowed by -r)",
        (false, false) => "no",
    };
    let rows: [(&str, String); 7] = [
        ("session id", format!("0x{:x}", info.id)),
        ("timeout", human_duration(info.timeout)),
        ("state", info.state.label().to_string()),
        ("read-only", readonly.to_string()),
        ("server", info.server.clone()),
        ("current node", info.cwd.clone()),
        ("credentials", credentials),
    ];
    for (key, value) in rows {
        writeln!(out, "{} {value}", format!("{key:<13}").cyan())?;
    }
    writeln!(
        out,
        "(ZooKeeper does not tell a client which server of the ensemble it is connected to)"
    )
}
