//! The idea box: an idea for the region, tied to a commune and a theme, in its writer's
//! language. Public once a moderator accepts it.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use observatory_core::CommuneId;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::client::ClientAddress;
use super::contributions::{self, Created, Kind};
use super::input::{self, ContributionRefusals, JsonBody, Language, Lines};
use super::rate_limit::{self, Bucket};
use super::themes;
use crate::error::ErrorBody;
use crate::{ApiError, AppState};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create, accepted))
}

#[derive(Debug, Deserialize, ToSchema)]
struct NewIdea {
    /// The commune it is about, e.g. `BE-33011`.
    #[schema(value_type = String)]
    commune: CommuneId,
    /// A theme id (`/api/participation/themes`).
    theme: String,
    /// At most 120 characters.
    title: String,
    /// At most 2,000 characters.
    body: String,
    language: Language,
    /// Optional, never shown, erased on withdrawal.
    contact_email: Option<String>,
    /// Leave empty.
    website: Option<String>,
}

/// Drops an idea in the idea box; public once a moderator accepts it.
#[utoipa::path(
    post,
    path = "/api/ideas",
    operation_id = "drop_idea",
    tag = "participation",
    request_body = NewIdea,
    responses(
        (status = 201, description = "Received; pending moderation", body = Created),
        ContributionRefusals,
    )
)]
async fn create(
    State(state): State<AppState>,
    client: ClientAddress,
    JsonBody(idea): JsonBody<NewIdea>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    input::honeypot(idea.website.as_deref())?;
    let title = input::required_text("title", &idea.title, 120, Lines::One)?;
    let body = input::required_text("body", &idea.body, 2000, Lines::Many)?;
    let contact = input::contact_email(idea.contact_email.as_deref(), false)?;
    rate_limit::count(
        state.primary(),
        Bucket::Contribution,
        state.settings.limits.contributions,
        client,
    )
    .await?;
    let mut tx = state.primary().begin().await?;
    input::known_commune(&mut tx, "commune", &idea.commune).await?;
    themes::check(&mut tx, "theme", &idea.theme).await?;
    let (id, token) =
        contributions::insert(&mut tx, Kind::Idea, idea.language, contact.as_deref()).await?;
    sqlx::query(include_str!("sql/insert_idea.sql"))
        .bind(id)
        .bind(idea.commune.code().country().iso2())
        .bind(idea.commune.code().code())
        .bind(&idea.theme)
        .bind(title)
        .bind(body)
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
struct IdeasQuery {
    /// Only the ideas about this commune, e.g. `BE-33011`.
    #[param(value_type = Option<String>)]
    commune: Option<CommuneId>,
}

/// An accepted idea.
#[derive(Serialize, ToSchema, sqlx::FromRow)]
struct Idea {
    id: i64,
    /// e.g. `BE-33011`
    commune: String,
    /// The commune's official name.
    commune_name: Option<String>,
    theme: String,
    title: String,
    body: String,
    /// The writer's language.
    language: String,
    created_at: DateTime<Utc>,
    /// How many people support it.
    supports: i64,
}

/// The accepted ideas, most supported first.
#[utoipa::path(
    get,
    path = "/api/ideas",
    operation_id = "accepted_ideas",
    tag = "participation",
    params(IdeasQuery),
    responses(
        (status = 200, description = "Accepted ideas", body = Vec<Idea>),
        (status = 400, description = "A parameter cannot be read", body = ErrorBody),
    )
)]
async fn accepted(
    State(state): State<AppState>,
    query: Result<Query<IdeasQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<Idea>>, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let commune = query.commune.as_ref();
    let rows = sqlx::query_as(include_str!("sql/accepted_ideas.sql"))
        .bind(commune.map(|c| c.code().country().iso2()))
        .bind(commune.map(|c| c.code().code()))
        .fetch_all(state.primary())
        .await?;
    Ok(Json(rows))
}
