//! Writing interchange JSON: as a value, and as text by serializing the report directly (the
//! same bytes as the value pretty-printed, without building the value first).

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value as Json, json};

use crate::report::Report;
use crate::schema::{Edition, ValueKind};
use crate::value::Value;

/// The interchange JSON of a report as a value (cells in print order).
pub fn to_value(report: &Report) -> Json {
    let schema = report.schema();
    let mut cells = Map::new();
    for def in schema.cells() {
        if let Some(v) = report.cells.get(def.key) {
            cells.insert(def.key.to_string(), cell_json(def.kind, v));
        }
    }
    let mut out = Map::new();
    out.insert(
        "office".into(),
        json!({"code": report.office.code, "name": report.office.name}),
    );
    out.insert("year".into(), json!(report.year));
    out.insert("edition".into(), json!(report.edition.as_str()));
    out.insert(
        "published_date".into(),
        json!(
            report
                .published_date
                .map(|d| d.format("%Y-%m-%d").to_string())
        ),
    );
    if let Some(sig) = &report.signature {
        out.insert("signature".into(), json!(sig));
    }
    out.insert("sections".into(), json!(report.sections));
    out.insert("cells".into(), Json::Object(cells));
    if !report.cell_notes.is_empty() {
        out.insert("cell_notes".into(), json!(report.cell_notes));
    }
    Json::Object(out)
}

fn cell_json(kind: ValueKind, v: &Value) -> Json {
    match (kind, v) {
        (_, Value::Count(n)) => json!(n),
        (ValueKind::Money(unit), Value::Money(m)) => json!(m.to_interchange(unit)),
        (_, Value::Money(m)) => json!(m.amount.to_string()),
    }
}

/// The interchange JSON of a report, pretty-printed: the bytes of [`to_value`] pretty-printed.
pub fn to_json(report: &Report) -> String {
    serde_json::to_string_pretty(&Direct(report)).unwrap_or_default()
}

/// A report serialized as interchange JSON, field for field as [`to_value`] builds it.
struct Direct<'a>(&'a Report);

/// The printed cells of a report in print order.
struct Cells<'a>(&'a Report);

/// An office's code and name.
struct OfficeJson<'a>(&'a Report);

impl Serialize for Direct<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let r = self.0;
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("office", &OfficeJson(r))?;
        map.serialize_entry("year", &r.year)?;
        map.serialize_entry("edition", r.edition.as_str())?;
        map.serialize_entry(
            "published_date",
            &r.published_date.map(|d| d.format("%Y-%m-%d").to_string()),
        )?;
        if let Some(sig) = &r.signature {
            map.serialize_entry("signature", sig)?;
        }
        map.serialize_entry("sections", &r.sections)?;
        map.serialize_entry("cells", &Cells(r))?;
        if !r.cell_notes.is_empty() {
            map.serialize_entry("cell_notes", &r.cell_notes)?;
        }
        map.end()
    }
}

impl Serialize for OfficeJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(2))?;
        map.serialize_entry("code", &self.0.office.code)?;
        map.serialize_entry("name", &self.0.office.name)?;
        map.end()
    }
}

impl Serialize for Cells<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let r = self.0;
        let mut map = s.serialize_map(Some(r.cells.len()))?;
        for def in r.schema().cells() {
            match (def.kind, r.cells.get(def.key)) {
                (_, None) => {}
                (_, Some(Value::Count(n))) => map.serialize_entry(def.key, n)?,
                (ValueKind::Money(unit), Some(Value::Money(m))) => {
                    map.serialize_entry(def.key, &m.to_interchange(unit))?
                }
                (_, Some(Value::Money(m))) => {
                    map.serialize_entry(def.key, &m.amount.to_string())?
                }
            }
        }
        map.end()
    }
}

/// A blank interchange file of an edition: every key, every value `null`.
pub fn template(edition: Edition) -> String {
    let mut cells = Map::new();
    for def in edition.schema().cells() {
        cells.insert(def.key.to_string(), Json::Null);
    }
    let doc = json!({
        "office": {"code": "", "name": ""},
        "year": null,
        "edition": edition.as_str(),
        "published_date": null,
        "sections": {"overview": "", "problems": "", "other": ""},
        "cells": Json::Object(cells),
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}
