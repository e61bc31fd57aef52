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

    // The server's connections closed under it: the database no longer answers it.
    if let Some(pool) = &app.pool {
        pool.close().await;
    }
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

/// What an export answered: status, media type, file name and body.
struct Download {
    content_type: String,
    file_name: String,
    body: String,
}

async fn download(app: &TestApp, path: &str) -> anyhow::Result<Download> {
    let response = app.get(path).await?;
    assert_eq!(response.status(), 200, "{path}");
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let content_type = header("content-type");
    let disposition = header("content-disposition");
    let file_name = disposition
        .strip_prefix("attachment; filename=\"")
        .and_then(|d| d.strip_suffix('"'))
        .ok_or_else(|| anyhow::anyhow!("{path}: content-disposition {disposition:?}"))?
        .to_owned();
    // Bytes first: the body must be UTF-8 as it is, not as a client might guess it.
    let body = String::from_utf8(response.bytes().await?.to_vec())?;
    Ok(Download {
        content_type,
        file_name,
        body,
    })
}

/// The features of a GeoJSON export, parsed with the geojson crate.
fn features(body: &str) -> anyhow::Result<Vec<geojson::Feature>> {
    let collection: geojson::FeatureCollection = body.parse()?;
    Ok(collection.features)
}

/// The records of a CSV export with its header, parsed with the csv crate.
fn records(body: &str) -> anyhow::Result<(csv::StringRecord, Vec<csv::StringRecord>)> {
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let headers = reader.headers()?.clone();
    let rows = reader.records().collect::<Result<Vec<_>, _>>()?;
    Ok((headers, rows))
}

fn column(headers: &csv::StringRecord, name: &str) -> anyhow::Result<usize> {
    headers
        .iter()
        .position(|h| h == name)
        .ok_or_else(|| anyhow::anyhow!("no column {name} in {headers:?}"))
}

/// A 400 whose JSON error names the parameter.
async fn refused(app: &TestApp, path: &str, parameter: &str) -> anyhow::Result<()> {
    let response = app.get(path).await?;
    assert_eq!(response.status(), 400, "{path}");
    let body: serde_json::Value = response.json().await?;
    let message = body["error"].as_str().unwrap_or_default();
    assert!(message.contains(parameter), "{path}: {message}");
    Ok(())
}

const SERVICE_COLUMNS: [&str; 13] = [
    "id",
    "category",
    "group",
    "name",
    "address",
    "commune",
    "country",
    "sources",
    "first_seen",
    "last_seen",
    "closure_candidate",
    "lon",
    "lat",
];

