//! The input line as the line editor last drew it, and how many terminal rows the prompt and
//! that line take: what must be erased when a read is stopped to redraw it under a new prompt.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// The text and cursor of the line being edited, as rustyline last handed them to the helper.
#[derive(Debug, Clone, Default)]
pub struct ShownLine {
    pub line: String,
    /// Byte offset of the cursor in `line`.
    pub pos: usize,
}

impl ShownLine {
    /// The text left and right of the cursor, for `readline_with_initial`.
    pub fn split(&self) -> (String, String) {
        let pos = if self.line.is_char_boundary(self.pos) {
            self.pos
        } else {
            self.line.len()
        };
        (self.line[..pos].to_string(), self.line[pos..].to_string())
    }
}

/// Shared between the helper (which rustyline calls on every edit and redraw) and the editor
/// thread (which reads it when a read is stopped).
#[derive(Debug, Clone, Default)]
pub struct Shown {
    line: Arc<Mutex<ShownLine>>,
    /// rustyline is reading a bracketed paste: stopping the read now would lose it.
    pasting: Arc<AtomicBool>,
}

impl Shown {
    pub fn record(&self, line: &str, pos: usize) {
        // The helper is called again once the paste is in the line.
        self.pasting.store(false, Ordering::SeqCst);
        let mut shown = self.line.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if shown.line != line {
            shown.line.clear();
            shown.line.push_str(line);
        }
        shown.pos = pos;
    }

    pub fn get(&self) -> ShownLine {
        self.line
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    pub fn paste_started(&self) {
        self.pasting.store(true, Ordering::SeqCst);
    }

    pub fn is_pasting(&self) -> bool {
        self.pasting.load(Ordering::SeqCst)
    }
}

/// The rows `text` takes on a terminal `cols` wide when drawn from the first column, with the
/// cursor left after it: rustyline's own wrapping rule (a character that does not fit goes to
/// the next row; a row filled to the last column moves the cursor to the next one).
pub fn rows(text: &str, cols: usize) -> usize {
    let cols = cols.max(1);
    let (mut row, mut col) = (0, 0);
    for c in text.chars() {
        if c == '\n' {
            row += 1;
            col = 0;
            continue;
        }
        let width = if c == '\t' { 8 - col % 8 } else { char_width(c) };
        col += width;
        if col > cols {
            row += 1;
            col = width;
        }
    }
    if col == cols {
        row += 1;
    }
    row + 1
}

/// Terminal columns a character takes, by the same table rustyline lays its lines out with
/// (unicode-width), so the rows counted here are the rows it drew.
fn char_width(c: char) -> usize {
    unicode_width::UnicodeWidthChar::width(c).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_follow_the_wrapping_rule() {
        assert_eq!(rows("", 10), 1);
        assert_eq!(rows("abc", 10), 1);
        // Filled to the last column: the cursor sits on the next row.
        assert_eq!(rows("0123456789", 10), 2);
        assert_eq!(rows("0123456789a", 10), 2);
        assert_eq!(rows("a\nb\nc", 10), 3);
        // A wide character that does not fit moves to the next row whole.
        assert_eq!(rows("012345678漢", 10), 2);
        assert_eq!(rows("01234567漢", 10), 2);
    }

    #[test]
    fn split_at_the_cursor() {
        let shown = Shown::default();
        shown.record("get /abc", 5);
        assert_eq!(shown.get().split(), ("get /".to_string(), "abc".to_string()));
    }
}
