//! Nearest-service indicators at national scale, on a generated territory the size of
//! France and Belgium (35,500 communes, 40,000 access origins, 2.5 million services over
//! 14 categories): the observatory's full recompute against the naive way (one
//! nearest-neighbour query per origin and category on one shared geography index), timed
//! in the same run on the same database, each in a rolled-back transaction.
//!
//! Run with the test cluster's admin URL: `TEST_DATABASE_URL=... cargo bench -p
//! observatory-tests --bench national_indicators` (scripts/bench-indicators.sh does it all).
//! With `NATIONAL_GENERATE_ONLY=1` it stops after generating and keeps the database.

use std::time::{Duration, Instant};

use observatory_core::indicators::{refresh_all, refresh_all_nearest, COMPUTED};
use observatory_core::services::{write, Observation, ServiceWrite, Wgs84Point};
use observatory_core::ServiceCategory;
use observatory_tests::TestDb;

fn seconds(d: Duration) -> f64 {
    d.as_secs_f64()
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // RUST_LOG=observatory_core=debug shows the phases of the nearest-service search.
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    // For working on the refresh: NATIONAL_DATABASE=<a kept database> times the full
    // recompute on it alone, rolled back (NATIONAL_RUNS times, 3 by default).
    if let Ok(name) = std::env::var("NATIONAL_DATABASE") {
        return time_full_refresh(&name).await;
    }
    let db = TestDb::new().await?;

    let started = Instant::now();
    let mut tx = db.pool.begin().await?;
    sqlx::query(include_str!("sql/national_indicators.sql"))
        .bind(&COMPUTED[..])
        .execute(&mut *tx)
        .await?;
    sqlx::raw_sql(include_str!("sql/national_generate.sql"))
        .execute(&mut *tx)
        .await?;
    // Commune outlines in pieces, as the ingest leaves them: the write path locates the
    // services it writes with them.
    sqlx::raw_sql(include_str!(
        "../../crates/ingest/src/sql/refresh_commune_parts.sql"
    ))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    let generated = started.elapsed();
    let (communes, origins, services, categories): (i64, i64, i64, i64) =
        sqlx::query_as(include_str!("sql/national_counts.sql"))
            .fetch_one(&db.pool)
            .await?;
    eprintln!(
        "generated {communes} communes, {origins} origins, {services} services in {:.0} s",
        seconds(generated)
    );
    // For working on the refresh: NATIONAL_OBSERVATORY_ONLY=1 skips the naive way and
    // the floor (the ratios then are not printed).
    let observatory_only = std::env::var_os("NATIONAL_OBSERVATORY_ONLY").is_some();
    if std::env::var_os("NATIONAL_GENERATE_ONLY").is_some() {
        // For working on the refresh: the generated database stays for psql.
        eprintln!("kept database {} (drop it when done)", db.name);
        return Ok(());
    }
    // The naive way, then the observatory's nearest-service recompute, in one transaction
    // so that their results can be compared.
    let mut naive = None;
    if !observatory_only {
        let started = Instant::now();
        sqlx::raw_sql(include_str!("sql/national_shared_index.sql"))
            .execute(&db.pool)
            .await?;
        eprintln!(
            "built the naive way's shared index in {:.0} s",
            seconds(started.elapsed())
        );
    }
    let mut tx = db.pool.begin().await?;
    if !observatory_only {
        let started = Instant::now();
        sqlx::raw_sql(include_str!("sql/national_naive.sql"))
            .execute(&mut *tx)
            .await?;
        let took = started.elapsed();
        eprintln!("naive: {:.1} s", seconds(took));
        let floor = probe_floor(&mut tx).await?;
        eprintln!(
            "floor, one bare probe per origin and category: {:.1} s",
            seconds(floor)
        );
        naive = Some((took, floor));
    }
    let started = Instant::now();
    refresh_all_nearest(&mut tx).await?;
    let nearest = started.elapsed();
    eprintln!("observatory, nearest services: {:.1} s", seconds(nearest));
    let compared: Option<(i64, i64, i64)> = match naive {
        Some(_) => Some(
            sqlx::query_as(include_str!("sql/national_compare.sql"))
                .fetch_one(&mut *tx)
                .await?,
        ),
        None => None,
    };
    let (nearest_rows, _): (i64, i64) = sqlx::query_as(include_str!("sql/national_rows.sql"))
        .fetch_one(&mut *tx)
        .await?;
    tx.rollback().await?;

    // The whole refresh: nearest services and every indicator value, kept for the
    // incremental refresh below.
    let mut tx = db.pool.begin().await?;
    let started = Instant::now();
    refresh_all(&mut tx).await?;
    let full = started.elapsed();
    let (_, value_rows): (i64, i64) = sqlx::query_as(include_str!("sql/national_rows.sql"))
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    eprintln!("observatory, full refresh: {:.1} s", seconds(full));

    // One service changed, as when a moderator accepts a report: a pharmacy opens, through
    // the one write path (provenance and refresh in its transaction), rolled back each time.
    sqlx::raw_sql("ANALYZE").execute(&db.pool).await?;
    let mut incremental = Vec::new();
    for run in 0..5 {
        incremental.push(open_a_pharmacy(&db.pool, run).await?);
    }
    incremental.sort();
    let incremental = incremental[incremental.len() / 2];
    eprintln!(
        "observatory, incremental refresh after one service: {:.3} s",
        seconds(incremental)
    );

    println!(
        "| national scale ({communes} communes, {origins} origins, {services} services, {categories} categories) | rows written | seconds |"
    );
    println!("| --- | ---: | ---: |");
    if let Some((naive, floor)) = naive {
        println!(
            "| naive: KNN per origin × category on one shared geography index, across the border only | {} | {:.1} |",
            origins * categories,
            seconds(naive)
        );
        println!(
            "| floor: one bare nearest-neighbour probe per origin × category on the index the incremental search uses, nothing computed or written | 0 | {:.1} |",
            seconds(floor)
        );
    }
    println!(
        "| observatory: nearest services, across the border and within the country (`refresh_all_nearest`) | {nearest_rows} | {:.1} |",
        seconds(nearest)
    );
    println!(
        "| observatory: full recompute, nearest services and every indicator value (`refresh_all`) | {} | {:.1} |",
        nearest_rows + value_rows,
        seconds(full)
    );
    println!(
        "| observatory: incremental refresh after one new pharmacy (`services::write`, median of 5) | — | {:.3} |",
        seconds(incremental)
    );
    println!();
    println!(
        "full recompute / incremental refresh: {:.0}×",
        seconds(full) / seconds(incremental)
    );
    if let (Some((naive, floor)), Some((compared, shorter, longer))) = (naive, compared) {
        println!(
            "naive / observatory nearest services: {:.1}×",
            seconds(naive) / seconds(nearest)
        );
        println!(
            "naive / observatory full recompute: {:.1}×",
            seconds(naive) / seconds(full)
        );
        println!(
            "naive / floor: {:.1}× (the most any recompute that searches once per origin and category can reach here)",
            seconds(naive) / seconds(floor)
        );
        println!(
            "distances compared with the naive way: {compared} (origin, category) pairs; the observatory's is shorter by more than 1 mm in {shorter} (the naive search orders by distance on the sphere), longer in {longer}"
        );
    }
    println!("generation: {:.0} s", seconds(generated));
    db.drop_database().await
}

