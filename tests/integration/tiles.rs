use std::collections::BTreeSet;

use mvt_reader::feature::Value;
use mvt_reader::Reader;
use observatory_tests::{ingest_westhoek, TestApp, TestDb};

/// The tile at zoom `z` that holds a longitude/latitude (Web Mercator XYZ scheme).
pub(crate) fn tile_of(lon: f64, lat: f64, z: u8) -> (u32, u32) {
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
        // the atlas keeps a region's choropleth to the communes of that region
        assert_eq!(
            string(props.get("region")).as_deref(),
            Some("westhoek"),
            "{id} region"
        );
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
    for bad in [
        "/tiles/communes/6/32/21.mvt?v=latest",
        "/tiles/services/6/32/21.mvt?date=2018-13-01",
        "/tiles/communes/6/32/21.mvt?date=2018-01-01",
    ] {
        let response = app.get(bad).await?;
        assert_eq!(response.status(), 400, "{bad}");
        let body: serde_json::Value = response.json().await?;
        let message = body["error"].as_str().unwrap_or_default();
        assert!(
            message.contains("parameter v") || message.contains("parameter date"),
            "{bad}: {message}"
        );
    }
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
async fn tilejson_follows_the_3_0_0_specification() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let app = TestApp::spawn(db.pool.clone()).await?;
    for layer in ["communes", "services", "borders"] {
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
        // The TileJSON names the current version: clients must check back.
        assert!(url.contains("?v="), "{url}");
        assert_eq!(
            app.get(&format!("/tiles/{layer}.json")).await?.headers()["cache-control"],
            "public, no-cache"
        );
    }
    let fields = app
        .get("/tiles/services.json")
        .await?
        .json::<serde_json::Value>()
        .await?["vector_layers"][0]["fields"]
        .clone();
    for field in [
        "category",
        "group",
        "name",
        "sources",
        "first_seen",
        "last_seen",
    ] {
        assert!(
            fields[field].is_string(),
            "services field {field}: {fields}"
        );
    }
    // A date is carried into the services tile URLs, and refused for other layers.
    let doc: serde_json::Value = app
        .get("/tiles/services.json?date=2018-01-01")
        .await?
        .json()
        .await?;
    assert!(
        doc["tiles"][0]
            .as_str()
            .unwrap_or_default()
            .ends_with("&date=2018-01-01"),
        "{doc}"
    );
    assert_eq!(
        app.get("/tiles/communes.json?date=2018-01-01")
            .await?
            .status(),
        400
    );
    assert_eq!(app.get("/tiles/nowhere.json").await?.status(), 404);
    db.drop_database().await
}

/// A decoded tile: its one layer's features.
pub(crate) fn decode(
    bytes: Vec<u8>,
    layer: &str,
) -> anyhow::Result<Vec<mvt_reader::feature::Feature>> {
    let reader = Reader::new(bytes).map_err(|e| anyhow::anyhow!("undecodable tile: {e:?}"))?;
    let names = reader
        .get_layer_names()
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    assert_eq!(names, vec![layer.to_owned()]);
    reader.get_features(0).map_err(|e| anyhow::anyhow!("{e:?}"))
}

pub(crate) fn prop(feature: &mvt_reader::feature::Feature, name: &str) -> Option<String> {
    string(feature.properties.as_ref().and_then(|p| p.get(name)))
}

fn vertices(geometry: &geo::Geometry<f32>) -> usize {
    use geo::CoordsIter;
    geometry.coords_count()
}

/// GET a tile, 200 expected, and its bytes (never gzip: the client does not ask for it).
async fn tile_bytes(app: &TestApp, path: &str) -> anyhow::Result<Vec<u8>> {
    let response = app.get(path).await?;
    assert_eq!(response.status(), 200, "{path}");
    Ok(response.bytes().await?.to_vec())
}

