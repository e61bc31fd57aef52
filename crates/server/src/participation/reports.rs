//! Service reports: a resident says a service opened, closed or changed at a place and
//! on a day. Before sending, the form asks whether it is one of the services already
//! known nearby. A moderator's acceptance writes it into the services (`moderation`).

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::NaiveDate;
use observatory_core::ServiceCategory;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::client::ClientAddress;
use super::contributions::{self, Created, Kind};
use super::input::{self, ContributionRefusals, JsonBody, Language, Lines};
use super::rate_limit::{self, Bucket};
use crate::error::ErrorBody;
use crate::{ApiError, AppState};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create, decided))
        .routes(routes!(nearby))
}

/// What a report says happened to the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// A new service, not in the observatory yet.
    Opened,
    /// A known service (`service_id`) has closed.
    Closed,
    /// A known service (`service_id`) moved, changed name or category.
    Changed,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Opened => "opened",
            Action::Closed => "closed",
            Action::Changed => "changed",
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
struct NewReport {
    action: Action,
    /// A category id of the taxonomy, e.g. `pharmacy`.
    #[schema(value_type = String)]
    category: ServiceCategory,
    /// Where the service is (or now is), WGS 84 degrees; inside a commune of the region.
    longitude: f64,
    latitude: f64,
    /// The known service the report is about: required to close or change one, refused
    /// for a new one.
    service_id: Option<i64>,
    /// The day it happened or was seen; not in the future.
    observed_on: NaiveDate,
    /// The service's name, at most 200 characters.
    name: Option<String>,
    /// Why, or what changed, at most 500 characters.
    reason: Option<String>,
    language: Language,
    /// Optional, never shown, erased on withdrawal.
    contact_email: Option<String>,
    /// Leave empty.
    website: Option<String>,
}

