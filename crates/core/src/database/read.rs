//! Where the published data is read from: a replica of the database (`DATABASE_READ_URL`),
//! or the primary itself.

use sqlx::postgres::PgConnectOptions;
use sqlx::PgPool;

use super::{connect, describe, server_options, DatabaseError};

/// The database that the published data (communes, services, indicators, tiles, exports)
/// is read from: a replica such as a PostgreSQL streaming standby, or, without one, the
/// primary's own pool. A type of its own, so that whatever takes a `ReadPool` only reads,
/// and whatever writes (taking the primary's `PgPool`) cannot be handed the replica.
#[derive(Clone, Debug)]
pub struct ReadPool {
    pool: PgPool,
    replica: bool,
}

impl ReadPool {
    /// Reads on the primary's pool, sharing its connections: no replica is configured.
    pub fn on_primary(primary: &PgPool) -> ReadPool {
        ReadPool {
            pool: primary.clone(),
            replica: false,
        }
    }

    /// A pool of its own on a replica, with the server's bounds on every statement
    /// ([`server_options`]). Its transactions are read only: a standby refuses writes by
    /// itself, and so then does a writable copy (a logical replica), which a write meant for
    /// the primary would otherwise silently make diverge.
    pub async fn connect_replica(
        options: PgConnectOptions,
        max_connections: u32,
    ) -> Result<ReadPool, DatabaseError> {
        let options = server_options(options).options([("default_transaction_read_only", "on")]);
        let pool = connect(options, max_connections)
            .await
            .map_err(|e| match e {
                DatabaseError::Connect { target, source } => {
                    DatabaseError::ConnectRead { target, source }
                }
                other => other,
            })?;
        Ok(ReadPool {
            pool,
            replica: true,
        })
    }

    /// The pool, to read with.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Whether reads go to a replica rather than to the primary.
    pub fn is_replica(&self) -> bool {
        self.replica
    }

    /// Where the reads go, for logs (never a password).
    pub fn describe(&self) -> String {
        describe(&self.pool.connect_options())
    }

    /// Closes the replica's pool; the primary's is closed by its owner.
    pub async fn close(&self) {
        if self.replica {
            self.pool.close().await;
        }
    }
}
