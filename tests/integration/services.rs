//! Services: every real source through the taxonomy, formats and projections, merges,
//! snapshots, and bad input.

use geo::{Distance, Geodesic, Point};
use observatory_ingest::{IngestError, QuickImport};
use observatory_tests::{
    bus_stop_grid_csv, ingest_westhoek, lonlat_csv_import, repo_root, shared_data, TestDb,
};
use sqlx::PgPool;

async fn provenance(pool: &PgPool, source: &str) -> anyhow::Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT count(*) FROM service_provenance WHERE source_id = $1")
            .bind(source)
            .fetch_one(pool)
            .await?,
    )
}

#[tokio::test]
async fn every_source_loads_through_the_taxonomy() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    let summary = ingest_westhoek(&db.pool).await?;
    // Every record of these files is kept: one provenance row each.
    assert_eq!(provenance(&db.pool, "be-pharmacies-afmps").await?, 552);
    assert_eq!(provenance(&db.pool, "be-fr-hospitals-gisco").await?, 219);
    assert_eq!(provenance(&db.pool, "fr-laposte-2020").await?, 498);
    assert_eq!(provenance(&db.pool, "be-rail-stations-irail").await?, 58);
    // 393 schools less 78 SEGPA sections, which the taxonomy ignores as parts of collèges.
    assert_eq!(provenance(&db.pool, "fr-colleges-lycees").await?, 315);
    assert_eq!(
        summary.get("fr-colleges-lycees").map(|s| s.ignored),
        Some(78)
    );
    // 29 freight-only SNCF stations are ignored; no value of any source is unknown.
    assert_eq!(summary.get("fr-gares-sncf").map(|s| s.ignored), Some(29));
    for source in &summary.sources {
        assert!(
            source.unknown_values.is_empty(),
            "{}: unknown values {:?}",
            source.id,
            source.unknown_values
        );
    }

    let per_category: Vec<(String, i64)> =
        sqlx::query_as("SELECT category, count(*) FROM service GROUP BY 1 ORDER BY 1")
            .fetch_all(&db.pool)
            .await?;
    let get = |c: &str| {
        per_category
            .iter()
            .find(|(k, _)| k == c)
            .map(|(_, n)| *n)
            .unwrap_or(0)
    };
    assert_eq!(get("hospital"), 219);
    assert_eq!(get("secondary_school"), 315);
    assert!(
        get("pharmacy") >= 552,
        "AFMPS pharmacies, plus OSM ones not matched: {}",
        get("pharmacy")
    );
    assert!(get("post_office") >= 331 && get("post_point") >= 167);

    // Counts per commune stay counts: BPE 2009 pharmacies in Nord, as the file sums them.
    let bpe_pharmacies: i64 =
        sqlx::query_scalar("SELECT sum(count) FROM service_count WHERE source_id = 'fr-bpe-2009' AND category = 'pharmacy'")
            .fetch_one(&db.pool)
            .await?;
    let mut reader = csv::Reader::from_path(
        shared_data().join("services/timeseries/fr_nord_bpe2009_commune_counts.csv"),
    )?;
    let column = reader
        .headers()?
        .iter()
        .position(|h| h == "Pharmacie")
        .expect("a Pharmacie column");
    let mut expected = 0i64;
    for row in reader.records() {
        expected += row?
            .get(column)
            .filter(|v| !v.is_empty())
            .map_or(Ok(0), str::parse::<i64>)?;
    }
    assert_eq!(bpe_pharmacies, expected);
    db.drop_database().await
}

#[tokio::test]
async fn coverage_tells_none_here_from_not_known_here() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let covered = |category: &'static str, country: &'static str, form: &'static str| {
        let pool = db.pool.clone();
        async move {
            sqlx::query_scalar::<_, bool>(
                "SELECT EXISTS (SELECT 1 FROM service_coverage WHERE category = $1 AND country = $2 AND form = $3)",
            )
            .bind(category)
            .bind(country)
            .bind(form)
            .fetch_one(&pool)
            .await
        }
    };
    assert!(covered("pharmacy", "BE", "points").await?);
    assert!(
        !covered("pharmacy", "FR", "points").await?,
        "no French pharmacy points in this release"
    );
    assert!(covered("pharmacy", "FR", "counts").await?);
    assert!(covered("post_office", "FR", "points").await?);
    assert!(!covered("post_office", "BE", "points").await?);
    assert!(
        covered("hospital", "BE", "points").await? && covered("hospital", "FR", "points").await?
    );
    // OpenStreetMap adds points but claims no coverage.
    let osm: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM service_coverage WHERE source_id = 'be-pharmacies-osm'",
    )
    .fetch_one(&db.pool)
    .await?;
    assert_eq!(osm, 0);
    db.drop_database().await
}

