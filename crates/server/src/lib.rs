//! The observatory's HTTP server: health, vector tiles of the features PostGIS selects, streamed exports
//! and the web map. It keeps no state of its own: everything lives in PostgreSQL, so
//! several servers can run side by side.

mod error;
mod mvt;
mod routes;
mod tile_connections;
mod tiles;

use std::future::Future;
use std::path::PathBuf;

use axum::Router;
use sqlx::PgPool;
use tower_http::trace::TraceLayer;

pub use error::ApiError;
pub use tiles::{CacheStatus, Layer, TileService};

/// Exports to a file, with the same bytes as the HTTP ones (`observatory export`).
pub mod export {
    pub use crate::routes::exports::{write_export, ExportError, Filters, Format, Layer};
}

/// Shared by every handler: the database pool, where the web assets are, and the tile
/// builder with its cache (see [`TileService::start`]).
#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub web_dir: PathBuf,
    pub tiles: TileService,
}

pub fn router(state: AppState) -> Router {
    routes::router(&state)
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Serves the connections `listener` accepts (a TCP listener, or the connections handed
/// to one of the server's event loops) until `shutdown` resolves, then finishes the
/// requests in flight.
pub async fn serve<L>(
    listener: L,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()>
where
    L: axum::serve::Listener,
    L::Addr: std::fmt::Debug,
{
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}
