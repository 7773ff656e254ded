//! The rows and columns of both editions, as printed in the official templates.
//!
//! A new edition is a new arm here; nothing else in the workspace names rows.

use super::headings::HEADINGS;
use super::{Block, ColDef, Edition, RowDef, RowRole, Table, TableId, ValueKind};
use crate::value::MoneyUnit;

/// The cells a summary shows first (the totals of table 三's main rows and of table 四), in
/// every edition ([`Schema::headline`](super::Schema::headline)).
pub(super) const HEADLINE: [&str; 8] = [
    "s3.new_received.total",
    "s3.granted.total",
    "s3.partial.total",
    "s3.total_processed.total",
    "s3.carried_out.total",
    "s4.review.total",
    "s4.litigation_direct.total",
    "s4.litigation_after_review.total",
];

const fn row(key: &'static str, label: &'static str) -> RowDef {
    RowDef {
        key,
        label,
        group: None,
        role: RowRole::Plain,
        optional: false,
        aliases: &[],
    }
}

const fn col(key: &'static str, label: &'static str, kind: ValueKind) -> ColDef {
    ColDef {
        key,
        label,
        parent: None,
        kind,
        is_total: false,
    }
}

fn count(key: &'static str, label: &'static str) -> ColDef {
    col(key, label, ValueKind::Count)
}

fn block(caption: &'static str, cols: Vec<ColDef>, rows: Vec<RowDef>) -> Block {
    Block {
        caption: Some(caption),
        label_header: "信息内容",
        rows,
        cols,
    }
}

pub(super) fn tables(edition: Edition) -> Vec<Table> {
    vec![
        Table {
            id: TableId::S2,
            heading: HEADINGS[1].text,
            blocks: s2(edition),
        },
        Table {
            id: TableId::S3,
            heading: HEADINGS[2].text,
            blocks: vec![s3(edition)],
        },
        Table {
            id: TableId::S4,
            heading: HEADINGS[3].text,
            blocks: vec![s4()],
        },
    ]
}

fn s2(edition: Edition) -> Vec<Block> {
    match edition {
        Edition::E2021 => vec![
            block(
                "第二十条第（一）项",
                vec![
                    count("issued", "本年制发件数"),
                    count("repealed", "本年废止件数"),
                    count("in_force", "现行有效件数"),
                ],
                vec![
                    row("regulations", "规章"),
                    RowDef {
                        aliases: &["规范性文件"],
                        ..row("normative_docs", "行政规范性文件")
                    },
                ],
            ),
            block(
                "第二十条第（五）项",
                vec![count("decisions", "本年处理决定数量")],
                vec![row("licensing", "行政许可")],
            ),
            block(
                "第二十条第（六）项",
                vec![count("decisions", "本年处理决定数量")],
                vec![row("penalty", "行政处罚"), row("coercion", "行政强制")],
            ),
            block(
                "第二十条第（八）项",
                vec![col(
                    "amount",
                    "本年收费金额（单位：万元）",
                    ValueKind::Money(MoneyUnit::WanYuan),
                )],
                vec![row("fees", "行政事业性收费")],
            ),
        ],
        Edition::E2019 => {
            let items = || {
                vec![
                    count("prev_items", "上一年项目数量"),
                    col("change", "本年增/减", ValueKind::SignedCount),
                    count("decisions", "处理决定数量"),
                ]
            };
            vec![
                block(
                    "第二十条第（一）项",
                    vec![
                        count("made", "本年新制作数量"),
                        count("published", "本年新公开数量"),
                        count("total_public", "对外公开总数量"),
                    ],
                    vec![
                        row("regulations", "规章"),
                        RowDef {
                            aliases: &["行政规范性文件"],
                            ..row("normative_docs", "规范性文件")
                        },
                    ],
                ),
                block(
                    "第二十条第（五）项",
                    items(),
                    vec![
                        row("licensing", "行政许可"),
                        row("other_services", "其他对外管理服务事项"),
                    ],
                ),
                block(
                    "第二十条第（六）项",
                    items(),
                    vec![row("penalty", "行政处罚"), row("coercion", "行政强制")],
                ),
                block(
                    "第二十条第（八）项",
                    vec![
                        count("prev_items", "上一年项目数量"),
                        col("change", "本年增/减", ValueKind::SignedCount),
                    ],
                    vec![row("fees", "行政事业性收费")],
                ),
                block(
                    "第二十条第（九）项",
                    vec![
                        count("projects", "采购项目数量"),
                        col("amount", "采购总金额", ValueKind::Money(MoneyUnit::Yuan)),
                    ],
                    vec![row("procurement", "政府集中采购")],
                ),
            ]
        }
    }
}

