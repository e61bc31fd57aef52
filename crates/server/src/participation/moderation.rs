//! The moderators' work: the queue of contributions with filters; accept, reject with a
//! public reason, merge a duplicate into another; and the audit log that records each
//! action with who, when, and the state before and after. An accepted service report
//! is written into the services through the one write path
//! (`observatory_core::services::write`) in the same transaction as the decision, so the
//! indicators and the tiles follow at once.

use axum::extract::{Query, State};
use axum::Json;
use chrono::{DateTime, NaiveDate, Utc};
use observatory_core::services::{self as services, Observation, ServiceWrite, WriteError};
use observatory_core::ServiceCategory;
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::Moderator;
use super::contributions::Kind;
use super::input::{self, IdPath, JsonBody, Lines};
use super::reports::Action;
use crate::error::ErrorBody;
use crate::{ApiError, AppState};

/// The source of accepted service reports (migration 0018).
const CITIZEN_SOURCE: &str = "citizen";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(queue))
        .routes(routes!(accept))
        .routes(routes!(reject))
        .routes(routes!(merge))
        .routes(routes!(audit))
}

/// Where a contribution stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pending,
    Accepted,
    Rejected,
    Merged,
    Withdrawn,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Accepted => "accepted",
            Status::Rejected => "rejected",
            Status::Merged => "merged",
            Status::Withdrawn => "withdrawn",
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct QueueQuery {
    kind: Option<Kind>,
    /// `pending` by default.
    status: Option<Status>,
    /// Only contributions about this commune, e.g. `FR-59183`.
    #[param(value_type = Option<String>)]
    commune: Option<observatory_core::CommuneId>,
    /// At most 200; 50 by default.
    limit: Option<u32>,
    offset: Option<u32>,
}

/// A contribution in the queue, with what its kind says.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
struct QueueItem {
    id: i64,
    kind: Kind,
    status: Status,
    created_at: DateTime<Utc>,
    language: String,
    /// The commune it is about (the first one for a project idea).
    commune: Option<String>,
    commune_name: Option<String>,
    /// Private: for the moderators only.
    contact_email: Option<String>,
    public_reason: Option<String>,
    merged_into: Option<i64>,
    decided_at: Option<DateTime<Utc>>,
    decided_by: Option<String>,
    supports: i64,
    detail: Detail,
}

/// What each kind of contribution says.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Detail {
    ServiceReport {
        action: Action,
        category: String,
        longitude: f64,
        latitude: f64,
        /// The known service it is about.
        service_id: Option<i64>,
        service_name: Option<String>,
        observed_on: NaiveDate,
        name: Option<String>,
        reason: Option<String>,
        /// The service the accepted report created, closed or changed.
        applied_service: Option<i64>,
    },
    Idea {
        theme: String,
        title: String,
        body: String,
    },
    ProjectIdea {
        call_id: i64,
        title: String,
        description: String,
        communes: Vec<String>,
        /// `submitted`, `under_review`, `selected` or `not_selected`.
        review: String,
    },
    Photo {
        longitude: f64,
        latitude: f64,
        year: i32,
        caption: String,
        width: i32,
        height: i32,
        /// The re-encoded image (a moderator session may see it before it is accepted).
        image_url: String,
    },
    /// The content was erased when its writer withdrew it.
    Erased,
}

/// The contributions to decide on (or already decided), oldest first, with filters.
#[utoipa::path(
    get,
    path = "/api/moderation/queue",
    operation_id = "moderation_queue",
    tag = "moderation",
    params(QueueQuery),
    responses(
        (status = 200, description = "The contributions", body = Vec<QueueItem>),
        (status = 401, description = "No valid session", body = ErrorBody),
        (status = 403, description = "Not a moderator", body = ErrorBody),
    )
)]
async fn queue(
    State(state): State<AppState>,
    _moderator: Moderator,
    query: Result<Query<QueueQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<QueueItem>>, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let limit = query.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::invalid("limit", "give 1 to 200"));
    }
    let commune = query.commune.as_ref();
    let items: Option<sqlx::types::Json<Vec<QueueItem>>> =
        sqlx::query_scalar(include_str!("sql/moderation_queue.sql"))
            .bind(query.status.unwrap_or(Status::Pending).as_str())
            .bind(query.kind.map(Kind::as_str))
            .bind(commune.map(|c| c.code().country().iso2()))
            .bind(commune.map(|c| c.code().code()))
            .bind(i64::from(limit))
            .bind(i64::from(query.offset.unwrap_or(0)))
            .fetch_one(state.primary())
            .await
            .map_err(crate::routes::sql_json::decode_error(
                "the moderation queue",
            ))?;
    Ok(Json(items.map(|j| j.0).unwrap_or_default()))
}

