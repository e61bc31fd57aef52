//! The quick import as an operator meets it: Belgian exports (`;`-separated, Latin-1,
//! Lambert 72 metres) whose type column holds a word, a fixed category, a file whose every
//! record is refused, and a database with no communes yet.

use std::path::{Path, PathBuf};
use std::process::Output;

use observatory_ingest::{CategoryRule, IngestError, QuickImport};
use observatory_tests::{ingest_westhoek, observatory_bin, repo_root, shared_data, TestDb};
use sqlx::PgPool;

/// Six places in the Westhoek in Lambert 72 metres (EPSG:31370), with their commune: the
/// market squares of Ieper, Poperinge, Diksmuide and Veurne, and two more in Ieper and
/// Poperinge.
const PLACES: [(&str, f64, f64, &str); 6] = [
    ("1", 45_529.7, 172_254.1, "BE-33011"),
    ("2", 34_360.0, 172_956.4, "BE-33021"),
    ("3", 44_453.6, 192_492.8, "BE-32003"),
    ("4", 30_527.6, 197_155.6, "BE-38025"),
    ("5", 46_219.5, 171_873.2, "BE-33011"),
    ("6", 34_614.3, 172_672.7, "BE-33021"),
];

/// Per place: its name, its category, and how a French, a Dutch and an English export
/// would type it, in the case and with (or without) the accents such files use.
const TYPED: [(&str, &str, [&str; 3]); 6] = [
    (
        "Pharmacie de l'Yser",
        "pharmacy",
        ["Pharmacie", "APOTHEEK", "pharmacy"],
    ),
    (
        "Bureau Poperinge-Centre",
        "post_office",
        ["Bureau de Poste", "postkantoor", "Post office"],
    ),
    (
        "Gare de Dixmude",
        "rail_station",
        ["gare", "Station", "railway station"],
    ),
    (
        "Bibliothèque de Furnes",
        "library",
        ["bibliothèque", "Bibliotheek", "LIBRARY"],
    ),
    (
        "École Saint-Pierre",
        "primary_school",
        ["Ecole Primaire", "Basisschool", "primary school"],
    ),
    (
        "Hôpital Jan Yperman",
        "hospital",
        ["HÔPITAL", "ziekenhuis", "Hospital"],
    ),
];

/// A Belgian export as Latin-1 bytes: `;`-separated, Lambert 72 metres with a decimal point.
fn belgian_export(types: impl Fn(usize) -> String) -> Vec<u8> {
    let mut text = String::from("numero;nom;type_service;x_lambert72;y_lambert72\n");
    for (i, ((id, x, y, _), (name, _, _))) in PLACES.iter().zip(TYPED).enumerate() {
        text.push_str(&format!("{id};{name};{};{x};{y}\n", types(i)));
    }
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(&text);
    assert!(!unmappable, "the test's text is Latin-1");
    bytes.into_owned()
}

