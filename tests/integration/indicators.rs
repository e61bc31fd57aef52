//! Indicators checked against independent computation: geodesic distances with the geo
//! crate, populations from the population table, coverage rules.

use geo::{Distance, Geodesic, Point};
use observatory_core::services::{write, Observation, ServiceWrite, Wgs84Point};
use observatory_tests::{ingest_westhoek, TestApp, TestDb};

#[tokio::test]
async fn crossing_the_border_never_makes_a_service_farther() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let violations: Vec<(String, String, String, f64, f64)> = sqlx::query_as(
        "SELECT a.country::text, a.code, a.category, a.value, n.value
         FROM indicator_value a JOIN indicator_value n USING (country, code, category, year)
         WHERE a.indicator = 'nearest_service_m' AND n.indicator = 'nearest_service_national_m'
           AND a.value > n.value + 1e-6",
    )
    .fetch_all(&db.pool)
    .await?;
    assert!(violations.is_empty(), "{violations:?}");
    let compared: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM indicator_value WHERE indicator = 'nearest_service_national_m' AND value IS NOT NULL",
    )
    .fetch_one(&db.pool)
    .await?;
    assert!(
        compared > 3000,
        "{compared} commune × category values compared"
    );
    db.drop_database().await
}

#[tokio::test]
async fn comines_warneton_is_closest_to_a_french_hospital() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let app = TestApp::spawn(db.pool.clone()).await?;
    let profile: serde_json::Value = app.get("/api/communes/BE-57097").await?.json().await?;
    let nearest = |scope: &str| {
        profile["nearest"]
            .as_array()
            .and_then(|list| {
                list.iter()
                    .find(|n| n["category"] == "hospital" && n["scope"] == scope)
            })
            .cloned()
            .unwrap_or_default()
    };
    let across = nearest("any");
    let national = nearest("national");
    assert_eq!(across["service"]["country"], "FR", "{across}");
    assert_eq!(national["service"]["country"], "BE", "{national}");
    let (a, n) = (
        across["distance_m"].as_f64().unwrap_or(f64::NAN),
        national["distance_m"].as_f64().unwrap_or(f64::NAN),
    );
    assert!(
        a < n,
        "the French hospital ({a} m) is nearer than the Belgian one ({n} m)"
    );
    db.drop_database().await
}

#[tokio::test]
async fn distances_match_an_independent_geodesic_computation() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let app = TestApp::spawn(db.pool.clone()).await?;
    let profile: serde_json::Value = app.get("/api/communes/BE-33011").await?.json().await?;
    let nearest = profile["nearest"]
        .as_array()
        .and_then(|list| {
            list.iter()
                .find(|n| n["category"] == "pharmacy" && n["scope"] == "any")
        })
        .cloned()
        .ok_or_else(|| anyhow::anyhow!("no nearest pharmacy in {profile}"))?;
    let origin_id = nearest["from"].as_str().unwrap_or_default().to_owned();
    let (ox, oy): (f64, f64) =
        sqlx::query_as("SELECT ST_X(geom), ST_Y(geom) FROM access_origin WHERE id = $1")
            .bind(&origin_id)
            .fetch_one(&db.pool)
            .await?;
    let origin = Point::new(ox, oy);

    // Brute force over every open pharmacy, with the geo crate's geodesic (Karney).
    let pharmacies: Vec<(i64, f64, f64)> = sqlx::query_as(
        "SELECT id, ST_X(geom), ST_Y(geom) FROM service WHERE category = 'pharmacy' AND NOT closure_candidate",
    )
    .fetch_all(&db.pool)
    .await?;
    let (best_id, best) = pharmacies
        .iter()
        .map(|(id, x, y)| (*id, Geodesic.distance(origin, Point::new(*x, *y))))
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .ok_or_else(|| anyhow::anyhow!("no pharmacy"))?;
    let reported = nearest["distance_m"].as_f64().unwrap_or(f64::NAN);
    assert!(
        (reported - best).abs() < 0.5,
        "reported {reported} m, geodesic {best} m"
    );
    assert_eq!(nearest["service"]["id"].as_i64(), Some(best_id));
    db.drop_database().await
}

#[tokio::test]
async fn per_thousand_figures_follow_the_population_table() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let rows: Vec<(String, f64, f64, i32)> = sqlx::query_as(
        "SELECT r.code, r.value, n.value, p.population
         FROM indicator_value r
         JOIN indicator_value n ON n.indicator = 'service_count' AND (n.country, n.code, n.category, n.year) = (r.country, r.code, r.category, r.year)
         JOIN commune c ON (c.country, c.code) = (r.country, r.code)
         JOIN commune_population p ON (p.country, p.code, p.year) = (c.country, c.code, c.population_year)
         WHERE r.indicator = 'services_per_1000' AND r.year = 0 AND r.value IS NOT NULL",
    )
    .fetch_all(&db.pool)
    .await?;
    assert!(rows.len() > 1000);
    for (code, per_1000, count, population) in rows {
        let expected = count * 1000.0 / f64::from(population);
        assert!(
            (per_1000 - expected).abs() < 1e-9,
            "{code}: {per_1000} ≠ {expected}"
        );
    }
    db.drop_database().await
}

