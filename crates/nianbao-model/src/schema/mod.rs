//! The tables of each edition of the national format, defined once, as data.
//!
//! Every cell has a stable key from the cell key dictionary (`s3.deny_state_secret.natural_person`).
//! Rendering, import, exports, rules and aggregation iterate a [`Schema`]; nothing else names rows.

mod data;
mod headings;

pub use headings::{HEADINGS, Heading, Part};

use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

/// An edition of the national format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Edition {
    /// 《中华人民共和国政府信息公开工作年度报告格式（试行）》, 国办公开办函〔2019〕60号.
    E2019,
    /// 《中华人民共和国政府信息公开工作年度报告格式》, 国办公开办函〔2021〕30号.
    E2021,
}

impl Edition {
    /// Every edition, oldest first.
    pub const ALL: [Edition; 2] = [Edition::E2019, Edition::E2021];

    /// The edition as written in interchange JSON: `"2019"` or `"2021"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Edition::E2019 => "2019",
            Edition::E2021 => "2021",
        }
    }

    /// Parses `"2019"` or `"2021"`.
    pub fn parse(s: &str) -> Option<Edition> {
        match s.trim() {
            "2019" => Some(Edition::E2019),
            "2021" => Some(Edition::E2021),
            _ => None,
        }
    }

    /// The schema of this edition.
    pub fn schema(self) -> &'static Schema {
        Schema::for_edition(self)
    }
}

impl fmt::Display for Edition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The three tables of a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TableId {
    /// 二、主动公开政府信息情况.
    S2,
    /// 三、收到和处理政府信息公开申请情况.
    S3,
    /// 四、政府信息公开行政复议、行政诉讼情况.
    S4,
}

impl TableId {
    /// Every table in report order.
    pub const ALL: [TableId; 3] = [TableId::S2, TableId::S3, TableId::S4];

    /// The key prefix of this table's cells (`s2`, `s3`, `s4`).
    pub fn prefix(self) -> &'static str {
        match self {
            TableId::S2 => "s2",
            TableId::S3 => "s3",
            TableId::S4 => "s4",
        }
    }

    /// The name used in messages (`表二`).
    pub fn name_zh(self) -> &'static str {
        match self {
            TableId::S2 => "表二",
            TableId::S3 => "表三",
            TableId::S4 => "表四",
        }
    }

    /// The name used in English messages.
    pub fn name_en(self) -> &'static str {
        match self {
            TableId::S2 => "table 2",
            TableId::S3 => "table 3",
            TableId::S4 => "table 4",
        }
    }
}

/// What a cell holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueKind {
    /// A non-negative integer count.
    Count,
    /// An integer that may be negative (the 2019 `本年增/减` columns).
    SignedCount,
    /// An exact decimal amount of money, in the given default unit.
    Money(crate::value::MoneyUnit),
}

/// What a row of table 三 means to the rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowRole {
    /// A plain row (tables 二 and 四).
    Plain,
    /// 一、本年新收 and 二、上年结转: the left side of R1.
    Input,
    /// A row of 三、本年度办理结果 that counts towards （七）总计.
    Result,
    /// A printed subtotal of the named group; checked against its sub-rows, never summed twice.
    Subtotal(&'static str),
    /// （七）总计.
    Total,
    /// 四、结转下年度继续办理.
    CarriedOut,
}

/// One row of a block.
#[derive(Clone, Debug)]
pub struct RowDef {
    /// The row part of the cell key (`deny_state_secret`).
    pub key: &'static str,
    /// The official label as printed in the template (`1.属于国家秘密`).
    pub label: &'static str,
    /// The group the row sits in, as printed (`（三）不予公开`), if any.
    pub group: Option<&'static str>,
    /// What the row means to the rules.
    pub role: RowRole,
    /// The row may be absent from a complete report of this edition.
    pub optional: bool,
    /// Other labels seen in real reports for this row (typos, older wording).
    pub aliases: &'static [&'static str],
}

/// One column of a block.
#[derive(Clone, Debug)]
pub struct ColDef {
    /// The column part of the cell key (`natural_person`).
    pub key: &'static str,
    /// The official header as printed (`自然人`).
    pub label: &'static str,
    /// A merged header above this column (`法人或其他组织`), if any.
    pub parent: Option<&'static str>,
    /// What the cells of this column hold.
    pub kind: ValueKind,
    /// This column is the sum of the others in its row (`总计`).
    pub is_total: bool,
}

