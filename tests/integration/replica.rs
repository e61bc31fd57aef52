//! Reads from a replica: `observatory serve` with `DATABASE_URL` on a primary cluster and
//! `DATABASE_READ_URL` on a standby that follows it by PostgreSQL's own streaming
//! replication (`pg_basebackup -R`), both started by the test. With replay paused on the
//! standby, the read routes still give the data as it was, and contributions are taken
//! by the primary; resumed, the reads follow. Stopped, reads answer 503 while
//! contributions go on. A standby further behind than the one the server read its data
//! versions from (a switch between standbys) never gets its tiles filed under the newer
//! version.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use observatory_core::database::{connect, connect_and_migrate, EmbeddedCluster, WalLevel};
use observatory_tests::{ingest_westhoek, observatory_bin, repo_root};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::PgPool;

use crate::tiles::{decode, prop, tile_of};

/// A primary cluster that streaming standbys can follow, and its standbys, in a folder
/// of their own. Every cluster is stopped when this is dropped, the test passed or not.
struct Clusters {
    primary: EmbeddedCluster,
    standbys: Vec<EmbeddedCluster>,
    /// Removed after the clusters are stopped.
    dir: Option<tempfile::TempDir>,
}

impl Clusters {
    /// The primary with `standbys` standbys, each made from a base backup of it and
    /// following it.
    async fn start(standbys: usize) -> anyhow::Result<Clusters> {
        // The postgres system user (the server's when the tests run as root) must be able
        // to enter the folder.
        let dir = tempfile::Builder::new()
            .prefix("obs-replica-")
            .tempdir_in("/tmp")?;
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))?;
        let mut clusters = Clusters {
            primary: EmbeddedCluster::new(dir.path().join("primary"))?
                .with_wal_level(WalLevel::Replica),
            standbys: Vec::new(),
            dir: Some(dir),
        };
        clusters.primary.start().await?;
        for n in 0..standbys {
            let folder = clusters.folder()?.join(format!("standby-{n}"));
            let standby = EmbeddedCluster::new(folder)?.with_wal_level(WalLevel::Replica);
            clusters.standbys.push(standby.clone());
            standby.create_standby_of(&clusters.primary).await?;
            standby.start().await?;
        }
        Ok(clusters)
    }

    fn folder(&self) -> anyhow::Result<&Path> {
        self.dir
            .as_ref()
            .map(tempfile::TempDir::path)
            .ok_or_else(|| anyhow::anyhow!("the clusters' folder is gone"))
    }
}

impl Drop for Clusters {
    fn drop(&mut self) {
        // Synchronous, as a drop must be: the binary's own `db stop`.
        for cluster in self.standbys.iter().chain([&self.primary]) {
            let stopped = std::process::Command::new(observatory_bin())
                .env_remove("DATABASE_URL")
                .args(["db", "stop", "--cluster-dir"])
                .arg(cluster.dir())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
            if !stopped.is_ok_and(|s| s.success()) {
                eprintln!("could not stop the cluster in {}", cluster.dir().display());
            }
        }
        drop(self.dir.take());
    }
}

