//! Database faults: the database stopped and started again under requests, a client that
//! leaves in the middle of an export, and the server's bounds on every statement.

use std::os::unix::fs::PermissionsExt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use observatory_core::database::{connect, connect_and_migrate, server_options, EmbeddedCluster};
use observatory_tests::{ingest_westhoek, test_settings, TestApp, TestDb};
use serde_json::json;

/// A folder the `postgres` system user can enter when the tests run as root.
fn cluster_folder() -> anyhow::Result<tempfile::TempDir> {
    let dir = tempfile::Builder::new()
        .prefix("obs-faults-")
        .tempdir_in("/tmp")?;
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))?;
    Ok(dir)
}

/// What the clients saw while the database went away and came back.
#[derive(Default, Debug)]
struct Seen {
    ok: usize,
    unavailable: usize,
    unavailable_without_retry_after: usize,
    other: Vec<u16>,
    /// Downloads cut off after their status: the export in flight when the database
    /// stopped can only end broken (its client sees a broken download, not a short file).
    broken: usize,
    /// When the last 503 was answered.
    last_unavailable: Option<Instant>,
}

/// The database stopped under requests: every request is answered 503 with Retry-After
/// (nothing else, and none hangs past a few seconds) while it is down; within 5 s of its
/// return the server answers again by itself; every idea it accepted with a 201 is there.
#[tokio::test]
async fn the_server_answers_503_while_the_database_is_down_and_recovers_alone() -> anyhow::Result<()>
{
    let dir = cluster_folder()?;
    let cluster = EmbeddedCluster::new(dir.path().join("pg"))?;
    let running = cluster.start().await?;
    let pool = connect_and_migrate(cluster.connect_options(), 4).await?;
    ingest_westhoek(&pool).await?;
    // Limits high enough for this one address's steady posts.
    let mut settings = test_settings();
    settings.limits.contributions.requests = 10_000;
    let app = TestApp::spawn_with(pool.clone(), 64, settings).await?;
    assert_eq!(app.get("/api/participation/themes").await?.status(), 200);

    let stop = Arc::new(AtomicBool::new(false));
    let seen = Arc::new(tokio::sync::Mutex::new(Seen::default()));
    let accepted = Arc::new(tokio::sync::Mutex::new(Vec::<i64>::new()));
    let mut clients = Vec::new();
    for client in 0..5 {
        let (stop, seen, accepted) = (stop.clone(), seen.clone(), accepted.clone());
        let base = app.base.clone();
        clients.push(tokio::spawn(async move {
            let http = reqwest::Client::builder()
                .timeout(Duration::from_secs(8))
                .build()?;
            let mut n = 0u32;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let response = if client == 0 {
                    // A contribution every 200 ms.
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    http.post(format!("{base}/api/ideas"))
                        .json(&json!({"commune": "BE-33011", "theme": "other", "title": format!("Idea {n}"), "body": "Kept.", "language": "en"}))
                        .send()
                        .await?
                } else {
                    let path = [
                        "/api/participation/themes",
                        "/api/communes/BE-33011",
                        "/api/indicators/service_count?category=pharmacy",
                        "/exports/communes.geojson?bbox=2.8,50.8,3.0,51.0",
                    ][client - 1];
                    http.get(format!("{base}{path}")).send().await?
                };
                let status = response.status().as_u16();
                let retry_after = response.headers().contains_key("retry-after");
                // Every answer whole, but for an export cut by the stop itself.
                let body: serde_json::Value = match response.json().await {
                    Ok(body) => body,
                    Err(_) if client == 4 => {
                        seen.lock().await.broken += 1;
                        continue;
                    }
                    Err(e) => return Err(e.into()),
                };
                let mut seen = seen.lock().await;
                match status {
                    200 | 201 => {
                        seen.ok += 1;
                        if let Some(id) = body["id"].as_i64() {
                            accepted.lock().await.push(id);
                        }
                    }
                    503 => {
                        seen.unavailable += 1;
                        seen.last_unavailable = Some(Instant::now());
                        if !retry_after {
                            seen.unavailable_without_retry_after += 1;
                        }
                    }
                    other => seen.other.push(other),
                }
            }
            anyhow::Ok(())
        }));
    }

    tokio::time::sleep(Duration::from_secs(1)).await;
    cluster.stop().await?;
    tokio::time::sleep(Duration::from_secs(4)).await;
    let during = seen.lock().await.unavailable;
    assert!(during > 0, "no request met the stopped database");
    cluster.start().await?;
    let back = Instant::now();
    tokio::time::sleep(Duration::from_secs(8)).await;
    stop.store(true, Ordering::Relaxed);
    for client in clients {
        client.await??;
    }

    let seen = seen.lock().await;
    assert!(
        seen.other.is_empty(),
        "answers other than 200, 201 and 503: {seen:?}"
    );
    // One export client, one request at a time: at most the one in flight at the stop.
    assert!(
        seen.broken <= 1,
        "downloads broken after their status: {seen:?}"
    );
    assert_eq!(seen.unavailable_without_retry_after, 0, "{seen:?}");
    let recovered_after = seen
        .last_unavailable
        .map_or(Duration::ZERO, |at| at.saturating_duration_since(back));
    assert!(
        recovered_after < Duration::from_secs(5),
        "503s went on {recovered_after:?} after the database came back: {seen:?}"
    );
    // Every idea answered 201 is in the database.
    let ids = accepted.lock().await.clone();
    assert!(!ids.is_empty());
    let stored: i64 =
        sqlx::query_scalar("SELECT count(*) FROM idea WHERE contribution_id = ANY($1)")
            .bind(&ids)
            .fetch_one(&pool)
            .await?;
    assert_eq!(
        stored,
        ids.len() as i64,
        "an accepted contribution was lost"
    );
    eprintln!(
        "database stopped 4 s: {} answers 2xx, {} answers 503 (all with Retry-After), last 503 {:?} after its return, {} ideas accepted and all kept",
        seen.ok, seen.unavailable, recovered_after, ids.len()
    );
    pool.close().await;
    running.release().await?;
    Ok(())
}

