//! Bad input stops the ingest with an error naming file, place and field, and leaves the
//! database exactly as it was.

use std::path::{Path, PathBuf};

use observatory_ingest::{IngestError, IngestOptions};
use observatory_tests::{ingest_westhoek, shared_data, westhoek_manifest, TestDb};
use sqlx::PgPool;

/// A copy of the Westhoek manifest, in a temporary folder, whose source `id` reads `file`
/// (in that folder) instead. The folder is the data folder, with links to the real data's
/// folders: a source's path must lie inside the data folder.
fn manifest_with(dir: &Path, id: &str, file: &Path) -> anyhow::Result<PathBuf> {
    let text = std::fs::read_to_string(westhoek_manifest())?;
    let mut table: toml::Table = toml::from_str(&text)?;
    for sub in ["boundaries", "population", "services"] {
        std::os::unix::fs::symlink(shared_data().canonicalize()?.join(sub), dir.join(sub))?;
    }
    table.insert(
        "data_dir".into(),
        toml::Value::String(dir.display().to_string()),
    );
    let facts_dir = westhoek_manifest()
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    if let Some(facts) = table.get_mut("facts").and_then(toml::Value::as_table_mut) {
        for (_, path) in facts.iter_mut() {
            if let Some(p) = path.as_str() {
                *path = toml::Value::String(facts_dir.join(p).display().to_string());
            }
        }
    }
    let sources = table
        .get_mut("source")
        .and_then(toml::Value::as_array_mut)
        .ok_or_else(|| anyhow::anyhow!("no sources"))?;
    let source = sources
        .iter_mut()
        .filter_map(toml::Value::as_table_mut)
        .find(|s| s.get("id").and_then(toml::Value::as_str) == Some(id))
        .ok_or_else(|| anyhow::anyhow!("no source {id}"))?;
    let relative = file.strip_prefix(dir).unwrap_or(file);
    source.insert(
        "path".into(),
        toml::Value::String(relative.display().to_string()),
    );
    let path = dir.join("manifest.toml");
    std::fs::write(&path, toml::to_string(&table)?)?;
    Ok(path)
}

/// Everything an ingest writes, summarised: any change shows.
async fn fingerprint(pool: &PgPool) -> anyhow::Result<(i64, i64, i64, i64, String)> {
    Ok(sqlx::query_as(
        "SELECT (SELECT count(*) FROM commune),
                (SELECT count(*) FROM commune_population),
                (SELECT coalesce(sum(population), 0) FROM commune_population),
                (SELECT count(*) FROM data_release),
                (SELECT coalesce(md5(string_agg(country || code || name || ST_AsText(geom), ',' ORDER BY country, code)), '') FROM commune)",
    )
    .fetch_one(pool)
    .await?)
}

/// Loads the real release, then the broken one; returns the error's text after checking
/// that nothing changed.
async fn rejected(id: &str, file_name: &str, content: &str) -> anyhow::Result<String> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let before = fingerprint(&db.pool).await?;

    let dir = tempfile::tempdir()?;
    let file = dir.path().join(file_name);
    std::fs::write(&file, content)?;
    let manifest = manifest_with(dir.path(), id, &file)?;
    let options = IngestOptions {
        manifest,
        data_dir: None,
        progress: false,
    };
    let error = match observatory_ingest::run(&db.pool, &options).await {
        Ok(_) => anyhow::bail!("the ingest of a broken {id} succeeded"),
        Err(e) => e,
    };
    assert!(
        matches!(error, IngestError::Input { .. }),
        "an input error, not {error:?}"
    );
    let message = error.to_string();
    assert!(
        message.contains(file_name),
        "the error names the file: {message}"
    );
    assert_eq!(
        fingerprint(&db.pool).await?,
        before,
        "the database is unchanged after: {message}"
    );
    db.drop_database().await?;
    Ok(message)
}

const IEPER_SQUARE: &str = r#"{"type":"Polygon","coordinates":[[[2.8,50.8],[2.9,50.8],[2.9,50.9],[2.8,50.9],[2.8,50.8]]]}"#;

