//! DOCX: `word/document.xml` read with quick-xml. Paragraphs become lines, table rows lines
//! of cells; a cell continued by `vMerge` is not a printed cell.

use std::io::Read;

use quick_xml::Reader;
use quick_xml::events::Event;

use crate::ImportError;
use crate::doc::{Doc, Line};

/// Largest `word/document.xml` read (uncompressed).
const MAX_XML: u64 = 64 * 1024 * 1024;

/// Reads a DOCX file.
pub fn read(bytes: &[u8]) -> Result<Doc, ImportError> {
    let corrupt = |reason: String| ImportError::Corrupt {
        format: "docx",
        reason,
    };
    let mut zip =
        zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| corrupt(e.to_string()))?;
    let mut file = zip
        .by_name("word/document.xml")
        .map_err(|_| corrupt("no word/document.xml / 缺少 word/document.xml".into()))?;
    let mut xml = Vec::new();
    file.by_ref()
        .take(MAX_XML + 1)
        .read_to_end(&mut xml)
        .map_err(|e| corrupt(e.to_string()))?;
    if xml.len() as u64 > MAX_XML {
        return Err(ImportError::TooLarge {
            limit: MAX_XML as usize,
        });
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
