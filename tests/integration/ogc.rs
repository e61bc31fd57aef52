//! OGC API – Features under `/ogc`, read as a client reads it: from the landing page,
//! following links, paging with `next` until there is none.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use chrono::NaiveDate;
use observatory_tests::{ingest_westhoek, TestApp, TestDb};
use serde_json::Value;

const CORE: &str = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core";
const GEOJSON: &str = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson";
const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";

/// GETs an absolute URL and checks the status and media type; returns the JSON body.
async fn fetch(app: &TestApp, url: &str, media_type: &str) -> anyhow::Result<Value> {
    let response = app.client.get(url).send().await?;
    assert_eq!(response.status(), 200, "{url}");
    assert_eq!(response.headers()["content-type"], media_type, "{url}");
    Ok(response.json().await?)
}

async fn json(app: &TestApp, path: &str) -> anyhow::Result<Value> {
    fetch(app, &format!("{}{path}", app.base), "application/json").await
}

async fn geojson(app: &TestApp, path: &str) -> anyhow::Result<Value> {
    fetch(app, &format!("{}{path}", app.base), "application/geo+json").await
}

/// The link of a relation in a document's `links`.
fn link<'a>(doc: &'a Value, rel: &str) -> Option<&'a Value> {
    doc["links"].as_array()?.iter().find(|l| l["rel"] == rel)
}

fn href(doc: &Value, rel: &str) -> String {
    link(doc, rel)
        .and_then(|l| l["href"].as_str())
        .unwrap_or_default()
        .to_owned()
}

fn features(page: &Value) -> &[Value] {
    page["features"].as_array().map_or(&[], Vec::as_slice)
}

