//! The needs questionnaire: a resident says, for the services they name, whether they
//! use them in their own commune, a neighbouring one, across the border or not at all,
//! and how they get there; and which services they miss. Anonymous by design: no
//! account, no contact, no withdrawal secret, and nothing kept of the answer's address
//! or time but its day. Published per commune only as counts, and only once enough
//! people of that commune have answered.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use observatory_core::{CommuneId, ServiceCategory};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::calls::first_duplicate;
use super::client::ClientAddress;
use super::input::{self, JsonBody};
use super::rate_limit::{self, Bucket};
use crate::error::ErrorBody;
use crate::{ApiError, AppState};

/// The fewest answers a commune needs before its figures are shown. Below it, a
/// neighbour who knows that two people of a small village answered could tell from the
/// counts what each of them said; the whole commune is then hidden, its count included.
const MINIMUM_ANSWERS: i64 = 5;

/// The most services one answer may name (the taxonomy has fewer categories).
const MAX_CATEGORIES: usize = 60;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(answer))
        .routes(routes!(commune_needs))
}

/// Where a resident uses a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
enum UsePlace {
    OwnCommune,
    Neighbour,
    AcrossBorder,
    NotUsed,
}

impl UsePlace {
    fn as_str(self) -> &'static str {
        match self {
            UsePlace::OwnCommune => "own_commune",
            UsePlace::Neighbour => "neighbour",
            UsePlace::AcrossBorder => "across_border",
            UsePlace::NotUsed => "not_used",
        }
    }
}

/// How a resident gets to a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
enum Travel {
    Walk,
    Bike,
    Car,
    PublicTransport,
    Other,
}

impl Travel {
    fn as_str(self) -> &'static str {
        match self {
            Travel::Walk => "walk",
            Travel::Bike => "bike",
            Travel::Car => "car",
            Travel::PublicTransport => "public_transport",
            Travel::Other => "other",
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
struct ServiceUse {
    /// A category id of the taxonomy (`/api/categories`), once per answer.
    #[schema(value_type = String)]
    category: ServiceCategory,
    #[serde(rename = "where")]
    place: UsePlace,
    /// Optional.
    how: Option<Travel>,
}

#[derive(Debug, Deserialize, ToSchema)]
struct Questionnaire {
    /// The commune one lives in, e.g. `BE-33011`.
    #[schema(value_type = String)]
    commune: CommuneId,
    /// 1 to 60 services, each category once.
    uses: Vec<ServiceUse>,
    /// Up to 60 categories one misses.
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    missing: Vec<ServiceCategory>,
    /// Leave empty.
    website: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
struct Received {
    /// Always true: the answer is kept (and cannot be withdrawn, having no owner).
    received: bool,
}

/// The position of the first category the taxonomy does not have.
async fn first_unknown(
    conn: &mut PgConnection,
    categories: &[&str],
) -> Result<Option<usize>, ApiError> {
    let position: Option<i64> = sqlx::query_scalar(include_str!("sql/unknown_category.sql"))
        .bind(categories)
        .fetch_optional(conn)
        .await?;
    Ok(position.and_then(|p| usize::try_from(p).ok()))
}

/// Answers the needs questionnaire, anonymously.
#[utoipa::path(
    post,
    operation_id = "answer_questionnaire",
    path = "/api/questionnaire",
    tag = "participation",
    request_body = Questionnaire,
    responses(
        (status = 201, description = "Kept", body = Received),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 403, description = "Sent from another site", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 422, description = "A field is refused; the answer names it (`uses[2].category`)", body = ErrorBody),
        (status = 429, description = "Too many answers from this address", body = ErrorBody),
    )
)]
async fn answer(
    State(state): State<AppState>,
    client: ClientAddress,
    JsonBody(answer): JsonBody<Questionnaire>,
) -> Result<(StatusCode, Json<Received>), ApiError> {
    input::honeypot(answer.website.as_deref())?;
    if answer.uses.is_empty() || answer.uses.len() > MAX_CATEGORIES {
        return Err(ApiError::invalid(
            "uses",
            format!("say for 1 to {MAX_CATEGORIES} services where you use them"),
        ));
    }
    let used: Vec<&str> = answer.uses.iter().map(|u| u.category.as_str()).collect();
    if let Some(twice) = first_duplicate(&used) {
        let i = used.iter().rposition(|c| c == twice).unwrap_or_default();
        return Err(ApiError::invalid(
            format!("uses[{i}].category"),
            format!("{twice} is given twice; say once where you use it"),
        ));
    }
    if answer.missing.len() > MAX_CATEGORIES {
        return Err(ApiError::invalid(
            "missing",
            format!("name at most {MAX_CATEGORIES} services"),
        ));
    }
    let missing: Vec<&str> = answer.missing.iter().map(ServiceCategory::as_str).collect();
    if let Some(twice) = first_duplicate(&missing) {
        let i = missing.iter().rposition(|c| c == twice).unwrap_or_default();
        return Err(ApiError::invalid(
            format!("missing[{i}]"),
            format!("{twice} is given twice"),
        ));
    }
    rate_limit::count(
        state.primary(),
        Bucket::Contribution,
        state.settings.limits.contributions,
        client,
    )
    .await?;
    let mut tx = state.primary().begin().await?;
    input::known_commune(&mut tx, "commune", &answer.commune).await?;
    if let Some(i) = first_unknown(&mut tx, &used).await? {
        return Err(ApiError::invalid(
            format!("uses[{i}].category"),
            format!(
                "{} is not a category of the taxonomy; see /api/categories",
                used.get(i).copied().unwrap_or_default()
            ),
        ));
    }
    if let Some(i) = first_unknown(&mut tx, &missing).await? {
        return Err(ApiError::invalid(
            format!("missing[{i}]"),
            format!(
                "{} is not a category of the taxonomy; see /api/categories",
                missing.get(i).copied().unwrap_or_default()
            ),
        ));
    }
    let id: i64 = sqlx::query_scalar(include_str!("sql/insert_needs_response.sql"))
        .bind(answer.commune.code().country().iso2())
        .bind(answer.commune.code().code())
        .bind(&missing)
        .fetch_one(&mut *tx)
        .await?;
    let places: Vec<&str> = answer.uses.iter().map(|u| u.place.as_str()).collect();
    let travels: Vec<Option<&str>> = answer
        .uses
        .iter()
        .map(|u| u.how.map(Travel::as_str))
        .collect();
    sqlx::query(include_str!("sql/insert_needs_uses.sql"))
        .bind(id)
        .bind(&used)
        .bind(places)
        .bind(travels)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(Received { received: true })))
}

