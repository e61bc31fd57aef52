//! Sessions of moderators and partners, and the guards on every change:
//!
//! - a session is a random token in an HttpOnly, SameSite=Strict cookie; the database
//!   keeps only its SHA-256, with the account, the expiry and a CSRF token;
//! - [`Moderator`] and [`Partner`] refuse a request without a valid session of that
//!   role (401, 403) and, for a change, without the session's `X-CSRF-Token` (403);
//! - [`same_origin`] refuses a change sent by a page of another site (403), which also
//!   covers the citizens' forms that have no session.

use axum::extract::{FromRef, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, Method};
use axum::middleware::Next;
use axum::response::Response;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use base64::Engine;
use observatory_core::accounts::Role;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::{ApiError, AppState};

pub const SESSION_COOKIE: &str = "observatory_session";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// A random secret: 32 bytes from the operating system, base64url.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What the database keeps of a secret.
pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// The cookie that carries a session token (or, with an empty value and no lifetime,
/// removes it).
pub fn session_cookie(token: String, state: &AppState) -> Cookie<'static> {
    let lifetime = state.settings.session_lifetime.as_secs();
    Cookie::build((SESSION_COOKIE, token))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.settings.secure_cookies)
        .max_age(time_seconds(lifetime))
        .build()
}

fn time_seconds(seconds: u64) -> time::Duration {
    time::Duration::seconds(i64::try_from(seconds).unwrap_or(i64::MAX))
}

/// A logged-in account.
#[derive(Debug, Clone)]
pub struct Account {
    pub id: i64,
    pub username: String,
    pub role: Role,
    pub csrf_token: String,
}

impl<S: Send + Sync> FromRequestParts<S> for Account
where
    AppState: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let state = AppState::from_ref(state);
        let jar = CookieJar::from_headers(&parts.headers);
        let token = jar
            .get(SESSION_COOKIE)
            .map(|c| c.value().to_owned())
            .ok_or_else(|| {
                ApiError::Unauthorized(
                    "log in first: this needs a moderator or partner session".to_owned(),
                )
            })?;
        let row: Option<(i64, String, String, String)> =
            sqlx::query_as(include_str!("sql/session_account.sql"))
                .bind(token_hash(&token))
                .fetch_optional(state.primary())
                .await?;
        let (id, username, role, csrf_token) = row.ok_or_else(|| {
            ApiError::Unauthorized("the session has ended or is unknown; log in again".to_owned())
        })?;
        let role = Role::parse(&role)
            .ok_or_else(|| ApiError::Internal(format!("an account of role {role:?}")))?;
        let account = Account {
            id,
            username,
            role,
            csrf_token,
        };
        if !is_safe(&parts.method) {
            check_csrf(parts, &account)?;
        }
        Ok(account)
    }
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// A change by a session must carry the session's CSRF token in `X-CSRF-Token`: a page
/// of another site can make the browser send the cookie, but cannot read the token.
fn check_csrf(parts: &Parts, account: &Account) -> Result<(), ApiError> {
    let sent = parts
        .headers
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    // Compared as hashes, so the time taken tells nothing of the token.
    if token_hash(sent) == token_hash(&account.csrf_token) && !sent.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "missing or wrong X-CSRF-Token header: send the csrf_token the login answered"
                .to_owned(),
        ))
    }
}

/// A session whose role includes moderation.
#[derive(Debug, Clone)]
pub struct Moderator(pub Account);

/// A session whose role includes a partner's work (partners and moderators).
#[derive(Debug, Clone)]
pub struct Partner(pub Account);

async fn with_role<S: Send + Sync>(
    parts: &mut Parts,
    state: &S,
    role: Role,
) -> Result<Account, ApiError>
where
    AppState: FromRef<S>,
{
    let account = Account::from_request_parts(parts, state).await?;
    if account.role.includes(role) {
        Ok(account)
    } else {
        Err(ApiError::Forbidden(format!(
            "this needs a {} account; {} is a {}",
            role.as_str(),
            account.username,
            account.role.as_str()
        )))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Moderator
where
    AppState: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        with_role(parts, state, Role::Moderator)
            .await
            .map(Moderator)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Partner
where
    AppState: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        with_role(parts, state, Role::Partner).await.map(Partner)
    }
}

/// Refuses a change (any method but GET, HEAD, OPTIONS) that a browser says comes from
/// another site: `Sec-Fetch-Site: cross-site`, or an `Origin` whose host is not the
/// one asked. Clients that send neither (scripts, the command line) pass.
pub async fn same_origin(request: Request, next: Next) -> Result<Response, ApiError> {
    if !is_safe(request.method()) {
        let headers = request.headers();
        let cross_site = headers
            .get("sec-fetch-site")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("cross-site"));
        let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
        let foreign_origin = headers
            .get(header::ORIGIN)
            .map(|origin| {
                let origin = origin.to_str().unwrap_or("");
                let origin_host = origin.split_once("://").map(|(_, rest)| rest).unwrap_or("");
                origin == "null" || Some(origin_host) != host
            })
            .unwrap_or(false);
        if cross_site || foreign_origin {
            return Err(ApiError::Forbidden(
                "this change was sent from another site; use the observatory's own pages"
                    .to_owned(),
            ));
        }
    }
    Ok(next.run(request).await)
}