#[tokio::test]
async fn projected_coordinates_are_transformed_correctly() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    // Lambert 2008 (AFMPS) against the WGS 84 position the file also gives, and Lambert-93
    // (SNCF) against the file's own x_wgs84/y_wgs84.
    let checks = [
        ("be-pharmacies-afmps", "450202", 3.519583, 50.794063),
        (
            "fr-gares-sncf",
            "87286781",
            3.209799283111922,
            50.56212001274801,
        ),
    ];
    for (source, record, lon, lat) in checks {
        let (x, y): (f64, f64) = sqlx::query_as(
            "SELECT ST_X(s.geom), ST_Y(s.geom) FROM service s JOIN service_provenance p ON p.service_id = s.id
             WHERE p.source_id = $1 AND p.record_id = $2",
        )
        .bind(source)
        .bind(record)
        .fetch_one(&db.pool)
        .await?;
        let metres = Geodesic.distance(Point::new(x, y), Point::new(lon, lat));
        assert!(
            metres < 2.0,
            "{source} {record}: {metres} m from the published WGS 84 position"
        );
    }
    db.drop_database().await
}

/// Writes a file of the test's own into `dir`, returning its path.
fn write_file(
    dir: &tempfile::TempDir,
    name: &str,
    contents: impl AsRef<[u8]>,
) -> std::io::Result<std::path::PathBuf> {
    let path = dir.path().join(name);
    std::fs::write(&path, contents)?;
    Ok(path)
}

/// Loads a quick-import file, returning the summary or the error.
async fn load(
    pool: &PgPool,
    import: &QuickImport,
) -> Result<observatory_ingest::Summary, IngestError> {
    observatory_ingest::run_quick(pool, import, false).await
}

#[tokio::test]
async fn csv_delimiters_encodings_and_projections() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let dir = tempfile::tempdir()?;

    // UTF-8 with a BOM, comma-separated.
    let utf8 = write_file(
        &dir,
        "utf8.csv",
        "\u{feff}id,category,name,lon,lat\n1,bakery,Bakkerij Sint-Niklaas,2.8850,50.8510\n",
    )?;
    load(&db.pool, &lonlat_csv_import(&utf8, "t-utf8")).await?;

    // Latin-1, semicolon-separated, decimal commas, as French spreadsheets write.
    let latin1 = dir.path().join("latin1.csv");
    let text = "id;category;name;lon;lat\n1;bakery;Boulangerie de l'Évêché;2,3770;51,0340\n";
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(text);
    std::fs::write(&latin1, &bytes)?;
    let mut import = lonlat_csv_import(&latin1, "t-latin1");
    import.delimiter = ';';
    import.latin1 = true;
    load(&db.pool, &import).await?;

    // Belgian Lambert 72: a point made from Ieper's market square, there and back again.
    let (x, y): (f64, f64) = sqlx::query_as("SELECT ST_X(g), ST_Y(g) FROM ST_Transform(ST_SetSRID(ST_MakePoint(2.8851, 50.8513), 4326), 31370) AS g")
        .fetch_one(&db.pool)
        .await?;
    assert!(
        (x - 45_500.0).abs() < 2_000.0 && (y - 172_250.0).abs() < 2_000.0,
        "Ieper in Lambert 72: {x} {y}"
    );
    let lambert = write_file(
        &dir,
        "lambert72.csv",
        format!("id,category,name,x,y\n1,food_shop,Markt,{x},{y}\n"),
    )?;
    let mut import = lonlat_csv_import(&lambert, "t-lambert72");
    import.x_field = Some("x".into());
    import.y_field = Some("y".into());
    import.srid = 31370;
    load(&db.pool, &import).await?;

    // GeoJSON with its own geometry.
    let geojson = write_file(
        &dir,
        "points.geojson",
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"g1","category":"library","name":"Bibliotheek"},"geometry":{"type":"Point","coordinates":[2.9000,50.8400]}}]}"#,
    )?;
    let mut import = lonlat_csv_import(&geojson, "t-geojson");
    import.x_field = None;
    import.y_field = None;
    load(&db.pool, &import).await?;

    let rows: Vec<(String, String, f64, f64, Option<String>)> = sqlx::query_as(
        "SELECT p.source_id, s.name, ST_X(s.geom), ST_Y(s.geom), s.country || '-' || s.commune_code
         FROM service s JOIN service_provenance p ON p.service_id = s.id
         WHERE p.source_id LIKE 't-%' ORDER BY p.source_id",
    )
    .fetch_all(&db.pool)
    .await?;
    let find = |id: &str| rows.iter().find(|r| r.0 == id).cloned().expect("row");
    assert_eq!(find("t-utf8").1, "Bakkerij Sint-Niklaas");
    assert_eq!(find("t-utf8").4.as_deref(), Some("BE-33011"));
    let latin = find("t-latin1");
    assert_eq!(latin.1, "Boulangerie de l'Évêché");
    assert!((latin.2 - 2.377).abs() < 1e-9 && (latin.3 - 51.034).abs() < 1e-9);
    assert_eq!(latin.4.as_deref(), Some("FR-59183"));
    let back = find("t-lambert72");
    let metres = Geodesic.distance(Point::new(back.2, back.3), Point::new(2.8851, 50.8513));
    assert!(metres < 0.01, "Lambert 72 round trip: {metres} m");
    assert_eq!(find("t-geojson").4.as_deref(), Some("BE-33011"));
    db.drop_database().await
}

