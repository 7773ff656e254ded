//! Interchange JSON: the public file format of one report.
//!
//! ```json
//! {"office": {"code": "140404-sfj", "name": "长治市上党区司法局"}, "year": 2023, "edition": "2021",
//!  "published_date": "2024-01-02", "signature": "长治市上党区司法局",
//!  "sections": {"overview": "…", "problems": "…", "other": "…"},
//!  "cells": {"s3.new_received.natural_person": 0, "s2.fees.amount": "0"},
//!  "cell_notes": {"s2.regulations.repealed": "其中修订 16 件"}}
//! ```
//! Counts are JSON integers, money a decimal string (`"24252.311082"`, or with a unit other
//! than the cell's own: `"251000元"`). `null` or a missing key means the cell was not printed.
//! Unknown keys, wrong types, keys not in the declared edition and duplicate keys are rejected
//! with a message naming the key.

use std::borrow::Cow;
use std::fmt;

use chrono::NaiveDate;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::report::{Office, Report};
use crate::schema::{Edition, ValueKind};

mod write;

use crate::value::{Money, Value};
pub use write::{template, to_json, to_value};

/// Why an interchange file was rejected. `path` names the key (`cells.s3.granted.total`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InterchangeError {
    /// The key path, or `""` for the whole document.
    pub path: String,
    /// What is wrong, in Chinese.
    pub message_zh: String,
    /// What is wrong, in English.
    pub message_en: String,
}

impl fmt::Display for InterchangeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{} / {}", self.message_zh, self.message_en)
        } else {
            write!(
                f,
                "{}: {} / {}",
                self.path, self.message_zh, self.message_en
            )
        }
    }
}

impl std::error::Error for InterchangeError {}

fn err(path: impl Into<String>, zh: impl Into<String>, en: impl Into<String>) -> InterchangeError {
    InterchangeError {
        path: path.into(),
        message_zh: zh.into(),
        message_en: en.into(),
    }
}

/// JSON as parsed, objects kept as ordered pairs so that duplicate keys can be seen.
#[derive(Debug)]
enum Raw<'a> {
    Null,
    Bool,
    Int(i128),
    Float,
    Str(Cow<'a, str>),
    Arr,
    Obj(Vec<(Cow<'a, str>, Raw<'a>)>),
}

impl Raw<'_> {
    fn type_name(&self) -> &'static str {
        match self {
            Raw::Null => "null",
            Raw::Bool => "boolean",
            Raw::Int(_) => "integer",
            Raw::Float => "fractional number",
            Raw::Str(_) => "string",
            Raw::Arr => "array",
            Raw::Obj(_) => "object",
        }
    }
}

impl<'de> Deserialize<'de> for Raw<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Raw<'de>, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Raw<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("JSON")
            }
            fn visit_unit<E>(self) -> Result<Raw<'de>, E> {
                Ok(Raw::Null)
            }
            fn visit_bool<E>(self, _: bool) -> Result<Raw<'de>, E> {
                Ok(Raw::Bool)
            }
            fn visit_i64<E>(self, n: i64) -> Result<Raw<'de>, E> {
                Ok(Raw::Int(n.into()))
            }
            fn visit_u64<E>(self, n: u64) -> Result<Raw<'de>, E> {
                Ok(Raw::Int(n.into()))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Raw<'de>, E> {
                Ok(Raw::Float)
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Raw<'de>, E> {
                Ok(Raw::Str(Cow::Borrowed(s)))
            }
            fn visit_str<E>(self, s: &str) -> Result<Raw<'de>, E> {
                Ok(Raw::Str(Cow::Owned(s.to_string())))
            }
            fn visit_string<E>(self, s: String) -> Result<Raw<'de>, E> {
                Ok(Raw::Str(Cow::Owned(s)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Raw<'de>, A::Error> {
                while seq.next_element::<de::IgnoredAny>()?.is_some() {}
                Ok(Raw::Arr)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Raw<'de>, A::Error> {
                let mut pairs = Vec::new();
                while let Some((Key(k), v)) = map.next_entry::<Key<'de>, Raw<'de>>()? {
                    pairs.push((k, v));
                }
                Ok(Raw::Obj(pairs))
            }
        }
        d.deserialize_any(V)
    }
}

