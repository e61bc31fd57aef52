//! What the observatory keeps, and for how long (README, "Participation"): expired
//! sessions and past rate-limit windows go at once; contact addresses 12 months after
//! the decision; the words of rejected and merged contributions 12 months after the
//! decision (their public reason stays). `observatory serve` runs this every hour.

use sqlx::PgPool;

/// What one purge removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct Purged {
    pub sessions: i64,
    pub rate_limit_windows: i64,
    pub contact_emails: i64,
    pub contents: i64,
}

/// Removes what is kept no longer.
pub async fn purge(pool: &PgPool) -> Result<Purged, sqlx::Error> {
    sqlx::query_as(include_str!("sql/purge_expired.sql"))
        .fetch_one(pool)
        .await
}
