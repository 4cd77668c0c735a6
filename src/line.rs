//! The tokenizer for REPL and script lines: quotes, escapes, `;` between commands, `#` comments.
//!
//! Rules (close to a POSIX shell, minus expansion):
//! - whitespace separates words; `'…'` is literal; `"…"` takes `\" \\ \n \t \r \0` escapes;
//! - outside quotes a backslash makes the next character literal (`\;`, `\ `, `\#`);
//! - an unquoted `;` ends a command; an unquoted `#` at the start of a word starts a comment;
//! - `""` is an empty word, so `create /x ""` has three words.

use std::fmt;

/// Why a line could not be split into words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenizeError {
    UnterminatedQuote { quote: char, column: usize },
    TrailingBackslash,
}

impl fmt::Display for TokenizeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenizeError::UnterminatedQuote { quote, column } => {
                write!(f, "unterminated {quote} quote (opened at column {column})")
            }
            TokenizeError::TrailingBackslash => f.write_str("line ends with a lone backslash"),
        }
    }
}

impl std::error::Error for TokenizeError {}

/// Splits a line into commands, each a list of words. Empty commands are dropped.
pub fn split_commands(line: &str) -> Result<Vec<Vec<String>>, TokenizeError> {
    let mut commands = Vec::new();
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    // A word exists once anything (even an empty quote pair) was seen for it.
    let mut in_word = false;
    let mut chars = line.char_indices().peekable();

    while let Some((index, c)) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            ';' => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
                if !words.is_empty() {
                    commands.push(std::mem::take(&mut words));
                }
            }
            '#' if !in_word => break,
            '\\' => match chars.next() {
                Some((_, next)) => {
                    word.push(next);
                    in_word = true;
                }
                None => return Err(TokenizeError::TrailingBackslash),
            },
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some((_, '\'')) => break,
                        Some((_, ch)) => word.push(ch),
                        None => {
                            return Err(TokenizeError::UnterminatedQuote {
                                quote: '\'',
                                column: column(line, index),
                            });
                        }
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some((_, '"')) => break,
                        Some((_, '\\')) => match chars.next() {
                            Some((_, 'n')) => word.push('\n'),
                            Some((_, 't')) => word.push('\t'),
                            Some((_, 'r')) => word.push('\r'),
                            Some((_, '0')) => word.push('\0'),
                            Some((_, ch @ ('"' | '\\'))) => word.push(ch),
                            Some((_, ch)) => {
                                word.push('\\');
                                word.push(ch);
                            }
                            None => {
                                return Err(TokenizeError::UnterminatedQuote {
                                    quote: '"',
                                    column: column(line, index),
                                });
                            }
                        },
                        Some((_, ch)) => word.push(ch),
                        None => {
                            return Err(TokenizeError::UnterminatedQuote {
                                quote: '"',
                                column: column(line, index),
                            });
                        }
                    }
                }
            }
            other => {
                word.push(other);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    if !words.is_empty() {
        commands.push(words);
    }
    Ok(commands)
}

/// 1-based character column of a byte index, for error messages.
fn column(line: &str, byte_index: usize) -> usize {
    line[..byte_index].chars().count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<Vec<String>> {
        split_commands(line).expect("tokenizes")
    }

    #[test]
    fn splits_words_and_commands() {
        assert_eq!(words("get /a"), vec![vec!["get", "/a"]]);
        assert_eq!(
            words("  create /a 1 ;  get /a;;"),
            vec![vec!["create", "/a", "1"], vec!["get", "/a"]]
        );
        assert!(words("   ").is_empty());
        assert!(words("# just a comment").is_empty());
        assert_eq!(words("ls / # trailing comment"), vec![vec!["ls", "/"]]);
    }

    #[test]
    fn quotes_keep_spaces_semicolons_and_hashes() {
        assert_eq!(words(r#"set /a "x; y # z""#), vec![vec!["set", "/a", "x; y # z"]]);
        assert_eq!(words("set /a 'it''s'"), vec![vec!["set", "/a", "its"]]);
        assert_eq!(
            words(r#"set /a "say \"hi\"\n""#),
            vec![vec!["set", "/a", "say \"hi\"\n"]]
        );
        assert_eq!(
            words(r#"set /a 'no \n escape'"#),
            vec![vec!["set", "/a", "no \\n escape"]]
        );
        assert_eq!(words(r#"create /x """#), vec![vec!["create", "/x", ""]]);
        assert_eq!(words(r"set /a a\ b\;c"), vec![vec!["set", "/a", "a b;c"]]);
        assert_eq!(words("set /a a#b"), vec![vec!["set", "/a", "a#b"]]);
    }

    #[test]
    fn unterminated_quotes_are_errors() {
        assert_eq!(
            split_commands("set /a \"open"),
            Err(TokenizeError::UnterminatedQuote { quote: '"', column: 8 })
        );
        assert_eq!(
            split_commands("set /a 'open"),
            Err(TokenizeError::UnterminatedQuote { quote: '\'', column: 8 })
        );
        assert_eq!(split_commands("set /a x\\"), Err(TokenizeError::TrailingBackslash));
        assert_eq!(
            split_commands("set /a \"x\\"),
            Err(TokenizeError::UnterminatedQuote { quote: '"', column: 8 })
        );
    }
}
