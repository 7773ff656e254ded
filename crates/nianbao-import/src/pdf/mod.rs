//! PDF: every page read as glyphs with their boxes and the ruling lines drawn on it, through
//! `pdf-extract` (fonts, content streams) on `lopdf` (the file's structure). Tables are built
//! from the page's geometry ([`grid`]): cells from the ruling lines, merged cells from missing
//! segments, glyphs placed in the cell whose box holds them; text outside a table, and tables
//! drawn without lines, are grouped into lines by baseline and into cells by the gaps in x
//! ([`lines`]). A page with no text layer (a scan) goes to OCR ([`ocr`]). Page numbers and
//! running headers and footers repeated on several pages are dropped, so a table broken over
//! a page reads as one.
//!
//! Every cell of the result carries its page and box ([`crate::Origin`]).

mod digits;
mod geometry;
mod grey;
mod grid;
mod lines;
pub(crate) mod ocr;
mod quiet;
mod tess;

use std::collections::BTreeMap;

use pdf_extract::{Document, Object, ObjectId};

use crate::ImportError;
use crate::doc::Doc;
pub use geometry::is_page_number;
use geometry::{Collector, Page};

/// Most glyphs read from one document.
const MAX_GLYPHS: usize = 2_000_000;

/// Reads a PDF as lines of cells; pages without a text layer through OCR.
pub fn read(bytes: &[u8]) -> Result<Doc, ImportError> {
    let corrupt = |reason: String| ImportError::Corrupt {
        format: "pdf",
        reason,
    };
    let pages = quiet::quietly(|| parse(bytes))
        .map_err(|panic| {
            corrupt(format!(
                "PDF 结构无法读取 / the PDF structure could not be read ({})",
                one_line(&panic)
            ))
        })?
        .map_err(corrupt)?;
    let mut read: Vec<Page> = Vec::new();
    let mut scanned: Vec<u32> = Vec::new();
    for page in pages {
        match page {
            Parsed::Text(p) => read.push(p),
            Parsed::Scan(n) => scanned.push(n),
        }
    }
    let has_text = |p: &Page| p.glyphs.iter().any(|g| !g.ch.trim().is_empty());
    let ocr = !scanned.is_empty() && !read.iter().any(has_text);
    if ocr {
        read = ocr::pages(bytes, &scanned)?;
    } else if read.iter().all(|p| !has_text(p)) {
        return Err(ImportError::NoText { format: "pdf" });
    }
    let mut doc = lines::doc(read);
    doc.scanned = ocr;
    Ok(doc)
}

/// A page as parsed: its text layer, or the number of a page that only draws images.
enum Parsed {
    Text(Page),
    Scan(u32),
}

/// The first line of a message, at most 200 characters.
fn one_line(s: &str) -> String {
    s.lines().next().unwrap_or("").chars().take(200).collect()
}

fn parse(bytes: &[u8]) -> Result<Vec<Parsed>, String> {
    let mut doc = Document::load_mem(bytes).map_err(|e| e.to_string())?;
    if doc.is_encrypted() {
        return Err("PDF 已加密 / the PDF is encrypted".into());
    }
    check_parent_chains(&doc)?;
    let pages = doc.get_pages();
    let kinds: BTreeMap<u32, (bool, i64)> = pages
        .iter()
        .map(|(&n, &id)| (n, (has_text_ops(&doc, id), rotation(&doc, id))))
        .collect();
    blank_images(&mut doc);
    let mut out = Vec::new();
    let mut collector = Collector::new(MAX_GLYPHS);
    for (&n, &(text, rotate)) in &kinds {
        if !text {
            out.push(Parsed::Scan(n));
            continue;
        }
        collector.rotate = rotate;
        pdf_extract::output_doc_page(&doc, &mut collector, n).map_err(|e| e.to_string())?;
        if let Some(page) = collector.take() {
            out.push(Parsed::Text(page));
        }
    }
    Ok(out)
}