/// The pharmacy count and nearest-pharmacy distance of Ieper (BE-33011), as stored.
async fn ieper_pharmacy(pool: &PgPool) -> anyhow::Result<(f64, f64)> {
    Ok(sqlx::query_as(
        "SELECT max(value) FILTER (WHERE indicator = 'service_count'),
                max(value) FILTER (WHERE indicator = 'nearest_service_m')
         FROM indicator_value
         WHERE country = 'BE' AND code = '33011' AND category = 'pharmacy' AND year = 0",
    )
    .fetch_one(pool)
    .await?)
}

#[tokio::test]
async fn a_quick_import_brings_the_indicators_up_to_date() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let (count_before, nearest_before) = ieper_pharmacy(&db.pool).await?;
    let (lon, lat): (f64, f64) = sqlx::query_as(
        "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM commune
         WHERE country = 'BE' AND code = '33011') AS s",
    )
    .fetch_one(&db.pool)
    .await?;
    let dir = tempfile::tempdir()?;
    let file = write_file(
        &dir,
        "pharmacy.csv",
        format!("id,category,name,lon,lat\nQ1,pharmacy,Apotheek Proef,{lon:.7},{lat:.7}\n"),
    )?;
    load(&db.pool, &lonlat_csv_import(&file, "t-quick")).await?;

    let (count_after, nearest_after) = ieper_pharmacy(&db.pool).await?;
    assert_eq!(count_after, count_before + 1.0, "Ieper's pharmacy count");
    assert!(
        nearest_after < nearest_before,
        "a pharmacy where people live brings the nearest one closer: {nearest_before} m then {nearest_after} m"
    );
    let on_map: Option<f64> = sqlx::query_scalar(
        "SELECT nearest_pharmacy_m FROM commune_map_values WHERE country = 'BE' AND code = '33011'",
    )
    .fetch_one(&db.pool)
    .await?;
    assert_eq!(
        on_map.map(f64::round),
        Some(nearest_after.round()),
        "the map's value"
    );
    db.drop_database().await
}

/// Every indicator value, map row and nearest service as stored, in a comparable form.
async fn everything_computed(
    pool: &PgPool,
) -> anyhow::Result<(
    Vec<(String, String, String, i16, Option<f64>, Option<String>)>,
    Vec<(String, Option<f64>, Option<f64>)>,
    Vec<(String, String, String, i64, f64)>,
)> {
    let nearest = sqlx::query_as(
        "SELECT origin, category, scope, service_id, round(distance_m::numeric, 3)::float8
         FROM access_nearest ORDER BY 1, 2, 3",
    )
    .fetch_all(pool)
    .await?;
    Ok((
        crate::indicators::all_values(pool).await?,
        crate::indicators::map_values(pool).await?,
        nearest,
    ))
}

/// What a quick import left, then what a full refresh computes from the same services:
/// they must be the same.
async fn assert_as_full_refresh(pool: &PgPool, step: &str) -> anyhow::Result<()> {
    let after_import = everything_computed(pool).await?;
    let mut tx = pool.begin().await?;
    observatory_core::indicators::refresh_all(&mut tx).await?;
    tx.commit().await?;
    let full = everything_computed(pool).await?;
    // Compared part by part, so that a failure names the part without printing thousands of rows.
    assert!(
        after_import.0 == full.0,
        "{step}: the indicator values differ from a full refresh's"
    );
    assert!(
        after_import.1 == full.1,
        "{step}: the map rows differ from a full refresh's"
    );
    assert!(
        after_import.2 == full.2,
        "{step}: the nearest services differ from a full refresh's"
    );
    Ok(())
}

/// How many French communes have a distance to the nearest pharmacy (not "no data").
async fn french_pharmacy_values(pool: &PgPool) -> anyhow::Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT count(value) FROM indicator_value
         WHERE indicator = 'nearest_service_m' AND category = 'pharmacy' AND country = 'FR'",
    )
    .fetch_one(pool)
    .await?)
}