/// Reports a service that opened, closed or changed. It waits for a moderator before it
/// changes anything.
#[utoipa::path(
    post,
    path = "/api/reports",
    operation_id = "report_service",
    tag = "participation",
    request_body = NewReport,
    responses(
        (status = 201, description = "Received; pending moderation", body = Created),
        ContributionRefusals,
    )
)]
async fn create(
    State(state): State<AppState>,
    client: ClientAddress,
    JsonBody(report): JsonBody<NewReport>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    input::honeypot(report.website.as_deref())?;
    let point = input::position(report.longitude, report.latitude)?;
    let name = input::optional_text("name", report.name.as_deref(), 200, Lines::One)?;
    let reason = input::optional_text("reason", report.reason.as_deref(), 500, Lines::Many)?;
    let contact = input::contact_email(report.contact_email.as_deref(), false)?;
    let today = chrono::Utc::now().date_naive();
    if report.observed_on > today {
        return Err(ApiError::invalid(
            "observed_on",
            format!(
                "{} is in the future; give the day it happened or was seen",
                report.observed_on
            ),
        ));
    }
    match (report.action, report.service_id) {
        (Action::Opened, Some(_)) => {
            return Err(ApiError::invalid(
                "service_id",
                "a new service is not one already known; leave service_id out, or report the known one as changed",
            ))
        }
        (Action::Closed | Action::Changed, None) => {
            return Err(ApiError::invalid(
                "service_id",
                "say which known service this is: pick one of the services near the pin (/api/reports/nearby)",
            ))
        }
        _ => {}
    }
    rate_limit::count(
        state.primary(),
        Bucket::Contribution,
        state.settings.limits.contributions,
        client,
    )
    .await?;
    let mut tx = state.primary().begin().await?;
    let commune = input::commune_at(&mut tx, point).await?;
    let category_known: bool = sqlx::query_scalar(include_str!("sql/category_exists.sql"))
        .bind(report.category.as_str())
        .fetch_one(&mut *tx)
        .await?;
    if !category_known {
        return Err(ApiError::invalid(
            "category",
            format!(
                "{} is not a category of the taxonomy; see /api/categories",
                report.category
            ),
        ));
    }
    if let Some(service_id) = report.service_id {
        let same_category: Option<bool> =
            sqlx::query_scalar(include_str!("sql/service_category_of.sql"))
                .bind(service_id)
                .bind(report.category.as_str())
                .fetch_optional(&mut *tx)
                .await?;
        match (same_category, report.action) {
            (None, _) => {
                return Err(ApiError::invalid(
                    "service_id",
                    format!("no service has id {service_id}"),
                ))
            }
            (Some(false), Action::Closed) => {
                return Err(ApiError::invalid(
                    "service_id",
                    format!(
                        "service {service_id} is not of category {}",
                        report.category
                    ),
                ))
            }
            _ => {}
        }
    }
    let (id, token) = contributions::insert(
        &mut tx,
        Kind::ServiceReport,
        report.language,
        contact.as_deref(),
    )
    .await?;
    sqlx::query(include_str!("sql/insert_service_report.sql"))
        .bind(id)
        .bind(report.action.as_str())
        .bind(report.category.as_str())
        .bind(point.longitude())
        .bind(point.latitude())
        .bind(commune.country().iso2())
        .bind(commune.code())
        .bind(report.service_id)
        .bind(report.observed_on)
        .bind(name)
        .bind(reason)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(Created::new(id, "pending", token)),
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct NearbyQuery {
    longitude: f64,
    latitude: f64,
    /// A category id, e.g. `pharmacy`.
    category: String,
    /// In metres, 1 to 500; 50 by default.
    radius: Option<f64>,
}

/// A known service near the pin.
#[derive(Serialize, ToSchema, sqlx::FromRow)]
struct Nearby {
    id: i64,
    name: Option<String>,
    category: String,
    /// Geodesic distance from the pin, in metres.
    distance_m: f64,
    /// Whether it is already known to be closed.
    closed: bool,
    longitude: f64,
    latitude: f64,
}

/// The known services of a category near a point, nearest first: "is it one of these?"
#[utoipa::path(
    get,
    path = "/api/reports/nearby",
    operation_id = "services_nearby",
    tag = "participation",
    params(NearbyQuery),
    responses(
        (status = 200, description = "Services within the radius, nearest first", body = Vec<Nearby>),
        (status = 422, description = "A parameter is refused", body = ErrorBody),
    )
)]
async fn nearby(
    State(state): State<AppState>,
    query: Result<Query<NearbyQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<Nearby>>, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let point = input::position(query.longitude, query.latitude)?;
    let radius = query.radius.unwrap_or(50.0);
    if !(1.0..=500.0).contains(&radius) {
        return Err(ApiError::invalid("radius", "give 1 to 500 metres"));
    }
    let rows = sqlx::query_as(include_str!("sql/services_nearby.sql"))
        .bind(point.longitude())
        .bind(point.latitude())
        .bind(&query.category)
        .bind(radius)
        .fetch_all(state.primary())
        .await?;
    Ok(Json(rows))
}

/// A decided report. Rejected ones carry only what is needed to see the decision.
#[derive(Serialize, ToSchema, sqlx::FromRow)]
struct Decided {
    id: i64,
    #[schema(value_type = Action)]
    action: String,
    category: String,
    /// `accepted` or `rejected`.
    status: String,
    /// Why it was rejected.
    public_reason: Option<String>,
    longitude: Option<f64>,
    latitude: Option<f64>,
    observed_on: Option<NaiveDate>,
    name: Option<String>,
    reason: Option<String>,
    /// The service it created, closed or changed.
    service_id: Option<i64>,
}

/// The decided service reports, newest first: what residents changed in the services,
/// and the refusals with their reasons.
#[utoipa::path(
    get,
    path = "/api/reports",
    operation_id = "decided_reports",
    tag = "participation",
    responses((status = 200, description = "Accepted and rejected reports", body = Vec<Decided>))
)]
async fn decided(State(state): State<AppState>) -> Result<Json<Vec<Decided>>, ApiError> {
    let rows = sqlx::query_as(include_str!("sql/decided_reports.sql"))
        .fetch_all(state.primary())
        .await?;
    Ok(Json(rows))
}
