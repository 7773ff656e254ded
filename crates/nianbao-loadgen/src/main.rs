//! `nianbao-loadgen`: drives the nianbao services with concurrent clients and reports
//! throughput, latency percentiles, errors by code and the server's resident memory.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = nianbao_loadgen::Args::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime / 无法启动运行时: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(nianbao_loadgen::run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