fn ids(page: &Value) -> BTreeSet<String> {
    features(page)
        .iter()
        .map(|f| match &f["id"] {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect()
}

/// A 400 or 404 whose JSON error says `what`.
async fn refused(app: &TestApp, path: &str, status: u16, what: &str) -> anyhow::Result<()> {
    let response = app.get(path).await?;
    assert_eq!(response.status(), status, "{path}");
    let body: Value = response.json().await?;
    let message = body["error"].as_str().unwrap_or_default();
    assert!(message.contains(what), "{path}: {message}");
    Ok(())
}

#[tokio::test]
async fn the_landing_page_links_to_the_api_conformance_and_data() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    let app = TestApp::spawn(db.pool.clone()).await?;
    let landing = json(&app, "/ogc").await?;
    assert!(landing["title"].is_string());
    assert_eq!(href(&landing, "self"), format!("{}/ogc", app.base));
    let desc = link(&landing, "service-desc").cloned().unwrap_or_default();
    assert_eq!(desc["href"], format!("{}/api/openapi.json", app.base));
    // The API definition is generated as OpenAPI 3.1 (see tests/integration/openapi.rs).
    assert_eq!(desc["type"], "application/vnd.oai.openapi+json;version=3.1");
    for l in landing["links"].as_array().into_iter().flatten() {
        assert!(l["type"].is_string() && l["rel"].is_string(), "{l}");
    }

    let conformance = fetch(&app, &href(&landing, "conformance"), "application/json").await?;
    let classes: BTreeSet<&str> = conformance["conformsTo"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    // Not "OpenAPI 3.0" (conf/oas30): the definition is OpenAPI 3.1.
    assert_eq!(classes, BTreeSet::from([CORE, GEOJSON]));

    let data = fetch(&app, &href(&landing, "data"), "application/json").await?;
    let ids: Vec<&Value> = data["collections"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| &c["id"])
        .collect();
    assert_eq!(ids, ["communes", "services"]);
    db.drop_database().await
}

#[tokio::test]
async fn paging_with_next_links_visits_every_feature_once() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let app = TestApp::spawn(db.pool.clone()).await?;
    let services: i64 = sqlx::query_scalar("SELECT count(*) FROM service")
        .fetch_one(&db.pool)
        .await?;
    assert!(services > 1000, "{services} services loaded");

    for (collection, expected) in [("communes", 711), ("services", services)] {
        let started = Instant::now();
        let mut url = format!("{}/ogc/collections/{collection}/items?limit=250", app.base);
        let mut pages = 0;
        // Every id in the order served: the stable order runs on from page to page.
        let mut order: Vec<Value> = Vec::new();
        loop {
            let page = fetch(&app, &url, "application/geo+json").await?;
            assert_eq!(page["type"], "FeatureCollection");
            assert_eq!(page["numberMatched"], expected, "{url}");
            assert_eq!(page["numberReturned"], features(&page).len(), "{url}");
            assert!(features(&page).len() <= 250);
            assert!(page["timeStamp"].as_str().is_some_and(|t| t.ends_with('Z')));
            assert_eq!(href(&page, "self"), url);
            assert_eq!(
                link(&page, "prev").is_some(),
                pages > 0,
                "prev from page 2 on"
            );
            for feature in features(&page) {
                assert_eq!(feature["type"], "Feature");
                assert!(feature["geometry"]["coordinates"].is_array());
                order.push(feature["id"].clone());
            }
            pages += 1;
            match link(&page, "next") {
                Some(next) => {
                    assert_eq!(next["type"], "application/geo+json");
                    url = next["href"].as_str().unwrap_or_default().to_owned();
                    assert!(url.starts_with(&app.base), "absolute: {url}");
                    assert!(url.contains("limit=250"), "{url}");
                }
                None => break,
            }
        }
        println!(
            "{collection}: {} features in {pages} pages of 250 in {:.2?}",
            order.len(),
            started.elapsed()
        );
        assert_eq!(order.len() as i64, expected, "{collection}: every feature");
        // Communes by country and code (fixed-width, so as text), services by number:
        // strictly increasing, so no feature comes twice.
        let increasing = order.windows(2).all(|w| match (&w[0], &w[1]) {
            (Value::String(a), Value::String(b)) => a < b,
            (a, b) => a.as_i64() < b.as_i64(),
        });
        assert!(increasing, "{collection}: ids in a stable order");
        let unique: BTreeSet<String> = order.iter().map(Value::to_string).collect();
        assert_eq!(unique.len(), order.len(), "{collection}: ids are unique");
    }
    db.drop_database().await
}

#[tokio::test]
async fn collections_carry_extents_computed_from_the_data() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let app = TestApp::spawn(db.pool.clone()).await?;
    let all = json(&app, "/ogc/collections").await?;
    assert_eq!(href(&all, "self"), format!("{}/ogc/collections", app.base));
    let by_id: BTreeMap<String, Value> = all["collections"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| (c["id"].as_str().unwrap_or_default().to_owned(), c.clone()))
        .collect();
    assert_eq!(by_id.len(), 2);

    for (id, collection) in &by_id {
        // The collection's own resource says the same as the list.
        assert_eq!(
            &json(&app, &format!("/ogc/collections/{id}")).await?,
            collection
        );
        assert_eq!(collection["itemType"], "feature");
        assert_eq!(collection["crs"], serde_json::json!([CRS84]));
        assert_eq!(collection["extent"]["spatial"]["crs"], CRS84);
        let items = link(collection, "items").cloned().unwrap_or_default();
        assert_eq!(items["type"], "application/geo+json");
        assert_eq!(
            items["href"],
            format!("{}/ogc/collections/{id}/items", app.base)
        );
        let bbox: Vec<f64> = collection["extent"]["spatial"]["bbox"][0]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_f64)
            .collect();
        assert_eq!(bbox.len(), 4, "{id}: {bbox:?}");
        assert!(
            (1.5..3.5).contains(&bbox[0])
                && (49.5..51.0).contains(&bbox[1])
                && (2.5..4.5).contains(&bbox[2])
                && (50.5..51.6).contains(&bbox[3]),
            "{id}: a CRS84 box around the Westhoek: {bbox:?}"
        );
    }

    let (w, s, e, n): (f64, f64, f64, f64) = sqlx::query_as(
        "SELECT ST_XMin(x), ST_YMin(x), ST_XMax(x), ST_YMax(x) FROM (SELECT ST_Extent(geom) AS x FROM commune) AS e",
    )
    .fetch_one(&db.pool)
    .await?;
    assert_eq!(
        by_id["communes"]["extent"]["spatial"]["bbox"],
        serde_json::json!([[w, s, e, n]])
    );
    assert!(by_id["communes"]["extent"]["temporal"].is_null());

    let (first, last): (NaiveDate, NaiveDate) =
        sqlx::query_as("SELECT min(first_seen), max(last_seen) FROM service")
            .fetch_one(&db.pool)
            .await?;
    let temporal = &by_id["services"]["extent"]["temporal"];
    assert_eq!(
        temporal["interval"],
        serde_json::json!([[format!("{first}T00:00:00Z"), format!("{last}T00:00:00Z")]])
    );
    assert_eq!(
        temporal["trs"],
        "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"
    );

    refused(&app, "/ogc/collections/roads", 404, "communes, services").await?;
    refused(
        &app,
        "/ogc/collections/roads/items",
        404,
        "communes, services",
    )
    .await?;
    db.drop_database().await
}

