//! Tracing initialisation.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use crate::settings::LogSettings;

/// The filter used when neither `RUST_LOG` nor the settings give one: sqlx logs every statement at INFO.
pub const DEFAULT_FILTER: &str = "info,sqlx=warn";

/// Installs the global subscriber (logs on stderr). A second call is a no-op.
pub fn init_tracing(settings: &LogSettings) {
    let filter = EnvFilter::try_from_default_env()
        .ok()
        .or_else(|| {
            settings
                .filter
                .as_deref()
                .and_then(|f| EnvFilter::try_new(f).ok())
        })
        .unwrap_or_else(|| EnvFilter::new(DEFAULT_FILTER));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    let result = if settings.json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
    // Already installed (tests, or a binary serving several services): keep the first.
    drop(result);
}
