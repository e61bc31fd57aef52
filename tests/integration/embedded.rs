//! The embedded default database: created, started, used and stopped by the program itself.

use std::os::unix::fs::PermissionsExt;
use std::process::Stdio;
use std::time::{Duration, Instant};

use observatory_core::database::{connect_and_migrate, EmbeddedCluster};
use observatory_tests::{observatory_bin, repo_root};

/// A folder the `postgres` system user can enter when the tests run as root.
fn cluster_folder() -> anyhow::Result<tempfile::TempDir> {
    let dir = tempfile::Builder::new()
        .prefix("obs-cluster-")
        .tempdir_in("/tmp")?;
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))?;
    Ok(dir)
}

#[tokio::test]
async fn the_embedded_cluster_starts_serves_postgis_and_stops() -> anyhow::Result<()> {
    let dir = cluster_folder()?;
    let cluster = EmbeddedCluster::new(dir.path().join("pg"))?;
    assert!(!cluster.is_running().await?);

    let running = cluster.start().await?;
    assert!(running.started_here);
    assert!(cluster.is_running().await?);
    let pool = connect_and_migrate(cluster.connect_options(), 2).await?;
    let postgis: String = sqlx::query_scalar("SELECT postgis_lib_version()")
        .fetch_one(&pool)
        .await?;
    assert!(postgis.starts_with('3'), "PostGIS {postgis}");
    // No replica follows it: a table rewritten in its transaction is not also copied to the WAL.
    let wal_level: String = sqlx::query_scalar("SHOW wal_level")
        .fetch_one(&pool)
        .await?;
    assert_eq!(wal_level, "minimal");

    // A second start finds it running and leaves it to its owner.
    let again = cluster.start().await?;
    assert!(!again.started_here);
    again.release().await?;
    assert!(cluster.is_running().await?);

    pool.close().await;
    running.release().await?;
    assert!(!cluster.is_running().await?);
    Ok(())
}

/// `observatory serve` with no DATABASE_URL: creates the cluster, serves, and stops the
/// cluster cleanly on SIGTERM.
#[tokio::test]
async fn serve_runs_on_the_embedded_cluster_with_no_configuration() -> anyhow::Result<()> {
    let dir = cluster_folder()?;
    let cluster_dir = dir.path().join("pg");
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0")?;
        probe.local_addr()?.port()
    };
    let mut child = tokio::process::Command::new(observatory_bin())
        .current_dir(repo_root())
        .env_remove("DATABASE_URL")
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--cluster-dir",
        ])
        .arg(&cluster_dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()?;

    let url = format!("http://127.0.0.1:{port}/health");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(response) = reqwest::get(&url).await {
            assert_eq!(response.status(), 200);
            break;
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "the server did not answer within 60 s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let cluster = EmbeddedCluster::new(&cluster_dir)?;
    assert!(cluster.is_running().await?);

    let pid =
        nix::unistd::Pid::from_raw(child.id().ok_or_else(|| anyhow::anyhow!("no pid"))? as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM)?;
    let status = tokio::time::timeout(Duration::from_secs(60), child.wait()).await??;
    assert!(status.success(), "serve exits cleanly: {status}");
    assert!(
        !cluster.is_running().await?,
        "the cluster is stopped with the server"
    );
    Ok(())
}

/// A thread count of zero is refused before anything starts: the error names the option,
/// and no cluster is created.
#[tokio::test]
async fn serve_refuses_zero_workers_before_starting_anything() -> anyhow::Result<()> {
    let dir = cluster_folder()?;
    let cluster_dir = dir.path().join("pg");
    let output = tokio::process::Command::new(observatory_bin())
        .current_dir(repo_root())
        .env_remove("DATABASE_URL")
        .env_remove("OBSERVATORY_WORKERS")
        .args(["serve", "--workers", "0", "--cluster-dir"])
        .arg(&cluster_dir)
        .output()
        .await?;
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--workers"), "{stderr}");
    assert!(!cluster_dir.exists(), "no cluster was created");
    Ok(())
}