/// A block: a small table with its own header (table 二 has four or five of them).
#[derive(Clone, Debug)]
pub struct Block {
    /// The block caption (`第二十条第（一）项`), if any.
    pub caption: Option<&'static str>,
    /// The header over the label column (`信息内容`).
    pub label_header: &'static str,
    /// The rows of the block.
    pub rows: Vec<RowDef>,
    /// The data columns of the block.
    pub cols: Vec<ColDef>,
}

/// One table of a report.
#[derive(Clone, Debug)]
pub struct Table {
    /// Which table.
    pub id: TableId,
    /// The section heading as printed (`三、收到和处理政府信息公开申请情况`).
    pub heading: &'static str,
    /// Its blocks, in print order.
    pub blocks: Vec<Block>,
}

/// The definition of one cell.
#[derive(Clone, Debug)]
pub struct CellDef {
    /// The stable key (`s3.deny_state_secret.natural_person`).
    pub key: &'static str,
    /// The table the cell is in.
    pub table: TableId,
    /// Index of the block in its table.
    pub block: usize,
    /// Index of the row in its block.
    pub row: usize,
    /// Index of the column in its block.
    pub col: usize,
    /// The row key.
    pub row_key: &'static str,
    /// The column key.
    pub col_key: &'static str,
    /// What the cell holds.
    pub kind: ValueKind,
    /// The row may be absent from a complete report.
    pub optional: bool,
}

/// The whole table schema of one edition.
#[derive(Debug)]
pub struct Schema {
    /// The edition.
    pub edition: Edition,
    /// Tables 二, 三, 四.
    pub tables: Vec<Table>,
    cells: Vec<CellDef>,
    index: HashMap<&'static str, usize>,
    /// (key, cell index) sorted by key: the order of a report's cell map.
    sorted: Vec<(&'static str, usize)>,
}

impl Schema {
    /// The schema of an edition (built once).
    pub fn for_edition(edition: Edition) -> &'static Schema {
        static E2019: OnceLock<Schema> = OnceLock::new();
        static E2021: OnceLock<Schema> = OnceLock::new();
        match edition {
            Edition::E2019 => E2019.get_or_init(|| Schema::build(edition, data::tables(edition))),
            Edition::E2021 => E2021.get_or_init(|| Schema::build(edition, data::tables(edition))),
        }
    }

    fn build(edition: Edition, tables: Vec<Table>) -> Schema {
        let mut cells = Vec::new();
        for table in &tables {
            for (b, block) in table.blocks.iter().enumerate() {
                for (r, row) in block.rows.iter().enumerate() {
                    for (c, col) in block.cols.iter().enumerate() {
                        cells.push(CellDef {
                            key: intern(&format!("{}.{}.{}", table.id.prefix(), row.key, col.key)),
                            table: table.id,
                            block: b,
                            row: r,
                            col: c,
                            row_key: row.key,
                            col_key: col.key,
                            kind: col.kind,
                            optional: row.optional,
                        });
                    }
                }
            }
        }
        let index = cells.iter().enumerate().map(|(i, c)| (c.key, i)).collect();
        let mut sorted: Vec<_> = cells.iter().enumerate().map(|(i, c)| (c.key, i)).collect();
        sorted.sort_unstable();
        Schema {
            edition,
            tables,
            cells,
            index,
            sorted,
        }
    }

    /// Every cell of the edition, in print order.
    pub fn cells(&self) -> &[CellDef] {
        &self.cells
    }

    /// The index of a cell in [`Schema::cells`].
    pub fn index_of(&self, key: &str) -> Option<usize> {
        self.index.get(key).copied()
    }

    /// The values of a report's cell map laid out by cell index (one pass, no lookups).
    pub fn dense<V: Copy>(
        &self,
        cells: &std::collections::BTreeMap<&'static str, V>,
    ) -> Vec<Option<V>> {
        let mut out = vec![None; self.cells.len()];
        let mut it = self.sorted.iter().peekable();
        for (key, value) in cells {
            while let Some((k, i)) = it.peek() {
                match (*k).cmp(key) {
                    std::cmp::Ordering::Less => {
                        it.next();
                    }
                    std::cmp::Ordering::Equal => {
                        out[*i] = Some(*value);
                        it.next();
                        break;
                    }
                    std::cmp::Ordering::Greater => break,
                }
            }
        }
        out
    }

    /// The definition of a cell by key, if the key exists in this edition.
    pub fn cell(&self, key: &str) -> Option<&CellDef> {
        self.index.get(key).map(|&i| &self.cells[i])
    }

    /// A table by id.
    pub fn table(&self, id: TableId) -> &Table {
        // Every schema is built with the three tables in order.
        &self.tables[id as usize]
    }

    /// The row definition of a cell.
    pub fn row_of(&self, cell: &CellDef) -> &RowDef {
        &self.table(cell.table).blocks[cell.block].rows[cell.row]
    }

