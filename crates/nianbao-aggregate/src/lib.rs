//! Adding up the reports of a subtree of offices, and telling who filed.
//!
//! The pure part (no IO) is in [`rollup`] (the roll-up, mixed editions) and [`fold`] (the same
//! roll-up fed one report at a time, with bounded memory), [`filing`]
//! (completeness and timeliness), [`quality`] (findings, cross-year checks, review marks),
//! [`indicators`], [`compare`], [`export`] (CSV, XLSX, JSON) and [`draft`] (the drafted prose of the city report).
//!
//! The gRPC [`AggregationService`](service::AggregateService) reads reports only through the
//! storage service ([`source`]), forwarding the caller's `authorization` metadata so that access
//! control stays in storage. [`service`] builds it from its [`AggregateSettings`], [`run`] serves
//! it alone (the one service shape of `nianbao_common`).

pub mod city;
pub mod compare;
pub mod counts;
pub mod draft;
pub mod error;
pub mod export;
pub mod filing;
pub mod fold;
pub mod indicators;
mod prologue;
pub mod published;
pub mod quality;
pub mod rollup;
pub mod service;
mod settings;
pub mod source;
pub mod summed;
mod wire;

pub use error::AggregateError;
pub use rollup::{Input, edition_of_year, rollup};
pub use service::{AggregateService, run, service};
pub use settings::AggregateSettings;
pub use summed::{Aggregate, Included, NotSummed, Partial};
