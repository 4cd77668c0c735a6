//! Reading an export file back as records, one line at a time (memory holds one line),
//! gzip or not (told by its first bytes, whatever its name). Whatever is wrong with a file
//! stops the read with one line naming the file and the line: another format, a corrupt or
//! cut line, bad base64, damaged compression, records out of order, a missing end line.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use flate2::read::MultiGzDecoder;

use super::lines::{FORMAT, Header, LineIn, Trailer, VERSION, parent_rel, shown, walk_order, within_rel};
use crate::errors::ShellError;
use crate::tree::NodeRecord;

/// The two bytes every gzip stream starts with.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// An export file being read: the header is read on opening; records come from `next`.
pub struct ExportReader {
    op: &'static str,
    name: String,
    lines: Box<dyn BufRead + Send>,
    gzip: bool,
    header: Header,
    trailer: Option<Trailer>,
    /// The number of the line read last (the header is line 1).
    line: usize,
    nodes: u64,
    previous: Option<String>,
    buf: String,
}

impl ExportReader {
    /// Opens `path`; `op` names the command in errors.
    pub fn open(op: &'static str, path: &Path) -> anyhow::Result<ExportReader> {
        let name = path.display().to_string();
        let file = File::open(path).map_err(|err| ShellError::refused(op, &name, format!("cannot open: {err}")))?;
        ExportReader::from_reader(op, name, file)
    }

    /// Reads an export from any byte source; `name` is what errors call it.
    pub fn from_reader(
        op: &'static str,
        name: String,
        source: impl Read + Send + 'static,
    ) -> anyhow::Result<ExportReader> {
        let mut raw = BufReader::with_capacity(256 << 10, source);
        let start = raw
            .fill_buf()
            .map_err(|err| ShellError::refused(op, &name, format!("cannot read: {err}")))?;
        let gzip = start.starts_with(&GZIP_MAGIC);
        let lines: Box<dyn BufRead + Send> = if gzip {
            Box::new(BufReader::with_capacity(256 << 10, MultiGzDecoder::new(raw)))
        } else {
            Box::new(raw)
        };
        let mut reader = ExportReader {
            op,
            name,
            lines,
            gzip,
            header: Header::new("", "", false),
            trailer: None,
            line: 0,
            nodes: 0,
            previous: None,
            buf: String::new(),
        };
        reader.header = reader.read_header()?;
        Ok(reader)
    }

    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The end line, once every record was read.
    pub fn trailer(&self) -> Option<&Trailer> {
        self.trailer.as_ref()
    }

    /// Records read so far.
    pub fn nodes(&self) -> u64 {
        self.nodes
    }

    pub fn is_gzip(&self) -> bool {
        self.gzip
    }

    fn fail(&self, message: impl std::fmt::Display) -> anyhow::Error {
        ShellError::refused(self.op, &self.name, format!("line {}: {message}", self.line.max(1)))
    }

    /// The next line without its newline; None at the end of the file. A last line without
    /// its newline was cut short.
    fn next_line(&mut self) -> anyhow::Result<Option<bool>> {
        self.buf.clear();
        self.line += 1;
        match self.lines.read_line(&mut self.buf) {
            Ok(0) => Ok(None),
            Ok(_) => {
                let whole = self.buf.ends_with('\n');
                if whole {
                    self.buf.pop();
                    if self.buf.ends_with('\r') {
                        self.buf.pop();
                    }
                }
                Ok(Some(whole))
            }
            Err(err) if self.gzip && err.kind() == io::ErrorKind::UnexpectedEof => {
                Err(self.fail("the gzip stream is cut short (the file was truncated)"))
            }
            Err(err) if err.kind() == io::ErrorKind::InvalidData && !self.gzip => {
                Err(self.fail("not UTF-8 text: not an export file, or a damaged one"))
            }
            Err(err) if self.gzip => Err(self.fail(format!("the gzip stream is damaged ({err})"))),
            Err(err) => Err(self.fail(format!("cannot read ({err})"))),
        }
    }

