//! The facts the indicator refresh starts from (migration 0022): which sources list
//! services of which category, and the days each source saw its records on, kept by
//! PostgreSQL as services are written. After every kind of write (an ingest, a source
//! loaded again or replaced by a smaller file, the one write path's creations, changes of
//! category, closures and sightings by another source, a source deleted, the tables
//! emptied) they equal what counting them from scratch gives.

use std::path::Path;

use observatory_core::services::{write, Observation, ServiceWrite, Wgs84Point};
use observatory_core::ServiceCategory;
use observatory_ingest::{CategoryRule, QuickImport};
use observatory_tests::{bus_stop_grid_csv, ingest_westhoek, lonlat_csv_import, repo_root, TestDb};
use sqlx::PgConnection;

use crate::indicators::observation;

/// The kept counts against the same counts over the whole tables, and the snapshot series
/// `prepare.sql` derives from them against the query it ran on the provenance before.
async fn assert_facts(conn: &mut PgConnection, after: &str) -> anyhow::Result<()> {
    let (kept, counted): (Vec<String>, Vec<String>) = sqlx::query_as(
        "SELECT ARRAY(SELECT c::text FROM category_source c ORDER BY 1),
                ARRAY(SELECT c::text FROM (SELECT s.category, listed.source_id, count(*)
                                           FROM service s CROSS JOIN unnest(s.sources) AS listed(source_id)
                                           GROUP BY 1, 2) AS c ORDER BY 1)",
    )
    .fetch_one(&mut *conn)
    .await?;
    assert_eq!(
        kept, counted,
        "services per category and source, after {after}"
    );
    let (kept, counted): (Vec<String>, Vec<String>) = sqlx::query_as(
        "SELECT ARRAY(SELECT d::text FROM source_day d ORDER BY 1),
                ARRAY(SELECT d::text FROM (SELECT p.source_id, seen.day, count(*)
                                           FROM service_provenance p CROSS JOIN unnest(p.seen_on) AS seen(day)
                                           GROUP BY 1, 2) AS d ORDER BY 1)",
    )
    .fetch_one(&mut *conn)
    .await?;
    assert_eq!(
        kept, counted,
        "provenance rows per source and day, after {after}"
    );
    let (kept, counted): (Vec<String>, Vec<String>) = sqlx::query_as(
        "SELECT ARRAY(SELECT s::text FROM (SELECT d.source_id, min(d.day), max(d.day) FROM source_day d
                                           WHERE d.source_id IN (SELECT id FROM source WHERE sightings = 'snapshots')
                                           GROUP BY d.source_id HAVING count(*) > 1) AS s ORDER BY 1),
                ARRAY(SELECT s::text FROM (SELECT source_id, min(d), max(d)
                                           FROM (SELECT p.source_id, d
                                                 FROM service_provenance p, unnest(p.seen_on) AS d
                                                 WHERE p.source_id IN (SELECT id FROM source WHERE sightings = 'snapshots')
                                                 GROUP BY p.source_id, d) AS sighting
                                           GROUP BY source_id HAVING count(*) > 1) AS s ORDER BY 1)",
    )
    .fetch_one(&mut *conn)
    .await?;
    assert_eq!(kept, counted, "snapshot series, after {after}");
    Ok(())
}

/// A quick import of `places` (id, category, Lambert 72 x and y) as source `source`.
async fn quick_import(
    pool: &sqlx::PgPool,
    dir: &Path,
    source: &str,
    places: &[(&str, &str, f64, f64)],
) -> anyhow::Result<()> {
    let mut text = String::from("numero;nom;categorie;x;y\n");
    for (id, category, x, y) in places {
        text.push_str(&format!("{id};Test {id};{category};{x};{y}\n"));
    }
    let file = dir.join(format!("{source}.csv"));
    std::fs::write(&file, text)?;
    let import = QuickImport {
        file,
        source_id: source.into(),
        taxonomy: repo_root().join("data/taxonomy.toml"),
        category: CategoryRule::Field {
            field: "categorie".into(),
            vocabulary: "words".into(),
        },
        id_field: Some("numero".into()),
        name_field: Some("nom".into()),
        x_field: Some("x".into()),
        y_field: Some("y".into()),
        srid: 31370,
        delimiter: ';',
        latin1: false,
        observed_on: chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap_or_default(),
        coverage: vec![],
        licence: "test".into(),
    };
    observatory_ingest::run_quick(pool, &import, false).await?;
    Ok(())
}

