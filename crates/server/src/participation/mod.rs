//! Citizen participation: service reports, the idea box, calls for projects and the
//! project ideas sent to them, discovery days, the needs questionnaire, then-and-now
//! photos, support, and the moderation that decides what becomes public. Each resource
//! is a module with its own router and its SQL in `sql/`.
//!
//! Every change passes [`auth::same_origin`]; changes by moderators and partners also
//! need their session and its CSRF token ([`auth::Moderator`], [`auth::Partner`]);
//! citizens' posts are limited per address ([`rate_limit`]) and bounded in size.
//!
//! All of it reads and writes the primary database ([`AppState::primary`]), lists
//! included: a moderator's queue, a partner's call or a citizen's support must show the
//! change just made, which a replica a moment behind may not hold yet; and these few
//! requests weigh nothing beside the map's.

mod accounts;
mod auth;
mod calls;
mod client;
mod contributions;
mod events;
mod ideas;
mod input;
mod moderation;
mod needs;
mod photos;
mod rate_limit;
mod reports;
pub mod retention;
mod support;
mod themes;

use axum::extract::DefaultBodyLimit;
use utoipa_axum::router::OpenApiRouter;

use crate::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(accounts::router())
        .merge(contributions::router())
        .merge(themes::router())
        .merge(reports::router())
        .merge(ideas::router())
        .merge(support::router())
        .merge(moderation::router())
        .merge(calls::router())
        .merge(events::router())
        .merge(photos::router())
        .merge(needs::router())
        .layer(DefaultBodyLimit::max(input::JSON_LIMIT))
        .layer(axum::middleware::from_fn(auth::same_origin))
}