#[tokio::test]
async fn low_zoom_tiles_are_simplified_and_high_zoom_tiles_exact() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let app = TestApp::spawn(db.pool.clone()).await?;
    let total: i64 = sqlx::query_scalar("SELECT sum(ST_NPoints(geom))::bigint FROM commune")
        .fetch_one(&db.pool)
        .await?;
    // The whole region at z6: every commune, with far fewer vertices than their outlines.
    let (x, y) = tile_of(2.9, 50.85, 6);
    let features = decode(
        tile_bytes(&app, &format!("/tiles/communes/6/{x}/{y}.mvt")).await?,
        "communes",
    )?;
    assert_eq!(features.len(), 711);
    let drawn: usize = features.iter().map(|f| vertices(&f.geometry)).sum();
    assert!(
        (drawn as i64) < total / 4,
        "z6 draws {drawn} vertices of {total}"
    );
    // Where Ieper's outline runs: simplified at z9, exact at z12 (as many vertices as
    // PostGIS gives for the full outline in that tile).
    let (lon, lat): (f64, f64) = sqlx::query_as(
        "SELECT ST_X(p), ST_Y(p) FROM commune,
                LATERAL (SELECT ST_PointN(ST_ExteriorRing(ST_GeometryN(geom, 1)), 1) AS p) AS v
         WHERE country = 'BE' AND code = '33011'",
    )
    .fetch_one(&db.pool)
    .await?;
    let counts_at = |z: u8| {
        let (app, pool) = (&app, &db.pool);
        async move {
            let (x, y) = tile_of(lon, lat, z);
            let features = decode(
                tile_bytes(app, &format!("/tiles/communes/{z}/{x}/{y}.mvt")).await?,
                "communes",
            )?;
            let ieper = features
                .iter()
                .find(|f| prop(f, "id").as_deref() == Some("BE-33011"))
                .ok_or_else(|| anyhow::anyhow!("Ieper is in its tile at z{z}"))?;
            let exact: i64 = sqlx::query_scalar(
                "SELECT ST_NPoints(ST_AsMVTGeom(geom_3857, ST_TileEnvelope($1, $2, $3), 4096, 64, true))::bigint
                 FROM commune WHERE country = 'BE' AND code = '33011'",
            )
            .bind(i32::from(z))
            .bind(x as i32)
            .bind(y as i32)
            .fetch_one(pool)
            .await?;
            anyhow::Ok((vertices(&ieper.geometry) as i64, exact))
        }
    };
    let (z9, exact9) = counts_at(9).await?;
    assert!(z9 * 10 < exact9 * 8, "z9: {z9} vertices, {exact9} exact");
    let (z12, exact12) = counts_at(12).await?;
    assert!(exact12 > 20, "a tile on the outline: {exact12}");
    assert!(
        (z12 - exact12).abs() <= 4,
        "z12: {z12} vertices, {exact12} exact"
    );
    db.drop_database().await
}

#[tokio::test]
async fn the_services_layer_draws_services_and_filters_by_date() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let app = TestApp::spawn(db.pool.clone()).await?;
    let (x, y) = tile_of(2.9, 50.85, 7);
    let all = decode(
        tile_bytes(&app, &format!("/tiles/services/7/{x}/{y}.mvt")).await?,
        "services",
    )?;
    let in_db: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM service
         WHERE geom_3857 && ST_TileEnvelope(7, $1, $2, margin => 64.0 / 4096)",
    )
    .bind(x as i32)
    .bind(y as i32)
    .fetch_one(&db.pool)
    .await?;
    assert!(in_db > 100, "{in_db} services in the tile");
    assert_eq!(all.len() as i64, in_db);
    let mut groups = BTreeSet::new();
    let mut countries = BTreeSet::new();
    for f in &all {
        assert!(f.id.is_some(), "a service without its id");
        assert!(matches!(
            f.geometry,
            geo::Geometry::Point(_) | geo::Geometry::MultiPoint(_)
        ));
        let category = prop(f, "category").unwrap_or_default();
        assert!(!category.is_empty());
        assert!(prop(f, "label_nl").is_some() && prop(f, "label_fr").is_some());
        assert!(!prop(f, "sources").unwrap_or_default().is_empty());
        let first = prop(f, "first_seen").unwrap_or_default();
        let last = prop(f, "last_seen").unwrap_or_default();
        assert!(first.len() == 10 && first <= last, "{first} .. {last}");
        groups.insert(prop(f, "group").unwrap_or_default());
        if let Some(c) = prop(f, "country") {
            countries.insert(c);
        }
    }
    assert!(
        groups.contains("health") && groups.contains("mobility"),
        "{groups:?}"
    );
    assert_eq!(
        countries,
        BTreeSet::from(["BE".to_owned(), "FR".to_owned()])
    );

    // On a date: exactly the services whose first to last sighting covers it.
    let date = "2018-01-01";
    let expected: BTreeSet<u64> = all
        .iter()
        .filter(|f| {
            prop(f, "first_seen").unwrap_or_default().as_str() <= date
                && prop(f, "last_seen").unwrap_or_default().as_str() >= date
        })
        .filter_map(|f| f.id)
        .collect();
    let on_date: BTreeSet<u64> = decode(
        tile_bytes(&app, &format!("/tiles/services/7/{x}/{y}.mvt?date={date}")).await?,
        "services",
    )?
    .iter()
    .filter_map(|f| f.id)
    .collect();
    assert!(!on_date.is_empty() && on_date.len() < all.len());
    assert_eq!(on_date, expected);
    // Long before any source: an empty tile.
    let before = app
        .get(&format!("/tiles/services/7/{x}/{y}.mvt?date=1990-01-01"))
        .await?;
    assert_eq!(before.status(), 204);
    db.drop_database().await
}

