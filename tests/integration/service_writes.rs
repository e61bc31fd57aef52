//! The services' one write path (observatory_core::services): a service created then
//! closed changes the indicators exactly as a full refresh would, and a bad input is an
//! error that names it and leaves the database as it was.

use observatory_core::services::{
    write, Observation, PositionError, ServiceWrite, Wgs84Point, WriteError,
};
use observatory_core::ServiceCategory;
use observatory_tests::{ingest_westhoek, TestDb};

use crate::indicators::{all_values, map_values, observation};

/// Everything a write may touch, in a comparable form.
async fn services_state(pool: &sqlx::PgPool) -> anyhow::Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT 's' || s::text FROM (SELECT id, category, name, address, country, commune_code, ST_AsText(geom),
                first_seen, last_seen, closure_candidate, sources FROM service ORDER BY id) AS s
         UNION ALL
         SELECT 'p' || p::text FROM (SELECT * FROM service_provenance ORDER BY source_id, record_id, raw_category) AS p
         UNION ALL
         SELECT 'v' || v::text FROM (SELECT indicator, country, code, category, year, value, no_data, sources
                FROM indicator_value ORDER BY 1, 2, 3, 4, 5) AS v",
    )
    .fetch_all(pool)
    .await?)
}

#[tokio::test]
async fn creating_then_closing_a_service_gives_what_a_full_refresh_gives() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let before = all_values(&db.pool).await?;
    // A post office where a French place lives farthest from one.
    let (lon, lat): (f64, f64) = sqlx::query_as(
        "SELECT ST_X(o.geom), ST_Y(o.geom) FROM access_nearest a JOIN access_origin o ON o.id = a.origin
         WHERE a.category = 'post_office' AND a.scope = 'any' AND o.country = 'FR' ORDER BY a.distance_m DESC LIMIT 1",
    )
    .fetch_one(&db.pool)
    .await?;
    let mut tx = db.pool.begin().await?;
    let observed = observation(&mut tx, "fr-laposte-2020", "new-office").await?;
    let created = write(
        &mut tx,
        &ServiceWrite::Create {
            category: ServiceCategory::parse("post_office")?,
            position: Wgs84Point::new(lon, lat)?,
            name: Some("Bureau de poste Nouveau".into()),
            address: Some("1 rue de la Poste".into()),
            observed: observed.clone(),
        },
    )
    .await?;
    assert!(created.communes_refreshed >= 1, "{created:?}");
    let (sources, provenance): (Vec<String>, i64) = sqlx::query_as(
        "SELECT s.sources, (SELECT count(*) FROM service_provenance p WHERE p.service_id = s.id AND p.source_id = $2)
         FROM service s WHERE s.id = $1",
    )
    .bind(created.service_id)
    .bind(&observed.source_id)
    .fetch_one(&mut *tx)
    .await?;
    assert_eq!((sources, provenance), (vec![observed.source_id.clone()], 1));
    tx.commit().await?;
    let incremental = all_values(&db.pool).await?;
    assert_ne!(incremental, before, "the new office changes some values");
    let incremental_map = map_values(&db.pool).await?;

    let mut tx = db.pool.begin().await?;
    observatory_core::indicators::refresh_all(&mut tx).await?;
    tx.commit().await?;
    assert_eq!(incremental, all_values(&db.pool).await?);
    assert_eq!(incremental_map, map_values(&db.pool).await?);

    // Closed on the day it was seen: the values are those before it was created.
    let mut tx = db.pool.begin().await?;
    write(
        &mut tx,
        &ServiceWrite::Close {
            service_id: created.service_id,
            observed: observed.clone(),
        },
    )
    .await?;
    let (open, status): (bool, Option<String>) = sqlx::query_as(
        "SELECT NOT s.closure_candidate, p.status FROM service s JOIN service_provenance p ON p.service_id = s.id
         WHERE s.id = $1",
    )
    .bind(created.service_id)
    .fetch_one(&mut *tx)
    .await?;
    assert_eq!((open, status.as_deref()), (false, Some("closed")));
    tx.commit().await?;
    let closed = all_values(&db.pool).await?;
    let closed_map = map_values(&db.pool).await?;
    let mut tx = db.pool.begin().await?;
    observatory_core::indicators::refresh_all(&mut tx).await?;
    tx.commit().await?;
    assert_eq!(closed, all_values(&db.pool).await?);
    assert_eq!(closed_map, map_values(&db.pool).await?);
    assert_eq!(closed, before);
    db.drop_database().await
}

