use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::tiles::{Layer, TileCoord, MAX_ZOOM};
use crate::{ApiError, AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/tiles/{layer_json}", get(tilejson))
        .route("/tiles/{layer}/{z}/{x}/{y}", get(tile))
}

const MVT: &str = "application/vnd.mapbox-vector-tile";

/// One tile; 204 when no feature touches it.
async fn tile(
    State(state): State<AppState>,
    Path((layer, z, x, y)): Path<(String, String, String, String)>,
) -> Result<Response, ApiError> {
    let layer: Layer = layer.parse()?;
    let coord = TileCoord::parse(&z, &x, &y)?;
    let bytes: Option<Vec<u8>> = sqlx::query_scalar(layer.tile_sql())
        .bind(i32::from(coord.z))
        .bind(coord.x as i32)
        .bind(coord.y as i32)
        .fetch_one(&state.pool)
        .await?;
    let cache = [(header::CACHE_CONTROL, "public, max-age=300")];
    Ok(match bytes.filter(|b| !b.is_empty()) {
        Some(bytes) => {
            (StatusCode::OK, [(header::CONTENT_TYPE, MVT)], cache, bytes).into_response()
        }
        None => (StatusCode::NO_CONTENT, cache).into_response(),
    })
}

/// TileJSON 3.0.0. Tile URLs carry the data version, so a cache keyed on the URL never
/// serves a tile of an older release.
async fn tilejson(
    State(state): State<AppState>,
    Path(layer_json): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let layer: Layer = layer_json
        .strip_suffix(".json")
        .ok_or_else(|| ApiError::NotFound("TileJSON is at /tiles/{layer}.json".into()))?
        .parse()?;
    let version: i64 = sqlx::query_scalar(include_str!("../sql/data_version.sql"))
        .fetch_one(&state.pool)
        .await?;
    let bounds: Option<(f64, f64, f64, f64)> = sqlx::query_as(layer.bounds_sql())
        .fetch_optional(&state.pool)
        .await?;
    let (w, s, e, n) = bounds.unwrap_or((-180.0, -85.051_129, 180.0, 85.051_129));
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || ".:-[]".contains(c))
        })
        .unwrap_or("127.0.0.1:8080");
    Ok(Json(json!({
        "tilejson": "3.0.0",
        "name": layer.id(),
        "description": layer.description(),
        "version": format!("1.0.{version}"),
        "scheme": "xyz",
        "tiles": [format!("http://{host}/tiles/{}/{{z}}/{{x}}/{{y}}.mvt?v={version}", layer.id())],
        "minzoom": 0,
        "maxzoom": MAX_ZOOM,
        "bounds": [w, s, e, n],
        "center": [(w + e) / 2.0, (s + n) / 2.0, 8],
        "vector_layers": [{
            "id": layer.id(),
            "description": layer.description(),
            "minzoom": 0,
            "maxzoom": MAX_ZOOM,
            "fields": layer.fields()
        }]
    })))
}
