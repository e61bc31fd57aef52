//! Logging in and out: `POST /api/session` checks the argon2id hash and opens a
//! session, `GET` says who is logged in, `DELETE` ends it.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use axum_extra::extract::cookie::CookieJar;
use observatory_core::accounts::{decoy_hash, verify_password, Role};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::{new_token, session_cookie, token_hash, Account, SESSION_COOKIE};
use super::client::ClientAddress;
use super::input::JsonBody;
use super::rate_limit::{self, Bucket};
use crate::error::ErrorBody;
use crate::{ApiError, AppState};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(login, current, logout))
}

#[derive(Deserialize, ToSchema)]
struct Login {
    username: String,
    password: String,
}

/// The logged-in account.
#[derive(Serialize, ToSchema)]
struct SessionInfo {
    username: String,
    /// `moderator` or `partner`.
    #[schema(value_type = String)]
    role: Role,
    /// Send it back in `X-CSRF-Token` with every change.
    csrf_token: String,
}

/// Logs a moderator or partner in: a session cookie (HttpOnly, SameSite=Strict) and the
/// CSRF token to send with every change. Limited per address.
#[utoipa::path(
    post,
    path = "/api/session",
    operation_id = "login",
    tag = "participation",
    request_body = Login,
    responses(
        (status = 200, description = "Logged in", body = SessionInfo),
        (status = 401, description = "Wrong user name or password", body = ErrorBody),
        (status = 429, description = "Too many attempts from this address", body = ErrorBody),
    )
)]
async fn login(
    State(state): State<AppState>,
    client: ClientAddress,
    jar: CookieJar,
    JsonBody(login): JsonBody<Login>,
) -> Result<(CookieJar, Json<SessionInfo>), ApiError> {
    rate_limit::count(
        state.primary(),
        Bucket::Login,
        state.settings.limits.logins,
        client,
    )
    .await?;
    let found: Option<(i64, String, String)> =
        sqlx::query_as(include_str!("sql/account_by_name.sql"))
            .bind(&login.username)
            .fetch_optional(state.primary())
            .await?;
    // The same work whether the name exists or not: the answer's time tells nothing.
    let stored = found
        .as_ref()
        .map_or(decoy_hash(), |(_, _, hash)| hash.as_str())
        .to_owned();
    let password = login.password;
    let matches = tokio::task::spawn_blocking(move || verify_password(&password, &stored))
        .await
        .map_err(|e| ApiError::Internal(format!("verifying a password: {e}")))?;
    let (id, role) = match found {
        Some((id, role, _)) if matches => (id, role),
        _ => {
            tracing::info!(username = %login.username, client = %client.0, "failed login");
            return Err(ApiError::Unauthorized(
                "wrong user name or password".to_owned(),
            ));
        }
    };
    let role = Role::parse(&role).ok_or_else(|| ApiError::Internal(format!("role {role:?}")))?;
    let token = new_token();
    let csrf_token = new_token();
    sqlx::query(include_str!("sql/insert_session.sql"))
        .bind(token_hash(&token))
        .bind(id)
        .bind(&csrf_token)
        .bind(state.settings.session_lifetime.as_secs_f64())
        .execute(state.primary())
        .await?;
    tracing::info!(username = %login.username, "logged in");
    Ok((
        jar.add(session_cookie(token, &state)),
        Json(SessionInfo {
            username: login.username,
            role,
            csrf_token,
        }),
    ))
}

/// Who is logged in, with the CSRF token (after a reload of the page).
#[utoipa::path(
    get,
    path = "/api/session",
    operation_id = "current_session",
    tag = "participation",
    responses(
        (status = 200, description = "The session's account", body = SessionInfo),
        (status = 401, description = "No valid session", body = ErrorBody),
    )
)]
async fn current(account: Account) -> Json<SessionInfo> {
    Json(SessionInfo {
        username: account.username,
        role: account.role,
        csrf_token: account.csrf_token,
    })
}

/// Logs out: the session ends in the database and its cookie is removed.
#[utoipa::path(
    delete,
    path = "/api/session",
    operation_id = "logout",
    tag = "participation",
    responses(
        (status = 204, description = "Logged out"),
        (status = 401, description = "No valid session", body = ErrorBody),
        (status = 403, description = "Missing or wrong X-CSRF-Token", body = ErrorBody),
    )
)]
async fn logout(
    State(state): State<AppState>,
    _account: Account,
    jar: CookieJar,
) -> Result<(CookieJar, StatusCode), ApiError> {
    if let Some(cookie) = jar.get(SESSION_COOKIE) {
        sqlx::query(include_str!("sql/delete_session.sql"))
            .bind(token_hash(cookie.value()))
            .execute(state.primary())
            .await?;
    }
    let mut removal = session_cookie(String::new(), &state);
    removal.make_removal();
    Ok((jar.add(removal), StatusCode::NO_CONTENT))
}
