//! Test data: the project's fixture reports (the demo seed among them), from the test kit.
#![allow(dead_code)]

use nianbao_model::Report;

/// The demo's seed report (长治市上党区司法局 2023, with the extra （六） subtotal row).
pub fn seed() -> Report {
    fixture("shangdang-sifaju-2023")
}

/// The fixture report called `name`.
pub fn fixture(name: &str) -> Report {
    nianbao_testkit::fixture(name).report()
}

/// Every fixture report, by name.
pub fn fixtures() -> Vec<(String, Report)> {
    nianbao_testkit::FIXTURES
        .iter()
        .map(|f| (f.name.to_string(), f.report()))
        .collect()
}

/// The text of the `<td>` with `data-key="key"` in an HTML page.
pub fn td_text<'a>(html: &'a str, key: &str) -> Option<&'a str> {
    let at = html.find(&format!("data-key=\"{key}\""))?;
    let rest = &html[at..];
    let open = rest.find('>')? + 1;
    let close = rest.find("</td>")?;
    Some(&rest[open..close])
}

/// The seed without its printed （六）其他处理 subtotal row: exactly the rows of the 2021 template.
pub fn template_seed() -> Report {
    let mut r = seed();
    r.cells.retain(|k, _| !k.starts_with("s3.other."));
    r
}