/// An object key, borrowed from the input when it has no escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Key<'de>, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(s)))
            }
            fn visit_str<E>(self, s: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(s.to_string())))
            }
            fn visit_string<E>(self, s: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(s)))
            }
        }
        d.deserialize_str(V)
    }
}

/// The fields of an object, checked for duplicates and unknown keys.
fn fields<'a>(
    raw: &'a Raw<'a>,
    path: &str,
    allowed: Option<&[&str]>,
) -> Result<Vec<(&'a str, &'a Raw<'a>)>, InterchangeError> {
    let out = entries(raw, path, allowed)?;
    let mut sorted: Vec<&str> = out.iter().map(|(k, _)| *k).collect();
    sorted.sort_unstable();
    if let Some(w) = sorted.windows(2).find(|w| w[0] == w[1]) {
        return Err(err(join(path, w[0]), "键重复出现", "duplicate key"));
    }
    Ok(out)
}

/// The fields of an object, checked for unknown keys; the caller checks duplicates.
fn entries<'a>(
    raw: &'a Raw<'a>,
    path: &str,
    allowed: Option<&[&str]>,
) -> Result<Vec<(&'a str, &'a Raw<'a>)>, InterchangeError> {
    let Raw::Obj(pairs) = raw else {
        return Err(err(
            path,
            format!("应为对象，实为 {}", raw.type_name()),
            format!("expected an object, found {}", raw.type_name()),
        ));
    };
    let mut out: Vec<(&'a str, &'a Raw<'a>)> = Vec::with_capacity(pairs.len());
    for (k, v) in pairs {
        let k: &str = k;
        if let Some(allowed) = allowed
            && !allowed.contains(&k)
        {
            return Err(err(
                join(path, k),
                format!("未知的键（允许：{}）", allowed.join(", ")),
                format!("unknown key (allowed: {})", allowed.join(", ")),
            ));
        }
        out.push((k, v));
    }
    Ok(out)
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn string(raw: &Raw<'_>, path: &str) -> Result<String, InterchangeError> {
    match raw {
        Raw::Str(s) => Ok(s.to_string()),
        other => Err(err(
            path,
            format!("应为字符串，实为 {}", other.type_name()),
            format!("expected a string, found {}", other.type_name()),
        )),
    }
}

fn opt_string(raw: &Raw<'_>, path: &str) -> Result<Option<String>, InterchangeError> {
    match raw {
        Raw::Null => Ok(None),
        other => string(other, path).map(Some),
    }
}

const TOP: &[&str] = &[
    "office",
    "year",
    "edition",
    "published_date",
    "signature",
    "sections",
    "cells",
    "cell_notes",
    "provenance",
];

/// Reads one report from interchange JSON.
pub fn from_json(text: &str) -> Result<Report, InterchangeError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let raw: Raw<'_> = serde_json::from_str(text).map_err(|e| {
        err(
            "",
            format!(
                "不是有效的 JSON（第 {} 行第 {} 列）：{e}",
                e.line(),
                e.column()
            ),
            format!(
                "not valid JSON at line {} column {}: {e}",
                e.line(),
                e.column()
            ),
        )
    })?;
    let top = fields(&raw, "", Some(TOP))?;
    let get = |k: &str| top.iter().find(|(key, _)| *key == k).map(|(_, v)| *v);
    let need =
        |k: &'static str| get(k).ok_or_else(|| err(k, "缺少必填的键", "missing required key"));

    let mut office = Office::default();
    for (k, v) in fields(need("office")?, "office", Some(&["code", "name"]))? {
        let value = string(v, &join("office", k))?;
        if k == "code" {
            office.code = value
        } else {
            office.name = value
        }
    }
    if office.code.trim().is_empty() {
        return Err(err(
            "office.code",
            "机关代码不能为空",
            "office code must not be empty",
        ));
    }
    let year = match need("year")? {
        Raw::Int(n) if (1990..=2100).contains(n) => *n as i32,
        Raw::Int(n) => {
            return Err(err(
                "year",
                format!("年度 {n} 超出范围 1990–2100"),
                format!("year {n} is outside 1990-2100"),
            ));
        }
        other => {
            return Err(err(
                "year",
                format!("应为整数年份，实为 {}", other.type_name()),
                format!("expected an integer year, found {}", other.type_name()),
            ));
        }
    };
    let edition_text = match need("edition")? {
        Raw::Int(n) => n.to_string(),
        other => string(other, "edition")?,
    };
    let edition = Edition::parse(&edition_text).ok_or_else(|| {
        err(
            "edition",
            format!("未知的版本“{edition_text}”（应为 2019 或 2021）"),
            format!("unknown edition \"{edition_text}\" (expected 2019 or 2021)"),
        )
    })?;
    let mut report = Report::new(office, year, edition);
    // Where an importer read each cell (`nianbao import`): information for a reader, not part
    // of the report; an object, else ignored.
    if let Some(p) = get("provenance")
        && !matches!(p, Raw::Obj(_) | Raw::Null)
    {
        return Err(err(
            "provenance",
            format!("应为对象，实为 {}", p.type_name()),
            format!("expected an object, found {}", p.type_name()),
        ));
    }

    if let Some(d) = get("published_date")
        .map(|v| opt_string(v, "published_date"))
        .transpose()?
        .flatten()
    {
        report.published_date = Some(NaiveDate::parse_from_str(&d, "%Y-%m-%d").map_err(|_| {
            err(
                "published_date",
                format!("日期“{d}”应写作 YYYY-MM-DD"),
                format!("date \"{d}\" must be written YYYY-MM-DD"),
            )
        })?);
    }
    report.signature = get("signature")
        .map(|v| opt_string(v, "signature"))
        .transpose()?
        .flatten();
    if let Some(sections) = get("sections") {
        for (k, v) in fields(sections, "sections", None)? {
            if let Some(text) = opt_string(v, &join("sections", k))? {
                report.sections.insert(k.to_string(), text);
            }
        }
    }
    let schema = edition.schema();
    if let Some(cells) = get("cells") {
        // Duplicates are seen as the cells go in (one pass instead of a sort of every key).
        let mut nulls: Vec<&str> = Vec::new();
        for (k, v) in entries(cells, "cells", None)? {
            let path = || join("cells", k);
            let duplicate = || err(path(), "键重复出现", "duplicate key");
            let def = schema.cell(k).ok_or_else(|| {
                err(
                    path(),
                    format!("{edition} 版格式中没有这个单元格"),
                    format!("no such cell in the {edition} edition"),
                )
            })?;
            let value = match (def.kind, v) {
                (_, Raw::Null) => {
                    if nulls.contains(&def.key) || report.cells.contains_key(def.key) {
                        return Err(duplicate());
                    }
                    nulls.push(def.key);
                    continue;
                }
                (ValueKind::Count | ValueKind::SignedCount, Raw::Int(n)) => Value::Count(
                    i64::try_from(*n).map_err(|_| err(path(), "数值过大", "number too large"))?,
                ),
                (ValueKind::Count | ValueKind::SignedCount, other) => {
                    return Err(err(
                        path(),
                        format!("件数应为整数，实为 {}", other.type_name()),
                        format!("a count must be an integer, found {}", other.type_name()),
                    ));
                }
                (ValueKind::Money(unit), Raw::Str(s)) => {
                    Value::Money(Money::parse(s, unit).map_err(|e| err(path(), "金额无效", e))?)
                }
                (ValueKind::Money(unit), Raw::Int(n)) => Value::Money(Money {
                    amount: (*n as i64).into(),
                    unit,
                }),
                (ValueKind::Money(_), other) => {
                    return Err(err(
                        path(),
                        format!("金额应写作小数字符串，实为 {}", other.type_name()),
                        format!(
                            "money must be a decimal string, found {}",
                            other.type_name()
                        ),
                    ));
                }
            };
            if report.cells.insert(def.key, value).is_some() || nulls.contains(&def.key) {
                return Err(duplicate());
            }
        }
    }
    if let Some(notes) = get("cell_notes") {
        for (k, v) in fields(notes, "cell_notes", None)? {
            let path = join("cell_notes", k);
            let def = schema.cell(k).ok_or_else(|| {
                err(
                    &path,
                    format!("{edition} 版格式中没有这个单元格"),
                    format!("no such cell in the {edition} edition"),
                )
            })?;
            if let Some(note) = opt_string(v, &path)? {
                report.cell_notes.insert(def.key, note);
            }
        }
    }
    Ok(report)
}
