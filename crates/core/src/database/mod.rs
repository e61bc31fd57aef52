//! Connection to PostGIS: an external database named by `DATABASE_URL`, or the embedded
//! cluster that the program runs itself under a local folder.

mod embedded;
mod read;

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgPool};

pub use embedded::{EmbeddedCluster, EmbeddedError, RunningCluster, WalLevel};
pub use read::ReadPool;

/// The migrations in the repository's `migrations/` folder, compiled into the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations");

#[derive(Debug, thiserror::Error)]
pub enum DatabaseError {
    #[error("cannot connect to PostgreSQL at {target}: {source}. Check that the server runs and that DATABASE_URL is right")]
    Connect { target: String, source: sqlx::Error },
    #[error("cannot connect to the read replica at {target}: {source}. Check that it runs and that DATABASE_READ_URL is right")]
    ConnectRead { target: String, source: sqlx::Error },
    #[error("applying the schema migrations failed: {0}. The database was left at the last migration that succeeded")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0:?} is not a valid PostgreSQL URL: {1}")]
    Url(String, sqlx::Error),
}

/// Parses a `postgres://` URL, keeping the text only for error messages with its password removed.
pub fn options_from_url(url: &str) -> Result<PgConnectOptions, DatabaseError> {
    url.parse::<PgConnectOptions>()
        .map_err(|e| DatabaseError::Url(redact(url), e))
}

/// Opens a pool and brings the schema up to date.
pub async fn connect_and_migrate(
    options: PgConnectOptions,
    max_connections: u32,
) -> Result<PgPool, DatabaseError> {
    let pool = connect(options, max_connections).await?;
    MIGRATOR.run(&pool).await?;
    Ok(pool)
}

/// A pool of at most `max_connections` to a database already migrated.
pub async fn connect(
    options: PgConnectOptions,
    max_connections: u32,
) -> Result<PgPool, DatabaseError> {
    let target = describe(&options);
    PgPoolOptions::new()
        .max_connections(max_connections)
        // While the database is down, a request waits this long for a connection before
        // it is answered 503: long enough for a busy pool, short enough to say so soon.
        .acquire_timeout(Duration::from_secs(3))
        // No round trip to test every connection before each use: it doubled the trips of
        // every tile built (one request, one query). Only a connection idle for a while,
        // or any while a connection was lately found dead (the database restarted: every
        // pooled connection is), is tested first; a dead one is dropped and another taken,
        // so a restart costs at most the request that found it.
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for < IDLE_BEFORE_TEST && !lost_lately() {
                    return Ok(true);
                }
                Ok(conn.ping().await.is_ok())
            })
        })
        .connect_with(options)
        .await
        .map_err(|source| DatabaseError::Connect { target, source })
}

/// A connection idle this long is tested before use.
const IDLE_BEFORE_TEST: Duration = Duration::from_secs(5);

/// For how long after a connection was found dead every connection is tested before use.
const TEST_AFTER_LOSS: Duration = Duration::from_secs(30);

/// When a connection was last found dead, in milliseconds since 1970 (0: never).
static LOST_AT_MS: AtomicU64 = AtomicU64::new(0);

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Says that a connection was found dead (its socket closed, the server shutting
/// down): for a while, every pooled connection is tested before it is handed out.
pub fn connection_lost() {
    LOST_AT_MS.store(now_ms(), Ordering::Relaxed);
}

/// Whether a connection was found dead lately.
pub fn lost_lately() -> bool {
    let lost = LOST_AT_MS.load(Ordering::Relaxed);
    lost != 0 && now_ms().saturating_sub(lost) < TEST_AFTER_LOSS.as_millis() as u64
}

/// How long the server lets a statement run. The exports, which stream whole layers to
/// clients of any speed, set their own, longer bound ([`EXPORT_STATEMENT_TIMEOUT`]).
pub const STATEMENT_TIMEOUT: &str = "30s";
pub const EXPORT_STATEMENT_TIMEOUT: &str = "15min";

/// The server's connections: every statement bounded in time, no transaction left idle,
/// and a backend that checks every two seconds whether its client is still there, so
/// that a query whose client went away stops even before it sends a row.
pub fn server_options(options: PgConnectOptions) -> PgConnectOptions {
    options.options([
        ("statement_timeout", STATEMENT_TIMEOUT),
        ("idle_in_transaction_session_timeout", "60s"),
        ("client_connection_check_interval", "2s"),
    ])
}

/// Where a connection goes, for logs: host or socket, port and database, never the password.
pub fn describe(options: &PgConnectOptions) -> String {
    format!(
        "{}:{}/{}",
        options.get_host(),
        options.get_port(),
        options.get_database().unwrap_or("(default)")
    )
}

/// A URL with its password replaced by `***`, safe for logs and error messages.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((userinfo, host)) = rest.split_once('@') else {
        return url.to_owned();
    };
    match userinfo.split_once(':') {
        Some((user, _password)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_never_reach_logs() {
        assert_eq!(
            redact("postgres://obs:s3cret@db:5432/x"),
            "postgres://obs:***@db:5432/x"
        );
        assert_eq!(redact("postgres://obs@db/x"), "postgres://obs@db/x");
        assert_eq!(redact("postgres:///x?host=/tmp"), "postgres:///x?host=/tmp");
    }
}
