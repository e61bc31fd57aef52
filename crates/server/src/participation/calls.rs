//! Calls for projects: a partner publishes a call (in Dutch and French, under themes,
//! open between two days); residents send project ideas to it while it is open, with a
//! contact address the partners need to answer; the partners review them (submitted →
//! under review → selected or not selected), and a reviewed idea becomes public so
//! people can support it. Every partner action is written to the audit log.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, NaiveDate, Utc};
use observatory_core::CommuneId;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::PgConnection;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::{Account, Partner};
use super::client::ClientAddress;
use super::contributions::{self, Created, Kind};
use super::input::{self, IdPath, JsonBody, Language, Lines, PublicationRefusals};
use super::rate_limit::{self, Bucket};
use super::themes;
use crate::error::ErrorBody;
use crate::{ApiError, AppState};

/// The most communes a project idea may name: a project is local, and the list is
/// checked one commune at a time.
const MAX_COMMUNES: usize = 20;

/// The most themes a call may be filed under (there are fewer themes than that).
const MAX_THEMES: usize = 20;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, publish))
        .routes(routes!(submit))
        .routes(routes!(public_ideas))
        .routes(routes!(partner_ideas))
        .routes(routes!(review))
}

/// A text in Dutch and French: the partners publish in both languages of the region.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(super) struct Bilingual {
    /// In Dutch.
    pub nl: String,
    /// In French.
    pub fr: String,
}

impl Bilingual {
    /// Both texts checked as [`input::required_text`], each named by its own field
    /// (`title.nl`), so the form can point at the one refused.
    pub fn checked(
        &self,
        fields: [&'static str; 2],
        max: usize,
        lines: Lines,
    ) -> Result<Bilingual, ApiError> {
        Ok(Bilingual {
            nl: input::required_text(fields[0], &self.nl, max, lines)?,
            fr: input::required_text(fields[1], &self.fr, max, lines)?,
        })
    }
}

/// The answer to something a partner published: its id.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct Published {
    pub id: i64,
}

/// The day it is in the region (see `sql/today.sql`).
pub(super) async fn today(conn: &mut PgConnection) -> Result<NaiveDate, ApiError> {
    Ok(sqlx::query_scalar(include_str!("sql/today.sql"))
        .fetch_one(conn)
        .await?)
}

/// Writes a partner's action to the audit log, in the caller's transaction so the log
/// holds exactly what was committed.
pub(super) async fn audit(
    conn: &mut PgConnection,
    account: &Account,
    action: &str,
    contribution_id: Option<i64>,
    subject: Option<&str>,
    before: Option<&serde_json::Value>,
    after: &serde_json::Value,
) -> Result<(), ApiError> {
    sqlx::query(include_str!("sql/insert_partner_audit.sql"))
        .bind(account.id)
        .bind(&account.username)
        .bind(action)
        .bind(contribution_id)
        .bind(subject)
        .bind(before)
        .bind(after)
        .execute(conn)
        .await?;
    Ok(())
}

/// A call for projects.
#[derive(Debug, Serialize, ToSchema)]
struct Call {
    id: i64,
    title: Bilingual,
    description: Bilingual,
    /// Theme ids (`/api/participation/themes`).
    themes: Vec<String>,
    opens_on: NaiveDate,
    /// The last day ideas are taken.
    closes_on: NaiveDate,
    /// Whether ideas are taken today (the region's calendar).
    open: bool,
}

#[derive(sqlx::FromRow)]
struct CallRow {
    id: i64,
    title_nl: String,
    title_fr: String,
    description_nl: String,
    description_fr: String,
    themes: Vec<String>,
    opens_on: NaiveDate,
    closes_on: NaiveDate,
    open: bool,
}