fn write(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> anyhow::Result<PathBuf> {
    let path = dir.path().join(name);
    std::fs::write(&path, bytes)?;
    Ok(path)
}

/// A quick import of a Belgian export, each record's category read from `type_service`
/// as a common word.
fn belgian_import(file: &Path, source_id: &str) -> QuickImport {
    QuickImport {
        file: file.to_path_buf(),
        source_id: source_id.into(),
        taxonomy: repo_root().join("data/taxonomy.toml"),
        category: CategoryRule::Field {
            field: "type_service".into(),
            vocabulary: "words".into(),
        },
        id_field: Some("numero".into()),
        name_field: Some("nom".into()),
        x_field: Some("x_lambert72".into()),
        y_field: Some("y_lambert72".into()),
        srid: 31370,
        delimiter: ';',
        latin1: true,
        observed_on: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default(),
        coverage: vec![],
        licence: "test".into(),
    }
}

/// The arguments of `observatory ingest` for a Belgian export (without the category).
fn belgian_args(file: &Path, source_id: &str) -> Vec<String> {
    let mut args: Vec<String> = [
        "ingest",
        "--no-progress",
        "--source-id",
        source_id,
        "--id-field",
        "numero",
        "--name-field",
        "nom",
        "--x-field",
        "x_lambert72",
        "--y-field",
        "y_lambert72",
        "--srid",
        "31370",
        "--delimiter",
        ";",
        "--encoding",
        "latin-1",
        "--file",
    ]
    .map(String::from)
    .to_vec();
    args.push(file.display().to_string());
    args
}

/// Runs the binary against the test's database, from the repository root (where the
/// default taxonomy lies).
async fn observatory(db: &TestDb, args: &[String]) -> anyhow::Result<Output> {
    Ok(tokio::process::Command::new(observatory_bin())
        .env("DATABASE_URL", db.url()?)
        .env_remove("RUST_LOG")
        .current_dir(repo_root())
        .args(args)
        .output()
        .await?)
}

/// Each record id of a source with the category of its service and its name.
async fn records(pool: &PgPool, source: &str) -> anyhow::Result<Vec<(String, String, String)>> {
    Ok(sqlx::query_as(
        "SELECT p.record_id, s.category, s.name FROM service_provenance p
         JOIN service s ON s.id = p.service_id WHERE p.source_id = $1 ORDER BY p.record_id",
    )
    .bind(source)
    .fetch_all(pool)
    .await?)
}

#[tokio::test]
async fn common_words_in_french_dutch_and_english_give_the_same_categories() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let dir = tempfile::tempdir()?;
    for (language, source) in [(0, "t-fr"), (1, "t-nl"), (2, "t-en")] {
        let file = write(
            &dir,
            &format!("{source}.csv"),
            &belgian_export(|i| TYPED[i].2[language].to_owned()),
        )?;
        let summary =
            observatory_ingest::run_quick(&db.pool, &belgian_import(&file, source), false).await?;
        let stats = summary.get(source).cloned().unwrap_or_default();
        assert!(
            stats.unknown_values.is_empty(),
            "{source}: {:?}",
            stats.unknown_values
        );
        assert_eq!(
            (stats.read, stats.loaded + stats.merged),
            (6, 6),
            "{source}: {stats:?}"
        );
        let loaded = records(&db.pool, source).await?;
        let expected: Vec<(String, String, String)> = PLACES
            .iter()
            .zip(TYPED)
            .map(|((id, ..), (name, category, _))| ((*id).into(), category.into(), name.into()))
            .collect();
        assert_eq!(loaded, expected, "{source}");
    }
    // The Dutch and English files describe the services the French one loaded.
    let services: i64 = sqlx::query_scalar(
        "SELECT count(DISTINCT service_id) FROM service_provenance WHERE source_id IN ('t-fr', 't-nl', 't-en')",
    )
    .fetch_one(&db.pool)
    .await?;
    assert_eq!(services, 6);
    // Lambert 72 metres land in their communes.
    let communes: Vec<(String, String)> = sqlx::query_as(
        "SELECT p.record_id, s.country || '-' || s.commune_code FROM service_provenance p
         JOIN service s ON s.id = p.service_id WHERE p.source_id = 't-fr' ORDER BY 1",
    )
    .fetch_all(&db.pool)
    .await?;
    let expected: Vec<(String, String)> = PLACES
        .iter()
        .map(|(id, _, _, c)| ((*id).into(), (*c).into()))
        .collect();
    assert_eq!(communes, expected);
    db.drop_database().await
}

