//! Showing znode data: UTF-8 as is; anything else escaped, so no raw control byte reaches a
//! terminal or a pipe unless asked for with --raw; hex dumps, base64, and JSON pretty-printed
//! with colours on a terminal.

use std::io::IsTerminal;

use base64::Engine;
use colored::Colorize;

/// Text for `data`: valid UTF-8 without control characters passes unchanged (newlines and tabs
/// included); other bytes become `\xNN`, and a backslash in otherwise-escaped data is doubled.
///
/// Every escaped rendering has at least one `\xNN` in it, so text that itself reads `\xNN`
/// (a backslash, x, two hex digits) is escaped too: the text `a\x1b` shows as `a\\x1b`, never
/// as the ESC byte `a\x1b` does. Other backslashes (`a\b`, `C:\new`) pass unchanged.
pub fn display_data(data: &[u8]) -> String {
    if let Ok(text) = std::str::from_utf8(data) {
        // A carriage return is harmless only before a newline (CRLF text); alone it moves the
        // cursor back and lets the rest of the line hide what came before it.
        let lone_cr = text.match_indices('\r').any(|(i, _)| !text[i + 1..].starts_with('\n'));
        if !lone_cr
            && !reads_as_hex_escape(text)
            && !text
                .chars()
                .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
        {
            return text.to_string();
        }
    }
    escape_bytes(data, false)
}

/// As [`display_data`], for a place that must stay on one line (a watch event): data with a
/// newline is shown escaped, the newline as `\x0a`, so that it never looks like text that
/// reads `\n`.
pub fn one_line_data(data: &[u8]) -> String {
    let shown = display_data(data);
    if shown.contains('\n') {
        escape_bytes(data, true)
    } else {
        shown
    }
}

/// Whether `text` holds `\xNN` (any case), which an escaped rendering would show for a byte.
fn reads_as_hex_escape(text: &str) -> bool {
    text.as_bytes()
        .windows(4)
        .any(|w| w[0] == b'\\' && w[1] == b'x' && w[2].is_ascii_hexdigit() && w[3].is_ascii_hexdigit())
}

fn escape_bytes(data: &[u8], newline_as_hex: bool) -> String {
    let mut out = String::with_capacity(data.len() * 2);
    for chunk in data.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '\n' if !newline_as_hex => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                // A CR, like every other control character, is `\xNN`: then any escaped
                // rendering carries a `\xNN`, which is what tells it from text shown as is.
                c if c.is_control() => {
                    let mut buf = [0u8; 4];
                    for b in c.encode_utf8(&mut buf).bytes() {
                        out.push_str(&format!("\\x{b:02x}"));
                    }
                }
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

/// How `get` shows the data in text mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DataView {
    /// UTF-8 as is, anything else escaped; JSON pretty-printed and coloured on a terminal.
    #[default]
    Text,
    /// The exact bytes, no newline added (`--raw`).
    Raw,
    /// A hex dump with offsets and an ASCII column (`-x`).
    Hex,
    /// Base64 on one line (`-b`).
    Base64,
}

/// `hexdump -C` layout: offset, 16 bytes in two groups of 8, the printable ASCII between bars;
/// a last line with the total length. Empty data gives no lines. Repeated lines are not
/// squeezed, so every offset is visible.
pub fn hex_dump(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len() * 4 + 16);
    for (i, row) in data.chunks(16).enumerate() {
        out.push_str(&format!("{:08x} ", i * 16));
        for column in 0..16 {
            if column == 8 {
                out.push(' ');
            }
            match row.get(column) {
                Some(b) => out.push_str(&format!(" {b:02x}")),
                None => out.push_str("   "),
            }
        }
        out.push_str("  |");
        out.extend(row.iter().map(|&b| {
            if b.is_ascii_graphic() || b == b' ' {
                b as char
            } else {
                '.'
            }
        }));
        out.push_str("|\n");
    }
    if !data.is_empty() {
        out.push_str(&format!("{:08x}\n", data.len()));
    }
    out
}