/// Every call for projects, the latest to open first, each saying whether it takes
/// ideas today.
#[utoipa::path(
    get,
    operation_id = "list_calls",
    path = "/api/calls",
    tag = "participation",
    responses(
        (status = 200, description = "The calls", body = Vec<Call>),
        (status = 503, description = "The database could not answer", body = ErrorBody),
    )
)]
async fn list(State(state): State<AppState>) -> Result<Json<Vec<Call>>, ApiError> {
    let mut conn = state.primary().acquire().await?;
    let today = today(&mut conn).await?;
    let rows: Vec<CallRow> = sqlx::query_as(include_str!("sql/calls.sql"))
        .bind(today)
        .fetch_all(&mut *conn)
        .await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| Call {
                id: r.id,
                title: Bilingual {
                    nl: r.title_nl,
                    fr: r.title_fr,
                },
                description: Bilingual {
                    nl: r.description_nl,
                    fr: r.description_fr,
                },
                themes: r.themes,
                opens_on: r.opens_on,
                closes_on: r.closes_on,
                open: r.open,
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
struct NewCall {
    /// At most 120 characters in each language.
    title: Bilingual,
    /// At most 2,000 characters in each language.
    description: Bilingual,
    /// One or more theme ids (`/api/participation/themes`).
    themes: Vec<String>,
    /// The first day ideas are taken.
    opens_on: NaiveDate,
    /// The last day ideas are taken; not before `opens_on`.
    closes_on: NaiveDate,
}

/// Publishes a call for projects (partners and moderators).
#[utoipa::path(
    post,
    operation_id = "publish_call",
    path = "/api/calls",
    tag = "partners",
    request_body = NewCall,
    responses(
        (status = 201, description = "Published", body = Published),
        PublicationRefusals,
    )
)]
async fn publish(
    State(state): State<AppState>,
    Partner(partner): Partner,
    JsonBody(call): JsonBody<NewCall>,
) -> Result<(StatusCode, Json<Published>), ApiError> {
    let title = call
        .title
        .checked(["title.nl", "title.fr"], 120, Lines::One)?;
    let description =
        call.description
            .checked(["description.nl", "description.fr"], 2000, Lines::Many)?;
    if call.themes.is_empty() || call.themes.len() > MAX_THEMES {
        return Err(ApiError::invalid(
            "themes",
            format!("give 1 to {MAX_THEMES} theme ids; see /api/participation/themes"),
        ));
    }
    if let Some(twice) = first_duplicate(&call.themes) {
        return Err(ApiError::invalid(
            "themes",
            format!("{twice:?} is given twice"),
        ));
    }
    if call.closes_on < call.opens_on {
        return Err(ApiError::invalid(
            "closes_on",
            format!(
                "the call would close on {} before it opens on {}",
                call.closes_on, call.opens_on
            ),
        ));
    }
    let mut tx = state.primary().begin().await?;
    for theme in &call.themes {
        themes::check(&mut tx, "themes", theme).await?;
    }
    let id: i64 = sqlx::query_scalar(include_str!("sql/insert_call.sql"))
        .bind(&title.nl)
        .bind(&title.fr)
        .bind(&description.nl)
        .bind(&description.fr)
        .bind(&call.themes)
        .bind(call.opens_on)
        .bind(call.closes_on)
        .bind(partner.id)
        .fetch_one(&mut *tx)
        .await?;
    let after = json!({
        "title": title,
        "description": description,
        "themes": call.themes,
        "opens_on": call.opens_on,
        "closes_on": call.closes_on,
    });
    let subject = format!("call/{id}");
    audit(
        &mut tx,
        &partner,
        "publish_call",
        None,
        Some(&subject),
        None,
        &after,
    )
    .await?;
    tx.commit().await?;
    tracing::info!(id, partner = %partner.username, "call for projects published");
    Ok((StatusCode::CREATED, Json(Published { id })))
}

/// The first value given twice, if any.
pub(super) fn first_duplicate<T: PartialEq>(values: &[T]) -> Option<&T> {
    values
        .iter()
        .enumerate()
        .find(|(i, v)| values[..*i].contains(v))
        .map(|(_, v)| v)
}

#[derive(Debug, Deserialize, ToSchema)]
struct NewProjectIdea {
    /// At most 120 characters.
    title: String,
    /// At most 2,000 characters; line breaks allowed.
    description: String,
    /// The communes it is about, 1 to 20 ids like `BE-33011`; the first places it on the
    /// map.
    #[schema(value_type = Vec<String>)]
    communes: Vec<CommuneId>,
    /// Required here: the partners answer every idea sent to a call. Never shown, erased
    /// on withdrawal.
    contact_email: Option<String>,
    language: Language,
    /// Leave empty.
    website: Option<String>,
}