#[tokio::test]
async fn no_data_is_said_with_its_reason_never_guessed() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    // No French pharmacy points in this release: no distance, even to Belgian pharmacies.
    let (value, reason): (Option<f64>, Option<String>) = sqlx::query_as(
        "SELECT value, no_data FROM indicator_value
         WHERE indicator = 'nearest_service_m' AND country = 'FR' AND code = '59183' AND category = 'pharmacy'",
    )
    .fetch_one(&db.pool)
    .await?;
    assert_eq!(value, None);
    assert_eq!(
        reason.as_deref(),
        Some("no source gives pharmacy locations in FR")
    );
    // But BPE counts French pharmacies per commune: 2013 has a value for Dunkerque.
    let bpe: Option<f64> = sqlx::query_scalar(
        "SELECT value FROM indicator_value WHERE indicator = 'service_count' AND country = 'FR' AND code = '59183'
         AND category = 'pharmacy' AND year = 2013",
    )
    .fetch_one(&db.pool)
    .await?;
    assert!(bpe.is_some_and(|n| n > 10.0), "{bpe:?}");
    // Per 1,000 for 2013: there is no 2013 population in the data.
    let reason: Option<String> = sqlx::query_scalar(
        "SELECT no_data FROM indicator_value WHERE indicator = 'services_per_1000' AND country = 'FR' AND code = '59183'
         AND category = 'pharmacy' AND year = 2013",
    )
    .fetch_one(&db.pool)
    .await?;
    assert_eq!(
        reason.as_deref(),
        Some("no population for 2013 in the data")
    );
    db.drop_database().await
}

#[tokio::test]
async fn the_indicator_api() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let app = TestApp::spawn(db.pool.clone()).await?;

    let list: serde_json::Value = app.get("/api/indicators").await?.json().await?;
    let list = list.as_array().cloned().unwrap_or_default();
    assert_eq!(list.len(), observatory_core::indicators::COMPUTED.len());
    for definition in &list {
        for lang in ["nl", "fr", "en"] {
            assert!(
                definition["name"][lang]
                    .as_str()
                    .is_some_and(|s| !s.is_empty()),
                "{definition}"
            );
            assert!(
                definition["definition"][lang]
                    .as_str()
                    .is_some_and(|s| !s.is_empty()),
                "{definition}"
            );
        }
        assert!(
            definition["unit"].is_string()
                && definition["licence"].is_string()
                && definition["sources"].is_string()
        );
    }

    let values: serde_json::Value = app
        .get("/api/indicators/nearest_service_m?category=hospital")
        .await?
        .json()
        .await?;
    let (min, median, max) = (
        values["min"].as_f64(),
        values["median"].as_f64(),
        values["max"].as_f64(),
    );
    assert!(min <= median && median <= max, "{min:?} {median:?} {max:?}");
    assert_eq!(values["values"].as_array().map(Vec::len), Some(711));
    assert_eq!(
        values["count"].as_i64().unwrap_or(0) + values["no_data"].as_i64().unwrap_or(0),
        711
    );

    let change: serde_json::Value = app
        .get("/api/indicators/population_change_pct")
        .await?
        .json()
        .await?;
    assert_eq!(change["count"], 711);

    let profile: serde_json::Value = app.get("/api/communes/FR-59183").await?.json().await?;
    assert_eq!(profile["name_nl"], "Duinkerke");
    let entry = profile["indicators"]
        .as_array()
        .and_then(|l| {
            l.iter()
                .find(|i| i["indicator"] == "nearest_service_m" && i["category"] == "hospital")
        })
        .cloned()
        .unwrap_or_default();
    assert!(
        entry["value"].is_number()
            && entry["rank"].is_number()
            && entry["country_mean"].is_number(),
        "{entry}"
    );
    // The profile's means and rank, computed again from the indicator's own values.
    let arrondissement: Vec<String> = sqlx::query_scalar(
        "SELECT country || '-' || code FROM commune
         WHERE (country, arrondissement_code) = (SELECT country, arrondissement_code FROM commune WHERE country = 'FR' AND code = '59183')",
    )
    .fetch_all(&db.pool)
    .await?;
    let intercommunality: Vec<String> = sqlx::query_scalar(
        "SELECT country || '-' || code FROM commune
         WHERE (country, intercommunality_code) = (SELECT country, intercommunality_code FROM commune WHERE country = 'FR' AND code = '59183')",
    )
    .fetch_all(&db.pool)
    .await?;
    assert!(intercommunality.len() > 1, "{intercommunality:?}");
    let measured: Vec<(String, f64)> = values["values"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| Some((v["commune"].as_str()?.to_owned(), v["value"].as_f64()?)))
        .collect();
    let mean = |keep: &dyn Fn(&str) -> bool| {
        let chosen: Vec<f64> = measured
            .iter()
            .filter(|(c, _)| keep(c))
            .map(|(_, v)| *v)
            .collect();
        chosen.iter().sum::<f64>() / chosen.len() as f64
    };
    let own = entry["value"].as_f64().unwrap_or(f64::NAN);
    let close = |a: &serde_json::Value, b: f64| a.as_f64().is_some_and(|a| (a - b).abs() < 1e-6);
    assert!(close(&entry["region_mean"], mean(&|_| true)), "{entry}");
    assert!(
        close(&entry["country_mean"], mean(&|c| c.starts_with("FR-"))),
        "{entry}"
    );
    assert!(
        close(
            &entry["arrondissement_mean"],
            mean(&|c| arrondissement.iter().any(|a| a == c))
        ),
        "{entry}"
    );
    assert!(
        close(
            &entry["intercommunality_mean"],
            mean(&|c| intercommunality.iter().any(|a| a == c))
        ),
        "{entry}"
    );
    let above = measured.iter().filter(|(_, v)| *v > own).count();
    assert_eq!(entry["rank"].as_u64(), Some(above as u64 + 1), "{entry}");
    assert_eq!(
        entry["ranked"].as_u64(),
        Some(measured.len() as u64),
        "{entry}"
    );

    for (path, status) in [
        ("/api/indicators/nearest_service_m", 400),
        ("/api/indicators/nearest_service_m?category=Bad-Id", 400),
        (
            "/api/indicators/population_change_pct?category=pharmacy",
            400,
        ),
        (
            "/api/indicators/service_count?category=pharmacy&year=20x3",
            400,
        ),
        ("/api/indicators/nothing", 404),
        ("/api/communes/FR-99999", 404),
        ("/api/communes/59183", 400),
    ] {
        assert_eq!(app.get(path).await?.status(), status, "{path}");
    }
    db.drop_database().await
}