pub fn base64_text(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// Decodes base64 given by a user: standard alphabet, padding optional, whitespace and line
/// breaks ignored (what `base64` prints wraps at 76 columns).
pub fn decode_base64(text: &[u8]) -> Result<Vec<u8>, String> {
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    let compact: Vec<u8> = text.iter().copied().filter(|b| !b.is_ascii_whitespace()).collect();
    LENIENT.decode(&compact).map_err(|err| match err {
        base64::DecodeError::InvalidByte(_, byte) if byte != b'=' => {
            format!("not valid base64 ({:?} is not a base64 character)", byte as char)
        }
        base64::DecodeError::InvalidByte(..) | base64::DecodeError::InvalidPadding => {
            "not valid base64 (misplaced '=' padding)".to_string()
        }
        base64::DecodeError::InvalidLength(_) | base64::DecodeError::InvalidLastSymbol(..) => {
            "not valid base64 (truncated or wrong length)".to_string()
        }
    })
}

/// Whether text data is shown pretty-printed and coloured: only on a terminal with colour on,
/// so that pipes and files get the exact text.
pub fn fancy_stdout() -> bool {
    std::io::stdout().is_terminal() && colored::control::SHOULD_COLORIZE.should_colorize()
}

/// The data as a JSON document, if it is one (an object or an array: a bare `5` or `"x"` is
/// better shown as it is).
pub fn as_json_document(data: &[u8]) -> Option<&str> {
    let text = std::str::from_utf8(data).ok()?;
    let start = text.trim_start().chars().next()?;
    // Control characters (C1 ones are valid inside JSON strings) are shown escaped instead.
    let control = text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r');
    if (start != '{' && start != '[') || control {
        return None;
    }
    serde_json::from_str::<serde::de::IgnoredAny>(text).ok()?;
    Some(text)
}

/// Re-indents a valid JSON document (two spaces) and colours keys, strings, numbers and
/// literals. Works on the tokens of the original text, so key order and the spelling of numbers
/// and escapes stay exactly as stored.
pub fn pretty_json(text: &str, color: bool) -> String {
    #[derive(PartialEq)]
    enum Frame {
        Object { expect_key: bool },
        Array,
    }
    let mut out = String::with_capacity(text.len() * 2);
    let mut stack: Vec<Frame> = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        out.push_str(&"  ".repeat(depth));
    };
    let next_significant = |from: usize| bytes[from..].iter().copied().find(|b| !b.is_ascii_whitespace());
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'{' | b'[' => {
                let close = if b == b'{' { b'}' } else { b']' };
                if next_significant(i + 1) == Some(close) {
                    // An empty container stays on one line.
                    out.push(b as char);
                    out.push(close as char);
                    let after = bytes[i + 1..].iter().position(|&c| c == close).unwrap_or(0);
                    i += after + 2;
                    continue;
                }
                out.push(b as char);
                stack.push(if b == b'{' {
                    Frame::Object { expect_key: true }
                } else {
                    Frame::Array
                });
                newline(&mut out, stack.len());
            }
            b'}' | b']' => {
                stack.pop();
                newline(&mut out, stack.len());
                out.push(b as char);
            }
            b',' => {
                out.push(',');
                if let Some(Frame::Object { expect_key }) = stack.last_mut() {
                    *expect_key = true;
                }
                newline(&mut out, stack.len());
            }
            b':' => {
                out.push_str(": ");
                if let Some(Frame::Object { expect_key }) = stack.last_mut() {
                    *expect_key = false;
                }
            }
            b'"' => {
                let mut end = i + 1;
                while end < bytes.len() && bytes[end] != b'"' {
                    end += if bytes[end] == b'\\' { 2 } else { 1 };
                }
                let end = (end + 1).min(bytes.len());
                let token = &text[i..end];
                let is_key = matches!(stack.last(), Some(Frame::Object { expect_key: true }));
                out.push_str(&match (color, is_key) {
                    (false, _) => token.to_string(),
                    (true, true) => token.blue().bold().to_string(),
                    (true, false) => token.green().to_string(),
                });
                i = end;
                continue;
            }
            b if b.is_ascii_whitespace() => {}
            _ => {
                let end = bytes[i..]
                    .iter()
                    .position(|c| matches!(c, b',' | b'}' | b']' | b':') || c.is_ascii_whitespace())
                    .map_or(bytes.len(), |n| i + n);
                let token = &text[i..end];
                out.push_str(&match token {
                    _ if !color => token.to_string(),
                    "true" | "false" | "null" => token.magenta().to_string(),
                    _ => token.yellow().to_string(),
                });
                i = end;
                continue;
            }
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_dump_is_hexdump_c() {
        assert_eq!(hex_dump(b""), "");
        assert_eq!(
            hex_dump(b"Hello, world!\n\x00\xff\x7f"),
            "00000000  48 65 6c 6c 6f 2c 20 77  6f 72 6c 64 21 0a 00 ff  |Hello, world!...|\n\
             00000010  7f                                                |.|\n\
             00000011\n"
        );
    }

    #[test]
    fn base64_round_trip_and_lenient_decoding() {
        assert_eq!(base64_text(&[0x00, 0xff]), "AP8=");
        assert_eq!(decode_base64(b"AP8=").unwrap(), vec![0x00, 0xff]);
        assert_eq!(decode_base64(b"AP8").unwrap(), vec![0x00, 0xff]);
        assert_eq!(decode_base64(b"aGVs\nbG8=\n").unwrap(), b"hello");
        assert!(decode_base64(b"not base64!").unwrap_err().contains("'!'"));
        assert!(decode_base64(b"A").is_err());
    }

    #[test]
    fn json_documents_are_recognised() {
        assert!(as_json_document(b" {\"a\": 1}").is_some());
        assert!(as_json_document(b"[1, 2]").is_some());
        assert!(as_json_document(b"5").is_none());
        assert!(as_json_document(b"{not json}").is_none());
        assert!(as_json_document(b"\xff").is_none());
        assert!(as_json_document("[\"\u{9b}31m\"]".as_bytes()).is_none());
    }

    #[test]
    fn pretty_json_keeps_tokens_and_order() {
        let text = r#"{"z":1.50,"a":[true,null,"x\"y"],"e":{},"l":[ ]}"#;
        assert_eq!(
            pretty_json(text, false),
            "{\n  \"z\": 1.50,\n  \"a\": [\n    true,\n    null,\n    \"x\\\"y\"\n  ],\n  \"e\": {},\n  \"l\": []\n}"
        );
    }

    #[test]
    fn text_passes_binary_is_escaped() {
        assert_eq!(display_data(b"hello\nworld"), "hello\nworld");
        assert_eq!(display_data("olá".as_bytes()), "olá");
        assert_eq!(display_data(b"\x00\xff"), "\\x00\\xff");
        assert_eq!(display_data(b"a\\b\x01"), "a\\\\b\\x01");
        assert_eq!(display_data(b"\x1b[31mred"), "\\x1b[31mred");
        assert_eq!(display_data(b"a\r\nb\r\n"), "a\r\nb\r\n", "CRLF text is text");
        assert_eq!(
            display_data(b"secret\rshown"),
            "secret\\x0dshown",
            "a lone CR cannot hide text"
        );
        assert_eq!(display_data(b""), "");
    }

    #[test]
    fn text_that_reads_as_an_escape_is_escaped() {
        // The text `a\x1b` and the bytes `a<ESC>` never look alike.
        assert_eq!(display_data(b"a\\x1b"), "a\\\\x1b");
        assert_eq!(display_data(b"a\x1b"), "a\\x1b");
        assert_eq!(display_data(b"\\xFF"), "\\\\xFF");
        assert_eq!(display_data(b"secret\\rshown"), "secret\\rshown", "no \\xNN: as is");
        assert_ne!(display_data(b"secret\\x0dshown"), display_data(b"secret\rshown"));
        // Backslashes that read as no escape stay as they are.
        assert_eq!(display_data(b"a\\b"), "a\\b");
        assert_eq!(display_data(br"C:\new\x"), r"C:\new\x");
        assert_eq!(display_data(br"\xg1"), r"\xg1");
    }
}

/// Data in a JSON document: `"data": "<text>"` when the bytes are UTF-8, else (or when base64
/// was asked for) `"dataBase64": "<base64>"`. Flattened into the document that carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payload {
    pub bytes: Vec<u8>,
    /// Base64 even for text (`get -b`).
    pub force_base64: bool,
}

impl Payload {
    pub fn new(bytes: Vec<u8>) -> Payload {
        Payload {
            bytes,
            force_base64: false,
        }
    }
}

impl serde::Serialize for Payload {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(1))?;
        match std::str::from_utf8(&self.bytes) {
            Ok(text) if !self.force_base64 => map.serialize_entry("data", text)?,
            _ => map.serialize_entry("dataBase64", &base64_text(&self.bytes))?,
        }
        map.end()
    }
}