#[tokio::test]
async fn a_quick_import_recomputes_its_categories_as_a_full_refresh_would() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let dir = tempfile::tempdir()?;
    // French pharmacies and a bakery from a source complete in France: the first French
    // pharmacy locations, so every French commune's pharmacy figures go from "no data" to
    // values, and the basket's reason stops naming pharmacies.
    let first = write_file(&dir, "first.csv", "id,category,name,lon,lat\nP1,pharmacy,Pharmacie du Beffroi,2.37850,51.03400\n\
         P2,pharmacy,Pharmacie de la Gare,3.05700,50.63800\nB1,bakery,Boulangerie Centrale,2.72900,50.72700\n")?;
    let mut import = lonlat_csv_import(&first, "t-fr-points");
    import.coverage = vec![observatory_core::Country::France];
    let summary = load(&db.pool, &import).await?;
    assert_eq!(summary.get("t-fr-points").map(|s| s.loaded), Some(3));
    assert!(
        summary.indicators_seconds.is_some(),
        "the indicators were recomputed"
    );
    let with_pharmacy = french_pharmacy_values(&db.pool).await?;
    assert!(
        with_pharmacy > 600,
        "{with_pharmacy} French communes with a nearest pharmacy"
    );
    assert_as_full_refresh(&db.pool, "first import").await?;

    // The same source again, now with a general practitioner only: its pharmacies and
    // bakery are gone, and their categories are recomputed too.
    let second = write_file(
        &dir,
        "second.csv",
        "id,category,name,lon,lat\nG1,general_practitioner,Cabinet médical,2.37900,51.03300\n",
    )?;
    let mut import = lonlat_csv_import(&second, "t-fr-points");
    import.coverage = vec![observatory_core::Country::France];
    load(&db.pool, &import).await?;
    let with_pharmacy = french_pharmacy_values(&db.pool).await?;
    assert_eq!(with_pharmacy, 0, "no French pharmacy locations again");
    assert_as_full_refresh(&db.pool, "replacing import").await?;
    db.drop_database().await
}

#[tokio::test]
async fn the_same_service_in_two_sources_is_kept_once_with_both_provenances() -> anyhow::Result<()>
{
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let dir = tempfile::tempdir()?;
    let a = write_file(&dir, "a.csv", "id,category,name,lon,lat\nA1,pharmacy,Apotheek Centrum,2.70000,50.90000\nA2,bakery,Bakkerij Centrum,2.70010,50.90010\n")?;
    // 22 m away, same category, similar name: the same pharmacy. The bakery 15 m away is not.
    let b = write_file(&dir, "b.csv", "id,category,name,lon,lat\nB1,pharmacy,Apotheek Centrum bvba,2.70020,50.90015\nB2,pharmacy,Apotheek De Linde,2.70000,50.90005\n")?;
    load(&db.pool, &lonlat_csv_import(&a, "t-a")).await?;
    let summary = load(&db.pool, &lonlat_csv_import(&b, "t-b")).await?;
    assert_eq!(
        summary.get("t-b").map(|s| (s.loaded, s.merged)),
        Some((1, 1))
    );

    let sources: Vec<String> = sqlx::query_scalar(
        "SELECT p.source_id || ':' || p.record_id FROM service_provenance p
         WHERE p.service_id = (SELECT service_id FROM service_provenance WHERE record_id = 'A1') ORDER BY 1",
    )
    .fetch_all(&db.pool)
    .await?;
    assert_eq!(sources, vec!["t-a:A1", "t-b:B1"]);
    assert_sources_are_the_provenance(&db.pool, "after the merge").await?;

    // A new load of t-a without A1 forgets it: the pharmacy t-b describes too stays, and
    // lists t-b alone; loading A1 again lists both again.
    let listed = |pool: PgPool| async move {
        sqlx::query_scalar::<_, String>(
            "SELECT unnest(s.sources) FROM service s
             WHERE s.id = (SELECT service_id FROM service_provenance WHERE record_id = 'B1')",
        )
        .fetch_all(&pool)
        .await
    };
    let a_without = write_file(
        &dir,
        "a2.csv",
        "id,category,name,lon,lat\nA2,bakery,Bakkerij Centrum,2.70010,50.90010\n",
    )?;
    load(&db.pool, &lonlat_csv_import(&a_without, "t-a")).await?;
    assert_eq!(listed(db.pool.clone()).await?, vec!["t-b"]);
    assert_sources_are_the_provenance(&db.pool, "after t-a forgot A1").await?;
    load(&db.pool, &lonlat_csv_import(&a, "t-a")).await?;
    assert_eq!(listed(db.pool.clone()).await?, vec!["t-a", "t-b"]);
    assert_sources_are_the_provenance(&db.pool, "after t-a described A1 again").await?;

    // In the real data, OSM pharmacies merge into the AFMPS list.
    ingest_westhoek(&db.pool).await?;
    assert_sources_are_the_provenance(&db.pool, "after the Westhoek release again").await?;
    let both: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT service_id FROM service_provenance GROUP BY service_id
         HAVING bool_or(source_id = 'be-pharmacies-afmps') AND bool_or(source_id = 'be-pharmacies-osm')) AS m",
    )
    .fetch_one(&db.pool)
    .await?;
    assert!(
        both > 150,
        "{both} pharmacies in both AFMPS and OpenStreetMap"
    );
    db.drop_database().await
}

