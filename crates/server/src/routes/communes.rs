//! Communes for the web atlas: search by name, label points, and a commune's profile.

use axum::extract::State;
use axum::Json;
use chrono::NaiveDate;
use observatory_core::CommuneId;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::sql_json::{decode_error, json_number, json_numbers, json_optional_number};
use crate::error::ErrorBody;
use crate::params::{Path, Query, RegionParam, RegionScope};
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
    /// The id of the region it belongs to (`GET /api/regions`); `null` for a commune
    /// loaded before regions existed.
    region: Option<String>,
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
    region: Option<String>,
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
            region: r.region,
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
/// populous first; only those of one region with `region`.
#[utoipa::path(
    get,
    path = "/api/communes",
    tag = "communes",
    params(SearchQuery, RegionParam),
    responses(
        (status = 200, description = "The matching communes, best first", body = Vec<CommuneMatch>),
        (status = 400, description = "A missing, empty, too long or malformed q, limit or region", body = ErrorBody),
        (status = 404, description = "No such region", body = ErrorBody),
        (status = 503, description = "The database could not answer", body = ErrorBody),
    )
)]
async fn search(
    State(state): State<AppState>,
    Query(query): Query<SearchQuery>,
    region: RegionScope,
) -> Result<Json<Vec<CommuneMatch>>, ApiError> {
    let limit = parse_limit(query.limit.as_deref())?;
    let q = query.q.unwrap_or_default();
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(ApiError::BadRequest(format!(
            "query parameter q: longer than {MAX_QUERY_CHARS} characters; give part of a commune's name"
        )));
    }
    if q.chars().any(char::is_control) {
        return Err(ApiError::BadRequest(
            "query parameter q: contains a control character; give part of a commune's name"
                .to_owned(),
        ));
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
        .bind(region.id())
        .fetch_all(state.read().pool())
        .await?;
    Ok(Json(rows.into_iter().map(CommuneMatch::from).collect()))
}