#[tokio::test]
async fn the_borders_layer_has_the_national_border_arrondissements_and_intercommunalities(
) -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let app = TestApp::spawn(db.pool.clone()).await?;
    let (x, y) = tile_of(2.9, 50.85, 7);
    let features = decode(
        tile_bytes(&app, &format!("/tiles/borders/7/{x}/{y}.mvt")).await?,
        "borders",
    )?;
    let mut kinds = BTreeSet::new();
    let mut names = BTreeSet::new();
    for f in &features {
        assert!(
            matches!(
                f.geometry,
                geo::Geometry::LineString(_) | geo::Geometry::MultiLineString(_)
            ),
            "borders are lines"
        );
        kinds.insert(prop(f, "kind").unwrap_or_default());
        if let Some(name) = prop(f, "name_fr") {
            names.insert(name);
        }
    }
    assert_eq!(
        kinds,
        BTreeSet::from([
            "arrondissement".to_owned(),
            "intercommunality".to_owned(),
            "national".to_owned()
        ])
    );
    assert_eq!(
        features
            .iter()
            .filter(|f| prop(f, "kind").as_deref() == Some("national"))
            .count(),
        1
    );
    for name in [
        "Ypres",
        "Furnes",
        "Dunkerque",
        "Métropole Européenne de Lille",
        "CA Coeur de Flandre",
    ] {
        assert!(names.contains(name), "{name} in {names:?}");
    }
    let ieper = features
        .iter()
        .find(|f| prop(f, "code").as_deref() == Some("33000"))
        .ok_or_else(|| anyhow::anyhow!("arrondissement Ieper"))?;
    assert_eq!(prop(ieper, "name_nl").as_deref(), Some("Ieper"));
    assert_eq!(prop(ieper, "country").as_deref(), Some("BE"));
    db.drop_database().await
}

