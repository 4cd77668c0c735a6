//! A forgiving reading of a half-typed line for completion, hints and highlighting: where the
//! word under the cursor starts, which command it belongs to, and what came before it. Unlike
//! the real tokenizer it never fails (an open quote is just part of the last word).

/// The word under the cursor and its command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WordAt {
    /// Byte offset where the word under the cursor starts.
    pub start: usize,
    /// The word typed so far (quotes removed).
    pub prefix: String,
    /// The command's first word, when the cursor is past it.
    pub command: Option<String>,
    /// The complete words between the command and the cursor word.
    pub args: Vec<String>,
}

/// One word of a line with its byte span, for the highlighter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub text: String,
    /// The word opens a quote it never closes.
    pub open_quote: bool,
    /// The first word of a command (after the start or a `;`).
    pub is_command: bool,
}

/// Splits `text` into words with spans; `;` separates commands, `#` starts a comment that
/// runs to the end of its line. A newline (pasted text) separates commands as Enter does, so
/// quotes and comments never reach past it.
pub fn spans(text: &str) -> Vec<Span> {
    let mut out = Vec::new();
    let mut offset = 0;
    for line in text.split('\n') {
        out.extend(line_spans(line).into_iter().map(|span| Span {
            start: span.start + offset,
            end: span.end + offset,
            ..span
        }));
        offset += line.len() + 1;
    }
    out
}

fn line_spans(line: &str) -> Vec<Span> {
    let mut out = Vec::new();
    let mut chars = line.char_indices().peekable();
    let mut expect_command = true;
    while let Some(&(i, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        if c == ';' {
            chars.next();
            expect_command = true;
            continue;
        }
        if c == '#' {
            break;
        }
        let start = i;
        let mut text = String::new();
        let mut quote: Option<char> = None;
        let mut end = line.len();
        while let Some(&(j, ch)) = chars.peek() {
            match quote {
                Some(q) if ch == q => {
                    quote = None;
                }
                Some(_) => text.push(ch),
                None if ch.is_whitespace() || ch == ';' => {
                    end = j;
                    break;
                }
                None if ch == '\'' || ch == '"' => quote = Some(ch),
                None if ch == '\\' => {
                    chars.next();
                    if let Some(&(_, escaped)) = chars.peek() {
                        text.push(escaped);
                    }
                }
                None => text.push(ch),
            }
            chars.next();
        }
        out.push(Span {
            start,
            end,
            text,
            open_quote: quote.is_some(),
            is_command: expect_command,
        });
        expect_command = false;
    }
    out
}

/// The word at `pos` (which may be empty, after a space) and its context.
pub fn word_at(text: &str, pos: usize) -> WordAt {
    let before = &text[..pos.min(text.len())];
    // Only the cursor's line counts: a pasted newline ends a command as Enter does.
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let mut word = word_in_line(&before[line_start..]);
    word.start += line_start;
    word
}

/// `word_at` for the text before the cursor on one line.
fn word_in_line(before: &str) -> WordAt {
    let pos = before.len();
    let words = spans(before);
    let ends_in_space = before.chars().last().is_none_or(|c| c.is_whitespace() || c == ';');
    // Words of the current command only (after the last command start).
    let command_start = words.iter().rposition(|w| w.is_command);
    let current: Vec<&Span> = match command_start {
        Some(i) => words[i..].iter().collect(),
        None => Vec::new(),
    };
    let after_semicolon = before.trim_end().ends_with(';');
    if ends_in_space || current.is_empty() || after_semicolon {
        let command = if after_semicolon {
            None
        } else {
            current.first().map(|w| w.text.clone())
        };
        let args = if after_semicolon {
            Vec::new()
        } else {
            current.iter().skip(1).map(|w| w.text.clone()).collect()
        };
        return WordAt {
            start: pos,
            prefix: String::new(),
            command,
            args,
        };
    }
    let last = current[current.len() - 1];
    if current.len() == 1 {
        return WordAt {
            start: last.start,
            prefix: last.text.clone(),
            command: None,
            args: Vec::new(),
        };
    }
    WordAt {
        start: last.start,
        prefix: last.text.clone(),
        command: Some(current[0].text.clone()),
        args: current[1..current.len() - 1].iter().map(|w| w.text.clone()).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_position() {
        let w = word_at("ge", 2);
        assert_eq!((w.start, w.prefix.as_str(), w.command), (0, "ge", None));
        let w = word_at("ls /; ge", 8);
        assert_eq!((w.start, w.prefix.as_str(), w.command), (6, "ge", None));
        let w = word_at("", 0);
        assert_eq!((w.prefix.as_str(), w.command), ("", None));
    }

    #[test]
    fn argument_position() {
        let w = word_at("get -s /ap", 10);
        assert_eq!(w.start, 7);
        assert_eq!(w.prefix, "/ap");
        assert_eq!(w.command.as_deref(), Some("get"));
        assert_eq!(w.args, vec!["-s"]);
        let w = word_at("set /a ", 7);
        assert_eq!((w.start, w.prefix.as_str()), (7, ""));
        assert_eq!(w.args, vec!["/a"]);
        // Mid-line: only what is before the cursor counts.
        let w = word_at("get /ab /cd", 6);
        assert_eq!((w.start, w.prefix.as_str()), (4, "/a"));
    }

    #[test]
    fn spans_mark_commands_and_open_quotes() {
        let s = spans("set /a \"x y; get /b");
        assert_eq!(s.len(), 3);
        assert!(s[0].is_command && !s[1].is_command);
        assert!(s[2].open_quote);
        let s = spans("ls /a; get /b");
        assert!(s[2].is_command);
        assert_eq!(s[3].text, "/b");
    }

    #[test]
    fn a_newline_separates_commands() {
        let s = spans("set /a 'open\n# note\nget /b");
        let texts: Vec<&str> = s.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(texts, vec!["set", "/a", "open", "get", "/b"]);
        assert!(s[2].open_quote && s[3].is_command);
        assert_eq!(s[3].start, "set /a 'open\n# note\n".len());
        let w = word_at("create /x\nge", 12);
        assert_eq!((w.start, w.prefix.as_str(), w.command), (10, "ge", None));
        let w = word_at("create /x\n", 10);
        assert_eq!((w.prefix.as_str(), w.command), ("", None));
        let w = word_at("ls\nget /a", 9);
        assert_eq!(
            (w.start, w.prefix.as_str(), w.command.as_deref()),
            (7, "/a", Some("get"))
        );
    }
}