/// A client that leaves in the middle of a large export: its backend stops at once and
/// is gone, rather than sending the rest of its rows to nobody and waiting in the pool.
#[tokio::test]
async fn an_export_whose_client_leaves_stops_its_query() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    // Enough services that the export cannot fit in the sockets' buffers.
    sqlx::query(
        "INSERT INTO service (category, name, geom, first_seen, last_seen, sources)
         SELECT 'pharmacy', 'Apotheek ' || n,
                ST_SetSRID(ST_MakePoint(2.5 + (n % 1000) / 1000.0, 50.5 + (n / 1000) / 1000.0), 4326),
                '2024-01-01', '2024-01-01', '{}'
         FROM generate_series(1, 300000) AS n",
    )
    .execute(&db.pool)
    .await?;
    let app = TestApp::spawn(db.pool.clone()).await?;
    // The export's statement, known by its first line: pg_stat_activity keeps only the
    // first 1 KiB of a statement's text.
    let exporting = || async {
        let pids: Vec<i32> = sqlx::query_scalar(
            "SELECT pid FROM pg_stat_activity
             WHERE datname = current_database() AND pid <> pg_backend_pid()
               AND state = 'active' AND query LIKE '-- The services an export selects%'",
        )
        .fetch_all(&db.pool)
        .await?;
        anyhow::Ok(pids)
    };
    let pool = &db.pool;
    let backend_alive = |pid: i32| async move {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM pg_stat_activity WHERE pid = $1")
            .bind(pid)
            .fetch_one(pool)
            .await?;
        anyhow::Ok(n > 0)
    };
    let mut response = app.get("/exports/services.geojson").await?;
    assert_eq!(response.status(), 200);
    let first = response.chunk().await?;
    assert!(first.is_some());
    // The backend is blocked sending rows the client does not read.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let pids = exporting().await?;
    assert_eq!(pids.len(), 1, "the export's query is running");
    drop(response);
    let left = Instant::now();
    while backend_alive(pids[0]).await? {
        assert!(
            left.elapsed() < Duration::from_secs(10),
            "the export's backend is still there 10 s after its client left"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(exporting().await?.is_empty());
    eprintln!(
        "the export's backend ended {:?} after its client left",
        left.elapsed()
    );
    // The server still answers, and a whole export still completes.
    let whole = app.get("/exports/services.csv?commune=BE-33011").await?;
    assert_eq!(whole.status(), 200);
    assert!(whole.text().await?.lines().count() > 1);
    db.drop_database().await
}

/// Every connection of the server bounds its statements and idle transactions.
#[tokio::test]
async fn every_statement_of_the_server_has_a_timeout() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    let serving = connect(server_options(db.options.clone()), 1).await?;
    let settings: Vec<(String, String)> = sqlx::query_as(
        "SELECT name, setting || coalesce(unit, '') FROM pg_settings
         WHERE name IN ('statement_timeout', 'idle_in_transaction_session_timeout', 'client_connection_check_interval')
         ORDER BY name",
    )
    .fetch_all(&serving)
    .await?;
    assert_eq!(
        settings,
        vec![
            (
                "client_connection_check_interval".to_owned(),
                "2000ms".to_owned()
            ),
            (
                "idle_in_transaction_session_timeout".to_owned(),
                "60000ms".to_owned()
            ),
            ("statement_timeout".to_owned(), "30000ms".to_owned()),
        ]
    );
    // A statement past its bound is cut, and the connection serves on.
    let mut conn = serving.acquire().await?;
    sqlx::query("SET statement_timeout = '200ms'")
        .execute(&mut *conn)
        .await?;
    let cut = sqlx::query("SELECT pg_sleep(2)").execute(&mut *conn).await;
    let code = cut.err().and_then(|e| {
        e.as_database_error()
            .and_then(|d| d.code().map(|c| c.into_owned()))
    });
    assert_eq!(code.as_deref(), Some("57014"));
    let one: i32 = sqlx::query_scalar("SELECT 1").fetch_one(&mut *conn).await?;
    assert_eq!(one, 1);
    drop(conn);
    serving.close().await;
    db.drop_database().await
}

