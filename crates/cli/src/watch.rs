//! The embedded cluster watched while `serve` runs. If its postmaster dies (killed, out
//! of memory), the server says so and stops with an error, rather than answering 503
//! for ever: whatever supervises it (systemd, a container runtime) then starts it again,
//! and `serve` starts the cluster with it, which recovers from its last commit.

use std::time::Duration;

use observatory_core::database::EmbeddedCluster;

/// How often the postmaster is looked for.
const EVERY: Duration = Duration::from_secs(2);

/// Resolves, with what to tell the operator, when the cluster stops running.
pub async fn embedded_stopped(cluster: EmbeddedCluster) -> String {
    let mut tick = tokio::time::interval(EVERY);
    loop {
        tick.tick().await;
        match cluster.is_running().await {
            Ok(true) => {}
            Ok(false) => {
                return format!(
                    "the embedded PostgreSQL in {} stopped while serving (its postmaster is gone); \
                     the server stops too: start `observatory serve` again, which starts the \
                     cluster and recovers it to its last commit",
                    cluster.dir().display()
                )
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot tell whether the embedded PostgreSQL runs")
            }
        }
    }
}