#[tokio::test]
async fn an_indicator_answer_the_server_cannot_describe_is_a_500_not_a_guess() -> anyhow::Result<()>
{
    let db = TestDb::new().await?;
    let app = TestApp::spawn(db.pool.clone()).await?;
    // No indicator computed yet: an empty list, not null.
    let defined: i64 = sqlx::query_scalar("SELECT count(*) FROM indicator")
        .fetch_one(&db.pool)
        .await?;
    let response = app.get("/api/indicators").await?;
    assert_eq!(response.status(), 200);
    let list: serde_json::Value = response.json().await?;
    assert_eq!(
        list.as_array().map(|l| l.len() as i64),
        Some(defined),
        "{list}"
    );

    ingest_westhoek(&db.pool).await?;
    // A value JSON cannot hold as a number: PostgreSQL writes NaN as the string "NaN".
    sqlx::query(
        "UPDATE indicator_commune_value SET value = 'NaN'
         WHERE ctid = (SELECT ctid FROM indicator_commune_value
                       WHERE indicator = 'population_change_pct' AND year = 0 AND value IS NOT NULL
                       LIMIT 1)",
    )
    .execute(&db.pool)
    .await?;
    let response = app.get("/api/indicators/population_change_pct").await?;
    assert_eq!(response.status(), 500);
    let body: serde_json::Value = response.json().await?;
    assert!(body["error"].is_string(), "{body}");
    // The other indicators are answered as before.
    let response = app
        .get("/api/indicators/nearest_service_m?category=hospital")
        .await?;
    assert_eq!(response.status(), 200);
    db.drop_database().await
}

/// Everything the refresh computes, in a comparable form.
pub(crate) async fn all_values(
    pool: &sqlx::PgPool,
) -> anyhow::Result<Vec<(String, String, String, i16, Option<f64>, Option<String>)>> {
    Ok(sqlx::query_as(
        "SELECT indicator, country || '-' || code, category, year, round(value::numeric, 6)::float8, no_data
         FROM indicator_value ORDER BY 1, 2, 3, 4",
    )
    .fetch_all(pool)
    .await?)
}

/// The map's row of main values of every commune, checked against indicator_value read
/// afresh, commune by commune: after any refresh, the row the tiles and the export read
/// is the current one.
pub(crate) async fn map_values(
    pool: &sqlx::PgPool,
) -> anyhow::Result<Vec<(String, Option<f64>, Option<f64>)>> {
    let stale: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM commune c
         CROSS JOIN LATERAL (
             SELECT round(max(value) FILTER (WHERE indicator = 'nearest_service_m' AND category = 'pharmacy')) AS nearest_pharmacy_m,
                    round(max(value) FILTER (WHERE indicator = 'nearest_service_m' AND category = 'hospital')) AS nearest_hospital_m,
                    round(max(value) FILTER (WHERE indicator = 'nearest_service_m' AND category = 'rail_station')) AS nearest_rail_station_m,
                    round(max(value) FILTER (WHERE indicator = 'nearest_service_m' AND category = 'post_office')) AS nearest_post_office_m,
                    round(max(value) FILTER (WHERE indicator = 'nearest_service_m' AND category = 'secondary_school')) AS nearest_secondary_school_m,
                    round(max(value) FILTER (WHERE indicator = 'population_change_pct')::numeric, 2)::float8 AS population_change_pct
             FROM indicator_value v WHERE v.country = c.country AND v.code = c.code AND v.year = 0
         ) AS i
         LEFT JOIN commune_map_values m ON m.code = c.code AND m.country = c.country
         WHERE m.code IS NULL OR (m.nearest_pharmacy_m, m.nearest_hospital_m, m.nearest_rail_station_m,
                                  m.nearest_post_office_m, m.nearest_secondary_school_m, m.population_change_pct)
               IS DISTINCT FROM (i.nearest_pharmacy_m, i.nearest_hospital_m, i.nearest_rail_station_m,
                                 i.nearest_post_office_m, i.nearest_secondary_school_m, i.population_change_pct)",
    )
    .fetch_one(pool)
    .await?;
    assert_eq!(
        stale, 0,
        "communes whose map row differs from their indicator values"
    );
    Ok(sqlx::query_as(
        "SELECT country || '-' || code, nearest_pharmacy_m, population_change_pct FROM commune_map_values ORDER BY 1",
    )
    .fetch_all(pool)
    .await?)
}

