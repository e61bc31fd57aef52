//! Test support: a fresh database per test in the test cluster, the Westhoek ingest, and
//! the server on a free port. `TEST_DATABASE_URL` names the cluster's admin database;
//! `scripts/test.sh` starts that cluster and sets it.

use std::path::{Path, PathBuf};

use anyhow::Context;
use observatory_core::database::{connect_and_migrate, options_from_url};
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, PgPool};

/// The repository's root folder.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

pub fn westhoek_manifest() -> PathBuf {
    repo_root().join("data/manifests/westhoek.toml")
}

/// The real data beside the repository.
pub fn shared_data() -> PathBuf {
    repo_root().join("../shared/data")
}

/// The built `observatory` binary.
pub fn observatory_bin() -> PathBuf {
    std::env::var_os("OBSERVATORY_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let target = std::env::var_os("CARGO_TARGET_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| repo_root().join("target"));
            target.join("debug/observatory")
        })
}

/// A database of its own for one test, migrated, dropped by `drop_database` (or left for
/// the test cluster's teardown when a test fails).
pub struct TestDb {
    pub pool: PgPool,
    pub name: String,
    pub options: PgConnectOptions,
    admin: PgConnectOptions,
}

fn admin_options() -> anyhow::Result<PgConnectOptions> {
    let url = std::env::var("TEST_DATABASE_URL")
        .context("TEST_DATABASE_URL is not set: run the tests with scripts/test.sh, which starts the test cluster")?;
    Ok(options_from_url(&url)?.disable_statement_logging())
}

impl TestDb {
    pub async fn new() -> anyhow::Result<TestDb> {
        let admin = admin_options()?;
        let name = format!("test_{}", uuid::Uuid::new_v4().simple());
        let mut conn = sqlx::PgConnection::connect_with(&admin).await?;
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await?;
        conn.close().await?;
        let options = admin.clone().database(&name);
        let pool = connect_and_migrate(options.clone(), 8).await?;
        Ok(TestDb {
            pool,
            name,
            options,
            admin,
        })
    }

    /// A pool on an existing database of the test cluster (one a benchmark kept), migrated.
    pub async fn connect_to(name: &str) -> anyhow::Result<PgPool> {
        Ok(connect_and_migrate(admin_options()?.database(name), 8).await?)
    }

    /// A `postgres://` URL of this database, for the binary's DATABASE_URL.
    pub fn url(&self) -> anyhow::Result<String> {
        let admin = std::env::var("TEST_DATABASE_URL")?;
        let (base, query) = admin.split_once('?').unwrap_or((admin.as_str(), ""));
        let base = base.rsplit_once('/').map(|(b, _)| b).unwrap_or(base);
        Ok(if query.is_empty() {
            format!("{base}/{}", self.name)
        } else {
            format!("{base}/{}?{query}", self.name)
        })
    }

    pub async fn drop_database(self) -> anyhow::Result<()> {
        self.pool.close().await;
        let mut conn = sqlx::PgConnection::connect_with(&self.admin).await?;
        sqlx::query(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ))
        .execute(&mut conn)
        .await?;
        conn.close().await?;
        Ok(())
    }
}

/// Loads the Westhoek release into the test database.
pub async fn ingest_westhoek(pool: &PgPool) -> anyhow::Result<observatory_ingest::Summary> {
    let options = observatory_ingest::IngestOptions {
        manifest: westhoek_manifest(),
        data_dir: None,
        progress: false,
    };
    Ok(observatory_ingest::run(pool, &options).await?)
}

/// A quick import of a test CSV of longitude/latitude points with the columns `id`,
/// `name`, `category` (the taxonomy's own ids) and `lon`, `lat`, seen on 1 January 2026.
pub fn lonlat_csv_import(file: &Path, source_id: &str) -> observatory_ingest::QuickImport {
    observatory_ingest::QuickImport {
        file: file.to_path_buf(),
        source_id: source_id.into(),
        taxonomy: repo_root().join("data/taxonomy.toml"),
        category: observatory_ingest::CategoryRule::Field {
            field: "category".into(),
            vocabulary: "category".into(),
        },
        id_field: Some("id".into()),
        name_field: Some("name".into()),
        x_field: Some("lon".into()),
        y_field: Some("lat".into()),
        srid: 4326,
        delimiter: ',',
        latin1: false,
        observed_on: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default(),
        coverage: vec![],
        licence: "test".into(),
    }
}