#[tokio::test]
async fn tiles_have_etags_answer_304_and_gzip() -> anyhow::Result<()> {
    use std::io::Read;
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let app = TestApp::spawn(db.pool.clone()).await?;
    let doc: serde_json::Value = app.get("/tiles/communes.json").await?.json().await?;
    let template = doc["tiles"][0].as_str().unwrap_or_default().to_owned();
    let (x, y) = tile_of(2.9, 50.85, 8);
    let url = template
        .replace("{z}", "8")
        .replace("{x}", &x.to_string())
        .replace("{y}", &y.to_string());

    let plain = app.client.get(&url).send().await?;
    assert_eq!(plain.status(), 200);
    assert_eq!(
        plain.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(plain.headers()["vary"], "accept-encoding");
    assert!(plain.headers().get("content-encoding").is_none());
    let etag = plain.headers()["etag"].to_str()?.to_owned();
    assert!(etag.starts_with('"') && etag.ends_with('"'), "{etag}");
    let raw = plain.bytes().await?.to_vec();
    assert!(!decode(raw.clone(), "communes")?.is_empty());

    let not_modified = app
        .client
        .get(&url)
        .header("if-none-match", &etag)
        .send()
        .await?;
    assert_eq!(not_modified.status(), 304);
    assert_eq!(not_modified.headers()["etag"], etag.as_str());
    assert!(not_modified.bytes().await?.is_empty());
    let other = app
        .client
        .get(&url)
        .header("if-none-match", "\"0000000000000000\"")
        .send()
        .await?;
    assert_eq!(other.status(), 200);

    let gz = app
        .client
        .get(&url)
        .header("accept-encoding", "gzip, deflate")
        .send()
        .await?;
    assert_eq!(gz.status(), 200);
    assert_eq!(gz.headers()["content-encoding"], "gzip");
    let gz_etag = gz.headers()["etag"].to_str()?.to_owned();
    assert_ne!(gz_etag, etag, "each encoding has its own entity tag");
    let compressed = gz.bytes().await?.to_vec();
    assert!(compressed.len() < raw.len());
    let mut unzipped = Vec::new();
    flate2::read::GzDecoder::new(compressed.as_slice()).read_to_end(&mut unzipped)?;
    assert_eq!(unzipped, raw);
    let gz_304 = app
        .client
        .get(&url)
        .header("accept-encoding", "gzip")
        .header("if-none-match", &gz_etag)
        .send()
        .await?;
    assert_eq!(gz_304.status(), 304);
    let refused = app
        .client
        .get(&url)
        .header("accept-encoding", "gzip;q=0, identity")
        .send()
        .await?;
    assert!(refused.headers().get("content-encoding").is_none());

    // Without a version in the URL, clients must revalidate.
    let unversioned = app.get(&format!("/tiles/communes/8/{x}/{y}.mvt")).await?;
    assert_eq!(unversioned.headers()["cache-control"], "public, no-cache");
    assert_eq!(unversioned.headers()["etag"], etag.as_str());
    db.drop_database().await
}

#[tokio::test]
async fn the_cache_gives_the_same_bytes_as_building_and_merges_concurrent_misses(
) -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let cached = TestApp::spawn_with_tile_cache(db.pool.clone(), 64).await?;
    let uncached = TestApp::spawn_with_tile_cache(db.pool.clone(), 0).await?;
    let mut paths = Vec::new();
    for z in [6u8, 9, 12, 14] {
        let (x, y) = tile_of(2.95, 50.76, z);
        for layer in ["communes", "services", "borders"] {
            paths.push(format!("/tiles/{layer}/{z}/{x}/{y}.mvt"));
        }
        paths.push(format!("/tiles/services/{z}/{x}/{y}.mvt?date=2020-06-01"));
    }
    let mut compared = 0;
    for path in &paths {
        let off = uncached.get(path).await?;
        assert_eq!(off.headers()["x-tile-cache"], "off", "{path}");
        let first = cached.get(path).await?;
        assert_eq!(first.headers()["x-tile-cache"], "miss", "{path}");
        let again = cached.get(path).await?;
        assert_eq!(again.headers()["x-tile-cache"], "hit", "{path}");
        assert_eq!(off.status(), first.status(), "{path}");
        let (off, first, again) = (
            off.bytes().await?,
            first.bytes().await?,
            again.bytes().await?,
        );
        assert_eq!(off, first, "{path}");
        assert_eq!(off, again, "{path}");
        if !off.is_empty() {
            compared += 1;
        }
    }
    assert!(compared >= 10, "{compared} non-empty tiles compared");

    // Sixteen concurrent requests for a tile nobody asked for yet: one builds it.
    let (x, y) = tile_of(2.6, 51.0, 11);
    let path = format!("/tiles/communes/11/{x}/{y}.mvt");
    let requests = (0..16).map(|_| cached.get(&path));
    let responses = futures::future::join_all(requests).await;
    let mut statuses = Vec::new();
    let mut bodies = BTreeSet::new();
    for response in responses {
        let response = response?;
        assert_eq!(response.status(), 200);
        statuses.push(response.headers()["x-tile-cache"].to_str()?.to_owned());
        bodies.insert(response.bytes().await?.to_vec());
    }
    assert_eq!(
        statuses.iter().filter(|s| *s == "miss").count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(bodies.len(), 1);
    db.drop_database().await
}

/// The name of service `id` in the tile at `url`.
async fn service_name_in(app: &TestApp, url: &str, id: i64) -> anyhow::Result<Option<String>> {
    let response = app.client.get(url).send().await?;
    assert_eq!(response.status(), 200, "{url}");
    let features = decode(response.bytes().await?.to_vec(), "services")?;
    Ok(features
        .iter()
        .find(|f| f.id == Some(id as u64))
        .and_then(|f| prop(f, "name")))
}

fn tile_url(template: &str, z: u8, x: u32, y: u32) -> String {
    template
        .replace("{z}", &z.to_string())
        .replace("{x}", &x.to_string())
        .replace("{y}", &y.to_string())
}

#[tokio::test]
async fn a_changed_service_is_never_served_from_an_older_tile() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let app = TestApp::spawn(db.pool.clone()).await?;
    let (id, name, lon, lat): (i64, String, f64, f64) = sqlx::query_as(
        "SELECT id, name, ST_X(geom), ST_Y(geom) FROM service
         WHERE category = 'pharmacy' AND country = 'BE' AND name IS NOT NULL
         ORDER BY id LIMIT 1",
    )
    .fetch_one(&db.pool)
    .await?;
    let z = 12;
    let (x, y) = tile_of(lon, lat, z);
    let template = |doc: serde_json::Value| doc["tiles"][0].as_str().unwrap_or_default().to_owned();
    let before_doc = template(app.get("/tiles/services.json").await?.json().await?);
    let old_url = tile_url(&before_doc, z, x, y);
    assert_eq!(
        service_name_in(&app, &old_url, id).await?,
        Some(name.clone())
    );
    // Now cached.
    let cached = app.client.get(&old_url).send().await?;
    assert_eq!(cached.headers()["x-tile-cache"], "hit");

    rename_service(&db.pool, id, "Apotheek Nieuw").await?;
    let after_doc = template(app.get("/tiles/services.json").await?.json().await?);
    assert_ne!(after_doc, before_doc, "the TileJSON names a new version");
    let new_url = tile_url(&after_doc, z, x, y);
    assert_eq!(
        service_name_in(&app, &new_url, id).await?.as_deref(),
        Some("Apotheek Nieuw")
    );
    // The old URL does not bring back the old tile either, nor does one without version.
    assert_eq!(
        service_name_in(&app, &old_url, id).await?.as_deref(),
        Some("Apotheek Nieuw")
    );
    let unversioned = format!("{}/tiles/services/{z}/{x}/{y}.mvt", app.base);
    assert_eq!(
        service_name_in(&app, &unversioned, id).await?.as_deref(),
        Some("Apotheek Nieuw")
    );

    // A second server behind the same database, asked for a version newer than it has
    // seen, looks the version up rather than serving what it holds.
    let other = TestApp::spawn(db.pool.clone()).await?;
    let other_old = old_url.replace(&app.base, &other.base);
    assert_eq!(
        service_name_in(&other, &other_old, id).await?.as_deref(),
        Some("Apotheek Nieuw")
    );
    rename_service(&db.pool, id, "Apotheek Nieuwer").await?;
    let version: i64 = sqlx::query_scalar("SELECT services FROM tile_layer_version")
        .fetch_one(&db.pool)
        .await?;
    let newest = format!("{}/tiles/services/{z}/{x}/{y}.mvt?v={version}", other.base);
    assert_eq!(
        service_name_in(&other, &newest, id).await?.as_deref(),
        Some("Apotheek Nieuwer")
    );
    db.drop_database().await
}

