//! Two regions in one database: the Westhoek release and the generated Meuse valley
//! (scripts/generate_region.py), each loaded from its own manifest. Each region's
//! communes, services, indicators and exports are its own; loading or re-loading one
//! leaves the other's rows as they were; a manifest may not take another region's
//! sources or communes.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use observatory_ingest::IngestError;
use observatory_tests::{generate_ardennes, ingest_manifest, ingest_westhoek, TestApp, TestDb};
use sqlx::PgPool;

/// What a region holds, read from the tables: enough to see any row added, removed or
/// changed. Services are counted (their ids change when a source is loaded again);
/// indicator rows are compared whole.
#[derive(Debug, PartialEq)]
struct Holdings {
    communes: i64,
    population_rows: i64,
    sources: i64,
    service_records: i64,
    services_in_communes: i64,
    indicator_rows: i64,
    indicator_digest: String,
}

async fn holdings(pool: &PgPool, region: &str) -> anyhow::Result<Holdings> {
    let (communes, population_rows, sources, service_records, services_in_communes): (
        i64,
        i64,
        i64,
        i64,
        i64,
    ) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM commune WHERE region_id = $1),
                (SELECT count(*) FROM commune_population p JOIN commune c USING (country, code)
                 WHERE c.region_id = $1),
                (SELECT count(*) FROM source WHERE region_id = $1),
                (SELECT count(*) FROM service_provenance p JOIN source s ON s.id = p.source_id
                 WHERE s.region_id = $1),
                (SELECT count(*) FROM service v JOIN commune c
                   ON c.country = v.country AND c.code = v.commune_code WHERE c.region_id = $1)",
    )
    .bind(region)
    .fetch_one(pool)
    .await?;
    let (indicator_rows, indicator_digest): (i64, String) = sqlx::query_as(
        "SELECT count(*), md5(coalesce(string_agg(concat_ws('|', i.indicator, i.country, i.code,
                    i.category, i.year, i.value, i.no_data, array_to_string(i.sources, ';'), i.detail),
                    E'\\n' ORDER BY i.indicator, i.country, i.code, i.category, i.year), ''))
         FROM indicator_value i JOIN commune c USING (country, code)
         WHERE c.region_id = $1",
    )
    .bind(region)
    .fetch_one(pool)
    .await?;
    Ok(Holdings {
        communes,
        population_rows,
        sources,
        service_records,
        services_in_communes,
        indicator_rows,
        indicator_digest,
    })
}

/// The region's communes' ids, from the tables.
async fn commune_ids(pool: &PgPool, region: &str) -> anyhow::Result<BTreeSet<String>> {
    let ids: Vec<String> =
        sqlx::query_scalar("SELECT country || '-' || code FROM commune WHERE region_id = $1")
            .bind(region)
            .fetch_all(pool)
            .await?;
    Ok(ids.into_iter().collect())
}

/// The Ardennes manifest edited, written beside it (its data and facts are relative to
/// its folder), for the refusals.
fn edited_manifest(
    original: &Path,
    name: &str,
    edit: impl FnOnce(&mut toml::Table),
) -> anyhow::Result<PathBuf> {
    let mut table: toml::Table = toml::from_str(&std::fs::read_to_string(original)?)?;
    edit(&mut table);
    let path = original.with_file_name(name);
    std::fs::write(&path, toml::to_string(&table)?)?;
    Ok(path)
}

fn set_region_id(table: &mut toml::Table, id: &str) {
    if let Some(toml::Value::Table(region)) = table.get_mut("region") {
        region.insert("id".into(), toml::Value::String(id.into()));
    }
}

fn rename_sources(table: &mut toml::Table, prefix: &str) {
    if let Some(toml::Value::Array(sources)) = table.get_mut("source") {
        for source in sources {
            if let Some(toml::Value::String(id)) =
                source.as_table_mut().and_then(|s| s.get_mut("id"))
            {
                *id = format!("{prefix}{id}");
            }
        }
    }
}

