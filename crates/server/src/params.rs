//! Query strings and path segments read into types, a failure answered as every other
//! error of the API: JSON ([`ApiError`]) that names what could not be read. Axum's own
//! `Query` and `Path` answer theirs in plain text (a repeated parameter, a path segment
//! that is not UTF-8). And the values the tiles, OGC API and the exports share: a day, a
//! bounding box, a commune, a region, each read in one place.

use std::fmt;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use chrono::NaiveDate;
use observatory_core::{CommuneId, RegionId};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use sqlx::PgPool;
use utoipa::IntoParams;

use crate::{ApiError, AppState};

/// The query string, as [`axum::extract::Query`]; a string that cannot be read is a
/// 400 whose message names the parameter (`duplicate field `q``).
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(value)| Query(value))
            .map_err(|e| {
                ApiError::BadRequest(format!(
                    "the query string cannot be read: {}",
                    e.body_text()
                ))
            })
    }
}

/// The path's parameters, as [`axum::extract::Path`]; a segment that cannot be read
/// (not UTF-8 once decoded) is a 400 that names it.
pub struct Path<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(value)| Path(value))
            .map_err(|e| ApiError::BadRequest(format!("path: {}", e.body_text())))
    }
}

/// A query parameter that could not be read: which one, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("query parameter {parameter}: {reason}")]
pub struct ParamError {
    pub parameter: &'static str,
    reason: String,
}

impl ParamError {
    pub fn new(parameter: &'static str, reason: impl Into<String>) -> ParamError {
        ParamError {
            parameter,
            reason: reason.into(),
        }
    }
}

impl From<ParamError> for ApiError {
    fn from(e: ParamError) -> ApiError {
        ApiError::BadRequest(e.to_string())
    }
}

/// A bounding box in CRS84 longitude/latitude degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bbox {
    pub min_lon: f64,
    pub min_lat: f64,
    pub max_lon: f64,
    pub max_lat: f64,
}

impl Bbox {
    /// `minlon,minlat,maxlon,maxlat`, or six numbers with heights after each corner's
    /// latitude (ignored: the features have none). Boxes across the antimeridian
    /// (minlon > maxlon) are refused: no data of this observatory lies near it.
    pub fn parse(text: &str) -> Result<Bbox, ParamError> {
        let numbers = text
            .split(',')
            .map(|part| {
                part.trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .ok_or_else(|| {
                        ParamError::new("bbox", format!("{part:?} is not a finite number"))
                    })
            })
            .collect::<Result<Vec<f64>, ParamError>>()?;
        let (min_lon, min_lat, max_lon, max_lat) = match numbers[..] {
            [a, b, c, d] => (a, b, c, d),
            [a, b, _, d, e, _] => (a, b, d, e),
            _ => {
                return Err(ParamError::new(
                    "bbox",
                    format!(
                        "{} numbers given; give four: minlon,minlat,maxlon,maxlat (CRS84)",
                        numbers.len()
                    ),
                ))
            }
        };
        if min_lon > max_lon || min_lat > max_lat {
            return Err(ParamError::new(
                "bbox",
                format!(
                    "the minimum is above the maximum in {text:?}; give minlon,minlat,maxlon,maxlat"
                ),
            ));
        }
        Ok(Bbox {
            min_lon,
            min_lat,
            max_lon,
            max_lat,
        })
    }
}

impl fmt::Display for Bbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{},{},{},{}",
            self.min_lon, self.min_lat, self.max_lon, self.max_lat
        )
    }
}

/// A day written `YYYY-MM-DD`, as query parameter `parameter`.
pub fn day(parameter: &'static str, text: &str) -> Result<NaiveDate, ParamError> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
        ParamError::new(
            parameter,
            format!("{text:?} is not a day; give it as YYYY-MM-DD, e.g. 2020-06-30"),
        )
    })
}

/// A commune written with its country, `BE-33011`, as query parameter `parameter`.
pub fn commune(parameter: &'static str, text: &str) -> Result<CommuneId, ParamError> {
    text.parse::<CommuneId>()
        .map_err(|e| ParamError::new(parameter, e.to_string()))
}

/// A region id as query parameter `region`; a malformed one is a 400 naming it. Whether
/// the region exists is [`known_region`]'s to say.
pub fn region(text: &str) -> Result<RegionId, ParamError> {
    RegionId::parse(text).map_err(|e| ParamError::new("region", e.to_string()))
}

/// Checks that a region is loaded: an unknown one is a 404 that names it and the regions
/// there are.
pub async fn known_region(pool: &PgPool, region: &RegionId) -> Result<(), ApiError> {
    let known: Vec<String> = sqlx::query_scalar(include_str!("sql/region_ids.sql"))
        .fetch_all(pool)
        .await?;
    if known.iter().any(|id| id == region.as_str()) {
        return Ok(());
    }
    let listed = if known.is_empty() {
        "none is loaded".to_owned()
    } else {
        format!("the regions are {}", known.join(", "))
    };
    Err(ApiError::NotFound(format!(
        "query parameter region: no region {:?}; {listed} (GET /api/regions)",
        region.as_str()
    )))
}

/// The region a request is scoped to, from its query parameter `region`: its communes,
/// their values, their services. `None` when the parameter is absent or empty: every
/// region, as before regions existed. A malformed id is a 400 and an unknown region a
/// 404, each naming the parameter and the value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegionScope(pub Option<RegionId>);

impl RegionScope {
    pub fn id(&self) -> Option<&str> {
        self.0.as_ref().map(RegionId::as_str)
    }
}

/// The query parameter the handlers scoped by [`RegionScope`] take, as the API document
/// describes it.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RegionParam {
    /// A region id from `GET /api/regions`, e.g. `westhoek`: only its communes (and, for
    /// services, those in its communes or within 5 km of them). Every region when absent
    /// or empty. A malformed id is a 400, an unknown region a 404 naming it.
    pub region: Option<String>,
}

impl FromRequestParts<AppState> for RegionScope {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Query(RegionParam { region: text }) =
            Query::<RegionParam>::from_request_parts(parts, state).await?;
        let Some(text) = text.filter(|t| !t.is_empty()) else {
            return Ok(RegionScope(None));
        };
        let id = region(&text)?;
        known_region(state.read().pool(), &id).await?;
        Ok(RegionScope(Some(id)))
    }
}
