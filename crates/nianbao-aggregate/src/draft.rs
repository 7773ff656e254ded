//! A first draft of the city's own report from its roll-up: 一、总体情况 (主动公开, 依申请公开 with
//! the change against last year, 行政复议/诉讼, the largest reasons for 不予公开 and 无法提供, the
//! offices' timeliness), the completeness paragraph of 六, and marked placeholders where the data
//! cannot write (五). Pure and deterministic: every number is read from the roll-up or the filing
//! states, and the counts of 一 are written so that rule R9 reads and checks them.

use std::fmt::Write;

use nianbao_model::schema::{RowRole, TableId};
use nianbao_model::{Report, SectionKey, Value};
use rust_decimal::{Decimal, RoundingStrategy};

use crate::filing::{Completeness, FilingState};

/// The mark that opens every placeholder the city must replace.
pub const PLACEHOLDER: &str = "【待填写】";

/// The drafted prose of a city report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Draft {
    /// 一、总体情况.
    pub overview: String,
    /// 五、存在的主要问题及改进情况: a marked placeholder.
    pub problems: String,
    /// 六、其他需要报告的事项: the completeness paragraph and a placeholder for 信息处理费.
    pub other: String,
}

impl Draft {
    /// Puts the drafted sections into `report` (replacing what it had there).
    pub fn apply(self, report: &mut Report) {
        report
            .sections
            .insert(SectionKey::OVERVIEW.into(), self.overview);
        report
            .sections
            .insert(SectionKey::PROBLEMS.into(), self.problems);
        report.sections.insert(SectionKey::OTHER.into(), self.other);
    }
}

/// The draft of `this` year's roll-up, against `last` year's roll-up when there is one (a roll-up
/// that included no office is no comparison), with the filing states of `filed`.
pub fn draft(this: &Report, last: Option<&Report>, filed: &Completeness) -> Draft {
    let who = &this.office.name;
    let mut overview = format!(
        "{}年，{who}所属各单位认真贯彻落实《中华人民共和国政府信息公开条例》，现将本年度政府信息公开工作情况汇总报告如下。",
        this.year
    );
    if let Some(s) = proactive(this) {
        let _ = write!(overview, "\n（一）主动公开。{s}");
    }
    if let Some(s) = requests(this, last) {
        let _ = write!(overview, "\n（二）依申请公开。{s}");
    }
    if let Some(s) = appeals(this) {
        let _ = write!(overview, "\n（三）行政复议和行政诉讼。{s}");
    }
    let _ = write!(overview, "\n（四）年度报告报送。{}", timeliness(filed));
    Draft {
        overview,
        problems: format!(
            "{PLACEHOLDER}本节须由本级政府信息公开工作主管部门根据实际情况撰写：本年度工作存在的主要问题，以及{}年的改进措施。",
            this.year + 1
        ),
        other: format!(
            "{}\n{PLACEHOLDER}本年度收取信息处理费的情况（未收取的，写明“本年度未收取信息处理费”）。",
            completeness_paragraph(filed)
        ),
    }
}

fn count(report: &Report, table: TableId, row: &str, col: &str) -> Option<i64> {
    report.count(report.schema().key(table, row, col)?)
}

fn s3(report: &Report, row: &str) -> Option<i64> {
    count(report, TableId::S3, row, "total")
}