#[tokio::test]
async fn filters_select_by_box_time_and_category_and_links_keep_them() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let app = TestApp::spawn(db.pool.clone()).await?;

    // bbox around Ieper: Belgian communes, nothing of Nord.
    let page = geojson(
        &app,
        "/ogc/collections/communes/items?bbox=2.8,50.8,3.0,50.9&limit=1000",
    )
    .await?;
    let found = ids(&page);
    assert!(found.contains("BE-33011"), "Ieper: {found:?}");
    assert!(!found.contains("FR-59183"), "Dunkerque: {found:?}");
    let expected: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM commune WHERE ST_Intersects(geom, ST_MakeEnvelope(2.8, 50.8, 3.0, 50.9, 4326))",
    )
    .fetch_one(&db.pool)
    .await?;
    assert_eq!(page["numberMatched"], expected);
    assert_eq!(found.len() as i64, expected);

    // Services in a box (searched on the Web Mercator index): the ones the database finds
    // in it, including boxes past Web Mercator's latitudes (and past the poles, which PROJ
    // refuses to transform) and around the world, which answer like any other box rather
    // than with an error.
    for (bbox, lon_lat) in [
        ("2.8,50.8,3.0,50.9", "2.8, 50.8, 3.0, 50.9"),
        ("-10,86,10,89", "-10, 86, 10, 89"),
        ("-10,91,10,95", "-10, 91, 10, 95"),
        ("-10,-95,10,-91", "-10, -95, 10, -91"),
        ("-400,50.8,400,50.9", "-400, 50.8, 400, 50.9"),
        ("-180,-90,180,90", "-180, -90, 180, 90"),
    ] {
        let page = geojson(
            &app,
            &format!("/ogc/collections/services/items?bbox={bbox}&limit=10000"),
        )
        .await?;
        let expected: BTreeSet<String> = sqlx::query_scalar::<_, i64>(&format!(
            "SELECT id FROM service WHERE ST_Intersects(geom, ST_MakeEnvelope({lon_lat}, 4326))"
        ))
        .fetch_all(&db.pool)
        .await?
        .into_iter()
        .map(|id| id.to_string())
        .collect();
        assert_eq!(ids(&page), expected, "bbox={bbox}");
        assert_eq!(page["numberMatched"], expected.len() as i64, "bbox={bbox}");
    }

    // datetime on services: a service matches when [first_seen, last_seen] holds the day.
    let day = "2016-08-21";
    let page = geojson(
        &app,
        &format!("/ogc/collections/services/items?datetime={day}&limit=10000"),
    )
    .await?;
    let found = ids(&page);
    let expected: BTreeSet<String> = sqlx::query_scalar::<_, i64>(
        "SELECT id FROM service WHERE first_seen <= $1::date AND last_seen >= $1::date",
    )
    .bind(day)
    .fetch_all(&db.pool)
    .await?
    .into_iter()
    .map(|id| id.to_string())
    .collect();
    assert!(!expected.is_empty());
    assert_eq!(found, expected);
    let la_poste_2016: BTreeSet<String> = sqlx::query_scalar::<_, i64>(
        "SELECT s.id FROM service s JOIN service_provenance p ON p.service_id = s.id
         WHERE p.source_id = 'fr-laposte-snapshots' AND s.first_seen = '2016-08-21'",
    )
    .fetch_all(&db.pool)
    .await?
    .into_iter()
    .map(|id| id.to_string())
    .collect();
    assert!(!la_poste_2016.is_empty());
    assert!(
        la_poste_2016.is_subset(&found),
        "the La Poste sites of the 2016 snapshot"
    );
    let since_2022: BTreeSet<String> =
        sqlx::query_scalar::<_, i64>("SELECT id FROM service WHERE first_seen >= '2022-01-01'")
            .fetch_all(&db.pool)
            .await?
            .into_iter()
            .map(|id| id.to_string())
            .collect();
    assert!(!since_2022.is_empty());
    assert!(found.is_disjoint(&since_2022), "nothing first seen in 2022");
    for feature in features(&page) {
        let p = &feature["properties"];
        assert!(p["first_seen"].as_str() <= Some(day) && p["last_seen"].as_str() >= Some(day));
    }

    // Half-open intervals, with `..` and with an empty end.
    for (datetime, sql) in [
        (
            "2022-01-01/..",
            "SELECT count(*) FROM service WHERE last_seen >= '2022-01-01'",
        ),
        (
            "/2016-12-31",
            "SELECT count(*) FROM service WHERE first_seen <= '2016-12-31'",
        ),
        (
            "2016-01-01T00:00:00Z/2020-12-31T23:59:59Z",
            "SELECT count(*) FROM service WHERE first_seen <= '2020-12-31' AND last_seen >= '2016-01-01'",
        ),
    ] {
        let expected: i64 = sqlx::query_scalar(sql).fetch_one(&db.pool).await?;
        let page = geojson(
            &app,
            &format!("/ogc/collections/services/items?datetime={datetime}&limit=1"),
        )
        .await?;
        assert_eq!(page["numberMatched"], expected, "{datetime}");
    }

    // Communes have no time: the standard has every one of them match.
    let page = geojson(
        &app,
        "/ogc/collections/communes/items?datetime=2016-08-21&limit=1",
    )
    .await?;
    assert_eq!(page["numberMatched"], 711);

    // category, combined with datetime; next links keep both and the page size.
    let expected: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM service WHERE category = 'post_office'
         AND first_seen <= '2016-08-21' AND last_seen >= '2016-08-21'",
    )
    .fetch_one(&db.pool)
    .await?;
    assert!(expected > 20, "{expected} post offices in 2016");
    let mut url = format!(
        "{}/ogc/collections/services/items?category=post_office&datetime=2016-08-21&limit=20",
        app.base
    );
    let mut seen = BTreeSet::new();
    loop {
        let page = fetch(&app, &url, "application/geo+json").await?;
        assert_eq!(page["numberMatched"], expected);
        for feature in features(&page) {
            let p = &feature["properties"];
            assert_eq!(p["category"], "post_office");
            assert_eq!(p["category_fr"], "Bureau de poste");
            assert!(p["category_nl"].is_string() && p["category_en"].is_string());
        }
        seen.extend(ids(&page));
        let Some(next) = link(&page, "next") else {
            break;
        };
        url = next["href"].as_str().unwrap_or_default().to_owned();
        for kept in ["category=post_office", "datetime=2016-08-21", "limit=20"] {
            assert!(url.contains(kept), "{url} keeps {kept}");
        }
    }
    assert_eq!(seen.len() as i64, expected);
    refused(
        &app,
        "/ogc/collections/services/items?category=bakery_of_dreams",
        400,
        "post_office",
    )
    .await?;

    // Past the end: an empty page that still counts, with no next link.
    let page = geojson(&app, "/ogc/collections/communes/items?offset=5000").await?;
    assert_eq!(page["numberMatched"], 711);
    assert_eq!(page["numberReturned"], 0);
    assert!(link(&page, "next").is_none() && link(&page, "prev").is_some());
    db.drop_database().await
}

