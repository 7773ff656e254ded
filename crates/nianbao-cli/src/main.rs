//! `nianbao`: the command line of nianbao.

mod client;
mod cmd;
mod output;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cmd::Cli::parse();
    match cmd::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(output::EXIT_USAGE)
        }
    }
}