#[tokio::test]
async fn a_bad_write_names_what_is_wrong_and_changes_nothing() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let pharmacy = ServiceCategory::parse("pharmacy")?;
    let (service_id, lon, lat): (i64, f64, f64) = sqlx::query_as(
        "SELECT id, ST_X(geom), ST_Y(geom) FROM service WHERE category = 'pharmacy' AND commune_code = '33011'
         ORDER BY id LIMIT 1",
    )
    .fetch_one(&db.pool)
    .await?;
    let mut conn = db.pool.acquire().await?;
    let known = observation(&mut conn, "be-pharmacies-afmps", "bad-input").await?;
    drop(conn);

    // Coordinates that are no position are refused before any database is asked.
    let nan = Wgs84Point::new(f64::NAN, lat).unwrap_err();
    assert!(
        matches!(nan, PositionError::LongitudeNotFinite(v) if v.is_nan()),
        "{nan:?}"
    );
    assert!(nan.to_string().contains("longitude"), "{nan}");
    let nan = Wgs84Point::new(lon, f64::INFINITY).unwrap_err();
    assert!(nan.to_string().contains("latitude"), "{nan}");
    assert_eq!(
        Wgs84Point::new(181.0, lat),
        Err(PositionError::LongitudeOutOfRange(181.0))
    );
    assert_eq!(
        Wgs84Point::new(lon, -90.5),
        Err(PositionError::LatitudeOutOfRange(-90.5))
    );
    let err = Wgs84Point::new(lat, 95.0).unwrap_err();
    assert!(err.to_string().contains("95"), "{err}");

    let before = services_state(&db.pool).await?;
    let here = Wgs84Point::new(lon, lat)?;
    let create = |observed: Observation, position: Wgs84Point| ServiceWrite::Create {
        category: pharmacy.clone(),
        position,
        name: Some("Apotheek Fout".into()),
        address: None,
        observed,
    };
    let unknown_source = Observation {
        source_id: "no-such-source".into(),
        ..known.clone()
    };
    let far = Wgs84Point::new(4.35, 50.85)?; // Brussels, far beyond the 5 km margin
    let cases = [
        (
            create(unknown_source.clone(), here),
            "unknown source \"no-such-source\"",
        ),
        (create(known.clone(), far), "outside the study area"),
        (
            ServiceWrite::Create {
                category: ServiceCategory::parse("no_such_category")?,
                position: here,
                name: None,
                address: None,
                observed: known.clone(),
            },
            "unknown service category \"no_such_category\"",
        ),
        (
            ServiceWrite::Close {
                service_id: -7,
                observed: known.clone(),
            },
            "unknown service id -7",
        ),
        (
            ServiceWrite::Close {
                service_id,
                observed: unknown_source.clone(),
            },
            "unknown source \"no-such-source\"",
        ),
        (
            ServiceWrite::Change {
                service_id: -7,
                category: None,
                name: Some(None),
                position: None,
                observed: known.clone(),
            },
            "unknown service id -7",
        ),
        (
            ServiceWrite::Change {
                service_id,
                category: None,
                name: None,
                position: Some(far),
                observed: known.clone(),
            },
            "outside the study area",
        ),
        (
            ServiceWrite::Close {
                service_id,
                observed: Observation {
                    on: chrono::NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or_default(),
                    ..known.clone()
                },
            },
            "cannot be closed on 1900-01-01",
        ),
    ];
    for (bad, expected) in cases {
        // In a transaction that goes on and commits: the failed write leaves nothing in it.
        let mut tx = db.pool.begin().await?;
        let err = write(&mut tx, &bad).await.unwrap_err();
        assert!(err.to_string().contains(expected), "{err} for {bad:?}");
        let still: i64 = sqlx::query_scalar("SELECT count(*) FROM service")
            .fetch_one(&mut *tx)
            .await?;
        assert!(still > 0);
        tx.commit().await?;
        assert_eq!(services_state(&db.pool).await?, before, "after {bad:?}");
    }

    // A record of one service cannot describe another: refused after the service row was
    // written, and nothing of it stays.
    let mut tx = db.pool.begin().await?;
    let (source_id, record_id): (String, String) = sqlx::query_as(
        "SELECT source_id, record_id FROM service_provenance WHERE service_id = $1 ORDER BY 1, 2 LIMIT 1",
    )
    .bind(service_id)
    .fetch_one(&mut *tx)
    .await?;
    let taken = Observation {
        source_id,
        record_id,
        ..known.clone()
    };
    let err = write(&mut tx, &create(taken, here)).await.unwrap_err();
    assert!(
        matches!(err, WriteError::RecordOfAnotherService { .. }),
        "{err}"
    );
    tx.commit().await?;
    assert_eq!(services_state(&db.pool).await?, before);
    db.drop_database().await
}
