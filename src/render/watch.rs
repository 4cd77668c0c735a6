//! Watch events as text (between prompts, on stderr, or streamed) and as NDJSON objects.

use std::io::Write;

use base64::Engine;
use serde_json::{Value, json};

use crate::render::data::display_data;
use crate::render::stat::rfc3339;
use crate::watch::{EventName, WatchEvent, WatchKind};

/// One line: `[watch 1 data] /x changed (version 3): new value`.
pub fn watch_event_text(event: &WatchEvent) -> String {
    let head = format!("[watch {} {}] {}", event.id, event.kind.label(), event.path);
    let body = match &event.event {
        EventName::Failed(reason) => format!("error: {reason}"),
        EventName::Absent => "does not exist (waiting for it to be created)".to_string(),
        EventName::Gap => "reconnected: changes made while disconnected may be missing".to_string(),
        EventName::Resync if event.data.is_none() && event.children.is_none() => {
            "watch added again on the new session; changes in between are not reported".to_string()
        }
        name => {
            let mut text = name.label().to_string();
            if matches!(event.kind, WatchKind::Oneshot(_)) {
                if let Some(zk_name) = name.zookeeper_name() {
                    text = format!("{text} ({zk_name}; one-shot watch used up, re-arm with -w)");
                }
            }
            if *name == EventName::Resync {
                text = "re-read after reconnecting or a new session".to_string();
            }
            if let Some(version) = event.version {
                text.push_str(&format!(" (version {version})"));
            }
            if let Some(data) = &event.data {
                text.push_str(&format!(": {}", display_data(data).replace('\n', "\\n")));
            }
            if let Some(children) = &event.children {
                text.push_str(&format!(": [{}]", children.join(", ")));
            }
            text
        }
    };
    format!("{head} {body}")
}

pub fn watch_event_json(event: &WatchEvent) -> Value {
    let mut value = json!({
        "time": rfc3339(event.time.timestamp_millis()),
        "id": event.id,
        "kind": event.kind.label(),
        "path": event.path,
        "event": event.event.label(),
    });
    if let Some(name) = event.event.zookeeper_name() {
        value["type"] = json!(name);
    }
    if let EventName::Failed(reason) = &event.event {
        value["message"] = json!(reason);
    }
    if let Some(data) = &event.data {
        match std::str::from_utf8(data) {
            Ok(text) => value["data"] = json!(text),
            Err(_) => value["dataBase64"] = json!(base64::engine::general_purpose::STANDARD.encode(data)),
        }
    }
    if let Some(version) = event.version {
        value["version"] = json!(version);
    }
    if let Some(children) = &event.children {
        value["children"] = json!(children);
    }
    if let Some(zxid) = event.zxid {
        value["zxid"] = json!(zxid);
    }
    value
}

/// Writes one event of a stream and flushes, so a consumer sees it at once.
pub fn render_watch_event(event: &WatchEvent, json: bool, out: &mut impl Write) -> std::io::Result<()> {
    if json {
        serde_json::to_writer(&mut *out, &watch_event_json(event))?;
        writeln!(out)?;
    } else {
        writeln!(out, "{}", watch_event_text(event))?;
    }
    out.flush()
}