    fn read_header(&mut self) -> anyhow::Result<Header> {
        let not_export = "not a zksh export file (its first line is not a zksh-export header)";
        match self.next_line()? {
            None => Err(self.fail("the file is empty: not a zksh export file")),
            Some(_) => {
                let value: serde_json::Value = serde_json::from_str(&self.buf).map_err(|_| self.fail(not_export))?;
                if value.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
                    return Err(self.fail(not_export));
                }
                let header: Header = serde_json::from_value(value)
                    .map_err(|err| self.fail(format!("a zksh-export header that cannot be read ({err})")))?;
                if header.version > VERSION {
                    return Err(self.fail(format!(
                        "export format version {} is newer than this zksh reads ({VERSION})",
                        header.version
                    )));
                }
                Ok(header)
            }
        }
    }

    /// A line that is not what it should be. In a gzip file, damaged compression usually
    /// shows as garbage before its checksum (at the end) says so: the rest is read to tell.
    fn corrupt(&mut self, err: serde_json::Error) -> anyhow::Error {
        if self.gzip
            && let Err(damage) = io::copy(&mut self.lines, &mut io::sink())
        {
            return self.fail(format!("the gzip stream is damaged ({damage})"));
        }
        self.fail(format!("corrupt line (not valid JSON: {err})"))
    }

    /// The next record, or None after the end line.
    pub fn next_record(&mut self) -> anyhow::Result<Option<NodeRecord>> {
        if self.trailer.is_some() {
            return Ok(None);
        }
        let whole = match self.next_line()? {
            Some(whole) => whole,
            None => {
                return Err(self.fail(format!(
                    "the file ends without its end line: it was cut short after {} nodes",
                    self.nodes
                )));
            }
        };
        let parsed: LineIn = match serde_json::from_str(&self.buf) {
            Ok(parsed) => parsed,
            Err(_) if !whole => return Err(self.fail("the last line is cut short: the file was truncated")),
            Err(err) => return Err(self.corrupt(err)),
        };
        if let Some(trailer) = parsed.end {
            return self.end(trailer).map(|()| None);
        }
        let record = parsed.into_record().map_err(|err| self.fail(err))?;
        self.check_order(&record.rel)?;
        self.nodes += 1;
        Ok(Some(record))
    }

    /// Records come in the walk's order, each after its parent: what import and diff rely on.
    fn check_order(&mut self, rel: &str) -> anyhow::Result<()> {
        match (&self.previous, parent_rel(rel)) {
            (None, None) => {}
            (None, Some(_)) => return Err(self.fail(format!("the first node is {rel}, not the root"))),
            (Some(_), None) => return Err(self.fail("the root appears twice")),
            (Some(previous), Some(parent)) => {
                if walk_order(previous, rel).is_ge() {
                    return Err(self.fail(format!("{rel} is out of order (after {})", shown(previous))));
                }
                if !within_rel(previous, parent) {
                    return Err(self.fail(format!("{rel} comes without its parent {}", shown(parent))));
                }
            }
        }
        self.previous = Some(rel.to_string());
        Ok(())
    }

    fn end(&mut self, trailer: Trailer) -> anyhow::Result<()> {
        if trailer.nodes != self.nodes {
            return Err(self.fail(format!(
                "the end line counts {} nodes, the file holds {}",
                trailer.nodes, self.nodes
            )));
        }
        match self.next_line()? {
            None => {}
            Some(_) if self.buf.trim().is_empty() && self.next_line()?.is_none() => {}
            Some(_) => return Err(self.fail("more lines after the end line")),
        }
        self.trailer = Some(trailer);
        Ok(())
    }
}

impl Iterator for ExportReader {
    type Item = anyhow::Result<NodeRecord>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_record().transpose()
    }
}
