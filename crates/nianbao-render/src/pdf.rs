//! PDF through typst: typst markup generated from the document (user text only ever as string literals),
//! compiled in memory against the CJK fonts found once per process.

use std::fmt::Write;
use std::path::PathBuf;
use std::sync::OnceLock;

use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, Source};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_kit::fonts::FontStore;
use typst_layout::PagedDocument;

use crate::RenderError;
use crate::annex::{Annex, AnnexTable, Chart};
use crate::chart;
use crate::doc::{Body, Document, FINDINGS_HEADING, finding_line};
use crate::escape::typst_str as q;
use crate::layout::{CellRole, Grid};
use crate::text::{annex_title, offices_table};

/// The environment variable naming an extra font directory (scanned before /usr/share/fonts).
pub const FONT_DIR_ENV: &str = "NIANBAO_FONT_DIR";

const BODY: &str =
    r#"("FangSong_GB2312", "FangSong", "Noto Serif CJK SC", "Noto Serif SC", "Noto Sans CJK SC")"#;
const HEAD: &str = r#"("SimHei", "Noto Sans CJK SC", "Noto Sans SC", "Noto Serif CJK SC")"#;
const TABLE: &str = r#"("SimSun", "Noto Serif CJK SC", "Noto Serif SC", "Noto Sans CJK SC")"#;
/// A family that must be present for Chinese text to print (any one of them).
const CJK_FAMILIES: [&str; 4] = [
    "noto serif cjk sc",
    "noto sans cjk sc",
    "noto serif sc",
    "noto sans sc",
];

fn font_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(d) = std::env::var_os(FONT_DIR_ENV) {
        dirs.push(PathBuf::from(d));
    }
    dirs.push(PathBuf::from("/usr/share/fonts"));
    dirs.push(PathBuf::from("/usr/local/share/fonts"));
    dirs
}

/// The fonts, scanned once per process.
fn fonts() -> Result<&'static FontStore, RenderError> {
    static FONTS: OnceLock<Option<FontStore>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            let mut store = FontStore::new();
            for dir in font_dirs().iter().filter(|d| d.is_dir()) {
                store.extend(typst_kit::fonts::scan(dir));
            }
            let book = store.book();
            CJK_FAMILIES
                .iter()
                .any(|f| book.contains_family(f))
                .then_some(store)
        })
        .as_ref()
        .ok_or(RenderError::NoFonts)
}

/// Scans the fonts now (a server calls this at start so the first PDF is not slow).
pub fn warm_fonts() -> Result<(), RenderError> {
    fonts().map(|_| ())
}

struct InMemory {
    library: &'static LazyHash<Library>,
    fonts: &'static FontStore,
    main: Source,
}

impl World for InMemory {
    fn library(&self) -> &LazyHash<Library> {
        self.library
    }
    fn book(&self) -> &LazyHash<FontBook> {
        self.fonts.book()
    }
    fn main(&self) -> FileId {
        self.main.id()
    }
    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(FileError::NotFound(PathBuf::from("(in memory)")))
        }
    }
    fn file(&self, id: FileId) -> FileResult<Bytes> {
        Err(self.source(id).err().unwrap_or(FileError::NotSource))
    }
    fn font(&self, index: usize) -> Option<Font> {
        self.fonts.font(index)
    }
    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        None
    }
}

fn messages(errors: &[typst::diag::SourceDiagnostic]) -> String {
    errors
        .iter()
        .map(|e| e.message.to_string())
        .collect::<Vec<_>>()
        .join("; ")
}

/// Typesets markup in memory.
fn compile(markup: String) -> Result<PagedDocument, RenderError> {
    static LIBRARY: OnceLock<LazyHash<Library>> = OnceLock::new();
    let world = InMemory {
        library: LIBRARY.get_or_init(|| LazyHash::new(Library::builder().build())),
        fonts: fonts()?,
        main: Source::detached(markup),
    };
    let document = typst::compile::<PagedDocument>(&world)
        .output
        .map_err(|errors| RenderError::Typeset(messages(&errors)));
    // Keep the memoization cache of a long-running process small.
    typst::comemo::evict(10);
    document
}

