mod api;
mod communes;
pub(crate) mod exports;
mod health;
mod ogc;
mod openapi;
mod reference;
pub(crate) mod sql_json;
mod tiles;
pub(crate) mod translations;
mod web;

use axum::Router;
use tower_http::compression::CompressionLayer;
use utoipa_axum::router::OpenApiRouter;

use crate::AppState;

pub fn router(state: &AppState) -> Router<AppState> {
    let (documented, _) = documented().split_for_parts();
    // The tiles compress themselves (once, into their cache); everything else is
    // compressed as it is sent when the client accepts it.
    let compressed = documented
        .merge(web::router(&state.settings.web_dir))
        .layer(CompressionLayer::new());
    Router::new().merge(tiles::router()).merge(compressed)
}

/// The routes that `/api/openapi.json` describes, each registered with its description,
/// so that none can be served undescribed.
fn documented() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::base())
        .merge(health::router())
        .merge(api::router())
        .merge(communes::router())
        .merge(reference::router())
        .merge(openapi::router())
        .merge(exports::router())
        .merge(ogc::router())
        .merge(crate::participation::router())
}
