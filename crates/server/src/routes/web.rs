use std::path::Path;

use axum::Router;
use tower_http::services::ServeDir;

use crate::AppState;

/// The web map and its assets; MapLibre GL JS comes from the npm package installed in
/// `web/node_modules`, so the page loads nothing from the internet.
pub fn router(web_dir: &Path) -> Router<AppState> {
    Router::new()
        .nest_service(
            "/vendor/maplibre-gl",
            ServeDir::new(web_dir.join("node_modules/maplibre-gl/dist")),
        )
        .fallback_service(ServeDir::new(web_dir).append_index_html_on_directories(true))
}
