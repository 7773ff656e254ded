//! Panics that the importer catches itself (it guards the PDF reader with `catch_unwind`) are
//! not bugs; libfuzzer-sys aborts on every panic, caught or not, so the import targets install a
//! silent hook and abort only when a panic escapes `import`.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Once;

static QUIET: Once = Once::new();

/// Imports `bytes` with `hint`; aborts (a crash for the fuzzer) when a panic escapes.
pub fn import_must_not_panic(bytes: &[u8], hint: &str) {
    QUIET.call_once(|| std::panic::set_hook(Box::new(|_| {})));
    if let Err(payload) = catch_unwind(AssertUnwindSafe(|| {
        let _ = nianbao_import::import(bytes, Some(hint));
    })) {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        eprintln!("panic escaped nianbao_import::import ({hint}): {message}");
        std::process::abort();
    }
}
