//! The JSON API's indicators: definitions and values per commune.

use axum::extract::{Path, Query, State};
use axum::Json;
use observatory_core::{ServiceCategory, Year};
use serde::Deserialize;
use serde_json::Value;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::ErrorBody;
use crate::{ApiError, AppState};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(indicators))
        .routes(routes!(indicator_values))
}

/// Every indicator's definition: name and definition in Dutch, French and English, unit,
/// the categories and inventory years it has values for, sources, reference dates,
/// licence and method.
#[utoipa::path(
    get,
    path = "/api/indicators",
    tag = "indicators",
    responses(
        (status = 200, description = "An array of indicator definitions", body = serde_json::Value),
        (status = 503, description = "The database could not answer", body = ErrorBody),
    )
)]
async fn indicators(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let list: Option<Value> = sqlx::query_scalar(include_str!("../sql/api_indicators.sql"))
        .fetch_one(&state.pool)
        .await?;
    Ok(Json(list.unwrap_or_else(|| Value::Array(Vec::new()))))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ValuesQuery {
    /// A category id of the taxonomy (`pharmacy`); required by the indicators that have one
    /// value per category, refused by the others.
    category: Option<String>,
    /// An inventory year (`2013`), or `latest` (the default).
    year: Option<String>,
}

/// Values for every commune, with min, max and median. `category` is required for the
/// indicators that have one value per category; `year` defaults to the latest (0).
#[utoipa::path(
    get,
    path = "/api/indicators/{id}",
    tag = "indicators",
    params(
        ("id" = String, Path, description = "An indicator id from /api/indicators, e.g. `nearest_service_m`"),
        ValuesQuery,
    ),
    responses(
        (status = 200, description = "The indicator's values for every commune, with min, max and median", body = serde_json::Value),
        (status = 400, description = "A missing, refused or malformed category or year", body = ErrorBody),
        (status = 404, description = "No such indicator", body = ErrorBody),
        (status = 503, description = "The database could not answer", body = ErrorBody),
    )
)]
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
