//! The XLSX export: a sheet per table (表二, 表三, 表四), Chinese headers from the schema labels,
//! numbers as numbers, and the roll-up as a last row `合计`.

use nianbao_model::schema::{TableId, ValueKind};
use nianbao_model::{Edition, Report, Value};
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use super::{ExportError, ExportRow, OFFICE_COLUMNS_ZH};

impl From<XlsxError> for ExportError {
    fn from(e: XlsxError) -> Self {
        ExportError(e.to_string())
    }
}

/// A workbook being filled row by row.
pub struct XlsxExport {
    edition: Edition,
    sheets: Vec<(TableId, Worksheet)>,
    next_row: u32,
    out: Vec<u8>,
}

impl XlsxExport {
    /// A workbook with a header row on each table's sheet.
    pub fn new(edition: Edition) -> XlsxExport {
        XlsxExport {
            edition,
            sheets: Vec::new(),
            next_row: 1,
            out: Vec::new(),
        }
    }

    fn ensure_sheets(&mut self) -> Result<(), ExportError> {
        if !self.sheets.is_empty() {
            return Ok(());
        }
        let schema = self.edition.schema();
        let bold = Format::new().set_bold();
        for table in TableId::ALL {
            let mut ws = Worksheet::new();
            ws.set_name(table.name_zh())?;
            for (c, h) in OFFICE_COLUMNS_ZH.iter().enumerate() {
                ws.write_string_with_format(0, col(c)?, *h, &bold)?;
            }
            for (i, def) in schema
                .cells()
                .iter()
                .filter(|d| d.table == table)
                .enumerate()
            {
                let label = schema.label_zh(def);
                let label = label.strip_prefix(table.name_zh()).unwrap_or(&label);
                ws.write_string_with_format(0, col(OFFICE_COLUMNS_ZH.len() + i)?, label, &bold)?;
            }
            ws.set_freeze_panes(1, 2)?;
            self.sheets.push((table, ws));
        }
        Ok(())
    }

    fn write_cells(
        &mut self,
        row: u32,
        fixed: [&str; 4],
        revision: Option<i64>,
        report: Option<&Report>,
    ) -> Result<(), ExportError> {
        self.ensure_sheets()?;
        let schema = self.edition.schema();
        for (table, ws) in &mut self.sheets {
            for (c, text) in fixed.iter().enumerate() {
                ws.write_string(row, col(c)?, *text)?;
            }
            if let Some(rev) = revision {
                ws.write_number(row, col(4)?, rev as f64)?;
            }
            let Some(report) = report else { continue };
            for (i, def) in schema
                .cells()
                .iter()
                .filter(|d| d.table == *table)
                .enumerate()
            {
                let number = match (report.cells.get(def.key), def.kind) {
                    (Some(Value::Money(m)), ValueKind::Money(unit)) => {
                        m.in_unit(unit).amount.to_f64()
                    }
                    (Some(Value::Count(n)), _) => Some(*n as f64),
                    _ => None,
                };
                if let Some(x) = number {
                    ws.write_number(row, col(OFFICE_COLUMNS_ZH.len() + i)?, x)?;
                }
            }
        }
        Ok(())
    }

    /// Adds one office's row on every sheet.
    pub fn row(&mut self, row: &ExportRow<'_>) -> Result<(), ExportError> {
        let r = self.next_row;
        self.next_row += 1;
        self.write_cells(
            r,
            [
                row.office_code,
                row.office_name,
                row.parent_code,
                row.status,
            ],
            Some(row.revision),
            row.report,
        )
    }

    /// Adds the roll-up row (when given) and writes the workbook.
    pub fn finish(&mut self, total: Option<&Report>) -> Result<(), ExportError> {
        self.ensure_sheets()?;
        if let Some(t) = total {
            let r = self.next_row;
            self.next_row += 1;
            self.write_cells(
                r,
                [t.office.code.as_str(), "合计", "", "aggregate"],
                None,
                Some(t),
            )?;
        }
        let mut workbook = Workbook::new();
        for (_, ws) in self.sheets.drain(..) {
            workbook.push_worksheet(ws);
        }
        self.out = workbook.save_to_buffer()?;
        Ok(())
    }

    /// The size of the finished workbook not yet taken (0 before `finish`).
    pub fn pending(&self) -> usize {
        self.out.len()
    }

    /// The workbook bytes once finished (empty before).
    pub fn take_output(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.out)
    }
}

fn col(i: usize) -> Result<u16, ExportError> {
    u16::try_from(i).map_err(|_| ExportError(format!("column {i} out of range / 列超出范围")))
}
