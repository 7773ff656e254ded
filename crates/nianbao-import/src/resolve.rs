//! The rules as a check on OCR: a reading is kept only where nothing casts doubt on it.
//!
//! - A cell read from a word the OCR was unsure of is set aside, then filled only when the
//!   equations of R1–R4 that hold it, all other cells known, give it one value that satisfies
//!   them all.
//! - Where a rule is broken among readings not in doubt, each cell of the broken equation is
//!   tried in turn with the value the other equations give it; when exactly one such change
//!   is one digit misread, dropped or added and makes every equation it is in hold, it is
//!   taken; else the readings are kept as read, with a diagnostic on each cell (a printed
//!   report may itself break a rule, and a sure reading is what was printed).
//!
//! Only equations whose cells are all known are used, to decide or to find a rule broken: the
//! rules count an absent cell as 0, and an OCR reading left absent is not a 0.
//!
//! Every cell so filled or left absent gets a diagnostic naming the cell and its page.

use std::collections::BTreeMap;

use nianbao_model::{Report, Severity, Value, rules};

use crate::tables::label_of;
use crate::{Diagnostic, How, Imported, Provenance};

/// The equations R1–R4 (errors) broken in a report, by fingerprint: (the cells, the residual).
fn broken(report: &Report) -> BTreeMap<String, (Vec<String>, Option<i64>)> {
    rules::check_report(report)
        .into_iter()
        .filter(|f| {
            f.severity == Severity::Error && matches!(f.rule.as_str(), "R1" | "R2" | "R3" | "R4")
        })
        .map(|f| {
            let residual = match (&f.expected, &f.actual) {
                (Some(e), Some(a)) => e
                    .parse::<i64>()
                    .ok()
                    .zip(a.parse::<i64>().ok())
                    .map(|(e, a)| e - a),
                _ => None,
            };
            (f.fingerprint(), (f.cells, residual))
        })
        .collect()
}

/// Whether every cell of an equation but `except` is known (the rules count an absent cell
/// as 0, which says nothing about an OCR reading).
fn complete(report: &Report, cells: &[String], except: &str) -> bool {
    cells
        .iter()
        .all(|c| c == except || report.cells.contains_key(c.as_str()))
}

/// The value the equations holding `key` give it, the other cells as they are: one value
/// every such equation whose other cells are all known agrees on, non-negative, under which
/// they all hold; none when no such equation holds `key`.
fn solve(report: &mut Report, key: &'static str) -> Option<i64> {
    let saved = report.cells.remove(key);
    let mut at = |v: i64| {
        report.cells.insert(key, Value::Count(v));
        let found = broken(report);
        found
            .into_iter()
            .filter(|(_, (cells, _))| {
                cells.iter().any(|c| c == key) && complete(report, cells, key)
            })
            .map(|(f, (_, r))| (f, r))
            .collect::<BTreeMap<String, Option<i64>>>()
    };
    let (r0, r1) = (at(0), at(1));
    let mut value = None;
    let mut consistent = true;
    for fp in r0.keys().chain(r1.keys()) {
        let (a, b) = (
            r0.get(fp).copied().unwrap_or(Some(0)),
            r1.get(fp).copied().unwrap_or(Some(0)),
        );
        let (Some(a), Some(b)) = (a, b) else {
            consistent = false;
            break;
        };
        let k = b - a;
        if k == 0 || a % k != 0 {
            consistent = false;
            break;
        }
        let v = -a / k;
        if value.is_some_and(|x| x != v) {
            consistent = false;
            break;
        }
        value = Some(v);
    }
    let found = value.filter(|&v| consistent && v >= 0 && at(v).is_empty());
    match saved {
        Some(s) => report.cells.insert(key, s),
        None => report.cells.remove(key),
    };
    found
}

/// Whether `b` is `a` with one digit misread, dropped or added (in decimal).
fn one_misread(a: i64, b: i64) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (
        a.to_string().chars().collect(),
        b.to_string().chars().collect(),
    );
    let (short, long) = if a.len() <= b.len() {
        (&a, &b)
    } else {
        (&b, &a)
    };
    match long.len() - short.len() {
        0 => a.iter().zip(&b).filter(|(x, y)| x != y).count() <= 1,
        1 => (0..long.len()).any(|i| long[..i] == short[..i] && long[i + 1..] == short[i..]),
        _ => false,
    }
}

fn page_of(imp: &Imported, key: &str) -> String {
    imp.provenance
        .get(key)
        .and_then(|p| p.origin)
        .map_or_else(|| "?".to_string(), |o| o.page.to_string())
}