/// The decision's answer.
#[derive(Serialize, ToSchema)]
struct Decision {
    id: i64,
    status: Status,
    /// For a service report: the service it created, closed or changed.
    service_id: Option<i64>,
    /// For a service report: the communes whose indicators were recomputed.
    communes_refreshed: Option<u64>,
}

/// The row a decision locks and checks.
#[derive(sqlx::FromRow)]
struct Locked {
    kind: String,
    status: String,
    before: serde_json::Value,
}

async fn lock_pending(conn: &mut PgConnection, id: i64) -> Result<Locked, ApiError> {
    let locked: Option<Locked> = sqlx::query_as(include_str!("sql/lock_contribution.sql"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    let locked =
        locked.ok_or_else(|| ApiError::NotFound(format!("no contribution has id {id}")))?;
    if locked.status != "pending" {
        return Err(ApiError::conflict(format!(
            "contribution {id} is already {}; only pending ones can be decided",
            locked.status
        )));
    }
    Ok(locked)
}

async fn record(
    conn: &mut PgConnection,
    moderator: &Moderator,
    action: &str,
    id: i64,
    before: &serde_json::Value,
) -> Result<(), ApiError> {
    sqlx::query(include_str!("sql/insert_audit.sql"))
        .bind(moderator.0.id)
        .bind(&moderator.0.username)
        .bind(action)
        .bind(id)
        .bind(before)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Accepts a contribution: it becomes public, and an accepted service report creates,
/// closes or changes the service (source `citizen`, the contribution as its record),
/// with the indicators of the communes it affects refreshed, in the same transaction.
#[utoipa::path(
    post,
    path = "/api/moderation/contributions/{id}/accept",
    operation_id = "accept_contribution",
    tag = "moderation",
    params(("id" = i64, Path, description = "The contribution's id")),
    responses(
        (status = 200, description = "Accepted", body = Decision),
        (status = 401, description = "No valid session", body = ErrorBody),
        (status = 403, description = "Not a moderator, or no CSRF token", body = ErrorBody),
        (status = 404, description = "No contribution has this id", body = ErrorBody),
        (status = 409, description = "Already decided, or the service it is about changed since", body = ErrorBody),
    )
)]
async fn accept(
    State(state): State<AppState>,
    moderator: Moderator,
    IdPath(id): IdPath,
) -> Result<Json<Decision>, ApiError> {
    let mut tx = state.primary().begin().await?;
    let locked = lock_pending(&mut tx, id).await?;
    let written = if locked.kind == Kind::ServiceReport.as_str() {
        Some(apply_report(&mut tx, id).await?)
    } else {
        None
    };
    sqlx::query(include_str!("sql/decide.sql"))
        .bind(id)
        .bind("accepted")
        .bind(moderator.0.id)
        .bind(None::<String>)
        .bind(None::<i64>)
        .execute(&mut *tx)
        .await?;
    record(&mut tx, &moderator, "accept", id, &locked.before).await?;
    tx.commit().await?;
    tracing::info!(id, moderator = %moderator.0.username, "contribution accepted");
    Ok(Json(Decision {
        id,
        status: Status::Accepted,
        service_id: written.as_ref().map(|w| w.service_id),
        communes_refreshed: written.map(|w| w.communes_refreshed),
    }))
}

#[derive(sqlx::FromRow)]
struct Report {
    action: String,
    category: String,
    longitude: f64,
    latitude: f64,
    service_id: Option<i64>,
    observed_on: NaiveDate,
    name: Option<String>,
}

/// Writes an accepted report into the services.
async fn apply_report(conn: &mut PgConnection, id: i64) -> Result<services::Written, ApiError> {
    let report: Report = sqlx::query_as(include_str!("sql/report_to_apply.sql"))
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
    let category = ServiceCategory::parse(&report.category)
        .map_err(|e| ApiError::Internal(format!("a stored report's category: {e}")))?;
    let position = input::position(report.longitude, report.latitude)?;
    let observed = Observation {
        source_id: CITIZEN_SOURCE.to_owned(),
        record_id: format!("contribution/{id}"),
        on: report.observed_on,
    };
    let gone = || {
        ApiError::conflict(
            "the service this report is about is no longer in the observatory; reject the report or ask for a new one",
        )
    };
    let write = match (report.action.as_str(), report.service_id) {
        ("opened", _) => ServiceWrite::Create {
            category,
            position,
            name: report.name,
            address: None,
            observed,
        },
        ("closed", Some(service_id)) => ServiceWrite::Close {
            service_id,
            observed,
        },
        ("changed", Some(service_id)) => ServiceWrite::Change {
            service_id,
            category: Some(category),
            name: report.name.map(Some),
            position: Some(position),
            observed,
        },
        _ => return Err(gone()),
    };
    let written = services::write(conn, &write).await.map_err(|e| match e {
        WriteError::UnknownService(_) => gone(),
        WriteError::ClosedBeforeFirstSeen { .. } => ApiError::conflict(format!(
            "{e}; the report's day cannot be right: reject it with that reason"
        )),
        WriteError::OutsideStudyArea { .. } => ApiError::invalid("longitude", e.to_string()),
        WriteError::Database { source, .. } => ApiError::from(source),
        other => ApiError::Internal(format!("applying report {id}: {other}")),
    })?;
    sqlx::query(include_str!("sql/report_applied.sql"))
        .bind(id)
        .bind(written.service_id)
        .execute(&mut *conn)
        .await?;
    Ok(written)
}

#[derive(Deserialize, ToSchema)]
struct Rejection {
    /// Shown to the public and to the writer, at most 500 characters.
    reason: String,
}

/// Rejects a contribution, with a reason shown to the public.
#[utoipa::path(
    post,
    path = "/api/moderation/contributions/{id}/reject",
    operation_id = "reject_contribution",
    tag = "moderation",
    params(("id" = i64, Path, description = "The contribution's id")),
    request_body = Rejection,
    responses(
        (status = 200, description = "Rejected", body = Decision),
        (status = 401, description = "No valid session", body = ErrorBody),
        (status = 403, description = "Not a moderator, or no CSRF token", body = ErrorBody),
        (status = 404, description = "No contribution has this id", body = ErrorBody),
        (status = 409, description = "Already decided", body = ErrorBody),
        (status = 422, description = "No reason given", body = ErrorBody),
    )
)]
async fn reject(
    State(state): State<AppState>,
    moderator: Moderator,
    IdPath(id): IdPath,
    JsonBody(rejection): JsonBody<Rejection>,
) -> Result<Json<Decision>, ApiError> {
    let reason = input::required_text("reason", &rejection.reason, 500, Lines::Many)?;
    let mut tx = state.primary().begin().await?;
    let locked = lock_pending(&mut tx, id).await?;
    sqlx::query(include_str!("sql/decide.sql"))
        .bind(id)
        .bind("rejected")
        .bind(moderator.0.id)
        .bind(reason)
        .bind(None::<i64>)
        .execute(&mut *tx)
        .await?;
    record(&mut tx, &moderator, "reject", id, &locked.before).await?;
    tx.commit().await?;
    Ok(Json(Decision {
        id,
        status: Status::Rejected,
        service_id: None,
        communes_refreshed: None,
    }))
}

