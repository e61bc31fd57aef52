//! The JSON API: indicator definitions and values, and commune profiles.

use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::{Json, Router};
use observatory_core::{CommuneId, ServiceCategory, Year};
use serde::Deserialize;
use serde_json::Value;

use crate::{ApiError, AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/indicators", get(indicators))
        .route("/api/indicators/{id}", get(indicator_values))
        .route("/api/communes/{id}", get(commune_profile))
}

async fn indicators(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let list: Option<Value> = sqlx::query_scalar(include_str!("../sql/api_indicators.sql"))
        .fetch_one(&state.pool)
        .await?;
    Ok(Json(list.unwrap_or_else(|| Value::Array(Vec::new()))))
}

#[derive(Deserialize)]
struct ValuesQuery {
    category: Option<String>,
    year: Option<String>,
}

/// Values for every commune, with min, max and median. `category` is required for the
/// indicators that have one value per category; `year` defaults to the latest (0).
async fn indicator_values(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<ValuesQuery>,
) -> Result<Json<Value>, ApiError> {
    let per_category: Option<bool> =
        sqlx::query_scalar(include_str!("../sql/api_indicator_meta.sql"))
            .bind(&id)
            .fetch_optional(&state.pool)
            .await?;
    let per_category = per_category
        .ok_or_else(|| ApiError::NotFound(format!("no indicator {id:?}; see /api/indicators")))?;
    let category = match (per_category, query.category) {
        (true, Some(c)) => ServiceCategory::parse(&c)
            .map_err(|e| ApiError::BadRequest(format!("category: {e}")))?
            .to_string(),
        (true, None) => {
            return Err(ApiError::BadRequest(format!(
                "indicator {id} needs ?category=, e.g. ?category=pharmacy"
            )))
        }
        (false, Some(_)) => {
            return Err(ApiError::BadRequest(format!(
                "indicator {id} has no categories"
            )))
        }
        (false, None) => String::new(),
    };
    let year = match query.year.as_deref() {
        None | Some("") | Some("latest") => 0,
        Some(text) => i32::from(
            text.parse::<Year>()
                .map_err(|e| ApiError::BadRequest(format!("year: {e}")))?,
        ),
    };
    let body: Value = sqlx::query_scalar(include_str!("../sql/api_indicator_values.sql"))
        .bind(&id)
        .bind(&category)
        .bind(year)
        .fetch_one(&state.pool)
        .await?;
    Ok(Json(body))
}

async fn commune_profile(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id: CommuneId = id
        .parse()
        .map_err(|e| ApiError::BadRequest(format!("{e}")))?;
    let profile: Option<Value> = sqlx::query_scalar(include_str!("../sql/api_commune_profile.sql"))
        .bind(id.code().country().iso2())
        .bind(id.code().code())
        .fetch_optional(&state.pool)
        .await?;
    profile
        .map(Json)
        .ok_or_else(|| ApiError::NotFound(format!("no commune {id}")))
}
