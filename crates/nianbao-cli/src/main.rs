//! `nianbao`: the command line of nianbao.

mod client;
mod cmd;
mod failure;
mod output;

use std::process::ExitCode;

use clap::Parser;

/// mimalloc instead of the system allocator. The services allocate and free many short-lived
/// buffers on several threads; glibc kept what large answers had used in per-thread arenas (the
/// storage service held 185–209 MB after full-province roll-ups and exports of 100,000 offices),
/// and capping its arenas cost a quarter of the submission throughput. See BENCHMARKS.md.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc's `mi_option_t` (the same index in its v2 and v3 headers;
/// the Rust bindings name no constant for it).
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Returns freed memory to the system at once instead of after mimalloc v3's default second, so a
/// service's resident memory falls back after a large answer. The one `unsafe` of the workspace
/// (every crate denies `unsafe_code`): mimalloc's options are set through its C interface.
#[allow(unsafe_code)]
fn configure_allocator() {
    // SAFETY: called once at the start of `main`, before any other thread exists (the options
    // are not thread-safe); the option index is checked by a test below.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, 0) };
}

fn main() -> ExitCode {
    configure_allocator();
    let cli = cmd::Cli::parse();
    match cmd::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(output::EXIT_USAGE)
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    #[allow(unsafe_code)]
    fn purge_delay_is_the_option_set() {
        // SAFETY: reads an option; the test thread is the only one touching it.
        let default = unsafe { libmimalloc_sys::mi_option_get(super::PURGE_DELAY) };
        assert_eq!(default, 1000, "mimalloc v3 purges after 1000 ms by default");
        super::configure_allocator();
        // SAFETY: as above.
        let now = unsafe { libmimalloc_sys::mi_option_get(super::PURGE_DELAY) };
        assert_eq!(now, 0);
    }
}
