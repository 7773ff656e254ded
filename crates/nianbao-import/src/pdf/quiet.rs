//! Panics of the PDF parser confined to the parse, silently.
//!
//! `pdf-extract` (the font decoding and content-stream interpreter the reader builds on)
//! answers many malformed inputs with `panic!`/`unwrap` rather than an error. Replacing it
//! would mean reimplementing its font machinery (simple, CID and Type 3 fonts, CMaps, glyph
//! lists); instead every call into it runs under [`quietly`]: the unwinding is caught with
//! `catch_unwind` and turned into [`crate::ImportError::Corrupt`], and the panic message
//! and backtrace the default hook would print never reach the user's terminal.
//!
//! The panic hook is process-wide, so it is installed once and stays: it stays silent only
//! while the current thread is inside [`quietly`] (a thread-local depth counter) and hands
//! every other panic — of this program or of a test — to the hook that was there before.
//! An abort (stack overflow) cannot be caught at all: the reader refuses the inputs known to
//! cause one (looping page trees, see `check_parent_chains`) before the parse.

use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

thread_local! {
    static DEPTH: Cell<u32> = const { Cell::new(0) };
}

static INSTALL: Once = Once::new();

fn install() {
    INSTALL.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if DEPTH.with(Cell::get) == 0 {
                previous(info);
            }
        }));
    });
}

/// Decrements the depth also when `f` unwinds.
struct Guard;

impl Drop for Guard {
    fn drop(&mut self) {
        DEPTH.with(|d| d.set(d.get().saturating_sub(1)));
    }
}

/// Runs `f`; a panic inside it is returned as its message, printed nowhere.
pub fn quietly<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    install();
    DEPTH.with(|d| d.set(d.get() + 1));
    let guard = Guard;
    let out = panic::catch_unwind(AssertUnwindSafe(f));
    drop(guard);
    out.map_err(|payload| {
        payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::quietly;

    #[test]
    fn a_panic_becomes_its_message() {
        let r: Result<(), String> = quietly(|| panic!("bad xref"));
        assert_eq!(r, Err("bad xref".to_string()));
        assert_eq!(quietly(|| 7), Ok(7));
        // Nested: the outer guard still holds after the inner one ends.
        let r = quietly(|| {
            let inner: Result<(), String> = quietly(|| panic!("inner"));
            assert!(inner.is_err());
            panic!("outer")
        });
        assert_eq!(r, Err("outer".to_string()));
    }
}
