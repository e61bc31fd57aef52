use std::collections::BTreeSet;

use mvt_reader::feature::Value;
use mvt_reader::Reader;
use observatory_tests::{ingest_westhoek, TestApp, TestDb};

/// The tile at zoom `z` that holds a longitude/latitude (Web Mercator XYZ scheme).
fn tile_of(lon: f64, lat: f64, z: u8) -> (u32, u32) {
    let n = f64::from(1u32 << z);
    let x = ((lon + 180.0) / 360.0 * n).floor() as u32;
    let lat = lat.to_radians();
    let y = ((1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0 * n).floor()
        as u32;
    (x, y)
}

fn string(value: Option<&Value>) -> Option<String> {
    match value {
        Some(Value::String(s)) => Some(s.clone()),
        _ => None,
    }
}

/// The ids and countries of the communes in a tile, checking each feature's properties.
async fn communes_in(
    app: &TestApp,
    z: u8,
    lon: f64,
    lat: f64,
) -> anyhow::Result<(BTreeSet<String>, BTreeSet<String>, usize)> {
    let (x, y) = tile_of(lon, lat, z);
    let response = app.get(&format!("/tiles/communes/{z}/{x}/{y}.mvt")).await?;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "application/vnd.mapbox-vector-tile"
    );
    let bytes = response.bytes().await?.to_vec();
    let size = bytes.len();
    let reader = Reader::new(bytes).map_err(|e| anyhow::anyhow!("undecodable tile: {e:?}"))?;
    let names = reader
        .get_layer_names()
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    assert_eq!(names, vec!["communes"]);
    let features = reader
        .get_features(0)
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let mut ids = BTreeSet::new();
    let mut countries = BTreeSet::new();
    for feature in features {
        let props = feature
            .properties
            .ok_or_else(|| anyhow::anyhow!("a feature without properties"))?;
        let id = string(props.get("id")).ok_or_else(|| anyhow::anyhow!("a feature without id"))?;
        assert!(string(props.get("name")).is_some(), "{id} has a name");
        assert!(
            matches!(
                props.get("population"),
                Some(Value::Int(_) | Value::SInt(_) | Value::UInt(_))
            ),
            "{id} population"
        );
        assert!(
            matches!(
                props.get("density"),
                Some(Value::Double(_) | Value::Float(_))
            ),
            "{id} density"
        );
        countries.insert(string(props.get("country")).unwrap_or_default());
        ids.insert(id);
    }
    Ok((ids, countries, size))
}

#[tokio::test]
async fn tiles_hold_communes_on_both_sides_of_the_border() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let app = TestApp::spawn(db.pool.clone()).await?;

    // The whole region at zoom 6.
    let (ids, countries, _) = communes_in(&app, 6, 2.9, 50.85).await?;
    assert_eq!(ids.len(), 711);
    assert_eq!(
        countries,
        BTreeSet::from(["BE".to_owned(), "FR".to_owned()])
    );

    // Zoom 10 around Comines-Warneton, where the border is the river Lys.
    let (ids, countries, _) = communes_in(&app, 10, 2.95, 50.76).await?;
    assert!(
        ids.contains("BE-57097") && ids.contains("FR-59152"),
        "Comines-Warneton and Comines (FR): {ids:?}"
    );
    assert_eq!(countries.len(), 2);

    // Zoom 14 inside Ieper: a single commune, exact at this scale.
    let (ids, _, _) = communes_in(&app, 14, 2.885, 50.851).await?;
    assert_eq!(ids, BTreeSet::from(["BE-33011".to_owned()]));
    db.drop_database().await
}

#[tokio::test]
async fn empty_tiles_are_204_and_bad_addresses_are_refused() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let app = TestApp::spawn(db.pool.clone()).await?;
    assert_eq!(app.get("/tiles/communes/10/0/0.mvt").await?.status(), 204);
    assert_eq!(app.get("/tiles/communes/3/8/1.mvt").await?.status(), 400);
    assert_eq!(app.get("/tiles/communes/23/0/0.mvt").await?.status(), 400);
    assert_eq!(app.get("/tiles/communes/a/0/0.mvt").await?.status(), 400);
    let unknown = app.get("/tiles/nowhere/1/0/0.mvt").await?;
    assert_eq!(unknown.status(), 404);
    let body: serde_json::Value = unknown.json().await?;
    assert!(
        body["error"]
            .as_str()
            .unwrap_or_default()
            .contains("communes"),
        "{body}"
    );
    db.drop_database().await
}

#[tokio::test]
async fn the_border_layer_has_the_national_border() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let app = TestApp::spawn(db.pool.clone()).await?;
    let (x, y) = tile_of(2.9, 50.85, 6);
    let bytes = app
        .get(&format!("/tiles/borders/6/{x}/{y}.mvt"))
        .await?
        .bytes()
        .await?
        .to_vec();
    let reader = Reader::new(bytes).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let features = reader
        .get_features(0)
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    assert_eq!(features.len(), 1);
    assert!(matches!(
        features[0].geometry,
        geo::Geometry::LineString(_) | geo::Geometry::MultiLineString(_)
    ));
    db.drop_database().await
}

#[tokio::test]
async fn tilejson_follows_the_3_0_0_specification() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let app = TestApp::spawn(db.pool.clone()).await?;
    for layer in ["communes", "borders"] {
        let response = app.get(&format!("/tiles/{layer}.json")).await?;
        assert_eq!(response.status(), 200);
        let doc: serde_json::Value = response.json().await?;
        assert_eq!(doc["tilejson"], "3.0.0");
        let tiles = doc["tiles"].as_array().expect("tiles is an array");
        assert_eq!(tiles.len(), 1);
        let url = tiles[0].as_str().unwrap_or_default();
        assert!(
            url.starts_with(&app.base)
                && url.contains(&format!("/tiles/{layer}/{{z}}/{{x}}/{{y}}.mvt")),
            "{url}"
        );
        let bounds: Vec<f64> = serde_json::from_value(doc["bounds"].clone())?;
        assert_eq!(bounds.len(), 4);
        assert!(
            bounds[0] > 1.5 && bounds[2] < 4.5 && bounds[1] > 49.5 && bounds[3] < 51.5,
            "{bounds:?}"
        );
        let center = doc["center"].as_array().expect("center");
        assert_eq!(center.len(), 3);
        assert!(doc["minzoom"].as_u64() <= doc["maxzoom"].as_u64());
        let layers = doc["vector_layers"].as_array().expect("vector_layers");
        assert_eq!(layers[0]["id"], layer);
        assert!(layers[0]["fields"].is_object());
    }
    assert_eq!(app.get("/tiles/nowhere.json").await?.status(), 404);
    db.drop_database().await
}