#[tokio::test]
async fn the_incremental_refresh_gives_the_same_result_as_the_full_one() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let category = observatory_core::ServiceCategory::parse("pharmacy")?;

    // A new pharmacy where people live farthest from one in Belgium, then one taken away in Ieper.
    let (origin, commune, lon, lat): (String, String, f64, f64) = sqlx::query_as(
        "SELECT o.id, o.commune, ST_X(o.geom), ST_Y(o.geom) FROM access_nearest a JOIN access_origin o ON o.id = a.origin
         WHERE a.category = 'pharmacy' AND a.scope = 'any' AND o.country = 'BE' ORDER BY a.distance_m DESC LIMIT 1",
    )
    .fetch_one(&db.pool)
    .await?;
    let mut tx = db.pool.begin().await?;
    // Seen by the pharmacies register on the one day it has, so that it stays a source
    // of one date (a new date would make it a snapshot series).
    let observed = observation(&mut tx, "be-pharmacies-afmps", "nieuwe-apotheek").await?;
    let written = write(
        &mut tx,
        &ServiceWrite::Create {
            category: category.clone(),
            position: Wgs84Point::new(lon, lat)?,
            name: Some("Nieuwe apotheek".into()),
            address: None,
            observed,
        },
    )
    .await?;
    let added = written.service_id;
    let placed: Option<String> =
        sqlx::query_scalar("SELECT commune_code FROM service WHERE id = $1")
            .bind(added)
            .fetch_one(&mut *tx)
            .await?;
    assert_eq!(placed.as_deref(), Some(commune.as_str()));
    let communes = written.communes_refreshed;
    assert!(
        (1..100).contains(&communes),
        "{communes} communes recomputed"
    );

    let (removed, source, record, last): (i64, String, String, chrono::NaiveDate) = sqlx::query_as(
        "SELECT s.id, p.source_id, p.record_id, p.seen_on[array_upper(p.seen_on, 1)] FROM service s JOIN service_provenance p ON p.service_id = s.id
         WHERE s.category = 'pharmacy' AND s.commune_code = '33011' ORDER BY s.id, p.source_id, p.record_id LIMIT 1",
    )
    .fetch_one(&mut *tx)
    .await?;
    // Closed by a record that described it, on the last day that record saw it: its
    // sources' dates stay as they were, only that it is open changes.
    write(
        &mut tx,
        &ServiceWrite::Close {
            service_id: removed,
            observed: Observation {
                source_id: source,
                record_id: record,
                on: last,
            },
        },
    )
    .await?;
    tx.commit().await?;
    let incremental = all_values(&db.pool).await?;
    let incremental_map = map_values(&db.pool).await?;

    let mut tx = db.pool.begin().await?;
    observatory_core::indicators::refresh_all(&mut tx).await?;
    tx.commit().await?;
    let full = all_values(&db.pool).await?;
    assert_eq!(incremental.len(), full.len());
    let differences: Vec<_> = incremental
        .iter()
        .zip(&full)
        .filter(|(a, b)| a != b)
        .take(5)
        .collect();
    assert!(differences.is_empty(), "{differences:?}");
    assert_eq!(incremental_map, map_values(&db.pool).await?);

    // And the new pharmacy is now that place's nearest, at no distance.
    let (nearest, distance): (i64, f64) = sqlx::query_as(
        "SELECT service_id, distance_m FROM access_nearest WHERE origin = $1 AND category = 'pharmacy' AND scope = 'any'",
    )
    .bind(&origin)
    .fetch_one(&db.pool)
    .await?;
    assert_eq!((nearest, distance.round()), (added, 0.0));
    db.drop_database().await
}

/// Each (indicator, commune, category, year) once in indicator_value, whether the row is
/// the commune's own or a gap of its country; and every commune has a count, a distance
/// and a share beyond walking reach (or their reasons) for every category.
async fn assert_one_row_per_key(pool: &sqlx::PgPool) -> anyhow::Result<()> {
    let (rows, keys): (i64, i64) = sqlx::query_as(
        "SELECT count(*), count(DISTINCT (indicator, country, code, category, year)) FROM indicator_value",
    )
    .fetch_one(pool)
    .await?;
    assert_eq!(rows, keys);
    let per_indicator: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT i.name, (SELECT count(*) FROM indicator_value v WHERE v.indicator = i.name AND v.year = 0),
                (SELECT count(*) FROM commune) * (SELECT count(*) FROM service_category)
         FROM unnest(ARRAY['service_count', 'services_per_1000', 'nearest_service_m',
                           'nearest_service_national_m', 'share_beyond_walk_pct']) AS i(name)",
    )
    .fetch_all(pool)
    .await?;
    for (indicator, found, expected) in per_indicator {
        assert_eq!(found, expected, "{indicator}");
    }
    Ok(())
}