#[tokio::test]
async fn service_exports_match_the_database_under_every_filter() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let app = TestApp::spawn(db.pool.clone()).await?;
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();

    // The selections, and the ids the database gives for each, asked independently.
    let ieper_box = "2.80,50.80,2.95,50.90";
    let cases: [(&str, &str); 7] = [
        ("", "TRUE"),
        ("category=pharmacy", "category = 'pharmacy'"),
        (
            "bbox=2.80,50.80,2.95,50.90",
            "geom && ST_MakeEnvelope(2.80, 50.80, 2.95, 50.90, 4326)",
        ),
        ("date=2016-08-21", "first_seen <= '2016-08-21' AND last_seen >= '2016-08-21'"),
        ("commune=BE-33011", "country = 'BE' AND commune_code = '33011'"),
        ("commune=FR-59183", "country = 'FR' AND commune_code = '59183'"),
        (
            "category=post_office&date=2020-06-30&commune=FR-59183&bbox=2.2,50.9,2.5,51.1",
            "category = 'post_office' AND first_seen <= '2020-06-30' AND last_seen >= '2020-06-30' \
             AND country = 'FR' AND commune_code = '59183' \
             AND geom && ST_MakeEnvelope(2.2, 50.9, 2.5, 51.1, 4326)",
        ),
    ];
    for (query, condition) in cases {
        let expected: Vec<i64> = sqlx::query_scalar(&format!(
            "SELECT id FROM service WHERE {condition} ORDER BY id"
        ))
        .fetch_all(&db.pool)
        .await?;
        assert!(!expected.is_empty(), "{query}: the test selects something");

        let geojson = download(&app, &format!("/exports/services.geojson?{query}")).await?;
        assert_eq!(geojson.content_type, "application/geo+json");
        assert!(
            geojson.file_name.starts_with("westhoek-services")
                && geojson.file_name.ends_with(&format!("{today}.geojson")),
            "{}",
            geojson.file_name
        );
        let features = features(&geojson.body)?;
        let ids: Vec<i64> = features
            .iter()
            .map(|f| match &f.id {
                Some(geojson::feature::Id::Number(n)) => n.as_i64().unwrap_or(-1),
                _ => -1,
            })
            .collect();
        assert_eq!(ids, expected, "GeoJSON, {query}");
        for f in &features {
            let Some(geojson::Value::Point(p)) = f.geometry.as_ref().map(|g| &g.value) else {
                anyhow::bail!("{query}: feature {:?} is not a point", f.id);
            };
            assert!(
                (1.5..4.6).contains(&p[0]) && (49.5..51.6).contains(&p[1]),
                "{p:?}"
            );
            for key in SERVICE_COLUMNS
                .iter()
                .filter(|k| !matches!(**k, "lon" | "lat"))
            {
                assert!(f.contains_property(key), "{query}: property {key}");
            }
        }

        let csv = download(&app, &format!("/exports/services.csv?{query}")).await?;
        assert_eq!(csv.content_type, "text/csv; charset=utf-8");
        assert!(
            csv.file_name.starts_with("westhoek-services")
                && csv.file_name.ends_with(&format!("{today}.csv")),
            "{}",
            csv.file_name
        );
        let (headers, rows) = records(&csv.body)?;
        assert_eq!(headers.iter().collect::<Vec<_>>(), SERVICE_COLUMNS);
        let id = column(&headers, "id")?;
        let ids: Vec<i64> = rows
            .iter()
            .map(|r| r[id].parse::<i64>())
            .collect::<Result<_, _>>()?;
        assert_eq!(ids, expected, "CSV, {query}");
    }

    // The file name says what was selected.
    let d = download(
        &app,
        "/exports/services.csv?category=pharmacy&commune=BE-33011",
    )
    .await?;
    assert_eq!(
        d.file_name,
        format!("westhoek-services-pharmacy-BE-33011-{today}.csv")
    );
    let d = download(&app, &format!("/exports/services.geojson?bbox={ieper_box}")).await?;
    assert_eq!(
        d.file_name,
        format!("westhoek-services-bbox-{today}.geojson")
    );

    // One service compared field by field with the database, in both formats: a name
    // with accents or quotes, as the sources write it.
    let (sid, name, address, sources, first_seen, lon, lat): (
        i64,
        String,
        Option<String>,
        Vec<String>,
        chrono::NaiveDate,
        f64,
        f64,
    ) = sqlx::query_as(
        "SELECT s.id, s.name, s.address,
                ARRAY(SELECT DISTINCT source_id FROM service_provenance WHERE service_id = s.id ORDER BY 1),
                s.first_seen, ST_X(s.geom), ST_Y(s.geom)
         FROM service s
         WHERE s.name ~ '[éèêëàçôû]' AND s.commune_code IS NOT NULL
         ORDER BY s.id LIMIT 1",
    )
    .fetch_one(&db.pool)
    .await?;
    let all_csv = download(&app, "/exports/services.csv").await?;
    let (headers, rows) = records(&all_csv.body)?;
    let row = rows
        .iter()
        .find(|r| r[0] == sid.to_string())
        .ok_or_else(|| anyhow::anyhow!("service {sid} is not in the CSV"))?;
    assert_eq!(&row[column(&headers, "name")?], name);
    assert_eq!(
        &row[column(&headers, "address")?],
        address.as_deref().unwrap_or("")
    );
    assert_eq!(&row[column(&headers, "sources")?], sources.join(";"));
    assert_eq!(
        &row[column(&headers, "first_seen")?],
        first_seen.to_string()
    );
    assert!((row[column(&headers, "lon")?].parse::<f64>()? - lon).abs() < 1e-6);
    assert!((row[column(&headers, "lat")?].parse::<f64>()? - lat).abs() < 1e-6);
    let all_geojson = download(&app, "/exports/services.geojson").await?;
    let feature = features(&all_geojson.body)?
        .into_iter()
        .find(|f| f.property("id").and_then(|v| v.as_i64()) == Some(sid))
        .ok_or_else(|| anyhow::anyhow!("service {sid} is not in the GeoJSON"))?;
    assert_eq!(
        feature.property("name").and_then(|v| v.as_str()),
        Some(name.as_str())
    );
    assert_eq!(
        feature.property("sources"),
        Some(&serde_json::json!(sources))
    );

    // `observatory export` writes the same bytes as the HTTP export, and nothing when a
    // filter is bad.
    let dir = tempfile::tempdir()?;
    let export = |args: Vec<String>| {
        let url = db.url();
        async move {
            Ok::<_, anyhow::Error>(
                tokio::process::Command::new(observatory_tests::observatory_bin())
                    .env("DATABASE_URL", url?)
                    .current_dir(observatory_tests::repo_root())
                    .arg("export")
                    .args(args)
                    .output()
                    .await?,
            )
        }
    };
    for (layer, format, filters) in [
        (
            "services",
            "csv",
            vec!["--category", "pharmacy", "--commune", "BE-33011"],
        ),
        (
            "services",
            "geojson",
            vec!["--date", "2016-08-21", "--bbox", "2.2,50.9,2.5,51.1"],
        ),
        (
            "communes",
            "geojson",
            vec!["--bbox", "2.80,50.80,2.95,50.90"],
        ),
    ] {
        let file = dir.path().join(format!("{layer}.{format}"));
        let mut args: Vec<String> = vec![layer.into(), "--format".into(), format.into()];
        args.extend(filters.iter().map(|a| (*a).to_owned()));
        args.extend(["-o".to_owned(), file.to_string_lossy().into_owned()]);
        let output = export(args).await?;
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let query: Vec<String> = filters
            .chunks(2)
            .map(|kv| format!("{}={}", kv[0].trim_start_matches("--"), kv[1]))
            .collect();
        let over_http = download(
            &app,
            &format!("/exports/{layer}.{format}?{}", query.join("&")),
        )
        .await?;
        assert_eq!(
            std::fs::read_to_string(&file)?,
            over_http.body,
            "{layer}.{format}"
        );
    }
    let bad = dir.path().join("bad.csv");
    let output = export(vec![
        "services".into(),
        "--bbox".into(),
        "1,2,3".into(),
        "-o".into(),
        bad.to_string_lossy().into_owned(),
    ])
    .await?;
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("bbox"));
    assert!(std::fs::read_dir(dir.path())?
        .all(|e| e.is_ok_and(|e| !e.file_name().to_string_lossy().starts_with("bad"))));
    db.drop_database().await
}

