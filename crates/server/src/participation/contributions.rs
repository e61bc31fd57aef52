//! What every contribution shares: its row (kind, moderation, language, private contact,
//! withdrawal secret), the answer to its writer, and withdrawal through the secret link.

use axum::extract::State;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgConnection;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::{new_token, token_hash};
use super::input::Language;
use crate::error::ErrorBody;
use crate::params::Path;
use crate::{ApiError, AppState};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(withdrawal_status, withdraw))
}

/// The kinds of contribution a moderator decides on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    ServiceReport,
    Idea,
    ProjectIdea,
    Photo,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::ServiceReport => "service_report",
            Kind::Idea => "idea",
            Kind::ProjectIdea => "project_idea",
            Kind::Photo => "photo",
        }
    }
}

/// What the writer gets back: the id, and the secret that lets them withdraw it (shown
/// once, never stored in clear).
#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    pub id: i64,
    /// `pending` (`submitted` for a project idea).
    pub status: String,
    /// Keep it: it is the only way to withdraw this contribution.
    pub withdraw_token: String,
    /// The page that shows its status and withdraws it.
    pub withdraw_url: String,
}

/// Inserts the shared row of a new contribution; its id and withdrawal secret.
pub async fn insert(
    conn: &mut PgConnection,
    kind: Kind,
    language: Language,
    contact_email: Option<&str>,
) -> Result<(i64, String), ApiError> {
    let token = new_token();
    let id: i64 = sqlx::query_scalar(include_str!("sql/insert_contribution.sql"))
        .bind(kind.as_str())
        .bind(language.as_str())
        .bind(contact_email)
        .bind(token_hash(&token))
        .fetch_one(&mut *conn)
        .await?;
    Ok((id, token))
}

impl Created {
    pub fn new(id: i64, status: &str, token: String) -> Created {
        Created {
            id,
            status: status.to_owned(),
            withdraw_url: format!("/withdraw.html#{token}"),
            withdraw_token: token,
        }
    }
}

/// A contribution as its writer sees it through the secret link.
#[derive(Debug, Serialize, ToSchema, sqlx::FromRow)]
struct Withdrawal {
    id: i64,
    #[schema(value_type = Kind)]
    kind: String,
    /// `pending`, `accepted`, `rejected`, `merged` or `withdrawn`.
    status: String,
    /// For a project idea: `submitted`, `under_review`, `selected` or `not_selected`.
    review: Option<String>,
    /// Why a moderator rejected it.
    public_reason: Option<String>,
    created_at: DateTime<Utc>,
}

/// The status of one's own contribution, found by its withdrawal secret.
#[utoipa::path(
    get,
    path = "/api/withdraw/{token}",
    operation_id = "withdrawal_status",
    tag = "participation",
    params(("token" = String, Path, description = "The secret the contribution's answer gave")),
    responses(
        (status = 200, description = "The contribution's status", body = Withdrawal),
        (status = 404, description = "No contribution has this secret", body = ErrorBody),
    )
)]
async fn withdrawal_status(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Json<Withdrawal>, ApiError> {
    sqlx::query_as(include_str!("sql/contribution_by_secret.sql"))
        .bind(token_hash(&token))
        .fetch_optional(state.primary())
        .await?
        .map(Json)
        .ok_or_else(unknown_secret)
}

fn unknown_secret() -> ApiError {
    ApiError::NotFound("no contribution has this secret; check the link you were given".to_owned())
}

/// Withdraws one's own contribution: its texts, photo and contact address are erased;
/// what an accepted service report changed in the services stays, as the observation of
/// that day.
#[utoipa::path(
    delete,
    path = "/api/withdraw/{token}",
    operation_id = "withdraw",
    tag = "participation",
    params(("token" = String, Path, description = "The secret the contribution's answer gave")),
    responses(
        (status = 200, description = "Withdrawn", body = Withdrawal),
        (status = 404, description = "No contribution has this secret", body = ErrorBody),
    )
)]
async fn withdraw(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Json<Withdrawal>, ApiError> {
    let mut tx = state.primary().begin().await?;
    let id: Option<i64> = sqlx::query_scalar(include_str!("sql/withdraw_contribution.sql"))
        .bind(token_hash(&token))
        .fetch_optional(&mut *tx)
        .await?;
    let id = id.ok_or_else(unknown_secret)?;
    sqlx::query(include_str!("sql/erase_contribution.sql"))
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let withdrawn: Withdrawal = sqlx::query_as(include_str!("sql/contribution_by_secret.sql"))
        .bind(token_hash(&token))
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Json(withdrawn))
}
