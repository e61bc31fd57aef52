//! `observatory db dump` and `db restore`: a dump taken after contributions restores
//! every row into an empty database, PostGIS included, and the restored database serves.

use std::process::Output;
use std::time::Instant;

use observatory_core::accounts::{self, Role, Username};
use observatory_core::database::{connect_and_migrate, options_from_url, MIGRATOR};
use observatory_tests::{ingest_westhoek, observatory_bin, repo_root, TestApp, TestDb};
use serde_json::{json, Value};
use sqlx::{ConnectOptions, Connection, PgPool};

const PASSWORD: &str = "a long enough password";

/// An empty database of the test cluster, with no migrations: what a restore needs.
/// Returns its name and a URL for the binary's DATABASE_URL.
async fn empty_database() -> anyhow::Result<(String, String)> {
    let admin_url = std::env::var("TEST_DATABASE_URL")?;
    let admin = options_from_url(&admin_url)?.disable_statement_logging();
    let name = format!("test_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect_with(&admin).await?;
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    let (base, query) = admin_url.split_once('?').unwrap_or((&admin_url, ""));
    let base = base.rsplit_once('/').map_or(base, |(b, _)| b);
    let url = if query.is_empty() {
        format!("{base}/{name}")
    } else {
        format!("{base}/{name}?{query}")
    };
    Ok((name, url))
}

async fn drop_database(name: &str) -> anyhow::Result<()> {
    let admin = options_from_url(&std::env::var("TEST_DATABASE_URL")?)?;
    let mut conn = sqlx::PgConnection::connect_with(&admin).await?;
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    Ok(())
}

/// `observatory db ARGS` against the database at `url`.
async fn db_command(url: &str, args: &[&str]) -> anyhow::Result<Output> {
    Ok(tokio::process::Command::new(observatory_bin())
        .current_dir(repo_root())
        .env("DATABASE_URL", url)
        .arg("db")
        .args(args)
        .output()
        .await?)
}

/// Every table and materialized view of the observatory (PostGIS's own left out), each
/// with the MD5 of its rows in a fixed order, and every sequence with its last value.
async fn fingerprint(pool: &PgPool) -> anyhow::Result<Vec<(String, String)>> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind IN ('r', 'p', 'm')
           AND n.nspname NOT IN ('pg_catalog', 'information_schema')
           AND n.nspname NOT LIKE 'pg\\_toast%'
           AND NOT EXISTS (
               SELECT 1 FROM pg_depend d
               WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
         ORDER BY 1",
    )
    .fetch_all(pool)
    .await?;
    let mut prints = Vec::new();
    for table in tables {
        // Names from the catalogue, quoted by format('%I').
        let (rows, md5): (i64, String) = sqlx::query_as(&format!(
            "SELECT count(*), coalesce(md5(string_agg(t::text, E'\\n' ORDER BY t::text)), '')
             FROM {table} t"
        ))
        .fetch_one(pool)
        .await?;
        prints.push((table, format!("{rows} rows, {md5}")));
    }
    let sequences: Vec<(String, Option<i64>)> = sqlx::query_as(
        "SELECT format('%I.%I', schemaname, sequencename), last_value FROM pg_sequences
         ORDER BY 1",
    )
    .fetch_all(pool)
    .await?;
    for (sequence, last) in sequences {
        prints.push((sequence, format!("last value {last:?}")));
    }
    Ok(prints)
}

async fn post(app: &TestApp, path: &str, body: &Value) -> anyhow::Result<Value> {
    let response = app
        .client
        .post(format!("{}{path}", app.base))
        .json(body)
        .send()
        .await?;
    anyhow::ensure!(response.status() == 201, "{path}: {}", response.status());
    Ok(response.json().await?)
}

/// Contributions through the HTTP API: two ideas and a service report, the report and
/// one idea accepted by a moderator (which changes the services and the indicators).
async fn contribute(db: &TestDb) -> anyhow::Result<()> {
    let mut conn = db.pool.acquire().await?;
    accounts::create(
        &mut conn,
        &Username::parse("anne")?,
        Role::Moderator,
        PASSWORD,
    )
    .await?;
    drop(conn);
    let app = TestApp::spawn(db.pool.clone()).await?;
    let idea = |title: &str| {
        json!({"commune": "BE-33011", "theme": "mobility", "title": title,
               "body": "Een fietspad langs de vaart, à vélo jusqu'à la frontière", "language": "nl"})
    };
    let first = post(&app, "/api/ideas", &idea("Een fietspad")).await?;
    post(&app, "/api/ideas", &idea("Une navette transfrontalière")).await?;
    let (service, lon, lat): (i64, f64, f64) = sqlx::query_as(
        "SELECT id, ST_X(geom), ST_Y(geom) FROM service
         WHERE category = 'pharmacy' AND country = 'BE' AND NOT closure_candidate
         ORDER BY id LIMIT 1",
    )
    .fetch_one(&db.pool)
    .await?;
    let report = post(
        &app,
        "/api/reports",
        &json!({"action": "closed", "category": "pharmacy", "longitude": lon, "latitude": lat,
                "service_id": service, "observed_on": "2026-11-30", "reason": "Fermée",
                "language": "fr", "contact_email": "anne@example.org", "website": ""}),
    )
    .await?;

    let moderator = reqwest::Client::builder().cookie_store(true).build()?;
    let session: Value = moderator
        .post(format!("{}/api/session", app.base))
        .json(&json!({"username": "anne", "password": PASSWORD}))
        .send()
        .await?
        .json()
        .await?;
    let csrf = session["csrf_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    for created in [&first, &report] {
        let id = created["id"].as_i64().unwrap_or_default();
        let accepted = moderator
            .post(format!(
                "{}/api/moderation/contributions/{id}/accept",
                app.base
            ))
            .header("x-csrf-token", &csrf)
            .send()
            .await?;
        anyhow::ensure!(accepted.status() == 200, "accept {id}");
    }
    Ok(())
}

