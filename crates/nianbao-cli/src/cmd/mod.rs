//! The subcommands. One module per group; each exposes `run(args) -> Result<ExitCode>`.

mod admin;
mod check;
mod city;
mod demo;
mod gather;
mod import;
mod load;
mod office;
mod published;
mod reminders;
mod remote;
mod render;
mod serve;
mod serve_web;
mod submit;
mod template;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// nianbao (年报): collect, check, store, publish and add up the annual reports on
/// government information disclosure (政府信息公开工作年度报告).
#[derive(Parser, Debug)]
#[command(name = "nianbao", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Validate reports (interchange JSON or any importable document) against the consistency rules.
    Check(check::Args),
    /// Write a blank interchange file with every cell key of an edition.
    Template(template::Args),
    /// Import published reports (text, Markdown, HTML, PDF, DOCX) into interchange JSON.
    Import(import::Args),
    /// Render a report as HTML, Word, PDF, Markdown or text in the official layout.
    Render(render::Args),
    /// Per office under ORG for a year: on time, late (days), missing, returned, draft only.
    Completeness(city::CompletenessArgs),
    /// The roll-up of a subtree for a year, as a report (JSON, HTML, Word, PDF or XLSX).
    Aggregate(city::AggregateArgs),
    /// Cells across years, or across the offices under ORG, with ranks.
    Compare(city::CompareArgs),
    /// One row per office, one column per cell key: CSV, XLSX or JSON.
    Export(city::ExportArgs),
    /// Run services: all, storage, render or aggregate.
    #[command(subcommand)]
    Serve(serve::Serve),
    /// Exit 0 when every service behind --server reports SERVING.
    Health(serve::HealthArgs),
    /// Run the database migrations and exit.
    Migrate(admin::MigrateArgs),
    /// Create, list and revoke tokens.
    #[command(subcommand)]
    Token(admin::Token),
    /// Add and list offices.
    #[command(subcommand)]
    Orgs(admin::Orgs),
    /// Deadline reminders of a city: the plan, and what was sent.
    #[command(subcommand)]
    Reminders(reminders::Reminders),
    /// Submit a report (interchange JSON) as a new revision.
    Submit(submit::SubmitArgs),
    /// Where an office-year stands.
    Status(office::StatusArgs),
    /// Every revision of an office-year: who, when, what changed.
    History(office::HistoryArgs),
    /// Accept an office-year (city role).
    Accept(office::AcceptArgs),
    /// Return an office-year to its office with a reason (city role).
    Return(office::ReturnArgs),
    /// Record where and when an accepted report was published (city role).
    Publish(office::PublishArgs),
    /// Fetch each published report of a subtree and compare it with the accepted revision.
    VerifyPublished(published::VerifyArgs),
    /// The demo city end to end on embedded SQLite (what `make demo` runs).
    Demo(demo::Args),
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Check(a) => check::run(a),
        Command::Template(a) => template::run(a),
        Command::Import(a) => import::run(a),
        Command::Render(a) => render::run(a),
        Command::Completeness(a) => city::completeness(a),
        Command::Aggregate(a) => city::aggregate(a),
        Command::Compare(a) => city::compare(a),
        Command::Export(a) => city::export(a),
        Command::Serve(a) => serve::run(a),
        Command::Health(a) => serve::health(a),
        Command::Migrate(a) => admin::migrate(a),
        Command::Token(a) => admin::token(a),
        Command::Orgs(a) => admin::orgs(a),
        Command::Reminders(a) => reminders::run(a),
        Command::Submit(a) => submit::submit(a),
        Command::Status(a) => office::status(a),
        Command::History(a) => office::history(a),
        Command::Accept(a) => office::accept(a),
        Command::Return(a) => office::return_report(a),
        Command::Publish(a) => office::publish(a),
        Command::VerifyPublished(a) => published::verify(a),
        Command::Demo(a) => demo::run(a),
    }
}
