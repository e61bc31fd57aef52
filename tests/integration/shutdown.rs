//! `observatory serve` on SIGTERM: it refuses new connections at once, lets the requests
//! in flight finish within its grace period and exits 0; what still runs at the end of
//! the period is cut, and a contribution cut in the middle of its transaction leaves
//! nothing behind.

use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use observatory_tests::{ingest_westhoek, observatory_bin, repo_root, TestDb};
use serde_json::{json, Value};
use sqlx::PgPool;
use tokio::io::{AsyncBufReadExt, BufReader};

/// `observatory serve` on the test database, with its log kept.
struct Server {
    child: tokio::process::Child,
    base: String,
    port: u16,
    log: Arc<Mutex<String>>,
}

impl Server {
    async fn start(db: &TestDb, grace_s: u64, workers: u32) -> anyhow::Result<Server> {
        let port = {
            let probe = std::net::TcpListener::bind("127.0.0.1:0")?;
            probe.local_addr()?.port()
        };
        let mut child = tokio::process::Command::new(observatory_bin())
            .current_dir(repo_root())
            .env("DATABASE_URL", db.url()?)
            .env("OBSERVATORY_WEB_DIR", repo_root().join("web"))
            .env("RUST_LOG", "info")
            .env_remove("OBSERVATORY_LOG_FORMAT")
            .args(["serve", "--workers", &workers.to_string(), "--listen"])
            .arg(format!("127.0.0.1:{port}"))
            .arg("--shutdown-grace-s")
            .arg(grace_s.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()?;
        let log = Arc::new(Mutex::new(String::new()));
        if let Some(stderr) = child.stderr.take() {
            let log = log.clone();
            tokio::spawn(async move {
                let mut lines = BufReader::new(stderr).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Ok(mut log) = log.lock() {
                        log.push_str(&line);
                        log.push('\n');
                    }
                }
            });
        }
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(response) = reqwest::get(format!("{base}/health")).await {
                anyhow::ensure!(response.status() == 200, "health {}", response.status());
                break;
            }
            anyhow::ensure!(
                Instant::now() < deadline,
                "the server did not answer within 60 s"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Ok(Server {
            child,
            base,
            port,
            log,
        })
    }

    fn terminate(&self) -> anyhow::Result<Instant> {
        let pid = self.child.id().ok_or_else(|| anyhow::anyhow!("no pid"))?;
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(i32::try_from(pid)?),
            nix::sys::signal::Signal::SIGTERM,
        )?;
        Ok(Instant::now())
    }

    async fn wait(&mut self, within: Duration) -> anyhow::Result<ExitStatus> {
        match tokio::time::timeout(within, self.child.wait()).await {
            Ok(status) => Ok(status?),
            Err(_) => anyhow::bail!("the server did not exit within {within:?}"),
        }
    }

    fn log(&self) -> String {
        self.log.lock().map(|log| log.clone()).unwrap_or_default()
    }

    /// Whether a new TCP connection is refused.
    async fn refuses(&self) -> bool {
        matches!(
            tokio::net::TcpStream::connect(("127.0.0.1", self.port)).await,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused
        )
    }
}

/// Holds `table` locked against inserts in a transaction of its own, so a contribution
/// that writes to it waits in the middle of its transaction until the lock is released.
async fn lock(
    pool: &PgPool,
    table: &str,
) -> anyhow::Result<sqlx::Transaction<'static, sqlx::Postgres>> {
    let mut tx = pool.begin().await?;
    sqlx::query(&format!("LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE"))
        .execute(&mut *tx)
        .await?;
    Ok(tx)
}

