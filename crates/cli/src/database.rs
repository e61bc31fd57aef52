//! Which database a command uses: `DATABASE_URL`, or the embedded cluster.

use std::path::Path;

use observatory_core::database::{self, EmbeddedCluster, RunningCluster};
use sqlx::postgres::PgConnectOptions;
use sqlx::PgPool;

pub enum Database {
    /// Boxed: connection options are far larger than the embedded cluster's description.
    External(Box<PgConnectOptions>),
    Embedded(EmbeddedCluster),
}

/// A migrated pool, and the embedded cluster to stop when done, if we started it.
pub struct Opened {
    pub pool: PgPool,
    cluster: Option<RunningCluster>,
}

impl Database {
    pub fn choose(url: Option<&str>, cluster_dir: &Path) -> anyhow::Result<Database> {
        Ok(match url.filter(|u| !u.trim().is_empty()) {
            Some(url) => Database::External(Box::new(database::options_from_url(url)?)),
            None => Database::Embedded(EmbeddedCluster::new(cluster_dir)?),
        })
    }

    pub async fn open(self, max_connections: u32) -> anyhow::Result<Opened> {
        match self {
            Database::External(options) => {
                tracing::info!(database = %database::describe(&options), "using DATABASE_URL");
                let pool = database::connect_and_migrate(*options, max_connections).await?;
                Ok(Opened {
                    pool,
                    cluster: None,
                })
            }
            Database::Embedded(cluster) => {
                let running = cluster.start().await?;
                match database::connect_and_migrate(cluster.connect_options(), max_connections)
                    .await
                {
                    Ok(pool) => Ok(Opened {
                        pool,
                        cluster: Some(running),
                    }),
                    Err(e) => {
                        running.release().await?;
                        Err(e.into())
                    }
                }
            }
        }
    }
}

impl Opened {
    /// The embedded cluster in use, if it is the one (started here or found running).
    pub fn embedded(&self) -> Option<&observatory_core::database::EmbeddedCluster> {
        self.cluster.as_ref().map(RunningCluster::cluster)
    }

    /// Closes the pool, then stops the embedded cluster if this process started it.
    pub async fn close(self) -> anyhow::Result<()> {
        self.pool.close().await;
        if let Some(cluster) = self.cluster {
            cluster.release().await?;
        }
        Ok(())
    }

    /// Like `close`, when requests were cut: their connections may never come back to
    /// the pool, so it is waited for only `limit`; the embedded cluster's fast stop (or
    /// the process's exit) then ends their sessions, and their transactions roll back.
    pub async fn close_within(self, limit: std::time::Duration) -> anyhow::Result<()> {
        let _ = tokio::time::timeout(limit, self.pool.close()).await;
        if let Some(cluster) = self.cluster {
            cluster.release().await?;
        }
        Ok(())
    }
}
