//! Reading one transaction log (`log.<zxid>`): the file header (`ZKLG`, version 2, dbid),
//! then records of an Adler32 checksum, a length-prefixed TxnHeader + body (+ TxnDigest),
//! and the `B` that ends each. The server preallocates logs with zeros: a zero length is
//! the clean end of the log.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use super::FormatError;
use super::jute::{DecodeError, DecodeErrorKind, JuteReader};
use super::txn::{self, Txn, TxnHeader};

pub const LOG_MAGIC: i32 = i32::from_be_bytes(*b"ZKLG");
const END_OF_RECORD: u8 = b'B';

/// One record of a log.
#[derive(Debug, Clone)]
pub struct Entry {
    pub header: TxnHeader,
    pub txn: Txn,
    /// Where the record starts in its file.
    pub offset: u64,
}

/// The records of one log file, in order.
pub struct LogReader {
    file: PathBuf,
    r: JuteReader<BufReader<File>>,
    done: bool,
}

impl LogReader {
    pub fn open(path: &Path) -> Result<LogReader, FormatError> {
        let file = File::open(path).map_err(|e| FormatError::io(path, e))?;
        let mut r = JuteReader::new(BufReader::with_capacity(256 << 10, file));
        let fail = |e: DecodeError| FormatError::decode(path, e, "");
        let magic = r.i32().map_err(fail)?;
        if magic != LOG_MAGIC {
            return Err(fail(r.invalid_at(0, "not a ZooKeeper transaction log (no ZKLG magic)")));
        }
        let version = r.i32().map_err(fail)?;
        if version != 2 {
            return Err(fail(r.invalid_at(4, format!("unsupported log version {version}"))));
        }
        r.i64().map_err(fail)?;
        Ok(LogReader {
            file: path.to_path_buf(),
            r,
            done: false,
        })
    }

    pub fn path(&self) -> &Path {
        &self.file
    }

    /// The next record; None at the log's end (its zero-filled tail, or the file's end
    /// between records).
    pub fn next_entry(&mut self) -> Result<Option<Entry>, FormatError> {
        if self.done {
            return Ok(None);
        }
        let result = self.read_entry();
        if !matches!(result, Ok(Some(_))) {
            self.done = true;
        }
        result.map_err(|e| FormatError::decode(&self.file, e, ""))
    }

    fn read_entry(&mut self) -> Result<Option<Entry>, DecodeError> {
        let offset = self.r.offset();
        let checksum = match self.r.i64() {
            Ok(sum) => sum,
            Err(DecodeError {
                kind: DecodeErrorKind::Truncated,
                offset: at,
            }) if at == offset => return Ok(None),
            Err(e) => return Err(e),
        };
        let len_at = self.r.offset();
        let bytes = self.r.buffer()?;
        if bytes.is_empty() {
            return Ok(None);
        }
        let actual = adler2::adler32_slice(&bytes);
        if checksum as u64 != actual as u64 {
            return Err(self.r.invalid_at(
                offset,
                format!("checksum mismatch in the record at byte {offset} (logged {checksum:#x}, content sums to {actual:#x})"),
            ));
        }
        if self.r.u8()? != END_OF_RECORD {
            return Err(self.r.invalid_at(self.r.offset() - 1, "a record not ended by 'B'"));
        }
        let shift = |e: DecodeError| DecodeError {
            offset: len_at + 4 + e.offset,
            kind: e.kind,
        };
        let mut body = JuteReader::new(&bytes[..]);
        let header = txn::read_header(&mut body).map_err(shift)?;
        let at = body.offset() as usize;
        let txn = txn::read_body(header.op, &bytes[at..]).map_err(|e| DecodeError {
            offset: len_at + 4 + at as u64 + e.offset,
            kind: e.kind,
        })?;
        Ok(Some(Entry { header, txn, offset }))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::snapshot::snapfile::tests::Writer;
    use crate::snapshot::txn::op;

    /// A log of two records (create /a at 0x2, setData /a at 0x3), then a zeroed tail.
    pub fn sample_log() -> Vec<u8> {
        let mut w = Writer::default();
        w.i32(LOG_MAGIC).i32(2).i64(0);
        for (zxid, op_code) in [(2, op::CREATE), (3, op::SET_DATA)] {
            let mut rec = Writer::default();
            rec.i64(0x100).i32(1).i64(zxid).i64(5000 + zxid).i32(op_code);
            if op_code == op::CREATE {
                rec.s("/a").buf(Some(b"x")).i32(1).i32(31).s("world").s("anyone");
                rec.0.push(0);
                rec.i32(1);
            } else {
                rec.s("/a").buf(Some(b"y")).i32(1);
            }
            w.i64(adler2::adler32_slice(&rec.0) as i64).buf(Some(&rec.0));
            w.0.push(b'B');
        }
        w.0.extend_from_slice(&[0; 64]);
        w.0
    }

    fn read_all(bytes: &[u8]) -> Result<Vec<Entry>, FormatError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.1");
        std::fs::write(&path, bytes).unwrap();
        let mut log = LogReader::open(&path)?;
        let mut out = Vec::new();
        while let Some(e) = log.next_entry()? {
            out.push(e);
        }
        Ok(out)
    }

    #[test]
    fn records_decode_and_the_zero_tail_ends_the_log() {
        let entries = read_all(&sample_log()).unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].header.zxid, 2);
        assert_eq!(entries[0].offset, 16);
        assert!(matches!(&entries[1].txn, Txn::SetData { data, version: 1, .. } if data == b"y"));
    }

    #[test]
    fn a_flipped_byte_is_a_checksum_error_at_its_record() {
        let mut bytes = sample_log();
        bytes[40] ^= 0x20;
        let err = read_all(&bytes).unwrap_err();
        assert_eq!(err.offset, Some(16));
        assert!(
            err.to_string().contains("checksum mismatch in the record at byte 16"),
            "{err}"
        );
    }

    #[test]
    fn not_a_log_is_told_by_its_magic() {
        let err = read_all(b"ZKSN\0\0\0\x02").unwrap_err();
        assert!(err.to_string().contains("not a ZooKeeper transaction log"), "{err}");
    }
}