/// The start of a lon/lat test CSV for [`lonlat_csv_import`]: its header and 20,100 bus
/// stops `S0`… on a grid across the border around Ieper and Bailleul, more lines than the
/// Westhoek's services, so that loading it is a large (direct) load.
pub fn bus_stop_grid_csv() -> String {
    let mut csv = String::from("id,category,name,lon,lat\n");
    for i in 0..20_100 {
        let (x, y) = (
            2.6 + (i % 150) as f64 * 0.0023,
            50.75 + (i / 150) as f64 * 0.0018,
        );
        csv.push_str(&format!("S{i},bus_stop,Halte {i},{x:.6},{y:.6}\n"));
    }
    csv
}

/// The server's settings in tests: the web folder of the repository, the defaults else.
pub fn test_settings() -> observatory_server::Settings {
    observatory_server::Settings::new(repo_root().join("web"))
}

/// The server on a free port of 127.0.0.1, serving until the test ends.
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    /// The server's own connections (opened with the server's settings), when it runs
    /// in the test's process.
    pub pool: Option<PgPool>,
}

impl TestApp {
    pub async fn spawn(pool: PgPool) -> anyhow::Result<TestApp> {
        TestApp::spawn_with_tile_cache(pool, 64).await
    }

    /// The server with a tile cache of `tile_cache_mb` MiB (0: off).
    pub async fn spawn_with_tile_cache(
        pool: PgPool,
        tile_cache_mb: u64,
    ) -> anyhow::Result<TestApp> {
        TestApp::spawn_with(pool, tile_cache_mb, test_settings()).await
    }

    /// The server with these settings (rate limits, cookies).
    pub async fn spawn_with(
        pool: PgPool,
        tile_cache_mb: u64,
        settings: observatory_server::Settings,
    ) -> anyhow::Result<TestApp> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base = format!("http://{}", listener.local_addr()?);
        // The server's own connections, with the server's settings (statement timeout,
        // client checks), as `observatory serve` opens them.
        let options = observatory_core::database::server_options((*pool.connect_options()).clone());
        let pool = observatory_core::database::connect(options, 8).await?;
        let read = observatory_core::database::ReadPool::on_primary(&pool);
        let tiles =
            observatory_server::TileService::start(pool.clone(), read.clone(), tile_cache_mb)
                .await?;
        let serving = pool.clone();
        let state =
            observatory_server::AppState::new(pool, read, tiles, std::sync::Arc::new(settings));
        tokio::spawn(observatory_server::serve(
            listener,
            state,
            std::future::pending(),
        ));
        Ok(TestApp {
            base,
            client: reqwest::Client::new(),
            pool: Some(serving),
        })
    }

    pub async fn get(&self, path: &str) -> anyhow::Result<reqwest::Response> {
        Ok(self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await?)
    }
}

/// Writes the generated second region (scripts/generate_region.py: the Meuse valley
/// around Givet and Dinant) into `dir`; returns its manifest.
pub fn generate_ardennes(dir: &Path) -> anyhow::Result<PathBuf> {
    let output = std::process::Command::new("python3")
        .arg(repo_root().join("scripts/generate_region.py"))
        .arg(dir)
        .output()
        .context("running python3 scripts/generate_region.py")?;
    anyhow::ensure!(
        output.status.success(),
        "scripts/generate_region.py failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Ok(dir.join("ardennes.toml"))
}

/// Loads the release a manifest describes into the test database.
pub async fn ingest_manifest(
    pool: &PgPool,
    manifest: &Path,
) -> anyhow::Result<observatory_ingest::Summary> {
    let options = observatory_ingest::IngestOptions {
        manifest: manifest.to_path_buf(),
        data_dir: None,
        progress: false,
    };
    Ok(observatory_ingest::run(pool, &options).await?)
}