#[tokio::test]
async fn single_features_match_the_listing_and_absent_ones_are_404() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let app = TestApp::spawn(db.pool.clone()).await?;

    let ieper = geojson(&app, "/ogc/collections/communes/items/BE-33011").await?;
    assert_eq!(ieper["type"], "Feature");
    assert_eq!(ieper["id"], "BE-33011");
    let p = &ieper["properties"];
    assert_eq!((&p["code"], &p["country"]), (&"33011".into(), &"BE".into()));
    assert_eq!(p["name"], "Ieper");
    assert_eq!(p["name_fr"], "Ypres");
    assert_eq!(p["arrondissement_code"], "33000");
    assert!(p["population"].as_i64().is_some_and(|n| n > 30_000));
    assert!(p["population_year"].as_i64().is_some());
    assert!(p["area_km2"].as_f64().is_some_and(|a| a > 100.0));
    assert_eq!(
        href(&ieper, "self"),
        format!("{}/ogc/collections/communes/items/BE-33011", app.base)
    );
    assert_eq!(
        href(&ieper, "collection"),
        format!("{}/ogc/collections/communes", app.base)
    );
    let listed = geojson(
        &app,
        "/ogc/collections/communes/items?bbox=2.8,50.8,3.0,50.9",
    )
    .await?;
    let in_list = features(&listed)
        .iter()
        .find(|f| f["id"] == "BE-33011")
        .cloned()
        .unwrap_or_default();
    assert_eq!(in_list["geometry"], ieper["geometry"]);
    assert_eq!(in_list["properties"], ieper["properties"]);

    // A La Poste site of both snapshots: numeric id, its sources, its commune.
    let (id, both): (i64, bool) = sqlx::query_as(
        "SELECT s.id, s.last_seen > s.first_seen FROM service s
         JOIN service_provenance p ON p.service_id = s.id AND p.source_id = 'fr-laposte-snapshots'
         WHERE s.commune_code IS NOT NULL ORDER BY s.id LIMIT 1",
    )
    .fetch_one(&db.pool)
    .await?;
    let service = geojson(&app, &format!("/ogc/collections/services/items/{id}")).await?;
    assert_eq!(service["id"], id);
    assert_eq!(service["geometry"]["type"], "Point");
    let p = &service["properties"];
    assert!(p["sources"]
        .as_array()
        .is_some_and(|s| s.iter().any(|s| s == "fr-laposte-snapshots")));
    assert!(p["commune"]
        .as_str()
        .is_some_and(|c| c.starts_with("FR-59")));
    assert_eq!(
        p["closure_candidate"],
        !both && p["last_seen"] == "2016-08-21"
    );
    let before: i64 = sqlx::query_scalar("SELECT count(*) FROM service WHERE id < $1")
        .bind(id)
        .fetch_one(&db.pool)
        .await?;
    let listed = geojson(
        &app,
        &format!("/ogc/collections/services/items?offset={before}&limit=1"),
    )
    .await?;
    let in_list = &features(&listed)[0];
    assert_eq!(in_list["id"], id, "services are listed by id");
    assert_eq!(in_list["geometry"], service["geometry"]);
    assert_eq!(in_list["properties"], service["properties"]);

    refused(
        &app,
        "/ogc/collections/communes/items/BE-99999",
        404,
        "BE-99999",
    )
    .await?;
    refused(&app, "/ogc/collections/communes/items/33011", 404, "33011").await?;
    refused(&app, "/ogc/collections/services/items/0", 404, "services").await?;
    refused(&app, "/ogc/collections/services/items/abc", 404, "abc").await?;
    refused(
        &app,
        "/ogc/collections/roads/items/1",
        404,
        "communes, services",
    )
    .await?;
    db.drop_database().await
}