/// The URL of tile z/x/y of `layer` as the layer's TileJSON names it now.
async fn tile_url_now(app: &TestApp, layer: &str, z: u8, x: u32, y: u32) -> anyhow::Result<String> {
    let doc: serde_json::Value = app
        .get(&format!("/tiles/{layer}.json"))
        .await?
        .json()
        .await?;
    Ok(tile_url(
        doc["tiles"][0].as_str().unwrap_or_default(),
        z,
        x,
        y,
    ))
}

/// The features of `layer` in the tile at `url`, which must be there.
async fn features_at(
    app: &TestApp,
    url: &str,
    layer: &str,
) -> anyhow::Result<Vec<mvt_reader::feature::Feature>> {
    let response = app.client.get(url).send().await?;
    assert_eq!(response.status(), 200, "{url}");
    decode(response.bytes().await?.to_vec(), layer)
}

/// The properties a server adds from a layer's lookup (a category's labels, a commune's
/// indicator values) follow their tables as the features do: a tile of the version after
/// a change carries the new values, with the cache on and off.
#[tokio::test]
async fn looked_up_properties_follow_the_tables_they_come_from() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let (lon, lat): (f64, f64) = sqlx::query_as(
        "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM commune
         WHERE country = 'BE' AND code = '33011') q",
    )
    .fetch_one(&db.pool)
    .await?;
    let (z, (x, y)) = (12, tile_of(lon, lat, 12));
    let (service_id, category): (i64, String) = sqlx::query_as(
        "SELECT s.id, s.category FROM service s
         WHERE s.geom_3857 && ST_TileEnvelope(12, $1, $2) ORDER BY s.id LIMIT 1",
    )
    .bind(x as i32)
    .bind(y as i32)
    .fetch_one(&db.pool)
    .await?;
    let ieper_pharmacy_m = |features: Vec<mvt_reader::feature::Feature>| {
        let ieper = features
            .into_iter()
            .find(|f| prop(f, "id").as_deref() == Some("BE-33011"))?;
        match ieper.properties?.get("nearest_pharmacy_m") {
            Some(Value::Double(d)) => Some(*d),
            _ => None,
        }
    };
    let labels = |features: Vec<mvt_reader::feature::Feature>| {
        let service = features
            .into_iter()
            .find(|f| f.id == Some(service_id as u64));
        service.map(|f| (prop(&f, "label_en"), prop(&f, "group")))
    };
    for cache_mb in [0, 64] {
        let app = TestApp::spawn_with_tile_cache(db.pool.clone(), cache_mb).await?;

        let communes = tile_url_now(&app, "communes", z, x, y).await?;
        let expected: Option<f64> = sqlx::query_scalar(
            "SELECT nearest_pharmacy_m FROM commune_map_values WHERE country = 'BE' AND code = '33011'",
        )
        .fetch_one(&db.pool)
        .await?;
        assert!(expected.is_some(), "Ieper has a pharmacy distance");
        assert_eq!(
            ieper_pharmacy_m(features_at(&app, &communes, "communes").await?),
            expected
        );
        let new_value = 4321.5 + cache_mb as f64;
        sqlx::query("UPDATE commune_map_values SET nearest_pharmacy_m = $1 WHERE country = 'BE' AND code = '33011'")
            .bind(new_value)
            .execute(&db.pool)
            .await?;
        let communes_after = tile_url_now(&app, "communes", z, x, y).await?;
        assert_ne!(communes_after, communes);
        assert_eq!(
            ieper_pharmacy_m(features_at(&app, &communes_after, "communes").await?),
            Some(new_value),
            "cache {cache_mb} MiB"
        );

        let services = tile_url_now(&app, "services", z, x, y).await?;
        let (label, group): (String, String) =
            sqlx::query_as("SELECT label_en, group_id FROM service_category WHERE id = $1")
                .bind(&category)
                .fetch_one(&db.pool)
                .await?;
        assert_eq!(
            labels(features_at(&app, &services, "services").await?),
            Some((Some(label), Some(group.clone())))
        );
        let new_label = format!("Renamed {cache_mb}");
        // The taxonomy's labels are the ingest's to write (data/taxonomy.toml), not a
        // service's: no service write can rename a category.
        sqlx::query("UPDATE service_category SET label_en = $1 WHERE id = $2")
            .bind(&new_label)
            .bind(&category)
            .execute(&db.pool)
            .await?;
        let services_after = tile_url_now(&app, "services", z, x, y).await?;
        assert_ne!(services_after, services);
        assert_eq!(
            labels(features_at(&app, &services_after, "services").await?),
            Some((Some(new_label), Some(group))),
            "cache {cache_mb} MiB"
        );
    }
    db.drop_database().await
}