/// Renders the document as PDF.
pub fn render(doc: &Document, annex: Option<&Annex>) -> Result<Vec<u8>, RenderError> {
    let document = compile(markup(doc, annex))?;
    typst_pdf::pdf(&document, &typst_pdf::PdfOptions::default())
        .map_err(|errors| RenderError::Typeset(messages(&errors)))
}

/// A chart as PNG (for Word), rasterised by typst from its SVG at 2 pixels per point:
/// the PNG and its size in points.
pub fn chart_png(c: &Chart) -> Result<(Vec<u8>, f64, f64), RenderError> {
    let markup = format!(
        "#set page(width: auto, height: auto, margin: 0pt)\n#image(bytes({}), format: \"svg\")",
        q(&chart::svg(c))
    );
    let document = compile(markup)?;
    let page = document
        .pages()
        .first()
        .ok_or_else(|| RenderError::Typeset("empty chart".into()))?;
    let pixmap = typst_render::render(page, &typst_render::RenderOptions::default());
    let png = pixmap
        .encode_png()
        .map_err(|e| RenderError::Typeset(e.to_string()))?;
    let size = page.frame.size();
    Ok((png, size.x.to_pt(), size.y.to_pt()))
}

/// Column widths as fractions.
fn fractions(grid: &Grid) -> String {
    let parts: Vec<String> = grid
        .column_weights()
        .iter()
        .map(|w| format!("{w}fr"))
        .collect();
    format!("({},)", parts.join(", "))
}

fn grid_markup(s: &mut String, grid: &Grid) {
    let size = if grid.columns > 10 { "7.5pt" } else { "9pt" };
    let _ = writeln!(
        s,
        "#block(width: 100%)[#set text(font: {TABLE}, size: {size})\n#set par(first-line-indent: 0em, justify: false, leading: 0.5em)\n#table(columns: {}, align: center + horizon, inset: 3pt, stroke: 0.5pt,",
        fractions(grid)
    );
    // A leading header block repeats on every page the table runs over (not table 二, whose blocks
    // carry their own headers).
    let header_rows = grid.rows.iter().take_while(|r| r.header).count();
    let repeat = header_rows > 0 && grid.rows.iter().skip(header_rows).all(|r| !r.header);
    for (i, row) in grid.rows.iter().enumerate() {
        if repeat && i == 0 {
            s.push_str("table.header(\n");
        }
        if repeat && i == header_rows {
            s.push_str("),\n");
        }
        for cell in &row.cells {
            let mut args = Vec::new();
            if cell.colspan > 1 {
                args.push(format!("colspan: {}", cell.colspan));
            }
            if cell.rowspan > 1 {
                args.push(format!("rowspan: {}", cell.rowspan));
            }
            match cell.role {
                CellRole::Label if !row.header => args.push("align: left + horizon".into()),
                CellRole::Caption => args.push("fill: luma(242)".into()),
                _ => {}
            }
            if cell.flagged {
                args.push("fill: rgb(\"#ffe08a\")".into());
            }
            // Cell bodies are plain expressions (a string, or `strong` of one), not content blocks: typst
            // typesets them with fewer instructions and the PDF is byte for byte the same.
            let body = if matches!(cell.role, CellRole::Caption) {
                format!("strong({})", q(&cell.text))
            } else {
                q(&cell.text)
            };
            if args.is_empty() {
                let _ = writeln!(s, "  {body},");
            } else {
                let _ = writeln!(s, "  table.cell({}, {body}),", args.join(", "));
            }
        }
    }
    s.push_str(")]\n");
}

