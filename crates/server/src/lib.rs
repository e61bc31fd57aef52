//! The observatory's HTTP server: health, vector tiles of the features PostGIS selects, streamed exports
//! and the web map. It keeps no state of its own: everything lives in PostgreSQL, so
//! several servers can run side by side.

mod error;
mod mvt;
pub mod participation;
mod routes;
mod state;
mod tile_connections;
mod tiles;

use std::future::Future;
use std::net::SocketAddr;

use axum::Router;
use tower_http::trace::TraceLayer;

pub use error::ApiError;
pub use state::{AppState, RateLimit, RateLimits, Settings};
pub use tiles::{CacheStatus, Layer, TileService};

/// Exports to a file, with the same bytes as the HTTP ones (`observatory export`).
pub mod export {
    pub use crate::routes::exports::{write_export, ExportError, Filters, Format, Layer};
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
    L: axum::serve::Listener<Addr = SocketAddr>,
{
    use axum::serve::ListenerExt;
    // The client's address feeds the rate limits; axum hands it to handlers for its own
    // TCP listener, and for any listener through `tap_io`.
    axum::serve(
        listener.tap_io(|_| {}),
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
