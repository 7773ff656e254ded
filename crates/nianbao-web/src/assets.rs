//! The one stylesheet, served by the binary (no asset is loaded from elsewhere).

use axum::http::header;
use axum::response::IntoResponse;

/// The console's stylesheet.
pub const CSS: &str = include_str!("../assets/console.css");

/// `GET /static/console.css`.
pub async fn css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        CSS,
    )
}
