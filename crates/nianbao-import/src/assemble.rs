//! From a document's lines to a report: where the sections and tables are, the tables read,
//! office, year and dates found, prose cut into sections.

use std::collections::BTreeMap;

use nianbao_model::schema::{HEADINGS, Heading, Part};
use nianbao_model::{Edition, Office, Report, SectionKey, TableId};

use crate::doc::{Doc, Stream};
use crate::meta::{find_heading, heading_end};
use crate::tables::Sink;
use crate::{
    Diagnostic, Format, ImportError, Imported, meta, normalize, office_slug, resolve, s3, tables,
};

pub(crate) fn from_doc(doc: &Doc, format: Format) -> Result<Imported, ImportError> {
    let s = Stream::new(doc);
    let len = s.chars.len();
    let mut diagnostics = Vec::new();
    // Where the parts are.
    let heading = |part| Heading::of(part).find;
    let h1 = find_heading(&s, heading(Part::Section(SectionKey::OVERVIEW)), 0, len);
    let h2 = find_heading(
        &s,
        heading(Part::Table(TableId::S2)),
        h1.map_or(0, |h| h.1),
        len,
    );
    let t2_start = h2
        .map(|h| h.1)
        .or_else(|| s.find("第二十条", 0, len, false).map(|f| f.0))
        .unwrap_or(0);
    let h3 = find_heading(&s, heading(Part::Table(TableId::S3)), t2_start, len).map(|h| h.0);
    let gouji = s.find("勾稽关系", t2_start, len, false).map(|f| f.0);
    let edition = detect_edition(
        &s,
        t2_start,
        [h3, gouji].into_iter().flatten().min().unwrap_or(len),
    );
    let schema = edition.schema();
    let first_s3 = schema
        .s3_rows(|_| true)
        .next()
        .and_then(|r| tables::find_row(&s, r, t2_start, len, true))
        .map(|f| f.0);
    let Some(t3_start) = [h3, gouji, first_s3].into_iter().flatten().min() else {
        return Err(ImportError::NoReport);
    };
    let t4 = heading4(&s, first_s3.unwrap_or(t3_start), len);
    let t3_end = t4.unwrap_or(len);
    let h5 = find_heading(
        &s,
        heading(Part::Section(SectionKey::PROBLEMS)),
        t3_end,
        len,
    );
    let h6 = find_heading(&s, heading(Part::Section(SectionKey::OTHER)), t3_end, len);
    let t4_end = [h5.map(|h| h.0), h6.map(|h| h.0)]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(len);

    let mut cells = BTreeMap::new();
    let mut notes = BTreeMap::new();
    let mut provenance = BTreeMap::new();
    let mut doubted = Vec::new();
    let mut sink = Sink {
        schema,
        cells: &mut cells,
        notes: &mut notes,
        diags: &mut diagnostics,
        prov: &mut provenance,
        origin: &s.origin,
        doubt: &s.doubt,
        doubted: &mut doubted,
    };
    tables::read_s2(&s, t2_start, t3_start, &mut sink);
    s3::read_s3(&s, t3_start, t3_end, &mut sink);
    if let Some(t4) = t4 {
        tables::read_s4(&s, t4, t4_end, &mut sink);
    }
    let any = |t: TableId| cells.keys().any(|k| k.starts_with(t.prefix()));
    if !any(TableId::S3) && !any(TableId::S2) {
        return Err(ImportError::NoReport);
    }
    for t in TableId::ALL {
        if !any(t)
            && !diagnostics
                .iter()
                .any(|d| d.cell.is_some_and(|c| c.starts_with(t.prefix())))
        {
            return Err(ImportError::TableMissing {
                table: t,
                heading: schema.table(t).heading,
            });
        }
    }

    // Office, year, dates.
    let (name, title_year) = meta::title(doc);
    let body = s.text(0, len.min(4000));
    let name = name
        .map(|n| meta::full_name(&body, &n).unwrap_or(n))
        .unwrap_or_default();
    let year = title_year
        .or_else(|| meta::period_year(&body))
        .ok_or(ImportError::NoYear)?;
    let sig = meta::signature(&s);
    let published_date = sig
        .as_ref()
        .map(|x| x.2)
        .or_else(|| {
            doc.meta_date
                .as_deref()
                .and_then(|d| meta::parse_date(d).map(|x| x.0))
        })
        .or_else(|| meta::labelled_date(&s));
    let end = sig.as_ref().map_or(len, |x| x.0);

    // Prose.
    let mut sections = BTreeMap::new();
    if let Some((_, e)) = h1 {
        let from = heading_end(&s, e, &[]);
        let to = h2.map_or(t2_start, |h| h.0);
        sections.insert(SectionKey::OVERVIEW.to_string(), meta::prose(&s, from, to));
    } else {
        note(
            &mut diagnostics,
            "heading_missing",
            &format!("未找到“{}”标题", HEADINGS[0].text),
            &format!("heading {} not found", HEADINGS[0].text),
        );
    }
    let problems_end = h6.map_or(end, |h| h.0);
    match h5 {
        Some((_, e)) => {
            let from = heading_end(
                &s,
                e,
                &["及改进情况", "及整改措施", "及改进措施", "及整改情况"],
            );
            sections.insert(
                SectionKey::PROBLEMS.to_string(),
                meta::prose(&s, from, problems_end),
            );
        }
        None => {
            let from = after_table4(&s, t4.unwrap_or(t3_end), t4_end);
            let text = meta::prose(&s, from, problems_end);
            if !text.is_empty() {
                note(
                    &mut diagnostics,
                    "heading_missing",
                    &format!("未找到“{}”标题，取表四之后、六之前的文字", HEADINGS[4].text),
                    &format!(
                        "heading {} not found; the text between table 4 and section 6 was taken",
                        HEADINGS[4].text
                    ),
                );
                sections.insert(SectionKey::PROBLEMS.to_string(), text);
            }
        }
    }
    if let Some((_, e)) = h6 {
        let from = heading_end(&s, e, &[]);
        sections.insert(
            SectionKey::OTHER.to_string(),
            meta::prose(&s, from, end.max(from)),
        );
    }
    for (h, part) in [
        (h1, Part::Section(SectionKey::OVERVIEW)),
        (h2, Part::Table(TableId::S2)),
        (h3.map(|p| (p, p)), Part::Table(TableId::S3)),
        (h5, Part::Section(SectionKey::PROBLEMS)),
        (h6, Part::Section(SectionKey::OTHER)),
    ] {
        let official = Heading::of(part).number();
        if let Some((p, _)) = h
            && s.chars.get(p).is_some_and(char::is_ascii_digit)
        {
            let printed = s.text(p, (p + 2).min(len));
            diagnostics.push(Diagnostic {
                code: "heading_numbering",
                cell: None,
                message_zh: format!("章节标题编号印为“{printed}”，应为“{official}”"),
                message_en: format!(
                    "a section heading is numbered “{printed}” instead of “{official}”"
                ),
            });
        }
    }

    let mut report = Report::new(
        Office {
            code: office_slug(&name),
            name,
        },
        year,
        edition,
    );
    report.published_date = published_date;
    report.signature = sig.and_then(|x| x.1);
    report.sections = sections;
    report.cells = cells;
    report.cell_notes = notes;
    let mut imported = Imported {
        report,
        format,
        diagnostics,
        provenance,
    };
    if doc.scanned {
        resolve::by_rules(&mut imported, &doubted);
    }
    Ok(imported)
}

