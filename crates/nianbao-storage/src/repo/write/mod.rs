//! The write path of submissions, in the order a submission goes through it:
//!
//! 1. [`prepared`]: the handler's validated [`Submission`](prepared::Submission) becomes a
//!    [`Prepared`](prepared::Prepared) (office resolved, permission checked, canonical JSON,
//!    checksum, packed cells and compression computed on the handler's task);
//! 2. [`group`]: queued to a writer, which takes everything queued meanwhile (up to 64);
//! 3. [`submit`]: the group is written in one transaction, or again one savepoint per
//!    submission when a statement fails;
//! 4. [`batch`]: the group's office-years read in two queries, each submission decided in memory
//!    by the pure [`decide`], the rows written with multi-row statements; a retried request is
//!    answered by [`replay`];
//! 5. [`cache`]: each writer keeps the reports it committed, parsed.
//!
//! No file here imports one that imports it back.

pub mod batch;
pub mod cache;
pub mod decide;
pub mod group;
pub mod prepared;
pub mod replay;
pub mod submit;
