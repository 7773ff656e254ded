//! DOCX: zip containers and deflate streams written by hand, so that sizes and counts can lie.

use nianbao_import::ImportError;

use crate::{assert_bilingual, peak_rss_mib, timed};

/// One entry: name, method (0 stored, 8 deflated), CRC-32, declared uncompressed size, data.
struct Entry {
    name: String,
    method: u16,
    crc: u32,
    size: u32,
    data: Vec<u8>,
}

fn zip(entries: &[Entry]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for e in entries {
        let offset = out.len() as u32;
        let name = e.name.as_bytes();
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        for v in [20u16, 0, e.method, 0, 0x21] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        for v in [e.crc, e.data.len() as u32, e.size] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&(name.len() as u16).to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(name);
        out.extend_from_slice(&e.data);

        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        for v in [20u16, 20, 0, e.method, 0, 0x21] {
            central.extend_from_slice(&v.to_le_bytes());
        }
        for v in [e.crc, e.data.len() as u32, e.size] {
            central.extend_from_slice(&v.to_le_bytes());
        }
        for v in [name.len() as u16, 0, 0, 0, 0] {
            central.extend_from_slice(&v.to_le_bytes());
        }
        central.extend_from_slice(&0u32.to_le_bytes());
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name);
    }
    let cd_offset = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    let n = entries.len().min(0xffff) as u16;
    for v in [0u16, 0, n, n] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

/// LSB-first bit writer for a raw deflate stream.
#[derive(Default)]
struct Bits {
    out: Vec<u8>,
    acc: u64,
    n: u32,
}

impl Bits {
    fn put(&mut self, value: u64, bits: u32) {
        self.acc |= value << self.n;
        self.n += bits;
        while self.n >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.n -= 8;
        }
    }
    /// A fixed-Huffman code, most significant bit first.
    fn code(&mut self, code: u64, bits: u32) {
        let mut rev = 0;
        for i in 0..bits {
            rev |= ((code >> i) & 1) << (bits - 1 - i);
        }
        self.put(rev, bits);
    }
    fn finish(mut self) -> Vec<u8> {
        if self.n > 0 {
            self.out.push(self.acc as u8);
        }
        self.out
    }
}

/// A raw deflate stream (one fixed-Huffman block) inflating to `prefix` followed by the last
/// byte of `prefix` repeated 258 × `repeats` times: 13 bits per 258 bytes.
fn deflate_bomb(prefix: &[u8], repeats: u64) -> Vec<u8> {
    let mut b = Bits::default();
    b.put(1, 1); // final block
    b.put(1, 2); // fixed Huffman
    for &c in prefix {
        assert!(c < 144);
        b.code(0x30 + u64::from(c), 8);
    }
    for _ in 0..repeats {
        b.code(0b1100_0101, 8); // length 258 (code 285)
        b.code(0, 5); // distance 1
    }
    b.code(0, 7); // end of block
    b.finish()
}

const XML_HEAD: &[u8] =
    b"<?xml version=\"1.0\"?><w:document><w:body><w:p><w:r><w:t>aaaaaaaaaaaaaaaaaaaaaaaa";