#[tokio::test]
async fn malformed_parameters_are_400_naming_them_and_unknown_ones_are_ignored(
) -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    let app = TestApp::spawn(db.pool.clone()).await?;
    for collection in ["communes", "services"] {
        for (query, parameter) in [
            ("limit=0", "limit"),
            ("limit=-1", "limit"),
            ("limit=ten", "limit"),
            ("offset=-5", "offset"),
            ("bbox=1,2,3", "bbox"),
            ("bbox=1,2,x,4", "bbox"),
            ("bbox=3,50,2,51", "bbox"),
            ("bbox=1,2,3,4,5", "bbox"),
            ("datetime=garbage", "datetime"),
            ("datetime=../..", "datetime"),
            ("datetime=2020-12-31/2020-01-01", "datetime"),
            ("datetime=2020-02-30", "datetime"),
            ("limit=5&limit=6", "limit"),
        ] {
            let path = format!("/ogc/collections/{collection}/items?{query}");
            refused(&app, &path, 400, &format!("query parameter {parameter}")).await?;
        }
    }
    refused(
        &app,
        "/ogc/collections/services/items?category=Post%20Office",
        400,
        "query parameter category",
    )
    .await?;

    // A page larger than the server's largest is served at that size, not refused
    // (OGC API Features /req/core/fc-limit-response).
    let page = geojson(&app, "/ogc/collections/communes/items?limit=10001").await?;
    assert_eq!(page["numberReturned"], 0);
    assert!(href(&page, "self").contains("limit=10000"));
    // Parameters the server does not know are ignored; `category` means nothing to communes.
    geojson(
        &app,
        "/ogc/collections/communes/items?f=json&foo=bar&category=x",
    )
    .await?;
    db.drop_database().await
}