#[tokio::test]
async fn each_layer_version_follows_the_data_behind_it() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    let versions = |pool: sqlx::PgPool| async move {
        sqlx::query_as::<_, (i64, i64, i64)>(
            "SELECT communes, services, borders FROM tile_layer_version",
        )
        .fetch_one(&pool)
        .await
    };
    let empty = versions(db.pool.clone()).await?;
    ingest_westhoek(&db.pool).await?;
    let loaded = versions(db.pool.clone()).await?;
    assert!(
        loaded.0 > empty.0 && loaded.1 > empty.1 && loaded.2 > empty.2,
        "{empty:?} -> {loaded:?}"
    );
    // An indicator value changes the communes layer only.
    sqlx::query("UPDATE indicator_commune_value SET value = value + 1 WHERE indicator = 'population_change_pct' AND code = '33011'")
        .execute(&db.pool)
        .await?;
    let after = versions(db.pool.clone()).await?;
    assert_eq!(after, (loaded.0 + 1, loaded.1, loaded.2));
    // A commune's outline changes the communes and the borders (its arrondissement's
    // outline is derived again when the change commits).
    let arrondissement_points: i64 = sqlx::query_scalar(
        "SELECT ST_NPoints(geom_3857)::bigint FROM admin_boundary WHERE kind = 'arrondissement' AND code = '33000'",
    )
    .fetch_one(&db.pool)
    .await?;
    sqlx::query(
        "UPDATE commune SET geom = ST_Multi(ST_Buffer(geom, 0.001, 'quad_segs=1')) WHERE country = 'BE' AND code = '33011'",
    )
    .execute(&db.pool)
    .await?;
    let moved = versions(db.pool.clone()).await?;
    assert!(
        moved.0 > after.0 && moved.2 > after.2 && moved.1 == after.1,
        "{moved:?}"
    );
    let now_points: i64 = sqlx::query_scalar(
        "SELECT ST_NPoints(geom_3857)::bigint FROM admin_boundary WHERE kind = 'arrondissement' AND code = '33000'",
    )
    .fetch_one(&db.pool)
    .await?;
    assert_ne!(now_points, arrondissement_points);
    db.drop_database().await
}