fn plain_table_markup(s: &mut String, t: &AnnexTable) {
    let n = t.header.len().max(1);
    if !t.caption.is_empty() {
        let _ = writeln!(s, "#heading(level: 2)[#{}]", q(&t.caption));
    }
    let _ = writeln!(
        s,
        "#block(width: 100%)[#set text(font: {TABLE}, size: 9pt)\n#set par(first-line-indent: 0em)\n#table(columns: (1fr,) * {n}, stroke: 0.5pt, inset: 3pt,"
    );
    for h in &t.header {
        let _ = writeln!(s, "  strong({}),", q(h));
    }
    for row in &t.rows {
        for i in 0..n {
            let _ = writeln!(s, "  {},", q(row.get(i).map_or("", String::as_str)));
        }
    }
    s.push_str(")]\n");
}

/// The typst markup of the document.
pub fn markup(doc: &Document, annex: Option<&Annex>) -> String {
    let mut s = String::with_capacity(32 * 1024);
    let _ = writeln!(s, "#set document(title: {})", q(&doc.title));
    s.push_str(concat!(
        "#set page(paper: \"a4\", margin: (top: 37mm, bottom: 35mm, left: 28mm, right: 26mm),\n",
        "  footer: context align(center, text(size: 10pt)[— #counter(page).display() —]))\n",
        "#set text(lang: \"zh\", region: \"cn\", size: 14pt, cjk-latin-spacing: none, font: ",
    ));
    s.push_str(BODY);
    s.push_str(")\n#set par(first-line-indent: (amount: 2em, all: true), justify: true, leading: 0.9em, spacing: 0.9em)\n");
    let _ = writeln!(
        s,
        "#show heading: it => block(above: 1.2em, below: 0.8em, text(font: {HEAD}, size: 14pt, weight: \"regular\", it.body))"
    );
    if doc.review {
        s.push_str("#align(center, text(fill: rgb(\"#c00000\"))[#\"审核稿（review copy）\"])\n");
    }
    let _ = writeln!(
        s,
        "#align(center, block(below: 1.5em, text(font: {HEAD}, size: 20pt)[{}]))",
        doc.title_lines
            .iter()
            .map(|l| format!("#{}", q(l)))
            .collect::<Vec<_>>()
            .join(" \\\n")
    );
    for section in &doc.sections {
        let _ = writeln!(s, "#heading(level: 1)[#{}]", q(&section.heading));
        match &section.body {
            Body::Prose(paras) => {
                for p in paras {
                    let _ = writeln!(s, "#par[#{}]", q(p));
                }
            }
            Body::Table(grid) => grid_markup(&mut s, grid),
        }
    }
    let sign: Vec<String> = [&doc.signature, &doc.date]
        .into_iter()
        .flatten()
        .map(|l| format!("#{}", q(l)))
        .collect();
    if !sign.is_empty() {
        let _ = writeln!(
            s,
            "#v(2em)\n#align(right, block[#set par(first-line-indent: 0em)\n{}])",
            sign.join(" \\\n")
        );
    }
    if doc.review {
        let _ = writeln!(s, "#heading(level: 1)[#{}]", q(FINDINGS_HEADING));
        for (i, f) in doc.findings.iter().enumerate() {
            let _ = writeln!(
                s,
                "#par(first-line-indent: 0em, justify: false)[#{}]",
                q(&format!("{}. {}", i + 1, finding_line(f)))
            );
        }
    }
    if let Some(annex) = annex {
        let _ = writeln!(
            s,
            "#pagebreak()\n#heading(level: 1)[#{}]",
            q(&annex_title(annex))
        );
        plain_table_markup(&mut s, &offices_table(annex));
        for t in annex.data_tables() {
            plain_table_markup(&mut s, t);
        }
        for c in &annex.charts {
            let _ = writeln!(
                s,
                "#align(center, image(bytes({}), format: \"svg\", width: 100%, alt: {}))",
                q(&chart::svg(c)),
                q(&c.title)
            );
        }
    }
    s
}