/// Adds a pharmacy listing one source at the first access origin of a commune, and
/// refreshes the indicators for that one change, as an accepted report will. Returns how
/// many communes the refresh recomputed.
async fn add_pharmacy_and_refresh(
    pool: &sqlx::PgPool,
    (country, commune): (&str, &str),
    name: &str,
    source: &str,
) -> anyhow::Result<u64> {
    let (lon, lat): (f64, f64) = sqlx::query_as(
        "SELECT ST_X(geom), ST_Y(geom) FROM access_origin WHERE country = $1 AND commune = $2 ORDER BY id LIMIT 1",
    )
    .bind(country)
    .bind(commune)
    .fetch_one(pool)
    .await?;
    let mut tx = pool.begin().await?;
    let observed = observation(&mut tx, source, name).await?;
    let written = write(
        &mut tx,
        &ServiceWrite::Create {
            category: observatory_core::ServiceCategory::parse("pharmacy")?,
            position: Wgs84Point::new(lon, lat)?,
            name: Some(name.to_owned()),
            address: None,
            observed,
        },
    )
    .await?;
    let placed: (Option<String>, Option<String>) =
        sqlx::query_as("SELECT country::text, commune_code FROM service WHERE id = $1")
            .bind(written.service_id)
            .fetch_one(&mut *tx)
            .await?;
    assert_eq!(placed, (Some(country.to_owned()), Some(commune.to_owned())));
    tx.commit().await?;
    Ok(written.communes_refreshed)
}

/// A record of `source` seen on the latest day that source saw anything: a write then
/// adds no date to the source (which would make or widen a snapshot series, changing
/// what the series' change indicators say everywhere).
pub(crate) async fn observation(
    conn: &mut sqlx::PgConnection,
    source: &str,
    record: &str,
) -> anyhow::Result<Observation> {
    let on: chrono::NaiveDate = sqlx::query_scalar(
        "SELECT max(d) FROM service_provenance p, unnest(p.seen_on) AS d WHERE p.source_id = $1",
    )
    .bind(source)
    .fetch_one(&mut *conn)
    .await?;
    Ok(Observation {
        source_id: source.to_owned(),
        record_id: format!("test:{record}"),
        on,
    })
}

/// The sources each value rests on, in a comparable form.
async fn all_sources(
    pool: &sqlx::PgPool,
) -> anyhow::Result<Vec<(String, String, String, i16, Vec<String>)>> {
    Ok(sqlx::query_as(
        "SELECT indicator, country || '-' || code, category, year, sources FROM indicator_value ORDER BY 1, 2, 3, 4",
    )
    .fetch_all(pool)
    .await?)
}

/// After an incremental refresh: a full refresh finds every value, reason and source as
/// they are.
async fn assert_a_full_refresh_changes_nothing(pool: &sqlx::PgPool) -> anyhow::Result<()> {
    let (values, sources) = (all_values(pool).await?, all_sources(pool).await?);
    let mut tx = pool.begin().await?;
    observatory_core::indicators::refresh_all(&mut tx).await?;
    tx.commit().await?;
    assert_eq!(values, all_values(pool).await?);
    assert_eq!(sources, all_sources(pool).await?);
    Ok(())
}

#[tokio::test]
async fn a_first_service_on_a_side_of_the_border_is_known_to_every_commune_there(
) -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    assert_one_row_per_key(&db.pool).await?;
    let french_gaps: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM indicator_value WHERE indicator = 'nearest_service_m' AND category = 'pharmacy'
         AND country = 'FR' AND no_data = 'no source gives pharmacy locations in FR'",
    )
    .fetch_one(&db.pool)
    .await?;
    assert_eq!(french_gaps, 648);

    // A French source locates its first pharmacy, in Dunkerque: one changed service, but
    // every French commune can now measure its distance to a pharmacy.
    let communes = add_pharmacy_and_refresh(
        &db.pool,
        ("FR", "59183"),
        "Pharmacie du Port",
        "fr-colleges-lycees",
    )
    .await?;
    assert_eq!(communes, 711);
    assert_one_row_per_key(&db.pool).await?;
    let (measured, at_dunkerque): (i64, Option<f64>) = sqlx::query_as(
        "SELECT count(value), max(value) FILTER (WHERE code = '59183') FROM indicator_value
         WHERE indicator = 'nearest_service_national_m' AND category = 'pharmacy' AND country = 'FR'",
    )
    .fetch_one(&db.pool)
    .await?;
    assert_eq!(measured, 648);
    assert!(at_dunkerque.is_some_and(|d| d < 1.0), "{at_dunkerque:?}");
    assert_a_full_refresh_changes_nothing(&db.pool).await?;
    db.drop_database().await
}

#[tokio::test]
async fn a_service_from_a_new_source_is_credited_to_every_commune_it_feeds() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    // A Belgian pharmacy from a source that listed none before, in Ieper: one changed
    // service, but every Belgian count and every cross-border distance to a pharmacy now
    // rests on that source too.
    add_pharmacy_and_refresh(
        &db.pool,
        ("BE", "33011"),
        "Apotheek Station",
        "be-rail-stations-irail",
    )
    .await?;
    let credited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM indicator_value WHERE indicator = 'nearest_service_m' AND category = 'pharmacy'
         AND 'be-rail-stations-irail' = ANY (sources)",
    )
    .fetch_one(&db.pool)
    .await?;
    assert_eq!(credited, 711);
    assert_a_full_refresh_changes_nothing(&db.pool).await?;
    db.drop_database().await
}