/// The sum of the result rows whose key starts with `prefix`, with the largest rows (label and
/// count, largest first, zero rows left out; ties in print order).
fn group(report: &Report, prefix: &str) -> Option<(i64, Vec<(&'static str, i64)>)> {
    let mut sum = 0;
    let mut rows = Vec::new();
    for row in report
        .schema()
        .s3_rows(|r| *r == RowRole::Result)
        .filter(|r| r.key.starts_with(prefix))
    {
        let n = s3(report, row.key)?;
        sum += n;
        if n > 0 {
            rows.push((row_label(row.label), n));
        }
    }
    rows.sort_by_key(|r| std::cmp::Reverse(r.1));
    Some((sum, rows))
}

/// A row label without its number: `1.属于国家秘密` gives `属于国家秘密`.
fn row_label(label: &'static str) -> &'static str {
    label.split_once('.').map_or(label, |(head, rest)| {
        if head.chars().all(|c| c.is_ascii_digit()) {
            rest
        } else {
            label
        }
    })
}

/// A row label in quotation marks, unless it has its own (`危及“三安全一稳定”`).
fn quoted(label: &str) -> String {
    if label.contains('“') {
        label.to_string()
    } else {
        format!("“{label}”")
    }
}

/// 主动公开 from table 二: documents made, repealed and in force, decisions, fees.
fn proactive(r: &Report) -> Option<String> {
    let schema = r.schema();
    let mut parts = Vec::new();
    for block in &schema.table(TableId::S2).blocks {
        for row in &block.rows {
            let mut said = Vec::new();
            for col in &block.cols {
                let Some(key) = schema.key(TableId::S2, row.key, col.key) else {
                    continue;
                };
                match r.cells.get(key) {
                    Some(Value::Count(n)) => said.push(format!("{}{n}件", col_phrase(col.label))),
                    Some(Value::Money(m)) => said.push(format!("{}{m}", col_phrase(col.label))),
                    None => {}
                }
            }
            if !said.is_empty() {
                parts.push(format!("{}：{}", row.label, said.join("、")));
            }
        }
    }
    (!parts.is_empty()).then(|| format!("按照第二部分表格的统计，{}。", parts.join("；")))
}

/// A column label as a phrase: `本年制发件数` gives `本年制发`, `本年收费金额（单位：万元）` gives
/// `本年收费金额（万元）`.
fn col_phrase(label: &str) -> String {
    let label = label.replace("（单位：", "（");
    label
        .strip_suffix("件数")
        .or_else(|| label.strip_suffix("数量"))
        .unwrap_or(&label)
        .to_string()
}

/// The change of `now` against `before`, as read aloud: `较上年增加 5 件、增长 4.8%`.
fn change(now: i64, before: i64) -> String {
    let diff = now - before;
    if diff == 0 {
        return "与上年持平".into();
    }
    let (verb, rate) = if diff > 0 {
        ("增加", "增长")
    } else {
        ("减少", "下降")
    };
    let abs = diff.abs();
    if before == 0 {
        return format!("较上年{verb}{abs}件");
    }
    let pct = (Decimal::from(abs) * Decimal::from(100) / Decimal::from(before))
        .round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero);
    format!("较上年{verb}{abs}件、{rate}{pct}%")
}

/// 依申请公开 from table 三: received with the change, granted, the two largest reasons for 不予公开
/// and 无法提供, 不予处理, carried over.
fn requests(r: &Report, last: Option<&Report>) -> Option<String> {
    let received = s3(r, "new_received")?;
    let mut s = format!("全年新收政府信息公开申请{received}件");
    if let Some(before) = last.and_then(|l| s3(l, "new_received")) {
        let _ = write!(s, "，上年为{before}件，{}", change(received, before));
    }
    if let Some(n) = s3(r, "carried_in").filter(|n| *n > 0) {
        let _ = write!(s, "，另有上年结转{n}件");
    }
    s.push('。');
    let (Some(granted), Some(partial)) = (s3(r, "granted"), s3(r, "partial")) else {
        return Some(s);
    };
    let _ = write!(
        s,
        "办理结果中，予以公开及部分公开{}件（予以公开{granted}件、部分公开{partial}件）",
        granted + partial
    );
    for (prefix, what) in [("deny_", "不予公开"), ("unable_", "无法提供")] {
        if let Some((total, rows)) = group(r, prefix) {
            let _ = write!(s, "，{what}{total}件");
            let top: Vec<String> = rows
                .iter()
                .take(2)
                .map(|(l, n)| format!("{}{n}件", quoted(l)))
                .collect();
            if !top.is_empty() {
                let _ = write!(s, "（主要原因为{}）", top.join("、"));
            }
        }
    }
    if let Some((total, _)) = group(r, "reject_") {
        let _ = write!(s, "，不予处理{total}件");
    }
    s.push('。');
    if let Some(n) = s3(r, "carried_out") {
        let _ = write!(s, "结转下年度继续办理{n}件。");
    }
    Some(s)
}

/// 行政复议 and 行政诉讼 from table 四.
fn appeals(r: &Report) -> Option<String> {
    let review = count(r, TableId::S4, "review", "total")?;
    let direct = count(r, TableId::S4, "litigation_direct", "total")?;
    let after = count(r, TableId::S4, "litigation_after_review", "total")?;
    let mut s = String::new();
    if review == 0 {
        s.push_str("全年未发生政府信息公开行政复议案件");
    } else {
        let _ = write!(s, "全年发生政府信息公开行政复议{review}件");
        let outcome = |col| count(r, TableId::S4, "review", col).unwrap_or(0);
        let _ = write!(
            s,
            "，其中结果维持{}件、结果纠正{}件、其他结果{}件、尚未审结{}件",
            outcome("upheld"),
            outcome("corrected"),
            outcome("other"),
            outcome("pending")
        );
    }
    if direct + after == 0 {
        s.push_str("；未发生政府信息公开行政诉讼案件。");
    } else {
        let _ = write!(
            s,
            "；行政诉讼{}件，其中未经复议直接起诉{direct}件、复议后起诉{after}件。",
            direct + after
        );
    }
    Some(s)
}

struct Tally {
    required: usize,
    on_time: usize,
    late: Vec<(String, i32)>,
    missing: Vec<String>,
}

fn tally(filed: &Completeness) -> Tally {
    let mut t = Tally {
        required: 0,
        on_time: 0,
        late: Vec::new(),
        missing: Vec::new(),
    };
    // The org itself is the office writing this report.
    for f in filed.offices.iter().skip(1) {
        match f.state {
            FilingState::NotRequired => continue,
            FilingState::OnTime => t.on_time += 1,
            FilingState::Late => t.late.push((f.office_name.clone(), f.days_late)),
            FilingState::Missing | FilingState::Returned | FilingState::DraftOnly => {
                t.missing.push(f.office_name.clone());
            }
        }
        t.required += 1;
    }
    t
}

/// One sentence on the offices' timeliness, for 一.
fn timeliness(filed: &Completeness) -> String {
    let t = tally(filed);
    let filed_n = t.on_time + t.late.len();
    format!(
        "应报送年度报告的单位{}个，已报送{filed_n}个，其中按时报送{}个、逾期报送{}个，未报送{}个（报送截止日期为{}）。",
        t.required,
        t.on_time,
        t.late.len(),
        t.missing.len(),
        crate::filing::month_day_zh(filed.deadline)
    )
}

/// The completeness paragraph of 六: which offices filed late (and by how many days) and which did not.
pub fn completeness_paragraph(filed: &Completeness) -> String {
    let t = tally(filed);
    let mut s = format!(
        "关于所属单位年度报告的报送情况：应报送的{}个单位中，按时报送{}个",
        t.required, t.on_time
    );
    if t.late.is_empty() {
        s.push_str("，无逾期报送的单位");
    } else {
        let names: Vec<String> = t
            .late
            .iter()
            .map(|(n, d)| format!("{n}（逾期{d}天）"))
            .collect();
        let _ = write!(s, "，逾期报送{}个：{}", t.late.len(), names.join("、"));
    }
    if t.missing.is_empty() {
        s.push_str("；全部单位均已报送。");
    } else {
        let _ = write!(
            s,
            "；截至汇总时未报送或未通过审核{}个：{}。",
            t.missing.len(),
            t.missing.join("、")
        );
    }
    s
}
