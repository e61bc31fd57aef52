//! What the web atlas asks of the server: the commune search, the label points, the
//! taxonomy and source lists, and a commune's profile with its series, checked against the
//! files the data came from and against the database.

use observatory_tests::{ingest_westhoek, repo_root, westhoek_manifest, TestApp, TestDb};
use serde_json::Value;

/// The ids of the communes a search answers, best first.
async fn search_ids(app: &TestApp, query: &str) -> anyhow::Result<Vec<String>> {
    let response = app.get(&format!("/api/communes?{query}")).await?;
    anyhow::ensure!(response.status() == 200, "{query}: {}", response.status());
    let body: Value = response.json().await?;
    Ok(body
        .as_array()
        .ok_or_else(|| anyhow::anyhow!("{query}: not an array: {body}"))?
        .iter()
        .map(|m| m["id"].as_str().unwrap_or_default().to_owned())
        .collect())
}

#[tokio::test]
async fn the_search_finds_a_commune_by_either_name_in_any_case_and_accent() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let app = TestApp::spawn(db.pool.clone()).await?;

    // French and Dutch names, any case; Pérenchies with and without its accent, and
    // Armentières (whose name is also part of Chapelle-d'Armentières) both ways.
    let cases = [
        ("q=ypres", "BE-33011"),
        ("q=Ieper", "BE-33011"),
        ("q=IEPER", "BE-33011"),
        ("q=duinkerke", "FR-59183"),
        ("q=dunkerque", "FR-59183"),
        ("q=perenchies", "FR-59457"),
        ("q=P%C3%A9renchies", "FR-59457"),
        ("q=PERENCHIES", "FR-59457"),
        ("q=armentieres", "FR-59017"),
        ("q=Armenti%C3%A8res", "FR-59017"),
        // punctuation and spaces fold to one space
        ("q=chapelle-d%27armentieres", "FR-59143"),
        ("q=Chapelle%20d%20Armenti%C3%A8res", "FR-59143"),
    ];
    for (query, first) in cases {
        let ids = search_ids(&app, query).await?;
        assert_eq!(
            ids.first().map(String::as_str),
            Some(first),
            "{query}: {ids:?}"
        );
    }

    // Each match carries its names and the extent of its outline.
    let body: Value = app
        .get("/api/communes?q=ieper&limit=1")
        .await?
        .json()
        .await?;
    let ieper = &body[0];
    assert_eq!(ieper["country"], "BE");
    assert_eq!(ieper["code"], "33011");
    assert_eq!(ieper["name_nl"], "Ieper");
    assert_eq!(ieper["name_fr"], "Ypres");
    let bbox: Vec<f64> = ieper["bbox"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_f64)
        .collect();
    let (west, south, east, north): (f64, f64, f64, f64) = sqlx::query_as(
        "SELECT ST_XMin(geom), ST_YMin(geom), ST_XMax(geom), ST_YMax(geom) FROM commune WHERE country = 'BE' AND code = '33011'",
    )
    .fetch_one(&db.pool)
    .await?;
    assert_eq!(bbox, [west, south, east, north], "{ieper}");

    // Nothing matches: an empty list, not an error.
    let response = app.get("/api/communes?q=zqxjkw").await?;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await?;
    assert_eq!(body, serde_json::json!([]));
    db.drop_database().await
}

#[tokio::test]
async fn the_search_answers_at_most_limit_matches() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let app = TestApp::spawn(db.pool.clone()).await?;
    // "e" is in most names: far more matches than any limit.
    let matching: i64 =
        sqlx::query_scalar("SELECT count(*) FROM commune WHERE search_key LIKE '%e%'")
            .fetch_one(&db.pool)
            .await?;
    assert!(matching > 100, "{matching} communes with an e");
    for (query, expected) in [
        ("q=e", 10),
        ("q=e&limit=", 10),
        ("q=e&limit=1", 1),
        ("q=e&limit=7", 7),
        ("q=e&limit=50", 50),
    ] {
        let ids = search_ids(&app, query).await?;
        assert_eq!(ids.len(), expected, "{query}");
        let mut distinct = ids.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(
            distinct.len(),
            ids.len(),
            "{query}: a commune listed twice: {ids:?}"
        );
    }
    // A smaller limit gives the first matches of a larger one.
    let ten = search_ids(&app, "q=saint&limit=10").await?;
    let three = search_ids(&app, "q=saint&limit=3").await?;
    assert_eq!(three, ten[..3], "{ten:?}");
    db.drop_database().await
}

