//! Compiles `proto/` with protox (pure Rust: no system `protoc` needed).

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?).join("../../proto");
    let files = [
        "nianbao/report/v1/report.proto",
        "nianbao/storage/v1/publication.proto",
        "nianbao/storage/v1/storage_service.proto",
        "nianbao/storage/v1/reminders.proto",
        "nianbao/render/v1/render_service.proto",
        "nianbao/aggregate/v1/aggregate_service.proto",
    ];
    for f in &files {
        println!("cargo:rerun-if-changed={}", root.join(f).display());
    }
    let fds = protox::compile(files, [&root])?;
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    std::fs::write(
        out.join("nianbao_descriptor.bin"),
        prost::Message::encode_to_vec(&fds),
    )?;
    tonic_prost_build::configure().compile_fds(fds)?;
    Ok(())
}
