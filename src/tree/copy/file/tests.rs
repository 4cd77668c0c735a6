//! The export format without a server: records written and read back unchanged, gzip or
//! not, and each kind of damaged file stopped with one line naming the line.

use std::io::Write;

use flate2::Compression;
use flate2::write::GzEncoder;

use super::*;
use crate::output::stat::sample_stat;
use crate::tree::{AclEntry, NodeRecord};

fn record(rel: &str, data: &[u8]) -> NodeRecord {
    let mut stat = sample_stat();
    stat.data_length = data.len() as i32;
    NodeRecord {
        rel: rel.to_string(),
        data: data.to_vec(),
        acl: vec![AclEntry {
            scheme: "world".into(),
            id: "anyone".into(),
            perms: "cdrwa".into(),
            redacted: false,
        }],
        stat,
    }
}

fn sample() -> Vec<NodeRecord> {
    let mut hidden = record("a/b", b"\x00\xff binary");
    hidden.acl.push(AclEntry {
        scheme: "digest".into(),
        id: "alice:x".into(),
        perms: "r".into(),
        redacted: true,
    });
    vec![record("", b""), record("a", b"text"), hidden, record("a-b", b"{}")]
}

fn exported(records: &[NodeRecord]) -> Vec<u8> {
    let header = Header::new("127.0.0.1:2181", "/app", false);
    let mut writer = ExportWriter::new(Vec::new(), &header).expect("write");
    for record in records {
        writer.write(record).expect("write");
    }
    writer.finish(Trailer::default()).expect("finish")
}

fn read_all(bytes: Vec<u8>) -> anyhow::Result<(Header, Vec<NodeRecord>, Trailer)> {
    let mut reader = ExportReader::from_reader("diff", "backup.ndjson".into(), std::io::Cursor::new(bytes))?;
    let records = reader.by_ref().collect::<anyhow::Result<Vec<_>>>()?;
    let trailer = reader.trailer().cloned().expect("a trailer after the last record");
    Ok((reader.header().clone(), records, trailer))
}

fn error_of(bytes: Vec<u8>) -> String {
    match read_all(bytes) {
        Ok(_) => panic!("a damaged file was read without complaint"),
        Err(err) => format!("{err:#}"),
    }
}

#[test]
fn records_come_back_as_they_were_written_plain_or_gzip() {
    let bytes = exported(&sample());
    let (header, records, trailer) = read_all(bytes.clone()).expect("read");
    assert_eq!(header.root, "/app");
    assert_eq!(records, sample());
    assert_eq!((trailer.nodes, trailer.redacted), (4, 1));
    let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
    gz.write_all(&bytes).expect("gzip");
    let (_, records, _) = read_all(gz.finish().expect("gzip")).expect("read gzip");
    assert_eq!(records, sample());
}

#[test]
fn a_file_cut_between_lines_or_inside_one_is_truncated() {
    let bytes = exported(&sample());
    let text = String::from_utf8(bytes).expect("utf-8");
    let lines: Vec<&str> = text.lines().collect();
    let between = format!("{}\n", lines[..3].join("\n"));
    assert_eq!(
        error_of(between.into_bytes()),
        "diff backup.ndjson: line 4: the file ends without its end line: it was cut short after 2 nodes"
    );
    let inside = &text[..text.find(&lines[2][10..]).expect("line 3")];
    assert_eq!(
        error_of(inside.as_bytes().to_vec()),
        "diff backup.ndjson: line 3: the last line is cut short: the file was truncated"
    );
}

#[test]
fn corrupt_lines_bad_base64_and_other_formats_name_their_line() {
    let text = String::from_utf8(exported(&sample())).expect("utf-8");
    let corrupt = text.replacen("\"path\":\"a\"", "\"path\":\"a\"}}", 1);
    assert!(error_of(corrupt.into_bytes()).starts_with("diff backup.ndjson: line 3: corrupt line (not valid JSON"),);
    let base64 = text.replacen("\"data\":\"dGV4dA==\"", "\"data\":\"d!V4dA==\"", 1);
    assert_eq!(
        error_of(base64.into_bytes()),
        "diff backup.ndjson: line 3: the data of a is not valid base64"
    );
    assert_eq!(
        error_of(b"{\"some\":\"json\"}\n".to_vec()),
        "diff backup.ndjson: line 1: not a zksh export file (its first line is not a zksh-export header)"
    );
    assert_eq!(
        error_of(b"a,b,c\n1,2,3\n".to_vec()),
        "diff backup.ndjson: line 1: not a zksh export file (its first line is not a zksh-export header)"
    );
    assert_eq!(
        error_of(Vec::new()),
        "diff backup.ndjson: line 1: the file is empty: not a zksh export file"
    );
    let swapped: Vec<&str> = text.lines().collect();
    let swapped = [swapped[0], swapped[1], swapped[3], swapped[2], swapped[4], swapped[5]].join("\n") + "\n";
    assert_eq!(
        error_of(swapped.into_bytes()),
        "diff backup.ndjson: line 3: a/b comes without its parent a"
    );
}

#[test]
fn damaged_gzip_names_the_line_it_reached() {
    let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
    gz.write_all(&exported(&sample())).expect("gzip");
    let mut bytes = gz.finish().expect("gzip");
    let cut = bytes[..bytes.len() / 2].to_vec();
    assert!(error_of(cut).contains("the gzip stream is cut short"));
    let middle = bytes.len() / 2;
    for byte in &mut bytes[middle..middle + 8] {
        *byte ^= 0x5a;
    }
    let error = error_of(bytes);
    assert!(
        error.starts_with("diff backup.ndjson: line ") && error.contains("gzip stream is damaged"),
        "{error}"
    );
}