/// GDAL's OGC API – Features driver reads the collections as they are.
#[tokio::test]
async fn gdal_reads_the_collections() -> anyhow::Result<()> {
    let version = tokio::process::Command::new("ogrinfo")
        .arg("--version")
        .output()
        .await;
    anyhow::ensure!(
        version.is_ok_and(|o| o.status.success()),
        "ogrinfo is missing: install the Debian package gdal-bin (scripts/install-deps.sh --test does)"
    );
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let app = TestApp::spawn(db.pool.clone()).await?;
    let services: i64 = sqlx::query_scalar("SELECT count(*) FROM service")
        .fetch_one(&db.pool)
        .await?;
    for (collection, expected) in [("communes", 711), ("services", services)] {
        let output = tokio::process::Command::new("ogrinfo")
            .args(["-ro", "-so", &format!("OAPIF:{}/ogc", app.base), collection])
            .output()
            .await?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{stdout}\n{stderr}");

        assert!(
            stdout.contains(&format!("Feature Count: {expected}")),
            "{collection}: {stdout}\n{stderr}"
        );

        // Reading every feature follows the `next` links, GDAL's default page size of 10.
        let output = tokio::process::Command::new("ogrinfo")
            .args([
                "-ro",
                "-al",
                "-q",
                "-geom=NO",
                &format!("OAPIF:{}/ogc", app.base),
                collection,
            ])
            .output()
            .await?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let read = stdout
            .matches(&format!("OGRFeature({collection}):"))
            .count();
        assert_eq!(read as i64, expected, "{collection}: features GDAL read");
    }
    db.drop_database().await
}