#[tokio::test]
async fn the_communes_tiles_carry_the_main_indicators() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let app = TestApp::spawn(db.pool.clone()).await?;
    // Zoom 6, the whole region.
    let bytes = app
        .get("/tiles/communes/6/32/21.mvt")
        .await?
        .bytes()
        .await?
        .to_vec();
    let reader = mvt_reader::Reader::new(bytes).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let features = reader
        .get_features(0)
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let property = |id: &str, name: &str| {
        features.iter().find_map(|f| {
            let props = f.properties.as_ref()?;
            (props.get("id") == Some(&mvt_reader::feature::Value::String(id.into())))
                .then(|| props.get(name).cloned())?
        })
    };
    let expected: f64 = sqlx::query_scalar(
        "SELECT round(value) FROM indicator_value WHERE indicator = 'nearest_service_m' AND country = 'BE' AND code = '33011' AND category = 'pharmacy'",
    )
    .fetch_one(&db.pool)
    .await?;
    assert_eq!(
        property("BE-33011", "nearest_pharmacy_m"),
        Some(mvt_reader::feature::Value::Double(expected))
    );
    // Not known here: no French pharmacy points, so no property at all.
    assert_eq!(property("FR-59183", "nearest_pharmacy_m"), None);
    assert!(property("FR-59183", "nearest_hospital_m").is_some());
    db.drop_database().await
}

#[tokio::test]
async fn change_over_time_from_snapshots_inventories_and_train_series() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let value = |indicator: &'static str, code: &'static str, category: &'static str| {
        let pool = db.pool.clone();
        async move {
            sqlx::query_scalar::<_, Option<f64>>(
                "SELECT value FROM indicator_value WHERE indicator = $1 AND code = $2 AND category = $3 ORDER BY year DESC LIMIT 1",
            )
            .bind(indicator)
            .bind(code)
            .bind(category)
            .fetch_one(&pool)
            .await
        }
    };

    // Post offices lost between the 2016 and 2020 La Poste snapshots, region-wide, against
    // the provenance rows themselves.
    let lost: f64 = sqlx::query_scalar(
        "SELECT sum(value) FROM indicator_value WHERE indicator = 'services_lost' AND category = 'post_office'",
    )
    .fetch_one(&db.pool)
    .await?;
    let expected: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM service_provenance p JOIN service s ON s.id = p.service_id
         WHERE p.source_id = 'fr-laposte-snapshots' AND s.category = 'post_office' AND s.commune_code IS NOT NULL
           AND p.seen_on[array_upper(p.seen_on, 1)] < '2020-12-15'",
    )
    .fetch_one(&db.pool)
    .await?;
    assert_eq!(lost as i64, expected);
    assert!(
        expected > 20,
        "{expected} post offices gone between 2016 and 2020"
    );

    // Net change of Dunkerque's pharmacies, BPE 2009 → 2013.
    let counts: Vec<i64> = sqlx::query_scalar(
        "SELECT sum(count)::bigint FROM service_count WHERE country = 'FR' AND code = '59183' AND category = 'pharmacy' GROUP BY year ORDER BY year",
    )
    .fetch_all(&db.pool)
    .await?;
    assert_eq!(
        value("services_net_change", "59183", "pharmacy").await?,
        Some((counts[1] - counts[0]) as f64)
    );

    // Trains stopping at Ieper, first against last year of the iRail series.
    let (first, last): (f64, f64) = sqlx::query_as(
        "SELECT sum(value) FILTER (WHERE on_date = (SELECT min(on_date) FROM service_measure WHERE measure = 'avg_stop_times')),
                sum(value) FILTER (WHERE on_date = (SELECT max(on_date) FROM service_measure WHERE measure = 'avg_stop_times'))
         FROM service_measure m JOIN service s ON s.id = m.service_id
         WHERE m.measure = 'avg_stop_times' AND s.country = 'BE' AND s.commune_code = '33011'",
    )
    .fetch_one(&db.pool)
    .await?;
    let change = value("train_stops_change_pct", "33011", "")
        .await?
        .unwrap_or(f64::NAN);
    assert!(
        (change - (last - first) * 100.0 / first).abs() < 1e-9,
        "{change}"
    );
    db.drop_database().await
}