/// A source describes a service once: two of its records near one service of another
/// source, both similar to it, stay two services, and loading a source again gives the
/// services the first load gave. (Two post offices of La Poste 20 m apart, loaded again
/// after another source had merged both of its records into the first, became one.)
#[tokio::test]
async fn each_record_of_a_source_stays_a_service_of_its_own_and_a_reload_changes_nothing(
) -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let dir = tempfile::tempdir()?;
    // Two post offices 20 m apart with similar names, described by both sources.
    let offices = "id,category,name,lon,lat\n\
                   X1,post_office,Metz en Couture RP,2.80000,50.85000\n\
                   X2,post_office,Metz en Couture Le Beaulieu RP,2.80020,50.85010\n";
    let a = write_file(&dir, "a.csv", offices)?;
    let b = write_file(&dir, "b.csv", offices)?;
    load(&db.pool, &lonlat_csv_import(&a, "t-a")).await?;
    let summary = load(&db.pool, &lonlat_csv_import(&b, "t-b")).await?;
    assert_eq!(
        summary.get("t-b").map(|s| (s.loaded, s.merged)),
        Some((0, 2))
    );
    let services_of = |pool: PgPool| async move {
        sqlx::query_scalar::<_, String>(
            "SELECT p.source_id || ':' || p.record_id || ' -> ' || p.service_id FROM service_provenance p
             WHERE p.source_id IN ('t-a', 't-b') ORDER BY 1",
        )
        .fetch_all(&pool)
        .await
    };
    let first = services_of(db.pool.clone()).await?;
    let per_service: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT count(*), count(DISTINCT source_id) FROM service_provenance
         WHERE source_id IN ('t-a', 't-b') GROUP BY service_id ORDER BY 1",
    )
    .fetch_all(&db.pool)
    .await?;
    assert_eq!(per_service, vec![(2, 2), (2, 2)], "{first:?}");

    load(&db.pool, &lonlat_csv_import(&a, "t-a")).await?;
    assert_eq!(services_of(db.pool.clone()).await?, first);
    assert_sources_are_the_provenance(&db.pool, "after t-a loaded again").await?;
    db.drop_database().await
}

/// The sources that describe the service a source's record became.
async fn sources_of_record(
    pool: &PgPool,
    source: &str,
    record: &str,
) -> anyhow::Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT p.source_id FROM service_provenance p
         WHERE p.service_id = (SELECT service_id FROM service_provenance WHERE source_id = $1 AND record_id = $2)
         ORDER BY 1",
    )
    .bind(source)
    .bind(record)
    .fetch_all(pool)
    .await?)
}

/// Every service lists exactly the sources of its provenance, in order (the column the
/// tiles, exports and OGC features read, migration 0012).
async fn assert_sources_are_the_provenance(pool: &PgPool, when: &str) -> anyhow::Result<()> {
    let (services, differing): (i64, Vec<i64>) = sqlx::query_as(
        "SELECT count(*), coalesce(array_agg(s.id ORDER BY s.id) FILTER (WHERE s.sources IS DISTINCT FROM
                    ARRAY(SELECT DISTINCT p.source_id FROM service_provenance p
                          WHERE p.service_id = s.id ORDER BY 1)), '{}')
         FROM service s",
    )
    .fetch_one(pool)
    .await?;
    assert!(services > 0, "{when}: no services");
    assert!(
        differing.is_empty(),
        "{when}: {} of {services} services list other sources than their provenance, e.g. ids {:?}",
        differing.len(),
        &differing[..differing.len().min(5)]
    );
    Ok(())
}

/// Indexes and keys of the service tables, and the keys that point at services, as the
/// catalog defines them.
async fn service_schema(pool: &PgPool) -> anyhow::Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT indexdef FROM pg_indexes WHERE tablename IN ('service', 'service_provenance')
         UNION ALL
         SELECT conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint
         WHERE conrelid IN ('service'::regclass, 'service_provenance'::regclass)
            OR confrelid = 'service'::regclass
         ORDER BY 1",
    )
    .fetch_all(pool)
    .await?)
}