/// The commune outlines the server clips and snaps are valid polygons and cover what
/// PostGIS's own `ST_AsMVTGeom` gives for the same outline and tile, in every tile of a
/// block around the border at Comines, from z8 to z14.
#[tokio::test]
async fn commune_outlines_are_valid_and_cover_what_postgis_draws() -> anyhow::Result<()> {
    use geo::{Area, Validation};
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let app = TestApp::spawn(db.pool.clone()).await?;
    let mut compared = 0;
    for z in [8u8, 10, 12, 14] {
        let (cx, cy) = tile_of(2.95, 50.76, z);
        for (x, y) in (cx - 1..=cx + 1).flat_map(|x| (cy - 1..=cy + 1).map(move |y| (x, y))) {
            let response = app.get(&format!("/tiles/communes/{z}/{x}/{y}.mvt")).await?;
            let ours = if response.status() == 204 {
                Vec::new()
            } else {
                decode(response.bytes().await?.to_vec(), "communes")?
            };
            let reference: Vec<(String, f64, f64)> = sqlx::query_as(
                "SELECT c.country || '-' || c.code, ST_Area(g), ST_Perimeter(g)
                 FROM commune c,
                      LATERAL (SELECT ST_AsMVTGeom(CASE WHEN $1 <= 6 THEN c.geom_3857_z6
                                                        WHEN $1 <= 8 THEN c.geom_3857_z8
                                                        WHEN $1 <= 10 THEN c.geom_3857_z10
                                                        ELSE c.geom_3857 END,
                                                   ST_TileEnvelope($1, $2, $3), 4096, 64, true) AS g) AS m
                 WHERE c.geom_3857 && ST_TileEnvelope($1, $2, $3, margin => 64.0 / 4096)
                   AND g IS NOT NULL",
            )
            .bind(i32::from(z))
            .bind(x as i32)
            .bind(y as i32)
            .fetch_all(&db.pool)
            .await?;
            for feature in &ours {
                let id = prop(feature, "id").unwrap_or_default();
                let geo::Geometry::MultiPolygon(drawn) = feature.geometry.clone() else {
                    panic!("{z}/{x}/{y} {id}: not polygons: {:?}", feature.geometry);
                };
                assert!(drawn.is_valid(), "{z}/{x}/{y} {id}: invalid outline");
                let (_, area, perimeter) = reference
                    .iter()
                    .find(|(r, _, _)| *r == id)
                    .ok_or_else(|| anyhow::anyhow!("{z}/{x}/{y}: {id} drawn, not by PostGIS"))?;
                let drawn_area = f64::from(drawn.unsigned_area());
                // Each vertex may be snapped half a unit elsewhere than PostGIS snaps it.
                let tolerance = 0.5 * perimeter + 2.0;
                assert!(
                    (drawn_area - area).abs() <= tolerance,
                    "{z}/{x}/{y} {id}: area {drawn_area} against PostGIS {area} (tolerance {tolerance})"
                );
                compared += 1;
            }
            for (id, area, _) in &reference {
                assert!(
                    *area < 4.0 || ours.iter().any(|f| prop(f, "id").as_deref() == Some(id)),
                    "{z}/{x}/{y}: {id} drawn by PostGIS ({area} units²), not by the server"
                );
            }
        }
    }
    assert!(compared > 100, "{compared} outlines compared");
    db.drop_database().await
}

/// A connection that PostgreSQL closes under the server fails the one tile request that
/// finds it (503, as the database could not answer, cache on or off), and is not handed
/// out again: the next requests get their tiles.
#[tokio::test]
async fn a_tile_connection_closed_under_the_server_is_replaced() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let app = TestApp::spawn_with_tile_cache(db.pool.clone(), 0).await?;
    let cached = TestApp::spawn_with_tile_cache(db.pool.clone(), 64).await?;
    let path_at = |z: u8| {
        let (x, y) = tile_of(2.9, 50.85, z);
        format!("/tiles/communes/{z}/{x}/{y}.mvt")
    };
    let path = path_at(9);
    assert_eq!(app.get(&path).await?.status(), 200);
    assert_eq!(cached.get(&path).await?.status(), 200);
    let closed: i64 = sqlx::query_scalar(
        "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid()
           AND backend_type = 'client backend'",
    )
    .fetch_one(&db.pool)
    .await?;
    assert!(closed >= 1, "{closed} connections closed");
    let first = app.get(&path).await?.status();
    assert!(first == 200 || first == 503, "{first}");
    for _ in 0..3 {
        assert_eq!(app.get(&path).await?.status(), 200);
    }
    // With the cache on, a tile not cached yet is built on the closed connection.
    let first = cached.get(&path_at(10)).await?.status();
    assert!(first == 200 || first == 503, "{first}");
    for z in [10, 11, 12] {
        assert_eq!(cached.get(&path_at(z)).await?.status(), 200, "z{z}");
    }
    db.drop_database().await
}

/// A tile request cut off while its query runs (here by the server's time limit) does not
/// leave that query to the next tile: the connection it ran on is not handed out again,
/// so the next request gets its tile, not the abandoned query's end or error.
#[tokio::test]
async fn a_tile_request_cut_off_mid_query_leaves_nothing_to_the_next() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let mut settings = observatory_tests::test_settings();
    settings.http.request_timeout = std::time::Duration::from_millis(300);
    let app = TestApp::spawn_with(db.pool.clone(), 0, settings).await?;
    let (x, y) = tile_of(2.9, 50.85, 9);
    let path = format!("/tiles/communes/9/{x}/{y}.mvt");
    assert_eq!(app.get(&path).await?.status(), 200);

    // The tile's query waits for the lock past the time limit: the request gets its 503.
    let mut locker = db.pool.begin().await?;
    sqlx::query("LOCK TABLE commune IN ACCESS EXCLUSIVE MODE")
        .execute(&mut *locker)
        .await?;
    assert_eq!(app.get(&path).await?.status(), 503);
    // The abandoned query ends in an error while it still waits (if its connection is
    // still open); then the lock goes. (pg_stat_activity keeps the first 1 KB of a query:
    // its opening comment.)
    sqlx::query(
        "SELECT pg_cancel_backend(pid) FROM pg_stat_activity
         WHERE datname = current_database() AND wait_event_type = 'Lock'
           AND query LIKE '%one tile of the communes layer%'",
    )
    .execute(&db.pool)
    .await?;
    locker.rollback().await?;

    for _ in 0..3 {
        let response = app.get(&path).await?;
        let status = response.status();
        assert_eq!(status, 200, "{}", response.text().await?);
    }
    db.drop_database().await
}