/// Waits until `standby` has replayed everything the primary had written when called.
async fn replayed(primary: &PgPool, standby: &PgPool) -> anyhow::Result<()> {
    let lsn: String = sqlx::query_scalar("SELECT pg_current_wal_lsn()::text")
        .fetch_one(primary)
        .await?;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let done: bool = sqlx::query_scalar("SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn")
            .bind(&lsn)
            .fetch_one(standby)
            .await?;
        if done {
            return Ok(());
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "the standby has not replayed up to {lsn} in 30 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Pauses replay on `standby`, returning once it has stopped replaying.
async fn pause_replay(standby: &PgPool) -> anyhow::Result<()> {
    sqlx::query("SELECT pg_wal_replay_pause()")
        .execute(standby)
        .await?;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let state: String = sqlx::query_scalar("SELECT pg_get_wal_replay_pause_state()")
            .fetch_one(standby)
            .await?;
        if state == "paused" {
            return Ok(());
        }
        anyhow::ensure!(Instant::now() < deadline, "replay is still {state}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// `observatory serve`, the real binary, with the primary and the read replica it is given.
struct Server {
    child: tokio::process::Child,
    base: String,
    http: reqwest::Client,
}

impl Server {
    async fn start(primary_url: &str, read_url: &str, log: &Path) -> anyhow::Result<Server> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let child = tokio::process::Command::new(observatory_bin())
            .current_dir(repo_root())
            .env("DATABASE_URL", primary_url)
            .env("DATABASE_READ_URL", read_url)
            .args(["serve", "--workers", "2", "--listen"])
            .arg(format!("127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(log)?)
            .kill_on_drop(true)
            .spawn()?;
        let server = Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(20))
                .build()?,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(health) = server.get("/health").await {
                if health.status() == StatusCode::OK {
                    let health: Value = health.json().await?;
                    assert_eq!(
                        health,
                        json!({"status": "ok", "database": "ok", "read_database": "ok"})
                    );
                    return Ok(server);
                }
            }
            anyhow::ensure!(
                Instant::now() < deadline,
                "the server did not answer within 60 s; its log: {}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    async fn get(&self, path: &str) -> anyhow::Result<reqwest::Response> {
        Ok(self.http.get(format!("{}{path}", self.base)).send().await?)
    }

    /// The data version of `layer` named by its TileJSON.
    async fn tile_version(&self, layer: &str) -> anyhow::Result<i64> {
        let doc: Value = self
            .get(&format!("/tiles/{layer}.json"))
            .await?
            .json()
            .await?;
        let url = doc["tiles"][0].as_str().unwrap_or_default();
        let version = url
            .split_once("v=")
            .map(|(_, v)| v.split('&').next().unwrap_or(v))
            .ok_or_else(|| anyhow::anyhow!("no version in the TileJSON's URL {url}"))?;
        Ok(version.parse()?)
    }

    /// Drops an idea for `commune`: its id and withdrawal secret.
    async fn drop_idea(&self, title: &str) -> anyhow::Result<(i64, String)> {
        let response = self
            .http
            .post(format!("{}/api/ideas", self.base))
            .json(&json!({"commune": IEPER, "theme": "other", "title": title, "body": "Sent while the map is read from a standby.", "language": "en"}))
            .send()
            .await?;
        assert_eq!(response.status(), StatusCode::CREATED, "POST /api/ideas");
        let created: Value = response.json().await?;
        let id = created["id"]
            .as_i64()
            .ok_or_else(|| anyhow::anyhow!("no id in {created}"))?;
        let token = created["withdraw_token"]
            .as_str()
            .ok_or_else(|| anyhow::anyhow!("no withdraw_token in {created}"))?;
        Ok((id, token.to_owned()))
    }

    /// SIGTERM, then a clean exit.
    async fn stop(mut self) -> anyhow::Result<()> {
        let pid = self
            .child
            .id()
            .ok_or_else(|| anyhow::anyhow!("the server has exited already"))?;
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(i32::try_from(pid)?),
            nix::sys::signal::Signal::SIGTERM,
        )?;
        let status = tokio::time::timeout(Duration::from_secs(30), self.child.wait()).await??;
        anyhow::ensure!(status.success(), "the server exited with {status}");
        Ok(())
    }
}

const IEPER: &str = "BE-33011";

/// Routes of the published data that show a commune's name, each read from the read
/// database: profile, search, labels, an indicator's values, OGC API item, export.
const NAMED_BY_READ_ROUTES: [&str; 6] = [
    "/api/communes/BE-33011",
    "/api/communes?q=ieper",
    "/api/labels",
    "/api/indicators/service_count?category=pharmacy",
    "/ogc/collections/communes/items/BE-33011",
    "/exports/communes.csv?commune=BE-33011",
];

/// The read routes that do not show `name`, or that show `not` (a route that fails shows
/// neither).
async fn read_routes_show(
    server: &Server,
    name: &str,
    not: Option<&str>,
) -> anyhow::Result<Vec<String>> {
    let mut wrong = Vec::new();
    for path in NAMED_BY_READ_ROUTES {
        let response = server.get(path).await?;
        let status = response.status();
        let body = response.text().await?;
        if status != StatusCode::OK || !body.contains(name) || not.is_some_and(|n| body.contains(n))
        {
            wrong.push(format!("{path} ({status})"));
        }
    }
    Ok(wrong)
}

/// A tile of the communes layer and the name of Ieper in it, with its headers.
struct CommuneTile {
    name: Option<String>,
    cache_control: String,
    cache: String,
}

async fn ieper_in_tile(server: &Server, path: &str) -> anyhow::Result<CommuneTile> {
    let response = server.get(path).await?;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let (cache_control, cache) = (header("cache-control"), header("x-tile-cache"));
    let features = decode(response.bytes().await?.to_vec(), "communes")?;
    let name = features
        .iter()
        .find(|f| prop(f, "id").as_deref() == Some(IEPER))
        .and_then(|f| prop(f, "name"));
    Ok(CommuneTile {
        name,
        cache_control,
        cache,
    })
}

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// The path of the communes tile holding Ieper at zoom `z`, with a version.
async fn ieper_tile_path(primary: &PgPool, z: u8, version: i64) -> anyhow::Result<String> {
    let (lon, lat): (f64, f64) = sqlx::query_as(
        "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM commune
         WHERE country = 'BE' AND code = '33011') q",
    )
    .fetch_one(primary)
    .await?;
    let (x, y) = tile_of(lon, lat, z);
    Ok(format!("/tiles/communes/{z}/{x}/{y}.mvt?v={version}"))
}

async fn rename_ieper(primary: &PgPool, name: &str) -> anyhow::Result<i64> {
    sqlx::query("UPDATE commune SET name = $1 WHERE country = 'BE' AND code = '33011'")
        .bind(name)
        .execute(primary)
        .await?;
    Ok(
        sqlx::query_scalar("SELECT communes FROM tile_layer_version")
            .fetch_one(primary)
            .await?,
    )
}

/// Polls until the server's TileJSON names `version` of the communes layer.
async fn server_reaches(server: &Server, version: i64) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let now = server.tile_version("communes").await?;
        if now == version {
            return Ok(());
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "the server still names version {now}, not {version}, 15 s on"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn reads_come_from_the_standby_and_contributions_go_to_the_primary() -> anyhow::Result<()> {
    let started = Instant::now();
    let clusters = Clusters::start(1).await?;
    let primary = connect_and_migrate(clusters.primary.connect_options(), 4).await?;
    ingest_westhoek(&primary).await?;
    let standby_cluster = &clusters.standbys[0];
    let standby = connect(standby_cluster.connect_options(), 2).await?;
    replayed(&primary, &standby).await?;
    let log = clusters.folder()?.join("serve.log");
    let server = Server::start(&clusters.primary.url(), &standby_cluster.url(), &log).await?;

    let name: String =
        sqlx::query_scalar("SELECT name FROM commune WHERE country = 'BE' AND code = '33011'")
            .fetch_one(&primary)
            .await?;
    let renamed = format!("{name} renamed on the primary");
    let old_version = server.tile_version("communes").await?;
    let tile = ieper_tile_path(&primary, 10, old_version).await?;
    let before = ieper_in_tile(&server, &tile).await?;
    assert_eq!(before.name.as_deref(), Some(name.as_str()));
    assert_eq!(before.cache_control, IMMUTABLE);

    // (a) Replay paused: the primary changes, the read routes do not.
    pause_replay(&standby).await?;
    let new_version = rename_ieper(&primary, &renamed).await?;
    assert!(new_version > old_version);
    let wrong = read_routes_show(&server, &name, Some(&renamed)).await?;
    assert!(
        wrong.is_empty(),
        "routes not read from the standby: {wrong:?}"
    );
    // The server names the version its read database holds, and a tile asked for under
    // the primary's newer version is the older tile, not filed as the newer one.
    assert_eq!(server.tile_version("communes").await?, old_version);
    let newer = tile.replace(&format!("v={old_version}"), &format!("v={new_version}"));
    let asked_newer = ieper_in_tile(&server, &newer).await?;
    assert_eq!(asked_newer.name.as_deref(), Some(name.as_str()));
    assert_ne!(asked_newer.cache_control, IMMUTABLE);

    // (b) A contribution is written to the primary, and its author sees it at once
    // (the withdrawal page reads the primary); the paused standby does not have it.
    let (idea, token) = server.drop_idea("Sent during a paused replay").await?;
    let status: Value = server
        .get(&format!("/api/withdraw/{token}"))
        .await?
        .json()
        .await?;
    assert_eq!(status["status"], "pending", "{status}");
    let on_standby: i64 = sqlx::query_scalar("SELECT count(*) FROM contribution WHERE id = $1")
        .bind(idea)
        .fetch_one(&standby)
        .await?;
    assert_eq!(on_standby, 0, "the paused standby already holds the idea");

    // Replay resumed: once the standby has replayed what the primary wrote, the server
    // follows it by itself (nothing but the primary's notification tells it: not even a
    // TileJSON is asked for), and every read route gives the new name.
    sqlx::query("SELECT pg_wal_replay_resume()")
        .execute(&standby)
        .await?;
    replayed(&primary, &standby).await?;
    let unversioned = tile.replace(&format!("?v={old_version}"), "");
    let deadline = Instant::now() + Duration::from_secs(15);
    while ieper_in_tile(&server, &unversioned).await?.name.as_deref() != Some(renamed.as_str()) {
        anyhow::ensure!(
            Instant::now() < deadline,
            "the server still serves the tile of the older data 15 s after the standby replayed the change"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(server.tile_version("communes").await?, new_version);
    let wrong = read_routes_show(&server, &renamed, None).await?;
    assert!(wrong.is_empty(), "routes without the new name: {wrong:?}");
    let after = ieper_in_tile(&server, &newer).await?;
    assert_eq!(after.name.as_deref(), Some(renamed.as_str()));
    assert_eq!(after.cache_control, IMMUTABLE);
    let on_standby: i64 = sqlx::query_scalar("SELECT count(*) FROM contribution WHERE id = $1")
        .bind(idea)
        .fetch_one(&standby)
        .await?;
    assert_eq!(on_standby, 1, "the standby follows the primary");

    // (c) The standby stopped: what needs it answers 503 with Retry-After (at most the
    // pool's 3 s wait for a connection), tiles already built come from the cache, health
    // says which database is missing, and contributions go on.
    standby.close().await;
    standby_cluster.stop().await?;
    let down = Instant::now();
    let uncached_tile = ieper_tile_path(&primary, 11, new_version).await?;
    let mut paths: Vec<&str> = NAMED_BY_READ_ROUTES.to_vec();
    paths.extend([
        "/tiles/communes.json",
        uncached_tile.as_str(),
        "/ogc/collections",
    ]);
    let answers = futures::future::join_all(paths.iter().map(|path| server.get(path))).await;
    for (path, answer) in paths.iter().zip(answers) {
        let answer = answer?;
        assert_eq!(
            answer.status(),
            StatusCode::SERVICE_UNAVAILABLE,
            "{path} with the standby stopped"
        );
        assert_eq!(answer.headers()["retry-after"], "5", "{path}");
    }
    let answered_in = down.elapsed();
    assert!(
        answered_in < Duration::from_secs(8),
        "503s took {answered_in:?}"
    );
    let cached = ieper_in_tile(&server, &newer).await?;
    assert_eq!(
        (cached.name.as_deref(), cached.cache.as_str()),
        (Some(renamed.as_str()), "hit")
    );
    let health = server.get("/health").await?;
    assert_eq!(health.status(), StatusCode::OK);
    assert_eq!(
        health.json::<Value>().await?,
        json!({"status": "degraded", "database": "ok", "read_database": "unreachable"})
    );
    let (kept, token) = server.drop_idea("Sent with the standby stopped").await?;
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM idea WHERE contribution_id = $1")
        .bind(kept)
        .fetch_one(&primary)
        .await?;
    assert_eq!(stored, 1);
    let status = server.get(&format!("/api/withdraw/{token}")).await?;
    assert_eq!(status.status(), StatusCode::OK);

    // Started again, it catches up and the reads answer again, by themselves.
    standby_cluster.start().await?;
    let back = Instant::now();
    loop {
        let profile = server.get("/api/communes/BE-33011").await?;
        if profile.status() == StatusCode::OK {
            break;
        }
        anyhow::ensure!(
            back.elapsed() < Duration::from_secs(15),
            "reads still answer {} 15 s after the standby's return",
            profile.status()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    eprintln!(
        "standby stopped: read routes answered 503 within {answered_in:?}; reads back {:?} after its start; whole test {:?}",
        back.elapsed(),
        started.elapsed()
    );
    server.stop().await?;
    primary.close().await;
    Ok(())
}

/// A TCP port that forwards each connection to the Unix socket of one cluster or
/// another: a read URL whose server can change under the observatory, as behind a
/// balancer over several standbys or after a switch to another one.
struct Switch {
    port: u16,
    target: Arc<Mutex<PathBuf>>,
    connections: Arc<Mutex<Vec<tokio::task::AbortHandle>>>,
    accepting: tokio::task::JoinHandle<()>,
}

impl Switch {
    async fn start(cluster: &EmbeddedCluster) -> anyhow::Result<Switch> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        let target = Arc::new(Mutex::new(socket_of(cluster)));
        let connections = Arc::new(Mutex::new(Vec::new()));
        let accepting = {
            let (target, connections) = (target.clone(), connections.clone());
            tokio::spawn(async move {
                while let Ok((mut client, _)) = listener.accept().await {
                    let socket = target.lock().map(|t| t.clone()).unwrap_or_default();
                    let forwarding = tokio::spawn(async move {
                        if let Ok(mut server) = tokio::net::UnixStream::connect(socket).await {
                            let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                        }
                    });
                    if let Ok(mut held) = connections.lock() {
                        held.push(forwarding.abort_handle());
                    }
                }
            })
        };
        Ok(Switch {
            port,
            target,
            connections,
            accepting,
        })
    }

    fn url(&self) -> String {
        format!(
            "postgres://observatory@127.0.0.1:{}/observatory?sslmode=disable",
            self.port
        )
    }

    /// New connections go to `cluster`; those open are cut, as a switch-over cuts them.
    fn switch_to(&self, cluster: &EmbeddedCluster) -> anyhow::Result<()> {
        *self
            .target
            .lock()
            .map_err(|_| anyhow::anyhow!("poisoned"))? = socket_of(cluster);
        let held = std::mem::take(
            &mut *self
                .connections
                .lock()
                .map_err(|_| anyhow::anyhow!("poisoned"))?,
        );
        for connection in held {
            connection.abort();
        }
        Ok(())
    }
}

impl Drop for Switch {
    fn drop(&mut self) {
        self.accepting.abort();
    }
}

fn socket_of(cluster: &EmbeddedCluster) -> PathBuf {
    cluster.dir().join(".s.PGSQL.5432")
}

/// The server reads its data versions from one standby, then its read URL leads to
/// another, further behind: a tile built there is older than the version the server
/// knows, so it is answered under its own version, revalidated, and never cached under
/// the newer one; once that standby catches up, the tile of the newer version is built,
/// cached and immutable.
#[tokio::test]
async fn a_tile_from_a_standby_further_behind_is_never_filed_under_a_newer_version(
) -> anyhow::Result<()> {
    let clusters = Clusters::start(2).await?;
    let primary = connect_and_migrate(clusters.primary.connect_options(), 4).await?;
    ingest_westhoek(&primary).await?;
    let (ahead_cluster, behind_cluster) = (&clusters.standbys[0], &clusters.standbys[1]);
    let ahead = connect(ahead_cluster.connect_options(), 2).await?;
    let behind = connect(behind_cluster.connect_options(), 2).await?;
    replayed(&primary, &ahead).await?;
    replayed(&primary, &behind).await?;
    let switch = Switch::start(ahead_cluster).await?;
    let log = clusters.folder()?.join("serve.log");
    let server = Server::start(&clusters.primary.url(), &switch.url(), &log).await?;

    let name: String =
        sqlx::query_scalar("SELECT name FROM commune WHERE country = 'BE' AND code = '33011'")
            .fetch_one(&primary)
            .await?;
    let renamed = format!("{name} renamed on the primary");
    pause_replay(&behind).await?;
    let old_version = server.tile_version("communes").await?;
    let new_version = rename_ieper(&primary, &renamed).await?;
    replayed(&primary, &ahead).await?;
    server_reaches(&server, new_version).await?;
    let cached = ieper_tile_path(&primary, 10, new_version).await?;
    let first = ieper_in_tile(&server, &cached).await?;
    assert_eq!(
        (first.name.as_deref(), first.cache.as_str()),
        (Some(renamed.as_str()), "miss")
    );

    switch.switch_to(behind_cluster)?;
    // The first requests after the switch meet the connections it cut (503, or the
    // reconnection); then the tiles are built on the standby behind.
    let unseen = ieper_tile_path(&primary, 11, new_version).await?;
    let warm_up = ieper_tile_path(&primary, 12, new_version).await?;
    let deadline = Instant::now() + Duration::from_secs(15);
    while server.get(&warm_up).await?.status() != StatusCode::OK {
        anyhow::ensure!(
            Instant::now() < deadline,
            "no tile answers after the switch"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for attempt in 0..2 {
        let stale = ieper_in_tile(&server, &unseen).await?;
        assert_eq!(
            stale.name.as_deref(),
            Some(name.as_str()),
            "attempt {attempt}"
        );
        assert_eq!(stale.cache, "behind", "attempt {attempt}: not stored");
        assert_ne!(stale.cache_control, IMMUTABLE, "attempt {attempt}");
    }
    // Asked under the version it was built from, the same tile is that version's, for good.
    let own = unseen.replace(&format!("v={new_version}"), &format!("v={old_version}"));
    let as_old = ieper_in_tile(&server, &own).await?;
    assert_eq!(
        (as_old.name.as_deref(), as_old.cache_control.as_str()),
        (Some(name.as_str()), IMMUTABLE)
    );
    // What was built from the newer data stays served.
    let again = ieper_in_tile(&server, &cached).await?;
    assert_eq!(
        (again.name.as_deref(), again.cache.as_str()),
        (Some(renamed.as_str()), "hit")
    );

    sqlx::query("SELECT pg_wal_replay_resume()")
        .execute(&behind)
        .await?;
    replayed(&primary, &behind).await?;
    let caught_up = ieper_in_tile(&server, &unseen).await?;
    assert_eq!(caught_up.name.as_deref(), Some(renamed.as_str()));
    assert_eq!(caught_up.cache, "miss");
    assert_eq!(caught_up.cache_control, IMMUTABLE);
    assert_eq!(ieper_in_tile(&server, &unseen).await?.cache, "hit");

    server.stop().await?;
    for pool in [&primary, &ahead, &behind] {
        pool.close().await;
    }
    Ok(())
}
