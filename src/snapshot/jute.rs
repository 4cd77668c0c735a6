//! Jute's binary encoding as ZooKeeper writes it to disk (read here, and written for the
//! snapshot server's replies): big-endian ints and longs,
//! length-prefixed buffers and strings (-1 for null), one-byte booleans; every byte read is
//! counted (for error offsets) and summed into an Adler32 (for the files' checksums).

use std::fmt;
use std::io::{self, Read};

/// What went wrong at which byte of the (decompressed) stream.
#[derive(Debug)]
pub struct DecodeError {
    pub offset: u64,
    pub kind: DecodeErrorKind,
}

#[derive(Debug)]
pub enum DecodeErrorKind {
    /// The stream ended inside a record.
    Truncated,
    /// Bytes that cannot be what the format says comes next.
    Invalid(String),
    Io(io::Error),
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            DecodeErrorKind::Truncated => write!(f, "truncated at byte {}", self.offset),
            DecodeErrorKind::Invalid(what) => write!(f, "{what} at byte {}", self.offset),
            DecodeErrorKind::Io(e) => write!(f, "read error at byte {}: {e}", self.offset),
        }
    }
}

impl std::error::Error for DecodeError {}

pub type Decoded<T> = Result<T, DecodeError>;

/// Buffers this long are damage, not data: ZooKeeper's own limit (jute.maxbuffer) is 1 MB by
/// default and rarely raised past a few; a multi txn carries many such records.
pub const MAX_BUFFER: usize = 256 << 20;

/// Bytes gathered before they are summed: Adler32 costs a lot per call, and values are read
/// 4 or 8 bytes at a time (summing each alone took a third of a 1M-node snapshot's load).
const SUM_BATCH: usize = 4096;

/// A reader of Jute values over any byte stream.
pub struct JuteReader<R> {
    inner: R,
    offset: u64,
    sum: adler2::Adler32,
    /// Consumed bytes not summed yet (allocated on first use: readers of one small frame are
    /// made per request).
    pending: Vec<u8>,
}

impl<R: Read> JuteReader<R> {
    pub fn new(inner: R) -> Self {
        JuteReader {
            inner,
            offset: 0,
            sum: adler2::Adler32::new(),
            pending: Vec::new(),
        }
    }

    /// Bytes consumed so far.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The Adler32 of every byte consumed so far, as Java's `Checksum.getValue()` gives it.
    pub fn checksum(&self) -> u32 {
        let mut sum = self.sum;
        sum.write_slice(&self.pending);
        sum.checksum()
    }

    /// Adds consumed bytes to the checksum.
    fn sum_bytes(&mut self, bytes: &[u8]) {
        if self.pending.len() + bytes.len() > SUM_BATCH {
            self.sum.write_slice(&self.pending);
            self.pending.clear();
        }
        if bytes.len() >= SUM_BATCH {
            self.sum.write_slice(bytes);
        } else {
            if self.pending.capacity() == 0 {
                self.pending.reserve_exact(SUM_BATCH);
            }
            self.pending.extend_from_slice(bytes);
        }
    }

    pub fn invalid<T>(&self, what: impl Into<String>) -> Decoded<T> {
        Err(self.invalid_at(self.offset, what))
    }

    pub fn invalid_at(&self, offset: u64, what: impl Into<String>) -> DecodeError {
        DecodeError {
            offset,
            kind: DecodeErrorKind::Invalid(what.into()),
        }
    }

