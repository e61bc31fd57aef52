mod api;
mod exports;
mod health;
mod ogc;
mod tiles;
mod web;

use axum::Router;

use crate::AppState;

pub fn router(state: &AppState) -> Router<AppState> {
    Router::new()
        .merge(health::router())
        .merge(api::router())
        .merge(tiles::router())
        .merge(exports::router())
        .merge(ogc::router())
        .merge(web::router(&state.web_dir))
}
