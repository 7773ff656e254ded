//! The subcommands. One module per group; each exposes `run(args) -> Result<ExitCode>`.

mod check;
mod load;
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
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Check(a) => check::run(a),
        Command::Template(a) => template::run(a),
    }
}