#[tokio::test]
async fn commune_exports_filter_and_carry_the_indicators() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let app = TestApp::spawn(db.pool.clone()).await?;

    // Every commune: the GeoJSON properties carry the same indicator values as the CSV.
    let geojson = features(&download(&app, "/exports/communes.geojson").await?.body)?;
    let (headers, rows) = records(&download(&app, "/exports/communes.csv").await?.body)?;
    assert_eq!((geojson.len(), rows.len()), (711, 711));
    let id = column(&headers, "id")?;
    let indicators = [
        "nearest_pharmacy_m",
        "nearest_hospital_m",
        "nearest_rail_station_m",
        "nearest_post_office_m",
        "nearest_secondary_school_m",
        "population_change_pct",
    ];
    let mut with_values = 0;
    for (feature, row) in geojson.iter().zip(&rows) {
        let fid = feature
            .property("id")
            .and_then(|v| v.as_str())
            .unwrap_or_default();
        assert_eq!(fid, &row[id], "the same order");
        for name in indicators {
            let in_csv = &row[column(&headers, name)?];
            match feature.property(name) {
                Some(serde_json::Value::Number(n)) => {
                    with_values += 1;
                    let v = n.as_f64().unwrap_or(f64::NAN);
                    assert_eq!(in_csv.parse::<f64>()?, v, "{fid} {name}");
                }
                Some(serde_json::Value::Null) => assert_eq!(in_csv, "", "{fid} {name}"),
                other => anyhow::bail!("{fid} {name}: {other:?}"),
            }
        }
        for name in ["name", "name_nl", "name_fr"] {
            let in_csv = &row[column(&headers, name)?];
            let in_json = feature
                .property(name)
                .and_then(|v| v.as_str())
                .unwrap_or("");
            assert_eq!(in_json, in_csv, "{fid} {name}");
        }
    }
    assert!(with_values > 1000, "{with_values} indicator values");
    let ieper = geojson
        .iter()
        .find(|f| f.property("id").and_then(|v| v.as_str()) == Some("BE-33011"))
        .ok_or_else(|| anyhow::anyhow!("no Ieper"))?;
    let pharmacy: Option<f64> = sqlx::query_scalar(
        "SELECT round(value) FROM indicator_value
         WHERE indicator = 'nearest_service_m' AND category = 'pharmacy' AND year = 0
           AND country = 'BE' AND code = '33011'",
    )
    .fetch_one(&db.pool)
    .await?;
    assert_eq!(
        ieper
            .property("nearest_pharmacy_m")
            .and_then(|v| v.as_f64()),
        pharmacy
    );

    // Names in both languages, accents as they are (UTF-8 both ways).
    let names: std::collections::BTreeMap<String, (String, String, String)> = rows
        .iter()
        .map(|r| -> anyhow::Result<_> {
            Ok((
                r[id].to_owned(),
                (
                    r[column(&headers, "name")?].to_owned(),
                    r[column(&headers, "name_nl")?].to_owned(),
                    r[column(&headers, "name_fr")?].to_owned(),
                ),
            ))
        })
        .collect::<anyhow::Result<_>>()?;
    let db_names: Vec<(String, String, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT country || '-' || code, name, name_nl, name_fr FROM commune ORDER BY 1",
    )
    .fetch_all(&db.pool)
    .await?;
    for (cid, name, nl, fr) in &db_names {
        let got = names
            .get(cid)
            .ok_or_else(|| anyhow::anyhow!("{cid} missing"))?;
        assert_eq!(
            got,
            &(
                name.clone(),
                nl.clone().unwrap_or_default(),
                fr.clone().unwrap_or_default()
            )
        );
    }
    assert!(
        db_names.iter().any(|(_, n, _, _)| !n.is_ascii()),
        "some names have accents"
    );
    let comines = names
        .get("BE-57097")
        .ok_or_else(|| anyhow::anyhow!("no Comines"))?;
    assert_eq!(
        (comines.1.as_str(), comines.2.as_str()),
        ("Komen-Waasten", "Comines-Warneton")
    );
    assert_eq!(
        names.get("FR-59309").map(|n| n.0.as_str()),
        Some("Hondschoote")
    );

    // bbox: the communes whose outline meets the box; commune: that one alone.
    let expected: Vec<String> = sqlx::query_scalar(
        "SELECT country || '-' || code FROM commune
         WHERE ST_Intersects(geom, ST_MakeEnvelope(2.80, 50.80, 2.95, 50.90, 4326))
         ORDER BY country, code",
    )
    .fetch_all(&db.pool)
    .await?;
    assert!(expected.len() > 1);
    let boxed = download(&app, "/exports/communes.geojson?bbox=2.80,50.80,2.95,50.90").await?;
    let ids: Vec<String> = features(&boxed.body)?
        .iter()
        .filter_map(|f| f.property("id").and_then(|v| v.as_str()).map(str::to_owned))
        .collect();
    assert_eq!(ids, expected);
    let (_, boxed_rows) = records(
        &download(&app, "/exports/communes.csv?bbox=2.80,50.80,2.95,50.90")
            .await?
            .body,
    )?;
    assert_eq!(
        boxed_rows
            .iter()
            .map(|r| r[id].to_owned())
            .collect::<Vec<_>>(),
        expected
    );
    let one = download(&app, "/exports/communes.csv?commune=BE-57097").await?;
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    assert_eq!(
        one.file_name,
        format!("westhoek-communes-BE-57097-{today}.csv")
    );
    let (_, one_rows) = records(&one.body)?;
    assert_eq!(one_rows.len(), 1);
    assert_eq!(&one_rows[0][id], "BE-57097");
    let one = features(
        &download(&app, "/exports/communes.geojson?commune=FR-59309")
            .await?
            .body,
    )?;
    assert_eq!(one.len(), 1);
    db.drop_database().await
}