#[tokio::test]
async fn the_counted_facts_equal_a_count_from_scratch_after_every_write() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    let mut conn = db.pool.acquire().await?;
    assert_facts(&mut conn, "the migrations").await?;
    ingest_westhoek(&db.pool).await?;
    let (pairs, days): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM category_source), (SELECT count(*) FROM source_day)",
    )
    .fetch_one(&mut *conn)
    .await?;
    assert!(pairs >= 10 && days >= 10, "{pairs} pairs, {days} days");
    assert_facts(&mut conn, "the ingest").await?;
    ingest_westhoek(&db.pool).await?;
    assert_facts(&mut conn, "the same release loaded again").await?;

    // A source of its own, then replaced by a smaller file: services dropped, one
    // changing category.
    let dir = tempfile::tempdir()?;
    let places = [
        ("1", "pharmacie", 45_529.7, 172_254.1),
        ("2", "bureau de poste", 34_360.0, 172_956.4),
        ("3", "gare", 44_453.6, 192_492.8),
        ("4", "bibliotheque", 30_527.6, 197_155.6),
    ];
    quick_import(&db.pool, dir.path(), "t-facts", &places).await?;
    assert_facts(&mut conn, "a quick import").await?;
    quick_import(
        &db.pool,
        dir.path(),
        "t-facts",
        &[places[0], ("3", "bibliotheque", 44_453.6, 192_492.8)],
    )
    .await?;
    assert_facts(&mut conn, "a source replaced by a smaller file").await?;

    // The one write path, within one transaction, then committed.
    let mut tx = db.pool.begin().await?;
    let observed = observation(&mut tx, "fr-laposte-snapshots", "facts-new").await?;
    let later = Observation {
        on: observed.on + chrono::Days::new(30),
        ..observed.clone()
    };
    let created = write(
        &mut tx,
        &ServiceWrite::Create {
            category: ServiceCategory::parse("post_office")?,
            position: Wgs84Point::new(2.55, 50.72)?,
            name: Some("Bureau de poste des faits".into()),
            address: None,
            observed: later.clone(),
        },
    )
    .await?;
    assert_facts(&mut tx, "a service created").await?;
    write(
        &mut tx,
        &ServiceWrite::Change {
            service_id: created.service_id,
            category: Some(ServiceCategory::parse("post_point")?),
            name: None,
            position: None,
            observed: later.clone(),
        },
    )
    .await?;
    assert_facts(&mut tx, "a change of category").await?;
    // Seen by another source: the service lists it too.
    let other = observation(&mut tx, "be-pharmacies-osm", "facts-other").await?;
    write(
        &mut tx,
        &ServiceWrite::Change {
            service_id: created.service_id,
            category: None,
            name: Some(Some("Point poste des faits".into())),
            position: None,
            observed: Observation {
                on: other.on + chrono::Days::new(1),
                ..other
            },
        },
    )
    .await?;
    let sources: Vec<String> = sqlx::query_scalar("SELECT sources FROM service WHERE id = $1")
        .bind(created.service_id)
        .fetch_one(&mut *tx)
        .await?;
    assert_eq!(sources.len(), 2, "{sources:?}");
    assert_facts(&mut tx, "a sighting by another source").await?;
    write(
        &mut tx,
        &ServiceWrite::Close {
            service_id: created.service_id,
            observed: Observation {
                on: later.on + chrono::Days::new(1),
                ..later
            },
        },
    )
    .await?;
    assert_facts(&mut tx, "a closure").await?;
    tx.commit().await?;
    assert_facts(&mut conn, "the writes committed").await?;

    // A rolled back write leaves nothing counted.
    let mut tx = db.pool.begin().await?;
    sqlx::query(
        "UPDATE service SET category = 'hospital' WHERE 'be-pharmacies-osm' = ANY (sources)",
    )
    .execute(&mut *tx)
    .await?;
    tx.rollback().await?;
    assert_facts(&mut conn, "a write rolled back").await?;

    // A source deleted: the services only it describes (their provenance cascades), its
    // records of the others, the others no longer listing it, then the source.
    let mut tx = db.pool.begin().await?;
    sqlx::raw_sql(
        "DELETE FROM service s WHERE s.sources = ARRAY['fr-laposte-snapshots'];
         DELETE FROM service_provenance WHERE source_id = 'fr-laposte-snapshots';
         UPDATE service SET sources = array_remove(sources, 'fr-laposte-snapshots')
         WHERE 'fr-laposte-snapshots' = ANY (sources);
         DELETE FROM source_coverage WHERE source_id = 'fr-laposte-snapshots';
         DELETE FROM source WHERE id = 'fr-laposte-snapshots';",
    )
    .execute(&mut *tx)
    .await?;
    assert_facts(&mut tx, "a source deleted").await?;
    tx.commit().await?;
    let gone: i64 = sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM category_source WHERE source_id = 'fr-laposte-snapshots')
              + (SELECT count(*) FROM source_day WHERE source_id = 'fr-laposte-snapshots')",
    )
    .fetch_one(&mut *conn)
    .await?;
    assert_eq!(gone, 0);

    sqlx::query("TRUNCATE service CASCADE")
        .execute(&mut *conn)
        .await?;
    assert_facts(&mut conn, "the services emptied").await?;
    drop(conn);
    db.drop_database().await
}