/// Sends a project idea to a call that is open today. It is shown once the partners
/// have reviewed it.
#[utoipa::path(
    post,
    operation_id = "submit_project_idea",
    path = "/api/calls/{id}/ideas",
    tag = "participation",
    params(("id" = i64, Path, description = "The call's id")),
    request_body = NewProjectIdea,
    responses(
        (status = 201, description = "Received; status `submitted`", body = Created),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 403, description = "Sent from another site", body = ErrorBody),
        (status = 404, description = "No call has this id", body = ErrorBody),
        (status = 409, description = "The call is not open today", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 422, description = "A field is refused; the answer names it", body = ErrorBody),
        (status = 429, description = "Too many contributions from this address", body = ErrorBody),
    )
)]
async fn submit(
    State(state): State<AppState>,
    client: ClientAddress,
    IdPath(path_id): IdPath,
    JsonBody(idea): JsonBody<NewProjectIdea>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let call_id = path_id;
    input::honeypot(idea.website.as_deref())?;
    let title = input::required_text("title", &idea.title, 120, Lines::One)?;
    let description = input::required_text("description", &idea.description, 2000, Lines::Many)?;
    let contact = input::contact_email(idea.contact_email.as_deref(), true)?;
    if idea.communes.is_empty() || idea.communes.len() > MAX_COMMUNES {
        return Err(ApiError::invalid(
            "communes",
            format!("name 1 to {MAX_COMMUNES} communes the project is about"),
        ));
    }
    if let Some(twice) = first_duplicate(&idea.communes) {
        return Err(ApiError::invalid(
            "communes",
            format!("{twice} is named twice"),
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
    let window: Option<(NaiveDate, NaiveDate)> =
        sqlx::query_as(include_str!("sql/call_window.sql"))
            .bind(call_id)
            .fetch_optional(&mut *tx)
            .await?;
    let (opens_on, closes_on) = window
        .ok_or_else(|| ApiError::NotFound(format!("no call for projects has id {call_id}")))?;
    let today = today(&mut tx).await?;
    if today < opens_on {
        return Err(ApiError::conflict(format!(
            "this call opens on {opens_on}; send your idea from that day"
        )));
    }
    if today > closes_on {
        return Err(ApiError::conflict(format!(
            "this call closed on {closes_on}; it takes no more ideas"
        )));
    }
    for commune in &idea.communes {
        input::known_commune(&mut tx, "communes", commune).await?;
    }
    let (id, token) = contributions::insert(
        &mut tx,
        Kind::ProjectIdea,
        idea.language,
        contact.as_deref(),
    )
    .await?;
    sqlx::query(include_str!("sql/insert_project_idea.sql"))
        .bind(id)
        .bind(call_id)
        .bind(title)
        .bind(description)
        .execute(&mut *tx)
        .await?;
    let countries: Vec<&str> = idea
        .communes
        .iter()
        .map(|c| c.code().country().iso2())
        .collect();
    let codes: Vec<&str> = idea.communes.iter().map(|c| c.code().code()).collect();
    sqlx::query(include_str!("sql/insert_project_idea_communes.sql"))
        .bind(id)
        .bind(countries)
        .bind(codes)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(Created::new(id, ReviewStage::Submitted.as_str(), token)),
    ))
}

/// Where the partners' review of a project idea stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
enum ReviewStage {
    Submitted,
    UnderReview,
    Selected,
    NotSelected,
}

impl ReviewStage {
    fn as_str(self) -> &'static str {
        match self {
            ReviewStage::Submitted => "submitted",
            ReviewStage::UnderReview => "under_review",
            ReviewStage::Selected => "selected",
            ReviewStage::NotSelected => "not_selected",
        }
    }

    fn parse(s: &str) -> Option<ReviewStage> {
        match s {
            "submitted" => Some(ReviewStage::Submitted),
            "under_review" => Some(ReviewStage::UnderReview),
            "selected" => Some(ReviewStage::Selected),
            "not_selected" => Some(ReviewStage::NotSelected),
            _ => None,
        }
    }

    /// The review only moves forward, one step at a time: an idea is looked at before it
    /// is decided, and a decision made public is not taken back.
    fn may_become(self, next: ReviewStage) -> bool {
        matches!(
            (self, next),
            (ReviewStage::Submitted, ReviewStage::UnderReview)
                | (
                    ReviewStage::UnderReview,
                    ReviewStage::Selected | ReviewStage::NotSelected
                )
        )
    }
}

