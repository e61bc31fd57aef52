mod api;
pub(crate) mod exports;
mod health;
mod ogc;
mod openapi;
mod tiles;
mod web;

use axum::Router;
use utoipa_axum::router::OpenApiRouter;

use crate::AppState;

pub fn router(state: &AppState) -> Router<AppState> {
    let (documented, _) = documented().split_for_parts();
    Router::new()
        .merge(documented)
        .merge(tiles::router())
        .merge(web::router(&state.web_dir))
}

/// The routes that `/api/openapi.json` describes, each registered with its description,
/// so that none can be served undescribed.
fn documented() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::base())
        .merge(health::router())
        .merge(api::router())
        .merge(openapi::router())
        .merge(exports::router())
        .merge(ogc::router())
}
