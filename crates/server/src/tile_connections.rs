//! The connections tiles are built on, apart from the server's pool. sqlx's pool checks
//! every connection given back to it with a round trip to PostgreSQL: one more exchange
//! per tile for a query that is itself one exchange (uncached tiles ran 9–27 % faster
//! without it in 3 of 4 alternated runs, 15 % slower in the fourth: BENCHMARKS.md). These
//! are given back as they are; one whose query failed is closed instead, so a broken
//! connection is never handed out again, and so is one whose request went away while its
//! query ran (the query would go on and its end, or its error, would meet the next tile).

use std::time::Duration;

use deadpool::managed::{self, Metrics, Object, Pool, PoolError, QueueMode, RecycleResult};
use deadpool::Runtime;
use sqlx::postgres::{PgArguments, PgConnectOptions, PgRow};
use sqlx::query::Query;
use sqlx::{ConnectOptions, Connection, PgConnection, Postgres};

/// Opens connections with the server pool's options.
struct Connector {
    options: PgConnectOptions,
}

impl managed::Manager for Connector {
    type Type = PgConnection;
    type Error = sqlx::Error;

    async fn create(&self) -> Result<PgConnection, sqlx::Error> {
        self.options.connect().await
    }

    /// Given back as it is, but tested first while connections are being found dead
    /// (the database restarted): each dead one is then replaced before a tile uses it.
    async fn recycle(&self, conn: &mut PgConnection, _: &Metrics) -> RecycleResult<sqlx::Error> {
        if observatory_core::database::lost_lately() {
            conn.ping().await?;
        }
        Ok(())
    }
}

pub struct TileConnections {
    pool: Pool<Connector>,
}

impl TileConnections {
    /// At most `size` connections, opened as tiles need them.
    pub fn new(options: PgConnectOptions, size: usize) -> Result<TileConnections, sqlx::Error> {
        let pool = Pool::builder(Connector { options })
            .max_size(size)
            // The connection used last is used next: the fewer backends at work, the more
            // of their memory stays in the processor's caches.
            .queue_mode(QueueMode::Lifo)
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(Duration::from_secs(10)))
            .create_timeout(Some(Duration::from_secs(10)))
            .build()
            .map_err(|e| sqlx::Error::Configuration(e.into()))?;
        Ok(TileConnections { pool })
    }

    /// The rows of one query.
    pub async fn fetch_all(
        &self,
        query: Query<'_, Postgres, PgArguments>,
    ) -> Result<Vec<PgRow>, sqlx::Error> {
        let connection = self.pool.get().await.map_err(|e| match e {
            PoolError::Backend(e) => e,
            PoolError::Timeout(_) => sqlx::Error::PoolTimedOut,
            PoolError::Closed => sqlx::Error::PoolClosed,
            other => sqlx::Error::Protocol(format!("tile connections: {other}")),
        })?;
        let mut in_flight = InFlight(Some(connection));
        let Some(connection) = in_flight.0.as_mut() else {
            return Err(sqlx::Error::PoolClosed);
        };
        let rows = query.fetch_all(&mut **connection).await;
        match &rows {
            // Back to the pool as it is.
            Ok(_) => drop(in_flight.0.take()),
            Err(e) => {
                if matches!(e, sqlx::Error::Io(_) | sqlx::Error::Protocol(_)) {
                    observatory_core::database::connection_lost();
                }
            }
        }
        rows
    }
}

/// A connection with a query under way. Dropped before the query ended (the request was
/// cancelled: its client went away, or it ran past the server's time limit) or after the
/// query failed, it is closed rather than given back: PostgreSQL would still be running
/// the query, and the next tile would wait behind it, then read its rows or its error
/// ("canceling statement due to statement timeout" for a tile asked a millisecond ago).
struct InFlight(Option<Object<Connector>>);

impl Drop for InFlight {
    fn drop(&mut self) {
        if let Some(connection) = self.0.take() {
            drop(Object::take(connection));
        }
    }
}
