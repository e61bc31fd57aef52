//! Connection to PostGIS: an external database named by `DATABASE_URL`, or the embedded
//! cluster that the program runs itself under a local folder.

mod embedded;

use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;

pub use embedded::{EmbeddedCluster, EmbeddedError, RunningCluster};

/// The migrations in the repository's `migrations/` folder, compiled into the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations");

#[derive(Debug, thiserror::Error)]
pub enum DatabaseError {
    #[error("cannot connect to PostgreSQL at {target}: {source}. Check that the server runs and that DATABASE_URL is right")]
    Connect { target: String, source: sqlx::Error },
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
        .acquire_timeout(Duration::from_secs(10))
        // No round trip to test a connection before each use: it doubled the trips of
        // every tile built (one request, one query). A connection that died while idle
        // fails the one query it is given and is then dropped from the pool.
        .test_before_acquire(false)
        .connect_with(options)
        .await
        .map_err(|source| DatabaseError::Connect { target, source })
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