/// The XObjects of a page's resources (its own and inherited), as streams.
fn xobjects(doc: &Document, page: ObjectId) -> Vec<&pdf_extract::Stream> {
    doc.get_page_resources(page)
        .ok()
        .into_iter()
        .flat_map(|(own, inherited)| {
            own.into_iter()
                .chain(
                    inherited
                        .iter()
                        .filter_map(|id| doc.get_dictionary(*id).ok()),
                )
                .collect::<Vec<_>>()
        })
        .filter_map(|res| res.get(b"XObject").ok())
        .filter_map(|x| deref(doc, x).as_dict().ok())
        .flat_map(|d| d.iter().map(|(_, v)| v).collect::<Vec<_>>())
        .filter_map(|x| deref(doc, x).as_stream().ok())
        .collect()
}

fn subtype_is(s: &pdf_extract::Stream, name: &[u8]) -> bool {
    s.dict.get(b"Subtype").and_then(Object::as_name).ok() == Some(name)
}

/// Whether a page shows text: a page that draws no image does (or is blank); one that draws
/// an image does when its content, or a form it draws, has a text operator.
fn has_text_ops(doc: &Document, page: ObjectId) -> bool {
    let objects = xobjects(doc, page);
    if !objects.iter().any(|s| subtype_is(s, b"Image")) {
        return true;
    }
    let shows = |data: &[u8]| {
        pdf_extract::content::Content::decode(data).is_ok_and(|c| {
            c.operations
                .iter()
                .any(|op| matches!(op.operator.as_str(), "Tj" | "TJ" | "'" | "\""))
        })
    };
    doc.get_page_content(page).is_ok_and(|c| shows(&c))
        || objects.iter().filter(|s| subtype_is(s, b"Form")).any(|s| {
            shows(
                &s.decompressed_content()
                    .unwrap_or_else(|_| s.content.clone()),
            )
        })
}

fn deref<'a>(doc: &'a Document, o: &'a Object) -> &'a Object {
    match o {
        Object::Reference(id) => doc.get_object(*id).unwrap_or(o),
        _ => o,
    }
}

/// The page's `/Rotate` (inherited), as 0, 90, 180 or 270.
fn rotation(doc: &Document, page: ObjectId) -> i64 {
    let mut current = page;
    for _ in 0..MAX_PARENT_CHAIN {
        let Ok(dict) = doc.get_dictionary(current) else {
            break;
        };
        if let Ok(r) = dict
            .get(b"Rotate")
            .map(|r| deref(doc, r))
            .and_then(Object::as_i64)
        {
            return r.rem_euclid(360) / 90 * 90;
        }
        match dict.get(b"Parent").and_then(Object::as_reference) {
            Ok(p) => current = p,
            Err(_) => break,
        }
    }
    0
}

/// Empties every image XObject into a form that draws nothing: the text reader would
/// otherwise run an image's bytes as a content stream, and images carry no text.
fn blank_images(doc: &mut Document) {
    for object in doc.objects.values_mut() {
        if let Object::Stream(s) = object
            && subtype_is(s, b"Image")
        {
            s.dict.set("Subtype", Object::Name(b"Form".to_vec()));
            s.dict.remove(b"Filter");
            s.dict.remove(b"DecodeParms");
            s.dict.remove(b"Resources");
            s.set_plain_content(Vec::new());
        }
    }
}

/// Longest page-tree `Parent` chain accepted. The PDF reader looks up inherited page
/// attributes (`Resources`, `MediaBox`) recursively along it, so a chain that loops would
/// overflow the stack (an abort, which `catch_unwind` cannot stop).
const MAX_PARENT_CHAIN: usize = 256;

/// Refuses a document where some page's `Parent` chain loops or is deeper than
/// [`MAX_PARENT_CHAIN`]; follows the chain the way the reader does (references only).
fn check_parent_chains(doc: &Document) -> Result<(), String> {
    for (number, id) in doc.get_pages() {
        let mut current = id;
        let mut depth = 0;
        while let Ok(parent) = doc
            .get_dictionary(current)
            .and_then(|d| d.get(b"Parent"))
            .and_then(|p| p.as_reference())
        {
            depth += 1;
            if depth > MAX_PARENT_CHAIN {
                return Err(format!(
                    "第 {number} 页的页面树 Parent 链成环或超过 {MAX_PARENT_CHAIN} 层 / \
                     the page tree's Parent chain of page {number} loops or is deeper than {MAX_PARENT_CHAIN}"
                ));
            }
            current = parent;
        }
    }
    Ok(())
}