#[tokio::test]
async fn a_dump_taken_after_contributions_restores_them_all() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    contribute(&db).await?;
    let contributions: i64 = sqlx::query_scalar("SELECT count(*) FROM contribution")
        .fetch_one(&db.pool)
        .await?;
    assert_eq!(contributions, 3);
    let before = fingerprint(&db.pool).await?;

    let dir = tempfile::tempdir()?;
    let file = dir.path().join("westhoek.dump");
    let started = Instant::now();
    let dumped = db_command(&db.url()?, &["dump", "-o", &file.display().to_string()]).await?;
    let dump_time = started.elapsed();
    let stdout = String::from_utf8_lossy(&dumped.stdout);
    assert!(
        dumped.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&dumped.stderr)
    );
    assert!(stdout.contains("dumped"), "{stdout}");
    let size = std::fs::metadata(&file)?.len();
    assert!(
        !dir.path().join("westhoek.dump.part").exists(),
        "no part file is left"
    );
    // The dump was read, not changed: the source is as it was.
    assert_eq!(fingerprint(&db.pool).await?, before);

    let (restored_name, restored_url) = empty_database().await?;
    let started = Instant::now();
    let restored = db_command(&restored_url, &["restore", &file.display().to_string()]).await?;
    let restore_time = started.elapsed();
    let stdout = String::from_utf8_lossy(&restored.stdout);
    assert!(
        restored.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&restored.stderr)
    );
    assert!(stdout.contains("3 contributions"), "{stdout}");
    println!(
        "Westhoek dump: {size} bytes in {:.2} s; restore in {:.2} s",
        dump_time.as_secs_f64(),
        restore_time.as_secs_f64()
    );

    // Up to date: the migrations find every one of theirs applied, and change nothing.
    let options = options_from_url(&restored_url)?.disable_statement_logging();
    let pool = connect_and_migrate(options, 4).await?;
    let applied: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations")
        .fetch_one(&pool)
        .await?;
    assert_eq!(applied, MIGRATOR.iter().count() as i64);
    let postgis: String = sqlx::query_scalar("SELECT postgis_lib_version()")
        .fetch_one(&pool)
        .await?;
    assert!(postgis.starts_with('3'), "PostGIS {postgis}");
    let after = fingerprint(&pool).await?;
    for table in [
        "public.contribution",
        "public.idea",
        "public.service_report",
        "public.audit_log",
        "public.account",
        "public.service",
        "public.service_provenance",
        "public.indicator_commune_value",
        "public.indicator_gap",
    ] {
        assert!(
            after.iter().any(|(name, _)| name == table),
            "{table} is compared"
        );
    }
    for ((table, was), (restored_table, is)) in before.iter().zip(&after) {
        assert_eq!(table, restored_table);
        assert_eq!(was, is, "{table} is restored row for row");
    }
    assert_eq!(before.len(), after.len());

    // It serves: the accepted idea is public, the closed pharmacy closed.
    let app = TestApp::spawn(pool.clone()).await?;
    let ideas: Value = app.get("/api/ideas?commune=BE-33011").await?.json().await?;
    assert!(ideas.to_string().contains("Een fietspad"), "{ideas}");

    // Restoring again without --clean is refused, names --clean, and changes nothing.
    let again = db_command(&restored_url, &["restore", &file.display().to_string()]).await?;
    assert!(!again.status.success());
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(stderr.contains("--clean"), "{stderr}");
    assert_eq!(fingerprint(&pool).await?, after);
    // With --clean, it replaces what the dump holds, and the rows are the same again.
    let cleaned = db_command(
        &restored_url,
        &["restore", "--clean", &file.display().to_string()],
    )
    .await?;
    assert!(
        cleaned.status.success(),
        "{}",
        String::from_utf8_lossy(&cleaned.stderr)
    );
    assert_eq!(fingerprint(&pool).await?, after);

    pool.close().await;
    drop_database(&restored_name).await?;
    db.drop_database().await
}

/// A restore that fails (a truncated dump) is rolled back: the database is as it was.
#[tokio::test]
async fn a_failed_restore_leaves_the_database_as_it_was() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("westhoek.dump");
    let dumped = db_command(&db.url()?, &["dump", "-o", &file.display().to_string()]).await?;
    assert!(dumped.status.success());
    let whole = std::fs::read(&file)?;
    let truncated = dir.path().join("truncated.dump");
    std::fs::write(&truncated, &whole[..whole.len() * 2 / 3])?;
    // A row the dump does not hold: a restore that went through would remove it.
    let mut conn = db.pool.acquire().await?;
    accounts::create(
        &mut conn,
        &Username::parse("piet")?,
        Role::Partner,
        PASSWORD,
    )
    .await?;
    drop(conn);
    let before = fingerprint(&db.pool).await?;

    let failed = db_command(
        &db.url()?,
        &["restore", "--clean", &truncated.display().to_string()],
    )
    .await?;
    assert!(!failed.status.success());
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert!(stderr.contains("rolled back"), "{stderr}");
    assert_eq!(fingerprint(&db.pool).await?, before);

    // Not a dump at all: refused before anything is touched.
    let manifest = observatory_tests::westhoek_manifest();
    let refused = db_command(&db.url()?, &["restore", &manifest.display().to_string()]).await?;
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("not a dump"));
    db.drop_database().await
}