/// Everything a source's load wrote, by record id (service ids aside): each service with
/// its provenance, as text.
async fn loaded_rows(pool: &PgPool, source: &str) -> anyhow::Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT concat_ws('|', p.record_id, s.category, s.name, s.address, s.country, s.commune_code,
                          encode(ST_AsEWKB(s.geom), 'hex'), ST_AsEWKT(s.geom_3857), s.first_seen,
                          s.last_seen, s.closure_candidate, s.sources, p.raw_category,
                          p.source_commune, p.status, p.seen_on, p.attributes)
         FROM service s JOIN service_provenance p ON p.service_id = s.id
         WHERE p.source_id = $1
         ORDER BY p.record_id",
    )
    .bind(source)
    .fetch_all(pool)
    .await?)
}

/// A large first load of longitude/latitude points (written straight into the tables,
/// services/direct.rs), then the same file again, which replaces it through the work
/// tables (services/stage.rs): both write the same rows.
#[tokio::test]
async fn a_large_load_locates_merges_and_keeps_indexes_and_keys_as_a_small_one(
) -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let before = service_schema(&db.pool).await?;
    let (name, lon, lat): (String, f64, f64) = sqlx::query_as(
        "SELECT s.name, ST_X(s.geom), ST_Y(s.geom) FROM service s
         JOIN service_provenance p ON p.service_id = s.id
         WHERE p.source_id = 'be-pharmacies-afmps' AND s.name IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM service_provenance q WHERE q.service_id = s.id AND q.source_id <> p.source_id)
         ORDER BY s.id LIMIT 1",
    )
    .fetch_one(&db.pool)
    .await?;
    // 20,100 bus stops on a grid across the border around Ieper and Bailleul (large enough
    // to rebuild the indexes), 30 far away in Limburg, and the AFMPS pharmacy again, 10 m off.
    let mut csv = bus_stop_grid_csv();
    for i in 0..30 {
        csv.push_str(&format!(
            "F{i},bus_stop,Ver {i},5.5,{:.4}\n",
            50.9 + i as f64 * 0.001
        ));
    }
    let name = name.replace([',', '"'], " ");
    csv.push_str(&format!(
        "D1,pharmacy,{name},{lon:.7},{:.7}\n",
        lat + 0.00009
    ));
    let dir = tempfile::tempdir()?;
    let file = write_file(&dir, "large.csv", csv)?;

    let summary = load(&db.pool, &lonlat_csv_import(&file, "t-large")).await?;
    let stats = summary
        .get("t-large")
        .map(|s| (s.read, s.loaded, s.merged, s.rejected));
    assert_eq!(stats, Some((20_131, 20_100, 1, 30)));
    assert_eq!(service_schema(&db.pool).await?, before);

    // The reader's commune is one PostGIS finds (where two outlines overlap, the least
    // code), and a point in none lies in none.
    let (located, differing): (i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE s.commune_code IS NOT NULL),
                count(*) FILTER (WHERE coalesce(s.country || s.commune_code, '') <> coalesce(
                    (SELECT c.country || c.code FROM commune c WHERE ST_Intersects(c.geom, s.geom)
                     ORDER BY c.country, c.code LIMIT 1), ''))
         FROM service s JOIN service_provenance p ON p.service_id = s.id
         WHERE p.source_id = 't-large'",
    )
    .fetch_one(&db.pool)
    .await?;
    assert!(located > 15_000, "{located} bus stops in a commune");
    assert_eq!(differing, 0);
    let countries: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT s.country::text FROM service s JOIN service_provenance p ON p.service_id = s.id
         WHERE p.source_id = 't-large' AND s.country IS NOT NULL ORDER BY 1",
    )
    .fetch_all(&db.pool)
    .await?;
    assert_eq!(countries, vec!["BE", "FR"]);

    assert_eq!(
        sources_of_record(&db.pool, "t-large", "D1").await?,
        vec!["be-pharmacies-afmps", "t-large"]
    );
    assert_sources_are_the_provenance(&db.pool, "after a large load").await?;
    let first_load = loaded_rows(&db.pool, "t-large").await?;
    assert_eq!(first_load.len(), 20_101);

    // Loading it again replaces it as one set (its keys set aside and checked again): the
    // same services, the AFMPS pharmacy kept with the new record, nothing left pointing at
    // the services it deleted.
    let services_before: i64 = sqlx::query_scalar("SELECT count(*) FROM service")
        .fetch_one(&db.pool)
        .await?;
    let summary = load(&db.pool, &lonlat_csv_import(&file, "t-large")).await?;
    let stats = summary
        .get("t-large")
        .map(|s| (s.read, s.loaded, s.merged, s.rejected));
    assert_eq!(stats, Some((20_131, 20_100, 1, 30)));
    assert_eq!(service_schema(&db.pool).await?, before);
    let services_after: i64 = sqlx::query_scalar("SELECT count(*) FROM service")
        .fetch_one(&db.pool)
        .await?;
    assert_eq!(services_after, services_before);
    let dangling: i64 = sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM access_nearest a WHERE NOT EXISTS (SELECT 1 FROM service s WHERE s.id = a.service_id))
              + (SELECT count(*) FROM service_measure m WHERE NOT EXISTS (SELECT 1 FROM service s WHERE s.id = m.service_id))",
    )
    .fetch_one(&db.pool)
    .await?;
    assert_eq!(dangling, 0);
    assert_eq!(
        sources_of_record(&db.pool, "t-large", "D1").await?,
        vec!["be-pharmacies-afmps", "t-large"]
    );
    assert_sources_are_the_provenance(&db.pool, "after replacing a large load").await?;
    assert_eq!(loaded_rows(&db.pool, "t-large").await?, first_load);
    db.drop_database().await
}