#[tokio::test]
async fn a_file_whose_every_record_is_refused_fails_and_writes_nothing() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let dir = tempfile::tempdir()?;
    let good = write(
        &dir,
        "good.csv",
        &belgian_export(|i| TYPED[i].2[0].to_owned()),
    )?;
    // Words of no category: a drugstore, a launderette.
    let refused = write(
        &dir,
        "refused.csv",
        &belgian_export(|i| ["droguerie", "Wasserette"][i % 2].to_owned()),
    )?;
    let field = ["--category-field", "type_service"].map(String::from);

    let output = observatory(
        &db,
        &[belgian_args(&good, "t-export"), field.to_vec()].concat(),
    )
    .await?;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let before = records(&db.pool, "t-export").await?;
    assert_eq!(before.len(), 6);

    // The same source id with a file of refused records: a failed import that says so in
    // its last line, after the receipt, and leaves the earlier load in place.
    let output = observatory(
        &db,
        &[belgian_args(&refused, "t-export"), field.to_vec()].concat(),
    )
    .await?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("droguerie") && stdout.contains("Wasserette"),
        "{stdout}"
    );
    let last = stderr.trim_end().lines().last().unwrap_or_default();
    for expected in [
        "error: ",
        "refused.csv",
        "none of its 6 records was loaded",
        "6 with a `type_service` value the taxonomy does not know",
        "\"droguerie\": 3",
        "nothing was written",
        "data/taxonomy.toml",
        "--category ID",
    ] {
        assert!(
            last.contains(expected),
            "{expected:?} not in the last line: {last}"
        );
    }
    assert_eq!(records(&db.pool, "t-export").await?, before);

    // Giving the category instead loads the same file.
    let category = ["--category", "pharmacy"].map(String::from);
    let output = observatory(
        &db,
        &[belgian_args(&refused, "t-export"), category.to_vec()].concat(),
    )
    .await?;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let after = records(&db.pool, "t-export").await?;
    assert_eq!(after.len(), 6);
    assert!(
        after.iter().all(|(_, category, _)| category == "pharmacy"),
        "{after:?}"
    );
    let raw: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT raw_category FROM service_provenance WHERE source_id = 't-export'",
    )
    .fetch_all(&db.pool)
    .await?;
    assert_eq!(raw, ["pharmacy"]);

    // An unknown value under the exact ids points to the common words.
    let mut import = belgian_import(&good, "t-ids");
    import.category = CategoryRule::Field {
        field: "type_service".into(),
        vocabulary: "category".into(),
    };
    let error = observatory_ingest::run_quick(&db.pool, &import, false)
        .await
        .err();
    let Some(IngestError::NothingLoaded {
        message, summary, ..
    }) = error
    else {
        anyhow::bail!("expected a failed import, got {error:?}");
    };
    assert!(message.contains("--vocabulary words"), "{message}");
    assert_eq!(summary.get("t-ids").map(|s| s.read), Some(6));
    assert!(records(&db.pool, "t-ids").await?.is_empty());
    db.drop_database().await
}

#[tokio::test]
async fn the_category_is_given_one_way_only() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    let dir = tempfile::tempdir()?;
    let file = write(
        &dir,
        "export.csv",
        &belgian_export(|i| TYPED[i].2[0].to_owned()),
    )?;

    let both = ["--category", "pharmacy", "--category-field", "type_service"].map(String::from);
    let output = observatory(
        &db,
        &[belgian_args(&file, "t-both"), both.to_vec()].concat(),
    )
    .await?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--category <ID>") && stderr.contains("--category-field"),
        "{stderr}"
    );

    let output = observatory(&db, &belgian_args(&file, "t-neither")).await?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("--category-field FIELD") && stderr.contains("--category ID"),
        "{stderr}"
    );

    let misspelt = ["--category", "Pharmacy"].map(String::from);
    let output = observatory(
        &db,
        &[belgian_args(&file, "t-bad"), misspelt.to_vec()].concat(),
    )
    .await?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("'Pharmacy'"), "{stderr}");

    // A well-formed id the taxonomy does not define: the option is named, with the ids.
    let mut import = belgian_import(&file, "t-unknown");
    import.category = CategoryRule::Fixed(observatory_core::ServiceCategory::parse("chemist")?);
    let error = observatory_ingest::run_quick(&db.pool, &import, false)
        .await
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        error.contains("services file")
            && error.contains("--category chemist")
            && error.contains("pharmacy"),
        "{error}"
    );
    db.drop_database().await
}