/// How the answers of a commune use one service.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
struct CategoryUse {
    category: String,
    /// How many answers said where they use it.
    answers: i64,
    own_commune: i64,
    neighbour: i64,
    across_border: i64,
    not_used: i64,
}

/// How many answers of a commune miss one service.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
struct MissingCategory {
    category: String,
    count: i64,
}

/// What the questionnaire says about a commune.
#[derive(Debug, Serialize, ToSchema)]
struct CommuneNeeds {
    /// e.g. `BE-33011`
    commune: String,
    /// How many answered; absent while `hidden`.
    answers: Option<i64>,
    /// The answers a commune needs before anything is shown.
    minimum: i64,
    /// Fewer answers than `minimum`: nothing is shown, so no one's answer can be told.
    hidden: bool,
    /// Per category, by name; empty while `hidden`.
    categories: Vec<CategoryUse>,
    /// The services missed, the most missed first; empty while `hidden`.
    missing: Vec<MissingCategory>,
}

/// The questionnaire's counts for a commune, once at least 5 of its residents have
/// answered.
#[utoipa::path(
    get,
    operation_id = "commune_needs",
    path = "/api/communes/{id}/needs",
    tag = "participation",
    params(("id" = String, Path, description = "A commune id, e.g. `BE-33011`")),
    responses(
        (status = 200, description = "The counts, or `hidden`", body = CommuneNeeds),
        (status = 400, description = "Not a commune id", body = ErrorBody),
        (status = 404, description = "No commune of the study area has this id", body = ErrorBody),
    )
)]
async fn commune_needs(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<CommuneNeeds>, ApiError> {
    let Path(id) = path.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let id: CommuneId = id
        .parse()
        .map_err(|e| ApiError::BadRequest(format!("{e}")))?;
    let country = id.code().country().iso2();
    let code = id.code().code();
    let mut conn = state.primary().acquire().await?;
    let known: bool = sqlx::query_scalar(include_str!("sql/commune_exists.sql"))
        .bind(country)
        .bind(code)
        .fetch_one(&mut *conn)
        .await?;
    if !known {
        return Err(ApiError::NotFound(format!("no commune {id}")));
    }
    type Counts = (
        i64,
        sqlx::types::Json<Vec<CategoryUse>>,
        sqlx::types::Json<Vec<MissingCategory>>,
    );
    let (answers, categories, missing): Counts =
        sqlx::query_as(include_str!("sql/commune_needs.sql"))
            .bind(country)
            .bind(code)
            .fetch_one(&mut *conn)
            .await?;
    let needs = if answers < MINIMUM_ANSWERS {
        CommuneNeeds {
            commune: id.to_string(),
            answers: None,
            minimum: MINIMUM_ANSWERS,
            hidden: true,
            categories: Vec::new(),
            missing: Vec::new(),
        }
    } else {
        CommuneNeeds {
            commune: id.to_string(),
            answers: Some(answers),
            minimum: MINIMUM_ANSWERS,
            hidden: false,
            categories: categories.0,
            missing: missing.0,
        }
    };
    Ok(Json(needs))
}
