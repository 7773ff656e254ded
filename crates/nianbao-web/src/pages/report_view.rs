//! The official layout as the rendering service draws it, with notes put on their cells: each
//! finding on the first cell it names (its message and the expected value), each change between two
//! revisions on its cell (old → new). The renderer escapes every text it writes; the notes added
//! here are escaped the same way (maud), so a report's text is never markup.

use maud::{Markup, html};
use nianbao_model::{Report, Value};
use nianbao_proto::report::v1 as pb;

/// A note to put on a cell.
pub struct Note {
    /// The cell key.
    pub key: String,
    /// `error`, `warning` or `change`.
    pub class: &'static str,
    /// The note.
    pub markup: Markup,
}

/// The inside of the rendered page's `<main>` (the whole text when there is none), its
/// horizontally scrolling table boxes made reachable by keyboard.
pub fn main_of(page: &str) -> String {
    let start = page.find("<main>").map(|i| i + "<main>".len());
    let end = page.rfind("</main>");
    let inner = match (start, end) {
        (Some(s), Some(e)) if s <= e => &page[s..e],
        _ => page,
    };
    inner.replace(
        "<div class=\"wrap\">",
        "<div class=\"wrap\" tabindex=\"0\">",
    )
}

/// Puts each note at the end of its cell (`<td … data-key="KEY">…</td>`) and gives the cell an id
/// (`cell-KEY`) and, for a change, the class `changed`. Notes whose cell is not drawn are returned.
pub fn annotate(html_in: &str, notes: Vec<Note>) -> (String, Vec<Note>) {
    let mut out = html_in.to_string();
    let mut missing = Vec::new();
    for note in notes {
        let attr = format!("data-key=\"{}\"", note.key);
        let found = out.find(&attr).and_then(|at| {
            let start = out[..at].rfind("<td")?;
            let open_end = at + out[at..].find('>')?;
            Some((start, open_end))
        });
        let Some((start, open_end)) = found else {
            missing.push(note);
            continue;
        };
        let mut tag = out[start..open_end].to_string();
        if note.class == "change" && !tag.contains("changed") {
            tag = tag.replacen("class=\"", "class=\"changed ", 1);
        }
        if !tag.contains(" id=") {
            tag.insert_str("<td".len(), &format!(" id=\"cell-{}\"", note.key));
        }
        out.replace_range(start..open_end, &tag);
        let Some(close) = out[start..].find("</td>").map(|e| start + e) else {
            missing.push(note);
            continue;
        };
        let span = html! { span class=(format!("cellnote {}", note.class)) { (note.markup) } };
        out.insert_str(close, &span.into_string());
    }
    (out, missing)
}

/// A finding's note: rule, Chinese message, the expected value when the rule has one.
pub fn finding_note(f: &pb::Finding) -> Option<Note> {
    let key = f.cells.first()?.clone();
    let error = f.severity == pb::Severity::Error as i32;
    Some(Note {
        key,
        class: if error { "error" } else { "warning" },
        markup: html! {
            b { (if error { "错误 " } else { "提示 " }) }
            (f.message_zh)
            @if let Some(e) = &f.expected { "（应为 " (e) "）" }
        },
    })
}

/// A changed cell between two revisions.
pub struct Change {
    pub key: String,
    pub label: String,
    pub old: String,
    pub new: String,
}

/// Every cell whose value differs between `old` and `new` (absent shown as 空).
pub fn changes(old: &Report, new: &Report) -> Vec<Change> {
    let schema = new.schema();
    let show = |v: Option<&Value>| v.map(|v| v.to_string()).unwrap_or_else(|| "空".into());
    let mut keys: Vec<&str> = old.cells.keys().chain(new.cells.keys()).copied().collect();
    keys.sort_by_key(|k| schema.index_of(k).unwrap_or(usize::MAX));
    keys.dedup();
    keys.into_iter()
        .filter(|k| old.cells.get(k) != new.cells.get(k))
        .map(|k| Change {
            key: k.to_string(),
            label: schema
                .cell(k)
                .map(|c| schema.label_zh(c))
                .unwrap_or_else(|| k.to_string()),
            old: show(old.cells.get(k)),
            new: show(new.cells.get(k)),
        })
        .collect()
}

/// The note of a change: old → new.
pub fn change_note(c: &Change) -> Note {
    Note {
        key: c.key.clone(),
        class: "change",
        markup: html! { "原 " (c.old) " → 现 " (c.new) },
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn notes_go_into_their_cell_escaped() {
        let page = "<html><main><table><tr><td class=\"num flag\" data-key=\"s3.a\">10</td><td class=\"num\" data-key=\"s3.b\">1</td></tr></table></main></html>";
        let body = main_of(page);
        assert!(body.starts_with("<table>"));
        let (out, missing) = annotate(
            &body,
            vec![
                Note {
                    key: "s3.a".into(),
                    class: "error",
                    markup: html! { "<b>应为 8</b>" },
                },
                Note {
                    key: "s3.b".into(),
                    class: "change",
                    markup: html! { "原 0 → 现 1" },
                },
                Note {
                    key: "s9.x".into(),
                    class: "warning",
                    markup: html! { "x" },
                },
            ],
        );
        assert!(out.contains("<td id=\"cell-s3.a\" class=\"num flag\" data-key=\"s3.a\">10<span class=\"cellnote error\">&lt;b&gt;应为 8&lt;/b&gt;</span></td>"), "{out}");
        assert!(out.contains("class=\"changed num\" data-key=\"s3.b\">1<span class=\"cellnote change\">原 0 → 现 1</span></td>"), "{out}");
        assert_eq!(missing.len(), 1);
    }
}