#[tokio::test]
async fn a_services_file_before_any_commune_is_named_as_what_it_is() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    let dir = tempfile::tempdir()?;
    let file = write(
        &dir,
        "stations.geojson",
        br#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"s1","name":"Ieper"},"geometry":{"type":"Point","coordinates":[2.8768,50.8474]}}]}"#,
    )?;
    let output = observatory(
        &db,
        &[
            "ingest",
            "--no-progress",
            "--source-id",
            "t-stations",
            "--category",
            "rail_station",
            "--file",
        ]
        .map(String::from)
        .into_iter()
        .chain([file.display().to_string()])
        .collect::<Vec<_>>(),
    )
    .await?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let last = stderr.trim_end().lines().last().unwrap_or_default();
    assert!(
        !last.contains("manifest stations.geojson") && !last.contains("read the manifest"),
        "{last}"
    );
    for expected in [
        "cannot import the services file",
        "stations.geojson",
        "no commune is loaded",
        "run `observatory ingest` first",
    ] {
        assert!(last.contains(expected), "{expected:?} not in: {last}");
    }
    db.drop_database().await
}

/// The real case: the AFMPS list of 2022 as a Belgian export would give it (Latin-1,
/// `;`-separated, Lambert 72 metres, a `type_service` column holding `pharmacie`), loaded
/// with the type column and no vocabulary named, merges into the AFMPS pharmacies.
#[tokio::test]
async fn a_belgian_pharmacy_export_merges_into_the_afmps_list() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let afmps = shared_data().join("services/be_pharmacies_afmps_2022-03-08.geojson");
    let collection: geojson::FeatureCollection =
        serde_json::from_str(&std::fs::read_to_string(&afmps)?)?;
    let (mut ids, mut names, mut xs, mut ys) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for feature in &collection.features {
        let property = |name: &str| feature.property(name).cloned().unwrap_or_default();
        let lambert_2008 = property("geo")
            .as_array()
            .and_then(|g| g.iter().find(|p| p["format"] == "epsg:3812"))
            .cloned()
            .unwrap_or_default();
        ids.push(property("authorization_id").to_string());
        names.push(property("name").as_str().unwrap_or_default().to_owned());
        xs.push(lambert_2008["x"].as_f64().unwrap_or_default());
        ys.push(lambert_2008["y"].as_f64().unwrap_or_default());
    }
    assert_eq!(ids.len(), 552);
    // Lambert 2008 to Lambert 72, as PostGIS transforms them.
    let lambert_72: Vec<(f64, f64)> = sqlx::query_as(
        "SELECT ST_X(g), ST_Y(g) FROM unnest($1::float8[], $2::float8[]) WITH ORDINALITY AS p(x, y, n),
         ST_Transform(ST_SetSRID(ST_MakePoint(x, y), 3812), 31370) AS g ORDER BY n",
    )
    .bind(&xs)
    .bind(&ys)
    .fetch_all(&db.pool)
    .await?;
    let mut writer = csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer(Vec::new());
    writer.write_record([
        "numero",
        "nom",
        "type_service",
        "x_lambert72",
        "y_lambert72",
    ])?;
    for ((id, name), (x, y)) in ids.iter().zip(&names).zip(&lambert_72) {
        writer.write_record([
            id,
            name,
            "pharmacie",
            &format!("{x:.2}"),
            &format!("{y:.2}"),
        ])?;
    }
    let text = String::from_utf8(writer.into_inner()?)?;
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(&text);
    anyhow::ensure!(!unmappable, "the AFMPS names are Latin-1");
    let dir = tempfile::tempdir()?;
    let file = write(&dir, "PHARMACIES.csv", &bytes)?;

    let field = ["--category-field", "type_service"].map(String::from);
    let output = observatory(
        &db,
        &[belgian_args(&file, "t-pharmacies"), field.to_vec()].concat(),
    )
    .await?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let merged: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM service_provenance p WHERE p.source_id = 't-pharmacies'
         AND EXISTS (SELECT 1 FROM service_provenance a
                     WHERE a.service_id = p.service_id AND a.source_id = 'be-pharmacies-afmps')",
    )
    .fetch_one(&db.pool)
    .await?;
    assert_eq!(merged, 552, "{stdout}");
    db.drop_database().await
}