/// Waits until a session of the server waits for a lock (the contribution is inside its
/// transaction).
async fn until_waiting(pool: &PgPool, database: &str) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity
             WHERE datname = $1 AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()",
        )
        .bind(database)
        .fetch_one(pool)
        .await?;
        if waiting > 0 {
            return Ok(());
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "no contribution waits for the lock"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn count(pool: &PgPool, table: &str) -> anyhow::Result<i64> {
    Ok(sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
        .fetch_one(pool)
        .await?)
}

/// A point of a Belgian pharmacy, and its id.
async fn pharmacy(pool: &PgPool) -> anyhow::Result<(i64, f64, f64)> {
    Ok(sqlx::query_as(
        "SELECT id, ST_X(geom), ST_Y(geom) FROM service
         WHERE category = 'pharmacy' AND country = 'BE' AND NOT closure_candidate
         ORDER BY id LIMIT 1",
    )
    .fetch_one(pool)
    .await?)
}

#[tokio::test]
async fn sigterm_lets_the_requests_in_flight_finish_and_refuses_new_ones() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let mut server = Server::start(&db, 10, 2).await?;
    let client = reqwest::Client::new();
    let export_url = format!("{}/exports/services.geojson", server.base);
    let whole = client.get(&export_url).send().await?.bytes().await?;

    // A large export, read slowly: a few KiB now, the rest in small steps.
    let mut slow = client.get(&export_url).send().await?;
    assert_eq!(slow.status(), 200);
    let mut first = Vec::new();
    while first.is_empty() {
        first.extend_from_slice(&slow.chunk().await?.unwrap_or_default());
    }
    let reader = tokio::spawn(async move {
        let mut body = first;
        while let Some(chunk) = slow.chunk().await? {
            body.extend_from_slice(&chunk);
            tokio::time::sleep(Duration::from_millis(40)).await;
        }
        anyhow::Ok((body, Instant::now()))
    });

    // A service report inside its transaction, waiting for a lock the test holds.
    let (service, lon, lat) = pharmacy(&db.pool).await?;
    let reports = count(&db.pool, "contribution").await?;
    let held = lock(&db.pool, "service_report").await?;
    let report = {
        let client = client.clone();
        let url = format!("{}/api/reports", server.base);
        tokio::spawn(async move {
            let response = client
                .post(url)
                .json(
                    &json!({"action": "closed", "category": "pharmacy", "longitude": lon,
                              "latitude": lat, "service_id": service, "observed_on": "2026-11-30",
                              "language": "fr", "website": ""}),
                )
                .send()
                .await?;
            let status = response.status();
            anyhow::Ok((status, response.json::<Value>().await?))
        })
    };
    until_waiting(&db.pool, &db.name).await?;

    // Fast requests beside them, on connections of their own.
    for path in ["/health", "/api/indicators", "/tiles/services.json", "/"] {
        let response = reqwest::Client::new()
            .get(format!("{}{path}", server.base))
            .send()
            .await?;
        assert_eq!(response.status(), 200, "{path}");
    }

    let signalled = server.terminate()?;
    // New connections are refused at once, while the export and the report still run.
    let deadline = Instant::now() + Duration::from_secs(2);
    while !server.refuses().await {
        assert!(Instant::now() < deadline, "new connections still accepted");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(!reader.is_finished(), "the slow export is still in flight");
    assert!(!report.is_finished(), "the report is still in flight");

    // The report, in its transaction at the signal, goes through once the lock is gone.
    tokio::time::sleep(Duration::from_millis(300)).await;
    held.rollback().await?;
    let (status, created) = report.await??;
    assert_eq!(status, 201, "{created}");
    assert_eq!(count(&db.pool, "contribution").await?, reports + 1);
    let landed: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM contribution c JOIN service_report r ON r.contribution_id = c.id
         WHERE c.id = $1",
    )
    .bind(created["id"].as_i64().unwrap_or_default())
    .fetch_one(&db.pool)
    .await?;
    assert_eq!(landed, 1, "the contribution landed whole");

    // The export completes, byte for byte the same as one read at full speed.
    let (body, finished) = reader.await??;
    assert_eq!(body.len(), whole.len());
    assert!(body == whole, "the slow export is complete");
    let geojson: Value = serde_json::from_slice(&body)?;
    assert!(geojson["features"]
        .as_array()
        .is_some_and(|f| !f.is_empty()));

    let status = server.wait(Duration::from_secs(12)).await?;
    let exited = signalled.elapsed();
    assert!(status.success(), "serve exits 0: {status}");
    let log = server.log();
    assert!(
        log.contains("the server stopped: every request in flight finished"),
        "{log}"
    );
    println!(
        "drained: the slow export ({} bytes) ended {:.2} s after SIGTERM, the process exited after {:.2} s",
        body.len(),
        finished.duration_since(signalled).as_secs_f64(),
        exited.as_secs_f64()
    );
    db.drop_database().await
}

#[tokio::test]
async fn requests_still_running_at_the_end_of_the_grace_period_are_cut_and_leave_nothing(
) -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let grace = Duration::from_secs(2);
    // One loop: the one that also closes the pool and the database at the end.
    let mut server = Server::start(&db, grace.as_secs(), 1).await?;

    // An idea inside its transaction (its contribution row written, the idea's not yet),
    // waiting for a lock the test holds past the grace period.
    let held = lock(&db.pool, "idea").await?;
    let idea = {
        let url = format!("{}/api/ideas", server.base);
        tokio::spawn(async move {
            let response = reqwest::Client::new()
                .post(url)
                .json(
                    &json!({"commune": "BE-33011", "theme": "mobility", "title": "Een fietspad",
                              "body": "Langs de vaart", "language": "nl"}),
                )
                .send()
                .await?;
            anyhow::Ok(response.status())
        })
    };
    until_waiting(&db.pool, &db.name).await?;

    let signalled = server.terminate()?;
    let status = server.wait(grace + Duration::from_secs(2)).await?;
    let exited = signalled.elapsed();
    assert!(status.success(), "serve exits 0 after cutting: {status}");
    assert!(
        exited >= grace,
        "the requests in flight had their grace period"
    );
    let log = server.log();
    assert!(log.contains("the server stopped"), "{log}");
    assert!(log.contains("were cut"), "{log}");
    // The client got no answer that a contribution was received.
    if let Ok(status) = idea.await? {
        assert!(!status.is_success(), "{status}");
    }

    // The lock released, the cut session's transaction can only roll back: once no
    // session of the server is left, neither the idea nor its contribution exists.
    held.rollback().await?;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let sessions: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity
             WHERE datname = $1 AND pid <> pg_backend_pid() AND state <> 'idle'",
        )
        .bind(&db.name)
        .fetch_one(&db.pool)
        .await?;
        if sessions == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "the cut session is still there");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(count(&db.pool, "contribution").await?, 0);
    assert_eq!(count(&db.pool, "idea").await?, 0);
    println!(
        "cut: the process exited {:.2} s after SIGTERM",
        exited.as_secs_f64()
    );
    db.drop_database().await
}
