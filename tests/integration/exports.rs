use std::collections::BTreeSet;

use geo::{Validation, Winding};
use observatory_tests::{ingest_westhoek, TestApp, TestDb};

#[tokio::test]
async fn health_answers_when_the_database_does() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    let app = TestApp::spawn(db.pool.clone()).await?;
    let response = app.get("/health").await?;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await?;
    assert_eq!(body["database"], "ok");

    db.pool.close().await;
    assert_eq!(app.get("/health").await?.status(), 503);
    db.drop_database().await
}

#[tokio::test]
async fn the_geojson_export_is_rfc_7946() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let app = TestApp::spawn(db.pool.clone()).await?;
    let response = app.get("/exports/communes.geojson").await?;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/geo+json");
    let disposition = response.headers()["content-disposition"]
        .to_str()?
        .to_owned();
    assert!(
        disposition.contains("westhoek-communes-") && disposition.ends_with(".geojson\""),
        "{disposition}"
    );

    let text = response.text().await?;
    let collection: geojson::FeatureCollection = text.parse()?;
    assert_eq!(collection.features.len(), 711);
    let mut ids = BTreeSet::new();
    for feature in &collection.features {
        let id = feature
            .property("id")
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_owned();
        let geometry = feature
            .geometry
            .clone()
            .ok_or_else(|| anyhow::anyhow!("{id} has no geometry"))?;
        let shape: geo::MultiPolygon<f64> = geo::MultiPolygon::try_from(geometry.value)?;
        assert!(shape.is_valid(), "{id} is valid");
        for polygon in &shape {
            // RFC 7946 §3.1.6: exterior rings counter-clockwise, holes clockwise.
            assert!(
                polygon.exterior().is_ccw(),
                "{id}: exterior ring is counter-clockwise"
            );
            assert!(
                polygon.interiors().iter().all(|ring| ring.is_cw()),
                "{id}: holes are clockwise"
            );
            for c in polygon.exterior().coords() {
                assert!(
                    (1.5..4.5).contains(&c.x) && (49.5..51.6).contains(&c.y),
                    "{id}: lon/lat order, {c:?}"
                );
            }
        }
        assert!(
            feature
                .property("population")
                .and_then(|v| v.as_i64())
                .is_some(),
            "{id} population"
        );
        ids.insert(id);
    }
    assert_eq!(ids.len(), 711, "ids are unique");
    assert!(ids.contains("BE-33011") && ids.contains("FR-59183"));
    db.drop_database().await
}

#[tokio::test]
async fn the_csv_export_has_a_header_and_every_commune() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let app = TestApp::spawn(db.pool.clone()).await?;
    let response = app.get("/exports/communes.csv").await?;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    let disposition = response.headers()["content-disposition"]
        .to_str()?
        .to_owned();
    assert!(
        disposition.contains("westhoek-communes-") && disposition.ends_with(".csv\""),
        "{disposition}"
    );
    let text = response.text().await?;
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers()?.clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| anyhow::anyhow!("no column {name}"))
    };
    let (id, name_fr, population, pharmacy) = (
        column("id")?,
        column("name_fr")?,
        column("population")?,
        column("nearest_pharmacy_m")?,
    );
    let rows: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>()?;
    assert_eq!(rows.len(), 711);
    let ieper = rows
        .iter()
        .find(|r| &r[id] == "BE-33011")
        .ok_or_else(|| anyhow::anyhow!("no Ieper"))?;
    assert_eq!(&ieper[name_fr], "Ypres");
    assert!(ieper[population].parse::<u32>()? > 30_000);
    assert!(ieper[pharmacy].parse::<f64>()? > 0.0);
    // Not known here: no French pharmacy points, an empty cell rather than a number.
    let dunkerque = rows
        .iter()
        .find(|r| &r[id] == "FR-59183")
        .ok_or_else(|| anyhow::anyhow!("no Dunkerque"))?;
    assert_eq!(&dunkerque[pharmacy], "");
    db.drop_database().await
}