/// A large file whose record id comes twice (within 200 m: one service listed twice) is
/// not one service per record: the direct load gives way to the work tables, which group
/// the two records, and leaves nothing of its own behind.
#[tokio::test]
async fn a_large_load_with_a_repeated_id_is_grouped_as_a_small_one() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let before = service_schema(&db.pool).await?;
    let services_before: i64 = sqlx::query_scalar("SELECT count(*) FROM service")
        .fetch_one(&db.pool)
        .await?;
    let mut csv = bus_stop_grid_csv();
    // S7 again, 40 m east of its first record
    csv.push_str("S7,bus_stop,Halte 7,2.616666,50.75\n");
    let dir = tempfile::tempdir()?;
    let file = write_file(&dir, "repeated.csv", csv)?;

    let summary = load(&db.pool, &lonlat_csv_import(&file, "t-repeated")).await?;
    let stats = summary.get("t-repeated").expect("summary");
    assert_eq!(
        (
            stats.read,
            stats.loaded,
            stats.merged,
            stats.rejected,
            stats.warnings
        ),
        (20_101, 20_100, 0, 0, 1)
    );
    assert_eq!(service_schema(&db.pool).await?, before);
    let (services, records): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM service), (SELECT count(*) FROM service_provenance WHERE source_id = 't-repeated')",
    )
    .fetch_one(&db.pool)
    .await?;
    assert_eq!((services - services_before, records), (20_100, 20_100));
    let seen: Vec<chrono::NaiveDate> = sqlx::query_scalar(
        "SELECT unnest(seen_on) FROM service_provenance WHERE source_id = 't-repeated' AND record_id = 'S7'",
    )
    .fetch_all(&db.pool)
    .await?;
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_sources_are_the_provenance(&db.pool, "after a grouped large load").await?;
    db.drop_database().await
}

#[tokio::test]
async fn snapshot_dates_become_validity() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    // La Poste sites only in the 2016 snapshot are closure candidates, last seen then.
    let rows: Vec<(chrono::NaiveDate, chrono::NaiveDate, bool, i64)> = sqlx::query_as(
        "SELECT s.first_seen, s.last_seen, s.closure_candidate, count(*)
         FROM service s JOIN service_provenance p ON p.service_id = s.id AND p.source_id = 'fr-laposte-snapshots'
         GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
    )
    .fetch_all(&db.pool)
    .await?;
    let d = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
    assert!(
        rows.iter()
            .any(|r| r.0 == d(2016, 8, 21) && r.1 == d(2016, 8, 21) && r.2),
        "sites gone after 2016: {rows:?}"
    );
    assert!(
        rows.iter()
            .any(|r| r.0 == d(2016, 8, 21) && r.1 == d(2020, 12, 15) && !r.2),
        "sites in both: {rows:?}"
    );
    assert!(
        rows.iter().all(|r| r.1 == d(2016, 8, 21) || !r.2),
        "only sites missing from the last snapshot are candidates"
    );

    // OSM pharmacies: each seen on at least one of the six dates, within their range.
    let (first, last): (chrono::NaiveDate, chrono::NaiveDate) = sqlx::query_as(
        "SELECT min(d), max(d) FROM service_provenance, unnest(seen_on) AS d WHERE source_id = 'be-pharmacies-osm'",
    )
    .fetch_one(&db.pool)
    .await?;
    assert_eq!((first, last), (d(2022, 3, 26), d(2026, 7, 1)));
    db.drop_database().await
}

