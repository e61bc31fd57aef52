//! Query strings and path segments read into types, a failure answered as every other
//! error of the API: JSON ([`ApiError`]) that names what could not be read. Axum's own
//! `Query` and `Path` answer theirs in plain text (a repeated parameter, a path segment
//! that is not UTF-8).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
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