const DENY: &str = "（三）不予公开";
const UNABLE: &str = "（四）无法提供";
const REJECT: &str = "（五）不予处理";
const OTHER: &str = "（六）其他处理";

fn grouped(key: &'static str, label: &'static str, group: &'static str) -> RowDef {
    RowDef {
        group: Some(group),
        role: RowRole::Result,
        ..row(key, label)
    }
}

fn s3(edition: Edition) -> Block {
    let mut rows = vec![
        RowDef {
            role: RowRole::Input,
            ..row("new_received", "一、本年新收政府信息公开申请数量")
        },
        RowDef {
            role: RowRole::Input,
            ..row("carried_in", "二、上年结转政府信息公开申请数量")
        },
        RowDef {
            role: RowRole::Result,
            ..row("granted", "（一）予以公开")
        },
        RowDef {
            role: RowRole::Result,
            ..row(
                "partial",
                "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
            )
        },
        grouped("deny_state_secret", "1.属于国家秘密", DENY),
        RowDef {
            aliases: &["2.其他法律行政止公开"],
            ..grouped("deny_law_forbidden", "2.其他法律行政法规禁止公开", DENY)
        },
        grouped("deny_three_safety", "3.危及“三安全一稳定”", DENY),
        grouped("deny_third_party", "4.保护第三方合法权益", DENY),
        grouped("deny_internal_affairs", "5.属于三类内部事务信息", DENY),
        grouped("deny_process_info", "6.属于四类过程性信息", DENY),
        grouped("deny_enforcement_file", "7.属于行政执法案卷", DENY),
        grouped("deny_admin_query", "8.属于行政查询事项", DENY),
        grouped("unable_not_held", "1.本机关不掌握相关政府信息", UNABLE),
        grouped(
            "unable_needs_creation",
            "2.没有现成信息需要另行制作",
            UNABLE,
        ),
        grouped("unable_unclear", "3.补正后申请内容仍不明确", UNABLE),
        grouped("reject_petition", "1.信访举报投诉类申请", REJECT),
        grouped("reject_repeat", "2.重复申请", REJECT),
        grouped("reject_publication", "3.要求提供公开出版物", REJECT),
        grouped("reject_massive", "4.无正当理由大量反复申请", REJECT),
        grouped(
            "reject_confirm_reissue",
            "5.要求行政机关确认或重新出具已获取信息",
            REJECT,
        ),
    ];
    match edition {
        Edition::E2021 => rows.extend([
            // A report may print （六） as one row (2019 style) or add a subtotal row above its sub-rows.
            RowDef {
                role: RowRole::Subtotal(OTHER),
                optional: true,
                aliases: &["（六）其他"],
                ..row("other", OTHER)
            },
            grouped(
                "other_no_correction",
                "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
                OTHER,
            ),
            grouped(
                "other_no_fee",
                "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
                OTHER,
            ),
            grouped("other_other", "3.其他", OTHER),
        ]),
        Edition::E2019 => rows.push(RowDef {
            role: RowRole::Result,
            aliases: &["（六）其他"],
            ..row("other", OTHER)
        }),
    }
    rows.push(RowDef {
        role: RowRole::Total,
        ..row("total_processed", "（七）总计")
    });
    rows.push(RowDef {
        role: RowRole::CarriedOut,
        ..row("carried_out", "四、结转下年度继续办理")
    });
    let org = |key, label| ColDef {
        parent: Some("法人或其他组织"),
        ..count(key, label)
    };
    Block {
        caption: Some("申请人情况"),
        label_header: "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）",
        rows,
        cols: vec![
            count("natural_person", "自然人"),
            org("commercial", "商业企业"),
            org("research", "科研机构"),
            org("public_interest", "社会公益组织"),
            org("legal_service", "法律服务机构"),
            org("other_org", "其他"),
            ColDef {
                is_total: true,
                ..count("total", "总计")
            },
        ],
    }
}

fn s4() -> Block {
    let c = |key, label| count(key, label);
    Block {
        caption: None,
        label_header: "",
        rows: vec![
            row("review", "行政复议"),
            row("litigation_direct", "行政诉讼（未经复议直接起诉）"),
            row("litigation_after_review", "行政诉讼（复议后起诉）"),
        ],
        cols: vec![
            c("upheld", "结果维持"),
            c("corrected", "结果纠正"),
            c("other", "其他结果"),
            c("pending", "尚未审结"),
            ColDef {
                is_total: true,
                ..c("total", "总计")
            },
        ],
    }
}
