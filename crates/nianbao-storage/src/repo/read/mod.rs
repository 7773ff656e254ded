//! Reads: one report and its revisions ([`reports`], with the joined authenticate-and-read of
//! `GetReport`), pages of office-years ([`list`]), a revision history ([`history`]), bulk reads
//! of a subtree ([`bulk`]) and the subtree they cover ([`subtree`]).
//!
//! Reads depend on [`access`](super::access) for permission, never on `write`.
//!
//! # Bulk reads
//!
//! A bulk read (`StreamReports`, as aggregation asks for it) is planned once (office-years of the
//! subtree with the office's code and name, a few words each) and read, converted and sent in
//! chunks of 500 (`repo/read/bulk.rs`; the sending task may read one chunk ahead of the client).
//! Each revision stores its packed cells beside its JSON content, written in the same insert
//! (`revisions.packed`, with `packed_format` naming the encoding, `nianbao_proto::packed::FORMAT`),
//! so a bulk read parses no JSON; a revision without them (written before migration 8, or in
//! another format) is packed from its content when read. On SQLite a revision's columns after its
//! JSON content sit behind that content's overflow pages, so the heads and packed cells of a bulk
//! read come from a covering index (`idx_revisions_heads`, migration 9; PostgreSQL keeps long
//! values apart and has no such index). Queries that return a row per office of a subtree are
//! streamed row by row into compact structures (`repo/read/subtree.rs`, `each_row`), never
//! collected as driver rows (about a kilobyte each); a listed subtree is put in tree order in place
//! (`in_tree_order`), and the pages of `ListReports` are streamed from the driver likewise, so
//! listing a province holds its offices once.
//! The figures are in BENCHMARKS.md (Aggregation).

pub mod bulk;
pub mod history;
pub mod list;
pub mod reports;
pub mod subtree;
