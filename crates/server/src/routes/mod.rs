mod api;
mod communes;
pub(crate) mod exports;
mod health;
mod ogc;
mod openapi;
mod reference;
mod regions;
pub(crate) mod sql_json;
mod tiles;
pub(crate) mod translations;
mod web;

use axum::extract::DefaultBodyLimit;
use axum::Router;
use tower_http::compression::CompressionLayer;
use utoipa_axum::router::OpenApiRouter;

use crate::{hardening, AppState};

pub fn router(state: &AppState) -> Router<AppState> {
    let (documented, _) = documented().split_for_parts();
    // The tiles compress themselves (once, into their cache); everything else is
    // compressed as it is sent when the client accepts it.
    let compressed = documented
        .merge(no_body(web::router(&state.settings.web_dir)))
        .layer(CompressionLayer::new());
    Router::new()
        .merge(no_body(tiles::router()))
        .merge(compressed)
}

/// Routes that read no body take none larger than [`hardening::NO_BODY_LIMIT`]: 413
/// when one is declared larger, and no extractor would read more.
fn no_body(routes: Router<AppState>) -> Router<AppState> {
    routes
        .layer(DefaultBodyLimit::max(hardening::NO_BODY_LIMIT))
        .layer(axum::middleware::from_fn(hardening::refuse_bodies))
}

/// [`no_body`] for documented routes.
fn no_body_documented(routes: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    routes
        .layer(DefaultBodyLimit::max(hardening::NO_BODY_LIMIT))
        .layer(axum::middleware::from_fn(hardening::refuse_bodies))
}

/// The routes that `/api/openapi.json` describes, each registered with its description,
/// so that none can be served undescribed.
fn documented() -> OpenApiRouter<AppState> {
    let reading = OpenApiRouter::new()
        .merge(health::router())
        .merge(api::router())
        .merge(communes::router())
        .merge(reference::router())
        .merge(regions::router())
        .merge(openapi::router())
        .merge(exports::router())
        .merge(ogc::router());
    OpenApiRouter::with_openapi(openapi::base())
        .merge(no_body_documented(reading))
        // Its routes have their own limits.
        .merge(crate::participation::router())
}