#[tokio::test]
async fn a_malformed_search_is_a_400_naming_the_parameter() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    let app = TestApp::spawn(db.pool.clone()).await?;
    let long = "a".repeat(101);
    let cases = [
        ("", "q"),
        ("limit=5", "q"),
        ("q=", "q"),
        ("q=%20-'.%2C", "q"),
        (&*format!("q={long}"), "q"),
        ("q=ieper&limit=0", "limit"),
        ("q=ieper&limit=51", "limit"),
        ("q=ieper&limit=abc", "limit"),
        ("q=ieper&limit=-1", "limit"),
        ("q=ieper&limit=2.5", "limit"),
    ];
    for (query, parameter) in cases {
        let response = app.get(&format!("/api/communes?{query}")).await?;
        assert_eq!(response.status(), 400, "{query}");
        let body: Value = response.json().await?;
        let message = body["error"].as_str().unwrap_or_default();
        assert!(
            message.contains(&format!("query parameter {parameter}:")),
            "{query}: {message:?} names {parameter}"
        );
    }
    // 100 characters are still a query (that matches nothing).
    let ids = search_ids(&app, &format!("q={}", "a".repeat(100))).await?;
    assert!(ids.is_empty(), "{ids:?}");
    db.drop_database().await
}

#[tokio::test]
async fn the_taxonomy_comes_in_the_order_of_its_file_with_three_labels() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let app = TestApp::spawn(db.pool.clone()).await?;

    let text = std::fs::read_to_string(repo_root().join("data/taxonomy.toml"))?;
    let taxonomy: toml::Table = toml::from_str(&text)?;
    let entries = |key: &str| -> Vec<toml::Table> {
        taxonomy
            .get(key)
            .and_then(toml::Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_table().cloned())
            .collect()
    };
    let text_of = |t: &toml::Table, key: &str| {
        t.get(key)
            .and_then(toml::Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let categories = entries("category");
    let expected: Vec<(String, Vec<String>)> = entries("group")
        .iter()
        .map(|g| {
            let id = text_of(g, "id");
            let members = categories
                .iter()
                .filter(|c| text_of(c, "group") == id)
                .map(|c| text_of(c, "id"))
                .collect();
            (id, members)
        })
        .collect();
    assert!(
        expected.len() >= 5 && categories.len() >= 14,
        "{expected:?}"
    );

    let response = app.get("/api/categories").await?;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await?;
    let groups = body["groups"].as_array().cloned().unwrap_or_default();
    let served: Vec<(String, Vec<String>)> = groups
        .iter()
        .map(|g| {
            let members = g["categories"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|c| c["id"].as_str().unwrap_or_default().to_owned())
                .collect();
            (g["id"].as_str().unwrap_or_default().to_owned(), members)
        })
        .collect();
    assert_eq!(served, expected);

    // Every group and category labelled in the three languages, as the file labels it.
    let labels = |t: &toml::Table| -> Vec<String> {
        let label = t.get("label").and_then(toml::Value::as_table);
        ["nl", "fr", "en"]
            .iter()
            .map(|l| {
                label
                    .and_then(|m| m.get(*l))
                    .and_then(toml::Value::as_str)
                    .unwrap_or_default()
                    .to_owned()
            })
            .collect()
    };
    let served_labels = |v: &Value| -> Vec<String> {
        ["nl", "fr", "en"]
            .iter()
            .map(|l| v["label"][*l].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    for (group, file_group) in groups.iter().zip(entries("group")) {
        let served = served_labels(group);
        assert!(served.iter().all(|l| !l.is_empty()), "{group}");
        assert_eq!(served, labels(&file_group), "{group}");
        for category in group["categories"].as_array().into_iter().flatten() {
            let served = served_labels(category);
            assert!(served.iter().all(|l| !l.is_empty()), "{category}");
            let file_category = categories
                .iter()
                .find(|c| text_of(c, "id") == category["id"].as_str().unwrap_or_default())
                .ok_or_else(|| anyhow::anyhow!("{category} is not in the file"))?;
            assert_eq!(served, labels(file_category), "{category}");
            let basket = file_category
                .get("everyday_basket")
                .and_then(toml::Value::as_bool)
                .unwrap_or(false);
            assert_eq!(category["everyday_basket"], basket, "{category}");
        }
    }
    db.drop_database().await
}

#[tokio::test]
async fn every_source_of_the_manifest_is_listed_with_its_licence() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let app = TestApp::spawn(db.pool.clone()).await?;

    let manifest: toml::Table = toml::from_str(&std::fs::read_to_string(westhoek_manifest())?)?;
    let sources: Vec<toml::Table> = manifest
        .get("source")
        .and_then(toml::Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_table().cloned())
        .collect();
    assert!(
        sources.len() > 10,
        "{} sources in the manifest",
        sources.len()
    );

    let response = app.get("/api/sources").await?;
    assert_eq!(response.status(), 200);
    let served: Value = response.json().await?;
    let served = served.as_array().cloned().unwrap_or_default();
    for source in &sources {
        let field = |key: &str| {
            source
                .get(key)
                .and_then(toml::Value::as_str)
                .unwrap_or_default()
        };
        let id = field("id");
        let listed = served
            .iter()
            .find(|s| s["id"] == id)
            .ok_or_else(|| anyhow::anyhow!("source {id} is not listed"))?;
        for key in ["title", "publisher", "licence"] {
            let value = listed[key].as_str().unwrap_or_default();
            assert!(!value.is_empty(), "{id}: no {key}: {listed}");
            assert_eq!(value, field(key), "{id}: {key}");
        }
    }
    db.drop_database().await
}

#[tokio::test]
async fn one_label_point_per_commune_inside_it() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let app = TestApp::spawn(db.pool.clone()).await?;

    let response = app.get("/api/labels").await?;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/geo+json");
    let text = response.text().await?;
    let collection: geojson::FeatureCollection = text.parse()?;
    let communes: i64 = sqlx::query_scalar("SELECT count(*) FROM commune")
        .fetch_one(&db.pool)
        .await?;
    assert!(communes > 700, "{communes} communes");
    assert_eq!(collection.features.len() as i64, communes);

    // The points as served (rounded to 6 decimals), each inside the outline of its
    // commune: checked by PostGIS in one statement.
    let mut ids = Vec::new();
    let mut lons = Vec::new();
    let mut lats = Vec::new();
    for feature in &collection.features {
        let id = match &feature.id {
            Some(geojson::feature::Id::String(id)) => id.clone(),
            other => anyhow::bail!("feature id {other:?}"),
        };
        assert_eq!(
            feature.property("id").and_then(Value::as_str),
            Some(id.as_str())
        );
        assert!(
            feature
                .property("name")
                .and_then(Value::as_str)
                .is_some_and(|n| !n.is_empty()),
            "{id}: no name"
        );
        let Some(geojson::Value::Point(point)) = feature.geometry.as_ref().map(|g| &g.value) else {
            anyhow::bail!("{id}: not a point");
        };
        ids.push(id);
        lons.push(point[0]);
        lats.push(point[1]);
    }
    let outside: Vec<String> = sqlx::query_scalar(
        "SELECT p.id FROM unnest($1::text[], $2::float8[], $3::float8[]) AS p(id, lon, lat)
         LEFT JOIN commune c ON c.country || '-' || c.code = p.id
         WHERE c.code IS NULL OR NOT ST_Contains(c.geom, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326))",
    )
    .bind(&ids)
    .bind(&lons)
    .bind(&lats)
    .fetch_all(&db.pool)
    .await?;
    assert!(
        outside.is_empty(),
        "label points outside their commune: {outside:?}"
    );
    let mut distinct = ids.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), ids.len(), "one feature per commune");

    // The most populous first.
    let populations: Vec<i64> = collection
        .features
        .iter()
        .filter_map(|f| f.property("population").and_then(Value::as_i64))
        .collect();
    assert!(populations.windows(2).all(|w| w[0] >= w[1]));
    db.drop_database().await
}

