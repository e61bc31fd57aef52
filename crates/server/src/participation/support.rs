//! "I support this", on accepted ideas and on project ideas a call has made public. One
//! per person: a person is a random value in an HttpOnly cookie the server sets on the
//! first support (only its hash is stored), and the supports one address may give are
//! limited.

use axum::extract::State;
use axum::Json;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::{new_token, token_hash};
use super::client::ClientAddress;
use super::input::IdPath;
use super::rate_limit::{self, Bucket};
use crate::error::ErrorBody;
use crate::{ApiError, AppState};

const SUPPORTER_COOKIE: &str = "observatory_supporter";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(support_idea))
        .routes(routes!(support_project_idea))
}

#[derive(Serialize, ToSchema)]
struct Supports {
    /// How many people support it now.
    supports: i64,
}

/// Supports an accepted idea.
#[utoipa::path(
    post,
    path = "/api/ideas/{id}/support",
    operation_id = "support_idea",
    tag = "participation",
    params(("id" = i64, Path, description = "The idea's id")),
    responses(
        (status = 200, description = "Supported", body = Supports),
        (status = 404, description = "No public idea has this id", body = ErrorBody),
        (status = 409, description = "This person already supports it", body = ErrorBody),
        (status = 429, description = "Too many supports from this address", body = ErrorBody),
    )
)]
async fn support_idea(
    state: State<AppState>,
    client: ClientAddress,
    jar: CookieJar,
    IdPath(id): IdPath,
) -> Result<(CookieJar, Json<Supports>), ApiError> {
    support(state, client, jar, id, "idea").await
}

/// Supports a project idea a call has made public.
#[utoipa::path(
    post,
    path = "/api/project-ideas/{id}/support",
    operation_id = "support_project_idea",
    tag = "participation",
    params(("id" = i64, Path, description = "The project idea's id")),
    responses(
        (status = 200, description = "Supported", body = Supports),
        (status = 404, description = "No public project idea has this id", body = ErrorBody),
        (status = 409, description = "This person already supports it", body = ErrorBody),
        (status = 429, description = "Too many supports from this address", body = ErrorBody),
    )
)]
async fn support_project_idea(
    state: State<AppState>,
    client: ClientAddress,
    jar: CookieJar,
    IdPath(id): IdPath,
) -> Result<(CookieJar, Json<Supports>), ApiError> {
    support(state, client, jar, id, "project_idea").await
}

async fn support(
    State(state): State<AppState>,
    client: ClientAddress,
    jar: CookieJar,
    id: i64,
    kind: &'static str,
) -> Result<(CookieJar, Json<Supports>), ApiError> {
    rate_limit::count(
        state.primary(),
        Bucket::Support,
        state.settings.limits.supports,
        client,
    )
    .await?;
    let (jar, supporter) = match jar.get(SUPPORTER_COOKIE).map(|c| c.value().to_owned()) {
        Some(value) if !value.is_empty() => (jar, value),
        _ => {
            let value = new_token();
            let cookie = Cookie::build((SUPPORTER_COOKIE, value.clone()))
                .path("/api")
                .http_only(true)
                .same_site(SameSite::Strict)
                .secure(state.settings.secure_cookies)
                .max_age(time::Duration::days(400))
                .build();
            (jar.add(cookie), value)
        }
    };
    let mut tx = state.primary().begin().await?;
    let public: bool = sqlx::query_scalar(include_str!("sql/supportable.sql"))
        .bind(id)
        .bind(kind)
        .fetch_one(&mut *tx)
        .await?;
    if !public {
        return Err(ApiError::NotFound(format!(
            "no public {} has id {id}",
            kind.replace('_', " ")
        )));
    }
    let added = sqlx::query(include_str!("sql/insert_support.sql"))
        .bind(id)
        .bind(token_hash(&supporter))
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if added == 0 {
        return Err(ApiError::conflict("you already support this"));
    }
    let supports: i64 = sqlx::query_scalar(include_str!("sql/support_count.sql"))
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok((jar, Json(Supports { supports })))
}