#[tokio::test]
async fn malformed_geojson() -> anyhow::Result<()> {
    let message = rejected(
        "be-gemeenten-2025",
        "broken.geojson",
        r#"{"type":"FeatureCollection","features":[{"type":"Feat"#,
    )
    .await?;
    assert!(message.contains("malformed GeoJSON"), "{message}");
    Ok(())
}

#[tokio::test]
async fn a_feature_without_its_code_field() -> anyhow::Result<()> {
    let content = format!(
        r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{{"naam":"Ieper"}},"geometry":{IEPER_SQUARE}}}]}}"#
    );
    let message = rejected("be-gemeenten-2025", "no_code.geojson", &content).await?;
    assert!(
        message.contains("feature 0") && message.contains("field `geoitem`"),
        "{message}"
    );
    Ok(())
}

#[tokio::test]
async fn an_invalid_polygon() -> anyhow::Result<()> {
    // A bow tie: the ring crosses itself.
    let bow_tie = r#"{"type":"Polygon","coordinates":[[[2.8,50.8],[2.9,50.9],[2.9,50.8],[2.8,50.9],[2.8,50.8]]]}"#;
    let content = format!(
        r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{{"geoitem":"33011","naam":"Ieper"}},"geometry":{bow_tie}}}]}}"#
    );
    let message = rejected("be-gemeenten-2025", "bow_tie.geojson", &content).await?;
    assert!(
        message.contains("feature 0 (code 33011)") && message.contains("field `geometry`"),
        "{message}"
    );
    assert!(message.contains("self-intersection"), "{message}");
    Ok(())
}

#[tokio::test]
async fn a_population_row_whose_code_matches_no_commune() -> anyhow::Result<()> {
    let content = "year,CD_REFNIS,TX_DESCR_NL,TX_DESCR_FR,total\n2024,33011,Ieper,Ypres,35000\n2024,33999,Nergens,Nulle part,100\n";
    let message = rejected("be-population-statbel", "unknown_code.csv", content).await?;
    assert!(
        message.contains("line 3") && message.contains("field `CD_REFNIS`"),
        "{message}"
    );
    assert!(
        message.contains("BE-33999") && message.contains("matches no commune"),
        "{message}"
    );
    Ok(())
}

#[tokio::test]
async fn a_missing_column_and_a_bad_number() -> anyhow::Result<()> {
    let message = rejected(
        "be-population-statbel",
        "no_total.csv",
        "year,CD_REFNIS\n2024,33011\n",
    )
    .await?;
    assert!(
        message.contains("field `total`") && message.contains("no such column"),
        "{message}"
    );

    let message = rejected(
        "be-population-statbel",
        "bad_total.csv",
        "year,CD_REFNIS,TX_DESCR_NL,TX_DESCR_FR,total\n2024,33011,Ieper,Ypres,-5\n",
    )
    .await?;
    assert!(
        message.contains("line 2")
            && message.contains("field `total`")
            && message.contains("\"-5\""),
        "{message}"
    );
    Ok(())
}

#[tokio::test]
async fn a_duplicate_population_row() -> anyhow::Result<()> {
    let content = "year,CD_REFNIS,TX_DESCR_NL,TX_DESCR_FR,total\n2024,33011,Ieper,Ypres,35000\n2024,33011,Ieper,Ypres,35001\n";
    let message = rejected("be-population-statbel", "duplicate.csv", content).await?;
    assert!(
        message.contains("line 3") && message.contains("second row for commune BE-33011"),
        "{message}"
    );
    Ok(())
}

#[tokio::test]
async fn a_count_too_large_for_its_column() -> anyhow::Result<()> {
    let message = rejected(
        "fr-bpe-2009",
        "bpe2009.csv",
        "INSEECOM,Total de NB_EQUIP,Bureau de poste\n59183,3000000000,3000000000\n",
    )
    .await?;
    assert!(
        message.contains("3000000000 services of `post_office` in FR-59183 in 2009"),
        "{message}"
    );
    Ok(())
}
