//! JSON rendering: one document per result, shapes documented in README.

use std::io::Write;

use base64::Engine;
use serde_json::{Value, json};

use crate::outcome::{EditResult, Outcome};
use crate::render::data::DataView;
use crate::render::stat::stat_json;

pub fn render(outcome: &Outcome, out: &mut impl Write) -> std::io::Result<()> {
    let Some(value) = to_json(outcome) else { return Ok(()) };
    serde_json::to_writer(&mut *out, &value)?;
    writeln!(out)
}

/// The JSON for an outcome; None for outcomes that print nothing (quit).
pub fn to_json(outcome: &Outcome) -> Option<Value> {
    Some(match outcome {
        Outcome::Done => json!({"ok": true}),
        Outcome::Quit => return None,
        Outcome::Created { path } => json!({"path": path}),
        Outcome::Cwd { path } => json!({"cwd": path}),
        Outcome::Data {
            path, data, stat, view, ..
        } => {
            let mut value = json!({"path": path, "stat": stat_json(stat)});
            // `get -b` asks for base64: the bytes come as dataBase64 even when they are text.
            match std::str::from_utf8(data) {
                Ok(text) if *view != DataView::Base64 => value["data"] = json!(text),
                _ => value["dataBase64"] = json!(base64::engine::general_purpose::STANDARD.encode(data)),
            }
            value
        }
        Outcome::Saved { path, file, bytes } => json!({"path": path, "file": file, "bytes": bytes}),
        Outcome::Stat { path, stat } => json!({"path": path, "stat": stat_json(stat)}),
        Outcome::Exists { path, stat } => {
            json!({"path": path, "exists": stat.is_some(), "stat": stat.as_ref().map(stat_json)})
        }
        Outcome::Children { path, children, stat } => {
            let mut value = json!({"path": path, "children": children});
            if let Some(stat) = stat {
                value["stat"] = stat_json(stat);
            }
            value
        }
        Outcome::LongChildren { path, entries } => {
            let children: Vec<Value> = entries
                .iter()
                .map(|e| json!({"name": e.name, "stat": e.stat.as_ref().map(stat_json)}))
                .collect();
            json!({"path": path, "children": children})
        }
        Outcome::Deleted { path, count } => json!({"path": path, "deleted": count}),
        Outcome::Text { json, .. } => json.clone(),
        Outcome::WatchAdded { id, kind, path } => json!({"id": id, "kind": kind.label(), "path": path}),
        Outcome::Stream { .. } => return None,
        Outcome::Watches { watches } | Outcome::Unwatched { watches } => {
            let list: Vec<Value> = watches
                .iter()
                .map(|w| json!({"id": w.id, "kind": w.kind.label(), "path": w.path}))
                .collect();
            let key = if matches!(outcome, Outcome::Watches { .. }) {
                "watches"
            } else {
                "removed"
            };
            json!({ key: list })
        }
        Outcome::PrintWatches { on } => json!({"printwatches": on}),
        Outcome::Queued { position, op } => json!({"queued": position, "op": op}),
        Outcome::TxnOps { ops } => json!({"queued": ops}),
        Outcome::TxnResults { results } => Value::Array(
            results
                .iter()
                .map(|r| {
                    let mut v = json!({"op": r.op, "path": r.path});
                    if let Some(created) = &r.created {
                        v["created"] = json!(created);
                    }
                    if let Some(version) = r.version {
                        v["version"] = json!(version);
                    }
                    v
                })
                .collect(),
        ),
        Outcome::TxnState { open, dropped } => {
            json!({"txn": if *open { "open" } else { "aborted" }, "dropped": dropped})
        }
        Outcome::Session(info) => {
            let credentials: serde_json::Map<String, Value> = info
                .credentials
                .iter()
                .map(|(scheme, n)| (scheme.clone(), json!(n)))
                .collect();
            json!({
                "sessionId": info.id,
                "sessionIdHex": format!("0x{:x}", info.id),
                "timeoutMs": info.timeout.as_millis() as u64,
                "state": info.state.label(),
                "readOnly": info.readonly,
                "readOnlyAllowed": info.readonly_allowed,
                "server": info.server,
                "cwd": info.cwd,
                "credentials": credentials,
            })
        }
        Outcome::Edited {
            path,
            result: EditResult::Unchanged,
        } => json!({"path": path, "changed": false}),
        Outcome::Edited {
            path,
            result: EditResult::Saved { version },
        } => json!({"path": path, "changed": true, "version": version}),
    })
}