fn note(imp: &mut Imported, code: &'static str, key: &'static str, zh: String, en: String) {
    let page = page_of(imp, key);
    let label = label_of(imp.report.schema(), key);
    imp.diagnostics.push(Diagnostic {
        code,
        cell: Some(key),
        message_zh: format!("第 {page} 页 {label}：{zh}"),
        message_en: format!("page {page}, {key}: {en}"),
    });
}

fn fill(imp: &mut Imported, key: &'static str, v: i64) {
    imp.report.cells.insert(key, Value::Count(v));
    let origin = imp.provenance.get(key).and_then(|p| p.origin);
    let printed = imp
        .provenance
        .get(key)
        .map(|p| p.printed.clone())
        .unwrap_or_default();
    imp.provenance.insert(
        key,
        Provenance {
            how: How::ResolvedByRules,
            printed,
            origin,
        },
    );
}

/// Checks and resolves the cells of a report read by OCR.
pub fn by_rules(imp: &mut Imported, doubted: &[&'static str]) {
    let mut unsure: Vec<&'static str> = doubted.to_vec();
    unsure.sort_unstable();
    unsure.dedup();
    for k in &unsure {
        imp.report.cells.remove(k);
    }
    // Broken equations among the readings not in doubt.
    let mut seen: Vec<String> = Vec::new();
    for _ in 0..40 {
        let Some((fp, (cells, _))) = broken(&imp.report)
            .into_iter()
            .find(|(fp, (cells, _))| !seen.contains(fp) && complete(&imp.report, cells, ""))
        else {
            break;
        };
        seen.push(fp);
        let keys: Vec<&'static str> = cells
            .iter()
            .filter_map(|c| imp.report.cells.get_key_value(c.as_str()).map(|(k, _)| *k))
            .collect();
        let mut fixes: Vec<(&'static str, i64)> = Vec::new();
        for &k in &keys {
            if let Some(v) = solve(&mut imp.report, k)
                && let Some(read) = imp.report.count(k)
                && read != v
                && one_misread(read, v)
            {
                fixes.push((k, v));
            }
        }
        if let [(k, v)] = fixes[..] {
            let read = imp.report.count(k).unwrap_or_default();
            fill(imp, k, v);
            note(
                imp,
                "ocr_resolved",
                k,
                format!(
                    "OCR 读作 {read}，与规则不符；唯一满足全部规则、且只差一位数字的读法为 {v}"
                ),
                format!(
                    "OCR read {read}, which breaks a rule; {v}, one digit away, is the one reading under which every rule holds"
                ),
            );
        } else {
            for k in keys {
                note(
                    imp,
                    "ocr_rule_broken_as_printed",
                    k,
                    "OCR 读数可信，但不满足规则，且改动其中一位数字无法唯一地使规则成立：按读数保留（印出的报告本身可能不符合规则）".into(),
                    "the OCR readings are sure but break a rule, and no single one-digit change makes it hold; kept as read (the printed report may itself break the rule)".into(),
                );
            }
        }
    }
    // Readings in doubt: the value the rules give, when they give one.
    let mut progress = true;
    while progress {
        progress = false;
        for &k in &unsure {
            if imp.report.cells.contains_key(k) {
                continue;
            }
            if let Some(v) = solve(&mut imp.report, k) {
                fill(imp, k, v);
                note(
                    imp,
                    "ocr_resolved",
                    k,
                    format!("OCR 识别不确定，按规则唯一确定为 {v}"),
                    format!("the OCR reading was uncertain; the rules give exactly one value, {v}"),
                );
                progress = true;
            }
        }
    }
    for &k in &unsure {
        if !imp.report.cells.contains_key(k) {
            // The note first: it names the page the reading came from.
            note(
                imp,
                "ocr_unsure",
                k,
                "OCR 识别不确定，规则也无法唯一确定，留空".into(),
                "the OCR reading was uncertain and the rules do not decide it; left absent".into(),
            );
            imp.provenance.remove(k);
        }
    }
    let present: Vec<&'static str> = imp.provenance.keys().copied().collect();
    for k in present {
        if !imp.report.cells.contains_key(k) {
            imp.provenance.remove(k);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::one_misread;

    #[test]
    fn one_digit_misread_dropped_or_added() {
        assert!(one_misread(6, 0) && one_misread(956, 950) && one_misread(12, 102));
        assert!(one_misread(75, 7) && one_misread(3, 3));
        assert!(!one_misread(0, 11) && !one_misread(69, 96) && !one_misread(1, 100));
    }
}