/// The points of `GET /api/labels`: a GeoJSON FeatureCollection (RFC 7946).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
struct CommuneLabels {
    #[serde(rename = "type")]
    kind: FeatureCollectionType,
    /// One per commune, the most populous first.
    features: Vec<CommuneLabel>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
enum FeatureCollectionType {
    FeatureCollection,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
enum FeatureType {
    Feature,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
enum PointType {
    Point,
}

/// Where the map writes a commune's name.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
struct CommuneLabel {
    #[serde(rename = "type")]
    kind: FeatureType,
    /// `COUNTRY-CODE`, e.g. `BE-33011`.
    id: String,
    geometry: LabelPoint,
    properties: LabelProperties,
}

/// A point inside the commune's outline (never its bounding box's centre).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
struct LabelPoint {
    #[serde(rename = "type")]
    kind: PointType,
    /// Longitude and latitude in WGS 84 degrees, 6 decimals.
    #[serde(serialize_with = "json_numbers")]
    coordinates: [f64; 2],
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
struct LabelProperties {
    /// `COUNTRY-CODE`, as the feature's id.
    id: String,
    /// The official name, in the commune's own language.
    name: String,
    name_nl: Option<String>,
    name_fr: Option<String>,
    /// The latest population, to rank the labels by.
    population: Option<i64>,
}

/// One point inside each commune (of one region with `region`), with its names and
/// population, as a GeoJSON FeatureCollection (RFC 7946): where the map writes each
/// commune's name.
#[utoipa::path(
    get,
    path = "/api/labels",
    tag = "communes",
    params(RegionParam),
    responses(
        (status = 200, description = "A FeatureCollection of Points with properties id, name, name_nl, name_fr and population, the most populous first", body = CommuneLabels, content_type = "application/geo+json"),
        (status = 400, description = "A malformed region", body = ErrorBody),
        (status = 404, description = "No such region", body = ErrorBody),
        (status = 500, description = "The database answered what the server cannot describe; the reason is in its log", body = ErrorBody),
        (status = 503, description = "The database could not answer", body = ErrorBody),
    )
)]
async fn labels(
    State(state): State<AppState>,
    region: RegionScope,
) -> Result<impl axum::response::IntoResponse, ApiError> {
    let sqlx::types::Json(collection): sqlx::types::Json<CommuneLabels> =
        sqlx::query_scalar(include_str!("../sql/api_commune_labels.sql"))
            .bind(region.id())
            .fetch_one(state.read().pool())
            .await
            .map_err(decode_error("the label points"))?;
    Ok((
        [(axum::http::header::CONTENT_TYPE, "application/geo+json")],
        Json(collection),
    ))
}

/// A commune's profile, as `api_commune_profile.sql` builds it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
struct CommuneProfile {
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
    arrondissement: ProfileArrondissement,
    /// The French intercommunality (EPCI); `null` for Belgian communes.
    intercommunality: Option<ProfileIntercommunality>,
    /// The id of the region the commune belongs to (see `GET /api/regions`); `null` for a
    /// commune loaded before regions existed, until its manifest is loaded again.
    region: Option<String>,
    /// The latest figure counting exactly this commune's territory.
    population: Option<i64>,
    /// The year of `population`.
    population_year: Option<i32>,
    /// The outline's area in km².
    #[serde(serialize_with = "json_number")]
    area_km2: f64,
    /// The outline's extent in WGS 84 degrees: west, south, east, north.
    #[serde(serialize_with = "json_numbers")]
    bbox: [f64; 4],
    /// Every population figure of the commune, years ascending.
    population_series: Vec<PopulationPoint>,
    /// The commune's services over time, by category, form and date.
    services_series: Vec<ServicesPoint>,
    /// Every indicator of year 0, by indicator and category.
    indicators: Vec<ProfileIndicator>,
    /// The nearest service of each category, across the border (`any`) and within the
    /// country (`national`).
    nearest: Vec<ProfileNearest>,
}

/// The arrondissement the commune belongs to, named in Dutch and French.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
struct ProfileArrondissement {
    code: Option<String>,
    /// Its name in Dutch.
    nl: Option<String>,
    /// Its name in French.
    fr: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
struct ProfileIntercommunality {
    code: String,
    name: Option<String>,
}

/// A population figure of the population table.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
struct PopulationPoint {
    year: i32,
    population: i64,
}

/// How many services of a category the commune had on a date.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
struct ServicesPoint {
    /// A taxonomy id, e.g. `pharmacy`.
    category: String,
    /// A date a source of the category saw the commune's country; for `counts`, 1 January
    /// of the inventory's year.
    date: NaiveDate,
    form: ServicesForm,
    count: i64,
}

/// Where a count comes from.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
enum ServicesForm {
    /// Service points known to exist on that date.
    Points,
    /// An inventory of counts per commune without points (INSEE BPE).
    Counts,
}

/// One indicator of the commune, set against every commune's.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
struct ProfileIndicator {
    /// An indicator id of `GET /api/indicators`.
    indicator: String,
    /// The category, for per-category indicators.
    category: Option<String>,
    /// `null` when the data cannot support a value; `no_data` says why.
    #[serde(serialize_with = "json_optional_number")]
    value: Option<f64>,
    no_data: Option<String>,
    /// The source ids the value comes from.
    sources: Vec<String>,
    /// The mean over the communes of its arrondissement that have a value.
    #[serde(serialize_with = "json_optional_number")]
    arrondissement_mean: Option<f64>,
    /// The mean over the communes of its intercommunality (EPCI); `null` for a commune
    /// that belongs to none (the Belgian ones).
    #[serde(serialize_with = "json_optional_number")]
    intercommunality_mean: Option<f64>,
    /// The mean over the communes of its country within its region.
    #[serde(serialize_with = "json_optional_number")]
    country_mean: Option<f64>,
    /// The mean over the communes of its region.
    #[serde(serialize_with = "json_optional_number")]
    region_mean: Option<f64>,
    /// 1 for the highest value of the region; `null` without a value.
    rank: Option<i64>,
    /// How many communes have a value.
    ranked: i64,
}

/// The nearest service of a category.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
struct ProfileNearest {
    /// A taxonomy id, e.g. `hospital`.
    category: String,
    /// `any` (across the border) or `national` (within the commune's country).
    scope: String,
    /// Geodesic distance in metres from the origin.
    #[serde(serialize_with = "json_number")]
    distance_m: f64,
    /// The access origin measured from (`BE-33011C`).
    from: String,
    service: NearestService,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
struct NearestService {
    /// The service's number, as in the services layer and exports.
    id: i64,
    name: Option<String>,
    country: Option<String>,
    /// The commune it lies in (`BE-33011`); `null` just outside the study area.
    commune: Option<String>,
}

/// A commune's profile: every indicator with the means of its arrondissement, its
/// intercommunality (where it has one), its country and the region, its rank, the nearest
/// services of each category with distance and country, its population series and its
/// services over time.
#[utoipa::path(
    get,
    path = "/api/communes/{id}",
    tag = "communes",
    params(
        ("id" = String, Path, description = "A commune id, COUNTRY-CODE, e.g. `BE-33011` (Ieper) or `FR-59183` (Dunkerque)"),
    ),
    responses(
        (status = 200, description = "The commune's profile", body = CommuneProfile),
        (status = 400, description = "A malformed commune id", body = ErrorBody),
        (status = 404, description = "No such commune", body = ErrorBody),
        (status = 500, description = "The database answered what the server cannot describe; the reason is in its log", body = ErrorBody),
        (status = 503, description = "The database could not answer", body = ErrorBody),
    )
)]
async fn commune_profile(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<CommuneProfile>, ApiError> {
    let id: CommuneId = id
        .parse()
        .map_err(|e| ApiError::BadRequest(format!("{e}")))?;
    let profile: Option<sqlx::types::Json<CommuneProfile>> =
        sqlx::query_scalar(include_str!("../sql/api_commune_profile.sql"))
            .bind(id.code().country().iso2())
            .bind(id.code().code())
            .fetch_optional(state.read().pool())
            .await
            .map_err(decode_error("a commune profile"))?;
    profile
        .map(|sqlx::types::Json(profile)| Json(profile))
        .ok_or_else(|| ApiError::NotFound(format!("no commune {id}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_numbers_are_written_without_a_fraction_as_postgresql_does() {
        let row = ProfileIndicator {
            indicator: "service_count".into(),
            category: Some("pharmacy".into()),
            value: Some(3.0),
            no_data: None,
            sources: vec![],
            arrondissement_mean: Some(2.5),
            intercommunality_mean: None,
            country_mean: Some(-0.0),
            region_mean: None,
            rank: Some(1),
            ranked: 2,
        };
        let text = serde_json::to_string(&row).unwrap_or_default();
        assert!(text.contains(r#""value":3,"#), "{text}");
        assert!(text.contains(r#""arrondissement_mean":2.5,"#), "{text}");
        assert!(text.contains(r#""country_mean":0,"#), "{text}");
        assert!(text.contains(r#""region_mean":null,"#), "{text}");
        let point = LabelPoint {
            kind: PointType::Point,
            coordinates: [3.0, 50.851398],
        };
        assert_eq!(
            serde_json::to_string(&point).unwrap_or_default(),
            r#"{"type":"Point","coordinates":[3,50.851398]}"#
        );
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Any limit: a number from 1 to 50, or a 400 that names `limit`.
        #[test]
        fn limit(text in prop_oneof![".*", "-?[0-9]{0,30}"]) {
            match parse_limit(Some(&text)) {
                Ok(n) => prop_assert!((1..=MAX_LIMIT).contains(&n)),
                Err(e) => prop_assert!(e.to_string().starts_with("query parameter limit: "), "{}", e),
            }
        }
    }
}
