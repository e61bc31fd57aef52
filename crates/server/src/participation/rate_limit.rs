//! Per-address rate limits, counted in PostgreSQL so that every server behind a load
//! balancer counts the same requests: a fixed window per bucket and address.

use std::time::Duration;

use sqlx::PgPool;

use super::client::ClientAddress;
use crate::{ApiError, RateLimit};

/// What is limited, each with its own counter.
#[derive(Debug, Clone, Copy)]
pub enum Bucket {
    Contribution,
    Support,
    Login,
}

impl Bucket {
    fn as_str(self) -> &'static str {
        match self {
            Bucket::Contribution => "contribution",
            Bucket::Support => "support",
            Bucket::Login => "login",
        }
    }
}

/// Counts one request of `bucket` from `client`; a 429 with the seconds to wait once the
/// window's allowance is spent.
pub async fn count(
    pool: &PgPool,
    bucket: Bucket,
    limit: RateLimit,
    client: ClientAddress,
) -> Result<(), ApiError> {
    let window_s = limit.window.as_secs().max(1);
    let (hits, left_s): (i32, f64) = sqlx::query_as(include_str!("sql/rate_limit_count.sql"))
        .bind(bucket.as_str())
        .bind(client.key())
        .bind(window_s as f64)
        .fetch_one(pool)
        .await?;
    if u32::try_from(hits).unwrap_or(u32::MAX) > limit.requests {
        let retry_after_s = Duration::from_secs_f64(left_s.max(1.0)).as_secs();
        return Err(ApiError::TooManyRequests { retry_after_s });
    }
    Ok(())
}
