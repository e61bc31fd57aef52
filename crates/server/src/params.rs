//! Query strings and path segments read into types, a failure answered as every other
//! error of the API: JSON ([`ApiError`]) that names what could not be read. Axum's own
//! `Query` and `Path` answer theirs in plain text (a repeated parameter, a path segment
//! that is not UTF-8). And the values the tiles, OGC API and the exports share: a day, a
//! bounding box, a commune, each read in one place.

use std::fmt;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use chrono::NaiveDate;
use observatory_core::CommuneId;
use serde::de::DeserializeOwned;

use crate::ApiError;

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
