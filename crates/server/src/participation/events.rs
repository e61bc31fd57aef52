//! Discovery days: a partner publishes a day to visit a place of the region (in Dutch
//! and French, at a point inside the study area); everyone sees the coming ones. Each
//! publication is written to the audit log.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::Partner;
use super::calls::{audit, today, Bilingual, Published};
use super::input::{self, JsonBody, Lines, PublicationRefusals};
use crate::error::ErrorBody;
use crate::{ApiError, AppState};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(coming, publish))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct EventsQuery {
    /// The first day to list, `YYYY-MM-DD`; today (the region's calendar) by default, so
    /// past days drop off the map by themselves.
    #[param(value_type = Option<String>, format = Date)]
    from: Option<NaiveDate>,
}

/// A discovery day.
#[derive(Debug, Serialize, ToSchema)]
struct DiscoveryDay {
    id: i64,
    title: Bilingual,
    description: Bilingual,
    starts_on: NaiveDate,
    /// Where to meet, as the partner wrote it.
    place: String,
    /// WGS 84 degrees.
    longitude: f64,
    latitude: f64,
}

#[derive(sqlx::FromRow)]
struct DiscoveryDayRow {
    id: i64,
    title_nl: String,
    title_fr: String,
    description_nl: String,
    description_fr: String,
    starts_on: NaiveDate,
    place: String,
    longitude: f64,
    latitude: f64,
}

/// The discovery days from a day on (today by default), soonest first.
#[utoipa::path(
    get,
    operation_id = "discovery_days",
    path = "/api/events",
    tag = "participation",
    params(EventsQuery),
    responses(
        (status = 200, description = "The discovery days", body = Vec<DiscoveryDay>),
        (status = 400, description = "`from` is not a date", body = ErrorBody),
        (status = 503, description = "The database could not answer", body = ErrorBody),
    )
)]
async fn coming(
    State(state): State<AppState>,
    query: Result<Query<EventsQuery>, QueryRejection>,
) -> Result<Json<Vec<DiscoveryDay>>, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let mut conn = state.primary().acquire().await?;
    let from = match query.from {
        Some(day) => day,
        None => today(&mut conn).await?,
    };
    let rows: Vec<DiscoveryDayRow> = sqlx::query_as(include_str!("sql/events.sql"))
        .bind(from)
        .fetch_all(&mut *conn)
        .await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| DiscoveryDay {
                id: r.id,
                title: Bilingual {
                    nl: r.title_nl,
                    fr: r.title_fr,
                },
                description: Bilingual {
                    nl: r.description_nl,
                    fr: r.description_fr,
                },
                starts_on: r.starts_on,
                place: r.place,
                longitude: r.longitude,
                latitude: r.latitude,
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
struct NewDiscoveryDay {
    /// At most 120 characters in each language.
    title: Bilingual,
    /// At most 2,000 characters in each language.
    description: Bilingual,
    starts_on: NaiveDate,
    /// Where to meet, at most 200 characters.
    place: String,
    /// WGS 84 degrees, inside a commune of the study area.
    longitude: f64,
    latitude: f64,
}

/// Publishes a discovery day (partners and moderators).
#[utoipa::path(
    post,
    operation_id = "publish_discovery_day",
    path = "/api/events",
    tag = "partners",
    request_body = NewDiscoveryDay,
    responses(
        (status = 201, description = "Published", body = Published),
        PublicationRefusals,
    )
)]
async fn publish(
    State(state): State<AppState>,
    Partner(partner): Partner,
    JsonBody(event): JsonBody<NewDiscoveryDay>,
) -> Result<(StatusCode, Json<Published>), ApiError> {
    let title = event
        .title
        .checked(["title.nl", "title.fr"], 120, Lines::One)?;
    let description =
        event
            .description
            .checked(["description.nl", "description.fr"], 2000, Lines::Many)?;
    let place = input::required_text("place", &event.place, 200, Lines::One)?;
    let point = input::position(event.longitude, event.latitude)?;
    let mut tx = state.primary().begin().await?;
    let commune = input::commune_at(&mut tx, point).await?;
    let id: i64 = sqlx::query_scalar(include_str!("sql/insert_event.sql"))
        .bind(&title.nl)
        .bind(&title.fr)
        .bind(&description.nl)
        .bind(&description.fr)
        .bind(event.starts_on)
        .bind(&place)
        .bind(point.longitude())
        .bind(point.latitude())
        .bind(partner.id)
        .fetch_one(&mut *tx)
        .await?;
    let after = json!({
        "title": title,
        "description": description,
        "starts_on": event.starts_on,
        "place": place,
        "longitude": point.longitude(),
        "latitude": point.latitude(),
        "commune": commune.id().to_string(),
    });
    let subject = format!("event/{id}");
    audit(
        &mut tx,
        &partner,
        "publish_event",
        None,
        Some(&subject),
        None,
        &after,
    )
    .await?;
    tx.commit().await?;
    tracing::info!(id, partner = %partner.username, "discovery day published");
    Ok((StatusCode::CREATED, Json(Published { id })))
}