/// The server binary with three event loops: connections are handed to each loop in turn,
/// every loop answers, they share one tile cache (a tile built by one is a hit for the
/// others), and all of them follow a change to the data. SIGTERM stops them all.
#[tokio::test]
async fn every_event_loop_of_the_server_shares_the_cache_and_follows_changes() -> anyhow::Result<()>
{
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let (id, lon, lat): (i64, f64, f64) = sqlx::query_as(
        "SELECT id, ST_X(geom), ST_Y(geom) FROM service
         WHERE category = 'pharmacy' AND country = 'BE' AND name IS NOT NULL
         ORDER BY id LIMIT 1",
    )
    .fetch_one(&db.pool)
    .await?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let mut child = tokio::process::Command::new(observatory_tests::observatory_bin())
        .current_dir(observatory_tests::repo_root())
        .env("DATABASE_URL", db.url()?)
        .args([
            "serve",
            "--workers",
            "3",
            "--tile-cache-mb",
            "64",
            "--listen",
        ])
        .arg(format!("127.0.0.1:{port}"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()?;
    // A new connection for every request, so that they go round the loops.
    let app = TestApp {
        base: format!("http://127.0.0.1:{port}"),
        client: reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .build()?,
        pool: None,
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while app.get("/health").await.is_err() {
        anyhow::ensure!(
            std::time::Instant::now() < deadline,
            "no answer within 60 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }

    let (z, (x, y)) = (12, tile_of(lon, lat, 12));
    let name_and_cache = |url: String| {
        let client = app.client.clone();
        async move {
            let response = client.get(&url).send().await?;
            assert_eq!(response.status(), 200, "{url}");
            let cache = response.headers()["x-tile-cache"].to_str()?.to_owned();
            let features = decode(response.bytes().await?.to_vec(), "services")?;
            let name = features
                .iter()
                .find(|f| f.id == Some(id as u64))
                .and_then(|f| prop(f, "name"));
            anyhow::Ok((name, cache))
        }
    };

    let url = tile_url_now(&app, "services", z, x, y).await?;
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let (name, cache) = name_and_cache(url.clone()).await?;
        assert!(name.is_some(), "the pharmacy is in {url}");
        statuses.push(cache);
    }
    assert_eq!(statuses[0], "miss", "{statuses:?}");
    assert!(
        statuses[1..].iter().all(|s| s == "hit"),
        "one cache for all loops: {statuses:?}"
    );

    rename_service(&db.pool, id, "Apotheek Elke Lus").await?;
    let changed = tile_url_now(&app, "services", z, x, y).await?;
    assert_ne!(changed, url);
    for _ in 0..6 {
        let (name, _) = name_and_cache(changed.clone()).await?;
        assert_eq!(name.as_deref(), Some("Apotheek Elke Lus"));
        // The URL of the older version brings the change too, on every loop.
        let (name, _) = name_and_cache(url.clone()).await?;
        assert_eq!(name.as_deref(), Some("Apotheek Elke Lus"));
    }

    let pid =
        nix::unistd::Pid::from_raw(child.id().ok_or_else(|| anyhow::anyhow!("no pid"))? as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM)?;
    let status = tokio::time::timeout(std::time::Duration::from_secs(60), child.wait()).await??;
    assert!(status.success(), "every loop stops cleanly: {status}");
    db.drop_database().await
}

/// Renames a service through the services' write path, as the record that described it
/// seeing it again on the last day it saw it (no new date for its source).
async fn rename_service(pool: &sqlx::PgPool, id: i64, name: &str) -> anyhow::Result<()> {
    let mut tx = pool.begin().await?;
    let (source_id, record_id, on): (String, String, chrono::NaiveDate) = sqlx::query_as(
        "SELECT source_id, record_id, seen_on[array_upper(seen_on, 1)] FROM service_provenance
         WHERE service_id = $1 ORDER BY source_id, record_id LIMIT 1",
    )
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
    observatory_core::services::write(
        &mut tx,
        &observatory_core::services::ServiceWrite::Change {
            service_id: id,
            category: None,
            name: Some(Some(name.to_owned())),
            position: None,
            observed: observatory_core::services::Observation {
                source_id,
                record_id,
                on,
            },
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