#[tokio::test]
async fn two_regions_keep_to_their_own_rows() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    let dir = tempfile::tempdir()?;
    let ardennes = generate_ardennes(dir.path())?;

    ingest_westhoek(&db.pool).await?;
    let westhoek_alone = holdings(&db.pool, "westhoek").await?;
    assert_eq!(westhoek_alone.communes, 711);

    // Loading the second region adds it and leaves the first as it was, indicators
    // included: they are computed over both, but nothing of the Meuse valley, 100 km
    // away, is nearer to a Westhoek commune, and its sources speak for its own communes.
    let summary = ingest_manifest(&db.pool, &ardennes).await?;
    assert_eq!(summary.region.as_deref(), Some("ardennes"));
    assert_eq!(holdings(&db.pool, "westhoek").await?, westhoek_alone);
    let ardennes_first = holdings(&db.pool, "ardennes").await?;
    assert!(
        (40..=200).contains(&ardennes_first.communes),
        "tens of communes: {ardennes_first:?}"
    );
    assert!(
        ardennes_first.services_in_communes > 1000,
        "{ardennes_first:?}"
    );
    assert!(ardennes_first.indicator_rows > 0, "{ardennes_first:?}");
    // Both sides of the border in both regions.
    let sides: Vec<(String, String)> =
        sqlx::query_as("SELECT DISTINCT region_id, country::text FROM commune ORDER BY 1, 2")
            .fetch_all(&db.pool)
            .await?;
    assert_eq!(sides.len(), 4, "{sides:?}");

    // A source speaks for its own region: the Westhoek's La Poste snapshots and BPE
    // inventories say nothing of the Meuse valley's French communes, which have neither.
    let borrowed: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM indicator_value i JOIN commune c USING (country, code)
         WHERE c.region_id = 'ardennes' AND i.value IS NOT NULL
           AND (i.indicator IN ('services_gained', 'services_lost') OR i.year = 2009)",
    )
    .fetch_one(&db.pool)
    .await?;
    assert_eq!(
        borrowed, 0,
        "values of the Westhoek's series in the Ardennes"
    );
    // ... while its own BPE-like points cover pharmacies in France, which the Westhoek's
    // sources do not: each region says so for itself.
    let pharmacy_gaps: Vec<(String, String)> = sqlx::query_as(
        "SELECT region, country::text FROM indicator_gap
         WHERE indicator = 'nearest_service_m' AND category = 'pharmacy' ORDER BY 1, 2",
    )
    .fetch_all(&db.pool)
    .await?;
    assert_eq!(
        pharmacy_gaps,
        vec![("westhoek".to_owned(), "FR".to_owned())],
        "only the Westhoek's French side has no pharmacy locations"
    );

    // Loading the second region again replaces its rows only.
    ingest_manifest(&db.pool, &ardennes).await?;
    assert_eq!(holdings(&db.pool, "ardennes").await?, ardennes_first);
    assert_eq!(holdings(&db.pool, "westhoek").await?, westhoek_alone);

    // Through HTTP: each region's communes, indicators and exports are its own.
    let app = TestApp::spawn(db.pool.clone()).await?;
    let westhoek_ids = commune_ids(&db.pool, "westhoek").await?;
    let ardennes_ids = commune_ids(&db.pool, "ardennes").await?;

    let regions: serde_json::Value = app.get("/api/regions").await?.json().await?;
    let listed: Vec<(String, i64)> = regions
        .as_array()
        .map(|a| {
            a.iter()
                .map(|r| {
                    (
                        r["id"].as_str().unwrap_or_default().to_owned(),
                        r["communes"].as_i64().unwrap_or(-1),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        listed,
        vec![
            ("westhoek".to_owned(), 711),
            ("ardennes".to_owned(), ardennes_first.communes)
        ],
        "the first loaded first"
    );
    assert_eq!(
        regions[1]["name"]["en"],
        "Ardennes – Meuse valley (generated)"
    );
    let view: Vec<f64> = serde_json::from_value(regions[0]["view"].clone())?;
    assert_eq!(view, vec![2.0, 50.0, 3.8, 51.4], "the manifest's view");
    let bbox: Vec<f64> = serde_json::from_value(regions[1]["bbox"].clone())?;
    assert!(
        bbox.len() == 4 && bbox[0] > 4.0 && bbox[2] < 5.5 && bbox[1] > 49.5 && bbox[3] < 50.5,
        "the Meuse valley's communes' extent: {bbox:?}"
    );

    for (region, ids) in [("westhoek", &westhoek_ids), ("ardennes", &ardennes_ids)] {
        let values: serde_json::Value = app
            .get(&format!(
                "/api/indicators/nearest_service_m?category=hospital&region={region}"
            ))
            .await?
            .json()
            .await?;
        let got: BTreeSet<String> = values["values"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v["commune"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(&got, ids, "{region}'s indicator values");
        assert_eq!(values["region"], region);
        assert_eq!(
            values["count"].as_i64().unwrap_or(-1) + values["no_data"].as_i64().unwrap_or(-1),
            ids.len() as i64
        );

        let response = app
            .get(&format!("/exports/communes.csv?region={region}"))
            .await?;
        assert_eq!(response.status(), 200);
        let disposition = response.headers()["content-disposition"]
            .to_str()?
            .to_owned();
        assert!(
            disposition.contains(&format!("\"{region}-communes-")),
            "{disposition}"
        );
        let text = response.text().await?;
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let exported: BTreeSet<String> = reader
            .records()
            .map(|r| r.map(|r| r[0].to_owned()))
            .collect::<Result<_, _>>()?;
        assert_eq!(&exported, ids, "{region}'s communes export");

        // Services: those in the region's communes and those kept just outside them.
        let expected: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM service s
             WHERE EXISTS (SELECT 1 FROM commune c WHERE c.country = s.country
                             AND c.code = s.commune_code AND c.region_id = $1)
                OR (s.commune_code IS NULL AND EXISTS (
                        SELECT 1 FROM region r WHERE r.id = $1 AND ST_DWithin(r.margin, s.geom, 0)))",
        )
        .bind(region)
        .fetch_one(&db.pool)
        .await?;
        let text = app
            .get(&format!("/exports/services.csv?region={region}"))
            .await?
            .text()
            .await?;
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let mut rows = 0;
        for record in reader.records() {
            let record = record?;
            rows += 1;
            let commune = &record[5];
            assert!(
                commune.is_empty() || ids.contains(commune),
                "{region}'s services export holds a service of {commune}"
            );
        }
        assert_eq!(rows, expected, "{region}'s services export");

        let page: serde_json::Value = app
            .get(&format!(
                "/ogc/collections/communes/items?limit=5&region={region}"
            ))
            .await?
            .json()
            .await?;
        assert_eq!(page["numberMatched"].as_u64(), Some(ids.len() as u64));
        let next = page["links"]
            .as_array()
            .and_then(|links| links.iter().find(|l| l["rel"] == "next"))
            .and_then(|l| l["href"].as_str())
            .unwrap_or_default()
            .to_owned();
        assert!(
            next.contains(&format!("region={region}")),
            "the next page keeps the region: {next}"
        );
    }

    // So do the label points.
    let labels: serde_json::Value = app.get("/api/labels?region=ardennes").await?.json().await?;
    let labelled: BTreeSet<String> = labels["features"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|f| f["id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(labelled, ardennes_ids, "the Meuse valley's label points");

    // The search keeps to the region asked for.
    let name: String = sqlx::query_scalar(
        "SELECT name FROM commune WHERE region_id = 'ardennes' ORDER BY population DESC LIMIT 1",
    )
    .fetch_one(&db.pool)
    .await?;
    let search = |region: &str| {
        format!(
            "/api/communes?q={}&region={region}",
            name.replace(' ', "%20")
        )
    };
    let found: Vec<serde_json::Value> = app.get(&search("ardennes")).await?.json().await?;
    assert!(
        found
            .first()
            .is_some_and(|m| m["name"] == name.as_str() && m["region"] == "ardennes"),
        "{found:?}"
    );
    assert!(found.iter().all(|m| m["region"] == "ardennes"), "{found:?}");
    let found: Vec<serde_json::Value> = app.get(&search("westhoek")).await?.json().await?;
    assert!(found.iter().all(|m| m["region"] == "westhoek"), "{found:?}");
    assert!(
        !found.iter().any(|m| m["name"] == name.as_str()),
        "{found:?}"
    );

    // Without a region, every region, as before.
    let all: serde_json::Value = app
        .get("/api/indicators/population_change_pct")
        .await?
        .json()
        .await?;
    assert_eq!(
        all["values"].as_array().map(Vec::len),
        Some(westhoek_ids.len() + ardennes_ids.len())
    );

    // An unknown region is a 404 naming it and the regions there are; a malformed one a
    // 400 naming the parameter.
    for path in [
        "/api/indicators/population_change_pct?region=nowhere",
        "/api/communes?q=ieper&region=nowhere",
        "/api/labels?region=nowhere",
        "/exports/communes.csv?region=nowhere",
        "/exports/services.geojson?region=nowhere",
        "/ogc/collections/services/items?region=nowhere",
    ] {
        let response = app.get(path).await?;
        assert_eq!(response.status(), 404, "{path}");
        let body: serde_json::Value = response.json().await?;
        let message = body["error"].as_str().unwrap_or_default();
        assert!(
            message.contains("\"nowhere\"") && message.contains("westhoek, ardennes"),
            "{path}: {message}"
        );
        let malformed = path.replace("nowhere", "No%20Where");
        let response = app.get(&malformed).await?;
        assert_eq!(response.status(), 400, "{malformed}");
        let body: serde_json::Value = response.json().await?;
        assert!(
            body["error"].as_str().is_some_and(|m| m.contains("region")),
            "{malformed}: {body}"
        );
    }

    // A manifest may not take another region's sources, nor its communes; a manifest
    // of communes names its region. Each refusal changes nothing.
    let refusals = [
        (
            edited_manifest(&ardennes, "sources.toml", |t| set_region_id(t, "meuse"))?,
            "\"ardennes-be-communes\" (region ardennes)",
        ),
        (
            edited_manifest(&ardennes, "communes.toml", |t| {
                set_region_id(t, "meuse");
                rename_sources(t, "meuse-");
            })?,
            "(region ardennes, source ardennes-",
        ),
        (
            edited_manifest(&ardennes, "no-region.toml", |t| {
                t.remove("region");
            })?,
            "add [region]",
        ),
    ];
    for (manifest, expected) in refusals {
        let error = ingest_manifest(&db.pool, &manifest)
            .await
            .expect_err("a refused manifest");
        let error = error
            .downcast::<IngestError>()
            .map_err(|e| anyhow::anyhow!("not an ingest error: {e}"))?;
        assert!(
            matches!(
                error,
                IngestError::Region { .. } | IngestError::Manifest { .. }
            ),
            "{error}"
        );
        let message = error.to_string();
        assert!(message.contains(expected), "{message}");
    }
    assert_eq!(holdings(&db.pool, "ardennes").await?, ardennes_first);
    assert_eq!(holdings(&db.pool, "westhoek").await?, westhoek_alone);
    let regions: i64 = sqlx::query_scalar("SELECT count(*) FROM region")
        .fetch_one(&db.pool)
        .await?;
    assert_eq!(regions, 2, "no region recorded by a refused load");

    db.drop_database().await
}