    /// The column definition of a cell.
    pub fn col_of(&self, cell: &CellDef) -> &ColDef {
        &self.table(cell.table).blocks[cell.block].cols[cell.col]
    }

    /// The key of the cell at (table, row key, column key), if it exists.
    pub fn key(&self, table: TableId, row: &str, col: &str) -> Option<&'static str> {
        let t = self.tables.iter().position(|t| t.id == table)?;
        let mut offset = self.cells.iter().position(|c| c.table == table)?;
        for block in &self.tables[t].blocks {
            if let (Some(r), Some(c)) = (
                block.rows.iter().position(|r| r.key == row),
                block.cols.iter().position(|c| c.key == col),
            ) {
                return self
                    .cells
                    .get(offset + r * block.cols.len() + c)
                    .map(|d| d.key);
            }
            offset += block.rows.len() * block.cols.len();
        }
        None
    }

    /// A person's name for a cell, in Chinese: `表三（七）总计/自然人`.
    pub fn label_zh(&self, cell: &CellDef) -> String {
        let row = self.row_of(cell);
        let col = self.col_of(cell);
        let group = row.group.map(group_number).unwrap_or_default();
        let col_label = match col.parent {
            Some(p) if cell.table == TableId::S4 => format!("{p}{}", col.label),
            _ => col.label.to_string(),
        };
        format!(
            "{}{}{}/{}",
            cell.table.name_zh(),
            group,
            row.label,
            col_label
        )
    }

    /// The rows of table 三 with a role, in print order.
    pub fn s3_rows(&self, role: fn(&RowRole) -> bool) -> impl Iterator<Item = &RowDef> {
        self.table(TableId::S3).blocks[0]
            .rows
            .iter()
            .filter(move |r| role(&r.role))
    }

    /// The columns of table 三.
    pub fn s3_cols(&self) -> &[ColDef] {
        &self.table(TableId::S3).blocks[0].cols
    }

    /// The headline cells, in order: what a summary or a comparison shows when no cells are
    /// asked for (the totals of table 三's main rows and of table 四's groups).
    pub fn headline(&self) -> impl Iterator<Item = &CellDef> {
        data::HEADLINE.iter().filter_map(|k| self.cell(k))
    }

    /// The six numbered headings of a report, in print order (the same in every edition).
    pub fn headings(&self) -> &'static [Heading; 6] {
        &HEADINGS
    }
}

/// The numbering prefix of a group label: `（三）不予公开` gives `（三）`.
fn group_number(group: &str) -> &str {
    match group.find('）') {
        Some(i) => &group[..i + '）'.len_utf8()],
        None => group,
    }
}

/// Cell keys are made once per edition and live for the whole process.
fn intern(s: &str) -> &'static str {
    static POOL: OnceLock<std::sync::Mutex<HashMap<String, &'static str>>> = OnceLock::new();
    let pool = POOL.get_or_init(Default::default);
    let mut pool = match pool.lock() {
        Ok(p) => p,
        Err(poisoned) => poisoned.into_inner(),
    };
    if let Some(k) = pool.get(s) {
        return k;
    }
    let leaked: &'static str = Box::leak(s.to_string().into_boxed_str());
    pool.insert(s.to_string(), leaked);
    leaked
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_counts_match_the_dictionary() {
        let n = |e: Edition| e.schema().cells().iter().filter(|c| !c.optional).count();
        // FORMAT.md: 2021 = 10 + 175 + 15 = 200; 2019 = 22 + 161 + 15 = 198.
        assert_eq!(n(Edition::E2021), 200);
        assert_eq!(n(Edition::E2019), 198);
    }

    #[test]
    fn keys_and_labels() {
        let s = Edition::E2021.schema();
        let c = s.cell("s3.total_processed.natural_person").expect("key");
        assert_eq!(s.label_zh(c), "表三（七）总计/自然人");
        let c = s.cell("s3.deny_state_secret.total").expect("key");
        assert_eq!(s.label_zh(c), "表三（三）1.属于国家秘密/总计");
        assert!(s.cell("s2.regulations.made").is_none());
        assert!(
            Edition::E2019
                .schema()
                .cell("s2.regulations.made")
                .is_some()
        );
        assert!(s.cell("s3.other.total").is_some_and(|c| c.optional));
    }

    #[test]
    fn every_headline_cell_exists_in_every_edition() {
        for e in Edition::ALL {
            let keys: Vec<&str> = e.schema().headline().map(|c| c.key).collect();
            assert_eq!(keys, data::HEADLINE, "{e}");
        }
    }
}
