use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::NaiveDate;
use headers::{ETag, HeaderMapExt, IfNoneMatch};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::params::{Path, Query};
use crate::tiles::{Layer, TileCoord, MAX_ZOOM};
use crate::{ApiError, AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/tiles/{layer_json}", get(tilejson))
        .route("/tiles/{layer}/{z}/{x}/{y}", get(tile))
}

const MVT: &str = "application/vnd.mapbox-vector-tile";
/// A URL that names the current data version always gives the same tile.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Without a version (or with an older one), a client must check back (cheap with the ETag).
const REVALIDATE: &str = "public, no-cache";

/// The query parameters of tile and TileJSON requests, checked by hand so that a malformed
/// one gets an error that names it.
#[derive(Debug, Default, Deserialize)]
struct TileParams {
    v: Option<String>,
    date: Option<String>,
}

impl TileParams {
    fn version(&self) -> Result<Option<i64>, ApiError> {
        self.v
            .as_deref()
            .map(|v| {
                v.parse::<i64>().map_err(|_| {
                    ApiError::BadRequest(format!(
                        "parameter v={v:?} is not a data version (a whole number, as in the TileJSON's tile URL)"
                    ))
                })
            })
            .transpose()
    }

    fn date(&self, layer: Layer) -> Result<Option<NaiveDate>, ApiError> {
        let Some(date) = self.date.as_deref() else {
            return Ok(None);
        };
        if !layer.takes_date() {
            return Err(ApiError::BadRequest(format!(
                "parameter date applies to the services layer only, not to {}",
                layer.id()
            )));
        }
        Ok(Some(crate::params::day("date", date)?))
    }
}

/// Whether the client takes gzip (`Accept-Encoding: gzip`, `x-gzip` or `*`, not at q=0).
fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or_default().trim();
            let refused = parts.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            !refused
                && (coding.eq_ignore_ascii_case("gzip")
                    || coding.eq_ignore_ascii_case("x-gzip")
                    || coding == "*")
        })
}

/// One tile; 204 when no feature touches it, 304 when the client's copy is current.
async fn tile(
    State(state): State<AppState>,
    Path((layer, z, x, y)): Path<(String, String, String, String)>,
    Query(params): Query<TileParams>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let layer: Layer = layer.parse()?;
    let coord = TileCoord::parse(&z, &x, &y)?;
    let requested = params.version()?;
    let date = params.date(layer)?;
    let (tile, version, status) = state.tiles.tile(layer, coord, date, requested).await?;

    let cache_control = if requested == Some(version) {
        IMMUTABLE
    } else {
        REVALIDATE
    };
    let mut response_headers = HeaderMap::new();
    response_headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(cache_control),
    );
    response_headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    response_headers.insert("x-tile-cache", HeaderValue::from_static(status.as_str()));
    if tile.is_empty() {
        return Ok((StatusCode::NO_CONTENT, response_headers).into_response());
    }

    let gzip = accepts_gzip(&headers);
    let etag = tile.etag(gzip);
    response_headers.insert(header::ETAG, etag.clone());
    if let Some(if_none_match) = headers.typed_get::<IfNoneMatch>() {
        let current = etag.to_str().ok().and_then(|e| e.parse::<ETag>().ok());
        if current.is_some_and(|e| !if_none_match.precondition_passes(&e)) {
            return Ok((StatusCode::NOT_MODIFIED, response_headers).into_response());
        }
    }
    response_headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(MVT));
    let body = if gzip {
        response_headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        tile.gzip()
    } else {
        tile.mvt.clone()
    };
    Ok((StatusCode::OK, response_headers, body).into_response())
}

/// TileJSON 3.0.0. Tile URLs carry the layer's data version, so a cache keyed on the URL
/// never serves a tile of older data. For services, `date` is carried into the URLs.
async fn tilejson(
    State(state): State<AppState>,
    Path(layer_json): Path<String>,
    Query(params): Query<TileParams>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let layer: Layer = layer_json
        .strip_suffix(".json")
        .ok_or_else(|| ApiError::NotFound("TileJSON is at /tiles/{layer}.json".into()))?
        .parse()?;
    let date = params.date(layer)?;
    let version = state.tiles.versions_now().await?.of(layer);
    let bounds: Option<(f64, f64, f64, f64)> = sqlx::query_as(layer.bounds_sql())
        .fetch_optional(state.read().pool())
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
    let date_param = date
        .map(|d| format!("&date={}", d.format("%Y-%m-%d")))
        .unwrap_or_default();
    let doc: Value = json!({
        "tilejson": "3.0.0",
        "name": layer.id(),
        "description": layer.description(),
        "version": format!("1.0.{version}"),
        "scheme": "xyz",
        "tiles": [format!("http://{host}/tiles/{}/{{z}}/{{x}}/{{y}}.mvt?v={version}{date_param}", layer.id())],
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
    });
    // The TileJSON names the current version: it must not be cached past a change.
    Ok(([(header::CACHE_CONTROL, REVALIDATE)], Json(doc)).into_response())
}