/// Opens a pharmacy at the `run`th most populous commune's first access origin through
/// `services::write`, which refreshes what it can change in the same transaction; rolled
/// back. Returns how long the write and its refresh took.
async fn open_a_pharmacy(pool: &sqlx::PgPool, run: i64) -> anyhow::Result<Duration> {
    let (lon, lat): (f64, f64) = sqlx::query_as(include_str!("sql/national_busy_origin.sql"))
        .bind(run)
        .fetch_one(pool)
        .await?;
    let mut tx = pool.begin().await?;
    let started = Instant::now();
    let written = write(
        &mut tx,
        &ServiceWrite::Create {
            category: ServiceCategory::parse("pharmacy")?,
            // a few metres from the origin, so that it is the nearest there
            position: Wgs84Point::new(lon + 0.0001, lat)?,
            name: Some(format!("pharmacy {run}")),
            address: None,
            observed: Observation {
                source_id: "national-synthetic".to_owned(),
                record_id: format!("bench-{run}"),
                on: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).expect("a date"),
            },
        },
    )
    .await?;
    let took = started.elapsed();
    anyhow::ensure!(
        written.communes_refreshed > 0,
        "the write refreshed no commune"
    );
    tx.rollback().await?;
    Ok(took)
}

/// One bare probe per origin and category (sql/national_probe_floor.sql), in the caller's
/// transaction, each planned for its category as the refresh's searches are.
async fn probe_floor(tx: &mut sqlx::PgConnection) -> anyhow::Result<Duration> {
    sqlx::raw_sql("SET LOCAL plan_cache_mode = force_custom_plan; SET LOCAL jit = off")
        .execute(&mut *tx)
        .await?;
    let categories: Vec<String> = sqlx::query_scalar("SELECT id FROM service_category ORDER BY id")
        .fetch_all(&mut *tx)
        .await?;
    let started = Instant::now();
    for category in &categories {
        let found: i64 = sqlx::query_scalar(include_str!("sql/national_probe_floor.sql"))
            .bind(category)
            .fetch_one(&mut *tx)
            .await?;
        anyhow::ensure!(found > 0, "no {category} found by the floor probe");
    }
    Ok(started.elapsed())
}

/// The full recompute on a database kept by `NATIONAL_GENERATE_ONLY=1`, rolled back each
/// time, so that a change to the refresh can be timed without generating again.
async fn time_full_refresh(name: &str) -> anyhow::Result<()> {
    let pool = TestDb::connect_to(name).await?;
    let runs: usize = match std::env::var("NATIONAL_RUNS") {
        Ok(n) => n.parse()?,
        Err(_) => 3,
    };
    for run in 1..=runs {
        let mut tx = pool.begin().await?;
        let started = Instant::now();
        refresh_all(&mut tx).await?;
        let full = started.elapsed();
        // NATIONAL_KEEP=1 commits the last run, for psql to read its values.
        if run == runs && std::env::var_os("NATIONAL_KEEP").is_some() {
            tx.commit().await?;
        } else {
            tx.rollback().await?;
        }
        println!("run {run}: full recompute {:.2} s", seconds(full));
    }
    Ok(())
}
