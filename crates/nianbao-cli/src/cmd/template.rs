//! `nianbao template`: a blank interchange file.

use std::process::ExitCode;

use nianbao_model::{Edition, interchange};

/// Write a blank interchange file with every cell key of an edition (values null = not filled in).
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  nianbao template --edition 2021 > report.json\n  nianbao template --edition 2019 -o blank-2019.json"
)]
pub struct Args {
    /// The edition of the national format: 2021 or 2019.
    #[arg(long, default_value = "2021", value_parser = ["2019", "2021"])]
    edition: String,
    /// Write to this file instead of stdout.
    #[arg(short, long)]
    output: Option<std::path::PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let edition = Edition::parse(&args.edition)
        .ok_or_else(|| anyhow::anyhow!("unknown edition {}", args.edition))?;
    let text = interchange::template(edition);
    match args.output {
        Some(path) => std::fs::write(&path, text + "\n")
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?,
        None => println!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}
