//! Watch events as text (between prompts, on stderr, or streamed) and as NDJSON objects.

use std::io::Write;

use serde::{Serialize, Serializer};

use crate::output::Render;
use crate::output::data::{Payload, one_line_data};
use crate::output::stat::rfc3339;
use crate::watch::{EventName, WatchEvent, WatchKind};

/// A watch kind in JSON: its label (`data`, `recursive`, `oneshot-data`...).
pub fn kind_label<S: Serializer>(kind: &WatchKind, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(kind.label())
}

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
                text.push_str(&format!(": {}", one_line_data(data)));
            }
            if let Some(children) = &event.children {
                text.push_str(&format!(": [{}]", children.join(", ")));
            }
            text
        }
    };
    format!("{head} {body}")
}

/// One NDJSON object: `{"time", "id", "kind", "path", "event", "type"?, "message"?,
/// "data" | "dataBase64"?, "version"?, "children"?, "zxid"?}`.
impl Serialize for WatchEvent {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Row<'a> {
            time: String,
            id: u32,
            #[serde(serialize_with = "kind_label")]
            kind: &'a WatchKind,
            path: &'a str,
            event: &'a str,
            #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
            zookeeper_name: Option<&'static str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            message: Option<&'a str>,
            #[serde(flatten, skip_serializing_if = "Option::is_none")]
            data: Option<Payload>,
            #[serde(skip_serializing_if = "Option::is_none")]
            version: Option<i32>,
            #[serde(skip_serializing_if = "Option::is_none")]
            children: Option<&'a [String]>,
            #[serde(skip_serializing_if = "Option::is_none")]
            zxid: Option<i64>,
        }
        Row {
            time: rfc3339(self.time.timestamp_millis()),
            id: self.id,
            kind: &self.kind,
            path: &self.path,
            event: self.event.label(),
            zookeeper_name: self.event.zookeeper_name(),
            message: match &self.event {
                EventName::Failed(reason) => Some(reason),
                _ => None,
            },
            data: self.data.clone().map(Payload::new),
            version: self.version,
            children: self.children.as_deref(),
            zxid: self.zxid,
        }
        .serialize(serializer)
    }
}

impl Render for WatchEvent {
    fn render_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        writeln!(out, "{}", watch_event_text(self))
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::output::both;
    use crate::watch::OneshotKind;

    fn event(kind: WatchKind, name: EventName) -> WatchEvent {
        WatchEvent {
            id: 3,
            kind,
            time: Utc.timestamp_millis_opt(1_764_079_277_123).single().expect("a time"),
            path: "/app/config".into(),
            event: name,
            data: None,
            version: None,
            children: None,
            zxid: None,
        }
    }

    #[test]
    fn a_data_change_with_its_value() {
        let mut changed = event(WatchKind::Data, EventName::Changed);
        changed.data = Some(b"v2".to_vec());
        changed.version = Some(4);
        changed.zxid = Some(0x2b);
        insta::assert_snapshot!(both(&changed), @r#"
        --- text
        [watch 3 data] /app/config changed (version 4): v2
        --- json
        {"data":"v2","event":"changed","id":3,"kind":"data","path":"/app/config","time":"2025-11-25T14:01:17.123Z","type":"NodeDataChanged","version":4,"zxid":43}
        "#);
    }

    #[test]
    fn data_stays_on_one_line_and_a_newline_never_reads_as_backslash_n() {
        let mut newline = event(WatchKind::Data, EventName::Changed);
        newline.data = Some(b"a\nb".to_vec());
        let mut backslash_n = event(WatchKind::Data, EventName::Changed);
        backslash_n.data = Some(b"a\\nb".to_vec());
        let (one, other) = (watch_event_text(&newline), watch_event_text(&backslash_n));
        assert_eq!(one, "[watch 3 data] /app/config changed: a\\x0ab");
        assert_eq!(other, "[watch 3 data] /app/config changed: a\\nb");
    }

    #[test]
    fn children_binary_data_and_failures() {
        let mut children = event(WatchKind::Children, EventName::ChildrenChanged);
        children.children = Some(vec!["a".into(), "b".into()]);
        insta::assert_snapshot!(both(&children), @r#"
        --- text
        [watch 3 children] /app/config children: [a, b]
        --- json
        {"children":["a","b"],"event":"children","id":3,"kind":"children","path":"/app/config","time":"2025-11-25T14:01:17.123Z","type":"NodeChildrenChanged"}
        "#);
        let mut binary = event(WatchKind::Data, EventName::Current);
        binary.data = Some(vec![0, 0xff]);
        binary.version = Some(0);
        insta::assert_snapshot!(both(&binary), @r#"
        --- text
        [watch 3 data] /app/config current (version 0): \x00\xff
        --- json
        {"dataBase64":"AP8=","event":"current","id":3,"kind":"data","path":"/app/config","time":"2025-11-25T14:01:17.123Z","version":0}
        "#);
        let failed = event(
            WatchKind::Recursive,
            EventName::Failed("cannot watch /app: no auth".into()),
        );
        insta::assert_snapshot!(both(&failed), @r#"
        --- text
        [watch 3 recursive] /app/config error: cannot watch /app: no auth
        --- json
        {"event":"error","id":3,"kind":"recursive","message":"cannot watch /app: no auth","path":"/app/config","time":"2025-11-25T14:01:17.123Z"}
        "#);
        let oneshot = event(WatchKind::Oneshot(OneshotKind::Data), EventName::Deleted);
        insta::assert_snapshot!(both(&oneshot), @r#"
        --- text
        [watch 3 oneshot-data] /app/config deleted (NodeDeleted; one-shot watch used up, re-arm with -w)
        --- json
        {"event":"deleted","id":3,"kind":"oneshot-data","path":"/app/config","time":"2025-11-25T14:01:17.123Z","type":"NodeDeleted"}
        "#);
    }
}