#[tokio::test]
async fn distance_to_the_nearest_commune_with_the_service() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    // Dunkerque has pharmacies: 0. A commune without one: the geodesic distance between
    // its point and the nearest commune's point that has one.
    let own: f64 = sqlx::query_scalar(
        "SELECT value FROM indicator_value WHERE indicator = 'nearest_commune_with_service_m' AND code = '59183' AND category = 'pharmacy'",
    )
    .fetch_one(&db.pool)
    .await?;
    assert_eq!(own, 0.0);
    let (code, distance, nearest): (String, f64, String) = sqlx::query_as(
        "SELECT code, value, detail->>'nearest_commune' FROM indicator_value
         WHERE indicator = 'nearest_commune_with_service_m' AND category = 'pharmacy' AND value > 0 ORDER BY code LIMIT 1",
    )
    .fetch_one(&db.pool)
    .await?;
    let point = |id: String| {
        let pool = db.pool.clone();
        async move {
            sqlx::query_as::<_, (f64, f64)>(
                "SELECT ST_X(geom), ST_Y(geom) FROM access_origin WHERE id = $1",
            )
            .bind(id)
            .fetch_one(&pool)
            .await
        }
    };
    let (ax, ay) = point(format!("FR-{code}")).await?;
    let (bx, by) = point(nearest).await?;
    let geodesic = Geodesic.distance(Point::new(ax, ay), Point::new(bx, by));
    assert!(
        (geodesic - distance).abs() < 0.5,
        "{code}: {distance} m reported, {geodesic} m geodesic"
    );
    db.drop_database().await
}

/// The nearest commune with an inventoried service is the nearest on the spheroid: every
/// commune without it measured against every place that has it (PostGIS brute force).
#[tokio::test]
async fn no_commune_with_the_service_is_closer_than_the_one_found() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let (checked, closer): (i64, Vec<String>) = sqlx::query_as(
        "WITH latest AS (SELECT category, max(year) AS year FROM service_count GROUP BY category),
         having_it AS (
             SELECT n.category, o.id, o.geom
             FROM (SELECT country, code, category FROM service_count JOIN latest USING (category, year)
                   GROUP BY 1, 2, 3 HAVING sum(count) > 0) AS n
             JOIN access_origin o ON o.country = n.country AND o.commune = n.code
         ),
         found AS (
             SELECT v.code, v.category, v.value, v.detail->>'nearest_commune' AS nearest, o.geom
             FROM indicator_value v JOIN access_origin o ON o.country = v.country AND o.commune = v.code
             WHERE v.indicator = 'nearest_commune_with_service_m' AND v.value > 0
         )
         SELECT count(*),
                coalesce(array_agg(f.code || ' ' || f.category || ': ' || f.value || ' m to ' || f.nearest
                                   || ', ' || b.distance || ' m to the nearest')
                         FILTER (WHERE b.distance IS DISTINCT FROM f.value), '{}')
         FROM found f
         CROSS JOIN LATERAL (
             SELECT min(ST_Distance(h.geom::geography, f.geom::geography)) AS distance
             FROM having_it h WHERE h.category = f.category
         ) AS b",
    )
    .fetch_one(&db.pool)
    .await?;
    assert!(
        checked >= 1000,
        "only {checked} communes without the service"
    );
    assert!(
        closer.is_empty(),
        "{} of {checked}: {:?}",
        closer.len(),
        &closer[..closer.len().min(5)]
    );
    db.drop_database().await
}

/// The nearest service found is the nearest on the spheroid: checked by measuring every
/// origin against every open service of the smaller categories, both scopes. (Ordering by
/// distance on the sphere, as a geography index search does, missed 12 of these rows.)
#[tokio::test]
async fn no_service_is_closer_than_the_nearest_found() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let (checked, closer): (i64, Vec<String>) = sqlx::query_as(
        "WITH small AS (
             SELECT category FROM service WHERE NOT closure_candidate
             GROUP BY category HAVING count(*) <= 1500
         ),
         brute AS (
             SELECT o.id AS origin, s.category, scope.name AS scope,
                    min(ST_Distance(s.geom::geography, o.geom::geography)) AS distance
             FROM access_origin o
             CROSS JOIN (VALUES ('any'), ('national')) AS scope (name)
             JOIN service s ON NOT s.closure_candidate
                 AND (scope.name = 'any' OR s.country = o.country)
             JOIN small USING (category)
             GROUP BY 1, 2, 3
         )
         SELECT count(*),
                coalesce(array_agg(a.origin || ' ' || a.category || ' ' || a.scope || ': '
                                   || a.distance_m || ' > ' || b.distance)
                         FILTER (WHERE a.distance_m > b.distance + 0.001), '{}')
         FROM access_nearest a
         JOIN brute b ON b.origin = a.origin AND b.category = a.category AND b.scope = a.scope",
    )
    .fetch_one(&db.pool)
    .await?;
    assert!(closer.is_empty(), "a closer service exists: {closer:?}");
    assert!(checked > 3000, "{checked} nearest services checked");
    db.drop_database().await
}