/// CRC-32 (IEEE), bit by bit: only used on small inputs.
fn crc32(bytes: impl Iterator<Item = u8>) -> u32 {
    let mut crc = !0u32;
    for b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn bomb_docx(repeats: u64, honest: bool) -> Vec<u8> {
    let data = deflate_bomb(XML_HEAD, repeats);
    let inflated = XML_HEAD.len() as u64 + 258 * repeats;
    let last = XML_HEAD[XML_HEAD.len() - 1];
    // The true checksum only where it is cheap to compute; the readers never reach the end
    // of the big ones.
    let crc = if inflated < 1 << 20 {
        crc32(
            XML_HEAD
                .iter()
                .copied()
                .chain(std::iter::repeat_n(last, 258 * repeats as usize)),
        )
    } else {
        0
    };
    zip(&[Entry {
        name: "word/document.xml".into(),
        method: 8,
        crc,
        size: if honest {
            inflated.min(u64::from(u32::MAX)) as u32
        } else {
            4096
        },
        data,
    }])
}

#[test]
fn the_hand_made_zip_is_a_readable_docx() {
    // The same construction, small: read to the end, no report in it (not "corrupt").
    let small = bomb_docx(100, true);
    let err = timed("a small deflated document.xml", &small, "small.docx").expect_err("no report");
    assert!(
        matches!(err, ImportError::NoReport),
        "a 26 KB document.xml is read to the end: {err}"
    );
}

#[test]
fn docx_zip_bomb_that_declares_its_size_is_refused_before_inflating() {
    // About 2 GiB inflated from about 13 MB; the central directory says so.
    let bomb = bomb_docx(8_000_000, true);
    let err = timed("a DOCX bomb (declared 2 GiB)", &bomb, "bomb.docx").expect_err("refused");
    let msg = err.to_string();
    assert!(
        matches!(err, ImportError::OverLimit { .. }),
        "refused by the inflated-size limit: {msg}"
    );
    assert!(msg.contains("word/document.xml"), "names the part: {msg}");
    assert_bilingual(&msg);
    assert!(peak_rss_mib() < 1024, "peak RSS {} MiB", peak_rss_mib());
}

#[test]
fn docx_zip_bomb_that_lies_about_its_size_stops_at_the_limit() {
    // About 1 GiB inflated from about 6.5 MB; the central directory claims 4 KB.
    let bomb = bomb_docx(4_000_000, false);
    let err = timed("a DOCX bomb (claims 4 KB)", &bomb, "liar.docx").expect_err("refused");
    let msg = err.to_string();
    assert!(
        matches!(
            err,
            ImportError::OverLimit { .. } | ImportError::Corrupt { .. }
        ),
        "refused by the inflated-size limit or as corrupt: {msg}"
    );
    assert!(msg.contains("word/document.xml"), "names the part: {msg}");
    assert_bilingual(&msg);
    assert!(peak_rss_mib() < 1024, "peak RSS {} MiB", peak_rss_mib());
}

#[test]
fn docx_with_100_000_entries_is_refused() {
    let mut entries: Vec<Entry> = (0..100_000)
        .map(|i| Entry {
            name: format!("x/{i}"),
            method: 0,
            crc: 0,
            size: 0,
            data: Vec::new(),
        })
        .collect();
    entries.push(Entry {
        name: "word/document.xml".into(),
        method: 0,
        crc: 0,
        size: 0,
        data: Vec::new(),
    });
    let bytes = zip(&entries);
    let err = timed("a DOCX with 100 001 entries", &bytes, "many.docx").expect_err("refused");
    let msg = err.to_string();
    assert!(matches!(err, ImportError::OverLimit { .. }), "{msg}");
    assert!(
        msg.contains("条目") && msg.contains("entries"),
        "names the entries: {msg}"
    );
    assert_bilingual(&msg);
}

#[test]
fn docx_with_many_zip_end_records_is_refused_quickly() {
    // Found by fuzzing: the zip reader reads a directory for every end record it finds, so a
    // few hundred of them in 63 KB took over a second each time.
    let mut entries: Vec<Entry> = (0..30)
        .map(|i| Entry {
            name: format!("word/part{i}.xml"),
            method: 0,
            crc: 0,
            size: 0,
            data: Vec::new(),
        })
        .collect();
    entries.push(Entry {
        name: "word/document.xml".into(),
        method: 0,
        crc: 0,
        size: 0,
        data: Vec::new(),
    });
    let mut bytes = zip(&entries);
    let end = bytes.len() - 22;
    let record = bytes[end..].to_vec();
    for _ in 0..300 {
        bytes.extend_from_slice(&record);
    }
    let err = timed("a DOCX with 301 end records", &bytes, "ends.docx").expect_err("refused");
    let msg = err.to_string();
    assert!(
        matches!(err, ImportError::Corrupt { format: "docx", .. }),
        "{msg}"
    );
    assert!(msg.contains("end records"), "names the end records: {msg}");
    assert_bilingual(&msg);
}
