//! Opening a snapshot file as a byte stream: plain, `.gz` (gzip), or `.snappy` (the
//! snappy-java stream ZooKeeper's SnapStream writes: an 8-byte magic and two version ints,
//! then chunks of a big-endian length and a raw snappy block), chosen by file extension as
//! ZooKeeper chooses it.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

/// How a snapshot file is compressed (`zookeeper.snapshot.compression.method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Snappy,
}

impl Compression {
    /// From the file name, as ZooKeeper decides: the text after the last dot.
    pub fn of_name(name: &str) -> Compression {
        match name.rsplit_once('.').map(|(_, ext)| ext.to_ascii_lowercase()) {
            Some(ext) if ext == "gz" => Compression::Gzip,
            Some(ext) if ext == "snappy" => Compression::Snappy,
            _ => Compression::None,
        }
    }

    /// How offsets in error messages are to be read.
    pub fn offset_note(self) -> &'static str {
        match self {
            Compression::None => "",
            Compression::Gzip | Compression::Snappy => " of the decompressed stream",
        }
    }
}

const READ_BUFFER: usize = 256 << 10;

/// The decompressed bytes of a snapshot file.
pub fn open(path: &Path) -> io::Result<(Box<dyn BufRead + Send>, Compression)> {
    let file = File::open(path)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let compression = Compression::of_name(&name);
    let reader: Box<dyn BufRead + Send> = match compression {
        Compression::None => Box::new(BufReader::with_capacity(READ_BUFFER, file)),
        Compression::Gzip => Box::new(BufReader::with_capacity(
            READ_BUFFER,
            flate2::read::MultiGzDecoder::new(BufReader::new(file)),
        )),
        Compression::Snappy => Box::new(BufReader::with_capacity(
            READ_BUFFER,
            SnappyJavaStream::new(BufReader::new(file)),
        )),
    };
    Ok((reader, compression))
}

const SNAPPY_MAGIC: [u8; 8] = [0x82, b'S', b'N', b'A', b'P', b'P', b'Y', 0];

/// snappy-java's `SnappyInputStream` format, decoded chunk by chunk.
pub struct SnappyJavaStream<R> {
    inner: R,
    started: bool,
    chunk: Vec<u8>,
    at: usize,
    compressed: Vec<u8>,
    decoder: snap::raw::Decoder,
}

impl<R: Read> SnappyJavaStream<R> {
    pub fn new(inner: R) -> Self {
        SnappyJavaStream {
            inner,
            started: false,
            chunk: Vec::new(),
            at: 0,
            compressed: Vec::new(),
            decoder: snap::raw::Decoder::new(),
        }
    }

    /// Reads exactly `buf.len()` bytes, or reports a clean end (false) when none was read.
    fn read_or_end(&mut self, buf: &mut [u8]) -> io::Result<bool> {
        let mut done = 0;
        while done < buf.len() {
            match self.inner.read(&mut buf[done..]) {
                Ok(0) if done == 0 => return Ok(false),
                Ok(0) => return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "snappy chunk cut short")),
                Ok(n) => done += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(true)
    }

    fn next_chunk(&mut self) -> io::Result<bool> {
        if !self.started {
            self.started = true;
            let mut header = [0u8; 16];
            if !self.read_or_end(&mut header)? {
                return Ok(false);
            }
            if header[..8] != SNAPPY_MAGIC {
                return Err(invalid("not a snappy-java stream (bad magic)"));
            }
        }
        loop {
            let mut len = [0u8; 4];
            if !self.read_or_end(&mut len)? {
                return Ok(false);
            }
            // Concatenated streams repeat the header where a chunk length would be.
            if len == SNAPPY_MAGIC[..4] {
                let mut rest = [0u8; 12];
                self.read_or_end(&mut rest)?;
                continue;
            }
            let len = i32::from_be_bytes(len);
            if len < 0 {
                return Err(invalid("negative snappy chunk length"));
            }
            self.compressed.resize(len as usize, 0);
            let mut compressed = std::mem::take(&mut self.compressed);
            let read = self.read_or_end(&mut compressed);
            self.compressed = compressed;
            if !read? && len > 0 {
                return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "snappy chunk cut short"));
            }
            let size = snap::raw::decompress_len(&self.compressed).map_err(|e| invalid(&e.to_string()))?;
            self.chunk.resize(size, 0);
            self.decoder
                .decompress(&self.compressed, &mut self.chunk)
                .map_err(|e| invalid(&e.to_string()))?;
            self.at = 0;
            if size > 0 {
                return Ok(true);
            }
        }
    }
}

fn invalid(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_string())
}

impl<R: Read> Read for SnappyJavaStream<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.at >= self.chunk.len() && !self.next_chunk()? {
            return Ok(0);
        }
        let n = buf.len().min(self.chunk.len() - self.at);
        buf[..n].copy_from_slice(&self.chunk[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compression_follows_the_extension() {
        assert_eq!(Compression::of_name("snapshot.1a2b"), Compression::None);
        assert_eq!(Compression::of_name("snapshot.1a2b.gz"), Compression::Gzip);
        assert_eq!(Compression::of_name("snapshot.1a2b.snappy"), Compression::Snappy);
    }

    #[test]
    fn snappy_java_chunks_decode_in_order() {
        let mut file = Vec::new();
        file.extend_from_slice(&SNAPPY_MAGIC);
        file.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 1]);
        for part in [&b"hello "[..], &b"world"[..]] {
            let block = snap::raw::Encoder::new().compress_vec(part).unwrap();
            file.extend_from_slice(&(block.len() as i32).to_be_bytes());
            file.extend_from_slice(&block);
        }
        let mut out = String::new();
        SnappyJavaStream::new(&file[..]).read_to_string(&mut out).unwrap();
        assert_eq!(out, "hello world");
    }
}