/// A commune a project idea is about.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
struct IdeaCommune {
    /// e.g. `BE-33011`
    id: String,
    /// The official name; absent if the commune is no longer in the study area.
    name: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct CallFilter {
    /// Only the ideas sent to this call.
    call: Option<i64>,
}

/// A project idea the partners have reviewed.
#[derive(Debug, Serialize, ToSchema, sqlx::FromRow)]
struct PublicProjectIdea {
    id: i64,
    call_id: i64,
    title: String,
    description: String,
    #[schema(value_type = Vec<IdeaCommune>)]
    communes: sqlx::types::Json<Vec<IdeaCommune>>,
    /// `selected` or `not_selected`.
    #[schema(value_type = ReviewStage)]
    status: String,
    /// A point inside its first commune; absent if that commune is no longer in the
    /// study area.
    longitude: Option<f64>,
    latitude: Option<f64>,
    /// How many people support it.
    supports: i64,
}

/// The project ideas the partners have reviewed (selected or not), most supported first.
#[utoipa::path(
    get,
    operation_id = "public_project_ideas",
    path = "/api/project-ideas",
    tag = "participation",
    params(CallFilter),
    responses(
        (status = 200, description = "The reviewed project ideas", body = Vec<PublicProjectIdea>),
        (status = 400, description = "A parameter cannot be read", body = ErrorBody),
    )
)]
async fn public_ideas(
    State(state): State<AppState>,
    query: Result<Query<CallFilter>, QueryRejection>,
) -> Result<Json<Vec<PublicProjectIdea>>, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let rows = sqlx::query_as(include_str!("sql/public_project_ideas.sql"))
        .bind(query.call)
        .fetch_all(state.primary())
        .await?;
    Ok(Json(rows))
}

/// A project idea as the partners review it.
#[derive(Debug, Serialize, ToSchema, sqlx::FromRow)]
struct PartnerProjectIdea {
    id: i64,
    call_id: i64,
    title: String,
    description: String,
    #[schema(value_type = Vec<IdeaCommune>)]
    communes: sqlx::types::Json<Vec<IdeaCommune>>,
    #[schema(value_type = ReviewStage)]
    review: String,
    /// The moderation status: `pending`, `accepted`, `rejected` or `merged`.
    status: String,
    /// The writer's language.
    language: String,
    /// Private: to answer the writer.
    contact_email: Option<String>,
    created_at: DateTime<Utc>,
    supports: i64,
}

/// Every project idea sent to a call (or to all calls), with the writer's contact, for
/// the partners who review them.
#[utoipa::path(
    get,
    operation_id = "partner_project_ideas",
    path = "/api/moderation/project-ideas",
    tag = "partners",
    params(CallFilter),
    responses(
        (status = 200, description = "The project ideas, oldest first", body = Vec<PartnerProjectIdea>),
        (status = 400, description = "A parameter cannot be read", body = ErrorBody),
        (status = 401, description = "No valid session", body = ErrorBody),
        (status = 403, description = "Not a partner", body = ErrorBody),
    )
)]
async fn partner_ideas(
    State(state): State<AppState>,
    _partner: Partner,
    query: Result<Query<CallFilter>, QueryRejection>,
) -> Result<Json<Vec<PartnerProjectIdea>>, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let rows = sqlx::query_as(include_str!("sql/partner_project_ideas.sql"))
        .bind(query.call)
        .fetch_all(state.primary())
        .await?;
    Ok(Json(rows))
}

