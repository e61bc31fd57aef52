//! Streamed exports: rows go from the database cursor to the socket as they come, so
//! memory stays flat whatever the size of the table.

use axum::body::Body;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use bytes::Bytes;
use futures::channel::mpsc;
use futures::{SinkExt, StreamExt, TryStreamExt};
use sqlx::postgres::PgPoolCopyExt;

use crate::{ApiError, AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/exports/communes.geojson", get(communes_geojson))
        .route("/exports/communes.csv", get(communes_csv))
}

/// Rows queued between the database and the client: enough to keep both busy.
const CHANNEL_DEPTH: usize = 64;

async fn communes_geojson(State(state): State<AppState>) -> Response {
    let (mut tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(CHANNEL_DEPTH);
    tokio::spawn(async move {
        let mut rows =
            sqlx::query_scalar::<_, String>(include_str!("../sql/export_communes_geojson.sql"))
                .fetch(&state.pool);
        let mut first = true;
        if tx
            .send(Ok(Bytes::from_static(
                b"{\"type\":\"FeatureCollection\",\"features\":[\n",
            )))
            .await
            .is_err()
        {
            return;
        }
        while let Some(row) = rows.next().await {
            let chunk = match row {
                Ok(feature) => {
                    let mut chunk = String::with_capacity(feature.len() + 2);
                    if !first {
                        chunk.push_str(",\n");
                    }
                    first = false;
                    chunk.push_str(&feature);
                    Ok(Bytes::from(chunk))
                }
                // A failure mid-stream cannot change the status any more: end the body
                // with an error so the client sees a broken download, not a short file.
                Err(e) => {
                    tracing::error!(error = %e, "communes export failed");
                    Err(std::io::Error::other("export failed"))
                }
            };
            let failed = chunk.is_err();
            if tx.send(chunk).await.is_err() || failed {
                return;
            }
        }
        let _ = tx.send(Ok(Bytes::from_static(b"\n]}\n"))).await;
    });
    let filename = format!(
        "westhoek-communes-{}.geojson",
        chrono::Utc::now().format("%Y-%m-%d")
    );
    (
        [
            (header::CONTENT_TYPE, "application/geo+json".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        Body::from_stream(rx),
    )
        .into_response()
}

/// Communes with their main indicators as CSV: PostgreSQL writes the rows (`COPY TO
/// STDOUT`), the server passes them on as they come.
async fn communes_csv(State(state): State<AppState>) -> Result<Response, ApiError> {
    let rows = state
        .pool
        .copy_out_raw(include_str!("../sql/export_communes_csv.sql"))
        .await?;
    let body = Body::from_stream(rows.map_err(|e| {
        tracing::error!(error = %e, "communes CSV export failed");
        std::io::Error::other("export failed")
    }));
    let filename = format!(
        "westhoek-communes-{}.csv",
        chrono::Utc::now().format("%Y-%m-%d")
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        body,
    )
        .into_response())
}