    fn fill(&mut self, buf: &mut [u8]) -> Decoded<()> {
        let mut done = 0;
        while done < buf.len() {
            match self.inner.read(&mut buf[done..]) {
                Ok(0) => {
                    self.sum_bytes(&buf[..done]);
                    self.offset += done as u64;
                    return Err(DecodeError {
                        offset: self.offset,
                        kind: DecodeErrorKind::Truncated,
                    });
                }
                Ok(n) => done += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    let kind = if e.kind() == io::ErrorKind::UnexpectedEof {
                        DecodeErrorKind::Truncated
                    } else {
                        DecodeErrorKind::Io(e)
                    };
                    return Err(DecodeError {
                        offset: self.offset + done as u64,
                        kind,
                    });
                }
            }
        }
        self.sum_bytes(buf);
        self.offset += buf.len() as u64;
        Ok(())
    }

    /// True when the stream has no byte left (checked without consuming one).
    pub fn at_end(&mut self) -> Decoded<bool>
    where
        R: io::BufRead,
    {
        match self.inner.fill_buf() {
            Ok(buf) => Ok(buf.is_empty()),
            Err(e) => Err(DecodeError {
                offset: self.offset,
                kind: DecodeErrorKind::Io(e),
            }),
        }
    }

    pub fn u8(&mut self) -> Decoded<u8> {
        let mut b = [0u8; 1];
        self.fill(&mut b)?;
        Ok(b[0])
    }

    pub fn bool(&mut self) -> Decoded<bool> {
        Ok(self.u8()? != 0)
    }

    pub fn i32(&mut self) -> Decoded<i32> {
        let mut b = [0u8; 4];
        self.fill(&mut b)?;
        Ok(i32::from_be_bytes(b))
    }

    pub fn i64(&mut self) -> Decoded<i64> {
        let mut b = [0u8; 8];
        self.fill(&mut b)?;
        Ok(i64::from_be_bytes(b))
    }

    /// A length prefix: -1 is null (None); anything else negative or huge is damage.
    fn length(&mut self, what: &str) -> Decoded<Option<usize>> {
        let at = self.offset;
        let len = self.i32()?;
        if len == -1 {
            return Ok(None);
        }
        if len < 0 || len as usize > MAX_BUFFER {
            return Err(self.invalid_at(at, format!("impossible {what} length {len}")));
        }
        Ok(Some(len as usize))
    }

    /// A buffer appended to `arena`: its start and length there, None for null.
    pub fn buffer_into(&mut self, arena: &mut Vec<u8>) -> Decoded<Option<(usize, usize)>> {
        let Some(len) = self.length("buffer")? else {
            return Ok(None);
        };
        let start = arena.len();
        arena.resize(start + len, 0);
        if let Err(e) = self.fill(&mut arena[start..]) {
            arena.truncate(start);
            return Err(e);
        }
        Ok(Some((start, len)))
    }

    /// A buffer (null reads as empty: ZooKeeper treats both alike).
    pub fn buffer(&mut self) -> Decoded<Vec<u8>> {
        let mut out = Vec::new();
        self.buffer_into(&mut out)?;
        Ok(out)
    }

    /// A string; null reads as None.
    pub fn opt_string(&mut self) -> Decoded<Option<String>> {
        let at = self.offset;
        let Some(len) = self.length("string")? else {
            return Ok(None);
        };
        let mut bytes = vec![0u8; len];
        self.fill(&mut bytes)?;
        match String::from_utf8(bytes) {
            Ok(s) => Ok(Some(s)),
            Err(_) => Err(self.invalid_at(at, "a string that is not UTF-8")),
        }
    }

    pub fn string(&mut self) -> Decoded<String> {
        Ok(self.opt_string()?.unwrap_or_default())
    }

    /// A vector's element count (null reads as 0).
    pub fn count(&mut self) -> Decoded<usize> {
        Ok(self.length("vector")?.unwrap_or(0))
    }
}

/// Jute values appended to a buffer: the encoding [`JuteReader`] reads (the snapshot server's
/// replies, and the files the tests write).
#[derive(Default)]
pub struct JuteWriter(pub Vec<u8>);

impl JuteWriter {
    pub fn i32(&mut self, v: i32) -> &mut Self {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }
    pub fn i64(&mut self, v: i64) -> &mut Self {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }
    pub fn bool(&mut self, v: bool) -> &mut Self {
        self.0.push(v as u8);
        self
    }
    pub fn buf(&mut self, v: Option<&[u8]>) -> &mut Self {
        match v {
            None => self.i32(-1),
            Some(b) => {
                self.i32(b.len() as i32);
                self.0.extend_from_slice(b);
                self
            }
        }
    }
    pub fn s(&mut self, v: &str) -> &mut Self {
        self.buf(Some(v.as_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_values_and_sums_what_it_read() {
        let bytes = [0, 0, 0, 2, b'h', b'i', 0xff, 0xff, 0xff, 0xff, 1];
        let mut r = JuteReader::new(&bytes[..]);
        assert_eq!(r.string().unwrap(), "hi");
        assert_eq!(r.opt_string().unwrap(), None);
        assert!(r.bool().unwrap());
        assert_eq!(r.offset(), 11);
        assert_eq!(r.checksum(), adler2::adler32_slice(&bytes));
    }

    #[test]
    fn the_checksum_spans_batches_and_long_buffers() {
        let mut bytes = Vec::new();
        for len in [3usize, SUM_BATCH - 1, 10, SUM_BATCH * 3, 1] {
            bytes.extend_from_slice(&(len as i32).to_be_bytes());
            bytes.extend((0..len).map(|i| (i * 7 + len) as u8));
        }
        let mut r = JuteReader::new(&bytes[..]);
        for _ in 0..5 {
            r.buffer().unwrap();
            assert_eq!(r.checksum(), adler2::adler32_slice(&bytes[..r.offset() as usize]));
        }
    }

    #[test]
    fn a_short_stream_is_truncated_at_its_end() {
        let mut r = JuteReader::new(&[0u8, 0, 0, 9, b'a'][..]);
        let err = r.string().unwrap_err();
        assert_eq!(err.to_string(), "truncated at byte 5");
    }

    #[test]
    fn a_negative_length_is_damage_where_it_starts() {
        let mut r = JuteReader::new(&[0u8, 0xff, 0xff, 0xff, 0xf0][..]);
        r.u8().unwrap();
        assert_eq!(
            r.buffer().unwrap_err().to_string(),
            "impossible buffer length -16 at byte 1"
        );
    }
}
