//! Full regional recompute of the indicators against the incremental refresh after one
//! service changes, side by side on the same database, in rolled-back transactions.
//!
//! Run with the test cluster's admin URL: `TEST_DATABASE_URL=... cargo bench -p
//! observatory-tests --bench indicator_refresh` (scripts/bench-indicators.sh does it all).

use std::time::{Duration, Instant};

use observatory_core::indicators::{refresh_all, refresh_for_service, ServiceChange};
use observatory_core::ServiceCategory;
use observatory_tests::{ingest_westhoek, TestDb};

const RUNS: usize = 7;

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    // A pharmacy added where Belgians live farthest from one: the worst case for its reach.
    let (lon, lat, commune): (f64, f64, String) = sqlx::query_as(
        "SELECT ST_X(o.geom), ST_Y(o.geom), o.commune FROM access_nearest a JOIN access_origin o ON o.id = a.origin
         WHERE a.category = 'pharmacy' AND a.scope = 'any' AND o.country = 'BE' ORDER BY a.distance_m DESC LIMIT 1",
    )
    .fetch_one(&db.pool)
    .await?;

    let (mut full, mut incremental) = (Vec::new(), Vec::new());
    for _ in 0..RUNS {
        // Alternate the two, each in a transaction that is rolled back.
        let mut tx = db.pool.begin().await?;
        let started = Instant::now();
        refresh_all(&mut tx).await?;
        full.push(started.elapsed());
        tx.rollback().await?;

        let mut tx = db.pool.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO service (category, name, country, commune_code, geom, first_seen, last_seen)
             VALUES ('pharmacy', 'Bench', 'BE', $3, ST_SetSRID(ST_MakePoint($1, $2), 4326), '2026-01-01', '2026-01-01') RETURNING id",
        )
        .bind(lon)
        .bind(lat)
        .bind(&commune)
        .fetch_one(&mut *tx)
        .await?;
        let change = ServiceChange {
            category: ServiceCategory::parse("pharmacy")?,
            service_id: id,
            longitude: lon,
            latitude: lat,
        };
        let started = Instant::now();
        refresh_for_service(&mut tx, &change).await?;
        incremental.push(started.elapsed());
        tx.rollback().await?;
    }
    let (f, i) = (median(full), median(incremental));
    println!("| refresh | runs | median ms |");
    println!("| --- | ---: | ---: |");
    println!(
        "| full regional recompute (711 communes, 895 origins) | {RUNS} | {:.1} |",
        f.as_secs_f64() * 1e3
    );
    println!(
        "| incremental, one pharmacy added | {RUNS} | {:.1} |",
        i.as_secs_f64() * 1e3
    );
    println!();
    println!(
        "full / incremental: {:.1}×",
        f.as_secs_f64() / i.as_secs_f64()
    );
    db.drop_database().await
}