/// The nearest services of a full refresh (searched in the process) and of the
/// incremental refresh (searched by PostGIS) are exactly those of a brute-force search
/// that measures every open service of the category with PostGIS: the same service, the
/// same distance to the last bit, on at least 1,000 origin × category pairs drawn at
/// random (a fixed seed), both scopes. Pharmacies are added where searches go wrong: at
/// the very place of another (a tie: the lower id is the nearest), a millimetre from
/// another (PostGIS's distance decides), at an origin itself (0 m).
#[tokio::test]
async fn the_nearest_services_are_those_of_a_brute_force_search() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;

    // Around the first origins of a few communes on both sides: their nearest pharmacy.
    let nearest: Vec<(String, f64, f64, f64, f64)> = sqlx::query_as(
        "SELECT o.id, ST_X(o.geom), ST_Y(o.geom), ST_X(s.geom), ST_Y(s.geom)
         FROM access_nearest a
         JOIN access_origin o ON o.id = a.origin
         JOIN service s ON s.id = a.service_id
         WHERE a.category = 'pharmacy' AND a.scope = 'any'
         ORDER BY md5(o.id) LIMIT 12",
    )
    .fetch_all(&db.pool)
    .await?;
    assert_eq!(nearest.len(), 12);
    let mut added = Vec::new();
    for (i, (_, origin_x, origin_y, service_x, service_y)) in nearest.iter().enumerate() {
        let (lon, lat) = match i % 3 {
            0 => (*service_x, *service_y),
            1 => (service_x + 1e-8, service_y - 1e-8),
            _ => (*origin_x, *origin_y),
        };
        let mut tx = db.pool.begin().await?;
        let observed = observation(&mut tx, "be-pharmacies-afmps", &format!("tie-{i}")).await?;
        let written = write(
            &mut tx,
            &ServiceWrite::Create {
                category: observatory_core::ServiceCategory::parse("pharmacy")?,
                position: Wgs84Point::new(lon, lat)?,
                name: Some(format!("Apotheek {i}")),
                address: None,
                observed,
            },
        )
        .await?;
        tx.commit().await?;
        added.push(written.service_id);
    }

    let sample = |seed: &'static str| {
        let pool = db.pool.clone();
        async move { nearest_against_brute_force(&pool, seed).await }
    };
    // After the incremental refreshes of those writes, then after a full one.
    let (checked, wrong) = sample("incremental").await?;
    assert!(wrong.is_empty(), "incremental refresh: {wrong:#?}");
    assert!(checked >= 2000, "{checked} (pair, scope) compared");
    let mut tx = db.pool.begin().await?;
    observatory_core::indicators::refresh_all(&mut tx).await?;
    tx.commit().await?;
    let (checked, wrong) = sample("full").await?;
    assert!(wrong.is_empty(), "full refresh: {wrong:#?}");
    assert!(checked >= 2000, "{checked} (pair, scope) compared");

    // The ties were met: the added pharmacy at another's place lost to the lower id.
    let winners: Vec<i64> = sqlx::query_scalar(
        "SELECT service_id FROM access_nearest WHERE category = 'pharmacy' AND scope = 'any'
           AND origin = ANY ($1)",
    )
    .bind(nearest.iter().map(|n| n.0.clone()).collect::<Vec<_>>())
    .fetch_all(&db.pool)
    .await?;
    assert!(
        !winners.contains(&added[0]),
        "the tie went to the higher id"
    );
    assert!(
        winners.contains(&added[2]),
        "the pharmacy at the origin is not its nearest"
    );
    db.drop_database().await
}

/// Compares `access_nearest` with a brute-force search on 1,200 random origin × category
/// pairs (those a refresh searches: categories some source covers in the origin's
/// country) plus every pharmacy pair, both scopes. Returns how many (pair, scope) were
/// compared and each difference.
async fn nearest_against_brute_force(
    pool: &sqlx::PgPool,
    seed: &str,
) -> anyhow::Result<(i64, Vec<String>)> {
    Ok(sqlx::query_as(
        "WITH covered AS (
             SELECT DISTINCT s.category, sc.country
             FROM service s CROSS JOIN unnest(s.sources) AS listed (source_id)
             JOIN source_coverage sc ON sc.source_id = listed.source_id
         ),
         pairs AS (
             (SELECT o.id AS origin, c.category
              FROM access_origin o JOIN covered c ON c.country = o.country
              ORDER BY md5($1 || o.id || c.category) LIMIT 1200)
             UNION
             SELECT o.id, 'pharmacy' FROM access_origin o
             JOIN covered c ON c.country = o.country AND c.category = 'pharmacy'
         ),
         brute AS (
             SELECT p.origin, p.category, scope.name AS scope, b.id, b.distance
             FROM pairs p
             JOIN access_origin o ON o.id = p.origin
             CROSS JOIN (VALUES ('any'), ('national')) AS scope (name)
             CROSS JOIN LATERAL (
                 SELECT s.id, ST_Distance(s.geom::geography, o.geom::geography) AS distance
                 FROM service s
                 WHERE s.category = p.category AND NOT s.closure_candidate
                   AND (scope.name = 'any' OR s.country = o.country)
                 ORDER BY 2, 1
                 LIMIT 1
             ) AS b
         )
         SELECT count(*),
                coalesce(array_agg(coalesce(b.origin, a.origin) || ' ' || coalesce(b.category, a.category)
                                   || ' ' || coalesce(b.scope, a.scope) || ': brute force '
                                   || coalesce(b.id || ' at ' || b.distance, 'none') || ', refresh '
                                   || coalesce(a.service_id || ' at ' || a.distance_m, 'none'))
                         FILTER (WHERE a.service_id IS DISTINCT FROM b.id
                                    OR a.distance_m IS DISTINCT FROM b.distance), '{}')
         FROM brute b
         FULL JOIN (SELECT a.* FROM access_nearest a JOIN pairs p USING (origin, category)) a
             ON a.origin = b.origin AND a.category = b.category AND a.scope = b.scope",
    )
    .bind(seed)
    .fetch_one(pool)
    .await?)
}