fn note(d: &mut Vec<Diagnostic>, code: &'static str, zh: &str, en: &str) {
    d.push(Diagnostic {
        code,
        cell: None,
        message_zh: zh.to_string(),
        message_en: en.to_string(),
    });
}

/// The edition whose table-二 labels (captions, column headers, rows) are printed.
fn detect_edition(s: &Stream, from: usize, to: usize) -> Edition {
    let labels = |e: Edition| -> Vec<&'static str> {
        let t = e.schema().table(TableId::S2);
        t.blocks
            .iter()
            .flat_map(|b| {
                b.caption
                    .into_iter()
                    .chain(b.cols.iter().map(|c| c.label))
                    .chain(b.rows.iter().map(|r| r.label))
            })
            .collect()
    };
    let (a, b) = (labels(Edition::E2019), labels(Edition::E2021));
    let score = |mine: &[&str], other: &[&str]| {
        mine.iter()
            .filter(|l| !other.contains(l) && !other.iter().any(|o| o.contains(*l)))
            .filter(|l| s.find(l, from, to, false).is_some())
            .count()
    };
    if score(&a, &b) > score(&b, &a) {
        Edition::E2019
    } else {
        Edition::E2021
    }
}

/// The start of the heading of section 四 (the first `复议` after table 三 starts).
fn heading4(s: &Stream, from: usize, to: usize) -> Option<usize> {
    let (p, _) = s.find("复议", from, to, false)?;
    let mut h = p;
    while h > from {
        let c = s.chars[h - 1];
        if normalize::is_sep(c) || c.is_ascii_digit() || c == normalize::BLANK {
            break;
        }
        h -= 1;
    }
    if h >= 1 && s.chars.get(h) == Some(&'.') && s.chars[h - 1].is_ascii_digit() {
        let before = if h >= 2 { Some(s.chars[h - 2]) } else { None };
        if before.is_none_or(normalize::is_sep) {
            h -= 1;
        }
    }
    Some(h)
}

/// The position after the numbers of table 四 (for a report without a 五 heading).
fn after_table4(s: &Stream, from: usize, to: usize) -> usize {
    let toks_end = {
        let mut seen = false;
        let mut i = from;
        while i < to {
            let c = s.chars[i];
            if c.is_ascii_digit() {
                seen = true;
            } else if seen && normalize::is_cjk(c) {
                break;
            }
            i += 1;
        }
        i
    };
    let mut k = toks_end;
    while k > from && !normalize::is_sep(s.chars[k - 1]) {
        k -= 1;
    }
    k
}
