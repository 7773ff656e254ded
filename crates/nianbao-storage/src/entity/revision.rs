//! `revisions`: immutable; inserted once, never updated.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "revisions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub report_id: i64,
    pub office_id: i64,
    pub year: i32,
    pub number: i64,
    pub draft: bool,
    /// Canonical interchange JSON; empty when stored compressed in `content_deflate`.
    #[sea_orm(column_type = "Text")]
    pub content: String,
    pub checksum: String,
    pub submitted_by: String,
    pub client: String,
    pub request_id: String,
    /// JSON array of findings.
    #[sea_orm(column_type = "Text")]
    pub findings: String,
    /// JSON array of cell keys.
    #[sea_orm(column_type = "Text")]
    pub changed_cells: String,
    pub error_count: i32,
    pub warning_count: i32,
    pub created_at: DateTimeUtc,
    /// The cells packed (`nianbao_proto::packed`), derived from `content` when written.
    pub packed: Option<Vec<u8>>,
    /// The encoding of `packed` (`nianbao_proto::packed::FORMAT`); `None` when not packed.
    pub packed_format: Option<i32>,
    /// The canonical JSON compressed with DEFLATE (RFC 1951), when so stored (migration 11); read
    /// both forms with `repo::stored::report_of`.
    pub content_deflate: Option<Vec<u8>>,
    /// The revision of the year before that the stored findings' cross-year rules (R5, R7, W5)
    /// were checked against: 0 when there was none, `None` when written before this was recorded
    /// (migration 14).
    pub cross_year_revision: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