#[tokio::test]
async fn unknown_categories_are_reported_and_bad_records_counted() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let dir = tempfile::tempdir()?;
    let file = write_file(
        &dir,
        "mixed.csv",
        "id,category,name,lon,lat\n\
         1,pharmacy,Ok,2.88,50.85\n\
         2,launderette,Wasserette,2.88,50.85\n\
         3,launderette,Wasserette 2,2.88,50.85\n\
         4,pharmacy,No position,,\n\
         5,pharmacy,Paris,2.35,48.85\n\
         6,pharmacy,Out of range,200,50\n",
    )?;
    let summary = load(&db.pool, &lonlat_csv_import(&file, "t-mixed")).await?;
    let stats = summary.get("t-mixed").expect("summary");
    assert_eq!(stats.read, 6);
    assert_eq!(stats.loaded, 1);
    assert_eq!(stats.unknown_values.get("launderette"), Some(&2));
    assert_eq!(
        stats.rejected, 3,
        "no position, far from the area, out of range: {:?}",
        stats.notes
    );
    assert!(
        stats.notes.iter().any(|n| n.contains("line 5")),
        "{:?}",
        stats.notes
    );
    db.drop_database().await
}

#[tokio::test]
async fn bad_files_change_nothing() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let before: i64 = sqlx::query_scalar("SELECT count(*) FROM service_provenance")
        .fetch_one(&db.pool)
        .await?;
    let dir = tempfile::tempdir()?;

    let unclosed = write_file(
        &dir,
        "unclosed.geojson",
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"1","category":"pharmacy"},"geometry":{"type":"Point","coordinates":[2.88,50.85]}},{"type":"Feat"#,
    )?;
    let mut import = lonlat_csv_import(&unclosed, "t-bad");
    import.x_field = None;
    import.y_field = None;
    let error = load(&db.pool, &import)
        .await
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        error.contains("unclosed.geojson") && error.contains("malformed GeoJSON"),
        "{error}"
    );

    let no_column = write_file(
        &dir,
        "no_column.csv",
        "id,kind,name,lon,lat\n1,pharmacy,X,2.88,50.85\n",
    )?;
    let error = load(&db.pool, &lonlat_csv_import(&no_column, "t-bad"))
        .await
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        error.contains("field `category`") && error.contains("no such column"),
        "{error}"
    );

    let ragged = write_file(
        &dir,
        "ragged.csv",
        "id,category,name,lon,lat\n1,pharmacy,X,2.88,50.85\n2,pharmacy,Y,2.88\n",
    )?;
    let error = load(&db.pool, &lonlat_csv_import(&ragged, "t-bad"))
        .await
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        error.contains("ragged.csv") && error.contains("line 3"),
        "{error}"
    );

    let mut import = lonlat_csv_import(&ragged, "t-bad");
    import.srid = 999_999;
    let error = load(&db.pool, &import)
        .await
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(error.contains("EPSG:999999"), "{error}");

    let after: i64 = sqlx::query_scalar("SELECT count(*) FROM service_provenance")
        .fetch_one(&db.pool)
        .await?;
    assert_eq!(after, before);
    db.drop_database().await
}

#[tokio::test]
async fn an_ingest_killed_part_way_leaves_nothing() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("large.csv");
    let mut text = String::from("id,category,name,lon,lat\n");
    for i in 0..400_000u32 {
        let (dx, dy) = (f64::from(i % 1000) * 0.0005, f64::from(i / 1000) * 0.0005);
        text.push_str(&format!(
            "{i},bakery,Bakkerij {i},{},{}\n",
            2.6 + dx,
            50.7 + dy
        ));
    }
    std::fs::write(&file, text)?;
    let before: i64 = sqlx::query_scalar("SELECT count(*) FROM service")
        .fetch_one(&db.pool)
        .await?;

    let mut child = tokio::process::Command::new(observatory_tests::observatory_bin())
        .env("DATABASE_URL", db.url()?)
        .current_dir(repo_root())
        .args([
            "ingest",
            "--no-progress",
            "--source-id",
            "t-killed",
            "--category-field",
            "category",
            "--id-field",
            "id",
        ])
        .args(["--x-field", "lon", "--y-field", "lat", "--file"])
        .arg(&file)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()?;
    // Wait until its COPY is under way (straight into the services, or into the staging
    // table), then kill it without warning.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let copying: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'COPY service%')",
        )
        .fetch_one(&db.pool)
        .await?;
        if copying {
            break;
        }
        anyhow::ensure!(
            std::time::Instant::now() < deadline,
            "the ingest never started its COPY"
        );
        anyhow::ensure!(
            child.try_wait()?.is_none(),
            "the ingest ended before it could be killed"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    child.kill().await?;

    // PostgreSQL rolls the open transaction back when the connection drops.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let busy: i64 = sqlx::query_scalar("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND state <> 'idle' AND backend_type = 'client backend'")
            .fetch_one(&db.pool)
            .await?;
        if busy == 0 || std::time::Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let after: i64 = sqlx::query_scalar("SELECT count(*) FROM service")
        .fetch_one(&db.pool)
        .await?;
    assert_eq!(after, before);
    assert_eq!(provenance(&db.pool, "t-killed").await?, 0);
    db.drop_database().await
}