#[tokio::test]
async fn bad_export_filters_are_refused_naming_the_parameter() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    let app = TestApp::spawn(db.pool.clone()).await?;
    for format in ["geojson", "csv"] {
        let services = format!("/exports/services.{format}");
        let communes = format!("/exports/communes.{format}");
        refused(&app, &format!("{services}?category=foo"), "category").await?;
        refused(&app, &format!("{services}?category=Not%20one"), "category").await?;
        refused(&app, &format!("{services}?bbox=1,2,3"), "bbox").await?;
        refused(&app, &format!("{services}?bbox=a,b,c,d"), "bbox").await?;
        refused(&app, &format!("{services}?bbox=3,50,2,51"), "bbox").await?;
        refused(&app, &format!("{services}?date=2020-13-01"), "date").await?;
        refused(&app, &format!("{services}?date=yesterday"), "date").await?;
        refused(&app, &format!("{services}?commune=33011"), "commune").await?;
        refused(&app, &format!("{services}?commune=BE-99999"), "commune").await?;
        refused(&app, &format!("{services}?categroy=pharmacy"), "categroy").await?;
        refused(
            &app,
            &format!("{services}?bbox=1,2,3,4&bbox=1,2,3,4"),
            "bbox",
        )
        .await?;
        refused(&app, &format!("{communes}?bbox=1,2"), "bbox").await?;
        refused(&app, &format!("{communes}?commune=FR-2A"), "commune").await?;
        refused(&app, &format!("{communes}?commune=FR-59183"), "commune").await?;
        // Services' filters are not the communes' ones.
        refused(&app, &format!("{communes}?category=pharmacy"), "category").await?;
    }

    // An empty selection is still a well-formed file: a header, an empty collection.
    let (headers, rows) = records(&download(&app, "/exports/services.csv").await?.body)?;
    assert_eq!(headers.iter().collect::<Vec<_>>(), SERVICE_COLUMNS);
    assert!(rows.is_empty());
    assert!(features(&download(&app, "/exports/services.geojson").await?.body)?.is_empty());
    let (headers, rows) = records(&download(&app, "/exports/communes.csv").await?.body)?;
    assert!(headers.iter().any(|h| h == "nearest_pharmacy_m"));
    assert!(rows.is_empty());
    db.drop_database().await
}