/// A quick import of lon/lat points (id, category, name, lon, lat per line) as `source`.
async fn quick_import_lonlat(
    pool: &sqlx::PgPool,
    file: &Path,
    source: &str,
) -> anyhow::Result<observatory_ingest::Summary> {
    let import = lonlat_csv_import(file, source);
    Ok(observatory_ingest::run_quick(pool, &import, false).await?)
}

/// Whether both INSERT triggers that count are on (the direct load sets them aside).
async fn counting_triggers_on(conn: &mut PgConnection) -> anyhow::Result<bool> {
    let on: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_trigger
         WHERE tgname IN ('service_counts_category_sources_insert',
                          'service_provenance_counts_source_days_insert')
           AND tgenabled = 'O'",
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(on == 2)
}

/// A large first load of longitude/latitude points goes straight into the tables
/// (services/direct.rs): its COPYs write with the INSERT triggers that count set aside, the
/// rows they wrote are counted once, and the records other sources already describe are
/// merged into those services (which then list this source too) with the triggers back
/// on. The counts equal a count from scratch after it, after the source deleted, and after
/// a large first load that gives the direct way up for a repeated record id.
#[tokio::test]
async fn a_direct_load_counts_what_it_wrote_and_what_it_merged() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    let mut conn = db.pool.acquire().await?;
    ingest_westhoek(&db.pool).await?;
    assert_facts(&mut conn, "the ingest").await?;

    // One named service of another source per category, described again 10 m north.
    let others: Vec<(String, String, f64, f64)> = sqlx::query_as(
        "SELECT DISTINCT ON (s.category) s.category, s.name, ST_X(s.geom), ST_Y(s.geom)
         FROM service s
         WHERE s.name IS NOT NULL AND service_name_key(s.name) <> ''
           AND s.name !~ '[,\"]' AND s.commune_code IS NOT NULL
         ORDER BY s.category, s.id",
    )
    .fetch_all(&mut *conn)
    .await?;
    assert!(others.len() >= 5, "{others:?}");
    // 20,100 bus stops on a grid across the border (a large load: more lines than the
    // services there), 10 of them far away (refused).
    let mut csv = bus_stop_grid_csv();
    for i in 0..10 {
        csv.push_str(&format!(
            "F{i},bus_stop,Ver {i},5.5,{:.4}\n",
            50.9 + i as f64 * 0.001
        ));
    }
    for (k, (category, name, lon, lat)) in others.iter().enumerate() {
        csv.push_str(&format!(
            "D{k},{category},{name},{lon:.7},{:.7}\n",
            lat + 0.00009
        ));
    }
    let lines = csv.matches('\n').count() as i64 + 1;
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("direct.csv");
    std::fs::write(&file, &csv)?;

    let ids_before: i64 = sqlx::query_scalar("SELECT last_value FROM service_id_seq")
        .fetch_one(&mut *conn)
        .await?;
    let summary = quick_import_lonlat(&db.pool, &file, "t-direct").await?;
    let stats = summary
        .get("t-direct")
        .map(|s| (s.loaded, s.merged, s.rejected));
    assert_eq!(stats, Some((20_100, others.len() as u64, 10)));
    // The direct load draws one block of ids, one per line of the file (the staged way one
    // per record kept).
    let ids_after: i64 = sqlx::query_scalar("SELECT last_value FROM service_id_seq")
        .fetch_one(&mut *conn)
        .await?;
    assert_eq!(
        ids_after - ids_before,
        lines,
        "the load went the direct way"
    );
    let widened: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM service WHERE 't-direct' = ANY (sources) AND cardinality(sources) > 1",
    )
    .fetch_one(&mut *conn)
    .await?;
    assert_eq!(widened, others.len() as i64);
    assert!(counting_triggers_on(&mut conn).await?);
    assert_facts(&mut conn, "a direct load with merges").await?;

    // The source deleted (its services, its records of the others, the others no longer
    // listing it), then the same records again under another source, one id twice: a
    // large first load again, so the direct load starts, is undone to its savepoint (the
    // triggers it set aside with it) and the file goes the staged way.
    sqlx::raw_sql(
        "DELETE FROM service s WHERE s.sources = ARRAY['t-direct'];
         DELETE FROM service_provenance WHERE source_id = 't-direct';
         UPDATE service SET sources = array_remove(sources, 't-direct') WHERE 't-direct' = ANY (sources);",
    )
    .execute(&mut *conn)
    .await?;
    assert_facts(&mut conn, "the directly loaded source deleted").await?;
    csv.push_str("S7,bus_stop,Halte 7,2.616666,50.75\n");
    std::fs::write(&file, &csv)?;
    let summary = quick_import_lonlat(&db.pool, &file, "t-direct-repeated").await?;
    let stats = summary
        .get("t-direct-repeated")
        .map(|s| (s.loaded, s.merged, s.warnings));
    assert_eq!(stats, Some((20_100, others.len() as u64, 1)));
    assert!(counting_triggers_on(&mut conn).await?);
    assert_facts(&mut conn, "a direct load given up for a repeated id").await?;
    drop(conn);
    db.drop_database().await
}