/// Starts `observatory serve` on the embedded cluster in `cluster_dir`; the child, once
/// it answers, and its port.
async fn serve_embedded(
    cluster_dir: &std::path::Path,
) -> anyhow::Result<(tokio::process::Child, u16)> {
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0")?;
        probe.local_addr()?.port()
    };
    let child = tokio::process::Command::new(observatory_tests::observatory_bin())
        .current_dir(observatory_tests::repo_root())
        .env_remove("DATABASE_URL")
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--cluster-dir",
        ])
        .arg(cluster_dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let url = format!("http://127.0.0.1:{port}/health");
    let deadline = Instant::now() + Duration::from_secs(60);
    while reqwest::get(&url).await.map(|r| r.status()).ok() != Some(reqwest::StatusCode::OK) {
        anyhow::ensure!(
            Instant::now() < deadline,
            "the server did not answer within 60 s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Ok((child, port))
}

/// The embedded cluster's postmaster killed with SIGKILL under `serve`: the server says
/// so and exits non-zero within seconds (its supervisor restarts it); started again, it
/// starts the cluster, which recovers, and serves.
#[tokio::test]
async fn serve_stops_with_an_error_when_its_embedded_postmaster_is_killed() -> anyhow::Result<()> {
    let dir = cluster_folder()?;
    let cluster_dir = dir.path().join("pg");
    let (mut child, _) = serve_embedded(&cluster_dir).await?;
    let pid_file = std::fs::read_to_string(cluster_dir.join("data/postmaster.pid"))?;
    let postmaster: i32 = pid_file.lines().next().unwrap_or_default().trim().parse()?;
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(postmaster),
        nix::sys::signal::Signal::SIGKILL,
    )?;
    let killed = Instant::now();
    let status = tokio::time::timeout(Duration::from_secs(20), child.wait()).await??;
    let noticed = killed.elapsed();
    assert!(!status.success(), "serve exits non-zero: {status}");
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        use tokio::io::AsyncReadExt;
        pipe.read_to_string(&mut stderr).await?;
    }
    assert!(stderr.contains("stopped while serving"), "{stderr}");
    eprintln!("serve exited {noticed:?} after its postmaster was killed");

    // Started again, it starts the cluster (crash recovery) and serves.
    let (mut again, port) = serve_embedded(&cluster_dir).await?;
    let themes = reqwest::get(format!("http://127.0.0.1:{port}/api/participation/themes")).await?;
    assert_eq!(themes.status(), 200);
    let pid =
        nix::unistd::Pid::from_raw(again.id().ok_or_else(|| anyhow::anyhow!("no pid"))? as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM)?;
    let status = tokio::time::timeout(Duration::from_secs(60), again.wait()).await??;
    assert!(status.success(), "{status}");
    Ok(())
}