#[tokio::test]
async fn the_profile_holds_the_population_and_services_series() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let app = TestApp::spawn(db.pool.clone()).await?;

    for id in ["BE-33011", "FR-59183", "BE-57097"] {
        let response = app.get(&format!("/api/communes/{id}")).await?;
        assert_eq!(response.status(), 200, "{id}");
        let profile: Value = response.json().await?;
        assert_eq!(profile["id"], id);

        let series = profile["population_series"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert!(!series.is_empty(), "{id}: no population series");
        let years: Vec<i64> = series.iter().filter_map(|p| p["year"].as_i64()).collect();
        assert_eq!(years.len(), series.len(), "{id}: {series:?}");
        assert!(
            years.windows(2).all(|w| w[0] < w[1]),
            "{id}: years {years:?}"
        );
        assert!(series
            .iter()
            .all(|p| p["population"].as_i64().is_some_and(|n| n >= 0)));

        // The series is the population table's.
        let expected: Vec<(i16, i32)> = sqlx::query_as(
            "SELECT year, population FROM commune_population WHERE country || '-' || code = $1 ORDER BY year",
        )
        .bind(id)
        .fetch_all(&db.pool)
        .await?;
        let served: Vec<(i64, i64)> = series
            .iter()
            .map(|p| {
                (
                    p["year"].as_i64().unwrap_or(-1),
                    p["population"].as_i64().unwrap_or(-1),
                )
            })
            .collect();
        let expected: Vec<(i64, i64)> = expected
            .into_iter()
            .map(|(y, p)| (i64::from(y), i64::from(p)))
            .collect();
        assert_eq!(served, expected, "{id}");

        // The services series: for each category, dates ascending per form.
        let services = profile["services_series"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert!(!services.is_empty(), "{id}: no services series");
        for point in &services {
            assert!(point["category"].is_string(), "{point}");
            assert!(
                matches!(point["form"].as_str(), Some("points" | "counts")),
                "{point}"
            );
            assert!(point["count"].as_i64().is_some_and(|n| n >= 0), "{point}");
            let date = point["date"].as_str().unwrap_or_default();
            assert!(
                chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").is_ok(),
                "{point}"
            );
        }
        let keys: Vec<(String, String, String)> = services
            .iter()
            .map(|p| {
                let s = |k: &str| p[k].as_str().unwrap_or_default().to_owned();
                (s("category"), s("form"), s("date"))
            })
            .collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "{id}: {keys:?}");
    }

    // Ieper: the latest figure of the series is the profile's population, of that year.
    let profile: Value = app.get("/api/communes/BE-33011").await?.json().await?;
    let last = profile["population_series"]
        .as_array()
        .and_then(|s| s.last())
        .cloned()
        .unwrap_or_default();
    assert_eq!(last["year"], profile["population_year"], "{last}");
    assert_eq!(last["population"], profile["population"], "{last}");
    assert!(profile["population"].as_i64().is_some_and(|n| n > 30_000));
    // Ieper has hospitals and pharmacies: counted on the dates their sources saw them.
    let services = profile["services_series"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for category in ["hospital", "pharmacy"] {
        assert!(
            services
                .iter()
                .any(|p| p["category"] == category && p["count"].as_i64().unwrap_or(0) > 0),
            "no {category} in {services:?}"
        );
    }
    db.drop_database().await
}
