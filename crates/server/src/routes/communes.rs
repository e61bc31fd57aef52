//! Communes for the web atlas: search by name, label points, and a commune's profile.

use axum::extract::{Path, Query, State};
use axum::Json;
use observatory_core::CommuneId;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::ErrorBody;
use crate::{ApiError, AppState};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(search))
        .routes(routes!(labels))
        .routes(routes!(commune_profile))
}

/// Longest query text taken: longer than any commune name in either language.
const MAX_QUERY_CHARS: usize = 100;
const DEFAULT_LIMIT: i64 = 10;
const MAX_LIMIT: i64 = 50;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct SearchQuery {
    /// Part of a commune's name in Dutch, French or its official language, in any case,
    /// with or without accents (`ypres`, `Duinkerke`, `eperlecques`).
    q: Option<String>,
    /// How many matches at most (1 to 50, default 10).
    limit: Option<String>,
}

/// A commune whose name matched a search.
#[derive(Debug, Serialize, ToSchema)]
struct CommuneMatch {
    /// `COUNTRY-CODE`, e.g. `BE-33011`.
    id: String,
    /// `BE` or `FR`.
    country: String,
    /// The NIS or INSEE code.
    code: String,
    /// The official name, in the commune's own language.
    name: String,
    name_nl: Option<String>,
    name_fr: Option<String>,
    /// The outline's extent in WGS 84 degrees: west, south, east, north.
    bbox: [f64; 4],
}

#[derive(sqlx::FromRow)]
struct CommuneMatchRow {
    id: String,
    country: String,
    code: String,
    name: String,
    name_nl: Option<String>,
    name_fr: Option<String>,
    west: f64,
    south: f64,
    east: f64,
    north: f64,
}

impl From<CommuneMatchRow> for CommuneMatch {
    fn from(r: CommuneMatchRow) -> Self {
        CommuneMatch {
            id: r.id,
            country: r.country,
            code: r.code,
            name: r.name,
            name_nl: r.name_nl,
            name_fr: r.name_fr,
            bbox: [r.west, r.south, r.east, r.north],
        }
    }
}

fn parse_limit(text: Option<&str>) -> Result<i64, ApiError> {
    let Some(text) = text.filter(|t| !t.is_empty()) else {
        return Ok(DEFAULT_LIMIT);
    };
    match text.parse::<i64>() {
        Ok(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        _ => Err(ApiError::BadRequest(format!(
            "query parameter limit: {text:?} is not a whole number from 1 to {MAX_LIMIT}"
        ))),
    }
}

/// Communes whose name, in either language, contains the query, ignoring case, accents
/// and punctuation: an equal name first, then names and words starting with it, the more
/// populous first.
#[utoipa::path(
    get,
    path = "/api/communes",
    tag = "communes",
    params(SearchQuery),
    responses(
        (status = 200, description = "The matching communes, best first", body = Vec<CommuneMatch>),
        (status = 400, description = "A missing, empty, too long or malformed q or limit", body = ErrorBody),
        (status = 503, description = "The database could not answer", body = ErrorBody),
    )
)]
async fn search(
    State(state): State<AppState>,
    Query(query): Query<SearchQuery>,
) -> Result<Json<Vec<CommuneMatch>>, ApiError> {
    let limit = parse_limit(query.limit.as_deref())?;
    let q = query.q.unwrap_or_default();
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(ApiError::BadRequest(format!(
            "query parameter q: longer than {MAX_QUERY_CHARS} characters; give part of a commune's name"
        )));
    }
    // The search folds every other character away: a query of none would match all.
    if !q.chars().any(char::is_alphanumeric) {
        return Err(ApiError::BadRequest(
            "query parameter q: give part of a commune's name (at least one letter or digit), e.g. ?q=ieper".to_owned(),
        ));
    }
    let rows: Vec<CommuneMatchRow> = sqlx::query_as(include_str!("../sql/api_commune_search.sql"))
        .bind(&q)
        .bind(limit)
        .fetch_all(&state.pool)
        .await?;
    Ok(Json(rows.into_iter().map(CommuneMatch::from).collect()))
}

/// One point inside each commune, with its names and population, as a GeoJSON
/// FeatureCollection (RFC 7946): where the map writes each commune's name.
#[utoipa::path(
    get,
    path = "/api/labels",
    tag = "communes",
    responses(
        (status = 200, description = "A FeatureCollection of Points with properties id, name, name_nl, name_fr and population, the most populous first", body = serde_json::Value, content_type = "application/geo+json"),
        (status = 503, description = "The database could not answer", body = ErrorBody),
    )
)]
async fn labels(State(state): State<AppState>) -> Result<impl axum::response::IntoResponse, ApiError> {
    let collection: Value = sqlx::query_scalar(include_str!("../sql/api_commune_labels.sql"))
        .fetch_one(&state.pool)
        .await?;
    Ok((
        [(axum::http::header::CONTENT_TYPE, "application/geo+json")],
        Json(collection),
    ))
}

/// A commune's profile: every indicator with the means of its arrondissement, its country
/// and the region, its rank, the nearest services of each category with distance and
/// country, its population series and its services over time.
#[utoipa::path(
    get,
    path = "/api/communes/{id}",
    tag = "communes",
    params(
        ("id" = String, Path, description = "A commune id, COUNTRY-CODE, e.g. `BE-33011` (Ieper) or `FR-59183` (Dunkerque)"),
    ),
    responses(
        (status = 200, description = "The commune's profile", body = serde_json::Value),
        (status = 400, description = "A malformed commune id", body = ErrorBody),
        (status = 404, description = "No such commune", body = ErrorBody),
        (status = 503, description = "The database could not answer", body = ErrorBody),
    )
)]
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
