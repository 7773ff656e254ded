//! The test kit of the workspace, used only as a dev-dependency (no crate depends on it as a
//! normal dependency): builders of consistent reports ([`report`]), the project's own report
//! fixtures ([`fixtures`]) and the input forms made from them at test time ([`forms`]), the
//! published-report corpus with visible skips when it is absent ([`corpus`]), free ports and
//! child processes ([`process`]) and scratch PostgreSQL databases ([`pg`]).
//!
//! It depends on the model alone, so any crate's tests may use it.

pub mod corpus;
pub mod fixtures;
pub mod forms;
pub mod pg;
pub mod process;
pub mod report;

pub use corpus::{Corpus, corpus, skip};
pub use fixtures::{Case, FIXTURES, Fixture, cases, fixture};
pub use forms::Form;
pub use process::free_port;
pub use report::{consistent, report_of};
