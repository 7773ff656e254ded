//! DOCX: `word/document.xml` read with quick-xml. Paragraphs become lines, table rows lines
//! of cells; a cell continued by `vMerge` is not a printed cell.

use std::io::Read;

use quick_xml::Reader;
use quick_xml::events::Event;

use crate::ImportError;
use crate::doc::{Doc, Line};

/// Largest `word/document.xml` read (inflated). A report's is well under 2 MiB; a zip bomb
/// is stopped here whether its directory declares the size or lies about it.
pub const MAX_XML: u64 = 16 * 1024 * 1024;

/// Most entries in the zip container. A Word document has a few dozen; the directory is not
/// read at all when its end record announces more.
pub const MAX_ENTRIES: usize = 10_000;

/// Most zip end-of-central-directory signatures in one file (a Word document has one).
pub const MAX_END_RECORDS: usize = 16;

fn too_big() -> ImportError {
    ImportError::OverLimit {
        zh: "DOCX 中 word/document.xml 解压后的字节数",
        en: "the inflated size in bytes of word/document.xml in the DOCX",
        limit: MAX_XML,
    }
}

fn too_many() -> ImportError {
    ImportError::OverLimit {
        zh: "DOCX（zip）中的条目数",
        en: "the number of entries in the DOCX (zip) container",
        limit: MAX_ENTRIES as u64,
    }
}

/// The entry count announced by the zip end record (the last `PK\x05\x06` within the
/// largest comment length of the end); `None` when there is none (the zip reader then
/// reports the file as corrupt). A ZIP64 count (`0xFFFF`) counts as over the limit.
fn announced_entries(bytes: &[u8]) -> Option<usize> {
    let tail = bytes.len().saturating_sub(22 + 0xFFFF);
    let at = bytes[tail..].windows(4).rposition(|w| w == b"PK\x05\x06")? + tail;
    let field = bytes.get(at + 10..at + 12)?;
    Some(usize::from(u16::from_le_bytes([field[0], field[1]])))
}

/// Reads a DOCX file.
pub fn read(bytes: &[u8]) -> Result<Doc, ImportError> {
    let corrupt = |reason: String| ImportError::Corrupt {
        format: "docx",
        reason,
    };
    if announced_entries(bytes).is_some_and(|n| n > MAX_ENTRIES) {
        return Err(too_many());
    }
    // The zip reader tries every end record it finds and reads a directory for each: many of
    // them make it quadratic (a 63 KB input with 227 took over a second).
    let ends = bytes.windows(4).filter(|w| w == b"PK\x05\x06").count();
    if ends > MAX_END_RECORDS {
        return Err(corrupt(format!(
            "{ends} 个 zip 结束记录（上限 {MAX_END_RECORDS}）/ {ends} zip end records (at most {MAX_END_RECORDS})"
        )));
    }
    let mut zip =
        zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| corrupt(e.to_string()))?;
    if zip.len() > MAX_ENTRIES {
        return Err(too_many());
    }
    let mut file = zip
        .by_name("word/document.xml")
        .map_err(|_| corrupt("no word/document.xml / 缺少 word/document.xml".into()))?;
    if file.size() > MAX_XML {
        return Err(too_big());
    }
    let mut xml = Vec::new();
    file.by_ref()
        .take(MAX_XML + 1)
        .read_to_end(&mut xml)
        .map_err(|e| corrupt(format!("word/document.xml: {e}")))?;
    if xml.len() as u64 > MAX_XML {
        return Err(too_big());
    }
    parse(&xml).map_err(corrupt)
}

fn parse(xml: &[u8]) -> Result<Doc, String> {
    let mut reader = Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut doc = Doc::default();
    let mut para = String::new();
    let mut in_t = false;
    let mut tbl_depth = 0usize;
    let mut row: Option<Vec<String>> = None;
    let mut cell: Option<String> = None;
    let mut continued = false;
    loop {
        let ev = reader
            .read_event_into(&mut buf)
            .map_err(|e| format!("XML error at byte {}: {e}", reader.buffer_position()))?;
        match ev {
            Event::Start(e) | Event::Empty(e) => {
                let name = e.name();
                match name.as_ref() {
                    b"w:t" => in_t = true,
                    b"w:tab" => para.push('\t'),
                    b"w:tbl" => tbl_depth += 1,
                    b"w:tr" => row = Some(Vec::new()),
                    b"w:tc" => {
                        cell = Some(String::new());
                        continued = false;
                    }
                    b"w:vMerge" => {
                        let restart = e
                            .attributes()
                            .flatten()
                            .any(|a| a.key.as_ref() == b"w:val" && a.value.as_ref() == b"restart");
                        continued = !restart;
                    }
                    _ => {}
                }
            }
            Event::Text(t) if in_t => {
                let s = t.unescape().map_err(|e| e.to_string())?;
                para.push_str(&s);
            }
            Event::End(e) => match e.name().as_ref() {
                b"w:t" => in_t = false,
                b"w:p" => {
                    let text = std::mem::take(&mut para);
                    match &mut cell {
                        Some(c) => c.push_str(&text),
                        None => {
                            let t = text.trim();
                            if !t.is_empty() {
                                doc.lines.push(Line::text(t));
                            }
                        }
                    }
                }
                b"w:tc" => {
                    if let Some(c) = cell.take()
                        && !continued
                    {
                        row.get_or_insert_with(Vec::new).push(c.trim().to_string());
                    }
                }
                b"w:tr" => {
                    if let Some(cells) = row.take()
                        && cells.iter().any(|c| !c.is_empty())
                    {
                        doc.lines.push(Line { cells, table: true });
                    }
                }
                b"w:tbl" => tbl_depth = tbl_depth.saturating_sub(1),
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    let _ = tbl_depth;
    Ok(doc)
}