/// The steps a partner can move a review to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
enum ReviewStep {
    UnderReview,
    Selected,
    NotSelected,
}

impl From<ReviewStep> for ReviewStage {
    fn from(step: ReviewStep) -> ReviewStage {
        match step {
            ReviewStep::UnderReview => ReviewStage::UnderReview,
            ReviewStep::Selected => ReviewStage::Selected,
            ReviewStep::NotSelected => ReviewStage::NotSelected,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
struct ReviewChange {
    /// `under_review` from `submitted`; `selected` or `not_selected` from `under_review`.
    status: ReviewStep,
}

/// A review's new state.
#[derive(Debug, Serialize, ToSchema)]
struct Reviewed {
    id: i64,
    status: ReviewStage,
}

/// Moves a project idea's review one step: submitted → under review → selected or not
/// selected. Selected and not selected ideas become public.
#[utoipa::path(
    post,
    operation_id = "review_project_idea",
    path = "/api/moderation/project-ideas/{id}/status",
    tag = "partners",
    params(("id" = i64, Path, description = "The project idea's id")),
    request_body = ReviewChange,
    responses(
        (status = 200, description = "Moved", body = Reviewed),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 401, description = "No valid session", body = ErrorBody),
        (status = 403, description = "Not a partner, or no CSRF token", body = ErrorBody),
        (status = 404, description = "No project idea has this id", body = ErrorBody),
        (status = 409, description = "Not a step its review can take, or a moderator rejected or merged it", body = ErrorBody),
        (status = 422, description = "Not a review status", body = ErrorBody),
    )
)]
async fn review(
    State(state): State<AppState>,
    Partner(partner): Partner,
    IdPath(path_id): IdPath,
    JsonBody(change): JsonBody<ReviewChange>,
) -> Result<Json<Reviewed>, ApiError> {
    let id = path_id;
    let next = ReviewStage::from(change.status);
    let mut tx = state.primary().begin().await?;
    let locked: Option<(String, String)> =
        sqlx::query_as(include_str!("sql/lock_project_idea.sql"))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    let (current, status) =
        locked.ok_or_else(|| ApiError::NotFound(format!("no project idea has id {id}")))?;
    let current = ReviewStage::parse(&current)
        .ok_or_else(|| ApiError::Internal(format!("a project idea under review {current:?}")))?;
    if status == "rejected" || status == "merged" {
        return Err(ApiError::conflict(format!(
            "a moderator {status} project idea {id}; it is no longer reviewed"
        )));
    }
    if !current.may_become(next) {
        return Err(ApiError::conflict(format!(
            "project idea {id} is {}; it cannot become {} (submitted → under_review → selected or not_selected)",
            current.as_str(),
            next.as_str()
        )));
    }
    sqlx::query(include_str!("sql/set_review.sql"))
        .bind(id)
        .bind(next.as_str())
        .execute(&mut *tx)
        .await?;
    audit(
        &mut tx,
        &partner,
        "review",
        Some(id),
        None,
        Some(&json!({ "review": current, "status": status })),
        &json!({ "review": next, "status": status }),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(id, partner = %partner.username, review = next.as_str(), "project idea reviewed");
    Ok(Json(Reviewed { id, status: next }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reviews_move_forward_one_step() {
        use ReviewStage::*;
        assert!(Submitted.may_become(UnderReview));
        assert!(UnderReview.may_become(Selected));
        assert!(UnderReview.may_become(NotSelected));
        assert!(!Submitted.may_become(Selected));
        assert!(!Submitted.may_become(NotSelected));
        assert!(!UnderReview.may_become(UnderReview));
        assert!(!Selected.may_become(NotSelected));
        assert!(!NotSelected.may_become(Selected));
        assert!(!Selected.may_become(UnderReview));
    }

    #[test]
    fn duplicates_are_found() {
        assert_eq!(first_duplicate(&["a", "b", "a"]), Some(&"a"));
        assert_eq!(first_duplicate(&["a", "b"]), None);
        assert_eq!(first_duplicate::<&str>(&[]), None);
    }
}
