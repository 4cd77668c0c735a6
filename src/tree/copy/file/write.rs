//! Writing an export file: the header, a line per record as it comes, and the end line, to a
//! file written under a temporary name beside it and renamed only once complete (so a file
//! that has its final name is never half written), gzip-compressed when asked.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::write::GzEncoder;

use super::lines::{Header, Trailer, end_line, header_line, node_line};
use crate::tree::NodeRecord;

/// Lines go to `out` as records come: memory holds one line.
pub struct ExportWriter<W: Write> {
    out: W,
    trailer: Trailer,
}

impl<W: Write> ExportWriter<W> {
    /// Starts the file with its header line.
    pub fn new(mut out: W, header: &Header) -> io::Result<ExportWriter<W>> {
        writeln!(out, "{}", header_line(header))?;
        Ok(ExportWriter {
            out,
            trailer: Trailer::default(),
        })
    }

    pub fn write(&mut self, record: &NodeRecord) -> io::Result<()> {
        self.out.write_all(node_line(record).as_bytes())?;
        self.out.write_all(b"\n")?;
        self.trailer.nodes += 1;
        if record.has_redacted_acl() {
            self.trailer.redacted += 1;
        }
        Ok(())
    }

    /// Nodes written so far.
    pub fn nodes(&self) -> u64 {
        self.trailer.nodes
    }

    /// Ends the file with its end line (the node counts are the writer's own) and hands the
    /// output back, flushed.
    pub fn finish(mut self, mut trailer: Trailer) -> io::Result<W> {
        trailer.nodes = self.trailer.nodes;
        trailer.redacted = self.trailer.redacted;
        writeln!(self.out, "{}", end_line(&trailer))?;
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Whether a file name asks for compression.
pub fn gzip_name(path: &Path) -> bool {
    path.extension().is_some_and(|ext| ext == "gz")
}

/// An export file being written under a temporary name in its directory.
pub struct ExportFile {
    target: PathBuf,
    temp: Option<tempfile::NamedTempFile>,
    /// Taken out by `commit` to finish it.
    sink: Option<Sink>,
}

enum Sink {
    Plain(BufWriter<File>),
    Gzip(GzEncoder<BufWriter<File>>),
}

impl Write for ExportFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.sink {
            Some(Sink::Plain(out)) => out.write(buf),
            Some(Sink::Gzip(out)) => out.write(buf),
            None => Err(io::Error::other("the export file was already closed")),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.sink {
            Some(Sink::Plain(out)) => out.flush(),
            Some(Sink::Gzip(out)) => out.flush(),
            None => Ok(()),
        }
    }
}

impl ExportFile {
    /// A temporary file beside `target` (same directory, so the final rename is atomic).
    pub fn create(target: &Path, gzip: bool) -> io::Result<ExportFile> {
        let dir = match target.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let temp = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(".part")
            .tempfile_in(dir)?;
        let file = BufWriter::with_capacity(256 << 10, temp.as_file().try_clone()?);
        let sink = if gzip {
            Sink::Gzip(GzEncoder::new(file, Compression::fast()))
        } else {
            Sink::Plain(file)
        };
        Ok(ExportFile {
            target: target.to_path_buf(),
            temp: Some(temp),
            sink: Some(sink),
        })
    }

    /// Finishes the compression, syncs, and gives the file its name. Dropped without this,
    /// the temporary file is removed.
    pub fn commit(mut self) -> io::Result<()> {
        let file = match self.sink.take() {
            Some(Sink::Plain(out)) => out.into_inner().map_err(|e| e.into_error())?,
            Some(Sink::Gzip(out)) => out.finish()?.into_inner().map_err(|e| e.into_error())?,
            None => return Err(io::Error::other("the export file was already closed")),
        };
        file.sync_all()?;
        match self.temp.take() {
            Some(temp) => temp.persist(&self.target).map(|_| ()).map_err(|e| e.error),
            None => Ok(()),
        }
    }
}
