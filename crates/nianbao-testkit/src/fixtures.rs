//! The project's own report fixtures: the figures of a few published reports (taken from the
//! corpus' hand-checked truth files; figures are facts) with prose the project wrote, as
//! interchange JSON in `tests/fixtures/reports/` (and the demo's `demo/` report). Tests make
//! every input form from them at test time ([`crate::forms`]), so every format is tested in any
//! clone, with or without the corpus.

use nianbao_model::{Report, interchange};

use crate::corpus::workspace_root;
use crate::forms::Form;

/// One fixture report.
#[derive(Clone, Copy, Debug)]
pub struct Fixture {
    /// A short name, used in file names and messages.
    pub name: &'static str,
    /// The interchange JSON file, relative to the workspace root.
    pub file: &'static str,
    /// The published report its figures come from (corpus truth file and what it is).
    pub source: &'static str,
    /// The arithmetic errors (rule, first cell) the report prints as published: `check` must
    /// report exactly these.
    pub errors: &'static [(&'static str, &'static str)],
}

/// Every fixture.
pub const FIXTURES: &[Fixture] = &[
    Fixture {
        name: "shangdang-sifaju-2023",
        file: "demo/shangdang-sifaju-2023.json",
        source: "truth/00: 长治市上党区司法局 2023, edition 2021, with the extra （六） subtotal row",
        errors: &[],
    },
    Fixture {
        name: "shanghai-office-2019",
        file: "tests/fixtures/reports/shanghai-office-2019.json",
        source: "truth/11: 上海市人民政府办公厅 2019, edition 2019, procurement in 元",
        errors: &[],
    },
    Fixture {
        name: "pingtan-2021",
        file: "tests/fixtures/reports/pingtan-2021.json",
        source: "truth/06: 平潭综合实验区 2021, edition 2021, fees of six decimal places",
        errors: &[],
    },
    Fixture {
        name: "pingtan-2022",
        file: "tests/fixtures/reports/pingtan-2022.json",
        source: "truth/07: 平潭综合实验区 2022, edition 2021, the year after pingtan-2021",
        errors: &[],
    },
    Fixture {
        name: "huaian-city-2024",
        file: "tests/fixtures/reports/huaian-city-2024.json",
        source: "truth/13: 淮安市人民政府 2024, edition 2021, every cell printed",
        errors: &[],
    },
    Fixture {
        name: "hongze-district-2023",
        file: "tests/fixtures/reports/hongze-district-2023.json",
        source: "truth/14: 淮安市洪泽区人民政府 2023, edition 2021 with the single （六） row; \
                 two wrong 总计 of table 四 as printed",
        errors: &[
            ("R4", "s4.review.total"),
            ("R4", "s4.litigation_after_review.total"),
        ],
    },
];

/// The fixture called `name` (a panic lists the names when there is none).
pub fn fixture(name: &str) -> &'static Fixture {
    FIXTURES.iter().find(|f| f.name == name).unwrap_or_else(|| {
        let names: Vec<&str> = FIXTURES.iter().map(|f| f.name).collect();
        panic!("no fixture {name}; there are {names:?}")
    })
}

impl Fixture {
    /// The interchange JSON text.
    pub fn json(&self) -> String {
        let path = workspace_root().join(self.file);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()))
    }

    /// The report.
    pub fn report(&self) -> Report {
        interchange::from_json(&self.json())
            .unwrap_or_else(|e| panic!("fixture {}: {e}", self.name))
    }
}

/// One document to make and read back: a fixture in one input form, with the cells the
/// importer must read from it (the fixture's own).
#[derive(Clone, Copy, Debug)]
pub struct Case {
    /// The fixture.
    pub fixture: &'static Fixture,
    /// The input form.
    pub form: Form,
}

impl Case {
    /// `fixture.form-name.ext`, the file name the document is made and imported under.
    pub fn file_name(&self) -> String {
        format!(
            "{}.{}.{}",
            self.fixture.name,
            self.form.name(),
            self.form.extension()
        )
    }
}

/// Every (fixture, form) pair of the given forms, fixture by fixture.
pub fn cases(forms: &[Form]) -> Vec<Case> {
    FIXTURES
        .iter()
        .flat_map(|fixture| forms.iter().map(move |&form| Case { fixture, form }))
        .collect()
}
