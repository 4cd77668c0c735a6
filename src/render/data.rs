//! Showing znode data: UTF-8 as is; anything else escaped, so no raw control byte reaches a
//! terminal or a pipe unless asked for with --raw.

/// Text for `data`: valid UTF-8 without control characters passes unchanged (newlines and tabs
/// included); other bytes become `\xNN`, and a backslash in otherwise-escaped data is doubled
/// so the escaping is unambiguous.
pub fn display_data(data: &[u8]) -> String {
    if let Ok(text) = std::str::from_utf8(data) {
        if !text
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
        {
            return text.to_string();
        }
    }
    escape_bytes(data)
}

fn escape_bytes(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len() * 2);
    for chunk in data.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                '\r' => out.push_str("\\r"),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_passes_binary_is_escaped() {
        assert_eq!(display_data(b"hello\nworld"), "hello\nworld");
        assert_eq!(display_data("olá".as_bytes()), "olá");
        assert_eq!(display_data(b"\x00\xff"), "\\x00\\xff");
        assert_eq!(display_data(b"a\\b\x01"), "a\\\\b\\x01");
        assert_eq!(display_data(b"\x1b[31mred"), "\\x1b[31mred");
        assert_eq!(display_data(b""), "");
    }
}