#[derive(Deserialize, ToSchema)]
struct Merge {
    /// The contribution of the same kind this one duplicates.
    into: i64,
}

/// Merges a duplicate into another contribution of the same kind: its supports move
/// there, and it is no longer shown.
#[utoipa::path(
    post,
    path = "/api/moderation/contributions/{id}/merge",
    operation_id = "merge_contribution",
    tag = "moderation",
    params(("id" = i64, Path, description = "The duplicate's id")),
    request_body = Merge,
    responses(
        (status = 200, description = "Merged", body = Decision),
        (status = 401, description = "No valid session", body = ErrorBody),
        (status = 403, description = "Not a moderator, or no CSRF token", body = ErrorBody),
        (status = 404, description = "No contribution has this id", body = ErrorBody),
        (status = 409, description = "Already decided", body = ErrorBody),
        (status = 422, description = "`into` is not a contribution of the same kind that stays", body = ErrorBody),
    )
)]
async fn merge(
    State(state): State<AppState>,
    moderator: Moderator,
    IdPath(id): IdPath,
    JsonBody(merge): JsonBody<Merge>,
) -> Result<Json<Decision>, ApiError> {
    if merge.into == id {
        return Err(ApiError::invalid(
            "into",
            "a contribution cannot be merged into itself",
        ));
    }
    let mut tx = state.primary().begin().await?;
    let locked = lock_pending(&mut tx, id).await?;
    let target: Option<(String, String)> = sqlx::query_as(include_str!("sql/merge_target.sql"))
        .bind(merge.into)
        .fetch_optional(&mut *tx)
        .await?;
    match target {
        Some((kind, status))
            if kind == locked.kind && (status == "pending" || status == "accepted") => {}
        _ => {
            return Err(ApiError::invalid(
                "into",
                format!(
                    "{} is not a pending or accepted {} to merge into",
                    merge.into,
                    locked.kind.replace('_', " ")
                ),
            ))
        }
    }
    sqlx::query(include_str!("sql/decide.sql"))
        .bind(id)
        .bind("merged")
        .bind(moderator.0.id)
        .bind(None::<String>)
        .bind(Some(merge.into))
        .execute(&mut *tx)
        .await?;
    sqlx::query(include_str!("sql/move_supports.sql"))
        .bind(id)
        .bind(merge.into)
        .execute(&mut *tx)
        .await?;
    record(&mut tx, &moderator, "merge", id, &locked.before).await?;
    tx.commit().await?;
    Ok(Json(Decision {
        id,
        status: Status::Merged,
        service_id: None,
        communes_refreshed: None,
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct AuditQuery {
    /// At most 500; 100 by default.
    limit: Option<u32>,
}

/// One moderation or partner action.
#[derive(Serialize, ToSchema, sqlx::FromRow)]
struct AuditEntry {
    id: i64,
    at: DateTime<Utc>,
    /// The account's user name.
    account: String,
    /// `accept`, `reject`, `merge`, `review`, `publish_call`, `publish_event`.
    action: String,
    contribution_id: Option<i64>,
    /// What else it was about (a call, an event).
    subject: Option<String>,
    #[schema(value_type = Object)]
    before: Option<serde_json::Value>,
    #[schema(value_type = Object)]
    after: Option<serde_json::Value>,
}

/// The audit log, newest first.
#[utoipa::path(
    get,
    path = "/api/moderation/audit",
    operation_id = "audit_log",
    tag = "moderation",
    params(AuditQuery),
    responses(
        (status = 200, description = "The latest actions", body = Vec<AuditEntry>),
        (status = 401, description = "No valid session", body = ErrorBody),
        (status = 403, description = "Not a moderator", body = ErrorBody),
    )
)]
async fn audit(
    State(state): State<AppState>,
    _moderator: Moderator,
    query: Result<Query<AuditQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<AuditEntry>>, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let limit = query.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::invalid("limit", "give 1 to 500"));
    }
    let rows = sqlx::query_as(include_str!("sql/audit_log.sql"))
        .bind(i64::from(limit))
        .fetch_all(state.primary())
        .await?;
    Ok(Json(rows))
}
