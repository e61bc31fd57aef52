//! The observatory's HTTP server: health, vector tiles of the features PostGIS selects, streamed exports
//! and the web map. It keeps no state of its own: everything lives in PostgreSQL, so
//! several servers can run side by side.

mod error;
pub mod hardening;
mod mvt;
mod params;
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
    let settings = state.settings.clone();
    let router = routes::router(&state).with_state(state);
    let router = hardening::with_time_limit(router, settings.http);
    hardening::security_headers(router, &settings.web_dir).layer(TraceLayer::new_for_http())
}

/// Serves the connections `listener` accepts (a TCP listener, or the connections handed
/// to one of the server's event loops) until `shutdown` resolves, then finishes the
/// requests in flight.
///
/// Each connection is served by hyper's HTTP/1 connection directly rather than through
/// `axum::serve`, which has no header read timeout (hyper applies one only with a timer,
/// which axum does not give it) and no bound on the headers' size: see
/// [`hardening::http1_builder`]. The client's address goes into each request as axum's
/// `ConnectInfo`, which the rate limits read.
pub async fn serve<L>(
    mut listener: L,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()>
where
    L: axum::serve::Listener<Addr = SocketAddr>,
{
    use tower::ServiceExt;

    let builder = hardening::http1_builder(&state.settings.http);
    let app = router(state);
    // Closed (every receiver dropped) when the server stops accepting; each connection
    // then finishes its request in flight and closes.
    let (stopping, stop) = tokio::sync::watch::channel(());
    // Each connection holds a receiver: when none is left, every connection is done.
    let (done, connections) = tokio::sync::watch::channel(());
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (io, peer) = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let app = app.clone();
        let service = hyper::service::service_fn(
            move |mut request: axum::http::Request<hyper::body::Incoming>| {
                request
                    .extensions_mut()
                    .insert(axum::extract::ConnectInfo(peer));
                app.clone().oneshot(request.map(axum::body::Body::new))
            },
        );
        let connection = builder.serve_connection(hyper_util::rt::TokioIo::new(io), service);
        let mut stop = stop.clone();
        let alive = connections.clone();
        tokio::spawn(async move {
            let mut connection = std::pin::pin!(connection);
            tokio::select! {
                result = connection.as_mut() => {
                    if let Err(e) = result {
                        tracing::debug!(error = %e, %peer, "connection ended");
                    }
                }
                _ = stop.changed() => {
                    connection.as_mut().graceful_shutdown();
                    if let Err(e) = connection.await {
                        tracing::debug!(error = %e, %peer, "connection ended");
                    }
                }
            }
            drop(alive);
        });
    }
    drop(listener);
    drop(stop);
    // Wakes every connection's `stop.changed()` with an error: the sender is gone.
    drop(stopping);
    drop(connections);
    done.closed().await;
    Ok(())
}
