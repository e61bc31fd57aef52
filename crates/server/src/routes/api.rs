//! The JSON API's indicators: definitions and values per commune.

use axum::extract::State;
use axum::Json;
use observatory_core::{ServiceCategory, Year};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::sql_json::{decode_error, json_optional_number};
use super::translations::Translations;
use crate::error::ErrorBody;
use crate::params::{Path, Query, RegionParam, RegionScope};
use crate::{ApiError, AppState};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(indicators))
        .routes(routes!(indicator_values))
}

/// An indicator's definition, as `api_indicators.sql` builds it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
struct IndicatorDefinition {
    /// The indicator's id, e.g. `nearest_service_m`: the path of its values,
    /// `GET /api/indicators/{id}`.
    id: String,
    /// Its name in Dutch, French and English.
    name: Translations,
    /// What it measures, in Dutch, French and English.
    definition: Translations,
    /// What its values count or measure, e.g. `metres` or `services per 1,000 inhabitants`.
    unit: String,
    /// Whether it has one value per service category: its values then need `?category=`.
    per_category: bool,
    /// The category ids it has values or reasons for, ascending; empty when not
    /// `per_category`.
    categories: Vec<String>,
    /// The inventory years it has values or reasons for, ascending, besides the latest
    /// (always there, and not listed).
    years: Vec<i32>,
    /// The sources its values come from, in words.
    sources: String,
    /// The date or period its values refer to, in words.
    reference: String,
    /// The licence of its sources.
    licence: String,
    /// How it is computed.
    method: String,
}

/// Every indicator's definition: name and definition in Dutch, French and English, unit,
/// the categories and inventory years it has values for, sources, reference dates,
/// licence and method.
#[utoipa::path(
    get,
    path = "/api/indicators",
    tag = "indicators",
    responses(
        (status = 200, description = "Every indicator's definition, by id", body = Vec<IndicatorDefinition>),
        (status = 500, description = "The database answered what the server cannot describe; the reason is in its log", body = ErrorBody),
        (status = 503, description = "The database could not answer", body = ErrorBody),
    )
)]
async fn indicators(
    State(state): State<AppState>,
) -> Result<Json<Vec<IndicatorDefinition>>, ApiError> {
    // json_agg over no indicator is NULL: none to list.
    let list: Option<sqlx::types::Json<Vec<IndicatorDefinition>>> =
        sqlx::query_scalar(include_str!("../sql/api_indicators.sql"))
            .fetch_one(state.read().pool())
            .await
            .map_err(decode_error("the indicator definitions"))?;
    Ok(Json(
        list.map(|sqlx::types::Json(list)| list).unwrap_or_default(),
    ))
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

/// An indicator's values for every commune, as `api_indicator_values.sql` builds them.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
struct IndicatorValues {
    /// The indicator's id, as asked.
    indicator: String,
    /// The category asked, for per-category indicators; `null` for the others.
    category: Option<String>,
    /// The inventory year asked; `null` for the latest.
    year: Option<i32>,
    /// The region asked for (`?region=`); `null` for every region.
    region: Option<String>,
    /// How many communes have a value.
    count: i64,
    /// How many communes have none (each says why).
    no_data: i64,
    /// The lowest value; `null` when no commune has one.
    #[serde(serialize_with = "json_optional_number")]
    min: Option<f64>,
    /// The highest value; `null` when no commune has one.
    #[serde(serialize_with = "json_optional_number")]
    max: Option<f64>,
    /// The median of the values (interpolated between the middle two for an even count);
    /// `null` when no commune has one.
    #[serde(serialize_with = "json_optional_number")]
    median: Option<f64>,
    /// One per commune, by commune id.
    values: Vec<CommuneValue>,
}

/// A commune's value of the indicator, or why it has none.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
struct CommuneValue {
    /// `COUNTRY-CODE`, e.g. `BE-33011`.
    commune: String,
    /// The official name, in the commune's own language.
    name: String,
    /// Its name in Dutch.
    name_nl: Option<String>,
    /// Its name in French.
    name_fr: Option<String>,
    /// `null` when the data cannot support a value; `no_data` says why.
    #[serde(serialize_with = "json_optional_number")]
    value: Option<f64>,
    /// Why there is no value (e.g. `no source gives pharmacy locations in FR`); `null`
    /// with a value.
    no_data: Option<String>,
    /// The source ids the value or the reason comes from.
    sources: Vec<String>,
}

/// Values for every commune, or every commune of one region, with min, max and median
/// over them. `category` is required for the indicators that have one value per category;
/// `year` defaults to the latest (0).
#[utoipa::path(
    get,
    path = "/api/indicators/{id}",
    tag = "indicators",
    params(
        ("id" = String, Path, description = "An indicator id from /api/indicators, e.g. `nearest_service_m`"),
        ValuesQuery,
        RegionParam,
    ),
    responses(
        (status = 200, description = "The indicator's values for every commune (of the region), with min, max and median", body = IndicatorValues),
        (status = 400, description = "A missing, refused or malformed category, year or region", body = ErrorBody),
        (status = 404, description = "No such indicator, or no such region", body = ErrorBody),
        (status = 500, description = "The database answered what the server cannot describe; the reason is in its log", body = ErrorBody),
        (status = 503, description = "The database could not answer", body = ErrorBody),
    )
)]
async fn indicator_values(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<ValuesQuery>,
    region: RegionScope,
) -> Result<Json<IndicatorValues>, ApiError> {
    // Ids are short snake_case words: anything else is known not to exist (and a NUL
    // would not even reach the database as text).
    if id.len() > 64 || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(ApiError::NotFound(
            "no such indicator; indicator ids are words such as nearest_service_m, see /api/indicators".to_owned(),
        ));
    }
    let per_category: Option<bool> =
        sqlx::query_scalar(include_str!("../sql/api_indicator_meta.sql"))
            .bind(&id)
            .fetch_optional(state.read().pool())
            .await?;
    let per_category = per_category
        .ok_or_else(|| ApiError::NotFound(format!("no indicator {id:?}; see /api/indicators")))?;
    let category = match (per_category, query.category) {
        (true, Some(c)) => ServiceCategory::parse(&c)
            .map_err(|e| ApiError::BadRequest(format!("query parameter category: {e}")))?
            .to_string(),
        (true, None) => {
            return Err(ApiError::BadRequest(format!(
                "indicator {id} needs ?category=, e.g. ?category=pharmacy"
            )))
        }
        (false, Some(_)) => {
            return Err(ApiError::BadRequest(format!(
                "query parameter category: indicator {id} has no categories; leave category out"
            )))
        }
        (false, None) => String::new(),
    };
    let year = match query.year.as_deref() {
        None | Some("") | Some("latest") => 0,
        Some(text) => i32::from(
            text.parse::<Year>()
                .map_err(|e| ApiError::BadRequest(format!("query parameter year: {e}")))?,
        ),
    };
    let sqlx::types::Json(values): sqlx::types::Json<IndicatorValues> =
        sqlx::query_scalar(include_str!("../sql/api_indicator_values.sql"))
            .bind(&id)
            .bind(&category)
            .bind(year)
            .bind(region.id())
            .fetch_one(state.read().pool())
            .await
            .map_err(decode_error("an indicator's values"))?;
    Ok(Json(values))
}
